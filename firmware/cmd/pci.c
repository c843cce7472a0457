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
#include <json.h>
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

/* One function as an element of `lspci -j`'s "functions", its decoded BARs included. */
static bool json_function(const struct pci_dev *d, void *ctx)
{
	struct json_writer *w = ctx;
	char slot[16];

	snprintf(slot, sizeof(slot), "%02x:%02x.%x", d->bus, d->dev, d->fn);
	json_object(w, NULL);
	json_string(w, "slot", slot);
	json_uint(w, "bus", d->bus);
	json_uint(w, "dev", d->dev);
	json_uint(w, "fn", d->fn);
	json_uint(w, "vendor", d->vendor);
	json_uint(w, "device", d->device);
	json_uint(w, "class", d->class_code);
	json_uint(w, "subclass", d->subclass);
	json_string(w, "class_name", class_name(d->class_code));
	json_uint(w, "prog_if", d->prog_if);
	json_uint(w, "revision", d->revision);
	json_uint(w, "header_type", d->header_type);
	json_array(w, "bars");
	for (unsigned b = 0; b < 6; b++) {
		struct pci_bar bar;

		if (!pci_read_bar(d, b, true, &bar))
			continue;
		json_object(w, NULL);
		json_uint(w, "index", b);
		json_bool(w, "io", bar.is_io);
		json_uint(w, "base", bar.base);
		json_uint(w, "size", bar.size);
		json_bool(w, "is_64", bar.is_64);
		json_bool(w, "prefetchable", bar.prefetch);
		json_end(w);
	}
	json_end(w);
	json_end(w);
	return true;
}

static int cmd_lspci(const struct shell_call *call, int argc, char **argv)
{
	bool verbose = false, json = false;
	unsigned n;

	for (int i = 1; i < argc; i++) {
		bool *opt = !strcmp(argv[i], "-v")   ? &verbose
			    : !strcmp(argv[i], "-j") ? &json
						     : NULL;

		if (!opt)
			return shell_usage_error(call, "unknown option (-v: BARs too, -j: JSON)");
		if (*opt)
			return shell_usage_error(call, "an option given twice");
		*opt = true;
	}
	if (!pci_present()) {
		printf("lspci: no PCI configuration mechanism #1 at ports 0xcf8/0xcfc\n");
		return 1;
	}
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		json_array(&w, "functions");
		n = pci_scan(json_function, &w);
		json_end(&w);
		json_uint(&w, "count", n);
		pci_uart_json(&w, "console");
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	n = pci_scan(print_function, &verbose);
	printf("%u PCI function%s\n", n, n == 1 ? "" : "s");
	pci_uart_show();
	return 0;
}
SHELL_CMD(lspci, "lspci", "[-v] [-j]", 0, 2,
	  "list PCI functions (bus:dev.fn vendor:device class); -v adds BARs; -j: JSON of it all",
	  cmd_lspci);
