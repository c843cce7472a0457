/*
 * SMBIOS (DMI): the entry point (2.x "_SM_" or 3.x "_SM3_", a loader's copy
 * or found by scanning 0xF0000-0xFFFFF on 16-byte boundaries) and the
 * structure table it points at, printed as dmidecode prints the BIOS,
 * system, base board and memory device structures.  Pure code, every
 * offset bounds-checked.  Field offsets follow the DMTF System Management
 * BIOS Reference Specification 3.6 (§5.2 entry points, §6.1 structure
 * layout, §7.1 type 0, §7.2 type 1, §7.3 type 2, §7.18 type 17).
 */
#ifndef FIRMWARE_SMBIOS_H
#define FIRMWARE_SMBIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Copy len bytes at physical address pa into buf; false if the range may not or cannot be read. */
typedef bool (*smbios_read_fn)(void *ctx, uint64_t pa, void *buf, uint32_t len);

/* What an entry point says. */
struct smbios_entry {
	bool v3;	   /* a 64-bit "_SM3_" entry point */
	uint64_t entry_pa; /* where the scan found it; 0 for a loader's copy */
	uint8_t major, minor, docrev;
	uint64_t table_pa;
	uint32_t table_len;	/* 2.x: the exact length; 3.x: the maximum size */
	uint16_t nr_structures; /* 2.x only; 0 when not given */
};

/* Check the entry point in buf (len bytes): anchor, length and checksums; fill e and return true if
 * good. */
bool smbios_entry_parse(const uint8_t *buf, uint32_t len, struct smbios_entry *e);

/* The loader's copy when it is good, else (when scan) the first good entry point in
 * 0xF0000-0xFFFFF; false if none. */
bool smbios_find_entry(smbios_read_fn read, void *ctx, const uint8_t *copy, uint32_t copy_len,
		       bool scan, struct smbios_entry *e);

/* Print the structure table (len bytes of it in table) in dmidecode's wording; returns the number
 * of problems reported (malformed structures end the walk). */
unsigned dmi_print(FILE *out, const struct smbios_entry *e, const uint8_t *table, uint32_t len);

struct json_writer;

/*
 * dmi_print()'s content as members of the open JSON object of w: "version" ("2.8", "3.0.0"),
 * "entry" (the entry point's address, null for a loader's copy), "table", "table_len",
 * "nr_structures" (null when not given), "structures" (types 0, 1, 2 and 17 in table order, each
 * with "handle", "type", "length", "name" and its fields: vendor, version, release_date;
 * manufacturer, product_name, version, serial_number; size_kb (0: no module, null: unknown),
 * locator, bank_locator, speed_mts (null: unknown), manufacturer) and "error" (why a malformed
 * structure stopped the walk, or null).  Returns the number of problems, as dmi_print() does.
 */
unsigned dmi_json(struct json_writer *w, const struct smbios_entry *e, const uint8_t *table,
		  uint32_t len);

/* Linux's one-line identity ("QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2 04/01/2014") into
 * buf; "unknown" for what is missing. */
void dmi_identity(const uint8_t *table, uint32_t len, char *buf, size_t buflen);

#endif
