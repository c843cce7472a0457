/* System commands: version, cmdline, e820, cpuinfo, uptime, poweroff, reboot. */
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/cpu.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <shell.h>

static int no_args(int argc, const char *name)
{
	if (argc > 1)
		return shell_usage_error(shell_find(name), "takes no arguments");
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	if (no_args(argc, argv[0]))
		return 1;
	printf("highmem %s (git %s), built %s, %s, board %s\n", HIGHMEM_VERSION, HIGHMEM_GIT_REV,
	       HIGHMEM_BUILD_DATE, "gcc " __VERSION__, HIGHMEM_BOARD);
	return 0;
}
SHELL_CMD(version, "version", "", "print the version, git revision, build date and compiler", cmd_version);

static int cmd_e820(int argc, char **argv)
{
	if (no_args(argc, argv[0]))
		return 1;
	e820_print(stdout, &boot_params.e820);
	return 0;
}
SHELL_CMD(e820, "e820", "", "print the memory map the loader handed over", cmd_e820);

static int cmd_cmdline(int argc, char **argv)
{
	if (no_args(argc, argv[0]))
		return 1;
	printf("%s\n", boot_params.cmdline);
	for (unsigned i = 0; i < boot_params.nr_modules; i++)
		printf("module %u: [mem 0x%08x-0x%08x] %s\n", i, (unsigned)boot_params.modules[i].start,
		       (unsigned)boot_params.modules[i].end - 1, boot_params.modules[i].name);
	return 0;
}
SHELL_CMD(cmdline, "cmdline", "", "print the boot command line and modules", cmd_cmdline);

static int cmd_cpuinfo(int argc, char **argv)
{
	if (no_args(argc, argv[0]))
		return 1;
	print_cpu();
	printf("CR0: %08x CR3: %08x CR4: %08x\n", (unsigned)read_cr0(), (unsigned)read_cr3(), (unsigned)read_cr4());
	return 0;
}
SHELL_CMD(cpuinfo, "cpuinfo", "", "print the CPU, its features and the paging features in use", cmd_cpuinfo);

static int cmd_uptime(int argc, char **argv)
{
	uint64_t t = hal_ticks(), hz = hal_tick_hz();

	if (no_args(argc, argv[0]))
		return 1;
	printf("up %llu.%02llu s (%llu timer ticks at %llu Hz)\n", (unsigned long long)(t / hz),
	       (unsigned long long)(t % hz * 100 / hz), (unsigned long long)t, (unsigned long long)hz);
	return 0;
}
SHELL_CMD(uptime, "uptime", "", "time since the timer started", cmd_uptime);

static int cmd_poweroff(int argc, char **argv)
{
	if (no_args(argc, argv[0]))
		return 1;
	printf("Power down.\n");
	machine_poweroff(POWEROFF_OK);
}
SHELL_CMD(poweroff, "poweroff", "", "turn the machine off (QEMU exits with status 33)", cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
	if (no_args(argc, argv[0]))
		return 1;
	machine_reboot();
}
SHELL_CMD(reboot, "reboot", "", "reset the machine", cmd_reboot);
