/* `dmesg`: the console log ring, replayed. */
#include <stdio.h>

#include <console.h>
#include <shell.h>

static int cmd_dmesg(const struct shell_call *call, int argc, char **argv)
{
	console_dump_log();
	return 0;
}
SHELL_CMD(dmesg, "dmesg", "", 0, 0,
	  "replay the console log since boot (the last 64 KiB), boot messages first", cmd_dmesg);
