/* The Multiboot2 parser against GRUB-like BIOS and UEFI information blocks and corrupt ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <multiboot.h>

/* A fake low memory of 128 KiB: what the parser may read. */
#define FAKE_MEM 131072u
static uint8_t mem[FAKE_MEM];

static const void *reader(void *ctx, uint32_t pa, uint32_t len)
{
	(void)ctx;
	if (pa >= FAKE_MEM || len > FAKE_MEM - pa)
		return NULL;
	return mem + pa;
}

#define MBI 0x1000u

/* The block being built: tags appended at mbi_end, total_size patched by finish(). */
static uint32_t mbi_end;

static void put32(uint32_t pa, uint32_t v)
{
	memcpy(mem + pa, &v, 4);
}

static void begin(void)
{
	memset(mem, 0, sizeof(mem));
	mbi_end = MBI + 8;
}

/* Append a tag of type with payload (len bytes); returns the tag's address. */
static uint32_t tag(uint32_t type, const void *payload, uint32_t len)
{
	uint32_t at = mbi_end;

	put32(at, type);
	put32(at + 4, 8 + len);
	if (len)
		memcpy(mem + at + 8, payload, len);
	mbi_end = (at + 8 + len + 7) & ~7u;
	return at;
}

static void finish(bool end_tag)
{
	if (end_tag)
		tag(0, NULL, 0);
	put32(MBI, mbi_end - MBI);
}

static void string_tag(uint32_t type, const char *s)
{
	tag(type, s, (uint32_t)strlen(s) + 1);
}

static void module_tag(uint32_t start, uint32_t end, const char *name)
{
	uint8_t b[80];

	memcpy(b, &start, 4);
	memcpy(b + 4, &end, 4);
	strcpy((char *)b + 8, name);
	tag(3, b, 8 + (uint32_t)strlen(name) + 1);
}

static void meminfo_tag(uint32_t lower, uint32_t upper)
{
	uint32_t m[2] = { lower, upper };

	tag(4, m, sizeof(m));
}

struct mmap_entry {
	uint64_t addr, len;
	uint32_t type, zero;
};

static void mmap_tag(const struct mmap_entry *e, unsigned n, uint32_t entry_size)
{
	uint8_t b[2048];
	uint32_t hdr[2] = { entry_size, 0 };

	memset(b, 0, sizeof(b));
	memcpy(b, hdr, 8);
	for (unsigned i = 0; i < n; i++)
		memcpy(b + 8 + i * entry_size, &e[i], sizeof(e[i]));
	tag(6, b, 8 + n * entry_size);
}

/* QEMU's map for -m 32M as GRUB passes it on a BIOS machine. */
static const struct mmap_entry qemu_map[] = {
	{ 0x0, 0x9fc00, 1, 0 },	       { 0x9fc00, 0x400, 2, 0 },     { 0xf0000, 0x10000, 2, 0 },
	{ 0x100000, 0x1ee0000, 1, 0 }, { 0x1fe0000, 0x20000, 2, 0 }, { 0xfffc0000, 0x40000, 2, 0 },
};

static uint8_t rsdp_v1[20] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0, 'B', 'O', 'C', 'H', 'S', ' ', 0 };
static uint8_t rsdp_v2[36] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0, 'B', 'O', 'C', 'H', 'S', ' ', 2,
			       0,   0,   0,   0,   36 };

static void grub_bios_mbi(void)
{
	begin();
	string_tag(1, "nopse console=uart,io,0x2f8");
	string_tag(2, "GRUB 2.06-13+deb12u2");
	module_tag(0x400000, 0x420000, "/boot/proctest");
	module_tag(0x420000, 0x431234, "/boot/kprobe arg");
	meminfo_tag(639, 31744);
	mmap_tag(qemu_map, 6, 24);
	tag(14, rsdp_v1, sizeof(rsdp_v1));
	finish(true);
}

static void parses_grub_bios_information(void **state)
{
	struct boot_params bp;

	(void)state;
	grub_bios_mbi();
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_true(bp.multiboot2);
	assert_false(bp.efi_boot);
	assert_int_equal(bp.nr_warnings, 0);
	assert_string_equal(bp.cmdline, "nopse console=uart,io,0x2f8");
	assert_string_equal(bp.loader_name, "GRUB 2.06-13+deb12u2");
	assert_int_equal(bp.nr_modules, 2);
	assert_string_equal(bp.modules[1].name, "/boot/kprobe arg");
	assert_int_equal(bp.modules[1].end, 0x431234);
	assert_true(bp.e820_from_mmap);
	assert_string_equal(bp.e820_source, "the Multiboot2 memory map");
	assert_int_equal(bp.e820.nr_entries, 6);
	assert_int_equal(bp.e820.entries[3].addr, 0x100000);
	assert_int_equal(bp.e820.entries[3].type, E820_RAM);
	assert_int_equal(bp.mem_upper_kb, 31744);
	assert_int_equal(bp.acpi_rsdp_len, 20);
	assert_memory_equal(bp.acpi_rsdp, rsdp_v1, 20);
	assert_int_equal(bp.smbios_len, 0);
	/* The block and both modules are reserved; module names live inside the block. */
	assert_int_equal(bp.nr_reserved, 3);
	assert_int_equal(bp.reserved[0].start, MBI);
	assert_int_equal(bp.reserved[0].end, mbi_end);
	assert_int_equal(bp.reserved[2].start, 0x420000);
}

struct efi_desc {
	uint32_t type, pad;
	uint64_t phys, virt, pages, attr;
	uint64_t extra; /* OVMF's descriptor size is 48 */
};

/* A UEFI map as OVMF hands it over, many descriptors of types that merge into few e820 ranges. */
static unsigned ovmf_like_map(struct efi_desc *d)
{
	unsigned n = 0;
	uint64_t pa = 0;

	d[n++] = (struct efi_desc){ 3, 0, 0, 0, 0xa0, 0xf, 0 };	/* boot services code, 640 KiB */
	d[n++] = (struct efi_desc){ 0, 0, 0xa0000, 0, 0x60, 0x1, 0 }; /* reserved, the legacy hole */
	pa = 0x100000;
	for (unsigned i = 0; i < 112; i++) { /* loader, conventional and boot services pieces, all RAM */
		d[n++] = (struct efi_desc){ 1 + (i % 7 == 6 ? 6 : i % 4), 0, pa, 0, 0x10, 0xf, 0 };
		pa += 0x10000;
	}
	d[n++] = (struct efi_desc){ 10, 0, 0x800000, 0, 0x8, 0xf, 0 };       /* ACPI NVS at 8 MiB */
	d[n++] = (struct efi_desc){ 7, 0, 0x808000, 0, 0x7f8, 0xf, 0 };      /* conventional */
	d[n++] = (struct efi_desc){ 10, 0, 0x1000000, 0, 0x100, 0xf, 0 };    /* ACPI NVS over 16 MiB */
	d[n++] = (struct efi_desc){ 7, 0, 0x1100000, 0, 0xee00, 0xf, 0 };    /* conventional to 255 MiB */
	d[n++] = (struct efi_desc){ 9, 0, 0xff00000, 0, 0x80, 0xf, 0 };      /* ACPI reclaim */
	d[n++] = (struct efi_desc){ 6, 0, 0xff80000, 0, 0x40, 0xf, 0 };      /* runtime data */
	d[n++] = (struct efi_desc){ 4, 0, 0xffc0000, 0, 0x40, 0x0, 0 };      /* BS data without WB: not RAM */
	d[n++] = (struct efi_desc){ 11, 0, 0xffc00000, 0, 0x400, 0x1, 0 };   /* MMIO (flash) */
	d[n++] = (struct efi_desc){ 8, 0, 0x100000000ull, 0, 0x10, 0xf, 0 }; /* unusable */
	return n;
}

static void efi_mmap_tag(const struct efi_desc *d, unsigned n, uint32_t desc_size)
{
	static uint8_t b[16384];
	uint32_t hdr[2] = { desc_size, 1 };

	memset(b, 0, sizeof(b));
	memcpy(b, hdr, 8);
	for (unsigned i = 0; i < n; i++)
		memcpy(b + 8 + i * desc_size, &d[i], desc_size < sizeof(d[i]) ? desc_size : sizeof(d[i]));
	tag(17, b, 8 + n * desc_size);
}

static void grub_efi_mbi(const struct efi_desc *d, unsigned n)
{
	uint64_t systab = 0x7f9e018ull;

	begin();
	string_tag(1, "");
	string_tag(2, "GRUB 2.06-13+deb12u2");
	module_tag(0x7e00000, 0x7e20000, "/boot/proctest");
	meminfo_tag(640, 261120);
	mmap_tag(qemu_map, 6, 24); /* present too, but the EFI map is preferred */
	tag(12, &systab, 8);
	tag(15, rsdp_v2, sizeof(rsdp_v2));
	tag(14, rsdp_v1, sizeof(rsdp_v1)); /* after the new one: the new one stays */
	efi_mmap_tag(d, n, 48);
	finish(true);
}

static void parses_efi_memory_map(void **state)
{
	struct efi_desc d[128];
	struct boot_params bp;
	unsigned n = ovmf_like_map(d);
	const struct e820_table *t = &bp.e820;

	(void)state;
	assert_true(n > 100);
	grub_efi_mbi(d, n);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.nr_warnings, 0);
	assert_true(bp.efi_boot);
	assert_string_equal(bp.e820_source, "the EFI memory map");
	assert_int_equal(bp.acpi_rsdp_len, 36);
	assert_memory_equal(bp.acpi_rsdp, rsdp_v2, 36);
	/* 123 descriptors merge into 11 ranges, sorted, with the EFI types converted. */
	for (unsigned i = 0; i < t->nr_entries; i++)
		printf("# %u: %#llx +%#llx type %u\n", i, (unsigned long long)t->entries[i].addr,
		       (unsigned long long)t->entries[i].size, (unsigned)t->entries[i].type);
	assert_int_equal(t->nr_entries, 11);
	assert_int_equal(t->entries[0].addr, 0);
	assert_int_equal(t->entries[0].size, 0xa0000);
	assert_int_equal(t->entries[0].type, E820_RAM);
	assert_int_equal(t->entries[1].type, E820_RESERVED);
	assert_int_equal(t->entries[2].addr, 0x100000);
	assert_int_equal(t->entries[2].size, 0x700000);
	assert_int_equal(t->entries[2].type, E820_RAM);
	assert_int_equal(t->entries[3].type, E820_NVS);
	assert_int_equal(t->entries[5].addr, 0x1000000);
	assert_int_equal(t->entries[5].type, E820_NVS);
	assert_int_equal(t->entries[6].size, 0xee00000);
	assert_int_equal(t->entries[7].type, E820_ACPI);
	assert_int_equal(t->entries[8].type, E820_RESERVED); /* runtime data + BS data without WB */
	assert_int_equal(t->entries[8].size, 0x80000);
	assert_int_equal(t->entries[10].type, E820_UNUSABLE);
}

static void efi_map_with_many_distinct_ranges_is_bounded(void **state)
{
	static struct efi_desc d[600];
	struct boot_params bp;

	(void)state;
	for (unsigned i = 0; i < 300; i++) /* alternating RAM and reserved: nothing merges */
		d[i] = (struct efi_desc){ i % 2 ? 0 : 7, 0, 0x100000 + i * 0x1000ull, 0, 1, 0xf, 0 };
	begin();
	meminfo_tag(640, 1024);
	efi_mmap_tag(d, 300, 48);
	finish(true);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.e820.nr_entries, E820_MAX_ENTRIES);
	assert_true(bp.nr_warnings >= 1 && bp.nr_warnings <= BOOT_MAX_WARNINGS);
	assert_non_null(strstr(bp.warnings[0], "distinct ranges"));
	for (unsigned i = 1; i < bp.e820.nr_entries; i++)
		assert_true(bp.e820.entries[i].addr > bp.e820.entries[i - 1].addr);
}

static void rejects_bad_magic_misaligned_and_unreadable(void **state)
{
	struct boot_params bp;

	(void)state;
	grub_bios_mbi();
	assert_false(multiboot2_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_non_null(strstr(bp.warnings[0], "magic"));
	assert_false(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI + 4, reader, NULL, &bp));
	assert_non_null(strstr(bp.warnings[0], "aligned"));
	assert_false(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, FAKE_MEM, reader, NULL, &bp));
	assert_non_null(strstr(bp.warnings[0], "unreadable"));
	assert_false(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, 0xfffffff8u, reader, NULL, &bp));
	/* total_size too small for the fixed part and an end tag, and absurdly large. */
	put32(MBI, 8);
	assert_false(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	put32(MBI, 0xfffffff0u);
	assert_false(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_non_null(strstr(bp.warnings[0], "claims"));
}

static void tag_past_the_end_stops_the_walk(void **state)
{
	struct boot_params bp;
	uint32_t at;

	(void)state;
	begin();
	meminfo_tag(639, 31744);
	at = tag(1, "abc", 4);
	string_tag(2, "never read");
	finish(true);
	put32(at + 4, mbi_end - at + 8); /* the command line claims 8 bytes beyond the block */
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_string_equal(bp.cmdline, "");
	assert_string_equal(bp.loader_name, "");
	assert_int_equal(bp.mem_upper_kb, 31744);
	assert_non_null(strstr(bp.warnings[0], "size"));
	/* A size near 4 GiB, and one below the tag header. */
	put32(at + 4, 0xfffffff9u);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_string_equal(bp.loader_name, "");
	put32(at + 4, 4);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_string_equal(bp.loader_name, "");
	assert_true(bp.nr_warnings >= 1);
}

static void total_size_past_readable_memory(void **state)
{
	struct boot_params bp;

	(void)state;
	grub_bios_mbi();
	put32(MBI, FAKE_MEM - MBI + 4096); /* runs off the end of memory: no end tag is reached there */
	memset(mem + mbi_end - 8, 0xee, FAKE_MEM - (mbi_end - 8)); /* no end tag, garbage after it */
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.nr_modules, 2);
	assert_true(bp.nr_warnings >= 1);
}

static void missing_end_tag_keeps_what_was_read(void **state)
{
	struct boot_params bp;

	(void)state;
	begin();
	string_tag(1, "quiet");
	mmap_tag(qemu_map, 6, 24);
	finish(false);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_string_equal(bp.cmdline, "quiet");
	assert_int_equal(bp.e820.nr_entries, 6);
	assert_int_equal(bp.nr_warnings, 1);
	assert_non_null(strstr(bp.warnings[0], "no end tag"));
}

static void misaligned_tag_sizes_are_padded(void **state)
{
	struct boot_params bp;

	(void)state;
	/* Tag sizes that are not multiples of 8 (legal): the next tag starts at the next multiple of 8. */
	begin();
	string_tag(1, "a");        /* size 10 */
	string_tag(2, "GRUB 2");   /* size 15 */
	meminfo_tag(639, 1000);
	finish(true);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_string_equal(bp.cmdline, "a");
	assert_string_equal(bp.loader_name, "GRUB 2");
	assert_int_equal(bp.nr_warnings, 1); /* no memory map: sizes used */
	assert_int_equal(bp.e820.nr_entries, 2);
	assert_string_equal(bp.e820_source, "mem_lower/mem_upper");
	/* A tag packed without padding is read as garbage, and the walk stops cleanly on it. */
	begin();
	string_tag(1, "a");
	mbi_end -= 6; /* the next tag now starts 2 bytes after the string, unaligned */
	meminfo_tag(639, 1000);
	finish(true);
	assert_false(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
}

static void bad_memory_maps(void **state)
{
	struct boot_params bp;
	struct efi_desc d[4];

	(void)state;
	/* Entry sizes 0, 20 and 28 are refused; with no sizes either there is no memory. */
	for (uint32_t es = 0; es <= 28; es += 4) {
		if (es == 24)
			continue;
		begin();
		mmap_tag(qemu_map, 2, 24);
		put32(MBI + 16, es);
		finish(true);
		assert_false(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	}
	/* An EFI descriptor size below 40 is refused; the type-6 map is used instead. */
	d[0] = (struct efi_desc){ 7, 0, 0, 0, 0x9f, 0xf, 0 };
	begin();
	mmap_tag(qemu_map, 6, 24);
	efi_mmap_tag(d, 1, 48);
	put32(MBI + 8 + 160 + 8, 32);
	finish(true);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_string_equal(bp.e820_source, "the Multiboot2 memory map");
	assert_non_null(strstr(bp.warnings[0], "descriptor size"));
	/* Page counts that overflow: clipped at the top of the address space. */
	d[0] = (struct efi_desc){ 7, 0, 0x100000, 0, UINT64_MAX, 0xf, 0 };
	begin();
	efi_mmap_tag(d, 1, 48);
	finish(true);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.e820.nr_entries, 1);
	assert_int_equal(bp.e820.entries[0].size, 0 - 0x100000ull); /* ends at the top of the 64-bit space */
	assert_non_null(strstr(bp.warnings[0], "wraps"));
}

static void module_limits_and_strings(void **state)
{
	struct boot_params bp;
	uint32_t at;

	(void)state;
	begin();
	meminfo_tag(639, 31744);
	for (unsigned i = 0; i < 200; i++)
		module_tag(0x400000 + i * 0x1000, 0x400800 + i * 0x1000, "m");
	module_tag(0x900000, 0x800000, "backwards");
	at = tag(1, "unterminated", 12); /* no NUL inside the tag; the next tag's bytes follow */
	string_tag(2, "x");
	finish(true);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.nr_modules, BOOT_MAX_MODULES);
	assert_true(bp.nr_reserved <= BOOT_MAX_RESERVED);
	assert_int_equal(bp.nr_warnings, BOOT_MAX_WARNINGS);
	assert_string_equal(bp.cmdline, "unterminated");
	assert_string_equal(bp.loader_name, "x");
	/* A module tag too short for its addresses. */
	begin();
	meminfo_tag(639, 31744);
	at = tag(3, "abc", 4);
	finish(true);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.nr_modules, 0);
	assert_non_null(strstr(bp.warnings[0], "module tag"));
	(void)at;
}

static void acpi_and_smbios_tags(void **state)
{
	struct boot_params bp;
	uint8_t smbios[8 + 31] = { 3, 4, 0, 0, 0, 0, 0, 0, '_', 'S', 'M', '_' };
	uint8_t big[200];

	(void)state;
	begin();
	meminfo_tag(639, 31744);
	tag(15, rsdp_v2, 20); /* a "new" RSDP too short for its revision */
	tag(13, smbios, sizeof(smbios));
	finish(true);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.acpi_rsdp_len, 0);
	assert_non_null(strstr(bp.warnings[0], "ACPI new RSDP"));
	assert_int_equal(bp.smbios_len, 31);
	assert_memory_equal(bp.smbios_entry, "_SM_", 4);
	/* Oversized copies are cut to the boot_params arrays. */
	memset(big, 0x5a, sizeof(big));
	memcpy(big, rsdp_v2, sizeof(rsdp_v2));
	begin();
	meminfo_tag(639, 31744);
	tag(15, big, sizeof(big));
	tag(13, big, sizeof(big));
	tag(13, big, 8); /* no entry point at all */
	finish(true);
	assert_true(multiboot2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.acpi_rsdp_len, sizeof(bp.acpi_rsdp));
	assert_int_equal(bp.smbios_len, sizeof(bp.smbios_entry));
	assert_true(bp.nr_warnings >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_grub_bios_information),
		cmocka_unit_test(parses_efi_memory_map),
		cmocka_unit_test(efi_map_with_many_distinct_ranges_is_bounded),
		cmocka_unit_test(rejects_bad_magic_misaligned_and_unreadable),
		cmocka_unit_test(tag_past_the_end_stops_the_walk),
		cmocka_unit_test(total_size_past_readable_memory),
		cmocka_unit_test(missing_end_tag_keeps_what_was_read),
		cmocka_unit_test(misaligned_tag_sizes_are_padded),
		cmocka_unit_test(bad_memory_maps),
		cmocka_unit_test(module_limits_and_strings),
		cmocka_unit_test(acpi_and_smbios_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
