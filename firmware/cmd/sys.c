/* System commands: version, cmdline, e820, cpuinfo, uptime, echo, status, poweroff, reboot. */
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/cpu.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <highmem_version.h>
#include <json.h>
#include <mm/e820.h>
#include <shell.h>
#include <timer.h>

static int cmd_version(const struct shell_call *call, int argc, char **argv)
{
	printf("highmem %s (git %s), built %s, %s, board %s\n", HIGHMEM_VERSION, HIGHMEM_GIT_REV,
	       HIGHMEM_BUILD_DATE, "gcc " __VERSION__, HIGHMEM_BOARD);
	return 0;
}
SHELL_CMD(version, "version", "", 0, 0, "print the version, git revision, build date and compiler", cmd_version);

static void e820_show(FILE *out)
{
	e820_print(out, &boot_params.e820);
}

/* The map as e820_print() lists it (entries of size 0 left out, inclusive last byte, saturated). */
static void e820_json(struct json_writer *w)
{
	const struct e820_table *t = &boot_params.e820;

	json_string(w, "source", boot_params.e820_source);
	json_array(w, "entries");
	for (unsigned i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];
		uint64_t last;

		if (!e->size)
			continue;
		last = e->size - 1 > UINT64_MAX - e->addr ? UINT64_MAX : e->addr + (e->size - 1);
		json_object(w, NULL);
		json_uint(w, "start", e->addr);
		json_uint(w, "last", last);
		json_uint(w, "size", e->size);
		json_string(w, "type", e820_type_name(e->type));
		json_end(w);
	}
	json_end(w);
}

static int cmd_e820(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, e820_show, e820_json);
}
SHELL_CMD(e820, "e820", "[-j]", 0, 1, "print the memory map the loader handed over", cmd_e820);

static int cmd_cmdline(const struct shell_call *call, int argc, char **argv)
{
	printf("%s\n", boot_params.cmdline);
	for (unsigned i = 0; i < boot_params.nr_modules; i++)
		printf("module %u: [mem 0x%08x-0x%08x] %s\n", i, (unsigned)boot_params.modules[i].start,
		       (unsigned)boot_params.modules[i].end - 1, boot_params.modules[i].name);
	return 0;
}
SHELL_CMD(cmdline, "cmdline", "", 0, 0, "print the boot command line and modules", cmd_cmdline);

static void cpuinfo_show(FILE *out)
{
	(void)out;
	print_cpu();
	printf("CR0: %08x CR3: %08x CR4: %08x\n", (unsigned)read_cr0(), (unsigned)read_cr3(), (unsigned)read_cr4());
}

static int cmd_cpuinfo(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, cpuinfo_show, cpu_json);
}
SHELL_CMD(cpuinfo, "cpuinfo", "[-j]", 0, 1,
	  "print the CPU, its features and the paging features in use (-j: JSON vendor, brand, "
	  "family, model, stepping, features, paging, pse, pge, nx, tsc_hz, tsc_reference, cr0, "
	  "cr3, cr4)",
	  cmd_cpuinfo);

static void uptime_show(FILE *out)
{
	uint64_t t = hal_ticks(), hz = hal_tick_hz();

	fprintf(out, "up %llu.%02llu s (%llu timer ticks at %llu Hz)\n",
		(unsigned long long)(t / hz), (unsigned long long)(t % hz * 100 / hz),
		(unsigned long long)t, (unsigned long long)hz);
}

/* The timer ticks, their rate and the time they make in milliseconds (rounded down). */
static void uptime_json(struct json_writer *w)
{
	uint64_t t = hal_ticks(), hz = hal_tick_hz();

	json_uint(w, "ticks", t);
	json_uint(w, "hz", hz);
	json_uint(w, "ms", t / hz * 1000 + t % hz * 1000 / hz);
}

static int cmd_uptime(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, uptime_show, uptime_json);
}
SHELL_CMD(uptime, "uptime", "[-j]", 0, 1, "time since the timer started", cmd_uptime);

static int cmd_echo(const struct shell_call *call, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
	return SHELL_STATUS_OK;
}
SHELL_CMD(echo, "echo", "[WORDS]", 0, SHELL_ARGS_ANY,
	  "print the words separated by one space ($? is the previous command's status)", cmd_echo);

/* Prints the previous command's status and returns it again, so `status` twice says the same. */
static int cmd_status(const struct shell_call *call, int argc, char **argv)
{
	int st = shell_last_status();

	printf("status %d (%s)\n", st, st ? "failed" : "success");
	return st;
}
SHELL_CMD(status, "status", "", 0, 0, "print the exit status of the previous command (0: success), as $? does",
	  cmd_status);

static int cmd_poweroff(const struct shell_call *call, int argc, char **argv)
{
	printf("Power down.\n");
	machine_poweroff(POWEROFF_OK);
}
SHELL_CMD(poweroff, "poweroff", "", 0, 0, "turn the machine off (QEMU exits with status 33)", cmd_poweroff);

static int cmd_reboot(const struct shell_call *call, int argc, char **argv)
{
	machine_reboot();
}
SHELL_CMD(reboot, "reboot", "", 0, 0, "reset the machine", cmd_reboot);
