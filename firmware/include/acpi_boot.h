/*
 * ACPI in the image: the tables read once at boot (after paging_init(),
 * before vmalloc, through early_memremap) and kept as struct acpi_info, the
 * physical-memory readers the parser uses, and what the rest of the firmware
 * asks of them (APIC addresses, power, the console).
 */
#ifndef FIRMWARE_ACPI_BOOT_H
#define FIRMWARE_ACPI_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include <acpi.h>

/* What the boot found; info.present is false when the board has no ACPI. */
extern struct acpi_info acpi;

/* Find and parse the ACPI tables (loader's RSDP copy, else the BIOS areas unless booted by UEFI),
 * print the table list and every problem; call between mm_init() and vmalloc_init(). */
void acpi_boot_init(void);

/*
 * The reader the parser uses: a range is read only if the loader's memory
 * map covers it (RAM, ACPI or reserved; below 1 MiB also the BIOS areas when
 * not booted by UEFI), through early_memremap() during the early phase and
 * through the linear map or ioremap() after it.
 */
extern const struct acpi_reader acpi_phys_reader;

/* True if [pa, pa + len) is in the loader's memory map (any type), or in the legacy BIOS area on a
 * BIOS boot. */
bool acpi_range_allowed(uint64_t pa, uint64_t len);

/* Copy len bytes of physical memory at pa into buf through early_memremap or (after the early
 * phase) the linear map or ioremap; false if refused or unmappable. */
bool phys_copy(uint64_t pa, void *buf, uint32_t len);

#endif

/* Map what ACPI poweroff and reset need (memory-space registers, through ioremap); call once after
 * vmalloc_init(). */
void acpi_power_prepare(void);

/* True if the FADT and \_S5 give a way to enter S5 (PM1a control, SLP_TYP values). */
bool acpi_can_poweroff(void);

/* True if the FADT gives a usable RESET_REG. */
bool acpi_can_reset(void);

/* Enter S5: SLP_TYPa/b into PM1a/PM1b control, then SLP_EN (ACPI 6.4, §16.1.7); returns if the
 * machine is still on. */
void acpi_poweroff(void);

/* Write RESET_VALUE to RESET_REG (ACPI 6.4, §4.8.3.6); returns if the machine is still running. */
void acpi_reset(void);

/* One-line descriptions of the ACPI power registers for the boot log ("PM1a_CNT io 0x604, SLP_TYP
 * 0"). */
void acpi_describe_poweroff(char *buf, unsigned len);
void acpi_describe_reset(char *buf, unsigned len);
