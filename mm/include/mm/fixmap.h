/*
 * Fixed virtual addresses: pages whose virtual address is known at compile
 * time.  "Fixed virtual addresses are needed for subsystems that need to
 * know the virtual address at compile time such as the Advanced
 * Programmable Interrupt Controller (APIC)." (seed 004)
 *
 * Index 0 is the page at FIXADDR_TOP; index i is i pages below it.
 */
#ifndef MM_FIXMAP_H
#define MM_FIXMAP_H

#include <hal/page.h>

/* "FIXADDR_TOP is statically defined to be 0xFFFFE000 on the x86 which is one page before the end of the virtual address space." (seed 004) */
#define FIXADDR_TOP 0xFFFFE000u

/* kmap_atomic slot types, one fixmap page each (one CPU). */
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

enum fixed_addresses {
	FIX_APIC_BASE,
	FIX_IO_APIC_BASE_0,
	FIX_IO_APIC_BASE_END = FIX_IO_APIC_BASE_0 + MAX_IO_APICS - 1,
	FIX_EARLYCON_MEM_BASE,
	FIX_KMAP_BEGIN,
	FIX_KMAP_END = FIX_KMAP_BEGIN + KM_TYPE_NR - 1,
	FIX_BTMAP_BEGIN,
	FIX_BTMAP_END = FIX_BTMAP_BEGIN + NR_FIX_BTMAPS - 1,
	__end_of_fixed_addresses
};

/* "The size of the fixed mapping region is calculated at compile time in __FIXADDR_SIZE and used to index back from FIXADDR_TOP to give the start of the region FIXADDR_START" (seed 004). */
#define __FIXADDR_SIZE ((vaddr_t)__end_of_fixed_addresses << PAGE_SHIFT)
/* The lowest fixmap page: the region is [FIXADDR_START, FIXADDR_TOP + PAGE_SIZE). */
#define FIXADDR_START (FIXADDR_TOP + PAGE_SIZE - __FIXADDR_SIZE)

#define __fix_to_virt(x) (FIXADDR_TOP - ((vaddr_t)(x) << PAGE_SHIFT))
#define __virt_to_fix(x) ((FIXADDR_TOP - ((x) & PAGE_MASK)) >> PAGE_SHIFT)

/* The virtual address of fixmap index idx; a constant index out of range fails to compile. */
#define fix_to_virt(idx)                                                              \
	(__extension__({                                                              \
		_Static_assert((idx) >= 0 && (idx) < __end_of_fixed_addresses,        \
			       "fix_to_virt: fixmap index out of range");             \
		__fix_to_virt(idx);                                                   \
	}))

#endif
