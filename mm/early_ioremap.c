/*
 * early_ioremap over the boot-time fixmap slots (mm/early_ioremap.h).  Each
 * mapping records which slots it holds, so an unmap with the wrong address
 * or size is caught, and the teardown can name what was left behind.
 */
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/printk.h>
#include <mm/early_ioremap.h>
#include <mm/fixmap.h>

struct early_ioremap_stats early_ioremap_stats;

struct early_map {
	bool used;
	unsigned first_idx; /* lowest fixmap index held (the highest address) */
	unsigned npages;
	vaddr_t addr;	    /* what early_ioremap returned */
	unsigned long size; /* what the caller asked for */
	paddr_t phys;
};

static struct early_map maps[EARLY_IOREMAP_MAX];
static bool slot_used[NR_FIX_BTMAPS];
static bool after_reset;

void early_ioremap_init(void)
{
	memset(maps, 0, sizeof(maps));
	memset(slot_used, 0, sizeof(slot_used));
	memset(&early_ioremap_stats, 0, sizeof(early_ioremap_stats));
	after_reset = false;
}

bool early_ioremap_active(void)
{
	return !after_reset;
}

unsigned early_ioremap_in_use(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < EARLY_IOREMAP_MAX; i++)
		n += maps[i].used;
	return n;
}

/* The first run of n free slots (as an offset from FIX_BTMAP_BEGIN), or -1. */
static int find_slots(unsigned n)
{
	for (unsigned start = 0; start + n <= NR_FIX_BTMAPS; start++) {
		unsigned k = 0;

		while (k < n && !slot_used[start + k])
			k++;
		if (k == n)
			return (int)start;
		start += k;
	}
	return -1;
}

static vaddr_t __early_ioremap(paddr_t phys, unsigned long size, unsigned prot, const char *who)
{
	uint64_t last = (uint64_t)phys + size - 1;
	paddr_t first_page = phys & ~(paddr_t)(PAGE_SIZE - 1);
	unsigned long npages;
	struct early_map *m = NULL;
	int slot;

	if (after_reset) {
		printk("%s: 0x%llx called after the early phase ended; use ioremap\n", who,
		       (unsigned long long)phys);
		early_ioremap_stats.refused++;
		return 0;
	}
	if (size == 0 || last < phys || last >= hal_phys_limit()) {
		printk("%s: bad range 0x%llx + 0x%lx\n", who, (unsigned long long)phys, size);
		early_ioremap_stats.refused++;
		return 0;
	}
	npages = (unsigned long)((last >> PAGE_SHIFT) - (first_page >> PAGE_SHIFT) + 1);
	if (npages > NR_FIX_BTMAPS) {
		printk("%s: 0x%llx + 0x%lx needs %lu pages, more than the %u boot-time fixmap "
		       "slots\n",
		       who, (unsigned long long)phys, size, npages, (unsigned)NR_FIX_BTMAPS);
		early_ioremap_stats.refused++;
		return 0;
	}
	for (unsigned i = 0; i < EARLY_IOREMAP_MAX && !m; i++)
		if (!maps[i].used)
			m = &maps[i];
	slot = m ? find_slots((unsigned)npages) : -1;
	if (slot < 0) {
		printk("%s: no %lu free boot-time fixmap slot%s for 0x%llx (%u mappings held)\n",
		       who, npages, npages == 1 ? "" : "s", (unsigned long long)phys,
		       early_ioremap_in_use());
		early_ioremap_stats.refused++;
		return 0;
	}
	m->used = true;
	m->first_idx = FIX_BTMAP_BEGIN + (unsigned)slot;
	m->npages = (unsigned)npages;
	m->size = size;
	m->phys = phys;
	/* The highest index of the run is its lowest virtual page: page k sits at index top - k. */
	for (unsigned k = 0; k < npages; k++) {
		slot_used[slot + k] = true;
		__set_fixmap((enum fixed_addresses)(m->first_idx + npages - 1 - k),
			     first_page + (paddr_t)k * PAGE_SIZE, prot);
	}
	m->addr = __fix_to_virt(m->first_idx + npages - 1) + (vaddr_t)(phys - first_page);
	early_ioremap_stats.maps++;
	return m->addr;
}

vaddr_t early_ioremap(paddr_t phys, unsigned long size)
{
	return __early_ioremap(phys, size, HAL_PROT_WRITE | HAL_PROT_NOCACHE | HAL_PROT_GLOBAL,
			       "early_ioremap");
}

vaddr_t early_memremap(paddr_t phys, unsigned long size)
{
	return __early_ioremap(phys, size, HAL_PROT_WRITE | HAL_PROT_GLOBAL, "early_memremap");
}

static void release(struct early_map *m)
{
	for (unsigned k = 0; k < m->npages; k++) {
		clear_fixmap((enum fixed_addresses)(m->first_idx + k));
		slot_used[m->first_idx - FIX_BTMAP_BEGIN + k] = false;
	}
	m->used = false;
}

void early_iounmap(vaddr_t addr, unsigned long size)
{
	for (unsigned i = 0; i < EARLY_IOREMAP_MAX; i++) {
		struct early_map *m = &maps[i];

		if (!m->used || m->addr != addr)
			continue;
		if (m->size != size) {
			printk("early_iounmap: 0x%08lx was mapped with size 0x%lx, not 0x%lx; left "
			       "mapped\n",
			       (unsigned long)addr, m->size, size);
			early_ioremap_stats.refused++;
			return;
		}
		release(m);
		early_ioremap_stats.unmaps++;
		return;
	}
	printk("early_iounmap: 0x%08lx is not an early mapping; ignored\n", (unsigned long)addr);
	early_ioremap_stats.refused++;
}

unsigned early_ioremap_reset(void)
{
	unsigned left = 0;

	for (unsigned i = 0; i < EARLY_IOREMAP_MAX; i++) {
		struct early_map *m = &maps[i];

		if (!m->used)
			continue;
		printk("early_ioremap: phys 0x%llx + 0x%lx still mapped at 0x%08lx when the early "
		       "phase ended; "
		       "unmapped\n",
		       (unsigned long long)m->phys, m->size, (unsigned long)m->addr);
		release(m);
		left++;
	}
	/* Whatever else a slot holds (a direct set_fixmap) goes too: the block is free for good. */
	for (unsigned idx = FIX_BTMAP_BEGIN; idx <= FIX_BTMAP_END; idx++)
		if (fixmap_query(idx, NULL))
			clear_fixmap((enum fixed_addresses)idx);
	early_ioremap_stats.leaked += left;
	after_reset = true;
	return left;
}
