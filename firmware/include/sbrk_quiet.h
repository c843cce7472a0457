/*
 * The kernel heap's refusal message (sbrk writes it straight to the console, since stdio may be
 * inside malloc) held back while a report prints one JSON line, and counted for that report.
 */
#ifndef FIRMWARE_SBRK_QUIET_H
#define FIRMWARE_SBRK_QUIET_H

#include <stdbool.h>

/* The line sbrk prints when it refuses to grow the heap. */
#define SBRK_REFUSAL_MESSAGE "sbrk: kernel heap exhausted or not set up; allocation refused\n"

/* While quiet, sbrk counts its refusals instead of printing them. */
void sbrk_set_quiet(bool quiet);

/* The refusals counted while quiet since the last call (the count starts again at 0). */
unsigned sbrk_take_quiet_refusals(void);

#endif
