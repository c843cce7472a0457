/*
 * Fixmaps and kmap_atomic.  The page tables themselves are the only record
 * of what a fixmap maps (fixmap_query() asks the hal), so the `fixmap`
 * command and the oops can never disagree with the MMU.
 */
#include <string.h>

#include <hal/mmu.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/kernel_pgtable.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/printk.h>
#include <mm/vmalloc.h>

struct fixmap_stats fixmap_cpu_stats[NR_CPUS];

/* The counters of the CPU running the caller. */
static struct fixmap_stats *this_stats(void)
{
	return &fixmap_cpu_stats[hal_smp_processor_id()];
}

void fixmap_stats_total(struct fixmap_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned c = 0; c < NR_CPUS; c++) {
		const struct fixmap_stats *s = &fixmap_cpu_stats[c];

		sum->sets += s->sets;
		sum->clears += s->clears;
		sum->atomic_maps += s->atomic_maps;
		sum->atomic_overwrites += s->atomic_overwrites;
		sum->atomic_unbalanced += s->atomic_unbalanced;
		sum->errors += s->errors;
		for (unsigned t = 0; t < KM_TYPE_NR; t++)
			sum->atomic_depth[t] += s->atomic_depth[t];
	}
}

int fixmap_init(void)
{
	memset(fixmap_cpu_stats, 0, sizeof(fixmap_cpu_stats));
	return kernel_table_check(FIXADDR_START, "the fixmaps") < 0 ? -1 : 0;
}

/* Replace whatever fixmap idx maps by pa with prot and flush that one page; false (reported) on a
 * hal error. */
static bool fixmap_set_pte(unsigned idx, paddr_t pa, unsigned prot, const char *who)
{
	vaddr_t va = __fix_to_virt(idx);
	int err;

	hal_unmap_page(swapper_pg_dir, va);
	err = hal_map_page(swapper_pg_dir, va, pa & ~(paddr_t)(PAGE_SIZE - 1), prot);
	hal_flush_page(va);
	if (err != HAL_OK) {
		char name[48];

		this_stats()->errors++;
		printk("%s: cannot map %s at 0x%08lx to 0x%llx (hal error %d%s)\n", who,
			fixmap_name(idx, name, sizeof(name)), (unsigned long)va, (unsigned long long)pa, err,
			err == HAL_ENOTABLE ? ": no fixmap page table, a paging_init bug" : "");
		return false;
	}
	return true;
}

void __set_fixmap(enum fixed_addresses idx, paddr_t phys, unsigned prot)
{
	if ((unsigned)idx >= __end_of_fixed_addresses) {
		this_stats()->errors++;
		printk("set_fixmap: index %u out of range (%u fixmaps)\n", (unsigned)idx,
			(unsigned)__end_of_fixed_addresses);
		return;
	}
	if (fixmap_set_pte(idx, phys, prot, "set_fixmap"))
		this_stats()->sets++;
}

void clear_fixmap(enum fixed_addresses idx)
{
	vaddr_t va;

	if ((unsigned)idx >= __end_of_fixed_addresses) {
		this_stats()->errors++;
		printk("clear_fixmap: index %u out of range\n", (unsigned)idx);
		return;
	}
	va = __fix_to_virt(idx);
	if (hal_unmap_page(swapper_pg_dir, va)) {
		hal_flush_page(va);
		this_stats()->clears++;
	}
}

bool fixmap_query(unsigned idx, paddr_t *phys)
{
	if (idx >= __end_of_fixed_addresses)
		return false;
	return hal_query_page(swapper_pg_dir, __fix_to_virt(idx), phys, NULL);
}

const char *km_type_name(unsigned type)
{
	static const char *const names[KM_TYPE_NR] = {
		[KM_USER0] = "KM_USER0", [KM_USER1] = "KM_USER1", [KM_PTE0] = "KM_PTE0",
		[KM_IRQ0] = "KM_IRQ0",   [KM_MEMTEST] = "KM_MEMTEST",
	};

	return type < KM_TYPE_NR ? names[type] : "?";
}

const char *fixmap_name(unsigned idx, char *buf, size_t len)
{
	if (idx == FIX_APIC_BASE)
		snprintf(buf, len, "FIX_APIC_BASE");
	else if (idx == FIX_IO_APIC_BASE_0)
		snprintf(buf, len, "FIX_IO_APIC_BASE_0");
	else if (idx > FIX_IO_APIC_BASE_0 && idx <= FIX_IO_APIC_BASE_END)
		snprintf(buf, len, "FIX_IO_APIC_BASE_0+%u", idx - FIX_IO_APIC_BASE_0);
	else if (idx == FIX_EARLYCON_MEM_BASE)
		snprintf(buf, len, "FIX_EARLYCON_MEM_BASE");
	else if (idx >= FIX_KMAP_BEGIN && idx <= FIX_KMAP_END)
		snprintf(buf, len, "FIX_KMAP_BEGIN+%s@cpu%u", km_type_name((idx - FIX_KMAP_BEGIN) % KM_TYPE_NR),
			 (idx - FIX_KMAP_BEGIN) / KM_TYPE_NR);
	else if (idx >= FIX_BTMAP_BEGIN && idx <= FIX_BTMAP_END)
		snprintf(buf, len, "FIX_BTMAP_BEGIN+%u", idx - FIX_BTMAP_BEGIN);
	else
		snprintf(buf, len, "?");
	return buf;
}

vaddr_t kmap_atomic(struct page *page, enum km_type type)
{
	unsigned idx;
	vaddr_t va;
	paddr_t old;

	if ((unsigned)type >= KM_TYPE_NR) {
		this_stats()->errors++;
		printk("kmap_atomic: bad slot type %u\n", (unsigned)type);
		return 0;
	}
	if (!page_is_ram(page_to_pfn(page))) {
		this_stats()->errors++;
		printk("kmap_atomic: pfn 0x%lx is not RAM (a hole or MMIO in the e820 map); refused\n",
		       (unsigned long)page_to_pfn(page));
		return 0;
	}
	idx = KMAP_ATOMIC_IDX(hal_smp_processor_id(), type);
	va = __fix_to_virt(idx);
	/*
	 * One use per slot at a time, counted for low pages too (they take no mapping, but a nested
	 * use of the slot is the same mistake): the check Linux's CONFIG_DEBUG_HIGHMEM makes.
	 */
	if (this_stats()->atomic_depth[type]++ || hal_query_page(swapper_pg_dir, va, &old, NULL)) {
		this_stats()->atomic_overwrites++;
		printk("WARNING: kmap_atomic: slot %s is already in use (%lu uses, kunmap_atomic missing); "
		       "%s\n", km_type_name(type), this_stats()->atomic_depth[type] - 1,
		       page_is_highmem(page) ? "its mapping is replaced" : "low page, nothing remapped");
	}
	if (!page_is_highmem(page))
		return lowmem_page_address(page);
	if (!fixmap_set_pte(idx, (paddr_t)page_to_pfn(page) << PAGE_SHIFT, HAL_PROT_WRITE | HAL_PROT_GLOBAL,
			    "kmap_atomic")) {
		this_stats()->atomic_depth[type]--;
		return 0;
	}
	this_stats()->atomic_maps++;
	return va;
}

/* Drop one use of slot type; warn and count when it had none. */
static void atomic_slot_put(enum km_type type)
{
	if (this_stats()->atomic_depth[type]) {
		this_stats()->atomic_depth[type]--;
		return;
	}
	this_stats()->atomic_unbalanced++;
	printk("WARNING: kunmap_atomic: slot %s is not in use (kunmap_atomic without kmap_atomic)\n",
	       km_type_name(type));
}

void kunmap_atomic(vaddr_t vaddr, enum km_type type)
{
	if (vaddr >= PAGE_OFFSET && vaddr < high_memory) {
		/* a low page: kmap_atomic gave its linear address, and only counted the slot */
		if ((unsigned)type < KM_TYPE_NR)
			atomic_slot_put(type);
		return;
	}
	if ((unsigned)type >= KM_TYPE_NR ||
	    vaddr != __fix_to_virt(KMAP_ATOMIC_IDX(hal_smp_processor_id(), type))) {
		this_stats()->errors++;
		printk("kunmap_atomic: 0x%08lx is not the address of slot %s of CPU %u; ignored\n",
		       (unsigned long)vaddr, km_type_name(type), hal_smp_processor_id());
		return;
	}
	atomic_slot_put(type);
	hal_unmap_page(swapper_pg_dir, vaddr);
	hal_flush_page(vaddr);
}
