/*
 * The PAE switch trampoline, called by hal_enable_pae_and_switch()
 * (hal/i386/cpu.c) at its *physical* address with one argument, the PDPT.
 *
 * Why paging has to go off: CR3 means a page directory under 2-level
 * paging and a PDPT under PAE, and the processor reads the four PDPT
 * entries when PAE paging becomes active or CR3 is loaded under it.
 * Setting CR4.PAE with paging on would make the processor read the old
 * 2-level directory as a PDPT (reserved bits set: #GP); loading CR3 with
 * the PDPT first would make it walk the PDPT as a 2-level directory.  So
 * the switch is: paging off, CR4.PAE on, CR3 = PDPT, paging on, with no
 * memory access in between.  Turning paging off or on does not move EIP,
 * so this code must sit at an address that is the same virtually and
 * physically in both the old and the new tables; the caller maps it so
 * (an identity alias of the page tables that map the kernel text) and
 * removes the alias afterwards.  Clearing or setting CR0.PG flushes the
 * whole TLB, global entries included, and MOV to CR0 is serializing.  The
 * stack (kernel virtual) is touched only while paging is on: before, to
 * read the argument, and after, by ret, which goes back to the caller's
 * kernel virtual return address through the new tables.
 *
 * It lives in .text (mapped executable in both tables; .boot would be NX
 * data in the new linear map), 64-byte aligned so that it cannot straddle
 * a page.
 */
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020

	.text
	.align 64
	.globl hal_pae_trampoline
	.type hal_pae_trampoline, @function
hal_pae_trampoline:
	movl 4(%esp), %ecx /* the PDPT: read while the stack is still mapped */
	movl %cr0, %eax
	andl $~CR0_PG, %eax
	movl %eax, %cr0 /* paging off: EIP is now a physical address, the same one */
	jmp 1f
1:	movl %cr4, %edx
	orl $CR4_PAE, %edx
	movl %edx, %cr4
	movl %ecx, %cr3
	orl $CR0_PG, %eax
	movl %eax, %cr0 /* PAE paging on: the PDPT entries are loaded now */
	jmp 2f
2:	ret
	.globl hal_pae_trampoline_end
hal_pae_trampoline_end:
	.size hal_pae_trampoline, . - hal_pae_trampoline
