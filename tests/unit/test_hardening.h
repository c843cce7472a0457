/*
 * Shared by the hardening tests (mmcheck, stress, failure injection): boot
 * the fake machine as the firmware does, with a kernel image whose text
 * and rodata are mapped read-only, and bring up vmalloc, PKMAP and the
 * fixmaps.  Everything is static; each test_*.c includes it once.
 */
#ifndef TEST_HARDENING_H
#define TEST_HARDENING_H

#include "test_vm_boot.h"

#include <mm/debug/mmcheck.h>
#include <mm/slab.h>
#include <mm/debug/stress.h>

/* The fake image: text [FAKE_KERNEL_START + 16 KiB, + 128 KiB), rodata up to + 160 KiB. */
#define HB_TEXT_START (FAKE_KERNEL_START + 0x4000u)
#define HB_TEXT_END (FAKE_KERNEL_START + 0x20000u)
#define HB_RODATA_END (FAKE_KERNEL_START + 0x28000u)

static const struct mmcheck_image hb_image = {
	.text_start = PAGE_OFFSET + HB_TEXT_START,
	.text_end = PAGE_OFFSET + HB_TEXT_END,
	.ro_end = PAGE_OFFSET + HB_RODATA_END,
};

/* vm_boot() of test_vm_boot.h is not used here; this keeps -Werror quiet about it. */
static void (*const hb_vm_boot)(uint64_t) __attribute__((unused)) = vm_boot;

/* Set by a test before hb_boot() to boot a CPU without PSE (4 KiB pages for the whole linear map). */
static bool hb_no_pse;

/* Boot a fake machine with ram bytes of RAM, read-only kernel text, and the kernel virtual areas. */
static void hb_boot(uint64_t ram)
{
	struct mm_boot_info bi = {
		.e820 = &vm_boot_e820,
		.kernel_start = FAKE_KERNEL_START,
		.kernel_end = FAKE_KERNEL_END,
		.text_start = HB_TEXT_START,
		.text_end = HB_TEXT_END,
		.rodata_end = HB_RODATA_END,
	};

	fake_hal_init(ram);
	if (hb_no_pse)
		fake_hal_set_feature(HAL_FEAT_PSE, false);
	vm_boot_make_e820(ram);
	vm_boot_areas(&bi);
	vm_boot_free_pages = nr_free_pages();
}

/* Run every checker with its report captured; returns the number of violations and leaves the report in *text (free it). */
static __attribute__((unused)) unsigned long hb_check(char **text)
{
	size_t len;
	FILE *out = open_memstream(text, &len);
	unsigned long n;

	assert_non_null(out);
	n = mmcheck_all(out, &hb_image);
	fclose(out);
	return n;
}

/* Assert that the machine is consistent, printing the report if it is not. */
static __attribute__((unused)) void hb_assert_clean(void)
{
	char *text = NULL;
	unsigned long n = hb_check(&text);

	if (n)
		fprintf(stderr, "%s", text);
	free(text);
	assert_int_equal(n, 0);
}

/* Assert that the checkers find at least one violation whose report contains want. */
static __attribute__((unused)) void hb_assert_detects(const char *want)
{
	char *text = NULL;
	unsigned long n = hb_check(&text);

	if (!n || !strstr(text, want))
		fprintf(stderr, "expected a violation mentioning '%s'; got %lu:\n%s", want, n, text);
	assert_true(n > 0);
	assert_non_null(strstr(text, want));
	free(text);
}

/* A stress run that did every operation kind, found nothing wrong and left nothing behind. */
static __attribute__((unused)) void stress_assert_clean(const struct stress_result *r, unsigned long ops)
{
	assert_true(r->ok);
	assert_int_equal(r->ops_done, ops);
	assert_int_equal(r->violations, 0);
	assert_int_equal(r->corruptions, 0);
	assert_int_equal(r->leak_free_pages, 0);
	assert_int_equal(r->leak_slab_objects, 0);
	assert_int_equal(r->leak_slab_pages, 0);
	assert_int_equal(r->leak_vmalloc_bytes, 0);
	assert_int_equal(r->leak_pkmap_slots, 0);
	assert_int_equal(r->leak_pagetables, 0);
	for (unsigned i = 0; i < STRESS_NR_OPS; i++)
		assert_true(r->op_count[i] > 0);
}

#endif
