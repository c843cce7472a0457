/*
 * libFuzzer target: the Multiboot2 information and e820 parser.  The input
 * is a little header and then "physical memory": bytes 0-3 pick the magic
 * (odd: the right one, even: the value itself), bytes 4-7 the address of
 * the information block (bit 31 set: 8 used instead, where the block most
 * often is), and the rest is the memory the parser's reader exposes, exactly
 * as long as the input so that ASan sees any read past it.  The reader
 * returns a fresh copy for each call and poisons the previous one, so a
 * pointer kept past the next call (the boot window's contract) is caught.
 * The parsed result is checked for the limits the firmware relies on, and
 * the e820 helpers run over the map it produced.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <multiboot.h>

struct mem {
	const uint8_t *bytes;
	size_t size;
};

static void *last_copy;

static const void *reader(void *ctx, uint32_t pa, uint32_t len)
{
	const struct mem *m = ctx;

	free(last_copy);
	last_copy = NULL;
	if (pa > m->size || len > m->size - pa)
		return NULL;
	last_copy = malloc(len ? len : 1);
	memcpy(last_copy, m->bytes + pa, len);
	return last_copy;
}

static void check_string(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort(); /* every copied string is NUL-terminated inside its array */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct boot_params *bp = malloc(sizeof(*bp));
	struct mem m;
	uint32_t sel, pa, magic;
	bool ok;

	if (size < 8) {
		free(bp);
		return 0;
	}
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	memcpy(&sel, data, 4);
	memcpy(&pa, data + 4, 4);
	m.size = size - 8;
	m.bytes = m.size ? data + 8 : NULL;
	magic = (sel & 1) ? MULTIBOOT2_BOOTLOADER_MAGIC : sel;
	if (pa & 0x80000000u)
		pa = 8;
	memset(bp, 0xa5, sizeof(*bp)); /* the parser must not rely on a cleared result */
	ok = multiboot2_parse(magic, pa, reader, &m, bp);
	free(last_copy);
	last_copy = NULL;
	if (bp->nr_warnings > BOOT_MAX_WARNINGS)
		abort();
	for (unsigned i = 0; i < bp->nr_warnings; i++)
		check_string(bp->warnings[i], sizeof(bp->warnings[i]));
	if (ok) {
		const struct e820_table *t = &bp->e820;

		if (magic != MULTIBOOT2_BOOTLOADER_MAGIC || bp->nr_modules > BOOT_MAX_MODULES ||
		    bp->nr_reserved > BOOT_MAX_RESERVED || t->nr_entries > E820_MAX_ENTRIES || !bp->e820_source ||
		    bp->acpi_rsdp_len > sizeof(bp->acpi_rsdp) || bp->smbios_len > sizeof(bp->smbios_entry) ||
		    (bp->acpi_rsdp_len && bp->acpi_rsdp_len < 20) || !bp->multiboot2)
			abort();
		for (unsigned i = 1; i < t->nr_entries; i++)
			if (t->entries[i].addr < t->entries[i - 1].addr)
				abort(); /* sorted */
		check_string(bp->cmdline, sizeof(bp->cmdline));
		check_string(bp->loader_name, sizeof(bp->loader_name));
		for (unsigned i = 0; i < bp->nr_modules; i++)
			check_string(bp->modules[i].name, sizeof(bp->modules[i].name));
		for (unsigned i = 0; i < bp->nr_reserved; i++)
			if (bp->reserved[i].end < bp->reserved[i].start || !bp->reserved[i].what)
				abort();
		e820_print(devnull, t);
		uint64_t end = e820_end_of_ram(t, 1ull << 32), start = e820_start_of_ram(t, 1ull << 32);
		if (end && start > end)
			abort();
		for (unsigned i = 0; i < t->nr_entries; i++)
			(void)e820_is_ram(t, t->entries[i].addr, t->entries[i].addr + t->entries[i].size);
	}
	free(bp);
	return 0;
}
