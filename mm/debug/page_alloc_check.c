/*
 * The buddy allocator's own invariant: every block on a free list is a buddy head of that order
 * in its zone, and the lists agree with nr_free and free_pages ("Understanding the Linux Virtual
 * Memory Manager", §7.1 and §7.2).  Pages on the per-CPU hot and cold lists are free too: each is
 * checked (a free order-0 page of that zone, not a buddy head) and counted with the buddy lists.
 * The caller keeps the other CPUs off their lists (parked) or drains them first.
 */
#include <stdio.h>

#include <mm/debug/mmcheck.h>
#include <mm/list.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/pcp.h>

/* Check every CPU's hot and cold lists of zone z; adds the pages listed to *pages. */
static unsigned long check_pcp_lists(FILE *out, int z, unsigned long *pages)
{
	struct zone *zone = &contig_page_data.node_zones[z];
	unsigned long problems = 0;

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		for (int t = 0; t < 2; t++) {
			struct per_cpu_pages *pcp = &zone->pageset[cpu].pcp[t];
			unsigned long n = 0;
			struct list_head *pos;

			if (!pcp->list.next)
				continue;
			list_for_each(pos, &pcp->list) {
				struct page *page = list_entry(pos, struct page, lru);
				pfn_t pfn = page_to_pfn(page);

				if (++n > zone->spanned_pages) {
					fprintf(out, "zone %s cpu %u %s list: loops\n", zone->name, cpu,
						t ? "cold" : "hot");
					problems++;
					break;
				}
				if (PageBuddy(page) || PageReserved(page) || PageSlab(page) || page->_count ||
				    (int)page_zonenum(page) != z) {
					fprintf(out, "zone %s cpu %u %s list: pfn:%#x is not a free page of the zone "
						"(count %d, flags %#x)\n", zone->name, cpu, t ? "cold" : "hot", pfn,
						page->_count, page->flags);
					problems++;
				}
			}
			if (n != pcp->count) {
				fprintf(out, "zone %s cpu %u %s list: %lu pages listed, count says %lu\n",
					zone->name, cpu, t ? "cold" : "hot", n, pcp->count);
				problems++;
			}
			*pages += n;
		}
	}
	return problems;
}

unsigned long check_free_lists(FILE *out)
{
	unsigned long problems = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &contig_page_data.node_zones[z];
		unsigned long pages = 0;

		for (unsigned o = 0; o < MAX_ORDER; o++) {
			struct free_area *area = &zone->free_area[o];
			unsigned long blocks = 0;
			struct list_head *pos;

			if (!area->free_list.next)
				continue;
			list_for_each(pos, &area->free_list) {
				struct page *page = list_entry(pos, struct page, lru);
				pfn_t pfn = page_to_pfn(page);

				blocks++;
				if (!PageBuddy(page) || page->private != o || (int)page_zonenum(page) != z ||
				    (pfn & ((1u << o) - 1)) || pfn < zone->zone_start_pfn ||
				    pfn + (1u << o) > zone_end_pfn(zone) || PageReserved(page)) {
					fprintf(out, "zone %s order %u: bad free block at pfn:%#x\n", zone->name, o, pfn);
					problems++;
				}
			}
			if (blocks != area->nr_free) {
				fprintf(out, "zone %s order %u: %lu blocks listed, nr_free says %lu\n", zone->name, o,
					blocks, area->nr_free);
				problems++;
			}
			pages += blocks << o;
		}
		problems += check_pcp_lists(out, z, &pages);
		if (pages != zone->free_pages) {
			fprintf(out, "zone %s: %lu pages on free and per-CPU lists, free_pages says %lu\n",
				zone->name, pages, zone->free_pages);
			problems++;
		}
	}
	return problems;
}
