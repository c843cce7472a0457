/* `dmi`: the board's identity from the SMBIOS table copied at boot; `dmi -j` as JSON. */
#include <stdio.h>

#include <dmi_boot.h>
#include <shell.h>

static int cmd_dmi(const struct shell_call *call, int argc, char **argv)
{
	bool json;
	int bad;

	if ((bad = shell_json_flag(call, argc, argv, &json)))
		return bad;
	return json ? dmi_show_json(stdout) : dmi_show(stdout);
}
SHELL_CMD(dmi, "dmi", "[-j]", 0, 1,
	  "the board's identity from SMBIOS: BIOS, system, base board, memory devices (as "
	  "dmidecode; -j: JSON)",
	  cmd_dmi);
