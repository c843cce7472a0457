/*
 * Register access to the local APIC and an IO-APIC.  The hal does not map them: the firmware
 * maps their register windows (through fixmaps) and passes the virtual address of the window.
 */
#ifndef HAL_APIC_H
#define HAL_APIC_H

#include <stdint.h>

#include <hal/mmu.h>

#define APIC_ID 0x20  /* local APIC ID register: ID in bits 24..31 */
#define APIC_LVR 0x30 /* local APIC version: version in bits 0..7, max LVT entry in 16..23 */

#define IO_APIC_REG_ID 0x00  /* ID in bits 24..27 */
#define IO_APIC_REG_VER 0x01 /* version in bits 0..7, max redirection entry in 16..23 */

/* The local APIC register at byte offset reg of the window mapped at base. */
uint32_t hal_lapic_read(vaddr_t base, unsigned reg);

/* IO-APIC register reg (an index selected through IOREGSEL and read through IOWIN at base). */
uint32_t hal_io_apic_read(vaddr_t base, unsigned reg);

/* Write v to the local APIC register at offset reg of the window mapped at base. */
void hal_lapic_write(vaddr_t base, unsigned reg, uint32_t v);

/* Write v to IO-APIC register reg (selected through IOREGSEL) of the window mapped at base. */
void hal_io_apic_write(vaddr_t base, unsigned reg, uint32_t v);

#endif
