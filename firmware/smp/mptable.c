/*
 * The CPUs from the Intel MultiProcessor Specification 1.4 table, for boards without an ACPI
 * MADT: the floating pointer structure ("_MP_", 16 bytes on a 16-byte boundary, checksum 0) is in
 * the first KiB of the EBDA, else the last KiB of base memory, else the BIOS ROM 0xF0000-0xFFFFF
 * (§4.1); its configuration table ("PCMP", 44-byte header) lists one 20-byte processor entry
 * (type 0: local APIC ID at +1, flags at +3, bit 0 enabled, bit 1 boot processor) per CPU among
 * 8-byte entries of the other types (§4.2, §4.3.1).
 */
#include <string.h>

#include <acpi_boot.h>
#include <le_bytes.h>

#include "internal.h"

#define MP_FLOAT_LEN 16
#define MP_CONFIG_HEADER 44

/* The floating pointer in [pa, pa + len), or 0. */
static uint32_t scan(uint32_t pa, uint32_t len)
{
	uint8_t b[MP_FLOAT_LEN];

	for (uint32_t p = pa; p + MP_FLOAT_LEN <= pa + len; p += 16)
		if (phys_copy(p, b, 4) && !memcmp(b, "_MP_", 4) && phys_copy(p, b, MP_FLOAT_LEN) &&
		    b[8] == 1 && byte_sum(b, MP_FLOAT_LEN) == 0)
			return p;
	return 0;
}

unsigned mptable_find_cpus(uint32_t *apic_ids, unsigned max)
{
	uint8_t b[MP_CONFIG_HEADER], e[20];
	uint32_t fp = 0, cfg, off, end;
	uint16_t ebda = 0, basekb = 0;
	unsigned n = 0, entries;

	if (phys_copy(0x40E, &ebda, 2) && ebda)
		fp = scan((uint32_t)ebda << 4, 1024);
	if (!fp && phys_copy(0x413, &basekb, 2) && basekb >= 1 && basekb <= 640)
		fp = scan(((uint32_t)basekb - 1) * 1024, 1024);
	if (!fp)
		fp = scan(0xF0000, 0x10000);
	if (!fp || !phys_copy(fp, b, MP_FLOAT_LEN))
		return 0;
	cfg = le32_get(b + 4);
	if (!cfg) /* a default configuration (feature byte 1): two CPUs, APIC IDs 0 and 1 */
		return b[11] && max >= 2 ? (apic_ids[0] = 0, apic_ids[1] = 1, 2) : 0;
	if (!phys_copy(cfg, b, MP_CONFIG_HEADER) || memcmp(b, "PCMP", 4))
		return 0;
	end = cfg + le16_get(b + 4);
	entries = le16_get(b + 34);
	off = cfg + MP_CONFIG_HEADER;
	for (unsigned i = 0; i < entries && off < end; i++) {
		if (!phys_copy(off, e, 1))
			break;
		if (e[0] != 0) {
			off += 8;
			continue;
		}
		if (!phys_copy(off, e, 20))
			break;
		if ((e[3] & 1) && n < max)
			apic_ids[n++] = e[1];
		off += 20;
	}
	return n;
}
