/* hal/i386 internals: C functions the assembly entry code calls, and the per-CPU data. */
#ifndef HAL_I386_INTERNAL_H
#define HAL_I386_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/smp.h>
#include <hal/trap.h>

/* The per-CPU data segment: each CPU's GDT entry 6 has its own struct hal_percpu as base. */
#define PERCPU_SEL 0x30

/* Local APIC vectors, above every exception, IRQ and int 0x80. */
#define LAPIC_TIMER_VECTOR 0xF0
#define IPI_CALL_VECTOR 0xF1
#define IPI_TLB_VECTOR 0xF2
#define SPURIOUS_VECTOR 0xFF

/* What each CPU reaches at %fs:0 onwards; cpu must stay first (hal_smp_processor_id reads it). */
struct hal_percpu {
	unsigned cpu;
	uint32_t apic_id;
	struct hal_percpu *self;
};

/* One per CPU number. */
extern struct hal_percpu hal_percpu[NR_CPUS];

/* Set once the boot CPU's %fs points at hal_percpu[0]; hal_smp_processor_id() says 0 before. */
extern bool hal_percpu_ready;

/* Handle one trap: called by entry.S's common stub with the saved frame on the trap stack. */
void hal_trap_dispatch(struct trap_frame *tf);

/* Load CPU cpu's GDT (its own TSS and per-CPU segment), the shared IDT, its TSS and %fs. */
void hal_trap_init_cpu(unsigned cpu);

/* Count a trap of vector on this CPU: timer ticks (IRQ 0) and NMIs. */
void hal_smp_count_trap(unsigned vector);

/* Handle a local APIC vector (timer, IPIs, spurious) taken by this CPU. */
void hal_smp_dispatch(struct trap_frame *tf);

#endif
