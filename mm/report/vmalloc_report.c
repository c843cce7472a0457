/*
 * The vmalloc reports: /proc/vmallocinfo, the Vmalloc lines of /proc/meminfo and the vmstat-style
 * counters.
 */
#include <stdio.h>

#include <mm/layout.h>
#include <mm/meminfo.h>
#include <mm/region.h>
#include <mm/vmalloc.h>

#include "../vmalloc_internal.h"

void vmalloc_vmstat_show(FILE *out)
{
	fprintf(out, "vmalloc_areas %lu\n", vmalloc_stats.areas);
	fprintf(out, "vmalloc_flush_pages %lu\n", vmalloc_stats.flush_pages);
	fprintf(out, "vmalloc_flush_alls %lu\n", vmalloc_stats.flush_alls);
	fprintf(out, "vmalloc_flush_ipis %lu\n", vmalloc_stats.flush_ipis);
	fprintf(out, "vmalloc_lazy_frees %lu\n", vmalloc_stats.lazy_frees);
	fprintf(out, "vmalloc_lazy_purges %lu\n", vmalloc_stats.lazy_purges);
	fprintf(out, "vmalloc_lazy_reuse_flushes %lu\n", vmalloc_stats.lazy_reuse_flushes);
	fprintf(out, "vmalloc_lazy_pending_pages %lu\n", vmalloc_stats.lazy_pending_pages);
	fprintf(out, "vmalloc_lazy_max_pages %lu\n", vmalloc_lazy_max_pages);
	fprintf(out, "vmalloc_search %s\n", vmalloc_linear_search ? "linear" : "indexed");
}

void vmallocinfo_show(FILE *out)
{
	unsigned long irq = read_lock_irqsave(&vmlist_lock);
	char caller[96];

	for (struct vm_struct *v = vmlist; v; v = v->next) {
		fprintf(out, "0x%08lx-0x%08lx %7ld", (unsigned long)v->addr, (unsigned long)(v->addr + v->size),
			(long)v->size);
		if (v->caller)
			fprintf(out, " %s", mm_caller_name(v->caller, caller, sizeof(caller)));
		if (v->nr_pages)
			fprintf(out, " pages=%u", v->nr_pages);
		if (v->flags & VM_IOREMAP)
			fprintf(out, " phys=0x%08llx", (unsigned long long)v->phys_addr);
		if (v->flags & VM_IOREMAP)
			fputs(" ioremap", out);
		if (v->flags & VM_ALLOC)
			fputs(" vmalloc", out);
		if (v->flags & VM_MAP)
			fputs(" vmap", out);
		fputc('\n', out);
	}
	read_unlock_irqrestore(&vmlist_lock, irq);
}

void vmalloc_meminfo(FILE *out)
{
	unsigned long used, chunk;

	vmalloc_usage(&used, &chunk, NULL);
	meminfo_line(out, "VmallocTotal", (unsigned long)(VMALLOC_END - VMALLOC_START) >> 10);
	meminfo_line(out, "VmallocUsed", used >> 10);
	meminfo_line(out, "VmallocChunk", chunk >> 10);
}
