/* The GDT, the IDT and the dispatch of exceptions and IRQs. */
#include <stddef.h>
#include <string.h>

#include <hal/io.h>
#include <hal/irq.h>
#include <hal/smp.h>
#include <hal/trap.h>
#include <hal/x86.h>

#include "internal.h"

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

/*
 * The task-state segment: the CPU takes the kernel stack (ss0:esp0) from it
 * on every trap from ring 3.  Only those two fields are used; the I/O map
 * base points past the end, so ring 3 has no port access.
 */
struct tss {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));

/* One TSS per CPU: each CPU takes its own kernel stack on a trap from ring 3. */
static struct tss tss[NR_CPUS];

#define GDT_ENTRIES 7

static const struct gdt_entry gdt_template[GDT_ENTRIES] = {
	{ 0, 0, 0, 0, 0, 0 },
	GDT_FLAT(0x9A), /* kernel code */
	GDT_FLAT(0x92), /* kernel data */
	GDT_FLAT(0xFA), /* user code */
	GDT_FLAT(0xF2), /* user data */
	{ 0, 0, 0, 0x89, 0, 0 }, /* TSS (32-bit, available), base and limit set per CPU */
	{ 0, 0, 0, 0x92, 0, 0 }, /* per-CPU data (PERCPU_SEL), base and limit set per CPU */
};

/* One GDT per CPU (its TSS descriptor and per-CPU segment differ); the IDT is shared. */
static struct gdt_entry gdt[NR_CPUS][GDT_ENTRIES];

static struct idt_entry idt[256];
extern const uint32_t exc_stub_table[IRQ_BASE + NR_IRQS];
extern const char syscall_stub[];
extern const char lapic_timer_stub[], ipi_call_stub[], ipi_tlb_stub[], spurious_stub[];

static void set_base_limit(struct gdt_entry *e, uint32_t base, uint32_t limit)
{
	e->base_lo = (uint16_t)base;
	e->base_mid = (uint8_t)(base >> 16);
	e->base_hi = (uint8_t)(base >> 24);
	e->limit_lo = (uint16_t)limit;
}

static void set_gate(unsigned v, const void *stub, uint8_t type_attr)
{
	uint32_t off = (uint32_t)(uintptr_t)stub;

	idt[v].off_lo = (uint16_t)off;
	idt[v].off_hi = (uint16_t)(off >> 16);
	idt[v].sel = KERNEL_CS;
	idt[v].type_attr = type_attr;
}

void hal_trap_init_cpu(unsigned cpu)
{
	struct gdt_entry *g = gdt[cpu];
	struct desc_ptr gp = { sizeof(gdt[0]) - 1, (uint32_t)(uintptr_t)g };
	struct desc_ptr ip = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };

	memcpy(g, gdt_template, sizeof(gdt_template));
	tss[cpu] = (struct tss){ .ss0 = KERNEL_DS, .iomap_base = sizeof(struct tss) };
	set_base_limit(&g[TSS_SEL >> 3], (uint32_t)(uintptr_t)&tss[cpu], sizeof(struct tss) - 1);
	hal_percpu[cpu].cpu = cpu;
	hal_percpu[cpu].self = &hal_percpu[cpu];
	set_base_limit(&g[PERCPU_SEL >> 3], (uint32_t)(uintptr_t)&hal_percpu[cpu],
		       sizeof(struct hal_percpu) - 1);
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "movl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%gs\n\t"
			 "movl %%eax, %%ss\n\t"
			 "movl %1, %%eax\n\t"
			 "movl %%eax, %%fs"
			 : : "m"(gp), "i"(PERCPU_SEL) : "eax", "memory");
	__asm__ volatile("lidt %0" : : "m"(ip) : "memory");
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL) : "memory");
	if (cpu == 0)
		hal_percpu_ready = true;
}

static void (*exception_handler)(struct trap_frame *);
static void (*irq_handlers[NR_IRQS])(unsigned);
static void (*syscall_handler)(struct trap_frame *);
static void (*trap_exit_hook)(struct trap_frame *);

void hal_trap_init(void)
{
	for (unsigned v = 0; v < IRQ_BASE + NR_IRQS; v++)
		set_gate(v, (const void *)(uintptr_t)exc_stub_table[v], 0x8E); /* ring 0 interrupt gate */
	/*
	 * int 0x80: an interrupt gate ring 3 may use (DPL 3); interrupts stay off until the handler
	 * allows them.
	 */
	set_gate(SYSCALL_VECTOR, syscall_stub, 0xEE);
	set_gate(LAPIC_TIMER_VECTOR, lapic_timer_stub, 0x8E);
	set_gate(IPI_CALL_VECTOR, ipi_call_stub, 0x8E);
	set_gate(IPI_TLB_VECTOR, ipi_tlb_stub, 0x8E);
	set_gate(SPURIOUS_VECTOR, spurious_stub, 0x8E);
	hal_trap_init_cpu(0);
}

void hal_set_kernel_stack(uint32_t esp0)
{
	tss[hal_smp_processor_id()].esp0 = esp0;
}

void hal_set_syscall_handler(void (*handler)(struct trap_frame *tf))
{
	syscall_handler = handler;
}

void hal_set_trap_exit_hook(void (*hook)(struct trap_frame *tf))
{
	trap_exit_hook = hook;
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

static void trap_dispatch(struct trap_frame *tf);

/* Per CPU: hardware interrupt handlers running (nested when a handler re-enables interrupts). */
static volatile unsigned irq_nesting[NR_CPUS];

bool hal_in_interrupt(void)
{
	return irq_nesting[hal_smp_processor_id()] != 0;
}

void hal_trap_dispatch(struct trap_frame *tf)
{
	bool irq = tf->vector >= IRQ_BASE && tf->vector != SYSCALL_VECTOR;

	if (tf->vector == IRQ_BASE || tf->vector == 2)
		hal_smp_count_trap(tf->vector);
	if (irq)
		irq_nesting[hal_smp_processor_id()]++;
	trap_dispatch(tf);
	if (irq)
		irq_nesting[hal_smp_processor_id()]--;
	/* Every trap, after its EOI: the scheduler may switch tasks here. */
	if (trap_exit_hook)
		trap_exit_hook(tf);
}

static void trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector >= LAPIC_TIMER_VECTOR) {
		hal_smp_dispatch(tf);
		return;
	}
	if (tf->vector == SYSCALL_VECTOR) {
		if (syscall_handler)
			syscall_handler(tf);
		return;
	}
	if (tf->vector < IRQ_BASE) {
		if (exception_handler)
			exception_handler(tf);
		else
			for (;;)
				cpu_halt();
		return;
	}
	unsigned irq = tf->vector - IRQ_BASE;
	const struct hal_irq_chip *chip = hal_irq_chip();

	if (chip) {
		if (irq_handlers[irq])
			irq_handlers[irq](irq);
		chip->eoi(irq);
		return;
	}
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
