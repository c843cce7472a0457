/*
 * Shell commands for the kernel virtual areas: the reports (layout,
 * vmallocinfo, fixmap, pkmap, pt) and the experiments (vmalloc, vfree,
 * ioremap, iounmap, kmap, kunmap).  The work and the formats live in mm/,
 * where the host tests check them; this file parses arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/mmu.h>
#include <json.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/io.h>
#include <mm/layout.h>
#include <mm/layout_report.h>
#include <mm/page.h>
#include <mm/debug/ptdump.h>
#include <mm/region.h>
#include <mm/spinlock.h>
#include <mm/vmalloc.h>
#include <pt_json.h>
#include <shell.h>

/* A virtual address argument (hex, 0x optional) into *va; 0, or the usage error's status. */
static int arg_va(const struct shell_call *call, const char *s, uint32_t *va)
{
	uint64_t v;

	if (shell_arg_addr(call, s, "ADDR", UINT32_MAX, &v))
		return SHELL_STATUS_USAGE;
	*va = (uint32_t)v;
	return 0;
}

/* Violation messages of a -j report, kept out of its one line and listed in it instead. */
static char messages[2048];

/* A FILE that collects messages[] (NULL if none could be opened: the messages are then lost). */
static FILE *messages_open(void)
{
	memset(messages, 0, sizeof(messages));
	return fmemopen(messages, sizeof(messages) - 1, "w");
}

static void range(struct json_writer *w, const char *name, vaddr_t start, vaddr_t end)
{
	json_array(w, name);
	json_uint(w, NULL, start);
	json_uint(w, NULL, end);
	json_end(w);
}

/* show_layout()'s ranges as [start, end] and layout_check()'s verdict and messages. */
static int layout_json(const struct kernel_sections *ks)
{
	struct json_writer w;
	FILE *f = messages_open();
	int bad = layout_check(f, ks);

	if (f)
		fclose(f);
	json_begin(&w, stdout);
	range(&w, "fixmap", FIXADDR_START, FIXADDR_END);
	range(&w, "pkmap", PKMAP_BASE, PKMAP_END);
	range(&w, "vmalloc", VMALLOC_START, VMALLOC_END);
	range(&w, "lowmem", PAGE_OFFSET, high_memory);
	range(&w, ".init", ks->init_start, ks->init_end);
	range(&w, ".data", ks->data_start, ks->data_end);
	range(&w, ".text", ks->text_start, ks->text_end);
	json_string(&w, "check", bad ? "FAILED" : "ok");
	json_uint(&w, "violations", (unsigned)bad);
	json_lines(&w, "messages", messages);
	json_finish(&w);
	return bad != 0;
}

static int cmd_layout(const struct shell_call *call, int argc, char **argv)
{
	struct kernel_sections ks;
	bool json;
	int bad;

	if ((bad = shell_json_flag(call, argc, argv, &json)))
		return bad;
	firmware_kernel_sections(&ks);
	if (json)
		return layout_json(&ks);
	show_layout(stdout, &ks);
	bad = layout_check(stdout, &ks);
	printf("layout check: %s\n", bad ? "FAILED" : "ok");
	return bad != 0;
}
SHELL_CMD(layout, "layout", "[-j]", 0, 1, "print the virtual kernel memory layout and check it (-j: JSON)", cmd_layout);

/* /proc/vmallocinfo's fields of every area, in address order. */
static void vmallocinfo_json(struct json_writer *w)
{
	unsigned long irq = read_lock_irqsave(&vmlist_lock);
	char caller[96];

	json_array(w, "areas");
	for (struct vm_struct *v = vmlist; v; v = v->next) {
		json_object(w, NULL);
		json_uint(w, "start", v->addr);
		json_uint(w, "end", v->addr + v->size);
		json_uint(w, "size", v->size);
		json_string(w, "caller", v->caller ? mm_caller_name(v->caller, caller, sizeof(caller)) : NULL);
		if (v->nr_pages)
			json_uint(w, "pages", v->nr_pages);
		else
			json_null(w, "pages");
		if (v->flags & VM_IOREMAP)
			json_uint(w, "phys", v->phys_addr);
		else
			json_null(w, "phys");
		/* The kinds in the order the human line prints them; "kind" is its last word. */
		json_array(w, "flags");
		if (v->flags & VM_IOREMAP)
			json_string(w, NULL, "ioremap");
		if (v->flags & VM_ALLOC)
			json_string(w, NULL, "vmalloc");
		if (v->flags & VM_MAP)
			json_string(w, NULL, "vmap");
		json_end(w);
		json_string(w, "kind", v->flags & VM_MAP ? "vmap" : v->flags & VM_ALLOC ? "vmalloc"
					: v->flags & VM_IOREMAP ? "ioremap" : NULL);
		json_end(w);
	}
	json_end(w);
	read_unlock_irqrestore(&vmlist_lock, irq);
}

static int cmd_vmallocinfo(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, vmallocinfo_show, vmallocinfo_json);
}
SHELL_CMD(vmallocinfo, "vmallocinfo", "[-j]", 0, 1, "list the vmalloc areas as /proc/vmallocinfo does (-j: JSON)",
	  cmd_vmallocinfo);

/* fixmap_show()'s header, slots and kmap_atomic counters. */
static void fixmap_json(struct json_writer *w)
{
	struct fixmap_stats sum;
	char name[48];

	json_uint(w, "start", FIXADDR_START);
	json_uint(w, "end", FIXADDR_END);
	json_uint(w, "slots", (unsigned)__end_of_fixed_addresses);
	json_uint(w, "top", FIXADDR_TOP);
	json_array(w, "entries");
	for (unsigned idx = 0; idx < __end_of_fixed_addresses; idx++) {
		paddr_t pa;

		json_object(w, NULL);
		json_uint(w, "index", idx);
		json_string(w, "name", fixmap_name(idx, name, sizeof(name)));
		json_uint(w, "virt", __fix_to_virt(idx));
		if (fixmap_query(idx, &pa))
			json_uint(w, "phys", pa);
		else
			json_null(w, "phys");
		json_end(w);
	}
	json_end(w);
	fixmap_stats_total(&sum);
	json_object(w, "kmap_atomic");
	json_uint(w, "high_maps", sum.atomic_maps);
	json_uint(w, "nested", sum.atomic_overwrites);
	json_uint(w, "unbalanced", sum.atomic_unbalanced);
	json_object(w, "in_use");
	for (unsigned t = 0; t < KM_TYPE_NR; t++)
		json_uint(w, km_type_name(t), sum.atomic_depth[t]);
	json_end(w);
	json_end(w);
}

static int cmd_fixmap(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, fixmap_show, fixmap_json);
}
SHELL_CMD(fixmap, "fixmap", "[-j]", 0, 1,
	  "list the fixmap slots: index, name, virtual and physical address (-j: JSON)", cmd_fixmap);

/* pkmap_show()'s counts, counters and every slot with a non-zero count. */
static void pkmap_json(struct json_writer *w)
{
	unsigned long irq = spin_lock_irqsave(&kmap_lock);
	unsigned in_use = 0, pending = 0;

	for (unsigned i = 0; i < LAST_PKMAP; i++) {
		in_use += pkmap_count[i] > 1;
		pending += pkmap_count[i] == 1;
	}
	json_uint(w, "start", PKMAP_BASE);
	json_uint(w, "end", PKMAP_END);
	json_uint(w, "slots", LAST_PKMAP);
	json_uint(w, "in_use", in_use);
	json_uint(w, "pending", pending);
	json_uint(w, "free", LAST_PKMAP - in_use - pending);
	json_uint(w, "last_pkmap_nr", last_pkmap_nr);
	json_uint(w, "fresh", pkmap_stats.fresh_maps);
	json_uint(w, "reused", pkmap_stats.reuses);
	json_uint(w, "wraps", pkmap_stats.wraps);
	json_uint(w, "flushes", pkmap_stats.flushes);
	json_uint(w, "slots_freed", pkmap_stats.slots_freed);
	json_uint(w, "out_of_slots", pkmap_stats.exhausted);
	json_uint(w, "bad_kunmaps", pkmap_stats.bad_kunmaps);
	json_array(w, "used");
	for (unsigned i = 0; i < LAST_PKMAP; i++) {
		struct page *page;

		if (pkmap_count[i] == 0)
			continue;
		page = pkmap_page(i);
		json_object(w, NULL);
		json_uint(w, "slot", i);
		json_uint(w, "virt", PKMAP_ADDR(i));
		json_int(w, "count", pkmap_count[i]);
		json_string(w, "state", pkmap_count[i] > 1 ? "in use" : "unused, flush pending");
		json_uint(w, "pfn", page ? (unsigned long)page_to_pfn(page) : 0ul);
		json_end(w);
	}
	json_end(w);
	spin_unlock_irqrestore(&kmap_lock, irq);
}

static int cmd_pkmap(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, pkmap_show, pkmap_json);
}
SHELL_CMD(pkmap, "pkmap", "[-j]", 0, 1, "show the PKMAP slots in use, their counts and the flushes so far (-j: JSON)",
	  cmd_pkmap);

static int cmd_pt(const struct shell_call *call, int argc, char **argv)
{
	uint32_t va;
	bool json;
	int bad;

	/* "-j" may follow ADDR: the flag check sees the words after it. */
	if ((bad = shell_json_flag(call, argc - 1, argv + 1, &json)))
		return bad;
	if (arg_va(call, argv[1], &va))
		return SHELL_STATUS_USAGE;
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		pt_json(&w, hal_current_pgd(), va);
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	pt_show(stdout, hal_current_pgd(), va);
	return 0;
}
SHELL_CMD(pt, "pt", "ADDR [-j]", 1, 2,
	  "decode the page-directory and page-table entries of ADDR and name its region", cmd_pt);

static int cmd_vmalloc(const struct shell_call *call, int argc, char **argv)
{
	uint64_t size;
	vaddr_t va, guard;
	bool json;
	int bad;

	/* "-j" may follow SIZE: the flag check sees the words after it. */
	if ((bad = shell_json_flag(call, argc - 1, argv + 1, &json)))
		return bad;
	if (shell_arg_count(call, argv[1], "SIZE", UINT32_MAX, &size))
		return SHELL_STATUS_USAGE;
	va = vmalloc((unsigned long)size);
	if (!va)
		return 1;
	guard = va + find_vm_area(va)->size - PAGE_SIZE;
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		json_uint(&w, "addr", va);
		json_uint(&w, "size", PAGE_ALIGN_UP((vaddr_t)size));
		json_uint(&w, "guard", guard);
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	printf("vmalloc: 0x%08lx, %lu bytes, guard page at 0x%08lx\n", (unsigned long)va,
	       (unsigned long)PAGE_ALIGN_UP((vaddr_t)size), (unsigned long)guard);
	return 0;
}
SHELL_CMD(vmalloc, "vmalloc", "SIZE [-j]", 1, 2,
	  "vmalloc SIZE bytes; print address, size in pages, guard page (-j: JSON addr, size, "
	  "guard)",
	  cmd_vmalloc);

static int cmd_vfree(const struct shell_call *call, int argc, char **argv)
{
	uint32_t va;
	unsigned long bad = vmalloc_stats.bad_frees;

	if (arg_va(call, argv[1], &va))
		return SHELL_STATUS_USAGE;
	if (!va) {
		printf("vfree: 0 is no vmalloc area; nothing freed ('vmallocinfo' lists the areas)\n");
		return 1;
	}
	vfree(va);
	return vmalloc_stats.bad_frees != bad;
}
SHELL_CMD(vfree, "vfree", "ADDR", 1, 1, "free the vmalloc area starting at ADDR", cmd_vfree);

static int cmd_ioremap(const struct shell_call *call, int argc, char **argv)
{
	uint64_t phys, size;
	vaddr_t va;
	bool json;
	int bad;

	/* "-j" may follow SIZE: the flag check sees the words after it. */
	if ((bad = shell_json_flag(call, argc - 2, argv + 2, &json)))
		return bad;
	if (shell_arg_addr(call, argv[1], "PHYS", UINT64_MAX, &phys) ||
	    shell_arg_count(call, argv[2], "SIZE", UINT32_MAX, &size))
		return SHELL_STATUS_USAGE;
	va = ioremap(phys, (unsigned long)size);
	if (!va)
		return 1;
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		json_uint(&w, "phys", phys);
		json_uint(&w, "size", size);
		json_uint(&w, "addr", va);
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	printf("ioremap: phys 0x%08llx at 0x%08lx\n", (unsigned long long)phys, (unsigned long)va);
	return 0;
}
SHELL_CMD(ioremap, "ioremap", "PHYS SIZE [-j]", 2, 3,
	  "map SIZE bytes at PHYS uncached; print the address (-j: JSON phys, size, addr)",
	  cmd_ioremap);

static int cmd_iounmap(const struct shell_call *call, int argc, char **argv)
{
	uint32_t va;
	unsigned long bad = vmalloc_stats.bad_frees;

	if (arg_va(call, argv[1], &va))
		return SHELL_STATUS_USAGE;
	if (!va) {
		printf("iounmap: 0 is no ioremap area; nothing unmapped ('vmallocinfo' lists the areas)\n");
		return 1;
	}
	iounmap(va);
	return vmalloc_stats.bad_frees != bad;
}
SHELL_CMD(iounmap, "iounmap", "ADDR", 1, 1, "undo an ioremap", cmd_iounmap);

/*
 * The struct page of the frame named by argv[1] (hex, 0x optional), or NULL after saying why with
 * the status to return in *status.
 */
static struct page *arg_page(const struct shell_call *call, char **argv, int *status)
{
	uint32_t pfn;

	if ((*status = shell_arg_pfn(call, argv[1], "PFN", &pfn)))
		return NULL;
	if (!pfn_valid(pfn)) {
		printf("%s: no frame 0x%lx (max_pfn 0x%lx)\n", argv[0], (unsigned long)pfn, (unsigned long)max_pfn);
		*status = SHELL_STATUS_FAIL;
		return NULL;
	}
	return pfn_to_page(pfn);
}

static int cmd_kmap(const struct shell_call *call, int argc, char **argv)
{
	struct page *page;
	vaddr_t va;
	char region[160];
	bool json;
	int status;

	/* "-j" may follow PFN: the flag check sees the words after it. */
	if ((status = shell_json_flag(call, argc - 1, argv + 1, &json)))
		return status;
	if (!(page = arg_page(call, argv, &status)))
		return status;
	va = kmap(page);
	if (!va)
		return 1;
	mm_region_name(va, region, sizeof(region));
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		json_uint(&w, "pfn", page_to_pfn(page));
		json_uint(&w, "addr", va);
		json_string(&w, "region", region);
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	printf("kmap: pfn 0x%lx at 0x%08lx: %s\n", (unsigned long)page_to_pfn(page), (unsigned long)va,
	       region);
	return 0;
}
SHELL_CMD(kmap, "kmap", "PFN [-j]", 1, 2,
	  "kmap frame PFN (a low one: its linear address) (-j: JSON pfn, addr, region)", cmd_kmap);

static int cmd_kunmap(const struct shell_call *call, int argc, char **argv)
{
	struct page *page;
	int status;

	if (!(page = arg_page(call, argv, &status)))
		return status;
	if (!PageHighMem(page)) {
		printf("kunmap: pfn 0x%lx is low memory, always mapped at 0x%08lx: there is no kmap to drop\n",
		       (unsigned long)page_to_pfn(page), (unsigned long)lowmem_page_address(page));
		return 1;
	}
	if (kunmap(page) == 0)
		return 0;
	printf("kunmap: pfn 0x%lx is not kmapped (virtual 0x%08lx); ignored\n", (unsigned long)page_to_pfn(page),
	       (unsigned long)page->virtual);
	return 1;
}
SHELL_CMD(kunmap, "kunmap", "PFN", 1, 1, "drop one kmap of frame PFN", cmd_kunmap);
