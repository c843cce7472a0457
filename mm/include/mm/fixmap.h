/*
 * Fixed virtual addresses: pages whose virtual address is known at compile
 * time.  "Fixed virtual addresses are needed for subsystems that need to
 * know the virtual address at compile time such as the Advanced
 * Programmable Interrupt Controller (APIC)." (Understanding the Linux Virtual Memory Manager, §5.1)
 *
 * Index 0 is the page at FIXADDR_TOP; index i is i pages below it.  All the
 * fixmaps share the last page table of the address space, which
 * paging_init() allocates at boot, so setting a fixmap never allocates.
 * kmap_atomic() lives here too: its slots are fixmaps.
 */
#ifndef MM_FIXMAP_H
#define MM_FIXMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <hal/mmu.h>
#include <hal/page.h>
#include <hal/smp.h>

/* "FIXADDR_TOP is statically defined to be 0xFFFFE000 on the x86 which is one page before the end
 * of the virtual address space." (Understanding the Linux Virtual Memory Manager, §5.1) */
#define FIXADDR_TOP 0xFFFFE000u

/* kmap_atomic slot types: one fixmap page each per CPU. */
enum km_type {
	KM_USER0,
	KM_USER1,
	KM_PTE0,
	KM_IRQ0,
	KM_MEMTEST,
	KM_TYPE_NR
};

#define MAX_IO_APICS 8
#define NR_FIX_BTMAPS 16

/* The local APIC and the first IO-APIC sit at these physical addresses on every PC. */
#define APIC_DEFAULT_PHYS_BASE 0xFEE00000u
#define IO_APIC_DEFAULT_PHYS_BASE 0xFEC00000u

enum fixed_addresses {
	FIX_APIC_BASE,                /* local APIC registers */
	FIX_IO_APIC_BASE_0,           /* IO-APIC registers, one page each */
	FIX_IO_APIC_BASE_END = FIX_IO_APIC_BASE_0 + MAX_IO_APICS - 1,
	FIX_EARLYCON_MEM_BASE,        /* an MMIO UART before ioremap works */
	/* kmap_atomic: KM_TYPE_NR slots per CPU, the slot of type on cpu at
	 * FIX_KMAP_BEGIN + KM_TYPE_NR * cpu + type, as in the 2.4 kernels' fixmap.h
	 * (Understanding the Linux Virtual Memory Manager, §9.4). */
	FIX_KMAP_BEGIN,
	FIX_KMAP_END = FIX_KMAP_BEGIN + KM_TYPE_NR * NR_CPUS - 1,
	FIX_BTMAP_BEGIN,              /* boot-time mappings (early tables) */
	FIX_BTMAP_END = FIX_BTMAP_BEGIN + NR_FIX_BTMAPS - 1,
	__end_of_fixed_addresses
};

/* "The size of the fixed mapping region is calculated at compile time in __FIXADDR_SIZE and used to
 * index back from FIXADDR_TOP to give the start of the region FIXADDR_START" (Understanding the
 * Linux Virtual Memory Manager, §5.1). */
#define __FIXADDR_SIZE ((vaddr_t)__end_of_fixed_addresses << PAGE_SHIFT)
/* The first address past the fixmaps: the last page of the address space, never mapped. */
#define FIXADDR_END (FIXADDR_TOP + PAGE_SIZE)
/* The lowest fixmap page: the region is [FIXADDR_START, FIXADDR_END). */
#define FIXADDR_START (FIXADDR_END - __FIXADDR_SIZE)

#define __fix_to_virt(x) (FIXADDR_TOP - ((vaddr_t)(x) << PAGE_SHIFT))
#define __virt_to_fix(x) ((FIXADDR_TOP - ((x) & PAGE_MASK)) >> PAGE_SHIFT)

/* The virtual address of fixmap index idx; an index that is not a constant in range fails to
 * compile. */
#define fix_to_virt(idx)                                                              \
	(__extension__({                                                              \
		_Static_assert((idx) >= 0 && (idx) < __end_of_fixed_addresses,        \
			       "fix_to_virt: fixmap index out of range");             \
		__fix_to_virt(idx);                                                   \
	}))

_Static_assert(FIX_KMAP_END - FIX_KMAP_BEGIN + 1 == KM_TYPE_NR * NR_CPUS,
	       "one kmap_atomic slot per km_type per CPU");
_Static_assert(FIX_BTMAP_BEGIN > FIX_KMAP_END && FIX_BTMAP_END == __end_of_fixed_addresses - 1,
	       "the boot-time slots (early_ioremap) are the lowest fixmaps, below every permanent one");
_Static_assert(FIXADDR_END == 0xFFFFF000u, "the last page of the address space stays unmapped");
_Static_assert(FIXADDR_START >= 0xFFC00000u && FIXADDR_START < FIXADDR_END,
	       "the fixmap enum must fit the last page table, which paging_init() preallocates");

/* The fixmap index of virtual address va, or -1 if va is not in the fixmap region. */
static inline int virt_to_fix(vaddr_t va)
{
	if (va < FIXADDR_START || va >= FIXADDR_END)
		return -1;
	return (int)__virt_to_fix(va);
}

/* Map fixmap idx to the page holding phys with prot (replacing any previous mapping, one page
 * flush); an index out of range is reported and ignored. */
void __set_fixmap(enum fixed_addresses idx, paddr_t phys, unsigned prot);

/* Map fixmap idx to ordinary memory at phys (writable, global). */
#define set_fixmap(idx, phys) __set_fixmap((idx), (phys), HAL_PROT_WRITE | HAL_PROT_GLOBAL)

/* Map fixmap idx to device memory at phys (writable, uncached, global). */
#define set_fixmap_nocache(idx, phys) \
	__set_fixmap((idx), (phys), HAL_PROT_WRITE | HAL_PROT_NOCACHE | HAL_PROT_GLOBAL)

/* Remove the mapping of fixmap idx (one page flush); clearing an unused slot is harmless. */
void clear_fixmap(enum fixed_addresses idx);

/* Report whether fixmap idx is mapped and, if so, the physical address of its page (phys may be
 * NULL). */
bool fixmap_query(unsigned idx, paddr_t *phys);

/* Write the enum name of fixmap idx ("FIX_APIC_BASE", "FIX_IO_APIC_BASE_0+1",
 * "FIX_KMAP_BEGIN+KM_USER0") into buf and return buf. */
const char *fixmap_name(unsigned idx, char *buf, size_t len);

/* The name of kmap_atomic slot type ("KM_USER0"), or "?" if out of range. */
const char *km_type_name(unsigned type);

/* Check at boot that the fixmap page table exists (reporting a missing one as a paging_init bug and
 * supplying it); 0 when all is well. */
int fixmap_init(void);

/* Print every fixmap slot: index, name, virtual address and physical address or "-" (the `fixmap`
 * command). */
void fixmap_show(FILE *out);

struct page;

/* The fixmap index of kmap_atomic slot type on CPU cpu. */
#define KMAP_ATOMIC_IDX(cpu, type) (FIX_KMAP_BEGIN + KM_TYPE_NR * (unsigned)(cpu) + (unsigned)(type))

/* Map page at this CPU's kmap_atomic slot type with one page flush on this CPU only (no IPI, no
 * lock: no other CPU ever uses the slot) and return its address (a low page returns its linear
 * address); 0 for a bad type.  The caller stays on this CPU until kunmap_atomic().  Each slot holds
 * one use at a time, low pages included: a nested use of a busy slot is warned about and counted
 * (atomic_overwrites), then replaces it. */
vaddr_t kmap_atomic(struct page *page, enum km_type type);

/* Undo kmap_atomic() on the same CPU: unmap slot type with one local page flush; vaddr must be what
 * kmap_atomic returned (low addresses unmap nothing); undoing a slot not in use, or another CPU's
 * slot, is warned about and counted. */
void kunmap_atomic(vaddr_t vaddr, enum km_type type);

/* Counters of the fixmap and kmap_atomic code of one CPU, for tests and the `fixmap` command
 * (one cache line each, so that CPUs mapping at once never share one). */
struct fixmap_stats {
	unsigned long sets;          /* __set_fixmap calls that mapped a page */
	unsigned long clears;        /* clear_fixmap calls that removed a mapping */
	unsigned long atomic_maps;   /* kmap_atomic of a high page */
	unsigned long atomic_overwrites; /* kmap_atomic on a slot still in use (nested): warned */
	unsigned long atomic_unbalanced; /* kunmap_atomic of a slot not in use: warned */
	unsigned long errors;        /* bad index, bad type, missing page table */
	unsigned long atomic_depth[KM_TYPE_NR]; /* per slot: kmap_atomic calls not yet undone */
} __attribute__((aligned(64)));

/* Per CPU: the counters of the calls made on that CPU. */
extern struct fixmap_stats fixmap_cpu_stats[NR_CPUS];

/* Sum the counters of every CPU into *sum (atomic_depth included). */
void fixmap_stats_total(struct fixmap_stats *sum);

#endif
