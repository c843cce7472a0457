/*
 * Bring up the kernel virtual areas above high_memory once the buddy
 * allocator runs: the vmalloc list, the PKMAP window, the fixmaps and the
 * APICs behind them; then check the layout against the real high_memory
 * and print it as Linux does.
 */
#include <stdio.h>

#include <firmware.h>
#include <hal/cpu.h>
#include <kallsyms.h>
#include <mm/early_ioremap.h>
#include <mm/highmem.h>
#include <mm/layout.h>
#include <mm/layout_report.h>
#include <mm/region.h>
#include <mm/vmalloc.h>

#include "internal.h"

/* mm's symbolizer contract: 0 when buf holds a symbol name. */
static int symbolize(uintptr_t addr, char *buf, size_t len)
{
	if (!kallsyms_lookup(addr, NULL, NULL))
		return -1;
	kallsyms_format(addr, buf, len);
	return 0;
}

__init void kernel_areas_init(void)
{
	struct kernel_sections ks;

	mm_set_symbolizer(symbolize);
	if (vmalloc_init() != 0)
		panic("vmalloc area could not be set up");
	/* ioremap works from here on: the boot-time fixmap slots are given up. */
	early_ioremap_reset();
	if (kmap_init() < 0 || fixmap_init() < 0)
		panic("PKMAP or fixmap page tables missing");
	if (hal_cpu_has(HAL_FEAT_APIC)) {
		apic_init();
		irq_setup();
	}
	firmware_kernel_sections(&ks);
	if (layout_check(stdout, &ks) != 0)
		panic("the virtual memory layout is inconsistent (see above)");
	show_layout(stdout, &ks);
}
