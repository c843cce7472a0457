/*
 * The slab allocator's own invariant: every slab on a cache's lists belongs to it, its free list
 * leads only to its own objects, free objects keep their poison, and the counters agree with the
 * lists ("Understanding the Linux Virtual Memory Manager", §8.2).
 */
#include <stdbool.h>
#include <stdio.h>

#include <hal/irq.h>
#include <mm/debug/mmcheck.h>
#include <mm/list.h>
#include <mm/slab.h>

#include "../slab_internal.h"

static unsigned long check_slab_list(struct kmem_cache *c, struct list_head *list, bool full, FILE *out,
				     unsigned long *slabs, unsigned long *inuse)
{
	unsigned long problems = 0;
	struct list_head *pos;

	list_for_each(pos, list) {
		struct page *head = list_entry(pos, struct page, lru);
		unsigned long nfree = 0;
		vaddr_t f;

		(*slabs)++;
		*inuse += head->private;
		if (!PageSlab(head) || head->slab_cache != c || slab_head(c, head) != head) {
			fprintf(out, "slab %s: pfn:%#x on the cache's list is not one of its slabs\n", c->name,
				page_to_pfn(head));
			problems++;
			continue;
		}
		for (f = head->freelist; f && nfree <= c->num; f = get_freeptr(f), nfree++) {
			size_t bad;

			if (!is_object_of(c, head, f)) {
				fprintf(out, "slab %s: free list of pfn:%#x leads to %#x\n", c->name, page_to_pfn(head), f);
				problems++;
				break;
			}
			bad = poison_mismatch(c, f);
			if (bad) {
				fprintf(out, "slab %s: free object %#x written at offset %zu\n", c->name, f, bad);
				problems++;
			}
		}
		if (nfree + head->private != c->num || (full != (head->freelist == 0))) {
			fprintf(out, "slab %s: pfn:%#x has %lu free and %u in use of %u\n", c->name, page_to_pfn(head),
				nfree, head->private, c->num);
			problems++;
		}
	}
	return problems;
}

unsigned long kmem_cache_check(struct kmem_cache *c, FILE *out)
{
	unsigned long problems, slabs = 0, inuse = 0;
	unsigned long irq = hal_irq_save();

	problems = check_slab_list(c, &c->slabs_partial, false, out, &slabs, &inuse);
	problems += check_slab_list(c, &c->slabs_full, true, out, &slabs, &inuse);
	hal_irq_restore(irq);
	if (slabs != c->num_slabs || inuse != c->active_objs) {
		fprintf(out, "slab %s: %lu slabs and %lu objects found, counters say %lu and %lu\n", c->name, slabs,
			inuse, c->num_slabs, c->active_objs);
		problems++;
	}
	return problems;
}
