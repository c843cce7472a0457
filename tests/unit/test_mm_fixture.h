/*
 * Shared set-up for the mm/ unit tests: a QEMU-like e820 map over fake RAM
 * and an mm_boot_info like the firmware's, then mm_init().
 */
#ifndef TEST_MM_FIXTURE_H
#define TEST_MM_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include <fake_hal.h>
#include <mm/e820.h>
#include <mm/init.h>

/* The fake kernel: text and rodata inside [FAKE_KERNEL_START, FAKE_KERNEL_END), clear of the boot page tables. */
#define FIX_TEXT_START 0x00104000u
#define FIX_TEXT_END 0x00120000u
#define FIX_RODATA_END 0x00128000u
#define FIX_MBI_START 0x00010000u
#define FIX_MBI_END 0x00011000u
#define FIX_MODULE_START 0x00140000u /* right above the kernel: bootmem's bitmap must go past it */
#define FIX_MODULE_END 0x00150000u

static struct e820_table fix_e820;
static struct mm_boot_info fix_bi;

static inline void fix_e820_add(uint64_t addr, uint64_t size, uint32_t type)
{
	fix_e820.entries[fix_e820.nr_entries++] = (struct e820_entry){ addr, size, type };
}

/* What QEMU's pc machine reports for ram bytes below 3.5 GiB. */
static inline void fix_qemu_e820(uint64_t ram)
{
	memset(&fix_e820, 0, sizeof(fix_e820));
	fix_e820_add(0, 0x9fc00, E820_RAM);
	fix_e820_add(0x9fc00, 0x400, E820_RESERVED);
	fix_e820_add(0xf0000, 0x10000, E820_RESERVED);
	fix_e820_add(0x100000, ram - 0x20000 - 0x100000, E820_RAM);
	fix_e820_add(ram - 0x20000, 0x20000, E820_RESERVED);
	fix_e820_add(0xfffc0000, 0x40000, E820_RESERVED);
}

static inline void fix_boot_info(void)
{
	memset(&fix_bi, 0, sizeof(fix_bi));
	fix_bi.e820 = &fix_e820;
	fix_bi.kernel_start = FAKE_KERNEL_START;
	fix_bi.kernel_end = FAKE_KERNEL_END;
	fix_bi.text_start = FIX_TEXT_START;
	fix_bi.text_end = FIX_TEXT_END;
	fix_bi.rodata_end = FIX_RODATA_END;
	fix_bi.reserved[fix_bi.nr_reserved++] = (struct mm_reserved_range){ FIX_MBI_START, FIX_MBI_END, "multiboot info" };
	fix_bi.reserved[fix_bi.nr_reserved++] =
		(struct mm_reserved_range){ FIX_MODULE_START, FIX_MODULE_END, "module 0" };
}

/* mm_init(&fix_bi) with its boot log sent to /dev/null; returns what mm_init() returned. */
static inline int fix_mm_init_quiet(void)
{
	int saved, devnull, rc;

	fflush(stdout);
	saved = dup(1);
	devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 1);
	rc = mm_init(&fix_bi);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(devnull);
	return rc;
}

/* Fresh fake RAM of ram bytes, QEMU's e820 for it, and a quiet mm_init(). */
static inline void fix_boot(uint64_t ram)
{
	fake_hal_init(ram);
	fix_qemu_e820(ram);
	fix_boot_info();
	assert_int_equal(fix_mm_init_quiet(), 0);
}

/* Run fn with stdout captured into buf (NUL-terminated, at most size-1 bytes). */
static inline void fix_capture(void (*fn)(void *), void *arg, char *buf, size_t size)
{
	FILE *tmp = tmpfile();
	int saved;
	size_t n;

	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(1);
	dup2(fileno(tmp), 1);
	fn(arg);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, size - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
}

#endif
