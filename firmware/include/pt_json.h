/* The `-j` form of the page-table walk of one address (`pt ADDR -j`, `upt PID ADDR -j`). */
#ifndef FIRMWARE_PT_JSON_H
#define FIRMWARE_PT_JSON_H

#include <hal/page.h>
#include <json.h>

/*
 * Write the walk of va in page directory pgd as pt_show() prints it: the PDE and PTE (index, raw
 * value, flag names), what va maps to and the region of va, as members of the open object.
 */
void pt_json(struct json_writer *w, paddr_t pgd, vaddr_t va);

#endif
