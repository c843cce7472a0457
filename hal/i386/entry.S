/*
 * Entry stubs for the 32 exceptions and 16 PIC interrupts.  Each pushes a
 * zero where the CPU pushes no error code, then its vector, and joins
 * trap_common, which saves the registers as struct trap_frame and points %fs at the CPU's
 * per-CPU data.
 *
 * EFLAGS.AC: ring 3 may set it (popf), and neither int 0x80 nor an
 * interrupt or exception clears it, so with SMAP on a task could enter the
 * kernel with user access open and let a stray kernel dereference of a user
 * pointer through.  trap_common therefore clears AC on every entry (clac,
 * as Linux's ASM_CLAC), but only when hal_smap_enabled says the CPU has
 * SMAP: clac (0f 01 ca) is #UD on CPUs without it.  The frame keeps the
 * interrupted AC, so iret gives it back to whoever had it (the task, or a
 * kernel hal_user_access_begin() section that an interrupt hit).
 */
	.section .text

.macro EXC_NOERR n
	.globl exc_stub_\n
exc_stub_\n:
	pushl $0
	pushl $\n
	jmp trap_common
.endm

.macro EXC_ERR n
	.globl exc_stub_\n
exc_stub_\n:
	pushl $\n
	jmp trap_common
.endm

EXC_NOERR 0
EXC_NOERR 1
EXC_NOERR 2
EXC_NOERR 3
EXC_NOERR 4
EXC_NOERR 5
EXC_NOERR 6
EXC_NOERR 7
EXC_ERR 8
EXC_NOERR 9
EXC_ERR 10
EXC_ERR 11
EXC_ERR 12
EXC_ERR 13
EXC_ERR 14
EXC_NOERR 15
EXC_NOERR 16
EXC_ERR 17
EXC_NOERR 18
EXC_NOERR 19
EXC_NOERR 20
EXC_ERR 21
EXC_NOERR 22
EXC_NOERR 23
EXC_NOERR 24
EXC_NOERR 25
EXC_NOERR 26
EXC_NOERR 27
EXC_NOERR 28
EXC_ERR 29
EXC_ERR 30
EXC_NOERR 31

.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.globl exc_stub_\n
exc_stub_\n:
	pushl $0
	pushl $\n
	jmp trap_common
.endr

/* The local APIC vectors (hal/i386/internal.h): timer, IPIs, spurious. */
.macro LAPIC_STUB name, n
	.globl \name
\name:
	pushl $0
	pushl $\n
	jmp trap_common
.endm

LAPIC_STUB lapic_timer_stub, 0xF0
LAPIC_STUB ipi_call_stub, 0xF1
LAPIC_STUB ipi_tlb_stub, 0xF2
LAPIC_STUB spurious_stub, 0xFF

	/* int 0x80 from ring 3. */
	.globl syscall_stub
syscall_stub:
	pushl $0
	pushl $0x80
	jmp trap_common

trap_common:
	pusha
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	/* %fs: this CPU's per-CPU data (PERCPU_SEL), whatever ring 3 left in it. */
	movl $0x30, %eax
	movl %eax, %fs
	cmpb $0, hal_smap_enabled
	je 1f
	clac
1:	cld
	pushl %esp
	call hal_trap_dispatch
	addl $4, %esp
	/* A new task starts here, its stack pointing at a struct trap_frame. */
	.globl hal_trap_return
hal_trap_return:
	popl %gs
	popl %fs
	popl %es
	popl %ds
	popa
	addl $8, %esp
	iret

/*
 * hal_context_switch(save_esp, new_esp): the callee-saved registers go on
 * this stack, its pointer into *save_esp; then the other context's stack
 * is loaded and its registers popped, and ret resumes it.
 */
	.globl hal_context_switch
hal_context_switch:
	movl 4(%esp), %eax
	movl 8(%esp), %edx
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%eax)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret

	.section .rodata
	.globl exc_stub_table
	.align 4
exc_stub_table:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.long exc_stub_\n
.endr
