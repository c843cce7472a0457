/*
 * Per-CPU hot and cold lists of order-0 pages (see mm/pcp.h).  A list belongs to one CPU, which
 * touches it only with interrupts off; zone->lock is taken only to move a batch between the list
 * and the buddy lists.
 */
#include <hal/irq.h>
#include <hal/smp.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/pcp.h>
#include <mm/spinlock.h>

#include "page_alloc_internal.h"

void (*drain_all_pages_hook)(void);

void zone_pcp_init(struct zone *zone)
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		for (int t = 0; t < 2; t++) {
			struct per_cpu_pages *pcp = &zone->pageset[cpu].pcp[t];

			pcp->count = pcp->high = pcp->batch = 0;
			pcp->refills = pcp->drains = 0;
			INIT_LIST_HEAD(&pcp->list);
		}
	}
}

/* The index of the highest bit set in x, counting from 1 (0 for 0). */
static unsigned fls_ul(unsigned long x)
{
	unsigned n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

unsigned long zone_pcp_batchsize(unsigned long managed)
{
	/* A batch of about a thousandth of the zone, at most 512 KiB, a quarter of that taken at a
	 * time, rounded down to 2^n - 1 pages so that batches of CPUs that share a cache do not land
	 * on the same cache colours. */
	unsigned long batch = managed / 1024;

	if (batch * PAGE_SIZE > 512ul * 1024)
		batch = 512ul * 1024 / PAGE_SIZE;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	return (1ul << (fls_ul(batch + batch / 2) - 1)) - 1;
}

void zone_pcp_setup(struct zone *zone)
{
	unsigned long batch = zone_pcp_batchsize(zone->managed_pages);

	/* Hot: up to six batches kept; cold: two, moved half a batch at a time (each batch at
	 * least one page, so a zone with batch 0 passes every page straight through). */
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		struct per_cpu_pages *hot = &zone->pageset[cpu].pcp[0];
		struct per_cpu_pages *cold = &zone->pageset[cpu].pcp[1];

		hot->high = 6 * batch;
		hot->batch = batch ? batch : 1;
		cold->high = 2 * batch;
		cold->batch = batch / 2 ? batch / 2 : 1;
	}
}

/* Move up to n pages from the tail (the oldest) of pcp to zone's buddy lists. */
static void free_pages_bulk(struct zone *zone, struct per_cpu_pages *pcp, unsigned long n)
{
	unsigned long irq;

	if (!pcp->count || !n)
		return;
	irq = spin_lock_irqsave(&zone->lock);
	while (n-- && pcp->count) {
		struct page *page = list_entry(pcp->list.prev, struct page, lru);

		list_del(&page->lru);
		pcp->count--;
		__free_one_page((pfn_t)(page - mem_map), zone, 0);
	}
	pcp->drains++;
	spin_unlock_irqrestore(&zone->lock, irq);
}

/* Move up to batch order-0 pages from zone's buddy lists to the tail of pcp; returns how many. */
static unsigned long rmqueue_bulk(struct zone *zone, struct per_cpu_pages *pcp)
{
	unsigned long irq = spin_lock_irqsave(&zone->lock), got = 0;

	while (got < pcp->batch) {
		struct page *page = __rmqueue(zone, 0);

		if (!page)
			break;
		list_add_tail(&page->lru, &pcp->list);
		got++;
	}
	pcp->count += got;
	if (got)
		pcp->refills++;
	spin_unlock_irqrestore(&zone->lock, irq);
	return got;
}

struct page *pcp_alloc(struct zone *zone, bool cold)
{
	unsigned long irq = hal_irq_save();
	struct per_cpu_pages *pcp = &zone->pageset[hal_smp_processor_id()].pcp[cold ? 1 : 0];
	struct page *page = NULL;

	if (pcp->batch && (pcp->count || rmqueue_bulk(zone, pcp))) {
		page = list_first_entry(&pcp->list, struct page, lru);
		list_del(&page->lru);
		pcp->count--;
	}
	hal_irq_restore(irq);
	return page;
}

bool pcp_free(struct page *page, bool cold)
{
	struct zone *zone = page_zone(page);
	unsigned long irq = hal_irq_save();
	struct per_cpu_pages *pcp = &zone->pageset[hal_smp_processor_id()].pcp[cold ? 1 : 0];

	if (!pcp->batch) {
		hal_irq_restore(irq);
		return false;
	}
	list_add(&page->lru, &pcp->list);
	pcp->count++;
	if (pcp->count >= pcp->high)
		free_pages_bulk(zone, pcp, pcp->batch);
	hal_irq_restore(irq);
	return true;
}

void drain_cpu_pages(unsigned cpu)
{
	if (cpu >= NR_CPUS)
		return;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &contig_page_data.node_zones[z];

		for (int t = 0; t < 2; t++) {
			struct per_cpu_pages *pcp = &zone->pageset[cpu].pcp[t];

			free_pages_bulk(zone, pcp, pcp->count);
		}
	}
}

void drain_local_pages(void)
{
	unsigned long irq = hal_irq_save();

	drain_cpu_pages(hal_smp_processor_id());
	hal_irq_restore(irq);
}

void drain_all_pages(void)
{
	if (drain_all_pages_hook) {
		drain_all_pages_hook();
		return;
	}
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		drain_cpu_pages(cpu);
}

unsigned long zone_pcp_count(const struct zone *zone)
{
	unsigned long n = 0;

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		n += zone->pageset[cpu].pcp[0].count + zone->pageset[cpu].pcp[1].count;
	return n;
}
