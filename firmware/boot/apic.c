/*
 * The local APIC and the first IO-APIC, reached through their fixmaps:
 * "Fixed virtual addresses are needed for subsystems that need to know the
 * virtual address at compile time such as the Advanced Programmable
 * Interrupt Controller (APIC)." (seed 004)  Boot maps both and prints their
 * identification registers; nothing here enables or programs them.
 */
#include <stdint.h>
#include <stdio.h>

#include <hal/cpu.h>
#include <hal/mmu.h>
#include <mm/fixmap.h>

#define APIC_ID 0x20  /* local APIC ID register: ID in bits 24..31 */
#define APIC_LVR 0x30 /* local APIC version: version in bits 0..7, max LVT entry in 16..23 */

#define IO_APIC_REGSEL 0x00 /* IOREGSEL: index of the register to reach through IOWIN */
#define IO_APIC_WIN 0x10    /* IOWIN: the selected register */
#define IO_APIC_REG_ID 0x00  /* ID in bits 24..27 */
#define IO_APIC_REG_VER 0x01 /* version in bits 0..7, max redirection entry in 16..23 */

static uint32_t lapic_read(unsigned reg)
{
	return *(volatile uint32_t *)hal_va_ptr(fix_to_virt(FIX_APIC_BASE) + reg);
}

static uint32_t io_apic_read(unsigned reg)
{
	vaddr_t base = fix_to_virt(FIX_IO_APIC_BASE_0);

	*(volatile uint32_t *)hal_va_ptr(base + IO_APIC_REGSEL) = reg;
	return *(volatile uint32_t *)hal_va_ptr(base + IO_APIC_WIN);
}

/* Map the local APIC and IO-APIC through their fixmaps when CPUID reports an APIC, and print their ID and version registers; call after mm_init() and fixmap_init(). */
void apic_init(void);
void apic_init(void)
{
	uint32_t id, ver;

	if (!hal_cpu_has(HAL_FEAT_APIC)) {
		printf("APIC: none reported by CPUID; local APIC and IO-APIC left unmapped\n");
		return;
	}
	set_fixmap_nocache(FIX_APIC_BASE, APIC_DEFAULT_PHYS_BASE);
	set_fixmap_nocache(FIX_IO_APIC_BASE_0, IO_APIC_DEFAULT_PHYS_BASE);

	id = lapic_read(APIC_ID);
	ver = lapic_read(APIC_LVR);
	printf("APIC: local APIC at phys 0x%08x -> fixmap 0x%08lx: ID %u, version 0x%02x, %u LVT entries\n",
	       APIC_DEFAULT_PHYS_BASE, (unsigned long)fix_to_virt(FIX_APIC_BASE), (unsigned)(id >> 24),
	       (unsigned)(ver & 0xff), (unsigned)((ver >> 16) & 0xff) + 1);

	id = io_apic_read(IO_APIC_REG_ID);
	ver = io_apic_read(IO_APIC_REG_VER);
	if (ver == 0xffffffffu) {
		printf("IO-APIC: nothing answers at phys 0x%08x\n", IO_APIC_DEFAULT_PHYS_BASE);
		clear_fixmap(FIX_IO_APIC_BASE_0);
		return;
	}
	printf("IO-APIC: at phys 0x%08x -> fixmap 0x%08lx: ID %u, version 0x%02x, %u redirection entries\n",
	       IO_APIC_DEFAULT_PHYS_BASE, (unsigned long)fix_to_virt(FIX_IO_APIC_BASE_0), (unsigned)((id >> 24) & 0xf),
	       (unsigned)(ver & 0xff), (unsigned)((ver >> 16) & 0xff) + 1);
}
