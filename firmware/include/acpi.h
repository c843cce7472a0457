/*
 * ACPI tables, parsed defensively: the RSDP (a loader's copy, or the BIOS
 * areas scanned), the RSDT or XSDT, and the MADT, FADT (with the DSDT's \_S5
 * package), SPCR, MCFG and HPET.  Pure code: every byte is read through an
 * accessor, so the same parser runs in the image (through early_memremap or
 * ioremap) and on the host under the sanitizers.  Every table's checksum and
 * length are checked; a table that is malformed, truncated, unreachable (the
 * accessor refuses its range: outside RAM and reserved space) or listed twice
 * is reported in the warnings and ignored.  Field offsets follow the ACPI
 * Specification 6.4, §5.2 (RSDP 5.2.5, RSDT/XSDT 5.2.7-8, FADT 5.2.9, MADT
 * 5.2.12), the Serial Port Console Redirection Table specification, the PCI
 * Firmware Specification (MCFG) and the IA-PC HPET Specification.
 */
#ifndef FIRMWARE_ACPI_H
#define FIRMWARE_ACPI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Copy len bytes at physical address pa into buf; false if the range may not or cannot be read. */
typedef bool (*acpi_read_fn)(void *ctx, uint64_t pa, void *buf, uint32_t len);

struct acpi_reader {
	acpi_read_fn read;
	void *ctx;
};

#define ACPI_SIG_RSDP "RSD PTR "
#define ACPI_HEADER_LEN 36u
#define ACPI_MAX_TABLES 32
#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_MCFG 4
#define ACPI_MAX_WARNINGS 16
/* The largest table the parser reads (a DSDT of a big board is a few hundred KiB). */
#define ACPI_MAX_TABLE_LEN (4u << 20)

/* Generic Address Structure (§5.2.3.2). */
struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_MEMORY, ACPI_GAS_IO, ... */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 1 byte, 2 word, 3 dword, 4 qword; 0 undefined */
	uint64_t address;
};

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1
#define ACPI_GAS_PCI_CONFIG 2

/* One table as listed by the RSDT/XSDT (or the FADT for the DSDT and FACS), header fields copied.
 */
struct acpi_table_desc {
	char sig[5];
	uint64_t pa;
	uint32_t length;
	uint8_t revision;
	char oem_id[7];
	char oem_table_id[9];
	uint32_t oem_revision;
	char creator_id[5];
	uint32_t creator_revision;
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t pa;
	uint32_t gsi_base;
};

/* An Interrupt Source Override: ISA IRQ source is GSI gsi with MPS INTI flags. */
struct acpi_override {
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
};

struct acpi_mcfg_entry {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

/* FADT IAPC_BOOT_ARCH bits. */
#define ACPI_BOOT_LEGACY_DEVICES 0x0001u
#define ACPI_BOOT_8042 0x0002u
/* FADT flags. */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)
/* MADT flags: PCAT_COMPAT, the system also has dual 8259s. */
#define ACPI_MADT_PCAT_COMPAT 0x1u
/* PM1 control register: SLP_TYP in bits 10-12, SLP_EN bit 13 (§4.8.3.2.1). */
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK (7u << ACPI_PM1_SLP_TYP_SHIFT)
#define ACPI_PM1_SLP_EN (1u << 13)

/* SPCR interface types the 16550 driver serves. */
#define ACPI_SPCR_16550 0x00
#define ACPI_SPCR_16450 0x01
#define ACPI_SPCR_16550_GAS 0x12

struct acpi_info {
	bool present;	       /* an RSDP with a good checksum was found */
	bool rsdp_from_loader; /* the loader's copy (Multiboot2 tag), not the scan */
	uint64_t rsdp_pa;      /* where the scan found it (0 for a loader's copy) */
	uint8_t rsdp_revision; /* 0: ACPI 1.0 (RSDT only); 2: XSDT too */
	char rsdp_oem_id[7];
	bool use_xsdt;
	struct acpi_table_desc root; /* the RSDT or XSDT */
	unsigned nr_tables;	     /* tables listed (and the DSDT, FACS) that passed the checks */
	struct acpi_table_desc tables[ACPI_MAX_TABLES];

	bool have_madt;
	uint64_t lapic_pa; /* with the 64-bit override applied */
	bool lapic_override;
	uint32_t madt_flags;
	unsigned nr_cpus; /* enabled processors */
	uint32_t cpu_apic_id[ACPI_MAX_CPUS];
	unsigned nr_ioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned nr_overrides;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];

	bool have_fadt;
	uint8_t fadt_revision;
	uint32_t fadt_flags;
	uint16_t iapc_boot_arch; /* 0 when the FADT is too old to say */
	uint16_t sci_irq;
	struct acpi_gas pm1a_cnt, pm1b_cnt, pm_tmr;
	uint8_t pm1_cnt_len;
	bool pm_tmr_32bit;
	bool have_reset_reg;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint64_t dsdt_pa;

	bool have_s5; /* \_S5 found in the DSDT */
	uint8_t s5_slp_typa, s5_slp_typb;

	bool have_spcr;
	uint8_t spcr_interface;
	struct acpi_gas spcr_base;
	uint8_t spcr_irq_type, spcr_irq;
	uint32_t spcr_gsi;
	uint32_t spcr_baud;	/* 0: as the firmware left it */
	uint32_t spcr_clock_hz; /* 0: not given (revision < 3) */

	unsigned nr_mcfg;
	struct acpi_mcfg_entry mcfg[ACPI_MAX_MCFG];

	bool have_hpet;
	struct acpi_gas hpet_base;
	uint8_t hpet_number;
	uint16_t hpet_min_tick;

	unsigned nr_warnings;
	char warnings[ACPI_MAX_WARNINGS][112];
};

/* True if the RSDP in buf (len bytes) has the signature and good checksums (20 bytes; the extended
 * ones for revision 2+). */
bool acpi_rsdp_valid(const uint8_t *buf, uint32_t len);

/*
 * Find the RSDP: the loader's copy (boot_rsdp, boot_len bytes) when given,
 * else, unless scan is false (UEFI leaves no BIOS areas), the first KiB of
 * the EBDA (segment at 0x40E) and 0xE0000-0xFFFFF on 16-byte boundaries.
 * Fills the RSDP fields of info and returns true when one is found.
 */
bool acpi_find_rsdp(const struct acpi_reader *r, const uint8_t *boot_rsdp, uint32_t boot_len,
		    bool scan, struct acpi_info *info);

/* Parse everything reachable from the RSDP info holds (acpi_find_rsdp() first); tables that fail a
 * check land in the warnings. */
void acpi_parse_tables(const struct acpi_reader *r, struct acpi_info *info);

/* acpi_find_rsdp() and acpi_parse_tables() in one: info is cleared first; false when there is no
 * RSDP. */
bool acpi_parse(const struct acpi_reader *r, const uint8_t *boot_rsdp, uint32_t boot_len, bool scan,
		struct acpi_info *info);

/* The listed table with signature sig (4 characters), or NULL. */
const struct acpi_table_desc *acpi_find_table(const struct acpi_info *info, const char *sig);

/* Print the table list as Linux's boot log does (RSDP, root table, then each table). */
void acpi_print_tables(FILE *out, const struct acpi_info *info);

struct json_writer;

/*
 * What `acpi` prints, as members of the open JSON object of w: "present", and when it is true
 * "rsdp" {pa, revision, oem_id, from_loader}, "tables" (the root table first, then the list as
 * the boot log has it: sig, pa, length, revision, oem_id, oem_table_id, oem_revision,
 * creator_id, creator_revision, the OEM fields null for the FACS), "madt" {lapic,
 * lapic_override, cpus, cpu_apic_ids, ioapics [{id, pa, gsi_base}], pcat_compat}, "fadt"
 * {revision, sci_irq, iapc_boot_arch, pm1a_cnt, pm1b_cnt, pm_tmr, reset_reg, reset_value},
 * "s5" {slp_typa, slp_typb}, "spcr" {interface, base, irq, gsi, baud}, "mcfg" [{segment,
 * bus_start, bus_end, base}], "hpet" {number, base, min_tick} and "warnings"; an absent table is
 * null, a register is {space ("io", "mem", ...), address, bit_width}.
 */
void acpi_json(struct json_writer *w, const struct acpi_info *info);

/*
 * Table t as one object in the open array of w, for `acpi dump SIG -j`: sig, pa, length, data
 * (the bytes read through r, as lowercase hex) and unreadable_from (the offset where reading
 * failed, or null); false if it could not be read whole.
 */
bool acpi_dump_json(struct json_writer *w, const struct acpi_reader *r,
		    const struct acpi_table_desc *t);

/* Print len bytes of the table at pa in acpidump's layout (signature @ address, then offset, 16 hex
 * bytes, ASCII); false if unreadable. */
bool acpi_dump_table(FILE *out, const struct acpi_reader *r, const struct acpi_table_desc *t);

/* Decode the \_S5 package from a DSDT's AML (len bytes): SLP_TYPa and SLP_TYPb; false if absent or
 * malformed. */
bool acpi_find_s5(const uint8_t *aml, uint32_t len, uint8_t *slp_typa, uint8_t *slp_typb);

#endif
