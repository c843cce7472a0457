/*
 * Interrupt masking on the local CPU, used by mm/ to make its locks
 * interrupt-safe on a uniprocessor (vmlist_lock, the kmap_atomic slots).
 */
#ifndef HAL_IRQ_H
#define HAL_IRQ_H

/* Disable interrupts and return the previous state for hal_irq_restore(). */
unsigned long hal_irq_save(void);

/* Restore the interrupt state returned by hal_irq_save(). */
void hal_irq_restore(unsigned long flags);

#endif
