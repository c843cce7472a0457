/*
 * How the page-table code reaches a table by its physical address.  The
 * image reaches low memory through the linear map; the fake hal reaches its
 * host buffer.  Internal to hal/ implementations.
 */
#ifndef HAL_PGTABLE_ACCESS_H
#define HAL_PGTABLE_ACCESS_H

#include <stdint.h>

#include <hal/page.h>

/*
 * A pointer to the page-table, page-directory or PDPT page at physical address pa (32-bit entries
 * in 2-level builds, 64-bit under PAE).
 */
void *hal_table_ptr(paddr_t pa);

#endif
