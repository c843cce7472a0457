/* Power off and reset. */
#include <stdio.h>

#include <board.h>
#include <firmware.h>
#include <hal/io.h>
#include <hal/x86.h>

void machine_poweroff(int code)
{
	fflush(stdout);
	if (board.debug_exit_port)
		outb(board.debug_exit_port, (uint8_t)code);
	/* ACPI S5: SLP_TYP 0 with SLP_EN (bit 13), as QEMU's PIIX4 PM and many chipsets accept. */
	if (board.acpi_pm1a_cnt)
		outw(board.acpi_pm1a_cnt, 0x2000);
	printf("System halted; it is safe to turn the power off.\n");
	irq_disable();
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
	/* The PCI reset control register: system reset, then full reset. */
	outb(0xCF9, 0x02);
	hal_udelay(50);
	outb(0xCF9, 0x06);
	hal_udelay(50000);
	/* The keyboard controller's reset line. */
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		;
	outb(0x64, 0xFE);
	hal_udelay(50000);
	/* A triple fault: an empty IDT and an exception. */
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	for (;;)
		cpu_halt();
}
