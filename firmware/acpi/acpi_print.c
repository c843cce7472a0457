/*
 * The ACPI table list in the form of Linux's boot log ("ACPI: APIC
 * 0x000000003FFE22B1 000078 (v01 BOCHS  BXPC     00000001 BXPC 00000001)")
 * and one table's bytes in acpidump's layout.
 */
#include <ctype.h>
#include <string.h>

#include <acpi.h>

static void print_desc(FILE *out, const struct acpi_table_desc *d)
{
	if (!memcmp(d->sig, "FACS", 4)) {
		fprintf(out, "ACPI: FACS 0x%016llX %06X\n", (unsigned long long)d->pa, d->length);
		return;
	}
	fprintf(out, "ACPI: %-4.4s 0x%016llX %06X (v%02u %-6.6s %-8.8s %08X %-4.4s %08X)\n", d->sig,
		(unsigned long long)d->pa, d->length, d->revision, d->oem_id, d->oem_table_id,
		d->oem_revision, d->creator_id, d->creator_revision);
}

void acpi_print_tables(FILE *out, const struct acpi_info *info)
{
	if (!info->present) {
		fprintf(out, "ACPI: no RSDP found\n");
		return;
	}
	fprintf(out, "ACPI: RSDP 0x%016llX %06X (v%02u %-6.6s)%s\n",
		(unsigned long long)info->rsdp_pa, info->rsdp_revision >= 2 ? 36 : 20,
		info->rsdp_revision, info->rsdp_oem_id,
		info->rsdp_from_loader ? " copied by the loader" : "");
	if (info->root.pa)
		print_desc(out, &info->root);
	for (unsigned i = 0; i < info->nr_tables; i++)
		print_desc(out, &info->tables[i]);
}

bool acpi_dump_table(FILE *out, const struct acpi_reader *r, const struct acpi_table_desc *t)
{
	uint8_t line[16];

	fprintf(out, "%.4s @ 0x%016llX\n", t->sig, (unsigned long long)t->pa);
	for (uint32_t off = 0; off < t->length; off += 16) {
		uint32_t n = t->length - off < 16 ? t->length - off : 16;

		if (!r->read(r->ctx, t->pa + off, line, n)) {
			fprintf(out, "    (unreadable from offset 0x%04X)\n", off);
			return false;
		}
		fprintf(out, "    %04X:", off);
		for (uint32_t i = 0; i < 16; i++) {
			if (i < n)
				fprintf(out, " %02X", line[i]);
			else
				fputs("   ", out);
		}
		fputs("  ", out);
		for (uint32_t i = 0; i < n; i++)
			fputc(isprint(line[i]) ? line[i] : '.', out);
		fputc('\n', out);
	}
	fputc('\n', out);
	return true;
}
