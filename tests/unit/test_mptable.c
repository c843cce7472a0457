/*
 * The MP table reader (firmware/smp/mptable.c) against tables written into a fake first MiB: the
 * floating pointer found in the EBDA, at the top of base memory and in the BIOS ROM, in that order;
 * enabled processor entries among bus, I/O APIC and interrupt entries; disabled processors left
 * out; the default configuration (no table, two CPUs); and bad tables (checksum, signature,
 * an entry count past the table's length) giving no CPUs or only the entries inside the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <acpi_boot.h>

#include "../../firmware/smp/internal.h"

static uint8_t mem[0x100000];

/* The fake physical memory the reader sees (the image's version maps real memory). */
bool phys_copy(uint64_t pa, void *buf, uint32_t len)
{
	if (pa > sizeof(mem) || len > sizeof(mem) - pa)
		return false;
	memcpy(buf, mem + pa, len);
	return true;
}

static void put16(uint32_t pa, uint16_t v)
{
	mem[pa] = (uint8_t)v;
	mem[pa + 1] = (uint8_t)(v >> 8);
}

static void put32(uint32_t pa, uint32_t v)
{
	put16(pa, (uint16_t)v);
	put16(pa + 2, (uint16_t)(v >> 16));
}

static void fix_sum(uint32_t pa, uint32_t len, uint32_t sum_at)
{
	uint8_t s = 0;

	mem[sum_at] = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + mem[pa + i]);
	mem[sum_at] = (uint8_t)-s;
}

/* A floating pointer at fp naming a configuration table at cfg (0: default configuration). */
static void write_float(uint32_t fp, uint32_t cfg, uint8_t default_config)
{
	memcpy(mem + fp, "_MP_", 4);
	put32(fp + 4, cfg);
	mem[fp + 8] = 1;    /* length in 16-byte units */
	mem[fp + 9] = 4;    /* spec revision 1.4 */
	mem[fp + 11] = default_config;
	fix_sum(fp, 16, fp + 10);
}

struct entry {
	uint8_t type, apic_id, flags;
};

/* A configuration table at cfg with the given entries (processors 20 bytes, the others 8). */
static void write_config(uint32_t cfg, const struct entry *e, unsigned n, uint16_t claimed_count)
{
	uint32_t off = cfg + 44;

	memcpy(mem + cfg, "PCMP", 4);
	mem[cfg + 6] = 4;
	for (unsigned i = 0; i < n; i++) {
		mem[off] = e[i].type;
		if (e[i].type == 0) {
			mem[off + 1] = e[i].apic_id;
			mem[off + 2] = 0x14;
			mem[off + 3] = e[i].flags;
			off += 20;
		} else {
			off += 8;
		}
	}
	put16(cfg + 4, (uint16_t)(off - cfg));
	put16(cfg + 34, claimed_count ? claimed_count : (uint16_t)n);
	fix_sum(cfg, off - cfg, cfg + 7);
}

static int reset(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	put16(0x413, 639); /* base memory in KiB */
	return 0;
}

static const struct entry board[] = {
	{ 0, 0, 3 },  /* BSP, enabled */
	{ 1, 0, 0 },  /* bus */
	{ 0, 2, 1 },  /* AP, enabled */
	{ 2, 0, 0 },  /* I/O APIC */
	{ 0, 4, 0 },  /* disabled by the BIOS */
	{ 3, 0, 0 },  /* I/O interrupt */
	{ 0, 6, 1 },  /* AP, enabled */
	{ 4, 0, 0 },  /* local interrupt */
};

static void test_rom_table(void **state)
{
	uint32_t ids[8];

	(void)state;
	assert_int_equal(mptable_find_cpus(ids, 8), 0); /* nothing there */
	write_float(0xf5ba0, 0xf5bb0, 0);
	write_config(0xf5bb0, board, 8, 0);
	assert_int_equal(mptable_find_cpus(ids, 8), 3);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 6);
	/* max caps what is written. */
	assert_int_equal(mptable_find_cpus(ids, 2), 2);
}

static void test_ebda_first_then_base_memory(void **state)
{
	static const struct entry one[] = { { 0, 9, 3 } };
	uint32_t ids[4];

	(void)state;
	write_float(0xf0000, 0xf0100, 0);
	write_config(0xf0100, board, 8, 0);
	/* The top KiB of base memory comes before the ROM. */
	write_float(638 * 1024 + 32, 0x80000, 0); /* the last KiB of 639 KiB */
	write_config(0x80000, one, 1, 0);
	assert_int_equal(mptable_find_cpus(ids, 4), 1);
	assert_int_equal(ids[0], 9);
	/* The EBDA comes first of all. */
	put16(0x40e, 0x9000); /* segment: 0x90000 */
	write_float(0x90000 + 48, 0x81000, 0);
	write_config(0x81000, board, 3, 0);
	assert_int_equal(mptable_find_cpus(ids, 4), 2);
	assert_int_equal(ids[1], 2);
}

static void test_default_configuration(void **state)
{
	uint32_t ids[4];

	(void)state;
	write_float(0xf8000, 0, 5); /* default configuration 5: two CPUs */
	assert_int_equal(mptable_find_cpus(ids, 4), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(mptable_find_cpus(ids, 1), 0);
}

static void test_bad_tables(void **state)
{
	uint32_t ids[8];

	(void)state;
	/* A floating pointer with a wrong checksum is not one. */
	write_float(0xf5ba0, 0xf5bb0, 0);
	write_config(0xf5bb0, board, 8, 0);
	mem[0xf5ba0 + 10] ^= 1;
	assert_int_equal(mptable_find_cpus(ids, 8), 0);
	/* A configuration table without its signature gives nothing. */
	write_float(0xf5ba0, 0xf5bb0, 0);
	mem[0xf5bb0] = 'X';
	assert_int_equal(mptable_find_cpus(ids, 8), 0);
	/* An entry count past the table's length: only the entries inside the table are read. */
	write_config(0xf5bb0, board, 3, 200);
	memset(mem + 0xf5bb0 + 44 + 20 + 8 + 20, 0, 64);
	mem[0xf5bb0 + 44 + 20 + 8 + 20] = 0; /* would be a processor entry, past the end */
	mem[0xf5bb0 + 44 + 20 + 8 + 21] = 7;
	mem[0xf5bb0 + 44 + 20 + 8 + 23] = 1;
	assert_int_equal(mptable_find_cpus(ids, 8), 2);
	/* A configuration table outside memory. */
	write_float(0xf5ba0, 0xfffffff0u, 0);
	assert_int_equal(mptable_find_cpus(ids, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rom_table, reset),
		cmocka_unit_test_setup(test_ebda_first_then_base_memory, reset),
		cmocka_unit_test_setup(test_default_configuration, reset),
		cmocka_unit_test_setup(test_bad_tables, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
