/*
 * The stress engines' shared state and helpers (private to mm/debug/): the driver and the
 * accounting (stress.c), the kernel mix of allocator operations (stress_kernel.c) and the process
 * mix of address-space operations (stress_proc.c).
 */
#ifndef MM_DEBUG_STRESS_INTERNAL_H
#define MM_DEBUG_STRESS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/smp.h>
#include <mm/debug/stress.h>
#include <mm/mman.h>
#include <mm/page.h>

#define MAX_BLOCKS 1024
#define MAX_OBJS 2048
#define MAX_AREAS 128
#define MAX_IOMAPS 32
#define MAX_KMAPS 256          /* below LAST_PKMAP even with PAE's 512 */
#define MAX_VMALLOC_PAGES 64
#define MAX_IOREMAP_PAGES 16
/* __GFP_ZERO only up to 16 KiB blocks: zeroing 4 MiB costs too much under TCG */
#define ZERO_CHECK_MAX_ORDER 2
/* Physical space no PC puts RAM in below 4 GiB (QEMU pc stops RAM at 3 or 3.5 GiB): ioremap
 * targets. */
#define IOREMAP_PHYS_BASE 0xE0000000ull
#define IOREMAP_PHYS_SLOTS 4096u

struct block {
	struct page *page;
	unsigned order;
	unsigned kmaps; /* kmap()s of the head page not yet undone */
	uint32_t stamp;
};

struct obj {
	uint8_t *p;
	uint32_t size;
	uint32_t stamp;
};

struct area {
	vaddr_t addr;
	uint32_t size;
	uint32_t stamp;
};

/* The process mix: where its regions go, how big they get, and what each address space
 * remembers. */
#define PROC_WINDOW 0x40000000u          /* TASK_UNMAPPED_BASE: non-fixed mmaps land here too */
#define PROC_WINDOW_PAGES 4096u          /* 16 MiB: four page tables at most per address space */
#define PROC_MAX_REGION_PAGES 8u
#define PROC_MAX_MAP_COUNT 24
#define PROC_RECORDS 16

/* A word written to a private page of an address space, to be read back. */
struct record {
	vaddr_t addr;
	uint32_t val;
};

struct pmm {
	struct mm_struct *mm;
	unsigned nrec;
	struct record rec[PROC_RECORDS];
};

/* Everything a run holds, in static tables, never in memory it allocates. */
struct stress_state {
	uint64_t rng;
	const struct stress_config *cfg;
	struct stress_result *res;
	struct block blocks[MAX_BLOCKS];
	unsigned nblocks;
	struct obj objs[MAX_OBJS];
	unsigned nobjs;
	struct area areas[MAX_AREAS];
	unsigned nareas;
	vaddr_t iomaps[MAX_IOMAPS];
	unsigned niomaps;
	unsigned nkmaps;
	unsigned long live_pages, budget;
	struct pmm pmms[STRESS_MAX_MMS];
	unsigned npmms;
};

/*
 * The state of the worker running on this CPU: each worker of a run points its CPU's entry at its
 * own state, so the operations, written for one state, touch only their worker's tables.
 */
extern struct stress_state *stress_cur[NR_CPUS];
#define stress_st (*stress_cur[hal_smp_processor_id()])

/* The next 64 bits of the run's splitmix64 generator (the same as failure injection's: any seed
 * works, runs replay exactly). */
uint64_t stress_rnd64(void);

/* A number in [0, n), n >= 1. */
uint32_t stress_rnd(uint32_t n);

/* A non-zero stamp. */
uint32_t stress_rnd_stamp(void);

/* Count a corruption and report it on the report stream (stdout may be the quiet sink). */
void stress_problem(const char *what, unsigned long a, unsigned long b);

/* Store v at kernel address va. */
void stress_put_word(vaddr_t va, uint32_t v);

/* The word at kernel address va. */
uint32_t stress_get_word(vaddr_t va);

/* The word at byte offset off of page (and v stored there when store), through kmap_atomic for a
 * high page. */
uint32_t stress_page_word(struct page *page, unsigned off, bool store, uint32_t v);

/* Stamp both ends of block b. */
void stress_stamp_block(const struct block *b);

/* Check the stamps of block b. */
void stress_check_block(const struct block *b);

/* The offset of the tail stamp of a size-byte object. */
uint32_t stress_tail_offset(uint32_t size);

/* Stamp the head and the tail of the size bytes at va with stamp. */
void stress_stamp_bytes(vaddr_t va, uint32_t size, uint32_t stamp);

/* True when the head and the tail of the size bytes at va still carry stamp. */
bool stress_bytes_ok(vaddr_t va, uint32_t size, uint32_t stamp);

/* Count an allocation that failed (out of memory or injected): expected, not a problem. */
void stress_failed_alloc(void);

/* Check and free block i of the page table of the run. */
void stress_free_block(unsigned i);

/* Tear down address space i of the process mix (exit). */
void stress_exit_pmm(unsigned i);

/* One operation of the process mix, its partner when it had nothing to do. */
void stress_run_proc_op(void);

/* An operation of the kernel mix drawn by its percentage. */
enum stress_op stress_pick_op(void);

/* Run one operation of the kernel mix; false when it had nothing to do. */
bool stress_do_op(enum stress_op op);

/* The partner of op: an allocation for a free with nothing to free, a free for a full table. */
enum stress_op stress_partner(enum stress_op op);

/* Undo one kmap of the run; false when none is held. */
bool stress_op_kunmap(void);

/* Free one object of the run, checking its stamps; false when none is held. */
bool stress_op_kfree(void);

/* Free one vmalloc area of the run, checking its stamps; false when none is held. */
bool stress_op_vfree(void);

/* Undo one ioremap of the run; false when none is held. */
bool stress_op_iounmap(void);

#endif
