/*
 * The image's own symbol table, for oopses and vmallocinfo callers.  The
 * image is linked twice: the first link's text symbols (nm) become a table
 * compiled into the second; text comes first in the image, so the table's
 * size moves no text address.
 */
#ifndef FIRMWARE_KALLSYMS_H
#define FIRMWARE_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The name of the function containing addr and addr's offset into it and its size; NULL if addr is
 * not in kernel text.
 */
const char *kallsyms_lookup(uintptr_t addr, uintptr_t *offset, uintptr_t *size);

/* Write addr as "name+0xoff/0xsize" (or 0x-hex if unknown) into buf; returns the length written. */
int kallsyms_format(uintptr_t addr, char *buf, size_t len);

#endif
