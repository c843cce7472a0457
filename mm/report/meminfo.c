/*
 * /proc/meminfo, /proc/zoneinfo and /proc/buddyinfo, printed the way
 * Linux prints them.
 */
#include <hal/smp.h>
#include <mm/meminfo.h>
#include <mm/mmzone.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/pcp.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

#define K(pages) ((pages) << (PAGE_SHIFT - 10))

void meminfo_line(FILE *out, const char *name, unsigned long kb)
{
	char label[32];

	/* Linux pads "Name:" to 16 columns and the number to 8. */
	snprintf(label, sizeof(label), "%s:", name);
	fprintf(out, "%-16s%8lu kB\n", label, kb);
}

void show_meminfo(FILE *out)
{
	unsigned long free = nr_free_pages(), high_free = nr_free_highpages();

	meminfo_line(out, "MemTotal", K(totalram_pages));
	meminfo_line(out, "MemFree", K(free));
	meminfo_line(out, "HighTotal", K(totalhigh_pages));
	meminfo_line(out, "HighFree", K(high_free));
	meminfo_line(out, "LowTotal", K(totalram_pages - totalhigh_pages));
	meminfo_line(out, "LowFree", K(free - high_free));
	meminfo_line(out, "Slab", K(slab_stats.slab_pages));
	meminfo_line(out, "PageTables", K(nr_pagetable_pages()));
	vmalloc_meminfo(out);
}

void show_zoneinfo(FILE *out)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];

		if (!zone->zone_pgdat)
			continue;
		fprintf(out, "Node %d, zone %8s\n", contig_page_data.node_id, zone->name);
		fprintf(out, "  pages free     %lu\n", zone->free_pages);
		fprintf(out, "        min      %lu\n", zone->watermark[WMARK_MIN]);
		fprintf(out, "        low      %lu\n", zone->watermark[WMARK_LOW]);
		fprintf(out, "        high     %lu\n", zone->watermark[WMARK_HIGH]);
		fprintf(out, "        spanned  %lu\n", zone->spanned_pages);
		fprintf(out, "        present  %lu\n", zone->present_pages);
		fprintf(out, "        managed  %lu\n", zone->managed_pages);
		fprintf(out, "        protection: (");
		for (int j = 0; j < MAX_NR_ZONES; j++)
			fprintf(out, "%s%lu", j ? ", " : "", zone->lowmem_reserve[j]);
		fprintf(out, ")\n");
		fprintf(out, "      nr_free_pages %lu\n", zone->free_pages);
		fprintf(out, "      nr_alloc_fail %lu\n", zone->alloc_fail);
		/* Linux's "pagesets": each online CPU's hot and cold lists, live (not drained), one
		 * line per list so that the per-list high does not read as the zone's watermark. */
		fprintf(out, "  pagesets\n");
		for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
			if (!(hal_cpu_online_mask() & (1u << cpu)))
				continue;
			for (int t = 0; t < 2; t++) {
				const struct per_cpu_pages *pcp = &zone->pageset[cpu].pcp[t];

				fprintf(out, "    cpu: %u %-4s count: %lu high: %lu batch: %lu\n", cpu,
					t ? "cold" : "hot", pcp->count, pcp->high, pcp->batch);
			}
		}
		fprintf(out, "  start_pfn:           %lu\n", (unsigned long)zone->zone_start_pfn);
	}
}

void show_buddyinfo(FILE *out)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];

		if (!populated_zone(zone))
			continue;
		fprintf(out, "Node %d, zone %8s ", contig_page_data.node_id, zone->name);
		for (int o = 0; o < MAX_ORDER; o++)
			fprintf(out, "%6lu ", zone->free_area[o].nr_free);
		fputc('\n', out);
	}
}
