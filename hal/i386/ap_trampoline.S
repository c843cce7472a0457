/*
 * The application processors' way from real mode into the kernel.  An AP starts, after the
 * INIT-SIPI-SIPI sequence, in real mode at CS = SIPI vector << 8, IP = 0 (Intel SDM vol. 3A,
 * §8.4.4 "MP Initialization Example" and §9.1 "Initialization Overview").  This code is linked
 * into .rodata only as a blob: hal_smp_start_ap() copies it to a page below 1 MiB that bootmem
 * set aside, fills the parameter block at its end and sends the SIPI with that page's number.
 *
 * Steps: real mode with CS:IP = page:0; the flat GDT below (its base computed from CS, since the
 * page is chosen at boot) and CR0.PE; a far jump to 32-bit protected mode at the page's physical
 * address; CR4 as the boot CPU has it (PSE, PGE, PAE, SMEP, SMAP), EFER.NXE where the boot CPU set
 * it (PAE entries carry NX, a reserved bit without it); CR3 = a bootstrap directory that maps this
 * page one to one besides the kernel half, since turning paging on does not move EIP; CR0 as the
 * boot CPU has it (paging on); then the kernel stack and a jump to the kernel virtual entry with
 * the CPU number as argument.  The entry switches to the kernel page directory at once.
 */
#define TR_PARAMS 0x100 /* offset of the parameter block in the page (struct ap_trampoline_params) */
#define TR_CR0 (TR_PARAMS + 0)
#define TR_CR3 (TR_PARAMS + 4)
#define TR_CR4 (TR_PARAMS + 8)
#define TR_NXE (TR_PARAMS + 12)
#define TR_STACK (TR_PARAMS + 16)
#define TR_ENTRY (TR_PARAMS + 20)
#define TR_ARG (TR_PARAMS + 24)
#define MSR_EFER 0xC0000080
#define EFER_NXE 0x800

	.section .rodata
	.globl hal_ap_trampoline
	.balign 16
hal_ap_trampoline:
	.code16
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	xorl %ebx, %ebx
	movw %ax, %bx
	shll $4, %ebx /* the page's physical address, kept in EBX through protected mode */
	leal (tr_gdt - hal_ap_trampoline)(%ebx), %eax
	movl %eax, (tr_gdt_desc + 2 - hal_ap_trampoline)
	leal (tr_pm - hal_ap_trampoline)(%ebx), %eax
	movl %eax, (tr_far - hal_ap_trampoline)
	lgdtl (tr_gdt_desc - hal_ap_trampoline)
	movl %cr0, %eax
	orl $1, %eax /* PE */
	movl %eax, %cr0
	ljmpl *(tr_far - hal_ap_trampoline)

	.code32
tr_pm:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movl TR_CR4(%ebx), %eax
	movl %eax, %cr4
	cmpl $0, TR_NXE(%ebx)
	je 1f
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_NXE, %eax
	wrmsr
1:	movl TR_CR3(%ebx), %eax
	movl %eax, %cr3
	movl TR_CR0(%ebx), %eax
	movl %eax, %cr0 /* paging on: this page is mapped one to one by the bootstrap directory */
	jmp 2f
2:	movl TR_STACK(%ebx), %esp
	pushl TR_ARG(%ebx)
	pushl $0 /* no return address: the entry never returns */
	movl TR_ENTRY(%ebx), %eax
	xorl %ebp, %ebp
	jmp *%eax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF /* 0x08: flat 32-bit code */
	.quad 0x00CF92000000FFFF /* 0x10: flat data */
tr_gdt_desc:
	.word 3 * 8 - 1
	.long 0 /* base: filled from CS above */
	.balign 4
tr_far:
	.long 0 /* offset of tr_pm: filled above */
	.word 0x08
	.globl hal_ap_trampoline_end
hal_ap_trampoline_end:
	.code32
