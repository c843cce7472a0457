/*
 * Reading the ACPI tables at boot.  The tables live in memory the loader's
 * map calls ACPI data or reserved, usually above the first 8 MiB that boot.S
 * maps and often above low memory, so they are read the way Linux reads
 * them before its allocators are up: a page or two at a time through the
 * boot-time fixmap slots (early_memremap), copied out, unmapped again.
 * Whatever is needed later is kept in struct acpi_info; `acpi dump` reads
 * the tables again through ioremap.
 */
#include <stdio.h>
#include <string.h>

#include <acpi_boot.h>
#include <firmware.h>
#include <hal/ptr.h>
#include <mm/early_ioremap.h>
#include <mm/io.h>
#include <mm/layout.h>

struct acpi_info acpi;

/* The real-mode BIOS areas (IVT, BDA, EBDA, option ROMs and the BIOS itself): readable on a BIOS
 * boot. */
#define LEGACY_AREA_END 0x100000u

bool acpi_range_allowed(uint64_t pa, uint64_t len)
{
	const struct e820_table *t = &boot_params.e820;
	uint64_t end = pa + len, cur = pa;

	if (len == 0 || end < pa)
		return false;
	if (end <= LEGACY_AREA_END && !boot_params.efi_boot)
		return true;
	while (cur < end) {
		bool found = false;

		for (unsigned i = 0; i < t->nr_entries; i++) {
			const struct e820_entry *e = &t->entries[i];

			if (e->addr <= cur && cur < e->addr + e->size) {
				cur = e->addr + e->size;
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

bool phys_copy(uint64_t pa, void *buf, uint32_t len)
{
	vaddr_t va;

	if (!acpi_range_allowed(pa, len))
		return false;
	if (early_ioremap_active()) {
		va = early_memremap(pa, len);
		if (!va)
			return false;
		memcpy(buf, hal_va_ptr(va), len);
		early_iounmap(va, len);
		return true;
	}
	/* Low memory is mapped already (and ioremap refuses RAM the allocator owns). */
	if (pa + len <= (uint64_t)(high_memory - PAGE_OFFSET)) {
		memcpy(buf, hal_va_ptr((vaddr_t)(pa + PAGE_OFFSET)), len);
		return true;
	}
	va = ioremap((paddr_t)pa, len);
	if (!va)
		return false;
	memcpy(buf, hal_va_ptr(va), len);
	iounmap(va & PAGE_MASK);
	return true;
}

static bool read_phys(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	(void)ctx;
	return phys_copy(pa, buf, len);
}

const struct acpi_reader acpi_phys_reader = { read_phys, NULL };

__init void acpi_boot_init(void)
{
	const uint8_t *copy = boot_params.acpi_rsdp_len ? boot_params.acpi_rsdp : NULL;

	/* Under UEFI nothing is left at the BIOS addresses: only the loader's copy counts. */
	if (!acpi_parse(&acpi_phys_reader, copy, boot_params.acpi_rsdp_len, !boot_params.efi_boot,
			&acpi)) {
		for (unsigned i = 0; i < acpi.nr_warnings; i++)
			printf("ACPI: %s\n", acpi.warnings[i]);
		printf("ACPI: no RSDP (%s); using the board file's values\n",
		       boot_params.efi_boot
			       ? "no ACPI tag from the loader, and UEFI leaves no BIOS area to scan"
			       : "not in the loader's tags, the EBDA or 0xE0000-0xFFFFF");
		return;
	}
	acpi_print_tables(stdout, &acpi);
	for (unsigned i = 0; i < acpi.nr_warnings; i++)
		printf("ACPI: %s\n", acpi.warnings[i]);
}
