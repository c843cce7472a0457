/*
 * The Multiboot v1 information a loader (QEMU -kernel, GRUB) hands over,
 * parsed defensively: every flag checked, every pointer bounds checked
 * through an accessor, every string copied with a limit.  Pure code.
 */
#ifndef FIRMWARE_MULTIBOOT_H
#define FIRMWARE_MULTIBOOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mm/e820.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36D76289u

#define MB_INFO_MEMORY 0x001u
#define MB_INFO_BOOTDEV 0x002u
#define MB_INFO_CMDLINE 0x004u
#define MB_INFO_MODS 0x008u
#define MB_INFO_MEM_MAP 0x040u
#define MB_INFO_LOADER_NAME 0x200u

#define BOOT_MAX_MODULES 8
#define BOOT_MAX_RESERVED (4 + 2 * BOOT_MAX_MODULES) /* v1: information, map, command line, list; name and bytes of each module */
#define BOOT_MAX_WARNINGS 8

struct boot_module {
	uint32_t start, end; /* physical, end exclusive */
	char name[64];
};

struct boot_range {
	uint32_t start, end; /* physical, end exclusive */
	const char *what;
};

struct boot_params {
	uint32_t flags;
	uint32_t mem_lower_kb, mem_upper_kb;
	char cmdline[256];
	char loader_name[64];
	struct e820_table e820;
	bool e820_from_mmap; /* false: synthesised from mem_lower/mem_upper */
	const char *e820_source; /* which of the loader's maps e820 was built from, for the boot log */
	unsigned nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned nr_reserved; /* loader data the memory manager must not hand out */
	struct boot_range reserved[BOOT_MAX_RESERVED];
	/* Multiboot2 only: copies of the tables the loader found (the tags carry copies, not pointers). */
	bool multiboot2;
	bool efi_boot;           /* an EFI system table or EFI memory map tag was present */
	uint32_t acpi_rsdp_len;  /* 0: no ACPI tag; else bytes valid in acpi_rsdp (20 or 36+) */
	uint8_t acpi_rsdp[64];   /* the RSDP as the old (v1) or new (v2+) ACPI tag copied it */
	uint32_t smbios_len;     /* 0: no SMBIOS tag; else bytes valid in smbios_entry */
	uint8_t smbios_entry[64];/* the SMBIOS entry point structure as the SMBIOS tag copied it */
	unsigned nr_warnings;
	char warnings[BOOT_MAX_WARNINGS][96];
};

/*
 * A pointer to len readable bytes at physical address pa, valid until the next call; NULL if
 * unreachable.
 */
typedef const void *(*phys_reader)(void *ctx, uint32_t pa, uint32_t len);

/*
 * Parse the Multiboot information at mbi_pa into bp; false (with bp->warnings saying why) if magic
 * is wrong or the block is unreadable.
 */
bool multiboot_parse(uint32_t magic, uint32_t mbi_pa, phys_reader read, void *ctx, struct boot_params *bp);

/*
 * Parse the Multiboot2 information at mbi_pa (Multiboot2 Specification,
 * §3.6) into bp: memory map (the EFI map when present, converted to e820
 * types), command line, loader name, modules, ACPI RSDP and SMBIOS copies,
 * EFI tags.  False (with bp->warnings saying why) if magic is wrong, the
 * block is unreadable or misaligned, or no memory map or sizes are given.
 */
bool multiboot2_parse(uint32_t magic, uint32_t mbi_pa, phys_reader read, void *ctx, struct boot_params *bp);

#endif
