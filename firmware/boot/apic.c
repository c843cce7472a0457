/*
 * The local APIC and the first IO-APIC, reached through their fixmaps: "Fixed virtual addresses
 * are needed for subsystems that need to know the virtual address at compile time such as the
 * Advanced Programmable Interrupt Controller (APIC)." (Understanding the Linux Virtual Memory
 * Manager, §5.1)  Boot maps both and hands their addresses to the hal (hal/apic.h), which reads
 * their identification registers; nothing here enables or programs them.
 */
#include <stdint.h>
#include <stdio.h>

#include <firmware.h>
#include <hal/apic.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <mm/fixmap.h>

#include "internal.h"

void apic_init(void)
{
	uint32_t id, ver;

	if (!hal_cpu_has(HAL_FEAT_APIC)) {
		printf("APIC: none reported by CPUID; local APIC and IO-APIC left unmapped\n");
		return;
	}
	set_fixmap_nocache(FIX_APIC_BASE, APIC_DEFAULT_PHYS_BASE);
	set_fixmap_nocache(FIX_IO_APIC_BASE_0, IO_APIC_DEFAULT_PHYS_BASE);

	id = hal_lapic_read(fix_to_virt(FIX_APIC_BASE), APIC_ID);
	ver = hal_lapic_read(fix_to_virt(FIX_APIC_BASE), APIC_LVR);
	printf("APIC: local APIC at phys 0x%08x -> fixmap 0x%08lx: ID %u, version 0x%02x, %u LVT entries\n",
	       APIC_DEFAULT_PHYS_BASE, (unsigned long)fix_to_virt(FIX_APIC_BASE), (unsigned)(id >> 24),
	       (unsigned)(ver & 0xff), (unsigned)((ver >> 16) & 0xff) + 1);

	id = hal_io_apic_read(fix_to_virt(FIX_IO_APIC_BASE_0), IO_APIC_REG_ID);
	ver = hal_io_apic_read(fix_to_virt(FIX_IO_APIC_BASE_0), IO_APIC_REG_VER);
	if (ver == 0xffffffffu) {
		printf("IO-APIC: nothing answers at phys 0x%08x\n", IO_APIC_DEFAULT_PHYS_BASE);
		clear_fixmap(FIX_IO_APIC_BASE_0);
		return;
	}
	printf("IO-APIC: at phys 0x%08x -> fixmap 0x%08lx: ID %u, version 0x%02x, %u redirection entries\n",
	       IO_APIC_DEFAULT_PHYS_BASE, (unsigned long)fix_to_virt(FIX_IO_APIC_BASE_0), (unsigned)((id >> 24) & 0xf),
	       (unsigned)(ver & 0xff), (unsigned)((ver >> 16) & 0xff) + 1);
}
