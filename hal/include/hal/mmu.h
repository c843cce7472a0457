/*
 * The MMU boundary between mm/ and the machine.
 *
 * mm/ decides what is mapped where; the hal owns the page-table entry
 * format (2-level 32-bit entries, or with CONFIG_X86_PAE 3-level PAE
 * 64-bit entries: hal/i386/pgtable.c or hal/i386/pgtable_pae.c) and the
 * TLB.  The hal never allocates: when a page table is missing, a map call
 * returns HAL_ENOTABLE and mm/ supplies a zeroed page with hal_set_table().
 *
 * Every call names the page directory it works on by its physical address,
 * so the same calls serve the kernel page directory and, later, one page
 * directory per process.  None of these calls flushes the TLB by itself:
 * the caller decides when with hal_flush_page() or hal_flush_all().
 *
 * Two implementations exist: hal/i386 (real page tables, invlpg, CR3) and
 * tests/fake_hal (a host buffer as physical memory, every mapping and flush
 * recorded) so that mm/ runs unchanged under ASan/UBSan on the host.
 */
#ifndef HAL_MMU_H
#define HAL_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/page.h>

/* Protection bits of one mapping, independent of the entry format. */
#define HAL_PROT_READ 0x00u    /* present and readable: always implied */
#define HAL_PROT_WRITE 0x01u   /* writable */
#define HAL_PROT_USER 0x02u    /* reachable from ring 3 */
#define HAL_PROT_NOCACHE 0x04u /* PCD|PWT: device memory */
#define HAL_PROT_GLOBAL 0x08u  /* survives CR3 reloads where the CPU has PGE */
#define HAL_PROT_EXEC 0x10u    /* executable; without it NX is set where PAE+NX exist */

/*
 * The page directory a pgd argument names.  2-level: one page of 1024
 * entries.  PAE: pgd is the physical address of the page-directory-pointer
 * table (PDPT, 4 entries of 1 GiB each) at the start of a block of
 * 1 << HAL_PGD_ORDER contiguous zeroed pages [PDPT, PD 0, PD 1, PD 2]: the
 * page directories of user space (entries 0-2) are the block's own pages,
 * linked in on first use; entry 3, the kernel's gigabyte (PAGE_OFFSET is
 * exactly 3 GiB), is copied from the kernel directory by
 * hal_copy_kernel_pgd(), so every process shares the kernel's page
 * directory.  The kernel's own directory is one page longer: its entry 3
 * is the page right after the block.  A pgd must lie below 4 GiB (CR3 is
 * 32 bits; the PDPT needs 32-byte alignment, a page gives it).
 */
#ifdef CONFIG_X86_PAE
#define HAL_PGD_ORDER 2u
#define HAL_KERNEL_PGD_PAGES 5u
/*
 * The most physical memory we let PAE entries name: 64 GiB, as Linux's 32-bit PAE kernels (the CPU
 * may allow less: hal_phys_limit()).
 */
#define HAL_PHYS_LIMIT (1ull << 36)
#else
#define HAL_PGD_ORDER 0u
#define HAL_KERNEL_PGD_PAGES 1u
/* Frames a 32-bit entry may name. */
#define HAL_PHYS_LIMIT (1ull << 32)
#endif

/*
 * The first physical address no entry may name on this CPU: HAL_PHYS_LIMIT or less where the CPU's
 * physical address width (MAXPHYADDR) is smaller.
 */
uint64_t hal_phys_limit(void);

/* Results of the map calls. */
#define HAL_OK 0
#define HAL_ENOTABLE (-1)  /* no page table covers this address yet */
#define HAL_EEXIST (-2)    /* already mapped (hal_map_page) or table present */
#define HAL_ENOTSUPP (-3)  /* large pages requested but the CPU lacks PSE */
#define HAL_EINVAL (-4)    /* misaligned address or unrepresentable physical address */

/* Bytes mapped by one page table (4 MiB with 32-bit entries, 2 MiB with PAE). */
uint32_t hal_table_span(void);

/* Bytes of one large page (the same as hal_table_span()), or 0 without PSE. */
uint32_t hal_large_page_size(void);

/*
 * Map the page at va to the frame at pa with prot; HAL_ENOTABLE if va has no page table, HAL_EEXIST
 * if va is mapped.
 */
int hal_map_page(paddr_t pgd, vaddr_t va, paddr_t pa, unsigned prot);

/*
 * Map one large page at va (aligned to hal_large_page_size()) to pa; HAL_ENOTSUPP without PSE,
 * HAL_EEXIST if a table or page is there.
 */
int hal_map_large(paddr_t pgd, vaddr_t va, paddr_t pa, unsigned prot);

/*
 * Install the zeroed page at table_pa as the page table covering va; HAL_EEXIST if one is there
 * already.
 */
int hal_set_table(paddr_t pgd, vaddr_t va, paddr_t table_pa);

/*
 * Report whether va has a page table, and if so where it is (table_pa may be NULL); false for a
 * large page.
 */
bool hal_query_table(paddr_t pgd, vaddr_t va, paddr_t *table_pa);

/*
 * Detach the page table covering va and report its address so mm/ can free it; false if there was
 * none.
 */
bool hal_clear_table(paddr_t pgd, vaddr_t va, paddr_t *table_pa);

/* Remove the mapping of the page at va (no flush); returns false if nothing was mapped. */
bool hal_unmap_page(paddr_t pgd, vaddr_t va);

/*
 * Report whether va is mapped, and if so the physical address and protection of that byte (either
 * pointer may be NULL).
 */
bool hal_query_page(paddr_t pgd, vaddr_t va, paddr_t *pa, unsigned *prot);

/*
 * The raw directory entry and, when it points at a table, the raw table entry for va (for `pt`);
 * true when pte was read.
 */
bool hal_query_raw(paddr_t pgd, vaddr_t va, uint64_t *pde, uint64_t *pte);

/*
 * Copy the kernel part of the directory src (PAGE_OFFSET and up) into dst, sharing its page tables.
 */
void hal_copy_kernel_pgd(paddr_t dst, paddr_t src);

/* Invalidate the TLB entry of one page on this CPU. */
void hal_flush_page(vaddr_t va);

/* Invalidate every non-global TLB entry, and the global ones too, on this CPU. */
void hal_flush_all(void);

/* Load pgd into CR3 (or its equivalent). */
void hal_switch_pgd(paddr_t pgd);

/*
 * Leave the 2-level boot page tables for the PAE directory pgd: with
 * interrupts off, from a page mapped at its physical address in both the
 * old and the new tables, turn paging off, set CR4.PAE, load CR3 and turn
 * paging on again (hal/i386/pae_switch.S says why it has to be done this
 * way).  pgd must map the kernel text with 4 KiB pages.  HAL_ENOTSUPP in a
 * 2-level build or without CPUID's PAE flag; HAL_OK once PAE paging runs.
 */
int hal_enable_pae_and_switch(paddr_t pgd);

/* The physical address of the page directory in use. */
paddr_t hal_current_pgd(void);

/*
 * hal_va_ptr() turns a mapped kernel virtual address into a C pointer and
 * hal_ptr_va() turns it back.  In the image both are casts; on the host
 * they go through the fake hal's recorded mappings into its buffer.
 */
#include <hal/ptr.h>

#endif
