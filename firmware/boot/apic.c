/*
 * The local APIC and the IO-APICs, reached through their fixmaps:
 * "Fixed virtual addresses are needed for subsystems that need to know the
 * virtual address at compile time such as the Advanced Programmable
 * Interrupt Controller (APIC)" (Understanding the Linux Virtual Memory
 * Manager, §5.1).  Their physical addresses come from the ACPI MADT (the
 * local APIC with its 64-bit override, every IO-APIC it lists); a board
 * without a MADT gets the board file's values, or the PC defaults, and the
 * boot log says so.  Boot maps them and prints their identification
 * registers; nothing here enables or programs them.
 */
#include <stdint.h>
#include <stdio.h>

#include <acpi_boot.h>
#include <board.h>
#include <boot_options.h>
#include <firmware.h>
#include <hal/apic.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/trap.h>
#include <mm/fixmap.h>

#include "internal.h"

/* IO-APICs mapped, at FIX_IO_APIC_BASE_0 + i. */
static unsigned nr_ioapics;

static uint32_t lapic_read(unsigned reg)
{
	return hal_lapic_read(fix_to_virt(FIX_APIC_BASE), reg);
}

static uint32_t io_apic_read(unsigned i, unsigned reg)
{
	return hal_io_apic_read(__fix_to_virt(FIX_IO_APIC_BASE_0 + i), reg);
}

/* Map and identify IO-APIC number i (fixmap FIX_IO_APIC_BASE_0 + i) at pa; false if nothing
 * answers. */
static bool io_apic_map(unsigned i, uint64_t pa)
{
	uint32_t id, ver;

	if (pa >= hal_phys_limit()) {
		printf("IO-APIC %u: phys 0x%llx is beyond what these page tables can map; "
		       "skipped\n",
		       i, (unsigned long long)pa);
		return false;
	}
	set_fixmap_nocache(FIX_IO_APIC_BASE_0 + i, (paddr_t)pa);
	id = io_apic_read(i, IO_APIC_REG_ID);
	ver = io_apic_read(i, IO_APIC_REG_VER);
	if (ver == 0xffffffffu) {
		printf("IO-APIC %u: nothing answers at phys 0x%08llx\n", i, (unsigned long long)pa);
		clear_fixmap(FIX_IO_APIC_BASE_0 + i);
		return false;
	}
	printf("IO-APIC %u: at phys 0x%08llx -> fixmap 0x%08lx: ID %u, version 0x%02x, %u "
	       "redirection entries\n",
	       i, (unsigned long long)pa, (unsigned long)__fix_to_virt(FIX_IO_APIC_BASE_0 + i),
	       (unsigned)((id >> 24) & 0xf), (unsigned)(ver & 0xff),
	       (unsigned)((ver >> 16) & 0xff) + 1);
	return true;
}

/* Map the local APIC and the IO-APICs (MADT, else board file, else PC defaults) through their
 * fixmaps when CPUID reports an APIC, and print their ID and version registers; call after
 * mm_init() and fixmap_init(). */
void apic_init(void)
{
	uint64_t lapic = acpi.have_madt	    ? acpi.lapic_pa
			 : board.lapic_phys ? board.lapic_phys
					    : APIC_DEFAULT_PHYS_BASE;
	uint32_t id, ver;

	nr_ioapics = 0;
	if (!hal_cpu_has(HAL_FEAT_APIC)) {
		printf("APIC: none reported by CPUID; local APIC and IO-APIC left unmapped\n");
		return;
	}
	if (!acpi.have_madt)
		printf("APIC: no ACPI MADT; using the %s addresses (local APIC 0x%08x, IO-APIC "
		       "0x%08x)\n",
		       board.lapic_phys ? "board file's" : "PC default",
		       board.lapic_phys ? board.lapic_phys : APIC_DEFAULT_PHYS_BASE,
		       board.ioapic_phys ? board.ioapic_phys : IO_APIC_DEFAULT_PHYS_BASE);
	if (lapic >= hal_phys_limit()) {
		printf("APIC: local APIC at phys 0x%llx is beyond what these page tables can map; "
		       "left unmapped\n",
		       (unsigned long long)lapic);
	} else {
		set_fixmap_nocache(FIX_APIC_BASE, (paddr_t)lapic);
		id = lapic_read(APIC_ID);
		ver = lapic_read(APIC_LVR);
		printf("APIC: local APIC at phys 0x%08llx -> fixmap 0x%08lx: ID %u, version "
		       "0x%02x, %u LVT entries\n",
		       (unsigned long long)lapic, (unsigned long)fix_to_virt(FIX_APIC_BASE),
		       (unsigned)(id >> 24), (unsigned)(ver & 0xff),
		       (unsigned)((ver >> 16) & 0xff) + 1);
	}
	if (!acpi.have_madt) {
		nr_ioapics = io_apic_map(0, board.ioapic_phys ? board.ioapic_phys
							      : IO_APIC_DEFAULT_PHYS_BASE);
		return;
	}
	if (acpi.nr_ioapics > MAX_IO_APICS)
		printf("IO-APIC: the MADT lists %u; the first %u are mapped\n", acpi.nr_ioapics,
		       MAX_IO_APICS);
	for (unsigned i = 0; i < acpi.nr_ioapics && i < MAX_IO_APICS; i++)
		if (io_apic_map(nr_ioapics, acpi.ioapics[i].pa))
			nr_ioapics++;
	printf("APIC: %u CPU%s and %u IO-APIC%s from the ACPI MADT\n", acpi.nr_cpus,
	       acpi.nr_cpus == 1 ? "" : "s", nr_ioapics, nr_ioapics == 1 ? "" : "s");
}

#define APIC_TPR 0x80 /* task priority: 0 accepts every vector */
#define APIC_EOI 0xB0
#define APIC_SVR 0xF0	    /* spurious vector register: bit 8 enables the local APIC */
#define IO_APIC_REDTBL 0x10 /* redirection entry n: low dword at 0x10 + 2n, high at 0x11 + 2n */
#define IO_APIC_MASKED (1u << 16)
#define IO_APIC_LEVEL (1u << 15)
#define IO_APIC_ACTIVE_LOW (1u << 13)

static void io_apic_write(unsigned i, unsigned reg, uint32_t v)
{
	hal_io_apic_write(__fix_to_virt(FIX_IO_APIC_BASE_0 + i), reg, v);
}

static void lapic_write(unsigned reg, uint32_t v)
{
	hal_lapic_write(fix_to_virt(FIX_APIC_BASE), reg, v);
}

/* Route ISA IRQ irq (through the MADT's source overrides) to vector IRQ_BASE + irq on this CPU,
 * unmasked. */
static void ioapic_unmask(unsigned irq)
{
	uint32_t gsi = irq, low;
	uint16_t flags = 0;

	for (unsigned i = 0; i < acpi.nr_overrides; i++)
		if (acpi.overrides[i].source == irq) {
			gsi = acpi.overrides[i].gsi;
			flags = acpi.overrides[i].flags;
		}
	low = IRQ_BASE + irq;
	if ((flags & 3) == 3)
		low |= IO_APIC_ACTIVE_LOW;
	if (((flags >> 2) & 3) == 3)
		low |= IO_APIC_LEVEL;
	for (unsigned i = 0; i < nr_ioapics; i++) {
		uint32_t base = acpi.ioapics[i].gsi_base;
		uint32_t entries = ((io_apic_read(i, IO_APIC_REG_VER) >> 16) & 0xff) + 1;

		if (gsi < base || gsi >= base + entries)
			continue;
		io_apic_write(i, IO_APIC_REDTBL + 2 * (gsi - base) + 1,
			      (lapic_read(APIC_ID) >> 24) << 24);
		io_apic_write(i, IO_APIC_REDTBL + 2 * (gsi - base), low);
		printf("IRQ %u: GSI %u on IO-APIC %u, vector 0x%02x, %s, active %s\n", irq, gsi, i,
		       IRQ_BASE + irq, low & IO_APIC_LEVEL ? "level" : "edge",
		       low & IO_APIC_ACTIVE_LOW ? "low" : "high");
		return;
	}
	printf("IRQ %u: GSI %u is on none of the %u IO-APICs; left masked\n", irq, gsi, nr_ioapics);
}

static void lapic_eoi(unsigned irq)
{
	(void)irq;
	lapic_write(APIC_EOI, 0);
}

static const struct hal_irq_chip ioapic_chip = { "IO-APIC", ioapic_unmask, lapic_eoi };

/* Deliver IRQs through the IO-APICs when the MADT says there is no 8259 (or irq=ioapic asks); one
 * boot line either way. Call after apic_init(). */
void irq_setup(void)
{
	bool forced = boot_option_flag(boot_params.cmdline, "irq=ioapic");
	bool madt_no_pic = acpi.have_madt && !(acpi.madt_flags & ACPI_MADT_PCAT_COMPAT);
	bool no_pic = madt_no_pic || !hal_pic_present();

	if (!forced && !no_pic) {
		printf("IRQ: legacy 8259 PICs%s\n", acpi.have_madt ? " (MADT: PCAT_COMPAT)" : "");
		return;
	}
	if (!acpi.have_madt || nr_ioapics == 0 || !fixmap_query(FIX_APIC_BASE, NULL)) {
		printf("IRQ: %s, but no IO-APIC from the MADT is mapped; keeping the 8259 path "
		       "(receive may be "
		       "polled)\n",
		       forced ? "irq=ioapic asked for the IO-APIC"
			      : "the MADT says there is no 8259");
		return;
	}
	/* Enable the local APIC (spurious vector IRQ_BASE + 15), accept every priority, mask the
	 * 8259s. */
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_SVR, 0x100u | (IRQ_BASE + 15));
	hal_irq_set_chip(&ioapic_chip);
	printf("IRQ: through the IO-APIC%s and the local APIC (%s); 8259s masked\n",
	       nr_ioapics > 1 ? "s" : "",
	       forced	     ? "irq=ioapic"
	       : madt_no_pic ? "MADT: no 8259, PCAT_COMPAT clear"
			     : "no 8259 answers");
	if (hal_pit_present())
		hal_pic_unmask(0);
}
