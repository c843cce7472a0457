/* Boot-room internals: the steps of kmain's boot order that live in other files of boot/. */
#ifndef FIRMWARE_BOOT_INTERNAL_H
#define FIRMWARE_BOOT_INTERNAL_H

#include <stdint.h>

/* The C entry, called by boot.S with the Multiboot magic and the information block's address. */
void kmain(uint32_t magic, uint32_t mbi_pa);

/*
 * Bring up the kernel virtual areas above high_memory once the buddy allocator runs: vmalloc,
 * PKMAP, the fixmaps and the APICs behind them; then check and print the layout.
 */
void kernel_areas_init(void);

/*
 * Map the local APIC and IO-APIC through their fixmaps when CPUID reports an APIC, and print their
 * ID and version registers; call after mm_init() and fixmap_init().
 */
void apic_init(void);

/*
 * Deliver IRQs through the IO-APICs when the MADT says there is no 8259 (or irq=ioapic asks); one
 * boot line either way.  Call after apic_init().
 */
void irq_setup(void);

#endif
