/* System commands: version, cmdline, e820, cpuinfo, uptime, poweroff, reboot. */
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/cpu.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <shell.h>
#include <timer.h>

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

/* Print the CPU identification and features (used at boot and by `cpuinfo`). */
void print_cpu(void);

void print_cpu(void)
{
	printf("CPU: %s %s (family %u, model %u, stepping %u)\n", hal_cpu_vendor, hal_cpu_brand,
	       (unsigned)hal_cpu_family, (unsigned)hal_cpu_model, (unsigned)hal_cpu_stepping);
	printf("CPU features:");
	for (int f = 0; f < HAL_FEAT_COUNT; f++)
		if (hal_cpu_has((enum hal_feature)f))
			printf(" %s", hal_feature_name((enum hal_feature)f));
	printf("\n");
#ifdef CONFIG_X86_PAE
	printf("Paging: PAE 64-bit entries (switched to after boot.S's 2-level map), %s, %s, %s, CR0.WP on\n",
	       hal_cpu_has(HAL_FEAT_PSE) ? "2 MiB pages for the linear map" : "4 KiB pages only (no PSE)",
	       hal_cpu_has(HAL_FEAT_PGE) ? "global kernel pages (PGE)" : "no global pages (no PGE)",
	       hal_cpu_has(HAL_FEAT_NX) ? "NX on data (EFER.NXE)" : "no NX on this CPU");
#else
	printf("Paging: 2-level 32-bit entries, %s, %s, CR0.WP on\n",
	       hal_cpu_has(HAL_FEAT_PSE) ? "4 MiB pages (PSE) for the linear map" : "4 KiB pages only (no PSE)",
	       hal_cpu_has(HAL_FEAT_PGE) ? "global kernel pages (PGE)" : "no global pages (no PGE)");
#endif
	if (hal_tsc_hz)
		printf("TSC: %llu.%03llu MHz (measured against %s)\n", (unsigned long long)(hal_tsc_hz / 1000000),
		       (unsigned long long)(hal_tsc_hz / 1000 % 1000), tsc_reference);
	else
		printf("TSC: none; timing uses PIT ticks\n");
}

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
