/*
 * Interrupt masking on the local CPU, used by mm/ to make its locks interrupt-safe (the _irqsave
 * spinlocks, the kmap_atomic slots), and the question mm/ asks before it may sleep-wait or take a
 * lock an interrupt handler must not take: is this CPU running an interrupt handler?
 */
#ifndef HAL_IRQ_H
#define HAL_IRQ_H

#include <stdbool.h>

/* Disable interrupts and return the previous state for hal_irq_restore(). */
unsigned long hal_irq_save(void);

/* Restore the interrupt state returned by hal_irq_save(). */
void hal_irq_restore(unsigned long flags);

/* True when interrupts are enabled on this CPU. */
bool hal_irq_enabled(void);

/* True while this CPU runs a hardware interrupt handler (IRQ or IPI; exceptions do not count). */
bool hal_in_interrupt(void);

#endif
