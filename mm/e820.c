/*
 * The e820 memory map: names of entry types and the questions mm_init()
 * asks of it.  Entries may be unsorted and may overlap; a range counts as
 * RAM only where a RAM entry covers it and no other entry claims it.
 */
#include <inttypes.h>

#include <mm/e820.h>

const char *e820_type_name(uint32_t type)
{
	switch (type) {
	case E820_RAM:
		return "usable";
	case E820_RESERVED:
		return "reserved";
	case E820_ACPI:
		return "ACPI data";
	case E820_NVS:
		return "ACPI NVS";
	case E820_UNUSABLE:
		return "unusable";
	default:
		return "type ?";
	}
}

uint64_t e820_entry_end(const struct e820_entry *e)
{
	uint64_t end = e->addr + e->size;

	return end < e->addr ? UINT64_MAX : end;
}

bool e820_is_ram(const struct e820_table *t, uint64_t start, uint64_t end)
{
	uint64_t covered = start;
	bool progress = true;

	for (unsigned i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];

		if (e->type != E820_RAM && e->addr < end && e820_entry_end(e) > start)
			return false;
	}
	/* RAM entries may be split; extend the covered prefix until it stops growing. */
	while (covered < end && progress) {
		progress = false;
		for (unsigned i = 0; i < t->nr_entries; i++) {
			const struct e820_entry *e = &t->entries[i];

			if (e->type == E820_RAM && e->addr <= covered && e820_entry_end(e) > covered) {
				covered = e820_entry_end(e);
				progress = true;
			}
		}
	}
	return covered >= end;
}

uint64_t e820_end_of_ram(const struct e820_table *t, uint64_t limit)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];

		if (e->type == E820_RAM && e820_entry_end(e) > top)
			top = e820_entry_end(e);
	}
	return top < limit ? top : limit;
}

uint64_t e820_start_of_ram(const struct e820_table *t, uint64_t limit)
{
	uint64_t low = limit;

	for (unsigned i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];

		if (e->type == E820_RAM && e->size && e->addr < low)
			low = e->addr;
	}
	return low;
}

