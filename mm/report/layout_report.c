/*
 * The boot-time view of the kernel address map: the Linux
 * "virtual kernel memory layout" block, and the check of the run-time
 * boundaries against the compile-time ones in mm/layout.h.
 */
#include <stdio.h>

#include <hal/mmu.h>
#include <mm/layout.h>
#include <mm/layout_report.h>
#include <mm/page.h>
#include <mm/paging.h>

static void layout_line(FILE *out, const char *name, vaddr_t start, vaddr_t end, unsigned shift, const char *unit)
{
	fprintf(out, "    %-7s : 0x%08lx - 0x%08lx   (%4lu %s)\n", name, (unsigned long)start, (unsigned long)end,
		(unsigned long)((end - start) >> shift), unit);
}

void show_layout(FILE *out, const struct kernel_sections *ks)
{
	fputs("virtual kernel memory layout:\n", out);
	layout_line(out, "fixmap", FIXADDR_START, FIXADDR_END, 10, "kB");
	layout_line(out, "pkmap", PKMAP_BASE, PKMAP_END, 10, "kB");
	layout_line(out, "vmalloc", VMALLOC_START, VMALLOC_END, 20, "MB");
	layout_line(out, "lowmem", PAGE_OFFSET, high_memory, 20, "MB");
	if (!ks)
		return;
	layout_line(out, "  .init", ks->init_start, ks->init_end, 10, "kB");
	layout_line(out, "  .data", ks->data_start, ks->data_end, 10, "kB");
	layout_line(out, "  .text", ks->text_start, ks->text_end, 10, "kB");
}

/* Count and print one violated expectation. */
static int expect(FILE *out, bool ok, const char *what, vaddr_t a, vaddr_t b)
{
	if (ok)
		return 0;
	fprintf(out, "layout: %s (0x%08lx, 0x%08lx)\n", what, (unsigned long)a, (unsigned long)b);
	return 1;
}

static int check_section(FILE *out, const char *name, vaddr_t start, vaddr_t end)
{
	char what[64];

	snprintf(what, sizeof(what), "section %s must lie in low memory", name);
	return expect(out, start <= end && start >= PAGE_OFFSET && end <= high_memory, what, start, end);
}

int layout_check(FILE *out, const struct kernel_sections *ks)
{
	vaddr_t vstart = VMALLOC_START;
	int bad = 0;

	bad += expect(out, high_memory > PAGE_OFFSET && (high_memory & ~PAGE_MASK) == 0,
		      "high_memory must be a page boundary above PAGE_OFFSET", high_memory, PAGE_OFFSET);
	bad += expect(out, high_memory - PAGE_OFFSET <= MAXMEM, "low memory must not exceed MAXMEM (896 MiB)",
		      high_memory, PAGE_OFFSET + MAXMEM);
	bad += expect(out, high_memory == __va((paddr_t)max_low_pfn << PAGE_SHIFT),
		      "high_memory must be where max_low_pfn ends the linear map", high_memory,
		      __va((paddr_t)max_low_pfn << PAGE_SHIFT));
	bad += expect(out, vstart % VMALLOC_OFFSET == 0 && vstart - high_memory >= VMALLOC_OFFSET &&
				   vstart - high_memory < 2 * VMALLOC_OFFSET,
		      "VMALLOC_START must be the first VMALLOC_OFFSET boundary at least VMALLOC_OFFSET above high_memory",
		      vstart, high_memory);
	bad += expect(out, vstart < VMALLOC_END, "the vmalloc area must not be empty", vstart, VMALLOC_END);
	bad += expect(out, hal_query_table(swapper_pg_dir, PKMAP_BASE, NULL), "PKMAP needs its page table", PKMAP_BASE,
		      PKMAP_END);
	bad += expect(out, hal_query_table(swapper_pg_dir, FIXADDR_START, NULL), "the fixmaps need their page table",
		      FIXADDR_START, FIXADDR_END);
	bad += expect(out, !hal_query_page(swapper_pg_dir, FIXADDR_END, NULL, NULL),
		      "the last page of the address space must stay unmapped", FIXADDR_END, 0);
	if (ks) {
		bad += check_section(out, ".text", ks->text_start, ks->text_end);
		bad += check_section(out, ".data", ks->data_start, ks->data_end);
		bad += check_section(out, ".init", ks->init_start, ks->init_end);
	}
	return bad;
}
