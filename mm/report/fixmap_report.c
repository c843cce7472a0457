/*
 * The fixmap table for a person (the `fixmap` command): every slot, its name, its address and what
 * it maps ("Understanding the Linux Virtual Memory Manager", §10.4, on the fixed virtual addresses).
 */
#include <stdio.h>

#include <mm/fixmap.h>
#include <mm/layout.h>

void fixmap_show(FILE *out)
{
	char name[48];

	fprintf(out, "fixmap: 0x%08lx-0x%08lx, %u slots, FIXADDR_TOP 0x%08lx\n", (unsigned long)FIXADDR_START,
		(unsigned long)FIXADDR_END, (unsigned)__end_of_fixed_addresses, (unsigned long)FIXADDR_TOP);
	fprintf(out, "%5s  %-26s %-10s  %s\n", "index", "name", "virtual", "physical");
	for (unsigned idx = 0; idx < __end_of_fixed_addresses; idx++) {
		paddr_t pa;

		fprintf(out, "%5u  %-26s 0x%08lx  ", idx, fixmap_name(idx, name, sizeof(name)),
			(unsigned long)__fix_to_virt(idx));
		if (fixmap_query(idx, &pa))
			fprintf(out, "0x%08llx\n", (unsigned long long)pa);
		else
			fputs("-\n", out);
	}
	fprintf(out, "kmap_atomic: %lu high maps, %lu nested uses of a busy slot, %lu unbalanced kunmaps;"
		" slots in use:", fixmap_stats.atomic_maps, fixmap_stats.atomic_overwrites,
		fixmap_stats.atomic_unbalanced);
	for (unsigned t = 0; t < KM_TYPE_NR; t++)
		fprintf(out, " %s %lu", km_type_name(t), fixmap_stats.atomic_depth[t]);
	fputc('\n', out);
}
