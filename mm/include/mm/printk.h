/*
 * The core's one line to the operator.  The memory manager returns errors (Linux errno) and counts
 * them; what a person should also read (an allocation failure, a bad free, the boot figures of
 * mm_init) it hands to printk(), as the Linux kernel does, and never writes to a stream itself.
 * printk() is implemented outside the core, in mm/report/printk.c (the console, through stdio).
 */
#ifndef MM_PRINTK_H
#define MM_PRINTK_H

/* Print one formatted message of the memory manager to the console (printf's format). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
