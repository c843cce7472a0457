/*
 * The stress driver of mm/debug/stress.h: the seeded generator, the stamps, the accounting and
 * stress_run().  Everything a run holds lives in static tables (stress_st), never in memory it
 * allocates, so failure injection and the leak accounting see only the operations under test.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/debug/fault_inject.h>
#include <mm/debug/mmcheck.h>
#include <mm/debug/stress.h>
#include <mm/debug/validate_mm.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/io.h>
#include <mm/layout.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/pcp.h>
#include <mm/paging.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

#include "stress_internal.h"

/* Every worker's state and result, in static tables (a run allocates nothing for itself). */
static struct stress_state states[STRESS_MAX_WORKERS];
static struct stress_result worker_res[STRESS_MAX_WORKERS];
struct stress_state *stress_cur[NR_CPUS];

_Static_assert(STRESS_MAX_WORKERS == NR_CPUS, "one stress worker per CPU");

/* A run split between workers: what the round asks of them and what they share. */
struct run_ctx {
	const struct stress_config *cfg;
	unsigned workers;             /* registered in the first round */
	int rank[NR_CPUS];            /* worker number of each CPU that registered, -1 for none */
	unsigned caller;              /* the CPU that started the run: it polls cfg->stop */
	unsigned long chunk;          /* operations of this round, all workers together */
	unsigned long done;           /* operations done before this round, all workers */
	volatile bool stop;           /* cfg->stop said so, or a worker saw too many corruptions */
	bool release;                 /* the last round: free everything held */
};

/* What is counted for the leak check. */
struct snapshot {
	unsigned long free[MAX_NR_ZONES];
	unsigned long slab_objects, slab_pages;
	unsigned long vmalloc_bytes;
	unsigned vmalloc_areas;
	unsigned long pkmap_slots, kmap_atomic, pagetables;
	unsigned long mm_structs, vmas, anon_vmas, files; /* the process caches' objects */
};

const char *stress_op_name(enum stress_op op)
{
	static const char *const names[STRESS_NR_OPS] = {
		[STRESS_ALLOC_PAGES] = "alloc_pages", [STRESS_FREE_PAGES] = "free_pages",
		[STRESS_KMALLOC] = "kmalloc",         [STRESS_KFREE] = "kfree",
		[STRESS_VMALLOC] = "vmalloc",         [STRESS_VFREE] = "vfree",
		[STRESS_IOREMAP] = "ioremap",         [STRESS_IOUNMAP] = "iounmap",
		[STRESS_KMAP] = "kmap",               [STRESS_KUNMAP] = "kunmap",
		[STRESS_KMAP_ATOMIC] = "kmap_atomic",
	};

	return (unsigned)op < STRESS_NR_OPS ? names[op] : "?";
}

const char *stress_proc_op_name(enum stress_proc_op op)
{
	static const char *const names[STRESS_PROC_NR_OPS] = {
		[STRESS_MMAP] = "mmap",   [STRESS_MUNMAP] = "munmap", [STRESS_MPROTECT] = "mprotect",
		[STRESS_TOUCH] = "touch", [STRESS_FORK] = "fork",     [STRESS_EXIT] = "exit",
	};

	return (unsigned)op < STRESS_PROC_NR_OPS ? names[op] : "?";
}

/* splitmix64, the same generator as failure injection's: any seed works, runs replay exactly. */
uint64_t stress_rnd64(void)
{
	uint64_t z = (stress_st.rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number in [0, n), n >= 1. */
uint32_t stress_rnd(uint32_t n)
{
	return (uint32_t)((stress_rnd64() >> 32) % n);
}

/* A non-zero stamp. */
uint32_t stress_rnd_stamp(void)
{
	uint32_t s = (uint32_t)stress_rnd64();

	return s ? s : 0x5a5a5a5a;
}

/* Report a problem on the report stream (stdout may be the quiet sink). */
void stress_problem(const char *what, unsigned long a, unsigned long b)
{
	stress_st.res->corruptions++;
	if (stress_st.cfg->out)
		fprintf(stress_st.cfg->out, "stress: op %lu: %s (0x%lx, 0x%lx)\n", stress_st.res->ops_done, what, a, b);
}

/* ---- words in memory, reached through the kernel address the caller has ---- */

void stress_put_word(vaddr_t va, uint32_t v)
{
	memcpy(hal_va_ptr(va), &v, sizeof(v));
}

uint32_t stress_get_word(vaddr_t va)
{
	uint32_t v;

	memcpy(&v, hal_va_ptr(va), sizeof(v));
	return v;
}

/* Read (write when store) the word at byte offset off of page, kmap_atomic'ing a high page. */
uint32_t stress_page_word(struct page *page, unsigned off, bool store, uint32_t v)
{
	vaddr_t base = kmap_atomic(page, KM_USER0);
	uint32_t old;

	if (!base) {
		stress_problem("kmap_atomic returned 0", page_to_pfn(page), 0);
		return v;
	}
	old = stress_get_word(base + off);
	if (store)
		stress_put_word(base + off, v);
	kunmap_atomic(base, KM_USER0);
	return old;
}

/* The first word of a block and the last word of its last page carry its stamp. */
void stress_stamp_block(const struct block *b)
{
	stress_page_word(b->page, 0, true, b->stamp);
	stress_page_word(b->page + (1u << b->order) - 1, PAGE_SIZE - 4, true, ~b->stamp);
}

void stress_check_block(const struct block *b)
{
	uint32_t first = stress_page_word(b->page, 0, false, 0);
	uint32_t last = stress_page_word(b->page + (1u << b->order) - 1, PAGE_SIZE - 4, false, 0);

	if (first != b->stamp || last != ~b->stamp)
		stress_problem("page block stamp overwritten", page_to_pfn(b->page), first);
}

/* Offsets of the two stamp words of an object or area of size bytes (aligned, so neither crosses a
 * page). */
uint32_t stress_tail_offset(uint32_t size)
{
	return size >= 8 ? (size - 4) & ~3u : 0;
}

void stress_stamp_bytes(vaddr_t va, uint32_t size, uint32_t stamp)
{
	if (size < 4) {
		memset(hal_va_ptr(va), (int)(stamp & 0xff), size);
		return;
	}
	stress_put_word(va, stamp);
	if (size >= 8)
		stress_put_word(va + stress_tail_offset(size), ~stamp);
}

bool stress_bytes_ok(vaddr_t va, uint32_t size, uint32_t stamp)
{
	const uint8_t *p;

	if (size < 4) {
		p = hal_va_ptr(va);
		for (uint32_t i = 0; i < size; i++)
			if (p[i] != (stamp & 0xff))
				return false;
		return true;
	}
	return stress_get_word(va) == stamp && (size < 8 || stress_get_word(va + stress_tail_offset(size)) == ~stamp);
}

/* ---- the accounting ---- */

/* Called with the workers stopped: drain_all_pages() puts the pages they freed on their CPUs'
 * lists back on the buddy lists (free_pages counts them either way, so the leak accounting is
 * exact; the drain leaves the buddy lists whole for the checks and the commands that follow). */
static void take_snapshot(struct snapshot *s)
{
	drain_all_pages();
	memset(s, 0, sizeof(*s));
	for (int z = 0; z < MAX_NR_ZONES; z++)
		s->free[z] = contig_page_data.node_zones[z].free_pages;
	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c)) {
		s->slab_objects += c->active_objs;
		if (!strcmp(c->name, "mm_struct"))
			s->mm_structs += c->active_objs;
		else if (!strcmp(c->name, "vm_area_struct"))
			s->vmas += c->active_objs;
		else if (!strcmp(c->name, "anon_vma"))
			s->anon_vmas += c->active_objs;
		else if (!strcmp(c->name, "filp"))
			s->files += c->active_objs;
	}
	s->slab_pages = slab_stats.slab_pages;
	vmalloc_usage(&s->vmalloc_bytes, NULL, &s->vmalloc_areas);
	for (unsigned i = 0; i < LAST_PKMAP; i++)
		s->pkmap_slots += pkmap_count[i] != 0;
	for (unsigned t = 0; t < KM_TYPE_NR; t++)
		s->kmap_atomic += fixmap_query(FIX_KMAP_BEGIN + t, NULL);
	s->pagetables = nr_pagetable_pages();
}

/* Return every count-1 PKMAP slot and every lazily freed vmalloc range, so that "free" means
 * free. */
static void settle(void)
{
	flush_all_zero_pkmaps();
	vmalloc_purge_lazy();
}

/*
 * Run every checker (this CPU alone: the workers are between rounds) and count into res.  The
 * per-CPU page lists are drained first: a CPU that has finished its round drains its own lists
 * when it goes idle, which would otherwise move pages under the checker's walk of the free lists.
 */
static void run_checks(const struct stress_config *cfg, struct stress_result *res, unsigned workers)
{
	unsigned long n;

	drain_all_pages();
	n = mmcheck_all(cfg->out, cfg->img);

	for (unsigned w = 0; w < workers; w++)
		for (unsigned i = 0; i < states[w].npmms; i++)
			n += validate_mm(states[w].pmms[i].mm, cfg->out ? cfg->out : stdout);
	res->checks++;
	res->violations += n;
	if (n && cfg->out)
		fprintf(cfg->out, "stress: %lu invariant violations after op %lu (seed %llu)\n", n, res->ops_done,
			(unsigned long long)cfg->seed);
}

void stress_failed_alloc(void)
{
	stress_st.res->failures++;
}

static void release_everything(void)
{
	while (stress_st.nkmaps && stress_op_kunmap())
		;
	while (stress_st.nblocks)
		stress_free_block(stress_st.nblocks - 1);
	while (stress_st.nobjs)
		stress_op_kfree();
	while (stress_st.nareas)
		stress_op_vfree();
	while (stress_st.niomaps)
		stress_op_iounmap();
	while (stress_st.npmms)
		stress_exit_pmm(stress_st.npmms - 1);
}

/* Make the caches that kmalloc creates on first use (dma-kmalloc-N), so the run itself creates
 * none. */
static void warm_up(void)
{
	for (unsigned s = KMALLOC_SHIFT_LOW; s <= KMALLOC_SHIFT_HIGH; s++)
		kfree(kmalloc((size_t)1 << s, GFP_DMA | __GFP_NOWARN));
}

static long diff(unsigned long after, unsigned long before)
{
	return (long)(after - before);
}

/* How far the free pages of all zones are from where they were, zone by zone (0 only when each is
 * exact). */
static long free_pages_off(const struct snapshot *before, const struct snapshot *after)
{
	long off = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		long d = diff(before->free[z], after->free[z]);

		off += d < 0 ? -d : d;
	}
	return off;
}

static void print_summary(const struct stress_config *cfg, const struct stress_result *r)
{
	FILE *out = cfg->out;

	if (!out)
		return;
	fprintf(out, "stress: seed %llu: %lu operations:", (unsigned long long)cfg->seed, r->ops_done);
	for (unsigned i = 0; i < STRESS_NR_OPS; i++)
		fprintf(out, " %s %lu", stress_op_name((enum stress_op)i), r->op_count[i]);
	fputc('\n', out);
	fprintf(out, "stress: %lu allocations failed (%lu injected), most pages held %lu; %lu checks, %lu violations, "
		     "%lu corruptions\n", r->failures, r->injected, r->max_live_pages, r->checks, r->violations,
		r->corruptions);
	fprintf(out, "stress: leaks: free pages %ld, slab objects %ld, slab pages %ld, vmalloc bytes %ld, vmalloc "
		     "areas %ld, pkmap slots %ld, kmap_atomic slots %ld, page tables %ld\n",
		r->leak_free_pages, r->leak_slab_objects, r->leak_slab_pages, r->leak_vmalloc_bytes,
		r->leak_vmalloc_areas, r->leak_pkmap_slots, r->leak_kmap_atomic, r->leak_pagetables);
	if (cfg->proc_percent) {
		fprintf(out, "stress: processes (%u%% of operations):", cfg->proc_percent);
		for (unsigned i = 0; i < STRESS_PROC_NR_OPS; i++)
			fprintf(out, " %s %lu", stress_proc_op_name((enum stress_proc_op)i), r->proc_op_count[i]);
		fprintf(out, "; at most %lu address spaces and %lu user pages; %lu words read back\n", r->max_mms,
			r->max_rss, r->cow_checks);
		fprintf(out, "stress: process leaks: mm_struct %ld, vm_area_struct %ld, anon_vma %ld, filp %ld\n",
			r->leak_mm_structs, r->leak_vmas, r->leak_anon_vmas, r->leak_files);
	}
	if (r->workers > 1) {
		fprintf(out, "stress: %u workers, one per CPU, operations each:", r->workers);
		for (unsigned w = 0; w < r->workers; w++)
			fprintf(out, " %lu", r->worker_ops[w]);
		fputc('\n', out);
	}
	if (r->stopped)
		fprintf(out, "stress: stopped after %lu of %lu operations; everything it held was released\n",
			r->ops_done, cfg->ops);
	fprintf(out, "stress: seed %llu %s\n", (unsigned long long)cfg->seed,
		r->ok ? "PASSED" : r->stopped ? "STOPPED" : "FAILED");
}

/* One operation of the mix, by this CPU's worker. */
static void one_op(const struct stress_config *cfg)
{
	struct stress_result *res = stress_st.res;
	enum stress_op op;

	if (cfg->proc_percent && stress_rnd(100) < cfg->proc_percent) {
		stress_run_proc_op();
	} else {
		op = stress_pick_op();
		if (!stress_do_op(op)) {
			op = stress_partner(op);
			stress_do_op(op);
		}
		res->op_count[op]++;
	}
	if (stress_st.live_pages > res->max_live_pages)
		res->max_live_pages = stress_st.live_pages;
}

/* First round: count the CPUs that run workers and number them in CPU order. */
static void register_worker(void *arg, unsigned cpu)
{
	struct run_ctx *x = arg;

	if (cpu < NR_CPUS)
		__atomic_store_n(&x->rank[cpu], 0, __ATOMIC_SEQ_CST);
}

/* A round: this CPU's worker does its share of x->chunk operations (then releases all, last). */
static void worker_round(void *arg, unsigned cpu)
{
	struct run_ctx *x = arg;
	const struct stress_config *cfg = x->cfg;
	unsigned w;
	unsigned long share;

	if (cpu >= NR_CPUS || x->rank[cpu] < 0)
		return;
	w = (unsigned)x->rank[cpu];
	stress_cur[hal_smp_processor_id()] = &states[w];
	share = x->chunk / x->workers + (w < x->chunk % x->workers);
	for (unsigned long i = 0; i < share && !x->stop; i++) {
		struct stress_result *r = stress_st.res;

		one_op(cfg);
		r->ops_done++;
		if (r->corruptions > 100)
			x->stop = true;
		if (cfg->stop && hal_smp_processor_id() == x->caller && r->ops_done % STRESS_STOP_EVERY == 0 &&
		    x->done + i + 1 < cfg->ops && cfg->stop(cfg->stop_ctx)) {
			x->stop = true;
			stress_st.res->stopped = true;
		}
	}
	if (x->release)
		release_everything();
}

/* Add worker result w into the run's result. */
static void add_result(struct stress_result *res, const struct stress_result *w)
{
	res->ops_done += w->ops_done;
	for (unsigned i = 0; i < STRESS_NR_OPS; i++)
		res->op_count[i] += w->op_count[i];
	for (unsigned i = 0; i < STRESS_PROC_NR_OPS; i++)
		res->proc_op_count[i] += w->proc_op_count[i];
	res->failures += w->failures;
	res->corruptions += w->corruptions;
	res->max_live_pages += w->max_live_pages;
	res->cow_checks += w->cow_checks;
	res->max_mms += w->max_mms;
	res->max_rss += w->max_rss;
	res->stopped |= w->stopped;
}

/* Sum of the operations the workers have done so far. */
static unsigned long ops_so_far(unsigned workers)
{
	unsigned long n = 0;

	for (unsigned w = 0; w < workers; w++)
		n += worker_res[w].ops_done;
	return n;
}

int stress_run(const struct stress_config *cfg, struct stress_result *res)
{
	struct fault_inject_state inject = fault_inject;
	struct snapshot before, after;
	FILE *saved = stdout;
	unsigned long injected0, free_total = 0, next_progress = cfg->progress_every;
	static struct run_ctx x;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	memset(states, 0, sizeof(states));
	memset(worker_res, 0, sizeof(worker_res));
	x.cfg = cfg;
	x.caller = hal_smp_processor_id();
	for (unsigned c = 0; c < NR_CPUS; c++) {
		x.rank[c] = -1;
		stress_cur[c] = &states[0];
	}
	if (cfg->on_each_cpu)
		cfg->on_each_cpu(register_worker, &x);
	else
		x.rank[x.caller] = 0;
	for (unsigned c = 0; c < NR_CPUS; c++)
		if (x.rank[c] >= 0)
			x.rank[c] = (int)x.workers++;
	for (unsigned w = 0; w < x.workers; w++) {
		states[w].cfg = cfg;
		states[w].res = &worker_res[w];
		states[w].rng = cfg->seed + w * 0x9e3779b97f4a7c15ull;
	}
	res->workers = x.workers;

	/* Set-up and the baseline without failure injection: the run alone is under test. */
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	warm_up();
	settle();
	take_snapshot(&before);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		free_total += before.free[z];
	for (unsigned w = 0; w < x.workers; w++)
		states[w].budget = free_total / 4 / x.workers;
	run_checks(cfg, res, x.workers);
	fault_inject = inject;
	injected0 = fault_inject_count();

	if (cfg->quiet)
		stdout = cfg->quiet;
	while (x.done < cfg->ops && !x.stop) {
		x.chunk = cfg->ops - x.done;
		if (cfg->check_every && x.chunk > cfg->check_every - x.done % cfg->check_every)
			x.chunk = cfg->check_every - x.done % cfg->check_every;
		if (cfg->progress_every && x.chunk > next_progress - x.done)
			x.chunk = next_progress - x.done;
		if (cfg->on_each_cpu)
			cfg->on_each_cpu(worker_round, &x);
		else
			worker_round(&x, x.caller);
		x.done = ops_so_far(x.workers);
		res->ops_done = x.done;
		if (cfg->check_every && x.done % cfg->check_every == 0 && !x.stop) {
			stdout = saved;
			run_checks(cfg, res, x.workers);
			if (cfg->quiet)
				stdout = cfg->quiet;
		}
		if (cfg->progress_every && x.done == next_progress) {
			unsigned long held = 0, failed = 0;

			for (unsigned w = 0; w < x.workers; w++) {
				held += states[w].live_pages;
				failed += worker_res[w].failures;
			}
			if (cfg->out)
				fprintf(cfg->out, "stress: %lu/%lu operations, %lu pages held, %lu failed allocations\n",
					x.done, cfg->ops, held, failed);
			next_progress += cfg->progress_every;
		}
		if (res->violations)
			break;
	}
	/* The last round: every worker frees what it holds, on its own CPU. */
	x.chunk = 0;
	x.release = true;
	if (cfg->on_each_cpu)
		cfg->on_each_cpu(worker_round, &x);
	else
		worker_round(&x, x.caller);
	stdout = saved;
	res->injected = fault_inject_count() - injected0;
	res->ops_done = 0;
	for (unsigned w = 0; w < x.workers; w++) {
		add_result(res, &worker_res[w]);
		res->worker_ops[w] = worker_res[w].ops_done;
	}

	/* The accounting, again without injection so that settling cannot fail. */
	inject = fault_inject;
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	settle();
	take_snapshot(&after);
	run_checks(cfg, res, x.workers);
	fault_inject = inject;

	res->leak_free_pages = free_pages_off(&before, &after);
	res->leak_slab_objects = diff(after.slab_objects, before.slab_objects);
	res->leak_slab_pages = diff(after.slab_pages, before.slab_pages);
	res->leak_vmalloc_bytes = diff(after.vmalloc_bytes, before.vmalloc_bytes);
	res->leak_vmalloc_areas = (long)after.vmalloc_areas - (long)before.vmalloc_areas;
	res->leak_pkmap_slots = diff(after.pkmap_slots, before.pkmap_slots);
	res->leak_kmap_atomic = diff(after.kmap_atomic, before.kmap_atomic);
	res->leak_pagetables = diff(after.pagetables, before.pagetables);
	res->leak_mm_structs = diff(after.mm_structs, before.mm_structs);
	res->leak_vmas = diff(after.vmas, before.vmas);
	res->leak_anon_vmas = diff(after.anon_vmas, before.anon_vmas);
	res->leak_files = diff(after.files, before.files);
	res->ok = !res->violations && !res->leak_mm_structs && !res->leak_vmas && !res->leak_anon_vmas &&
		  !res->leak_files && !res->corruptions && !res->leak_free_pages && !res->leak_slab_objects &&
		  !res->leak_slab_pages && !res->leak_vmalloc_bytes && !res->leak_vmalloc_areas &&
		  !res->leak_pkmap_slots && !res->leak_kmap_atomic && !res->leak_pagetables && !res->stopped;
	print_summary(cfg, res);
	return res->ok ? 0 : 1;
}
