/*
 * Descriptor tables, exceptions and hardware interrupts on i386.  The hal
 * owns the GDT/IDT, the entry stubs, the 8259 PICs and the PIT; the
 * firmware registers what to do with a trap and with each IRQ.
 */
#ifndef HAL_TRAP_H
#define HAL_TRAP_H

#include <stdbool.h>
#include <stdint.h>

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS 0x1B
#define USER_DS 0x23

#define TSS_SEL 0x28

#define IRQ_BASE 32
#define NR_IRQS 16
#define SYSCALL_VECTOR 0x80

/*
 * The registers as the entry stub saves them; user_esp/user_ss only after a ring change (cs & 3).
 */
struct trap_frame {
	uint32_t gs, fs, es, ds;
	uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
	uint32_t vector, error_code;
	uint32_t eip, cs, eflags;
	uint32_t user_esp, user_ss;
};

/* Page-fault error code bits. */
#define PF_PRESENT 0x1u
#define PF_WRITE 0x2u
#define PF_USER 0x4u
#define PF_RSVD 0x8u
#define PF_INSTR 0x10u

/* Install the GDT and the IDT with stubs for all 32 exceptions and 16 IRQs. */
void hal_trap_init(void);

/*
 * Route every exception (vectors 0-31) to handler; it may change the frame (EIP) and return to
 * resume.
 */
void hal_set_exception_handler(void (*handler)(struct trap_frame *tf));

/* Route IRQ line irq to handler, called with interrupts off and acknowledged afterwards. */
void hal_irq_register(unsigned irq, void (*handler)(unsigned irq));

/* Route int 0x80 from ring 3 to handler (arguments and result in the frame's registers). */
void hal_set_syscall_handler(void (*handler)(struct trap_frame *tf));

/*
 * Call hook at the end of every trap, after the handler and the EOI, with the frame about to be
 * resumed.
 */
void hal_set_trap_exit_hook(void (*hook)(struct trap_frame *tf));

/* The kernel stack the CPU switches to on a trap from ring 3 (TSS esp0). */
void hal_set_kernel_stack(uint32_t esp0);

/*
 * Save the callee-saved registers and the stack pointer in *save_esp, then resume the context saved
 * at new_esp.
 */
void hal_context_switch(uint32_t *save_esp, uint32_t new_esp);

/*
 * Where a new task's first switch returns to: pops the struct trap_frame above it and irets (to
 * ring 3).
 */
extern const char hal_trap_return[];

/* Remap the 8259 PICs to vectors 32-47 with every line masked. */
void hal_pic_init(void);

/* Unmask IRQ line irq at the PIC, or at the controller hal_irq_set_chip() installed. */
void hal_pic_unmask(unsigned irq);

/* True if the master 8259 answers: its interrupt mask register reads back what was written. */
bool hal_pic_present(void);

/* An interrupt controller in place of the 8259 pair (an IO-APIC and the local APIC): delivers line irq at vector IRQ_BASE + irq. */
struct hal_irq_chip {
	const char *name;
	void (*unmask)(unsigned irq); /* route and unmask line irq */
	void (*eoi)(unsigned irq);    /* acknowledge line irq after its handler */
};

/* Mask every line of both 8259s and deliver IRQs through chip from now on (acknowledged with chip->eoi). */
void hal_irq_set_chip(const struct hal_irq_chip *chip);

/* The controller installed by hal_irq_set_chip(), or NULL for the 8259s. */
const struct hal_irq_chip *hal_irq_chip(void);

/* The name of exception vector v ("Page Fault", ...). */
const char *hal_exception_name(unsigned v);

/* Start PIT channel 0 at hz interrupts a second on IRQ 0. */
void hal_pit_init(unsigned hz);

/* Call hook on every timer tick, in interrupt context with interrupts off; NULL removes it. */
void hal_set_tick_hook(void (*hook)(void));

/* Timer interrupts since hal_pit_init(). */
uint64_t hal_ticks(void);

/* The PIT rate set by hal_pit_init(). */
unsigned hal_tick_hz(void);

/* Busy-wait at least us microseconds, measured on PIT channel 2, or on the TSC once hal_tsc_set_hz() has been called (boards without a PIT). */
void hal_udelay(uint32_t us);

/* True if an 8254 answers: PIT channel 0, started by hal_pit_init(), counts down within its divisor. */
bool hal_pit_present(void);

/* Take hz as the TSC rate (calibrated against another clock by the caller) and time hal_udelay() with the TSC from now on. */
void hal_tsc_set_hz(uint64_t hz);

#endif
