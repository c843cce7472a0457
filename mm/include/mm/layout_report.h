/*
 * The kernel address map for a person: the "virtual kernel memory layout" block Linux prints at
 * boot, and the check of the run-time boundaries against the compile-time ones of mm/layout.h.
 */
#ifndef MM_LAYOUT_REPORT_H
#define MM_LAYOUT_REPORT_H

#include <stdio.h>

#include <hal/page.h>

/* Addresses of the kernel image sections for show_layout(); the firmware fills them from linker
 * symbols. */
struct kernel_sections {
	vaddr_t text_start, text_end;
	vaddr_t data_start, data_end;
	vaddr_t init_start, init_end;
};

/* Print the "virtual kernel memory layout:" block from the real boundaries; ks may be NULL to
 * leave out the section lines. */
void show_layout(FILE *out, const struct kernel_sections *ks);

/* Check the run-time boundaries (high_memory, VMALLOC_START, and ks when not NULL) against the
 * compile-time ones; print each violation to out and return their number. */
int layout_check(FILE *out, const struct kernel_sections *ks);

#endif
