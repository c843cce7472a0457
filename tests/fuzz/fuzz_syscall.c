/*
 * libFuzzer target for the argument checks of the memory system calls:
 * mmap2, munmap, mprotect, mremap, brk, shmget, shmat, shmdt and
 * shmctl(IPC_RMID), dispatched exactly as firmware/proc/syscall.c does (the
 * same mm/ calls with the same argument conversions), against real
 * address spaces (mm/ compiled unchanged) on the fake machine of
 * tests/fake_hal, plus page touches through handle_mm_fault() and fork.
 *
 * Input: byte 0 chooses failure injection (below 0xc0: none; else every
 * Nth allocation fails), then records of 25 bytes: an operation byte and
 * six 32-bit arguments.  An operation byte with its top bit clear shapes
 * the arguments (addresses in a 64 MiB window, lengths of 1 to 16 pages,
 * Linux's flag bits), so that the state grows; with it set the arguments
 * go in raw, as a hostile program would pass them.
 *
 * Checks, after every call: the result is success or -errno with an errno
 * Linux uses for that call; a successful mmap/shmat returns a page-aligned
 * user address whose region covers the length (at the asked address for
 * MAP_FIXED); munmap leaves nothing in the range; mprotect leaves the
 * asked protection on every page of it; brk never moves below start_brk;
 * validate_mm() finds nothing wrong.  After the input: every address space
 * and segment is gone and free pages, slab pages, page tables and the
 * mm_struct/vm_area_struct/anon_vma/file objects are exactly back.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fake_hal.h>
#include <mm/e820.h>
#include <mm/debug/fault_inject.h>
#include <mm/debug/validate_mm.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/init.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/shm.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (64ull << 20)
#define WINDOW 0x40000000u
#define WINDOW_PAGES 16384u /* 64 MiB */
#define MAX_CALLS 256
#define MAX_MMS 4
#define RECORD 25

enum op {
	OP_MMAP2,
	OP_MUNMAP,
	OP_MPROTECT,
	OP_MREMAP,
	OP_BRK,
	OP_SHMGET,
	OP_SHMAT,
	OP_SHMDT,
	OP_SHMCTL_RMID,
	OP_TOUCH,
	OP_FORK,
	OP_EXIT,
	OP_SWITCH,
	NR_OPS
};

static struct {
	unsigned long free, slab_pages, pagetables, objects;
} base;

static struct mm_struct *mms[MAX_MMS];
static unsigned nmms, cur;

static void die(const char *what, unsigned long a, unsigned long b)
{
	fprintf(stderr, "fuzz_syscall: %s (0x%lx, 0x%lx)\n", what, a, b);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct e820_table e820;
	struct mm_boot_info bi = {
		.e820 = &e820, .kernel_start = FAKE_KERNEL_START, .kernel_end = FAKE_KERNEL_END,
	};

	(void)argc;
	(void)argv;
	/* The mm's failure messages (injected ones included) go nowhere. */
	stdout = fopen("/dev/null", "w");
	fake_hal_init(RAM);
	e820.entries[e820.nr_entries++] = (struct e820_entry){ 0, 0x9fc00, E820_RAM };
	e820.entries[e820.nr_entries++] = (struct e820_entry){ 0x100000, RAM - 0x100000 - 0x20000, E820_RAM };
	if (mm_init(&bi) || vmalloc_init() || kmap_init() || fixmap_init())
		die("fake machine did not boot", 0, 0);
	proc_mm_init();
	sysctl_max_map_count = 200; /* reached by inputs of a few hundred calls */
	base.free = nr_free_pages();
	base.slab_pages = slab_stats.slab_pages;
	base.pagetables = nr_pagetable_pages();
	base.objects = proc_mm_objects();
	return 0;
}

static uint32_t word(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Linux's errno set for each call: anything else means an argument slipped through or a path misreports. */
static bool errno_ok(enum op op, long r)
{
	switch (-r) {
	case EINVAL:
	case ENOMEM:
		return true;
	case EBADF:
	case LINUX_EOVERFLOW:
		return op == OP_MMAP2;
	case EACCES:
		return op == OP_MMAP2 || op == OP_MPROTECT || op == OP_SHMAT || op == OP_SHMGET;
	case EEXIST:
	case ENOENT:
	case ENOSPC:
		return op == OP_SHMGET;
	case EFAULT:
		return op == OP_MREMAP;
	case EIDRM:
		return op == OP_SHMAT || op == OP_SHMCTL_RMID;
	case EPERM:
		return op == OP_MPROTECT || op == OP_MMAP2;
	case EAGAIN:
		return op == OP_MMAP2 || op == OP_MREMAP;
	default:
		return false;
	}
}

static unsigned long shape_len(uint32_t v)
{
	return v & 0x10000 ? v & 0xffff : ((v % 16) + 1) * PAGE_SIZE;
}

static vaddr_t shape_addr(uint32_t v)
{
	return v & 0x80000000u ? 0 : WINDOW + (v % WINDOW_PAGES) * PAGE_SIZE;
}

/* Region of mm covering [start, start + len) in one piece or in adjacent pieces? */
static bool covered(struct mm_struct *mm, vaddr_t start, unsigned long len)
{
	vaddr_t end = start + PAGE_ALIGN_UP(len);

	while (start < end) {
		struct vm_area_struct *vma = find_vma(mm, start);

		if (!vma || vma->vm_start > start)
			return false;
		start = vma->vm_end;
	}
	return true;
}

static void check_prot(struct mm_struct *mm, vaddr_t start, unsigned long len, unsigned long prot)
{
	vaddr_t end = start + PAGE_ALIGN_UP(len);

	if (!len)
		return; /* nothing asked, nothing changed */
	for (struct vm_area_struct *vma = find_vma(mm, start); vma && vma->vm_start < end; vma = vma->vm_next)
		if ((vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) != (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
			die("mprotect left another protection", vma->vm_start, vma->vm_flags);
}

static void do_call(enum op op, bool raw, const uint8_t *a8)
{
	uint32_t a = word(a8), b = word(a8 + 4), c = word(a8 + 8), d = word(a8 + 12), e = word(a8 + 16),
		 f = word(a8 + 20);
	struct mm_struct *mm = mms[cur];
	long r = 0;

	switch (op) {
	case OP_MMAP2:
		if (!raw) {
			a = shape_addr(a);
			b = (uint32_t)shape_len(b);
			c &= 7;
			d = (d & (MAP_FIXED | MAP_GROWSDOWN | MAP_NORESERVE)) | (d & 1 ? MAP_SHARED : MAP_PRIVATE) |
			    MAP_ANONYMOUS;
			f = 0;
		}
		/* As sys_mmap2: no files are open, so a file mapping is -EBADF before mm sees it. */
		r = (d & MAP_ANONYMOUS) ? (long)do_mmap_pgoff(mm, NULL, a, b, c, d, f) : -EBADF;
		if (!IS_ERR_VALUE(r)) {
			if ((uint32_t)r & ~PAGE_MASK || (uint32_t)r >= TASK_SIZE || !covered(mm, (vaddr_t)r, b))
				die("mmap result not a mapped user range", (unsigned long)r, b);
			if ((d & MAP_FIXED) && (uint32_t)r != a)
				die("MAP_FIXED mmap landed elsewhere", a, (unsigned long)r);
		}
		break;
	case OP_MUNMAP:
		if (!raw) {
			a = shape_addr(a) ? shape_addr(a) : WINDOW;
			b = (uint32_t)shape_len(b) * 2;
		}
		r = do_munmap(mm, a, b);
		if (!r && b && a < TASK_SIZE) {
			uint64_t end = (uint64_t)a + PAGE_ALIGN_UP((uint64_t)b);

			if (find_vma_intersection(mm, a, end > TASK_SIZE ? TASK_SIZE : (vaddr_t)end))
				die("munmap left a region in the range", a, b);
		}
		break;
	case OP_MPROTECT:
		if (!raw) {
			a = shape_addr(a) ? shape_addr(a) : WINDOW;
			b = (uint32_t)shape_len(b);
			c &= 7;
		}
		r = do_mprotect(mm, a, b, c);
		if (!r && !(c & (PROT_GROWSDOWN | PROT_GROWSUP)))
			check_prot(mm, a, b, c);
		break;
	case OP_MREMAP:
		if (!raw) {
			a = shape_addr(a) ? shape_addr(a) : WINDOW;
			b = (uint32_t)shape_len(b);
			c = (uint32_t)shape_len(c);
			d &= MREMAP_MAYMOVE | MREMAP_FIXED;
			e = shape_addr(e);
		}
		r = (long)do_mremap(mm, a, b, c, d, e);
		if (!IS_ERR_VALUE(r) && ((uint32_t)r & ~PAGE_MASK || !covered(mm, (vaddr_t)r, c)))
			die("mremap result not a mapped range", (unsigned long)r, c);
		break;
	case OP_BRK:
		if (!raw)
			a = a & 1 ? 0 : mm->start_brk + (a % 4096) * 1024;
		r = (long)do_brk_syscall(mm, a);
		if ((uint32_t)r < mm->start_brk)
			die("brk below start_brk", (unsigned long)r, mm->start_brk);
		r = 0;
		break;
	case OP_SHMGET:
		if (!raw) {
			a = a & 1 ? IPC_PRIVATE : a % 8;
			b = (uint32_t)shape_len(b);
			c = (c & (IPC_CREAT | IPC_EXCL)) | 0600;
		}
		r = shm_get((int)a, b, (int)c, 0);
		if (r >= 0)
			r = 0;
		break;
	case OP_SHMAT:
		if (!raw) {
			a %= SHMMNI;
			b = shape_addr(b);
			c &= SHM_RDONLY | SHM_RND;
		}
		r = (long)shm_at(mm, (int)a, b, (int)c);
		if (!IS_ERR_VALUE(r) && ((uint32_t)r & ~PAGE_MASK || (uint32_t)r >= TASK_SIZE || !covered(mm, (vaddr_t)r, 1)))
			die("shmat result not a mapped user address", (unsigned long)r, 0);
		break;
	case OP_SHMDT:
		if (!raw)
			a = shape_addr(a);
		r = shm_dt(mm, a);
		break;
	case OP_SHMCTL_RMID:
		r = shm_rmid((int)(raw ? a : a % SHMMNI));
		break;
	case OP_TOUCH: {
		vaddr_t addr = raw ? a : shape_addr(a);
		bool write = b & 1;
		struct vm_area_struct *vma = find_vma(mm, addr);

		/* As fault.c: only an access the region allows reaches handle_mm_fault. */
		if (vma && vma->vm_start <= addr && addr < TASK_SIZE && vma_access_ok(vma, write, false)) {
			unsigned fr = handle_mm_fault(mm, vma, addr, (write ? FAULT_FLAG_WRITE : 0) | FAULT_FLAG_USER);

			if (fr & ~VM_FAULT_OOM)
				die("anonymous or shm fault failed", addr, fr);
		}
		return;
	}
	case OP_FORK:
		if (nmms < MAX_MMS) {
			struct mm_struct *child = mm_alloc();

			if (child && dup_mmap(child, mm)) {
				mmput(child);
				child = NULL;
			}
			if (child)
				mms[nmms++] = child;
		}
		return;
	case OP_EXIT:
		if (nmms > 1) {
			mmput(mm);
			mms[cur] = mms[--nmms];
			cur = 0;
		}
		return;
	case OP_SWITCH:
		cur = a % nmms;
		return;
	default:
		return;
	}
	if (r < 0 && r >= -4095 && !errno_ok(op, r))
		die("errno Linux would not return for this call", op, (unsigned long)-r);
	if (validate_mm(mm, stderr))
		die("validate_mm found problems after a call", op, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long now;
	unsigned calls = 0;

	if (size < 1)
		return 0;
	if (data[0] >= 0xc0)
		fault_inject_set(FAULT_INJECT_NTH, (unsigned long)(data[0] - 0xbf) + 1, 0);
	mms[0] = mm_alloc();
	if (!mms[0]) {
		fault_inject_set(FAULT_INJECT_OFF, 0, 0);
		mms[0] = mm_alloc();
	}
	nmms = 1;
	cur = 0;
	for (size_t off = 1; off + RECORD <= size && calls < MAX_CALLS; off += RECORD, calls++)
		do_call((enum op)((data[off] & 0x7f) % NR_OPS), data[off] & 0x80, data + off + 1);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	while (nmms)
		mmput(mms[--nmms]);
	for (int id = 0; id < SHMMNI; id++)
		shm_rmid(id);
	if (shm_count())
		die("shm segments left after IPC_RMID of every id and every detach", shm_count(), 0);
	now = nr_free_pages() + (slab_stats.slab_pages - base.slab_pages);
	if (now != base.free)
		die("free pages not back", now, base.free);
	if (nr_pagetable_pages() != base.pagetables)
		die("page tables not back", nr_pagetable_pages(), base.pagetables);
	if (proc_mm_objects() != base.objects)
		die("mm objects not back", proc_mm_objects(), base.objects);
	return 0;
}
