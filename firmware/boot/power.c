/*
 * Power off and reset.  Poweroff: QEMU's isa-debug-exit when the board file
 * has one (the qemu-pc board; `nodebugexit` on the command line skips it),
 * then ACPI S5 as the FADT and \_S5 say, then the board file's PM1a port
 * with SLP_TYP 0, then a halt.  Reset: the FADT's RESET_REG, then the PCI
 * reset control register 0xCF9, then the keyboard controller (unless the
 * FADT says there is no 8042), then a triple fault.  The boot log says in
 * one line each which of these this machine will use.
 */
#include <stdio.h>

#include <acpi_boot.h>
#include <board.h>
#include <boot_options.h>
#include <firmware.h>
#include <hal/io.h>
#include <hal/x86.h>

static bool debug_exit_off;

/* Whether the FADT says the board has no 8042 keyboard controller (IAPC_BOOT_ARCH, revision 2 and
 * later). */
static bool no_8042(void)
{
	return acpi.have_fadt && acpi.fadt_revision >= 2 && !(acpi.iapc_boot_arch & ACPI_BOOT_8042);
}

__init void power_init(void)
{
	char acpi_way[160];

	debug_exit_off = boot_option_flag(boot_params.cmdline, "nodebugexit");
	acpi_power_prepare();
	if (acpi_can_poweroff())
		acpi_describe_poweroff(acpi_way, sizeof(acpi_way));
	else if (board.acpi_pm1a_cnt)
		snprintf(acpi_way, sizeof(acpi_way),
			 "no ACPI FADT/\\_S5, the board file's PM1a_CNT io 0x%x with "
			 "SLP_TYP 0",
			 board.acpi_pm1a_cnt);
	else
		snprintf(acpi_way, sizeof(acpi_way),
			 "no ACPI FADT/\\_S5 and no PM1a port in the board file: halt");
	if (board.debug_exit_port && !debug_exit_off)
		printf("Power: poweroff via QEMU isa-debug-exit at port 0x%x, else %s\n",
		       board.debug_exit_port, acpi_way);
	else
		printf("Power: poweroff via %s%s\n", acpi_way,
		       board.debug_exit_port ? " (isa-debug-exit off: nodebugexit)" : "");
	if (acpi_can_reset())
		acpi_describe_reset(acpi_way, sizeof(acpi_way));
	else
		snprintf(acpi_way, sizeof(acpi_way), "no ACPI RESET_REG");
	printf("Power: reset via %s, then 0xCF9, %s, triple fault\n", acpi_way,
	       no_8042() ? "no keyboard controller (FADT: no 8042)" : "the keyboard controller");
}

void machine_poweroff(int code)
{
	fflush(stdout);
	if (board.debug_exit_port && !debug_exit_off)
		outb(board.debug_exit_port, (uint8_t)code);
	irq_disable();
	acpi_poweroff();
	hal_udelay(100000);
	/* ACPI S5 with SLP_TYP 0 and SLP_EN (bit 13), as QEMU's PIIX4 PM and many chipsets accept.
	 */
	if (board.acpi_pm1a_cnt && !acpi_can_poweroff())
		outw(board.acpi_pm1a_cnt, 0x2000);
	printf("System halted; it is safe to turn the power off.\n");
	for (;;)
		cpu_halt();
}

void machine_reboot(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	printf("Restarting system.\n");
	fflush(stdout);
	irq_disable();
	acpi_reset();
	hal_udelay(50000);
	/* The PCI reset control register: system reset, then full reset. */
	outb(0xCF9, 0x02);
	hal_udelay(50);
	outb(0xCF9, 0x06);
	hal_udelay(50000);
	/* The keyboard controller's reset line. */
	if (!no_8042()) {
		for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
			;
		outb(0x64, 0xFE);
		hal_udelay(50000);
	}
	/* A triple fault: an empty IDT and an exception. */
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	for (;;)
		cpu_halt();
}
