/* Decoding one address's page-directory and page-table entries for a person (the `pt` command). */
#ifndef MM_DEBUG_PTDUMP_H
#define MM_DEBUG_PTDUMP_H

#include <stdio.h>

#include <hal/page.h>

/* Print the page-directory and page-table entries of va in page directory pgd, decoded, and the
 * region of va (the `pt` command). */
void pt_show(FILE *out, paddr_t pgd, vaddr_t va);

#endif
