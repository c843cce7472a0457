/*
 * Two-level i386 page tables with 32-bit entries: a page directory of 1024
 * entries, each either a 4 KiB-page table of 1024 entries or (with PSE) one
 * 4 MiB page.  This file is pure C; it reaches tables only through
 * hal_table_ptr(), so the host tests run it unchanged behind the fake hal.
 */
#include <stddef.h>

#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/pgtable_access.h>
#include <hal/smpboot.h>

#include "pte_flags.h"

#define PTE_FRAME 0xfffff000u
#define PDE_LARGE_FRAME 0xffc00000u

#define PGDIR_SHIFT 22
#define PTRS_PER_TABLE 1024u
#define KERNEL_PGD_FIRST (PAGE_OFFSET >> PGDIR_SHIFT)

static uint32_t *pde_of(paddr_t pgd, vaddr_t va)
{
	return &((uint32_t *)hal_table_ptr(pgd))[va >> PGDIR_SHIFT];
}

static uint32_t prot_bits(unsigned prot)
{
	return pte_flags_from_prot(prot);
}

static unsigned bits_prot(uint32_t e)
{
	/* Without NX every present page is executable. */
	return prot_from_pte_flags(e) | HAL_PROT_EXEC;
}

uint32_t hal_table_span(void)
{
	return 1u << PGDIR_SHIFT;
}

uint32_t hal_large_page_size(void)
{
	return hal_cpu_has(HAL_FEAT_PSE) ? 1u << PGDIR_SHIFT : 0;
}

int hal_map_page(paddr_t pgd, vaddr_t va, paddr_t pa, unsigned prot)
{
	uint32_t pde = *pde_of(pgd, va);
	uint32_t *pte;

	if ((va | pa) & ~PAGE_MASK || pa > PTE_FRAME)
		return HAL_EINVAL;
	if (!(pde & PTE_P))
		return HAL_ENOTABLE;
	if (pde & PDE_PS)
		return HAL_EEXIST;
	pte = &((uint32_t *)hal_table_ptr(pde & PTE_FRAME))[(va >> PAGE_SHIFT) % PTRS_PER_TABLE];
	if (*pte & PTE_P)
		return HAL_EEXIST;
	*pte = (uint32_t)pa | prot_bits(prot);
	return HAL_OK;
}

int hal_map_large(paddr_t pgd, vaddr_t va, paddr_t pa, unsigned prot)
{
	uint32_t *pde = pde_of(pgd, va);

	if (!hal_cpu_has(HAL_FEAT_PSE))
		return HAL_ENOTSUPP;
	if ((va | pa) & ~PDE_LARGE_FRAME || pa > PDE_LARGE_FRAME)
		return HAL_EINVAL;
	if (*pde & PTE_P)
		return HAL_EEXIST;
	*pde = (uint32_t)pa | prot_bits(prot) | PDE_PS;
	return HAL_OK;
}

int hal_set_table(paddr_t pgd, vaddr_t va, paddr_t table_pa)
{
	uint32_t *pde = pde_of(pgd, va);

	if (table_pa & ~PAGE_MASK || table_pa > PTE_FRAME)
		return HAL_EINVAL;
	if (*pde & PTE_P)
		return HAL_EEXIST;
	*pde = (uint32_t)table_pa | PDE_TABLE;
	return HAL_OK;
}

bool hal_query_table(paddr_t pgd, vaddr_t va, paddr_t *table_pa)
{
	uint32_t pde = *pde_of(pgd, va);

	if (!(pde & PTE_P) || (pde & PDE_PS))
		return false;
	if (table_pa)
		*table_pa = pde & PTE_FRAME;
	return true;
}

bool hal_clear_table(paddr_t pgd, vaddr_t va, paddr_t *table_pa)
{
	uint32_t *pde = pde_of(pgd, va);

	if (!(*pde & PTE_P) || (*pde & PDE_PS))
		return false;
	if (table_pa)
		*table_pa = *pde & PTE_FRAME;
	*pde = 0;
	return true;
}

bool hal_unmap_page(paddr_t pgd, vaddr_t va)
{
	uint32_t pde = *pde_of(pgd, va);
	uint32_t *pte;

	if (!(pde & PTE_P) || (pde & PDE_PS))
		return false;
	pte = &((uint32_t *)hal_table_ptr(pde & PTE_FRAME))[(va >> PAGE_SHIFT) % PTRS_PER_TABLE];
	if (!(*pte & PTE_P))
		return false;
	*pte = 0;
	return true;
}

bool hal_query_page(paddr_t pgd, vaddr_t va, paddr_t *pa, unsigned *prot)
{
	uint32_t pde = *pde_of(pgd, va);
	uint32_t pte;

	if (!(pde & PTE_P))
		return false;
	if (pde & PDE_PS) {
		if (pa)
			*pa = (pde & PDE_LARGE_FRAME) | (va & ~PDE_LARGE_FRAME);
		if (prot)
			*prot = bits_prot(pde);
		return true;
	}
	pte = ((uint32_t *)hal_table_ptr(pde & PTE_FRAME))[(va >> PAGE_SHIFT) % PTRS_PER_TABLE];
	if (!(pte & PTE_P))
		return false;
	if (pa)
		*pa = (pte & PTE_FRAME) | (va & ~PAGE_MASK);
	if (prot)
		*prot = bits_prot(pte);
	return true;
}

bool hal_query_raw(paddr_t pgd, vaddr_t va, uint64_t *pde, uint64_t *pte)
{
	uint32_t d = *pde_of(pgd, va);

	*pde = d;
	*pte = 0;
	if (!(d & PTE_P) || (d & PDE_PS))
		return false;
	*pte = ((uint32_t *)hal_table_ptr(d & PTE_FRAME))[(va >> PAGE_SHIFT) % PTRS_PER_TABLE];
	return true;
}

void hal_copy_kernel_pgd(paddr_t dst, paddr_t src)
{
	uint32_t *d = hal_table_ptr(dst), *s = hal_table_ptr(src);

	for (unsigned i = KERNEL_PGD_FIRST; i < PTRS_PER_TABLE; i++)
		d[i] = s[i];
}

/* The 2-level format has no PAE switch, in the image and the fake hal alike: HAL_ENOTSUPP. */
int hal_enable_pae_and_switch(paddr_t pgd)
{
	(void)pgd;
	return HAL_ENOTSUPP;
}

/* The kernel half of kernel_pgd, and directory slot 0 = the PAGE_OFFSET slot (low 4 MiB 1:1). */
void hal_make_ap_boot_pgd(paddr_t dst, paddr_t kernel_pgd)
{
	uint32_t *d = hal_table_ptr(dst);
	const uint32_t *s = hal_table_ptr(kernel_pgd);

	for (unsigned i = 0; i < 1024; i++)
		d[i] = i >= (PAGE_OFFSET >> 22) ? s[i] : 0;
	d[0] = s[PAGE_OFFSET >> 22];
}
