/*
 * The `lspci` command.
 *
 * `lspci [-v]` prints the functions found by scanning configuration space
 * (hal/i386/pci.c), one line each in the form `BB:DD.F VVVV:DDDD class CCSS`
 * (CCSS = base class and subclass, as `lspci -n` prints them); with -v also
 * the header type, prog-if, revision and each decoded base address register.
 * The PCI console's line comes from console/pci_uart.c.
 */
#include <stdio.h>
#include <string.h>

#include <console.h>
#include <hal/pci.h>
#include <shell.h>

/* A few base-class names, enough to read QEMU's and the Quark's buses. */
static const char *class_name(uint8_t c)
{
	static const char *const names[] = {
		"unclassified", "mass storage", "network", "display", "multimedia", "memory",
		"bridge", "communication", "system peripheral", "input", "docking station", "processor",
		"serial bus",
	};

	return c < sizeof(names) / sizeof(names[0]) ? names[c] : "other";
}

static bool print_function(const struct pci_dev *d, void *ctx)
{
	bool verbose = *(bool *)ctx;

	printf("%02x:%02x.%x %04x:%04x class %02x%02x", d->bus, d->dev, d->fn, d->vendor, d->device, d->class_code,
	       d->subclass);
	if (!verbose) {
		putchar('\n');
		return true;
	}
	printf(" (%s) prog-if %02x rev %02x header %u\n", class_name(d->class_code), d->prog_if, d->revision,
	       d->header_type);
	for (unsigned b = 0; b < 6; b++) {
		struct pci_bar bar;

		if (!pci_read_bar(d, b, true, &bar))
			continue;
		printf("        BAR%u: %s 0x%08llx size 0x%llx%s%s\n", b, bar.is_io ? "io " : "mem",
		       (unsigned long long)bar.base, (unsigned long long)bar.size, bar.is_64 ? " 64-bit" : "",
		       bar.prefetch ? " prefetchable" : "");
	}
	return true;
}

static int cmd_lspci(const struct shell_call *call, int argc, char **argv)
{
	bool verbose = false;
	unsigned n;

	if (argc == 2 && strcmp(argv[1], "-v") != 0)
		return shell_usage_error(call, "unknown option");
	verbose = argc == 2;
	if (!pci_present()) {
		printf("lspci: no PCI configuration mechanism #1 at ports 0xcf8/0xcfc\n");
		return 1;
	}
	n = pci_scan(print_function, &verbose);
	printf("%u PCI function%s\n", n, n == 1 ? "" : "s");
	pci_uart_show();
	return 0;
}
SHELL_CMD(lspci, "lspci", "[-v]", 0, 1, "list PCI functions (bus:dev.fn vendor:device class); -v adds BARs", cmd_lspci);
