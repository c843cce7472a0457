/*
 * Choosing the console UART (firmware/include/console_select.h).  Each
 * candidate is programmed and checked (the 16550 scratch-register test)
 * before the console moves; one that does not answer is reported and the
 * next in the order is tried.  Port UARTs need no mapping; a memory-mapped
 * one is reached through the FIX_EARLYCON_MEM_BASE fixmap, so it is taken
 * only after paging_init().
 */
#include <stdio.h>
#include <string.h>

#include <acpi_boot.h>
#include <board.h>
#include <boot_options.h>
#include <console.h>
#include <console_select.h>
#include <firmware.h>
#include <hal/mmu.h>
#include <hal/pci.h>
#include <mm/fixmap.h>

#define PC_UART_CLOCK 1843200u
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1u
#define PCI_INTERRUPT_LINE 0x3C

static struct uart16550 chosen; /* the UART the console moved to, when not the board's */
static char described[128];
static bool board_answered; /* console_init() found the board's UART */
static bool option_given;   /* console= was on the command line and parsed */
static struct console_option option;

static void describe(const struct uart16550 *u, uint64_t addr, uint32_t baud, const char *source)
{
	snprintf(described, sizeof(described), "uart,%s,0x%llx,%lu (%s)",
		 u->access == UART_PIO ? "io" : "mmio32", (unsigned long long)addr,
		 (unsigned long)baud, source);
}

const char *console_describe(void)
{
	return described;
}

/* The legacy IRQ of a PC COM port (0: polled). */
static unsigned com_irq(uint64_t port)
{
	return port == 0x3F8 || port == 0x3E8 ? 4 : port == 0x2F8 || port == 0x2E8 ? 3 : 0;
}

/* Map a memory-mapped UART's page at FIX_EARLYCON_MEM_BASE and return the virtual address of pa. */
static uintptr_t map_mmio(uint64_t pa)
{
	set_fixmap_nocache(FIX_EARLYCON_MEM_BASE, (paddr_t)pa & ~(paddr_t)(PAGE_SIZE - 1));
	if (!fixmap_query(FIX_EARLYCON_MEM_BASE, NULL))
		return 0;
	return fix_to_virt(FIX_EARLYCON_MEM_BASE) + (uintptr_t)(pa & (PAGE_SIZE - 1));
}

/* Move the console to chosen (filled by the caller); false if it does not answer. */
static bool take(uint64_t addr, uint32_t baud, const char *source, bool replay)
{
	if (!console_switch(&chosen, baud, replay)) {
		printf("console: %s UART at %s 0x%llx does not answer; not used\n", source,
		       chosen.access == UART_PIO ? "io" : "mmio32", (unsigned long long)addr);
		return false;
	}
	describe(&chosen, addr, baud, source);
	return true;
}

__init void console_setup_early(void)
{
	char val[96], err[96];

	board_answered = console_init();
	describe(&board.console, board.console.resolve ? board.console.pci.bar : board.console.base,
		 board.console_baud,
		 board.console.resolve ? "board default, PCI UART" : "board default");
	if (!boot_option_value(boot_params.cmdline, "console", val, sizeof(val)))
		return;
	if (!console_option_parse(val, &option, err, sizeof(err))) {
		printf("console: ignoring console=%s: %s\n", val, err);
		return;
	}
	option_given = true;
	if (option.access != UART_PIO)
		return; /* mapped once paging_init() has run: console_setup_late() */
	chosen = (struct uart16550){ .access = UART_PIO,
				     .base = (uintptr_t)option.addr,
				     .stride = 1,
				     .irq = com_irq(option.addr),
				     .clock_hz = PC_UART_CLOCK };
	take(option.addr, option.baud, "console= boot option", false);
}

/* The SPCR's UART, if the 16550 driver can reach it. */
static bool try_spcr(void)
{
	const struct acpi_gas *g = &acpi.spcr_base;
	uint32_t baud = acpi.spcr_baud ? acpi.spcr_baud : board.console_baud;

	if (!acpi.have_spcr)
		return false;
	if (acpi.spcr_interface != ACPI_SPCR_16550 && acpi.spcr_interface != ACPI_SPCR_16450 &&
	    acpi.spcr_interface != ACPI_SPCR_16550_GAS) {
		printf("console: SPCR names interface type %u, not a 16550; not used\n",
		       acpi.spcr_interface);
		return false;
	}
	chosen = (struct uart16550){ .stride = 1,
				     .clock_hz = acpi.spcr_clock_hz ? acpi.spcr_clock_hz
								    : PC_UART_CLOCK };
	if (g->space_id == ACPI_GAS_IO && g->address && g->address <= 0xFFF8) {
		chosen.access = UART_PIO;
		chosen.base = (uintptr_t)g->address;
		/* IRQ type bit 0: a PC-AT 8259 IRQ. */
		chosen.irq = (acpi.spcr_irq_type & 1) && acpi.spcr_irq < 16 ? acpi.spcr_irq : 0;
	} else if (g->space_id == ACPI_GAS_MEMORY && (g->bit_width == 32 || g->access_size == 3) &&
		   g->address < hal_phys_limit()) {
		chosen.access = UART_MMIO32;
		chosen.stride = 4;
		chosen.base = map_mmio(g->address);
		if (!chosen.base)
			return false;
	} else {
		printf("console: SPCR UART (space %u, %u-bit registers at 0x%llx) cannot be "
		       "driven; not used\n",
		       g->space_id, g->bit_width, (unsigned long long)g->address);
		return false;
	}
	return take(g->address, baud, "ACPI SPCR", true);
}

struct pci_uart_search {
	struct pci_dev dev;
	bool found;
};

/* A 16550-compatible serial controller: class 07, subclass 00, prog-if 02 (or 00 for the generic
 * XT). */
static bool visit(const struct pci_dev *d, void *ctx)
{
	struct pci_uart_search *s = ctx;

	if (d->class_code == 0x07 && d->subclass == 0x00 &&
	    (d->prog_if == 0x02 || d->prog_if == 0x00)) {
		s->dev = *d;
		s->found = true;
		return false;
	}
	return true;
}

/* The first PCI 16550 with an I/O or memory BAR 0. */
static bool try_pci(void)
{
	struct pci_uart_search s = { .found = false };
	struct pci_bar bar;
	char source[64];

	if (board.console.resolve || !pci_present())
		return false; /* a board naming its PCI UART has it as its default already */
	pci_scan(visit, &s);
	if (!s.found)
		return false;
	if (!pci_read_bar(&s.dev, 0, false, &bar) || bar.base == 0) {
		printf("console: PCI 16550 %02x:%02x.%x has no BAR 0; not used\n", s.dev.bus,
		       s.dev.dev, s.dev.fn);
		return false;
	}
	snprintf(source, sizeof(source), "PCI 16550 %04x:%04x at %02x:%02x.%x", s.dev.vendor,
		 s.dev.device, s.dev.bus, s.dev.dev, s.dev.fn);
	/* Receive is polled: its INTx goes through PCI interrupt routing, not a fixed ISA line. */
	chosen = (struct uart16550){ .stride = 1, .irq = 0, .clock_hz = PC_UART_CLOCK };
	if (bar.is_io) {
		uint16_t cmd = pci_read16(s.dev.bus, s.dev.dev, s.dev.fn, PCI_COMMAND);

		if (!(cmd & PCI_COMMAND_IO))
			pci_write16(s.dev.bus, s.dev.dev, s.dev.fn, PCI_COMMAND,
				    (uint16_t)(cmd | PCI_COMMAND_IO));
		chosen.access = UART_PIO;
		chosen.base = (uintptr_t)bar.base;
	} else {
		if (bar.base >= hal_phys_limit())
			return false;
		pci_enable_memory(&s.dev, false);
		chosen.access = UART_MMIO32;
		chosen.stride = 4;
		chosen.base = map_mmio(bar.base);
		if (!chosen.base)
			return false;
	}
	return take(bar.base, board.console_baud, source, true);
}

__init void console_setup_late(void)
{
	if (option_given && option.access == UART_PIO && chosen.base) {
		printf("console: %s\n", described);
		return;
	}
	if (option_given && option.access == UART_MMIO32) {
		chosen = (struct uart16550){ .access = UART_MMIO32,
					     .stride = 4,
					     .clock_hz = PC_UART_CLOCK };
		chosen.base = option.addr < hal_phys_limit() ? map_mmio(option.addr) : 0;
		if (chosen.base && take(option.addr, option.baud, "console= boot option", true)) {
			printf("console: %s\n", described);
			return;
		}
	}
	if (try_spcr() || try_pci()) {
		printf("console: %s\n", described);
		return;
	}
	printf("console: %s%s; no %sACPI SPCR or PCI 16550 to use instead\n", described,
	       board_answered ? "" : ", which did not answer the scratch test",
	       option_given ? "working console= UART, " : "console= option, ");
}
