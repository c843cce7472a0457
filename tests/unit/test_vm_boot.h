/*
 * Shared by the kernel-virtual-area tests: boot the fake machine the way the
 * firmware does (a QEMU-like e820 map, mm_init(), then the vmalloc, PKMAP
 * and fixmap set-up and the layout check) and check the invariants every
 * test relies on.  Included by each test_*.c; everything is static.
 */
#ifndef TEST_VM_BOOT_H
#define TEST_VM_BOOT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fake_hal.h>
#include <mm/debug/reboot.h>
#include <mm/e820.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/init.h>
#include <mm/layout.h>
#include <mm/layout_report.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/vmalloc.h>

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static struct e820_table vm_boot_e820;

/* What QEMU's pc machine with SeaBIOS reports for ram bytes of RAM (all below 4 GiB up to 3 GiB). */
static void vm_boot_make_e820(uint64_t ram)
{
	struct e820_table *t = &vm_boot_e820;

	memset(t, 0, sizeof(*t));
	t->entries[t->nr_entries++] = (struct e820_entry){ 0, 0x9fc00, E820_RAM };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0x9fc00, 0x400, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0xf0000, 0x10000, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0x100000, ram - 0x100000 - 0x20000, E820_RAM };
	t->entries[t->nr_entries++] = (struct e820_entry){ ram - 0x20000, 0x20000, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0xfeffc000, 0x4000, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0xfffc0000, 0x40000, E820_RESERVED };
}

/* Free pages right after boot, to check that a test gave everything back. */
static unsigned long vm_boot_free_pages;

/* On a fake machine already initialised with its e820 table, run mm_init(bi) quietly and bring up the kernel virtual areas. */
static __attribute__((unused)) void vm_boot_areas(const struct mm_boot_info *bi)
{
	FILE *devnull = fopen("/dev/null", "w");
	FILE *saved = stdout;

	/* mm_init() prints the Linux boot lines; keep the test log short. */
	mm_debug_reboot();
	stdout = devnull;
	assert_int_equal(mm_init(bi), 0);
	stdout = saved;
	fclose(devnull);
	assert_int_equal(vmalloc_init(), 0);
	assert_int_equal(kmap_init(), 0);
	assert_int_equal(fixmap_init(), 0);
	assert_int_equal(layout_check(stdout, NULL), 0);
}

/* Boot a fake machine with ram bytes of RAM and bring up the kernel virtual areas. */
static __attribute__((unused)) void vm_boot(uint64_t ram)
{
	struct mm_boot_info bi = {
		.e820 = &vm_boot_e820,
		.kernel_start = FAKE_KERNEL_START,
		.kernel_end = FAKE_KERNEL_END,
	};

	fake_hal_init(ram);
	vm_boot_make_e820(ram);
	vm_boot_areas(&bi);
	assert_int_equal(vmalloc_stats.tables_allocated, 0);
	vm_boot_free_pages = nr_free_pages();
	/* Count the flushes of the test, not those of boot. */
	fake_hal_stats.flush_page = 0;
	fake_hal_stats.flush_all = 0;
}

/* Locks released, interrupts back on. */
static __attribute__((unused)) void assert_unlocked(void)
{
	assert_false(rwlock_is_locked(&vmlist_lock));
	assert_int_equal(spin_debug_total(), 0);
	assert_false(spin_is_locked(&kmap_lock));
	assert_int_equal(fake_hal_stats.irq_depth, 0);
}

/* Whether va is mapped in the kernel page directory. */
static __attribute__((unused)) bool mapped(vaddr_t va)
{
	return hal_query_page(swapper_pg_dir, va, NULL, NULL);
}

/* The text printed by fn(out) into a malloc'ed string (free it). */
#define CAPTURE(buf, call)                                                  \
	do {                                                                \
		size_t capture_len_;                                        \
		FILE *out = open_memstream(&(buf), &capture_len_);          \
		assert_non_null(out);                                       \
		call;                                                       \
		fclose(out);                                                \
	} while (0)

#endif
