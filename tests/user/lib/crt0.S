/*
 * The entry point of a user program: the kernel leaves argc, argv, a NULL,
 * an empty environment and an empty auxiliary vector on the stack (i386
 * ABI); main's return value goes to exit(), which flushes stdio and calls
 * _exit.
 */
	.section .text
	.globl _start
_start:
	xorl %ebp, %ebp
	movl (%esp), %eax
	leal 4(%esp), %ebx
	leal 8(%esp,%eax,4), %ecx
	pushl %ecx
	pushl %ebx
	pushl %eax
	call main
	pushl %eax
	call exit
1:	hlt
	jmp 1b

/* long hm_syscall(nr, a, b, c, d, e, f): int 0x80 with the arguments in ebx, ecx, edx, esi, edi, ebp. */
	.globl hm_syscall
hm_syscall:
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl 20(%esp), %eax
	movl 24(%esp), %ebx
	movl 28(%esp), %ecx
	movl 32(%esp), %edx
	movl 36(%esp), %esi
	movl 40(%esp), %edi
	movl 44(%esp), %ebp
	int $0x80
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret

/*
 * int hm_thread(int (*fn)(void *), void *arg, void *stack_top): clone with
 * a shared address space; the child starts on stack_top holding fn and
 * arg, calls fn(arg) and exits with its result.
 */
	.globl hm_thread
hm_thread:
	pushl %ebx
	movl 16(%esp), %ecx
	movl 8(%esp), %edx
	movl 12(%esp), %eax
	subl $16, %ecx
	movl %eax, 4(%ecx)
	movl %edx, 0(%ecx)
	movl $0x100, %ebx
	movl $120, %eax
	int $0x80
	testl %eax, %eax
	jnz 2f
	popl %eax
	call *%eax
	movl %eax, %ebx
	movl $1, %eax
	int $0x80
2:	popl %ebx
	ret
