/*
 * ioremap: device memory (or any physical range the kernel does not map)
 * made reachable through a VM_IOREMAP area of the vmalloc range.  "When the
 * virtual area is used for remapping an area for IO (commonly referred to
 * as ioremapping), this function [get_vm_area()] will be called directly to
 * map the requested area." (Understanding the Linux Virtual Memory Manager, ch. 8)
 */
#ifndef MM_IO_H
#define MM_IO_H

#include <hal/page.h>

/* Map [phys, phys + size) uncached and return the address of phys itself (a range that is not page
 * aligned keeps its offset, as Linux does); 0 with a message for size 0, wrap-around, RAM in use or
 * no room. */
vaddr_t ioremap(paddr_t phys, unsigned long size);

/* The same as ioremap(): on this machine every ioremap is uncached. */
vaddr_t ioremap_nocache(paddr_t phys, unsigned long size);

/* Undo ioremap(); addr may be any address inside the first page that ioremap() returned; a bad
 * address is reported and changes nothing. */
void iounmap(vaddr_t addr);

#endif
