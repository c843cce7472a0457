/*
 * The console glue for a 16550 behind a PCI memory BAR (the Intel Galileo's Quark X1000
 * HSUART).
 *
 * The PCI console (pci_uart_resolve, named by board/galileo/board.c) has to
 * talk before ioremap exists.  The BAR is mapped at the compile-time address
 * of the FIX_EARLYCON_MEM_BASE fixmap, in two stages:
 *  1. Before mm_init() the boot page directory (boot.S) maps only the first
 *     8 MiB and has no page table for the fixmap region.  The first console
 *     access installs a static, page-aligned table from .bss as that page
 *     table (the "boot map trick"; the kernel image is inside the boot map,
 *     so the table's physical address is its linear address - PAGE_OFFSET)
 *     and maps the BAR's page into it, uncached.
 *  2. paging_init() switches CR3 to swapper_pg_dir, whose fixmap page table
 *     it preallocated.  The console notices the new CR3 on its next access
 *     and maps the BAR there with set_fixmap_nocache(), so from then on the
 *     `fixmap` command shows FIX_EARLYCON_MEM_BASE -> the BAR.
 * Between the two nothing prints.  If a console access happens while the
 * mapping is being made (a message from set_fixmap itself), it returns NULL
 * and the 16550 driver holds the output in its deferred buffer.  Without the
 * PCI function (e.g. the Galileo image booted on QEMU) the console falls back
 * to COM1 at port 0x3F8 so the image still reaches the prompt.
 */
#include <stdio.h>

#include <console.h>
#include <hal/mmu.h>
#include <hal/page.h>
#include <hal/pci.h>
#include <hal/uart16550.h>
#include <json.h>
#include <mm/fixmap.h>
#include <mm/paging.h>

enum pci_console_state { PCON_UNPROBED, PCON_FOUND, PCON_FALLBACK };

static struct {
	enum pci_console_state state;
	struct pci_dev dev;
	paddr_t bar_pa;          /* physical address of the register window */
	paddr_t mapped_in;       /* the page directory the fixmap maps it in now, or 0 */
	bool busy;               /* making the mapping: console accesses defer */
	struct uart16550 uart;   /* the MMIO description handed to the driver */
} pcon;

/* COM1, used when the PCI UART is not there. */
static const struct uart16550 pcon_com1 = {
	.access = UART_PIO, .base = 0x3F8, .stride = 1, .irq = 0, .clock_hz = 1843200,
};

/* The page table that maps the fixmap region while the boot page directory is in use. */
static uint32_t boot_fixmap_table[PAGE_SIZE / sizeof(uint32_t)] __attribute__((aligned(PAGE_SIZE)));

static void pcon_probe(const struct uart16550 *u)
{
	struct pci_bar bar;
	struct pci_dev d;
	bool found;

	found = pci_read_dev(u->pci.bus, u->pci.dev, u->pci.fn, &d) && d.vendor == u->pci.vendor &&
		d.device == u->pci.device;
	if (!found)
		found = pci_find_device(u->pci.vendor, u->pci.device, 0, &d);
	if (!found || !pci_read_bar(&d, u->pci.bar, false, &bar) || bar.is_io || bar.base == 0) {
		pcon.state = PCON_FALLBACK;
		return;
	}
	pci_enable_memory(&d, false);
	pcon.dev = d;
	pcon.bar_pa = bar.base;
	pcon.uart = *u;
	pcon.uart.access = UART_MMIO32;
	pcon.uart.base = fix_to_virt(FIX_EARLYCON_MEM_BASE) + (uintptr_t)(bar.base & (PAGE_SIZE - 1));
	pcon.uart.resolve = NULL;
	pcon.state = PCON_FOUND;
}

/*
 * Map the register window at FIX_EARLYCON_MEM_BASE in page directory pgd (see the top of the file).
 */
static bool pcon_map(paddr_t pgd)
{
	vaddr_t va = fix_to_virt(FIX_EARLYCON_MEM_BASE);
	paddr_t page = pcon.bar_pa & ~(paddr_t)(PAGE_SIZE - 1);
	paddr_t pa;

	if (swapper_pg_dir && pgd == swapper_pg_dir) {
		set_fixmap_nocache(FIX_EARLYCON_MEM_BASE, page);
	} else if (!hal_query_table(pgd, va, NULL)) {
		paddr_t table = (paddr_t)(hal_ptr_va(boot_fixmap_table) - PAGE_OFFSET);

		if (hal_set_table(pgd, va, table) != HAL_OK)
			return false;
		hal_unmap_page(pgd, va);
		if (hal_map_page(pgd, va, page, HAL_PROT_WRITE | HAL_PROT_NOCACHE) != HAL_OK)
			return false;
		hal_flush_page(va);
	} else if (!hal_query_page(pgd, va, NULL, NULL)) {
		/*
		 * A directory sharing the kernel's tables: the mapping comes from swapper_pg_dir.
		 */
		return false;
	}
	return hal_query_page(pgd, va, &pa, NULL) && (pa & ~(paddr_t)(PAGE_SIZE - 1)) == page;
}

/* The board's PCI UART as an MMIO description, COM1 without it, NULL while the mapping is made. */
const struct uart16550 *pci_uart_resolve(const struct uart16550 *u)
{
	paddr_t pgd;

	if (pcon.state == PCON_UNPROBED)
		pcon_probe(u);
	if (pcon.state == PCON_FALLBACK)
		return &pcon_com1;
	pgd = hal_current_pgd();
	if (pgd == pcon.mapped_in)
		return &pcon.uart;
	if (pcon.busy)
		return NULL;
	pcon.busy = true;
	pcon.mapped_in = pcon_map(pgd) ? pgd : 0;
	pcon.busy = false;
	return pcon.mapped_in ? &pcon.uart : NULL;
}

/* Print one line about the PCI console when the board has one (for `lspci`). */
void pci_uart_show(void)
{
	if (pcon.state == PCON_FOUND)
		printf("console: PCI UART %04x:%04x at %02x:%02x.%x, registers at phys 0x%08llx mapped at 0x%08lx "
		       "(FIX_EARLYCON_MEM_BASE), stride %u, clock %lu Hz\n",
		       pcon.dev.vendor, pcon.dev.device, pcon.dev.bus, pcon.dev.dev, pcon.dev.fn,
		       (unsigned long long)pcon.bar_pa, (unsigned long)pcon.uart.base, pcon.uart.stride,
		       (unsigned long)pcon.uart.clock_hz);
	else if (pcon.state == PCON_FALLBACK)
		printf("console: the board's PCI UART was not found; using COM1 at port 0x3f8\n");
}

void pci_uart_json(struct json_writer *w, const char *key)
{
	if (pcon.state == PCON_UNPROBED) {
		json_null(w, key);
		return;
	}
	json_object(w, key);
	json_bool(w, "fallback", pcon.state == PCON_FALLBACK);
	if (pcon.state == PCON_FOUND) {
		json_uint(w, "vendor", pcon.dev.vendor);
		json_uint(w, "device", pcon.dev.device);
		json_uint(w, "bus", pcon.dev.bus);
		json_uint(w, "dev", pcon.dev.dev);
		json_uint(w, "fn", pcon.dev.fn);
		json_uint(w, "phys", pcon.bar_pa);
		json_uint(w, "virt", pcon.uart.base);
		json_uint(w, "stride", pcon.uart.stride);
		json_uint(w, "clock_hz", pcon.uart.clock_hz);
	}
	json_end(w);
}
