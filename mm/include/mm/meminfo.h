/*
 * The /proc-style reports, in the formats Linux prints so that a Linux
 * user reads them without a manual: /proc/meminfo, /proc/zoneinfo and
 * /proc/buddyinfo (/proc/slabinfo is show_slabinfo() in mm/slab.h).
 */
#ifndef MM_MEMINFO_H
#define MM_MEMINFO_H

#include <stdio.h>

/* /proc/meminfo: MemTotal, MemFree, HighTotal, HighFree, LowTotal, LowFree, Slab, PageTables, then
 * vmalloc_meminfo() (mm/vmalloc.h). */
void show_meminfo(FILE *out);

/* /proc/zoneinfo for every zone of node 0: free pages, min/low/high, spanned, present, managed,
 * start_pfn. */
void show_zoneinfo(FILE *out);

/* /proc/buddyinfo: one line per populated zone with the free blocks of each order. */
void show_buddyinfo(FILE *out);

/* One /proc/meminfo line: name and colon padded to 16 columns, then kB right-aligned in 8. */
void meminfo_line(FILE *out, const char *name, unsigned long kb);

#endif
