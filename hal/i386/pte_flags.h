/*
 * The low twelve bits of an i386 page-table entry, which the 2-level
 * (32-bit) and PAE (64-bit) formats share, and their translation to and
 * from the hal's HAL_PROT_* bits.  Internal to hal/i386; NX (PAE bit 63)
 * and the frame masks stay with each format.
 */
#ifndef HAL_I386_PTE_FLAGS_H
#define HAL_I386_PTE_FLAGS_H

#include <stdint.h>

#include <hal/cpu.h>
#include <hal/mmu.h>

#define PTE_P 0x001u
#define PTE_RW 0x002u
#define PTE_US 0x004u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PDE_PS 0x080u
#define PTE_G 0x100u

/* A directory entry that points at a table leaves the decision to the table's entries. */
#define PDE_TABLE (PTE_P | PTE_RW | PTE_US | PTE_A)

/* The present, write, user, cache and global bits for prot (global only where the CPU has PGE). */
static inline uint32_t pte_flags_from_prot(unsigned prot)
{
	uint32_t e = PTE_P;

	if (prot & HAL_PROT_WRITE)
		e |= PTE_RW;
	if (prot & HAL_PROT_USER)
		e |= PTE_US;
	if (prot & HAL_PROT_NOCACHE)
		e |= PTE_PCD | PTE_PWT;
	if ((prot & HAL_PROT_GLOBAL) && hal_cpu_has(HAL_FEAT_PGE))
		e |= PTE_G;
	return e;
}

/* The HAL_PROT_* bits of a present entry's low flags, HAL_PROT_EXEC left to the caller. */
static inline unsigned prot_from_pte_flags(uint32_t e)
{
	unsigned prot = HAL_PROT_READ;

	if (e & PTE_RW)
		prot |= HAL_PROT_WRITE;
	if (e & PTE_US)
		prot |= HAL_PROT_USER;
	if (e & PTE_PCD)
		prot |= HAL_PROT_NOCACHE;
	if (e & PTE_G)
		prot |= HAL_PROT_GLOBAL;
	return prot;
}

#endif
