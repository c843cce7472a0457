/*
 * libFuzzer target: the ACPI table parser.  The first input byte picks how
 * the RSDP is found (bit 0: the next 36 bytes are the loader's copy; bit 1:
 * scan the BIOS areas); the rest is physical memory from 0xE0000 up, exactly
 * as long as the input so that ASan sees any read past it.  The result is
 * checked for the limits the firmware relies on, printed and dumped, and the
 * \_S5 decoder also runs over the raw bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <acpi.h>

#define MEM_BASE 0xE0000u

struct mem {
	const uint8_t *bytes;
	size_t size;
};

static bool reader(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	const struct mem *m = ctx;

	if (pa < MEM_BASE || pa - MEM_BASE > m->size || len > m->size - (pa - MEM_BASE))
		return false;
	memcpy(buf, m->bytes + (pa - MEM_BASE), len);
	return true;
}

static void check_string(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	static struct acpi_info info;
	struct acpi_reader r;
	struct mem m;
	const uint8_t *copy = NULL;
	uint32_t copy_len = 0;
	uint8_t a, b;

	if (size < 1)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	m.bytes = data + 1;
	m.size = size - 1;
	if ((data[0] & 1) && m.size >= 36) {
		copy = m.bytes;
		copy_len = 36;
	}
	r.read = reader;
	r.ctx = &m;
	memset(&info, 0xa5, sizeof(info)); /* acpi_parse must clear what it fills */
	acpi_parse(&r, copy, copy_len, (data[0] & 2) != 0, &info);
	if (info.nr_warnings > ACPI_MAX_WARNINGS || info.nr_tables > ACPI_MAX_TABLES ||
	    info.nr_ioapics > ACPI_MAX_IOAPICS || info.nr_cpus > ACPI_MAX_CPUS ||
	    info.nr_overrides > ACPI_MAX_OVERRIDES || info.nr_mcfg > ACPI_MAX_MCFG)
		abort();
	if (info.have_s5 && (info.s5_slp_typa > 7 || info.s5_slp_typb > 7))
		abort();
	for (unsigned i = 0; i < info.nr_warnings; i++)
		check_string(info.warnings[i], sizeof(info.warnings[i]));
	for (unsigned i = 0; i < info.nr_tables; i++) {
		const struct acpi_table_desc *t = &info.tables[i];

		check_string(t->sig, sizeof(t->sig));
		check_string(t->oem_id, sizeof(t->oem_id));
		check_string(t->oem_table_id, sizeof(t->oem_table_id));
		/* Every kept table (but the FACS, which has no checksum) was read whole. */
		if (memcmp(t->sig, "FACS", 4) &&
		    (t->length < ACPI_HEADER_LEN || t->length > ACPI_MAX_TABLE_LEN))
			abort();
		acpi_dump_table(devnull, &r, t);
	}
	acpi_print_tables(devnull, &info);
	if (acpi_find_s5(m.bytes, (uint32_t)m.size, &a, &b) && (a > 7 || b > 7))
		abort();
	return 0;
}
