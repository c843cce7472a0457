/*
 * Benchmarks of process address spaces (see mm/bench_mm.h).  Reproduce
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
		/* Alternating protections keep the regions apart; one-page gaps make lookups land in holes too. */
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

static int bench_anon_fault(FILE *out, unsigned pages)
{
	struct mm_struct *mm = mm_alloc();
	struct vm_area_struct *vma;
	uint64_t t0, t1;
	unsigned long a;

	if (!mm)
		return 1;
	a = do_mmap(mm, NULL, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(a)) {
		mmput(mm);
		return 1;
	}
	vma = find_vma(mm, (vaddr_t)a);
	t0 = hal_cycles();
	for (unsigned i = 0; i < pages; i++)
		if (handle_mm_fault(mm, vma, (vaddr_t)a + i * PAGE_SIZE, FAULT_FLAG_WRITE)) {
			fprintf(out, "bench: anon_fault: fault %u failed\n", i);
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
	struct mm_struct *mm = mm_alloc(), *child;
	struct vm_area_struct *vma;
	uint64_t t0, t1, t2;
	unsigned long a;
	int err;

	if (!mm)
		return 1;
	a = do_mmap(mm, NULL, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(a)) {
		mmput(mm);
		return 1;
	}
	vma = find_vma(mm, (vaddr_t)a);
	for (unsigned i = 0; i < pages; i++)
		if (handle_mm_fault(mm, vma, (vaddr_t)a + i * PAGE_SIZE, FAULT_FLAG_WRITE)) {
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
