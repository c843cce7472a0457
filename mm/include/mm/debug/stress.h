/*
 * Randomized stress of the memory manager with exact leak accounting.
 *
 * stress_run() draws a long random mix of operations from a seeded
 * generator: alloc_pages/__free_pages (every order, every zone),
 * kmalloc/kfree (every size class, DMA too), vmalloc/vmalloc_32/vzalloc/
 * vfree (1 to 64 pages), ioremap/iounmap, kmap/kunmap and kmap_atomic.
 * Every block it gets is stamped at both ends and checked when it goes
 * back, so corruption between users shows.  It runs the invariant
 * checkers (mm/mmcheck.h) every check_every operations, then frees
 * everything and checks that free pages (per zone), slab objects and slab
 * pages, vmalloc space and areas, PKMAP slots, kmap_atomic slots and
 * page-table pages are exactly where they were before the run.
 *
 * With cfg->proc_percent above 0 that share of the operations is a
 * process mix instead (mm/mman.h on in-kernel address spaces, no tasks):
 * up to STRESS_MAX_MMS mm_structs made by mm_alloc() and dup_mmap()
 * (fork), torn down by mmput() (exit), with random do_mmap() (private and
 * shared anonymous, MAP_FIXED or not), do_munmap() and do_mprotect() in a
 * 16 MiB window, and pages touched through handle_mm_fault() (read or
 * write, as the region allows) and access_process_vm().  Words written to
 * private pages are remembered per address space (and inherited by fork)
 * and read back later, so a copy-on-write that leaks a write into another
 * address space shows as a corruption.  validate_mm() runs on every live
 * address space with the other checkers, and the leak accounting adds the
 * mm_struct, vm_area_struct, anon_vma and file objects.
 *
 * With cfg->on_each_cpu the operations are split between one worker per
 * CPU, all at once on the shared allocators, in rounds of check_every
 * operations; the checkers run between rounds on this CPU alone, and the
 * leak accounting is the same, over everything every worker held.  Worker
 * w draws from the seed plus w times a constant, so worker 0 alone is the
 * single-CPU run.
 *
 * The run depends on the seed alone (and on the failure-injection schedule
 * in force, mm/fault_inject.h, which it leaves on), so a failing seed
 * replays exactly and becomes a regression test.  Allocation failures,
 * injected or real, are expected and counted; everything else that goes
 * wrong makes the run fail.
 */
#ifndef MM_STRESS_H
#define MM_STRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mm/debug/mmcheck.h>

enum stress_op {
	STRESS_ALLOC_PAGES,
	STRESS_FREE_PAGES,
	STRESS_KMALLOC,
	STRESS_KFREE,
	STRESS_VMALLOC,
	STRESS_VFREE,
	STRESS_IOREMAP,
	STRESS_IOUNMAP,
	STRESS_KMAP,
	STRESS_KUNMAP,
	STRESS_KMAP_ATOMIC,
	STRESS_NR_OPS
};

/* The process mix (cfg->proc_percent > 0). */
enum stress_proc_op {
	STRESS_MMAP,
	STRESS_MUNMAP,
	STRESS_MPROTECT,
	STRESS_TOUCH,
	STRESS_FORK,
	STRESS_EXIT,
	STRESS_PROC_NR_OPS
};

/* Address spaces the process mix keeps alive at most (per worker). */
#define STRESS_MAX_MMS 6

/* Workers at most: one per CPU (NR_CPUS of hal/smp.h). */
#define STRESS_MAX_WORKERS 8

struct stress_config {
	uint64_t seed;
	unsigned long ops;             /* operations to run */
	/* run every checker each this many operations; 0: at the start and end only */
	unsigned long check_every;
	/* print a progress line to out each this many operations; 0: never */
	unsigned long progress_every;
	const struct mmcheck_image *img; /* for ptcheck's read-only rule (may be NULL) */
	FILE *out;                     /* the report: progress, problems, the summary */
	/* stdout while operations run (their expected failure messages), or NULL */
	FILE *quiet;
	/* 0..100: share of operations drawn from the process mix (0: none) */
	unsigned proc_percent;
	/* Asked every STRESS_STOP_EVERY operations (NULL: never); true ends the run early, cleanly. */
	bool (*stop)(void *ctx);
	void *stop_ctx;
	/*
	 * One worker per CPU: run fn(arg, cpu) on every online CPU at once and wait for all of them
	 * (firmware's on_each_cpu); NULL: one worker, on this CPU.  The workers share the allocators
	 * and split the operations; each keeps its own blocks, objects, areas and address spaces.
	 */
	void (*on_each_cpu)(void (*fn)(void *arg, unsigned cpu), void *arg);
};

/* Operations between two calls of stress_config.stop. */
#define STRESS_STOP_EVERY 64ul

struct stress_result {
	unsigned long ops_done;
	unsigned long op_count[STRESS_NR_OPS];
	/* allocating calls that failed (out of memory, injected, no PKMAP slot) */
	unsigned long failures;
	unsigned long injected;       /* failures forced by fault injection during the run */
	unsigned long checks;         /* times the checkers ran */
	unsigned long violations;     /* invariant violations they found */
	unsigned long corruptions;    /* stamps or zero fills found wrong */
	unsigned long max_live_pages; /* the most pages held at once */
	/* Leaks: the state after the run minus the state before it (0 when all went back). */
	long leak_free_pages, leak_slab_objects, leak_slab_pages, leak_vmalloc_bytes, leak_vmalloc_areas;
	long leak_pkmap_slots, leak_kmap_atomic, leak_pagetables;
	/* The process mix (all 0 when cfg->proc_percent is 0). */
	unsigned long proc_op_count[STRESS_PROC_NR_OPS];
	unsigned long cow_checks;     /* remembered words read back from private pages */
	unsigned long max_mms;        /* the most address spaces alive at once */
	unsigned long max_rss;        /* the most user pages present at once, all address spaces */
	long leak_mm_structs, leak_vmas, leak_anon_vmas, leak_files;
	/* The workers (one per CPU that ran) and the operations each did; the counts above are sums. */
	unsigned workers;
	unsigned long worker_ops[STRESS_MAX_WORKERS];
	bool stopped;                 /* cfg->stop ended the run before cfg->ops operations */
	bool ok;                      /* no violation, no corruption, no leak, not stopped */
};

/* The name of operation op, as the summary prints it. */
const char *stress_op_name(enum stress_op op);

/* The name of process-mix operation op, as the summary prints it. */
const char *stress_proc_op_name(enum stress_proc_op op);

/* Run the stress described by cfg, fill res and print the summary (with the seed) to cfg->out;
 * returns 0 when res->ok. */
int stress_run(const struct stress_config *cfg, struct stress_result *res);

#endif
