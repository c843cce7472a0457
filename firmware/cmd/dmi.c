/* `dmi`: the board's identity from the SMBIOS table copied at boot. */
#include <stdio.h>

#include <dmi_boot.h>
#include <shell.h>

static int cmd_dmi(const struct shell_call *call, int argc, char **argv)
{
	(void)call;
	(void)argc;
	(void)argv;
	return dmi_show(stdout);
}
SHELL_CMD(dmi, "dmi", "", 0, 0,
	  "the board's identity from SMBIOS: BIOS, system, base board, memory devices (as dmidecode)",
	  cmd_dmi);
