/*
 * The ELF loader (firmware/proc/elf.c) on the fake machine with the real mm/: a read-only
 * executable segment whose memory size runs past its file bytes has the rest of its last file
 * page cleared by the kernel (as Linux's padzero does), and the page the program then sees is
 * still read-only: the forced write lands in a private copy mapped without write permission
 * ("Understanding the Linux Virtual Memory Manager", §5.6, copy-on-write).
 */
#include "test_vma_fixture.h"

#include <elf_loader.h>
#include <task.h>
#include <mm/fs.h>

#define TEXT 0x08048000u
#define FILESZ 0x180u

/* An ELF file with one read+exec PT_LOAD of FILESZ file bytes and two pages of memory; its inode. */
static struct inode *make_program(void)
{
	struct page *modpage = alloc_page(GFP_KERNEL);
	paddr_t pa = (paddr_t)page_to_pfn(modpage) << PAGE_SHIFT;
	struct ramfs_module mod = { pa, pa + FILESZ, "boot/rotext" };
	uint8_t *img = fake_phys_ptr(pa);
	struct elf32_ehdr *eh = (struct elf32_ehdr *)img;
	struct elf32_phdr *ph = (struct elf32_phdr *)(img + sizeof(*eh));

	memset(img, 0xcc, PAGE_SIZE); /* int3 everywhere, and nonzero past FILESZ in the module page */
	memcpy(eh->e_ident, "\177ELF\1\1\1", 7);
	memset(eh->e_ident + 7, 0, EI_NIDENT - 7);
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = 1;
	eh->e_entry = TEXT + 0x100;
	eh->e_phoff = sizeof(*eh);
	eh->e_shoff = eh->e_flags = 0;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	eh->e_shentsize = eh->e_shnum = eh->e_shstrndx = 0;
	*ph = (struct elf32_phdr){ PT_LOAD, 0, TEXT, TEXT, FILESZ, 2 * PAGE_SIZE, PF_R | PF_X, PAGE_SIZE };
	assert_int_equal(ramfs_init(&mod, 1), 1);
	return ramfs_lookup("rotext");
}

static void test_readonly_segment_bss_tail_stays_readonly(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct inode *inode = make_program();
	char *argv[] = { "rotext", NULL };
	uint32_t entry = 0, esp = 0;
	struct vm_area_struct *vma;
	unsigned prot;
	uint8_t b;

	(void)state;
	assert_non_null(mm);
	assert_non_null(inode);
	assert_int_equal(load_elf_binary(mm, inode, 1, argv, &entry, &esp), 0);
	assert_int_equal(entry, TEXT + 0x100);

	/* The tail of the last file page is zero, the file bytes are there. */
	assert_true(uget(mm, TEXT + FILESZ - 1, &b));
	assert_int_equal(b, 0xcc);
	for (vaddr_t a = TEXT + FILESZ; a < TEXT + PAGE_SIZE; a += 97) {
		assert_true(uget(mm, a, &b));
		assert_int_equal(b, 0);
	}
	/* The region and the page are read-only: no write permission anywhere. */
	vma = find_vma(mm, TEXT);
	assert_non_null(vma);
	assert_false(vma->vm_flags & VM_WRITE);
	assert_true(hal_query_page(mm->pgd, TEXT, NULL, &prot));
	assert_false(prot & HAL_PROT_WRITE);
	assert_true(prot & HAL_PROT_USER);
	/* An ordinary write from the kernel on the program's behalf is refused as well. */
	assert_false(uput(mm, TEXT + FILESZ, 1));
	assert_true(hal_query_page(mm->pgd, TEXT, NULL, &prot));
	assert_false(prot & HAL_PROT_WRITE);
	assert_mm_ok(mm);
	mmput(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_readonly_segment_bss_tail_stays_readonly, setup_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
