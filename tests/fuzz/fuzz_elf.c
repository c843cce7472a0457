/*
 * libFuzzer target for the ELF32 loader: firmware/proc/elf.c compiled unchanged
 * against a fake address space defined here (do_mmap, find_vma,
 * access_process_vm and the file calls the loader makes).
 *
 * Input: byte 0 picks a failure to inject (0: none; else the Nth mmap or
 * user copy fails with -ENOMEM or comes up short), the rest is the file.
 *
 * Checks: elf_check() on the raw headers and load_elf_binary() agree on
 * what is an executable; every mapping the loader asks for is page-aligned,
 * MAP_FIXED, inside [MMAP_MIN_ADDR, STACK_TOP), no segment reaches the
 * stack, a file mapping never extends past the file's last page; the
 * region the loader writes the bss tail or the arguments into is mapped;
 * after a load the entry lies in an executable segment, the stack pointer
 * is 16-byte aligned inside the stack, the heap starts page-aligned above
 * every segment; the file is opened and closed exactly once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elf_loader.h>
#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <task.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MAPS 64

struct fake_map {
	vaddr_t start, end;
	unsigned long prot, flags;
	bool file;
};

static struct {
	const uint8_t *bytes;
	size_t size;
	struct fake_map maps[MAX_MAPS];
	unsigned nmaps;
	unsigned calls, fail_at;   /* failure injection: the fail_at-th mmap or copy fails (0: none) */
	int opened, closed;
	struct vm_area_struct vma; /* what find_vma hands out */
	bool exec_mapped;          /* an executable mapping was asked for */
} fk;

static void die(const char *what, unsigned long a, unsigned long b)
{
	fprintf(stderr, "fuzz_elf: %s (0x%lx, 0x%lx)\n", what, a, b);
	abort();
}

static bool inject(void)
{
	return fk.fail_at && ++fk.calls == fk.fail_at;
}

/* ---- the fake address space and file ---- */

unsigned long do_mmap(struct mm_struct *mm, struct file *file, vaddr_t addr, unsigned long len, unsigned long prot,
		      unsigned long flags, uint64_t offset)
{
	(void)mm;
	if (!(flags & MAP_FIXED))
		die("loader asked for a mapping without MAP_FIXED", addr, len);
	if (addr & ~PAGE_MASK || len & ~PAGE_MASK || !len)
		die("unaligned or empty mapping", addr, len);
	if (addr < MMAP_MIN_ADDR || addr >= STACK_TOP || len > STACK_TOP - addr)
		die("mapping outside [MMAP_MIN_ADDR, STACK_TOP)", addr, len);
	if (!(flags & MAP_GROWSDOWN) && addr + len > ELF_STACK_BOTTOM)
		die("segment reaches the stack", addr, len);
	if (file) {
		if (offset & ~PAGE_MASK)
			die("unaligned file offset", (unsigned long)offset, 0);
		if (offset + len > ((file->f_inode->i_size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1)))
			die("file mapping past the file's last page", (unsigned long)offset, len);
	}
	if (inject())
		return (unsigned long)-ENOMEM;
	if (fk.nmaps == MAX_MAPS)
		die("more mappings than program headers allow", fk.nmaps, 0);
	fk.maps[fk.nmaps++] = (struct fake_map){ addr, addr + len, prot, flags, file != NULL };
	if (prot & PROT_EXEC)
		fk.exec_mapped = true;
	return addr;
}

/* The latest mapping containing addr (MAP_FIXED replaces what was there), or NULL. */
static struct fake_map *lookup(vaddr_t addr)
{
	for (unsigned i = fk.nmaps; i-- > 0;)
		if (addr >= fk.maps[i].start && addr < fk.maps[i].end)
			return &fk.maps[i];
	return NULL;
}

struct vm_area_struct *find_vma(struct mm_struct *mm, vaddr_t addr)
{
	struct fake_map *m = lookup(addr);

	(void)mm;
	if (!m)
		die("loader looks up an address it did not map (a NULL region in the kernel)", addr, 0);
	memset(&fk.vma, 0, sizeof(fk.vma));
	fk.vma.vm_start = m->start;
	fk.vma.vm_end = m->end;
	fk.vma.vm_flags = ((m->prot & PROT_READ) ? VM_READ : 0) | ((m->prot & PROT_WRITE) ? VM_WRITE : 0) |
			  ((m->prot & PROT_EXEC) ? VM_EXEC : 0);
	return &fk.vma;
}

size_t access_process_vm(struct mm_struct *mm, vaddr_t addr, void *buf, size_t len, bool write)
{
	(void)mm;
	(void)buf;
	if (!write)
		die("the loader reads user memory", addr, len);
	for (size_t i = 0; i < len; i++)
		if (!lookup(addr + (vaddr_t)i))
			die("the loader writes unmapped user memory", addr + (vaddr_t)i, len);
	if (inject())
		return len / 2;
	return len;
}

size_t access_remote_vm(struct mm_struct *mm, vaddr_t addr, void *buf, size_t len, unsigned gup_flags)
{
	return access_process_vm(mm, addr, buf, len, (gup_flags & FOLL_WRITE) != 0);
}

static struct inode fake_inode;
static struct file fake_file;

struct file *file_open(struct inode *inode, unsigned f_mode)
{
	if (fk.opened != fk.closed)
		die("file opened twice", 0, 0);
	fk.opened++;
	memset(&fake_file, 0, sizeof(fake_file));
	fake_file.f_inode = inode;
	fake_file.f_mode = f_mode;
	fake_file.f_count = 1;
	return &fake_file;
}

void fput(struct file *file)
{
	if (file != &fake_file || --fake_file.f_count)
		die("fput of a file not open", 0, 0);
	fk.closed++;
}

size_t file_read(struct file *file, void *buf, size_t len, uint64_t *pos)
{
	size_t n;

	if (file != &fake_file || !fake_file.f_count)
		die("read of a file not open", 0, 0);
	if (*pos >= fk.size)
		return 0;
	n = fk.size - *pos < len ? (size_t)(fk.size - *pos) : len;
	memcpy(buf, fk.bytes + *pos, n);
	*pos += n;
	return n;
}

/* ---- the target ---- */

/* elf_check() on the raw bytes: the headers where the loader reads them; 0, or -ENOEXEC. */
static int check_raw(struct elf_layout *lay)
{
	struct elf32_ehdr eh;
	struct elf32_phdr ph[ELF_MAX_PHDRS];

	if (fk.size < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, fk.bytes, sizeof(eh));
	if (elf_check_header(&eh))
		return -ENOEXEC;
	if (eh.e_phoff > fk.size || fk.size - eh.e_phoff < eh.e_phnum * sizeof(ph[0]))
		return -ENOEXEC;
	memcpy(ph, fk.bytes + eh.e_phoff, eh.e_phnum * sizeof(ph[0]));
	return elf_check(&eh, ph, fk.size, lay);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const argv[] = { "prog", "arg1", "a longer second argument", NULL };
	struct mm_struct mm;
	struct elf_layout lay;
	uint32_t entry = 0, esp = 0;
	int raw, err;

	if (size < 1)
		return 0;
	memset(&fk, 0, sizeof(fk));
	fk.fail_at = data[0] < 0xe0 ? 0 : data[0] - 0xdf; /* one input in 8 fails a call */
	fk.bytes = data + 1;
	fk.size = size - 1;
	memset(&fake_inode, 0, sizeof(fake_inode));
	fake_inode.i_size = fk.size;
	memset(&mm, 0, sizeof(mm));

	raw = check_raw(&lay);
	err = load_elf_binary(&mm, &fake_inode, 3, argv, &entry, &esp);
	if (fk.opened != 1 || fk.closed != 1)
		die("file not opened and closed exactly once", (unsigned long)fk.opened, (unsigned long)fk.closed);
	if (err && err != -ENOEXEC && err != -ENOMEM && err != -E2BIG)
		die("unexpected error", (unsigned long)-err, 0);
	if (!fk.fail_at && (raw == 0) != (err == 0))
		die("elf_check and the loader disagree", (unsigned long)-raw, (unsigned long)-err);
	if (raw && fk.nmaps)
		die("a rejected file changed the address space", fk.nmaps, 0);
	if (err)
		return 0;
	if (raw)
		die("loaded a file elf_check rejects", (unsigned long)-raw, 0);
	if (entry != lay.entry || entry < mm.start_code || entry >= mm.end_code || !fk.exec_mapped)
		die("entry outside the executable segments", entry, mm.start_code);
	{
		struct fake_map *m = lookup(entry);

		if (!m || !(m->prot & PROT_EXEC))
			die("entry not in an executable mapping", entry, 0);
	}
	if (esp & 15 || esp < ELF_STACK_BOTTOM || esp >= STACK_TOP || !lookup(esp))
		die("stack pointer outside the stack", esp, 0);
	if (mm.start_brk & ~PAGE_MASK || mm.start_brk != mm.brk || mm.start_brk < lay.end ||
	    mm.start_brk > ELF_STACK_BOTTOM)
		die("heap start wrong", mm.start_brk, lay.end);
	if (mm.start_code > mm.end_code || mm.arg_start > mm.arg_end || mm.arg_end != STACK_TOP)
		die("layout fields inconsistent", mm.start_code, mm.end_code);
	return 0;
}
