/* hal/i386 internals: C functions the assembly entry code calls. */
#ifndef HAL_I386_INTERNAL_H
#define HAL_I386_INTERNAL_H

#include <hal/trap.h>

/* Handle one trap: called by entry.S's common stub with the saved frame on the trap stack. */
void hal_trap_dispatch(struct trap_frame *tf);

#endif
