/*
 * Multiboot v1 and Multiboot2 entry.  The loader (GRUB's `multiboot` or
 * `multiboot2`, QEMU -kernel) puts the image at physical 1 MiB and jumps
 * here with paging off, EAX holding its magic (kmain() tells the two apart)
 * and EBX the physical address of its information.  This code, linked at its load address, maps the
 * first 8 MiB both at 0 and at PAGE_OFFSET ("8MiB (the amount of memory
 * addressed by two PGDs) is reserved at PAGE_OFFSET for loading the kernel
 * image to run", Understanding the Linux Virtual Memory Manager, §5.1), turns
 * paging on and jumps to the kernel's link address; kmain() drops the
 * identity mapping once it runs high.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* bit 0: modules page aligned; bit 1: memory information */
/* Multiboot2 header (Multiboot2 Specification, §3.1): 8-byte aligned, tags 8-byte aligned. */
#define MB2_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0
#define MB2_TAG_END 0
#define MB2_TAG_MODULE_ALIGN 6 /* modules page aligned, as MB_FLAGS bit 0 asks of v1 loaders */
#define KERNEL_VIRT_BASE 0xC0000000
#define PHYS(sym) ((sym) - KERNEL_VIRT_BASE)
#define PTE_P_RW 0x003
/*
 * CR0 as the firmware wants it, written whole: a loader may hand over with
 * bits set that OR-ing keeps (32-bit OVMF leaves CD, cache disable, on).
 * PE, MP, ET, NE, WP and PG; CD, NW, TS, EM and AM clear.
 */
#define CR0_BOOT 0x80010033
/* CPUID.1:EDX features that mean the CPU has CR4: VME, DE, PSE, PAE, PGE. */
#define CPUID_HAS_CR4 0x0000204E

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.align 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.align 8
	.short MB2_TAG_MODULE_ALIGN, 0
	.long 8
	.align 8
	.short MB2_TAG_END, 0
	.long 8
mb2_header_end:

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

	/*
	 * CR4 zeroed where it exists: a 64-bit loader may leave PAE on, which
	 * would make the CPU read these 2-level tables as PAE ones.  hal_cpu_probe
	 * turns on what the firmware uses.  CPUID exists when EFLAGS.ID toggles.
	 */
	pushfl
	popl %eax
	movl %eax, %ecx
	xorl $0x00200000, %eax
	pushl %eax
	popfl
	pushfl
	popl %eax
	pushl %ecx
	popfl
	cmpl %eax, %ecx
	je 3f
	movl %edx, %ebp
	xorl %eax, %eax
	cpuid
	testl %eax, %eax
	jz 2f
	movl $1, %eax
	cpuid
	testl $CPUID_HAS_CR4, %edx
	jz 2f
	xorl %eax, %eax
	movl %eax, %cr4
2:	movl %ebp, %edx
3:
	movl %edx, %cr3
	movl $CR0_BOOT, %eax
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
