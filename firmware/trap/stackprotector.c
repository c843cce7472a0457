/*
 * The stack protector's failure path.  The image's own code (not newlib)
 * is built with -fstack-protector-strong -mstack-protector-guard=global
 * (cmake/warnings.cmake): a function with an array or an address-taken
 * local stores __stack_chk_guard (hal/i386/cpu.c, random per boot) below
 * its return address and calls __stack_chk_fail() if the copy changed by
 * the time it returns.  Its frame is already corrupt, so this never
 * returns: it names the function and stops, as Linux does.
 */
#include <stdint.h>
#include <stdio.h>

#include <firmware.h>
#include <hal/x86.h>
#include <mm/region.h>

__attribute__((no_stack_protector)) void __stack_chk_fail(void)
{
	char where[96];
	uintptr_t ret = (uintptr_t)__builtin_return_address(0);

	irq_disable();
	mm_caller_name((const void *)ret, where, sizeof(where));
	panic("stack-protector: Kernel stack is corrupted in: %s (canary 0x%08lx overwritten)", where,
	      (unsigned long)__stack_chk_guard);
}
