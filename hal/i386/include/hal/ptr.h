/* The image's pointer conversions: the kernel runs on the addresses it maps. */
#ifndef HAL_PTR_H
#define HAL_PTR_H

#include <stdint.h>

#include <hal/page.h>

/* The C pointer for the mapped kernel virtual address va. */
static inline void *hal_va_ptr(vaddr_t va)
{
	return (void *)(uintptr_t)va;
}

/* The kernel virtual address of the C pointer p. */
static inline vaddr_t hal_ptr_va(const void *p)
{
	return (vaddr_t)(uintptr_t)p;
}

#endif
