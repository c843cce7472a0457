/*
 * Shell commands for the kernel virtual areas: the reports (layout,
 * vmallocinfo, fixmap, pkmap, pt) and the experiments (vmalloc, vfree,
 * ioremap, iounmap, kmap, kunmap).  The work and the formats live in mm/,
 * where the host tests check them; this file parses arguments.
 */
#include <stdint.h>
#include <stdio.h>

#include <firmware.h>
#include <hal/mmu.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/io.h>
#include <mm/layout.h>
#include <mm/layout_report.h>
#include <mm/page.h>
#include <mm/debug/ptdump.h>
#include <mm/region.h>
#include <mm/vmalloc.h>
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

static int cmd_layout(const struct shell_call *call, int argc, char **argv)
{
	struct kernel_sections ks;
	int bad;

	firmware_kernel_sections(&ks);
	show_layout(stdout, &ks);
	bad = layout_check(stdout, &ks);
	printf("layout check: %s\n", bad ? "FAILED" : "ok");
	return bad != 0;
}
SHELL_CMD(layout, "layout", "", 0, 0, "print the virtual kernel memory layout and check it", cmd_layout);

static int cmd_vmallocinfo(const struct shell_call *call, int argc, char **argv)
{
	vmallocinfo_show(stdout);
	return 0;
}
SHELL_CMD(vmallocinfo, "vmallocinfo", "", 0, 0, "list the vmalloc areas as /proc/vmallocinfo does", cmd_vmallocinfo);

static int cmd_fixmap(const struct shell_call *call, int argc, char **argv)
{
	fixmap_show(stdout);
	return 0;
}
SHELL_CMD(fixmap, "fixmap", "", 0, 0, "list the fixmap slots: index, name, virtual and physical address", cmd_fixmap);

static int cmd_pkmap(const struct shell_call *call, int argc, char **argv)
{
	pkmap_show(stdout);
	return 0;
}
SHELL_CMD(pkmap, "pkmap", "", 0, 0, "show the PKMAP slots in use, their counts and the flushes so far", cmd_pkmap);

static int cmd_pt(const struct shell_call *call, int argc, char **argv)
{
	uint32_t va;

	if (arg_va(call, argv[1], &va))
		return SHELL_STATUS_USAGE;
	pt_show(stdout, hal_current_pgd(), va);
	return 0;
}
SHELL_CMD(pt, "pt", "ADDR", 1, 1,
	  "decode the page-directory and page-table entries of ADDR and name its region", cmd_pt);

static int cmd_vmalloc(const struct shell_call *call, int argc, char **argv)
{
	uint64_t size;
	vaddr_t va;

	if (shell_arg_count(call, argv[1], "SIZE", UINT32_MAX, &size))
		return SHELL_STATUS_USAGE;
	va = vmalloc((unsigned long)size);
	if (!va)
		return 1;
	printf("vmalloc: 0x%08lx, %lu bytes, guard page at 0x%08lx\n", (unsigned long)va,
	       (unsigned long)PAGE_ALIGN_UP((vaddr_t)size),
	       (unsigned long)(va + find_vm_area(va)->size - PAGE_SIZE));
	return 0;
}
SHELL_CMD(vmalloc, "vmalloc", "SIZE", 1, 1,
	  "allocate SIZE bytes (decimal with K/M/G, or 0x-hex) with vmalloc and print the address", cmd_vmalloc);

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

	if (shell_arg_addr(call, argv[1], "PHYS", UINT64_MAX, &phys) ||
	    shell_arg_count(call, argv[2], "SIZE", UINT32_MAX, &size))
		return SHELL_STATUS_USAGE;
	va = ioremap(phys, (unsigned long)size);
	if (!va)
		return 1;
	printf("ioremap: phys 0x%08llx at 0x%08lx\n", (unsigned long long)phys, (unsigned long)va);
	return 0;
}
SHELL_CMD(ioremap, "ioremap", "PHYS SIZE", 2, 2, "map SIZE bytes of physical memory at PHYS uncached", cmd_ioremap);

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
	int status;

	if (!(page = arg_page(call, argv, &status)))
		return status;
	va = kmap(page);
	if (!va)
		return 1;
	printf("kmap: pfn 0x%lx at 0x%08lx: %s\n", (unsigned long)page_to_pfn(page), (unsigned long)va,
	       mm_region_name(va, region, sizeof(region)));
	return 0;
}
SHELL_CMD(kmap, "kmap", "PFN", 1, 1, "map frame PFN with kmap (a low frame gives its linear address)", cmd_kmap);

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
