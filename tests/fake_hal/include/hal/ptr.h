/* The host's pointer conversions: through the fake hal's recorded mappings. */
#ifndef HAL_PTR_H
#define HAL_PTR_H

#include <hal/page.h>

/* The host pointer backing the mapped virtual address va in the kernel page directory; aborts the test if va is not mapped. */
void *hal_va_ptr(vaddr_t va);

/* The kernel virtual address at which the host pointer p into fake physical memory is linearly mapped; aborts the test if none. */
vaddr_t hal_ptr_va(const void *p);

#endif
