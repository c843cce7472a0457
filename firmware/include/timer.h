/*
 * The boot's clocks on boards that may lack the 8254 PIT: the TSC is
 * calibrated against the PIT when one answers, else against the HPET or the
 * ACPI PM timer the ACPI tables name.
 */
#ifndef FIRMWARE_TIMER_H
#define FIRMWARE_TIMER_H

#include <stdbool.h>

/* What the TSC rate was measured against ("the PIT", "the HPET", "the ACPI PM timer") or "nothing".
 */
extern const char *tsc_reference;

/* Probe the PIT (started by hal_pit_init()) and calibrate the TSC against it when it answers; false
 * (logged) when there is none. */
bool timer_init_early(void);

/* Without a PIT: calibrate the TSC against the HPET (ioremap'ed) or the ACPI PM timer and let
 * delays use it; one boot line says which, or that nothing could. Call after vmalloc_init() and
 * acpi_boot_init(). */
void timer_init_late(void);

#endif
