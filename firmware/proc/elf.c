/*
 * The ELF32 loader: every PT_LOAD segment becomes a private file mapping
 * of the program's page cache (text r-x, data rw-), the bytes of its last
 * file page past p_filesz are cleared (which copies that page, as Linux's
 * padzero does), the rest of its memory size is anonymous (bss); the heap
 * starts at the next page (start_brk = brk), and the stack is a
 * VM_GROWSDOWN region ending one page below TASK_SIZE, holding argc, argv
 * and an empty environment and auxiliary vector as the i386 ABI lays them.
 * Every header is checked by elf_check() (pure, no mm; elf_loader.h)
 * before the address space is touched.
 */
#include <errno.h>
#include <string.h>

#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>

#include <elf_loader.h>
#include <task.h>

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

			/*
			 * The kernel writes it even when the segment is read-only, as Linux does: a forced
			 * write into a private copy that stays read-only for the program.
			 */
			if (access_remote_vm(mm, from, (void *)zeros, fend - from, FOLL_WRITE | FOLL_FORCE) != fend - from)
				return -ENOMEM;
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

int elf_check_header(const struct elf32_ehdr *eh)
{
	if (memcmp(eh->e_ident, "\177ELF", 4) || eh->e_ident[4] != 1 /* 32-bit */ ||
	    eh->e_ident[5] != 1 /* little endian */ || eh->e_type != ET_EXEC || eh->e_machine != EM_386 ||
	    eh->e_phentsize != sizeof(struct elf32_phdr) || eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS)
		return -ENOEXEC;
	return 0;
}

int elf_check(const struct elf32_ehdr *eh, const struct elf32_phdr *ph, uint64_t file_size, struct elf_layout *lay)
{
	uint32_t end = 0, end_code = 0, start_code = ~0u, start_data = ~0u, end_data = 0, prev_end = 0;
	bool entry_ok = false;

	if (elf_check_header(eh))
		return -ENOEXEC;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct elf32_phdr *p = &ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		/* In 64 bits: p_offset + p_filesz must not wrap past the end of the file. */
		if (p->p_memsz < p->p_filesz || (p->p_vaddr & ~PAGE_MASK) != (p->p_offset & ~PAGE_MASK) ||
		    p->p_vaddr < MMAP_MIN_ADDR || p->p_vaddr >= ELF_STACK_BOTTOM ||
		    p->p_memsz > ELF_STACK_BOTTOM - p->p_vaddr || (uint64_t)p->p_offset + p->p_filesz > file_size)
			return -ENOEXEC;
		/*
		 * In ascending order without sharing a page (as the ELF spec orders them and ld
		 * lays them out): an overlapping segment would be mapped over the earlier one and
		 * could silently take, say, the entry point's page (the fuzzer's first finding).
		 */
		if ((p->p_vaddr & PAGE_MASK) < prev_end)
			return -ENOEXEC;
		prev_end = PAGE_ALIGN_UP(p->p_vaddr + p->p_memsz);
		if (p->p_flags & PF_X) {
			/*
			 * Inside this segment's file bytes, not merely between the lowest and
			 * highest code.
			 */
			if (eh->e_entry >= p->p_vaddr && eh->e_entry - p->p_vaddr < p->p_filesz)
				entry_ok = true;
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
	if (!end || !entry_ok)
		return -ENOEXEC;
	lay->entry = eh->e_entry;
	lay->start_code = start_code;
	lay->end_code = end_code;
	lay->start_data = start_data == ~0u ? end_code : start_data;
	lay->end_data = end_data;
	lay->end = end;
	return 0;
}

int load_elf_binary(struct mm_struct *mm, struct inode *inode, int argc, char *const argv[], uint32_t *entry,
		    uint32_t *esp)
{
	struct elf32_ehdr eh;
	struct elf32_phdr ph[ELF_MAX_PHDRS];
	struct elf_layout lay;
	struct file *file = file_open(inode, FMODE_READ | FMODE_EXEC);
	uint64_t pos = 0;
	unsigned long r;
	int err = -ENOEXEC;

	if (!file)
		return -ENOMEM;
	if (file_read(file, &eh, sizeof(eh), &pos) != sizeof(eh) || elf_check_header(&eh))
		goto out;
	pos = eh.e_phoff;
	if (file_read(file, ph, eh.e_phnum * sizeof(ph[0]), &pos) != eh.e_phnum * sizeof(ph[0]) ||
	    elf_check(&eh, ph, inode->i_size, &lay))
		goto out;
	/* Every header is sound: only now does the address space change. */
	for (unsigned i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			err = map_segment(mm, file, &ph[i]);
			if (err)
				goto out;
		}
	mm->start_code = lay.start_code;
	mm->end_code = lay.end_code;
	mm->start_data = lay.start_data;
	mm->end_data = lay.end_data;
	mm->start_brk = mm->brk = PAGE_ALIGN_UP(lay.end);
	r = do_mmap(mm, NULL, ELF_STACK_BOTTOM, ELF_STACK_INITIAL, PROT_READ | PROT_WRITE,
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
	*entry = lay.entry;
	err = 0;
out:
	fput(file);
	return err;
}
