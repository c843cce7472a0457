/*
 * The e820 memory map for a person, as Linux prints it at boot and as the `e820` command shows it.
 */
#include <inttypes.h>
#include <stdio.h>

#include <mm/e820.h>

void e820_print(FILE *out, const struct e820_table *t)
{
	for (unsigned i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];

		if (!e->size)
			continue;
		fprintf(out, "BIOS-e820: [mem 0x%016" PRIx64 "-0x%016" PRIx64 "] %s\n", e->addr,
			e->size - 1 > UINT64_MAX - e->addr ? UINT64_MAX : e->addr + (e->size - 1),
			e820_type_name(e->type));
	}
}
