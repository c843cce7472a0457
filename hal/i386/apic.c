/*
 * Local APIC and IO-APIC register access through windows the caller has mapped: the local
 * APIC's registers are 32-bit words at fixed offsets; the IO-APIC's are reached indirectly, by
 * writing the index to IOREGSEL and reading IOWIN (Intel 82093AA I/O APIC datasheet, register
 * description).
 */
#include <hal/apic.h>
#include <hal/ptr.h>

#define IO_APIC_REGSEL 0x00 /* IOREGSEL: index of the register to reach through IOWIN */
#define IO_APIC_WIN 0x10    /* IOWIN: the selected register */

uint32_t hal_lapic_read(vaddr_t base, unsigned reg)
{
	return *(volatile uint32_t *)hal_va_ptr(base + reg);
}

uint32_t hal_io_apic_read(vaddr_t base, unsigned reg)
{
	*(volatile uint32_t *)hal_va_ptr(base + IO_APIC_REGSEL) = reg;
	return *(volatile uint32_t *)hal_va_ptr(base + IO_APIC_WIN);
}

void hal_lapic_write(vaddr_t base, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)hal_va_ptr(base + reg) = v;
}

void hal_io_apic_write(vaddr_t base, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)hal_va_ptr(base + IO_APIC_REGSEL) = reg;
	*(volatile uint32_t *)hal_va_ptr(base + IO_APIC_WIN) = v;
}
