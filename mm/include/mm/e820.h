/*
 * The firmware's memory map, in the BIOS e820 vocabulary that Linux prints
 * at boot.  The firmware fills it from the Multiboot information; mm/
 * builds nodes, zones and bootmem from it.
 */
#ifndef MM_E820_H
#define MM_E820_H

#include <stdint.h>

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

#define E820_MAX_ENTRIES 64

struct e820_table {
	unsigned nr_entries;
	struct e820_entry entries[E820_MAX_ENTRIES];
};

/* The word Linux prints for an e820 type: "usable", "reserved", "ACPI data", "ACPI NVS", "unusable". */
const char *e820_type_name(uint32_t type);

#endif
