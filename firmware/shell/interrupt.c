/*
 * Ctrl-C for long commands: a command that loops for long asks
 * shell_interrupted() between steps and stops cleanly when it says so.
 */
#include <stdbool.h>

#include <console.h>
#include <shell.h>

#define CTRL_C 0x03

bool shell_interrupted(void)
{
	int c;

	while ((c = console_trygetc()) >= 0)
		if (c == CTRL_C)
			return true;
	return false;
}
