/*
 * The exception-fixup table, as Linux's copy_from_user uses it: each entry
 * pairs the address of an instruction that may fault with the address to
 * resume at if it does.  The probe accessors below are the only users; they
 * touch one datum at any virtual address and return -EFAULT instead of
 * taking the firmware down, so `md`, `mw` and `mdp` can be pointed anywhere.
 *
 * Entries live in the __ex_table section, which highmem.ld collects between
 * __start___ex_table and __stop___ex_table.  The exception handler calls
 * fixup_exception() before anything else.
 */
#ifndef FIRMWARE_EXTABLE_H
#define FIRMWARE_EXTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hal/page.h>
#include <hal/trap.h>

struct exception_table_entry {
	uint32_t insn;  /* the instruction that may fault */
	uint32_t fixup; /* where to resume when it does */
};

/* What the last fault caught by the table was, for the caller of the accessor that took it. */
struct extable_fault {
	uint32_t vector;     /* 14 for a page fault, 13 for a general protection fault, ... */
	uint32_t error_code; /* as the CPU pushed it (PF_* bits for a page fault) */
	uint32_t cr2;        /* the faulting address of a page fault, else 0 */
	uint32_t eip;        /* the accessor instruction that faulted */
	unsigned long count; /* faults caught since boot */
};

extern struct extable_fault extable_last_fault;

/* The table entry for the instruction at eip, or NULL when eip has none. */
const struct exception_table_entry *search_exception_tables(uint32_t eip);

/*
 * If the kernel-mode fault in tf hit an instruction in the table, record it in extable_last_fault,
 * point tf at the fixup and return true.
 */
bool fixup_exception(struct trap_frame *tf);

/* Read the byte at addr into *out (zero-extended); 0, or -EFAULT if the access faulted. */
int probe_read8(vaddr_t addr, uint32_t *out);

/* Read the 16-bit word at addr into *out (zero-extended); 0, or -EFAULT if the access faulted. */
int probe_read16(vaddr_t addr, uint32_t *out);

/* Read the 32-bit word at addr into *out; 0, or -EFAULT if the access faulted. */
int probe_read32(vaddr_t addr, uint32_t *out);

/* Write the low byte of val to addr; 0, or -EFAULT if the access faulted. */
int probe_write8(vaddr_t addr, uint32_t val);

/* Write the low 16 bits of val to addr; 0, or -EFAULT if the access faulted. */
int probe_write16(vaddr_t addr, uint32_t val);

/* Write val to the 32-bit word at addr; 0, or -EFAULT if the access faulted. */
int probe_write32(vaddr_t addr, uint32_t val);

/*
 * Read width bytes (1, 2 or 4) at addr into *out through the matching probe_read; -EINVAL for
 * another width.
 */
int probe_read(vaddr_t addr, unsigned width, uint32_t *out);

/*
 * Write width bytes (1, 2 or 4) of val at addr through the matching probe_write; -EINVAL for
 * another width.
 */
int probe_write(vaddr_t addr, unsigned width, uint32_t val);

/*
 * Describe extable_last_fault for a message, e.g. "page fault reading 0xf8804000 (page not
 * present): guard page after ...", in buf.
 */
const char *extable_fault_describe(bool write, vaddr_t addr, char *buf, size_t len);

#endif
