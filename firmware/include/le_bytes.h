/*
 * Reading the little-endian fields and byte-sum checksums of firmware tables (ACPI, SMBIOS) from
 * a byte buffer, without alignment assumptions.  Pure code, shared by the image and host tests.
 */
#ifndef FIRMWARE_LE_BYTES_H
#define FIRMWARE_LE_BYTES_H

#include <stdint.h>

static inline uint16_t le16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le64_get(const uint8_t *p)
{
	return (uint64_t)le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}

/* The 8-bit sum of len bytes: 0 over a table whose checksum byte is right. */
static inline uint8_t byte_sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

#endif
