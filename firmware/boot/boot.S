/*
 * Multiboot v1 entry.  The loader puts the image at physical 1 MiB and jumps
 * here with paging off.  This code, linked at its load address, maps the
 * first 8 MiB both at 0 and at PAGE_OFFSET ("8MiB (the amount of memory
 * addressed by two PGDs) is reserved at PAGE_OFFSET for loading the kernel
 * image to run", Understanding the Linux Virtual Memory Manager, §5.1), turns
 * paging on and jumps to the kernel's link address; kmain() drops the
 * identity mapping once it runs high.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* bit 0: modules page aligned; bit 1: memory information */
#define KERNEL_VIRT_BASE 0xC0000000
#define PHYS(sym) ((sym) - KERNEL_VIRT_BASE)
#define PTE_P_RW 0x003

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	movl %eax, %esi /* Multiboot magic */
	movl %ebx, %edi /* physical address of the Multiboot information */

	/* Two page tables: 2048 entries mapping 0..8 MiB one to one. */
	movl $PHYS(boot_page_tables), %edx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	orl $PTE_P_RW, %eax
	movl %eax, (%edx,%ecx,4)
	incl %ecx
	cmpl $2048, %ecx
	jne 1b

	/* Directory slots 0-1 (identity) and 768-769 (PAGE_OFFSET) share the two tables. */
	movl $PHYS(boot_pgd), %edx
	movl $(PHYS(boot_page_tables) + PTE_P_RW), %eax
	movl %eax, 0(%edx)
	movl %eax, 768*4(%edx)
	addl $4096, %eax
	movl %eax, 4(%edx)
	movl %eax, 769*4(%edx)

	movl %edx, %cr3
	movl %cr0, %eax
	orl $0x80010000, %eax /* PG and WP */
	movl %eax, %cr0
	movl $boot_high, %eax
	jmp *%eax

	.section .init.text, "ax"
boot_high:
	movl $boot_stack_top, %esp
	xorl %ebp, %ebp
	pushl %edi
	pushl %esi
	call kmain
2:	cli
	hlt
	jmp 2b

	.section .bss.boot, "aw", @nobits
	.align 4096
	.globl boot_pgd
boot_pgd:
	.space 4096
	.globl boot_page_tables
boot_page_tables:
	.space 8192
	.globl boot_stack_bottom
boot_stack_bottom:
	.space 16384
	.globl boot_stack_top
boot_stack_top:
