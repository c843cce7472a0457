/*
 * Benchmarks of process address spaces (see mm/debug/bench_mm.h).  Reproduce
 * with `bench-proc` at the shell; on QEMU TCG the cycle counts are the
 * TSC's and only comparable run to run on one host.
 */
#include <inttypes.h>
#include <stdint.h>

#include <hal/cpu.h>
#include <mm/debug/bench_mm.h>
#include <mm/memory.h>
#include <mm/mman.h>

#define BENCH_BASE 0x40000000u
#define LOOKUPS 100000u

/* A cheap deterministic sequence for lookup addresses. */
static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static int bench_find_vma(FILE *out, unsigned n)
{
	struct mm_struct *mm = mm_alloc();
	uint32_t seed = 12345;
	uint64_t t0, t1;
	unsigned long hits = 0;

	if (!mm)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		/* Alternating protections keep the regions apart; one-page gaps make lookups land
		 * in holes too. */
		unsigned long a = do_mmap(mm, NULL, BENCH_BASE + 2 * i * PAGE_SIZE, PAGE_SIZE,
					  (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);

		if (IS_ERR_VALUE(a)) {
			fprintf(out, "bench: find_vma: mmap %u failed\n", i);
			mmput(mm);
			return 1;
		}
	}
	t0 = hal_cycles();
	for (unsigned i = 0; i < LOOKUPS; i++) {
		vaddr_t addr = BENCH_BASE + (lcg(&seed) % (2 * n * PAGE_SIZE));

		hits += find_vma(mm, addr) != NULL;
	}
	t1 = hal_cycles();
	fprintf(out, "BENCH name=find_vma n=%u ops=%u cycles_per_op=%" PRIu64 "\n", n, LOOKUPS,
		(t1 - t0) / LOOKUPS);
	(void)hits;
	mmput(mm);
	return 0;
}

/* A new address space with one private anonymous writable mapping of pages pages: its mm (NULL
 * on failure), the mapping's address in *addr and its region in *vma. */
static struct mm_struct *anon_mm(unsigned pages, vaddr_t *addr, struct vm_area_struct **vma)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long a;

	if (!mm)
		return NULL;
	a = do_mmap(mm, NULL, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(a)) {
		mmput(mm);
		return NULL;
	}
	*addr = (vaddr_t)a;
	*vma = find_vma(mm, *addr);
	return mm;
}

/* Write-fault every page of [addr, addr + pages pages) in vma; 0, or 1 after naming the failed
 * fault (as who) on out. */
static int fault_in(FILE *out, const char *who, struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t addr,
		    unsigned pages)
{
	for (unsigned i = 0; i < pages; i++)
		if (handle_mm_fault(mm, vma, addr + i * PAGE_SIZE, FAULT_FLAG_WRITE)) {
			fprintf(out, "bench: %s: fault %u failed\n", who, i);
			return 1;
		}
	return 0;
}

static int bench_anon_fault(FILE *out, unsigned pages)
{
	struct vm_area_struct *vma;
	uint64_t t0, t1;
	vaddr_t a;
	struct mm_struct *mm = anon_mm(pages, &a, &vma);

	if (!mm)
		return 1;
	t0 = hal_cycles();
	if (fault_in(out, "anon_fault", mm, vma, a, pages)) {
		mmput(mm);
		return 1;
	}
	t1 = hal_cycles();
	fprintf(out, "BENCH name=anon_fault n=%u ops=%u cycles_per_op=%" PRIu64 "\n", pages, pages,
		(t1 - t0) / pages);
	mmput(mm);
	return 0;
}

static int bench_fork(FILE *out, unsigned pages)
{
	struct vm_area_struct *vma;
	uint64_t t0, t1, t2;
	vaddr_t a;
	struct mm_struct *mm = anon_mm(pages, &a, &vma), *child;
	int err;

	if (!mm)
		return 1;
	if (fault_in(out, "fork", mm, vma, a, pages)) {
		mmput(mm);
		return 1;
	}
	child = mm_alloc();
	if (!child) {
		mmput(mm);
		return 1;
	}
	t0 = hal_cycles();
	err = dup_mmap(child, mm);
	t1 = hal_cycles();
	mmput(child);
	t2 = hal_cycles();
	fprintf(out, "BENCH name=fork_copy_16mb n=%u ops=1 cycles_per_op=%" PRIu64 "\n", pages, t1 - t0);
	fprintf(out, "BENCH name=exit_teardown_16mb n=%u ops=1 cycles_per_op=%" PRIu64 "\n", pages, t2 - t1);
	mmput(mm);
	return err != 0;
}

int bench_mm(FILE *out)
{
	int bad = 0;

	bad += bench_find_vma(out, 10);
	bad += bench_find_vma(out, 1000);
	bad += bench_find_vma(out, 10000);
	bad += bench_anon_fault(out, 4096);
	bad += bench_fork(out, 4096);
	return bad;
}
