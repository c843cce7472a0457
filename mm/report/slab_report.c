/*
 * /proc/slabinfo ("Understanding the Linux Virtual Memory Manager", §9.1.2, on the format).
 */
#include <stdio.h>

#include <mm/slab.h>

void show_slabinfo(FILE *out)
{
	fprintf(out, "slabinfo - version: 2.1\n");
	fprintf(out, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables "
		     "<limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c))
		fprintf(out, "%-17s %6lu %6lu %6zu %4u %4u : tunables %4u %4u %4u : slabdata %6lu %6lu %6u\n", c->name,
			c->active_objs, c->num_slabs * c->num, c->size, c->num, 1u << c->order, 0u, 0u, 0u,
			c->num_slabs, c->num_slabs, 0u);
}
