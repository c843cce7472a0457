/*
 * Builds ACPI tables into a fake physical memory for the parser's host tests
 * and fuzz seeds: a header with a correct checksum, the RSDP, and the tables
 * QEMU's pc and q35 machines provide (FADT, DSDT with \_S5, MADT, SPCR, MCFG,
 * HPET), each placed by the caller.  Everything is static.
 */
#ifndef ACPI_BUILDER_H
#define ACPI_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <acpi.h>

#define FAKE_MEM_SIZE (2u << 20)

static uint8_t fake_mem[FAKE_MEM_SIZE];
static unsigned fake_reads_refused;

static __attribute__((unused)) bool fake_read(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	(void)ctx;
	if (pa > FAKE_MEM_SIZE || len > FAKE_MEM_SIZE - pa) {
		fake_reads_refused++;
		return false;
	}
	memcpy(buf, fake_mem + pa, len);
	return true;
}

static __attribute__((unused)) const struct acpi_reader fake_reader = { fake_read, NULL };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void put_gas(uint8_t *p, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
	p[0] = space;
	p[1] = width;
	p[2] = 0;
	p[3] = access;
	put64(p + 4, addr);
}

static uint8_t checksum_of(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}

/* Start a table of len bytes at pa (zeroed header fields filled); finish with table_seal(). */
static uint8_t *table_at(uint32_t pa, const char *sig, uint32_t len, uint8_t rev)
{
	uint8_t *t = fake_mem + pa;

	memset(t, 0, len);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "BOCHS ", 6);
	memcpy(t + 16, "BXPC    ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "BXPC", 4);
	put32(t + 32, 1);
	return t;
}

/* Set the checksum of the table at pa (its length field says how long it is). */
static void table_seal(uint32_t pa)
{
	uint8_t *t = fake_mem + pa;
	uint32_t len =
		(uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;

	t[9] = 0;
	t[9] = checksum_of(t, len);
}

/* An RSDP of revision rev at pa naming rsdt and (rev 2) xsdt. */
static __attribute__((unused)) void put_rsdp(uint8_t *p, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "BOCHS ", 6);
	p[15] = rev;
	put32(p + 16, rsdt);
	if (rev >= 2) {
		put32(p + 20, 36);
		put64(p + 24, xsdt);
	}
	p[8] = checksum_of(p, 20);
	if (rev >= 2)
		p[32] = checksum_of(p, 36);
}

/* Tables laid out like QEMU's q35 (addresses are the fake memory's). */
enum {
	RSDP_PA = 0xF5A40,
	XSDT_PA = 0x100000,
	RSDT_PA = 0x100100,
	FACP_PA = 0x100200,
	DSDT_PA = 0x100400,
	APIC_PA = 0x102000,
	SPCR_PA = 0x102200,
	MCFG_PA = 0x102300,
	HPET_PA = 0x102400,
	FACS_PA = 0x102500,
	DSDT_LEN = 0x1800,
};

static uint32_t xsdt_entries[16];
static unsigned nr_xsdt_entries;

/* (Re)write the XSDT and RSDT from xsdt_entries. */
static __attribute__((unused)) void build_roots(void)
{
	uint8_t *x = table_at(XSDT_PA, "XSDT", 36 + 8 * nr_xsdt_entries, 1);
	uint8_t *r = table_at(RSDT_PA, "RSDT", 36 + 4 * nr_xsdt_entries, 1);

	for (unsigned i = 0; i < nr_xsdt_entries; i++) {
		put64(x + 36 + 8 * i, xsdt_entries[i]);
		put32(r + 36 + 4 * i, xsdt_entries[i]);
	}
	table_seal(XSDT_PA);
	table_seal(RSDT_PA);
}

/* A whole q35-like set: RSDP rev 2 in the BIOS area, XSDT, FACP (rev 3, RESET_REG), DSDT with \_S5
 * {5, 7}, APIC, SPCR, MCFG, HPET. */
static __attribute__((unused)) void build_q35(void)
{
	uint8_t *t;

	memset(fake_mem, 0, sizeof(fake_mem));
	fake_reads_refused = 0;

	t = table_at(FACP_PA, "FACP", 244, 3);
	put32(t + 36, FACS_PA);
	put32(t + 40, DSDT_PA);
	put16(t + 46, 9);     /* SCI */
	put32(t + 64, 0x604); /* PM1a_CNT_BLK */
	put32(t + 76, 0x608); /* PM_TMR_BLK */
	t[89] = 2;	      /* PM1_CNT_LEN */
	t[91] = 4;	      /* PM_TMR_LEN */
	put16(t + 109, ACPI_BOOT_8042 | ACPI_BOOT_LEGACY_DEVICES);
	put32(t + 112, ACPI_FADT_RESET_REG_SUP | (1u << 8));
	put_gas(t + 116, ACPI_GAS_IO, 8, 0, 0xCF9);
	t[128] = 0x0F;
	put64(t + 140, DSDT_PA);
	put_gas(t + 172, ACPI_GAS_IO, 16, 0, 0x604);
	put_gas(t + 208, ACPI_GAS_IO, 32, 0, 0x608);
	table_seal(FACP_PA);

	memcpy(fake_mem + FACS_PA, "FACS", 4);
	put32(fake_mem + FACS_PA + 4, 64);

	t = table_at(DSDT_PA, "DSDT", DSDT_LEN, 1);
	/* Some AML, a reference to _S5_ that is not its definition, then the definition late in the
	 * table. */
	memcpy(t + 0x100, "\x14\x08_PTS\x01\x70_S5_", 12);
	memcpy(t + 0x1400, "\x08\\_S5_\x12\x08\x04\x0a\x05\x0a\x07\x00\x00", 15);
	table_seal(DSDT_PA);

	t = table_at(APIC_PA, "APIC", 44 + 8 + 8 + 12 + 12 + 10 + 12, 1);
	put32(t + 36, 0xFEE00000u);
	put32(t + 40, ACPI_MADT_PCAT_COMPAT);
	{
		uint8_t *e = t + 44;

		e[0] = 0;
		e[1] = 8;
		e[2] = 0;
		e[3] = 0;
		put32(e + 4, 1);
		e += 8; /* CPU 0 enabled */
		e[0] = 0;
		e[1] = 8;
		e[2] = 1;
		e[3] = 1;
		put32(e + 4, 0);
		e += 8; /* CPU 1 disabled */
		e[0] = 1;
		e[1] = 12;
		e[2] = 0;
		put32(e + 4, 0xFEC00000u);
		put32(e + 8, 0);
		e += 12;
		e[0] = 1;
		e[1] = 12;
		e[2] = 1;
		put32(e + 4, 0xFEC01000u);
		put32(e + 8, 24);
		e += 12;
		e[0] = 2;
		e[1] = 10;
		e[2] = 0;
		e[3] = 0;
		put32(e + 4, 2);
		put16(e + 8, 0);
		e += 10;
		e[0] = 5;
		e[1] = 12;
		put64(e + 4, 0xFEE10000u);
	}
	table_seal(APIC_PA);

	t = table_at(SPCR_PA, "SPCR", 80, 2);
	t[36] = ACPI_SPCR_16550;
	put_gas(t + 40, ACPI_GAS_IO, 8, 1, 0x2F8);
	t[52] = 1;
	t[53] = 3;
	t[58] = 7;
	table_seal(SPCR_PA);

	t = table_at(MCFG_PA, "MCFG", 60, 1);
	put64(t + 44, 0xB0000000u);
	t[55] = 0xFF;
	table_seal(MCFG_PA);

	t = table_at(HPET_PA, "HPET", 56, 1);
	put32(t + 36, 0x8086A201u);
	put_gas(t + 40, ACPI_GAS_MEMORY, 64, 0, 0xFED00000u);
	put16(t + 53, 128);
	table_seal(HPET_PA);

	nr_xsdt_entries = 0;
	xsdt_entries[nr_xsdt_entries++] = FACP_PA;
	xsdt_entries[nr_xsdt_entries++] = APIC_PA;
	xsdt_entries[nr_xsdt_entries++] = SPCR_PA;
	xsdt_entries[nr_xsdt_entries++] = MCFG_PA;
	xsdt_entries[nr_xsdt_entries++] = HPET_PA;
	build_roots();
	put_rsdp(fake_mem + RSDP_PA, 2, RSDT_PA, XSDT_PA);
}

#endif
