/* The Multiboot v1 parser against well-formed, truncated and hostile information blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <multiboot.h>

/* A fake low memory of 64 KiB: what the parser may read. */
#define FAKE_MEM 65536u
static uint8_t mem[FAKE_MEM];

static const void *reader(void *ctx, uint32_t pa, uint32_t len)
{
	(void)ctx;
	if (pa >= FAKE_MEM || len > FAKE_MEM - pa)
		return NULL;
	return mem + pa;
}

#define MBI 0x1000u
#define MMAP 0x2000u
#define CMDLINE 0x3000u
#define MODS 0x4000u

static void put32(uint32_t pa, uint32_t v)
{
	memcpy(mem + pa, &v, 4);
}

static void put_mmap_entry(uint32_t *off, uint64_t addr, uint64_t len, uint32_t type)
{
	put32(MMAP + *off, 20);
	memcpy(mem + MMAP + *off + 4, &addr, 8);
	memcpy(mem + MMAP + *off + 12, &len, 8);
	put32(MMAP + *off + 20, type);
	*off += 24;
}

/* QEMU's map for -m 32M: low RAM, the EBDA, the BIOS, RAM from 1 MiB, ACPI-reserved top, the BIOS flash. */
static uint32_t qemu_like_mbi(void)
{
	uint32_t off = 0;

	memset(mem, 0, sizeof(mem));
	put_mmap_entry(&off, 0x0, 0x9fc00, 1);
	put_mmap_entry(&off, 0x9fc00, 0x400, 2);
	put_mmap_entry(&off, 0xf0000, 0x10000, 2);
	put_mmap_entry(&off, 0x100000, 0x1ee0000, 1);
	put_mmap_entry(&off, 0x1fe0000, 0x20000, 2);
	put_mmap_entry(&off, 0xfffc0000, 0x40000, 2);
	put32(MBI + 0, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MEM_MAP);
	put32(MBI + 4, 639);
	put32(MBI + 8, 31744);
	put32(MBI + 16, CMDLINE);
	strcpy((char *)mem + CMDLINE, "console=ttyS0 mem=test");
	put32(MBI + 44, off);
	put32(MBI + 48, MMAP);
	return off;
}

static void parses_qemu_map(void **state)
{
	struct boot_params bp;

	(void)state;
	qemu_like_mbi();
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_true(bp.e820_from_mmap);
	assert_int_equal(bp.e820.nr_entries, 6);
	assert_int_equal(bp.e820.entries[3].addr, 0x100000);
	assert_int_equal(bp.e820.entries[3].size, 0x1ee0000);
	assert_int_equal(bp.e820.entries[3].type, E820_RAM);
	assert_int_equal(bp.e820.entries[5].addr, 0xfffc0000u);
	assert_string_equal(bp.cmdline, "console=ttyS0 mem=test");
	assert_int_equal(bp.nr_warnings, 0);
	/* The information block, the map and the command line are reserved. */
	assert_int_equal(bp.nr_reserved, 3);
}

static void rejects_bad_magic(void **state)
{
	struct boot_params bp;

	(void)state;
	qemu_like_mbi();
	assert_false(multiboot_parse(0x12345678, MBI, reader, NULL, &bp));
	assert_int_equal(bp.nr_warnings, 1);
	assert_non_null(strstr(bp.warnings[0], "magic"));
}

static void rejects_unreadable_info(void **state)
{
	struct boot_params bp;

	(void)state;
	assert_false(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, FAKE_MEM - 8, reader, NULL, &bp));
	assert_false(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, 0xfffffff0u, reader, NULL, &bp));
}

static void malformed_mmap_entry_stops_cleanly(void **state)
{
	struct boot_params bp;
	uint32_t len = qemu_like_mbi();

	(void)state;
	put32(MMAP + 24, 7); /* second entry claims a size below 20 */
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.e820.nr_entries, 1);
	assert_true(bp.nr_warnings >= 1);
	/* An entry whose size runs past the map's length. */
	qemu_like_mbi();
	put32(MMAP + 24 * 5, 4000);
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.e820.nr_entries, 5);
	(void)len;
}

/* Found by fuzzing: an entry size of 0xfffffffc made the 32-bit bound wrap back to the same entry forever. */
static void mmap_entry_size_near_4g_does_not_loop(void **state)
{
	struct boot_params bp;

	(void)state;
	qemu_like_mbi();
	put32(MMAP + 24, 0xfffffffcu);
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.e820.nr_entries, 1);
	assert_true(bp.nr_warnings >= 1);
}

static void mmap_outside_memory_falls_back_to_sizes(void **state)
{
	struct boot_params bp;

	(void)state;
	qemu_like_mbi();
	put32(MBI + 48, 0xfff00000u);
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_false(bp.e820_from_mmap);
	assert_int_equal(bp.e820.nr_entries, 2);
	assert_int_equal(bp.e820.entries[1].addr, 0x100000);
	assert_int_equal(bp.e820.entries[1].size, 31744u << 10);
}

static void no_memory_information_fails(void **state)
{
	struct boot_params bp;

	(void)state;
	qemu_like_mbi();
	put32(MBI, MB_INFO_CMDLINE);
	assert_false(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
}

static void unterminated_cmdline_is_truncated(void **state)
{
	struct boot_params bp;

	(void)state;
	qemu_like_mbi();
	memset(mem + CMDLINE, 'a', 1000);
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(strlen(bp.cmdline), sizeof(bp.cmdline) - 1);
	assert_true(bp.nr_warnings >= 1);
	/* A command line running off the end of readable memory. */
	put32(MBI + 16, FAKE_MEM - 3);
	memset(mem + FAKE_MEM - 3, 'b', 3);
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_string_equal(bp.cmdline, "bbb");
}

static void entries_sorted_and_wrap_clipped(void **state)
{
	struct boot_params bp;
	uint32_t off = 0;

	(void)state;
	memset(mem, 0, sizeof(mem));
	put_mmap_entry(&off, 0x100000, 0x100000, 1);
	put_mmap_entry(&off, 0x0, 0x9f000, 1);
	put_mmap_entry(&off, 0xfffffffffffff000ull, 0x2000, 2);
	put_mmap_entry(&off, 0x300000, 0, 1); /* empty: dropped */
	put_mmap_entry(&off, 0x200000, 0x1000, 99); /* unknown type: reserved */
	put32(MBI, MB_INFO_MEM_MAP);
	put32(MBI + 44, off);
	put32(MBI + 48, MMAP);
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.e820.nr_entries, 4);
	assert_int_equal(bp.e820.entries[0].addr, 0);
	assert_int_equal(bp.e820.entries[1].addr, 0x100000);
	assert_int_equal(bp.e820.entries[2].type, E820_RESERVED);
	assert_int_equal(bp.e820.entries[3].size, 0x1000);
}

static void modules_are_reserved_and_bounded(void **state)
{
	struct boot_params bp;

	(void)state;
	qemu_like_mbi();
	put32(MBI, MB_INFO_MEM_MAP | MB_INFO_MODS);
	put32(MBI + 20, 3);
	put32(MBI + 24, MODS);
	put32(MODS + 0, 0x800000);
	put32(MODS + 4, 0x801000);
	put32(MODS + 8, CMDLINE);
	put32(MODS + 16, 0x900000);
	put32(MODS + 20, 0x8ff000); /* end below start: ignored */
	put32(MODS + 32, 0xa00000);
	put32(MODS + 36, 0xa00100);
	put32(MODS + 40, 0); /* no name */
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.nr_modules, 2);
	assert_string_equal(bp.modules[0].name, "console=ttyS0 mem=test");
	assert_int_equal(bp.modules[1].end, 0xa00100);
	assert_true(bp.nr_warnings >= 1);
	/* A module count far beyond the limit. */
	put32(MBI + 20, 1000000);
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_true(bp.nr_modules <= BOOT_MAX_MODULES);
}

/* Eight named modules: information, map, command line, module list and 2 x 8 module ranges, all kept. */
static void every_module_range_reserved(void **state)
{
	struct boot_params bp;

	(void)state;
	qemu_like_mbi();
	put32(MBI, MB_INFO_MEM_MAP | MB_INFO_MODS | MB_INFO_CMDLINE);
	put32(MBI + 20, BOOT_MAX_MODULES);
	put32(MBI + 24, MODS);
	for (uint32_t i = 0; i < BOOT_MAX_MODULES; i++) {
		put32(MODS + 16 * i, 0x800000 + i * 0x10000);
		put32(MODS + 16 * i + 4, 0x800000 + i * 0x10000 + 0x1000);
		put32(MODS + 16 * i + 8, CMDLINE);
	}
	assert_true(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, reader, NULL, &bp));
	assert_int_equal(bp.nr_modules, BOOT_MAX_MODULES);
	assert_int_equal(bp.nr_warnings, 0);
	assert_int_equal(bp.nr_reserved, 4 + 2 * BOOT_MAX_MODULES);
	assert_int_equal(bp.reserved[bp.nr_reserved - 1].start, 0x800000 + (BOOT_MAX_MODULES - 1) * 0x10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_qemu_map),
		cmocka_unit_test(rejects_bad_magic),
		cmocka_unit_test(rejects_unreadable_info),
		cmocka_unit_test(malformed_mmap_entry_stops_cleanly),
		cmocka_unit_test(mmap_entry_size_near_4g_does_not_loop),
		cmocka_unit_test(mmap_outside_memory_falls_back_to_sizes),
		cmocka_unit_test(no_memory_information_fails),
		cmocka_unit_test(unterminated_cmdline_is_truncated),
		cmocka_unit_test(entries_sorted_and_wrap_clipped),
		cmocka_unit_test(modules_are_reserved_and_bounded),
		cmocka_unit_test(every_module_range_reserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
