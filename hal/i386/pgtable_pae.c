/*
 * PAE page tables with 64-bit entries (built instead of pgtable.c when
 * CONFIG_X86_PAE is set): a page-directory-pointer table (PDPT) of 4
 * entries, each naming a page directory of 512 entries for one gigabyte;
 * each directory entry is either a page table of 512 4 KiB pages or one
 * 2 MiB page.  Entry bit 63 is NX (execute-disable) where EFER.NXE is on.
 *
 * Facts from the Intel SDM (vol. 3A, chapter 4, "PAE paging") this file
 * relies on:
 *  - CR3 holds the PDPT's physical address, 32-byte aligned, below 4 GiB.
 *  - The four PDPT entries are loaded into internal registers when CR3 is
 *    written (and when PAE paging is turned on), not on each walk: a
 *    change to a PDPT entry of the directory in use takes effect only with
 *    the next CR3 load.
 *  - A PDPT entry has only P, PWT, PCD and the address; its bits 2:1 and
 *    8:5 are reserved and must be 0 (unlike a directory entry, it carries
 *    no R/W or U/S).  Bits above MAXPHYADDR are reserved in every entry, so
 *    a frame at or above hal_phys_limit() is refused with HAL_EINVAL.
 *  - PAE paging maps 2 MiB pages (PS in a directory entry) whatever
 *    CR4.PSE says; we still honour the PSE feature switch (boot option
 *    nopse) so the 4 KiB-only path stays testable.
 *  - Bit 63 (XD/NX) is reserved, and setting it faults, unless
 *    IA32_EFER.NXE is 1; hal/i386/cpu.c sets NXE exactly when CPUID
 *    reports NX, so hal_cpu_has(HAL_FEAT_NX) tells whether we may use it.
 *
 * The pgd block layout is in hal/include/hal/mmu.h: PDPT first, then the
 * page directories of user space, linked in by pd_of() on first use.  Like
 * pgtable.c this file is pure C that reaches tables only through
 * hal_table_ptr(), so the host tests run it behind the fake hal.
 */
#include <stddef.h>

#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/pgtable_access.h>
#include <hal/smpboot.h>

#include "pte_flags.h"

#define PTE_NX (1ull << 63)
#define PTE_FRAME 0x000ffffffffff000ull       /* bits 51:12 */
#define PDE_LARGE_FRAME 0x000fffffffe00000ull /* bits 51:21 */

#define PDPT_SHIFT 30
#define PMD_SHIFT 21
#define PTRS_PER_TABLE 512u
#define LARGE_SIZE (1u << PMD_SHIFT)
#define KERNEL_PDPT_ENTRY (PAGE_OFFSET >> PDPT_SHIFT)

_Static_assert(PAGE_OFFSET == 3u << PDPT_SHIFT, "the kernel must be exactly PDPT entry 3 for hal_copy_kernel_pgd");


static uint64_t *pdpt_of(paddr_t pgd)
{
	return hal_table_ptr(pgd);
}

/*
 * The directory entry of va in pgd.  An empty PDPT entry is linked to the
 * block's own directory page for that gigabyte when create is set (and the
 * PDPT is reloaded if it is the one in use), else NULL is returned.
 */
static uint64_t *pd_entry(paddr_t pgd, vaddr_t va, bool create)
{
	unsigned i = va >> PDPT_SHIFT;
	uint64_t *pdpte = &pdpt_of(pgd)[i];

	if (!(*pdpte & PTE_P)) {
		if (!create)
			return NULL;
		*pdpte = (pgd + (paddr_t)(i + 1) * PAGE_SIZE) | PTE_P;
		if (pgd == hal_current_pgd())
			hal_switch_pgd(pgd);
	}
	return &((uint64_t *)hal_table_ptr(*pdpte & PTE_FRAME))[(va >> PMD_SHIFT) % PTRS_PER_TABLE];
}

/* The directory entry of va, or 0 when its gigabyte has no directory. */
static uint64_t pde_read(paddr_t pgd, vaddr_t va)
{
	uint64_t *pde = pd_entry(pgd, va, false);

	return pde ? *pde : 0;
}

static uint64_t *pte_of(uint64_t pde, vaddr_t va)
{
	return &((uint64_t *)hal_table_ptr(pde & PTE_FRAME))[(va >> PAGE_SHIFT) % PTRS_PER_TABLE];
}

static uint64_t prot_bits(unsigned prot)
{
	uint64_t e = pte_flags_from_prot(prot);

	if (!(prot & HAL_PROT_EXEC) && hal_cpu_has(HAL_FEAT_NX))
		e |= PTE_NX;
	return e;
}

static unsigned bits_prot(uint64_t e)
{
	/* Without NX in the entry every present page is executable. */
	return prot_from_pte_flags((uint32_t)e) | (e & PTE_NX ? 0u : HAL_PROT_EXEC);
}

uint32_t hal_table_span(void)
{
	return LARGE_SIZE;
}

uint32_t hal_large_page_size(void)
{
	return hal_cpu_has(HAL_FEAT_PSE) ? LARGE_SIZE : 0;
}

int hal_map_page(paddr_t pgd, vaddr_t va, paddr_t pa, unsigned prot)
{
	uint64_t pde, *pte;

	if ((va | pa) & (PAGE_SIZE - 1) || pa >= hal_phys_limit())
		return HAL_EINVAL;
	pde = pde_read(pgd, va);
	if (!(pde & PTE_P))
		return HAL_ENOTABLE;
	if (pde & PDE_PS)
		return HAL_EEXIST;
	pte = pte_of(pde, va);
	if (*pte & PTE_P)
		return HAL_EEXIST;
	*pte = pa | prot_bits(prot);
	return HAL_OK;
}

int hal_map_large(paddr_t pgd, vaddr_t va, paddr_t pa, unsigned prot)
{
	uint64_t *pde;

	if (!hal_cpu_has(HAL_FEAT_PSE))
		return HAL_ENOTSUPP;
	if ((va | pa) & (LARGE_SIZE - 1) || pa >= hal_phys_limit())
		return HAL_EINVAL;
	pde = pd_entry(pgd, va, true);
	if (*pde & PTE_P)
		return HAL_EEXIST;
	*pde = pa | prot_bits(prot) | PDE_PS;
	return HAL_OK;
}

int hal_set_table(paddr_t pgd, vaddr_t va, paddr_t table_pa)
{
	uint64_t *pde;

	if (table_pa & (PAGE_SIZE - 1) || table_pa >= hal_phys_limit())
		return HAL_EINVAL;
	pde = pd_entry(pgd, va, true);
	if (*pde & PTE_P)
		return HAL_EEXIST;
	*pde = table_pa | PDE_TABLE;
	return HAL_OK;
}

bool hal_query_table(paddr_t pgd, vaddr_t va, paddr_t *table_pa)
{
	uint64_t pde = pde_read(pgd, va);

	if (!(pde & PTE_P) || (pde & PDE_PS))
		return false;
	if (table_pa)
		*table_pa = pde & PTE_FRAME;
	return true;
}

bool hal_clear_table(paddr_t pgd, vaddr_t va, paddr_t *table_pa)
{
	uint64_t *pde = pd_entry(pgd, va, false);

	if (!pde || !(*pde & PTE_P) || (*pde & PDE_PS))
		return false;
	if (table_pa)
		*table_pa = *pde & PTE_FRAME;
	*pde = 0;
	return true;
}

bool hal_unmap_page(paddr_t pgd, vaddr_t va)
{
	uint64_t pde = pde_read(pgd, va), *pte;

	if (!(pde & PTE_P) || (pde & PDE_PS))
		return false;
	pte = pte_of(pde, va);
	if (!(*pte & PTE_P))
		return false;
	*pte = 0;
	return true;
}

bool hal_query_page(paddr_t pgd, vaddr_t va, paddr_t *pa, unsigned *prot)
{
	uint64_t pde = pde_read(pgd, va), pte;

	if (!(pde & PTE_P))
		return false;
	if (pde & PDE_PS) {
		if (pa)
			*pa = (pde & PDE_LARGE_FRAME) | (va & (LARGE_SIZE - 1));
		if (prot)
			*prot = bits_prot(pde);
		return true;
	}
	pte = *pte_of(pde, va);
	if (!(pte & PTE_P))
		return false;
	if (pa)
		*pa = (pte & PTE_FRAME) | (va & (PAGE_SIZE - 1));
	if (prot)
		*prot = bits_prot(pte);
	return true;
}

bool hal_query_raw(paddr_t pgd, vaddr_t va, uint64_t *pde, uint64_t *pte)
{
	uint64_t d = pde_read(pgd, va);

	*pde = d;
	*pte = 0;
	if (!(d & PTE_P) || (d & PDE_PS))
		return false;
	*pte = *pte_of(d, va);
	return true;
}

/*
 * With the 3G/1G split the kernel's gigabyte is exactly PDPT entry 3, so a
 * process directory shares the kernel's whole page directory (and through
 * it every kernel page table) by copying that one entry.  Its own user
 * directories (entries 0-2) are linked to the block's pages here, so that
 * the four PDPT entries are final before the PDPT is ever loaded.
 */
void hal_copy_kernel_pgd(paddr_t dst, paddr_t src)
{
	uint64_t *d = pdpt_of(dst), *s = pdpt_of(src);

	for (unsigned i = 0; i < KERNEL_PDPT_ENTRY; i++)
		if (!(d[i] & PTE_P))
			d[i] = (dst + (paddr_t)(i + 1) * PAGE_SIZE) | PTE_P;
	d[KERNEL_PDPT_ENTRY] = s[KERNEL_PDPT_ENTRY];
}

/*
 * PDPT entry 3 (the kernel directory) as it is, and entry 0 a directory of its own in the next
 * page whose first entry is one executable 2 MiB page at 0: the linear map's entries for low
 * memory carry NX, so they cannot serve as the trampoline's alias.
 */
void hal_make_ap_boot_pgd(paddr_t dst, paddr_t kernel_pgd)
{
	uint64_t *d = pdpt_of(dst), *s = pdpt_of(kernel_pgd);
	uint64_t *pd = hal_table_ptr(dst + PAGE_SIZE);

	for (unsigned i = 0; i < PTRS_PER_TABLE; i++)
		pd[i] = 0;
	pd[0] = PTE_P | PTE_RW | PDE_PS;
	d[0] = (dst + PAGE_SIZE) | PTE_P;
	d[1] = 0;
	d[2] = 0;
	d[3] = s[KERNEL_PDPT_ENTRY];
}
