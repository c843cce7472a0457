/*
 * The empty symbol table of the first link.  Kept in its own file so that
 * firmware/trap/kallsyms.c sees the table only through declarations without a
 * bound, never this placeholder's size of one.
 */
#include <stdint.h>

__attribute__((weak)) const unsigned kallsyms_num;
__attribute__((weak)) const uintptr_t kallsyms_addresses[1];
__attribute__((weak)) const char *const kallsyms_names[1];
__attribute__((weak)) const uintptr_t kallsyms_end;
