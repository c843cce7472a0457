/* `dmesg`: the console log ring, replayed. */
#include <stdio.h>

#include <console.h>
#include <shell.h>

static int cmd_dmesg(int argc, char **argv)
{
	if (argc > 1)
		return shell_usage_error(shell_find(argv[0]), "takes no arguments");
	console_dump_log();
	return 0;
}
SHELL_CMD(dmesg, "dmesg", "", "replay the console log since boot (the last 64 KiB), boot messages first", cmd_dmesg);
