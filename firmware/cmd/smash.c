/*
 * `smash`: overflow a buffer on this command's own stack on purpose, to
 * show that the stack protector's canary catches it.  The firmware panics
 * with "stack-protector: Kernel stack is corrupted in: smash_victim...";
 * there is no way back to the shell, as there is none in Linux.
 */
#include <stdio.h>
#include <string.h>

#include <hal/x86.h>
#include <shell.h>

/* Write n bytes of 'A' into a 16-byte buffer through a pointer the compiler cannot reason about. */
static __attribute__((noinline)) size_t smash_victim(size_t n)
{
	char buf[16];
	volatile char *p = buf;
	size_t sum = 0;

	for (size_t i = 0; i < n; i++)
		p[i] = 'A';
	for (size_t i = 0; i < sizeof(buf); i++)
		sum += (unsigned char)p[i];
	return sum;
}

static int cmd_smash(const struct shell_call *call, int argc, char **argv)
{
	printf("smash: canary 0x%08lx; a 16-byte buffer gets 16 bytes, then 32\n", (unsigned long)__stack_chk_guard);
	printf("smash: 16 bytes: %zu, no harm\n", smash_victim(16));
	printf("smash: 32 bytes: the canary must stop this\n");
	smash_victim(32);
	printf("smash: the overflow went unnoticed: the stack protector is off\n");
	return 1;
}
SHELL_CMD(smash, "smash", "", 0, 0,
	  "overflow a stack buffer on purpose: the stack protector must stop the firmware", cmd_smash);
