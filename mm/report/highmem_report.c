/*
 * The PKMAP window for a person (the `pkmap` command): the slot counts, the counters and every slot
 * that still maps a page ("Understanding the Linux Virtual Memory Manager", §10.1).
 */
#include <stdio.h>

#include <mm/highmem.h>
#include <mm/spinlock.h>
#include <mm/layout.h>
#include <mm/page.h>

void pkmap_show(FILE *out)
{
	unsigned long irq = spin_lock_irqsave(&kmap_lock);
	unsigned in_use = 0, pending = 0;

	for (unsigned i = 0; i < LAST_PKMAP; i++) {
		in_use += pkmap_count[i] > 1;
		pending += pkmap_count[i] == 1;
	}
	fprintf(out, "pkmap: 0x%08lx-0x%08lx, %u slots: %u in use, %u unused awaiting flush, %u free\n",
		(unsigned long)PKMAP_BASE, (unsigned long)PKMAP_END, LAST_PKMAP, in_use, pending,
		LAST_PKMAP - in_use - pending);
	fprintf(out, "last_pkmap_nr %u; kmaps: %lu fresh, %lu reused; wraps %lu, global flushes %lu, slots freed %lu\n",
		last_pkmap_nr, pkmap_stats.fresh_maps, pkmap_stats.reuses, pkmap_stats.wraps, pkmap_stats.flushes,
		pkmap_stats.slots_freed);
	fprintf(out, "errors: %lu out of slots, %lu bad kunmap\n", pkmap_stats.exhausted, pkmap_stats.bad_kunmaps);
	fprintf(out, "shootdown: %lu IPIs sent by the global flushes (flushes x (online CPUs - 1))\n",
		pkmap_stats.flush_ipis);
	fprintf(out, "contention: %lu kmaps waited for another CPU to free a slot, %lu refused in "
		"interrupt context\n", pkmap_stats.waits, pkmap_stats.irq_refused);
	for (unsigned i = 0; i < LAST_PKMAP; i++) {
		struct page *page;

		if (pkmap_count[i] == 0)
			continue;
		page = pkmap_page(i);
		fprintf(out, "  slot %4u 0x%08lx count %d (%s) pfn 0x%05lx\n", i, (unsigned long)PKMAP_ADDR(i),
			pkmap_count[i], pkmap_count[i] > 1 ? "in use" : "unused, flush pending",
			page ? (unsigned long)page_to_pfn(page) : 0ul);
	}
	spin_unlock_irqrestore(&kmap_lock, irq);
}
