/* SMBIOS in the image: the entry point and a copy of the structure table, taken at boot for `dmi`.
 */
#ifndef FIRMWARE_DMI_BOOT_H
#define FIRMWARE_DMI_BOOT_H

#include <stdint.h>
#include <stdio.h>

#include <smbios.h>

/* Bytes of the structure table copied at most (a real board's is a few KiB). */
#define DMI_TABLE_MAX (64u << 10)

/* Find the SMBIOS entry point (the loader's copy, else the 0xF0000 scan on a BIOS boot), copy the
 * structure table through early_memremap into kmalloc'ed memory and print the identity line; call
 * between mm_init() and vmalloc_init(). */
void dmi_boot_init(void);

/* Print the copied SMBIOS table to f in dmidecode's wording; 0, or 1 when there is none. */
int dmi_show(FILE *f);

/*
 * The same as one JSON object on one line on f (dmi_json()'s members, and "present": false alone
 * when there is no table); 0, or 1 when there is none or it is malformed.
 */
int dmi_show_json(FILE *f);

#endif
