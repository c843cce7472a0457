/*
 * The loader's information before the memory manager exists: boot.S maps
 * only the first 8 MiB, but a loader may put its information anywhere below
 * 4 GiB (GRUB on UEFI puts it near the top of RAM).  The boot window maps a
 * few pages of any physical address, read-only, through one page table of
 * its own in the boot page directory, just above the boot map at
 * PAGE_OFFSET + 8 MiB; boot_window_close() removes it before mm_init()
 * builds the kernel's page directory.  Only for the 2-level boot tables.
 */
#ifndef FIRMWARE_BOOT_WINDOW_H
#define FIRMWARE_BOOT_WINDOW_H

#include <stdint.h>

/* The most bytes one boot_window_map() can show (the window's pages less one for a misaligned start). */
#define BOOT_WINDOW_MAX_LEN (15u * 4096u)

/*
 * A pointer to len bytes at physical pa, valid until the next call or
 * boot_window_close(); NULL if len is 0, too long, or the range passes 4 GiB.
 */
const void *boot_window_map(uint32_t pa, uint32_t len);

/* Remove the window from the boot page directory and flush the TLB. */
void boot_window_close(void);

#endif
