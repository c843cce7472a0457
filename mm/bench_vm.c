/*
 * The kernel-virtual-area benchmark.  Cycles come from hal_cycles() (the
 * TSC in the image, nanoseconds on the host); each figure is the mean over
 * ops operations after the setup, which is not timed.
 */
#include <inttypes.h>
#include <stdint.h>

#include <hal/cpu.h>
#include <mm/bench_vm.h>
#include <mm/highmem.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/vmalloc.h>

#define BENCH_MAX_FILL 10000u

static void bench_line(FILE *out, const char *name, unsigned long n, unsigned long ops, uint64_t cycles)
{
	fprintf(out, "BENCH name=%s n=%lu ops=%lu cycles_per_op=%" PRIu64 "\n", name, n, ops,
		ops ? cycles / ops : 0);
}

static void bench_skip(FILE *out, const char *name, unsigned long n, const char *why)
{
	fprintf(out, "BENCH name=%s n=%lu skipped=%s\n", name, n, why);
}

/* vmalloc+vfree of one page with n areas already live (areas without pages, placed first). */
static void bench_vmalloc_live(FILE *out, unsigned n, unsigned long ops)
{
	static struct vm_struct *fill[BENCH_MAX_FILL];
	unsigned made = 0;
	unsigned long done = 0;
	uint64_t t0, t1;

	while (made < n && made < BENCH_MAX_FILL && (fill[made] = get_vm_area(PAGE_SIZE, VM_ALLOC)) != NULL)
		made++;
	if (made < n) {
		bench_skip(out, "vmalloc_vfree", n, "no-vmalloc-space");
		goto out;
	}
	t0 = hal_cycles();
	for (; done < ops; done++) {
		vaddr_t v = vmalloc(PAGE_SIZE);

		if (!v)
			break;
		vfree(v);
	}
	t1 = hal_cycles();
	if (done < ops)
		bench_skip(out, "vmalloc_vfree", n, "vmalloc-failed");
	else
		bench_line(out, "vmalloc_vfree", n, ops, t1 - t0);
out:
	while (made)
		free_vm_area(fill[--made]);
}

static void bench_kmap_same(FILE *out, struct page *page, unsigned long ops)
{
	uint64_t t0 = hal_cycles();

	for (unsigned long i = 0; i < ops; i++) {
		kmap(page);
		kunmap(page);
	}
	bench_line(out, "kmap_kunmap", 1, ops, hal_cycles() - t0);
}

static void bench_kmap_atomic(FILE *out, struct page *page, unsigned long ops)
{
	uint64_t t0 = hal_cycles();

	for (unsigned long i = 0; i < ops; i++)
		kunmap_atomic(kmap_atomic(page, KM_USER0), KM_USER0);
	bench_line(out, "kmap_atomic", 1, ops, hal_cycles() - t0);
}

/* kmap+kunmap cycling through LAST_PKMAP + 1 high pages: every kmap takes a fresh slot. */
static void bench_kmap_fresh(FILE *out, unsigned long ops)
{
	static struct page *pages[LAST_PKMAP + 1];
	unsigned n = 0;
	uint64_t t0;

	while (n < LAST_PKMAP + 1 && (pages[n] = alloc_page(GFP_HIGHUSER | __GFP_NOWARN)) != NULL) {
		if (!page_is_highmem(pages[n])) {
			__free_page(pages[n]);
			break;
		}
		n++;
	}
	if (n < LAST_PKMAP + 1) {
		bench_skip(out, "kmap_fresh", LAST_PKMAP + 1, "not-enough-highmem");
	} else {
		t0 = hal_cycles();
		for (unsigned long i = 0; i < ops; i++) {
			kmap(pages[i % n]);
			kunmap(pages[i % n]);
		}
		bench_line(out, "kmap_fresh", n, ops, hal_cycles() - t0);
	}
	while (n)
		__free_page(pages[--n]);
}

void bench_vm(FILE *out)
{
	static const unsigned live[] = { 10, 100, 1000, 10000 };
	struct page *high;

	for (unsigned i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		bench_vmalloc_live(out, live[i], live[i] >= 10000 ? 200 : 1000);

	high = alloc_page(GFP_HIGHUSER | __GFP_NOWARN);
	if (high && !page_is_highmem(high)) {
		__free_page(high);
		high = NULL;
	}
	if (!high) {
		bench_skip(out, "kmap_kunmap", 1, "no-highmem");
		bench_skip(out, "kmap_atomic", 1, "no-highmem");
	} else {
		bench_kmap_same(out, high, 100000);
		bench_kmap_atomic(out, high, 100000);
		__free_page(high);
	}
	bench_kmap_fresh(out, 4 * LAST_PKMAP);
}
