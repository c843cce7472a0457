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
	struct fixmap_stats st;

	fprintf(out, "fixmap: 0x%08lx-0x%08lx, %u slots, FIXADDR_TOP 0x%08lx\n", (unsigned long)FIXADDR_START,
		(unsigned long)FIXADDR_END, (unsigned)__end_of_fixed_addresses, (unsigned long)FIXADDR_TOP);
	fprintf(out, "%5s  %-30s %-10s  %s\n", "index", "name", "virtual", "physical");
	for (unsigned idx = 0; idx < __end_of_fixed_addresses; idx++) {
		paddr_t pa;

		fprintf(out, "%5u  %-30s 0x%08lx  ", idx, fixmap_name(idx, name, sizeof(name)),
			(unsigned long)__fix_to_virt(idx));
		if (fixmap_query(idx, &pa))
			fprintf(out, "0x%08llx\n", (unsigned long long)pa);
		else
			fputs("-\n", out);
	}
	fixmap_stats_total(&st);
	fprintf(out, "kmap_atomic: %lu high maps, %lu nested uses of a busy slot, %lu unbalanced kunmaps;"
		" slots in use:", st.atomic_maps, st.atomic_overwrites, st.atomic_unbalanced);
	for (unsigned t = 0; t < KM_TYPE_NR; t++)
		fprintf(out, " %s %lu", km_type_name(t), st.atomic_depth[t]);
	fputc('\n', out);
	/* Per CPU, the CPUs that have mapped anything. */
	for (unsigned c = 0; c < NR_CPUS; c++) {
		const struct fixmap_stats *s = &fixmap_cpu_stats[c];

		if (!s->atomic_maps && !s->atomic_overwrites && !s->atomic_unbalanced)
			continue;
		fprintf(out, "kmap_atomic cpu%u: %lu high maps, %lu nested, %lu unbalanced\n", c,
			s->atomic_maps, s->atomic_overwrites, s->atomic_unbalanced);
	}
}
