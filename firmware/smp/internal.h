/* smp-room internals: what bring-up and the call machinery share. */
#ifndef FIRMWARE_SMP_INTERNAL_H
#define FIRMWARE_SMP_INTERNAL_H

#include <stdint.h>

/* An AP's life after bring-up: idle in hlt with interrupts on, running the work posted to it. */
__attribute__((noreturn)) void smp_ap_idle(unsigned cpu);

/* Take IPI_CALL on this CPU: set up the call IPI handler (boot CPU, once). */
void smp_call_init(void);

/*
 * The local APIC IDs of the enabled processors in the MP table (MultiProcessor Specification 1.4),
 * at most max of them into apic_ids; 0 when there is no table.
 */
unsigned mptable_find_cpus(uint32_t *apic_ids, unsigned max);

#endif
