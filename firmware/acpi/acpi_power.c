/*
 * Poweroff and reset the way the FADT says: S5 by writing SLP_TYP (from the
 * DSDT's \_S5 package) and then SLP_EN into the PM1a and PM1b control
 * registers, reset by writing RESET_VALUE to RESET_REG.  The registers are
 * Generic Address Structures in I/O or memory space; memory-space ones are
 * mapped with ioremap once vmalloc runs, so the write itself cannot fail.
 */
#include <stdio.h>

#include <acpi_boot.h>
#include <hal/io.h>
#include <hal/ptr.h>
#include <mm/io.h>

struct gas_reg {
	const struct acpi_gas *gas;
	vaddr_t va; /* memory space: the ioremap of the register */
};

static struct gas_reg pm1a, pm1b, reset_reg;

static bool gas_usable(const struct acpi_gas *g)
{
	return g->address && (g->space_id == ACPI_GAS_IO || g->space_id == ACPI_GAS_MEMORY);
}

static void prepare(struct gas_reg *r, const struct acpi_gas *g)
{
	r->gas = gas_usable(g) ? g : NULL;
	r->va = 0;
	if (r->gas && g->space_id == ACPI_GAS_MEMORY) {
		r->va = ioremap_nocache((paddr_t)g->address, 4);
		if (!r->va) {
			printf("ACPI: cannot map the register at 0x%llx; not used\n",
			       (unsigned long long)g->address);
			r->gas = NULL;
		}
	}
}

void acpi_power_prepare(void)
{
	prepare(&pm1a, &acpi.pm1a_cnt);
	prepare(&pm1b, &acpi.pm1b_cnt);
	prepare(&reset_reg, &acpi.reset_reg);
}

/* The register width in bits: the GAS's bit width, else its access size, else 16 (PM1 control). */
static unsigned width(const struct acpi_gas *g)
{
	if (g->bit_width == 8 || g->bit_width == 16 || g->bit_width == 32)
		return g->bit_width;
	if (g->access_size >= 1 && g->access_size <= 3)
		return 8u << (g->access_size - 1);
	return 16;
}

static uint32_t gas_read(const struct gas_reg *r)
{
	unsigned w = width(r->gas);

	if (r->gas->space_id == ACPI_GAS_IO) {
		uint16_t port = (uint16_t)r->gas->address;

		return w == 8 ? inb(port) : w == 16 ? inw(port) : inl(port);
	}
	if (w == 8)
		return *(volatile uint8_t *)hal_va_ptr(r->va);
	if (w == 16)
		return *(volatile uint16_t *)hal_va_ptr(r->va);
	return *(volatile uint32_t *)hal_va_ptr(r->va);
}

static void gas_write(const struct gas_reg *r, uint32_t v)
{
	unsigned w = width(r->gas);

	if (r->gas->space_id == ACPI_GAS_IO) {
		uint16_t port = (uint16_t)r->gas->address;

		if (w == 8)
			outb(port, (uint8_t)v);
		else if (w == 16)
			outw(port, (uint16_t)v);
		else
			outl(port, v);
	} else if (w == 8) {
		*(volatile uint8_t *)hal_va_ptr(r->va) = (uint8_t)v;
	} else if (w == 16) {
		*(volatile uint16_t *)hal_va_ptr(r->va) = (uint16_t)v;
	} else {
		*(volatile uint32_t *)hal_va_ptr(r->va) = v;
	}
}

bool acpi_can_poweroff(void)
{
	return acpi.have_fadt && acpi.have_s5 && pm1a.gas;
}

bool acpi_can_reset(void)
{
	return acpi.have_reset_reg && reset_reg.gas;
}

/* Write SLP_TYP typ (and SLP_EN when en) into one PM1 control register, keeping its other bits. */
static void pm1_write(const struct gas_reg *r, uint8_t typ, bool en)
{
	uint32_t v = gas_read(r) & ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);

	v |= (uint32_t)typ << ACPI_PM1_SLP_TYP_SHIFT;
	gas_write(r, en ? v | ACPI_PM1_SLP_EN : v);
}

void acpi_poweroff(void)
{
	if (!acpi_can_poweroff())
		return;
	pm1_write(&pm1a, acpi.s5_slp_typa, false);
	if (pm1b.gas)
		pm1_write(&pm1b, acpi.s5_slp_typb, false);
	pm1_write(&pm1a, acpi.s5_slp_typa, true);
	if (pm1b.gas)
		pm1_write(&pm1b, acpi.s5_slp_typb, true);
}

void acpi_reset(void)
{
	if (acpi_can_reset())
		gas_write(&reset_reg, acpi.reset_value);
}

static const char *space(const struct acpi_gas *g)
{
	return g->space_id == ACPI_GAS_IO ? "io" : "mem";
}

void acpi_describe_poweroff(char *buf, unsigned len)
{
	if (!pm1b.gas)
		snprintf(buf, len, "ACPI S5 (PM1a_CNT %s 0x%llx, SLP_TYP %u)", space(pm1a.gas),
			 (unsigned long long)pm1a.gas->address, acpi.s5_slp_typa);
	else
		snprintf(buf, len,
			 "ACPI S5 (PM1a_CNT %s 0x%llx SLP_TYP %u, PM1b_CNT %s 0x%llx SLP_TYP %u)",
			 space(pm1a.gas), (unsigned long long)pm1a.gas->address, acpi.s5_slp_typa,
			 space(pm1b.gas), (unsigned long long)pm1b.gas->address, acpi.s5_slp_typb);
}

void acpi_describe_reset(char *buf, unsigned len)
{
	snprintf(buf, len, "ACPI RESET_REG (%s 0x%llx = 0x%02x)", space(reset_reg.gas),
		 (unsigned long long)reset_reg.gas->address, acpi.reset_value);
}
