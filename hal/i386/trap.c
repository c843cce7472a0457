/* The GDT, the IDT and the dispatch of exceptions and IRQs. */
#include <stddef.h>

#include <hal/io.h>
#include <hal/trap.h>
#include <hal/x86.h>

struct gdt_entry {
	uint16_t limit_lo, base_lo;
	uint8_t base_mid, access, flags_limit_hi, base_hi;
} __attribute__((packed));

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t zero, type_attr;
	uint16_t off_hi;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

#define GDT_FLAT(access) { 0xFFFF, 0, 0, access, 0xCF, 0 }

static struct gdt_entry gdt[] = {
	{ 0, 0, 0, 0, 0, 0 },
	GDT_FLAT(0x9A), /* kernel code */
	GDT_FLAT(0x92), /* kernel data */
	GDT_FLAT(0xFA), /* user code */
	GDT_FLAT(0xF2), /* user data */
};

static struct idt_entry idt[256];
extern const uint32_t exc_stub_table[IRQ_BASE + NR_IRQS];

static void (*exception_handler)(struct trap_frame *);
static void (*irq_handlers[NR_IRQS])(unsigned);

void hal_trap_dispatch(struct trap_frame *tf);

void hal_trap_init(void)
{
	struct desc_ptr gp = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
	struct desc_ptr ip = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };

	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "movl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "movl %%eax, %%ss"
			 : : "m"(gp) : "eax", "memory");
	for (unsigned v = 0; v < IRQ_BASE + NR_IRQS; v++) {
		uint32_t off = exc_stub_table[v];

		idt[v].off_lo = (uint16_t)off;
		idt[v].off_hi = (uint16_t)(off >> 16);
		idt[v].sel = KERNEL_CS;
		idt[v].type_attr = 0x8E; /* present, ring 0, 32-bit interrupt gate */
	}
	__asm__ volatile("lidt %0" : : "m"(ip) : "memory");
}

void hal_set_exception_handler(void (*handler)(struct trap_frame *tf))
{
	exception_handler = handler;
}

void hal_irq_register(unsigned irq, void (*handler)(unsigned irq))
{
	if (irq < NR_IRQS)
		irq_handlers[irq] = handler;
}

void hal_trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector < IRQ_BASE) {
		if (exception_handler)
			exception_handler(tf);
		else
			for (;;)
				cpu_halt();
		return;
	}
	unsigned irq = tf->vector - IRQ_BASE;

	/* A spurious IRQ 7 or 15 has no in-service bit and gets no EOI at that PIC. */
	if (irq == 7 || irq == 15) {
		uint16_t port = irq == 7 ? 0x20 : 0xA0;

		outb(port, 0x0B);
		if (!(inb(port) & 0x80)) {
			if (irq == 15)
				outb(0x20, 0x20);
			return;
		}
	}
	if (irq_handlers[irq])
		irq_handlers[irq](irq);
	if (irq >= 8)
		outb(0xA0, 0x20);
	outb(0x20, 0x20);
}

const char *hal_exception_name(unsigned v)
{
	static const char *const names[32] = {
		"Divide Error", "Debug", "Non-Maskable Interrupt", "Breakpoint", "Overflow",
		"Bound Range Exceeded", "Invalid Opcode", "Device Not Available", "Double Fault",
		"Coprocessor Segment Overrun", "Invalid TSS", "Segment Not Present",
		"Stack-Segment Fault", "General Protection Fault", "Page Fault", "Reserved (15)",
		"x87 Floating-Point Error", "Alignment Check", "Machine Check", "SIMD Floating-Point",
		"Virtualization", "Control Protection", "Reserved (22)", "Reserved (23)",
		"Reserved (24)", "Reserved (25)", "Reserved (26)", "Reserved (27)",
		"Hypervisor Injection", "VMM Communication", "Security Exception", "Reserved (31)",
	};

	return v < 32 ? names[v] : "Interrupt";
}
