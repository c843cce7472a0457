/*
 * The ELF32 loader: every PT_LOAD segment becomes a private file mapping
 * of the program's page cache (text r-x, data rw-), the bytes of its last
 * file page past p_filesz are cleared (which copies that page, as Linux's
 * padzero does), the rest of its memory size is anonymous (bss); the heap
 * starts at the next page (start_brk = brk), and the stack is a
 * VM_GROWSDOWN region ending one page below TASK_SIZE, holding argc, argv
 * and an empty environment and auxiliary vector as the i386 ABI lays them.
 */
#include <errno.h>
#include <string.h>

#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>

#include <task.h>

#define EI_NIDENT 16
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define ET_EXEC 2
#define EM_386 3

struct elf32_ehdr {
	unsigned char e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};

#define MAX_PHDRS 16
#define STACK_INITIAL (16 * PAGE_SIZE)
#define MAX_ARG_BYTES 2048
#define MAX_ARGS 32

static unsigned long prot_of(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) | ((flags & PF_X) ? PROT_EXEC : 0);
}

/* Map one PT_LOAD segment; 0 or -errno. */
static int map_segment(struct mm_struct *mm, struct file *file, const struct elf32_phdr *ph)
{
	uint32_t start = ph->p_vaddr & PAGE_MASK, fend = PAGE_ALIGN_UP(ph->p_vaddr + ph->p_filesz);
	uint32_t mend = PAGE_ALIGN_UP(ph->p_vaddr + ph->p_memsz);
	unsigned long prot = prot_of(ph->p_flags), r;

	if (ph->p_filesz) {
		r = do_mmap(mm, file, start, fend - start, prot, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE,
			    ph->p_offset & PAGE_MASK);
		if (IS_ERR_VALUE(r))
			return (int)(long)r;
		/* The bytes after the file's part of the last page belong to bss: clear them. */
		if (ph->p_memsz > ph->p_filesz && (ph->p_vaddr + ph->p_filesz) & ~PAGE_MASK) {
			static const char zeros[PAGE_SIZE];
			uint32_t from = ph->p_vaddr + ph->p_filesz;
			struct vm_area_struct *vma = find_vma(mm, from);
			unsigned long saved = vma->vm_flags;

			/* The kernel writes it even when the segment is read-only, as Linux does. */
			vma->vm_flags |= VM_WRITE;
			if (access_process_vm(mm, from, (void *)zeros, fend - from, true) != fend - from) {
				vma->vm_flags = saved;
				return -ENOMEM;
			}
			vma->vm_flags = saved;
		}
	} else {
		fend = start;
	}
	if (mend > fend) {
		r = do_mmap(mm, NULL, fend, mend - fend, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
		if (IS_ERR_VALUE(r))
			return (int)(long)r;
	}
	return 0;
}

/* Put argc, argv and the strings on the new stack; the stack pointer, or 0 on failure. */
static uint32_t setup_args(struct mm_struct *mm, int argc, char *const argv[])
{
	uint32_t ptrs[MAX_ARGS + 5], sp = STACK_TOP, total = 0;
	int n = 0;

	for (int i = 0; i < argc && i < MAX_ARGS; i++) {
		uint32_t len = (uint32_t)strlen(argv[i]) + 1;

		total += len;
		if (total > MAX_ARG_BYTES)
			return 0;
		sp -= len;
		if (access_process_vm(mm, sp, (void *)argv[i], len, true) != len)
			return 0;
		ptrs[1 + n++] = sp;
	}
	mm->arg_start = sp;
	mm->arg_end = STACK_TOP;
	sp &= ~15u;
	ptrs[0] = (uint32_t)n;
	ptrs[1 + n] = 0; /* end of argv */
	ptrs[2 + n] = 0; /* empty environment */
	ptrs[3 + n] = 0; /* AT_NULL */
	ptrs[4 + n] = 0;
	sp -= (uint32_t)(5 + n) * 4;
	sp &= ~15u;
	if (access_process_vm(mm, sp, ptrs, (size_t)(5 + n) * 4, true) != (size_t)(5 + n) * 4)
		return 0;
	return sp;
}

int load_elf_binary(struct mm_struct *mm, struct inode *inode, int argc, char *const argv[], uint32_t *entry,
		    uint32_t *esp)
{
	struct elf32_ehdr eh;
	struct elf32_phdr ph[MAX_PHDRS];
	struct file *file = file_open(inode, FMODE_READ | FMODE_EXEC);
	uint64_t pos = 0;
	uint32_t end = 0, end_code = 0, start_code = ~0u, start_data = ~0u, end_data = 0;
	unsigned long r;
	int err = -ENOEXEC;

	if (!file)
		return -ENOMEM;
	if (file_read(file, &eh, sizeof(eh), &pos) != sizeof(eh) || memcmp(eh.e_ident, "\177ELF", 4) ||
	    eh.e_ident[4] != 1 /* 32-bit */ || eh.e_ident[5] != 1 /* little endian */ || eh.e_type != ET_EXEC ||
	    eh.e_machine != EM_386 || eh.e_phentsize != sizeof(struct elf32_phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > MAX_PHDRS)
		goto out;
	pos = eh.e_phoff;
	if (file_read(file, ph, eh.e_phnum * sizeof(ph[0]), &pos) != eh.e_phnum * sizeof(ph[0]))
		goto out;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		const struct elf32_phdr *p = &ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_memsz < p->p_filesz || (p->p_vaddr & ~PAGE_MASK) != (p->p_offset & ~PAGE_MASK) ||
		    p->p_vaddr < MMAP_MIN_ADDR || p->p_vaddr >= STACK_TOP - STACK_INITIAL ||
		    p->p_memsz > STACK_TOP - STACK_INITIAL - p->p_vaddr || p->p_offset + p->p_filesz > inode->i_size)
			goto out;
		err = map_segment(mm, file, p);
		if (err)
			goto out;
		err = -ENOEXEC;
		if (p->p_flags & PF_X) {
			if (p->p_vaddr < start_code)
				start_code = p->p_vaddr;
			if (p->p_vaddr + p->p_filesz > end_code)
				end_code = p->p_vaddr + p->p_filesz;
		} else {
			if (p->p_vaddr < start_data)
				start_data = p->p_vaddr;
			if (p->p_vaddr + p->p_filesz > end_data)
				end_data = p->p_vaddr + p->p_filesz;
		}
		if (p->p_vaddr + p->p_memsz > end)
			end = p->p_vaddr + p->p_memsz;
	}
	if (!end || eh.e_entry < start_code || eh.e_entry >= end_code)
		goto out;
	mm->start_code = start_code;
	mm->end_code = end_code;
	mm->start_data = start_data == ~0u ? end_code : start_data;
	mm->end_data = end_data;
	mm->start_brk = mm->brk = PAGE_ALIGN_UP(end);
	r = do_mmap(mm, NULL, STACK_TOP - STACK_INITIAL, STACK_INITIAL, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, 0);
	if (IS_ERR_VALUE(r)) {
		err = (int)(long)r;
		goto out;
	}
	mm->start_stack = STACK_TOP - 4;
	*esp = setup_args(mm, argc, argv);
	if (!*esp) {
		err = -E2BIG;
		goto out;
	}
	mm->start_stack = *esp;
	*entry = eh.e_entry;
	err = 0;
out:
	fput(file);
	return err;
}
