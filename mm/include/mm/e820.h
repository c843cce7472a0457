/*
 * The firmware's memory map, in the BIOS e820 vocabulary that Linux prints
 * at boot.  The firmware fills it from the Multiboot information; mm/
 * builds nodes, zones and bootmem from it.
 */
#ifndef MM_E820_H
#define MM_E820_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum e820_type {
	E820_RAM = 1,
	E820_RESERVED = 2,
	E820_ACPI = 3,
	E820_NVS = 4,
	E820_UNUSABLE = 5,
};

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/* As Linux's E820_MAX_ENTRIES for one node: UEFI maps have 100+ descriptors before merging. */
#define E820_MAX_ENTRIES 128

struct e820_table {
	unsigned nr_entries;
	struct e820_entry entries[E820_MAX_ENTRIES];
};

/* The word Linux prints for an e820 type: "usable", "reserved", "ACPI data", "ACPI NVS",
 * "unusable". */
const char *e820_type_name(uint32_t type);

/* The end of entry e, saturated at 2^64 - 1 when addr + size reaches or passes 2^64 (no wrap to 0). */
uint64_t e820_entry_end(const struct e820_entry *e);

/* True when all of [start, end) is inside E820_RAM entries and no other entry overlaps it. */
bool e820_is_ram(const struct e820_table *t, uint64_t start, uint64_t end);

/* The end of the highest E820_RAM entry, clipped to limit. */
uint64_t e820_end_of_ram(const struct e820_table *t, uint64_t limit);

/* The lowest start of an E820_RAM entry (clipped to limit; limit if none). */
uint64_t e820_start_of_ram(const struct e820_table *t, uint64_t limit);

/* Print the table as Linux does at boot: "BIOS-e820: [mem 0x...-0x...] usable" (inclusive ends). */
void e820_print(FILE *out, const struct e820_table *t);

#endif
