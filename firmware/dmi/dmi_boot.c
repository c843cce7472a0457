/*
 * Reading SMBIOS at boot: the structure table is copied once, while the
 * boot-time fixmaps can still map it (early_memremap through phys_copy),
 * into kmalloc'ed memory; `dmi` prints from the copy.
 */
#include <stdio.h>
#include <string.h>

#include <acpi_boot.h>
#include <dmi_boot.h>
#include <firmware.h>
#include <json.h>
#include <mm/slab.h>

static struct smbios_entry entry;
static bool found;
static uint8_t *table;
static uint32_t table_len;

static bool read_phys(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	(void)ctx;
	return phys_copy(pa, buf, len);
}

__init void dmi_boot_init(void)
{
	const uint8_t *copy = boot_params.smbios_len ? boot_params.smbios_entry : NULL;
	char id[160];
	uint32_t len;

	found = smbios_find_entry(read_phys, NULL, copy, boot_params.smbios_len,
				  !boot_params.efi_boot, &entry);
	if (!found) {
		printf("DMI: no SMBIOS entry point (%s); identity unknown\n",
		       boot_params.efi_boot ? "no SMBIOS tag from the loader"
					    : "none in 0xF0000-0xFFFFF");
		return;
	}
	len = entry.table_len;
	if (len > DMI_TABLE_MAX) {
		printf("DMI: structure table of %u bytes; only the first %u are read\n", len,
		       DMI_TABLE_MAX);
		len = DMI_TABLE_MAX;
	}
	table = kmalloc(len, GFP_KERNEL);
	if (!table) {
		printf("DMI: no memory for the %u-byte structure table\n", len);
		return;
	}
	/* A 3.x entry gives only a maximum size: read what the memory map allows, page by page. */
	for (table_len = 0; table_len < len;) {
		uint32_t n = len - table_len < 1024 ? len - table_len : 1024;

		if (!phys_copy(entry.table_pa + table_len, table + table_len, n))
			break;
		table_len += n;
	}
	if (table_len == 0) {
		printf("DMI: structure table at 0x%llx cannot be read (outside the memory map)\n",
		       (unsigned long long)entry.table_pa);
		return;
	}
	dmi_identity(table, table_len, id, sizeof(id));
	printf("DMI: %s\n", id);
}

int dmi_show(FILE *f)
{
	if (!found || !table_len) {
		fprintf(f, "dmi: no SMBIOS structure table on this machine\n");
		return 1;
	}
	if (entry.entry_pa)
		fprintf(f, "# SMBIOS entry point at 0x%08llx\n", (unsigned long long)entry.entry_pa);
	return dmi_print(f, &entry, table, table_len) ? 1 : 0;
}

int dmi_show_json(FILE *f)
{
	struct json_writer w;
	unsigned problems = 1;

	json_begin(&w, f);
	json_bool(&w, "present", found && table_len);
	if (found && table_len)
		problems = dmi_json(&w, &entry, table, table_len);
	return json_finish(&w) || problems ? 1 : 0;
}
