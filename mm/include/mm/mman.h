/*
 * The system calls of an address space and the region operations behind them: "A number of system
 * calls are provided which affect the address space and regions. These are listed in Table 5.1"
 * (Understanding the Linux Virtual Memory Manager, §5.2) -- mmap, munmap, mprotect, mremap, brk --
 * plus fork's copy and exit's teardown.
 *
 * Every call returns what Linux returns: an address or 0 on success, and
 * -errno (as an unsigned long for the address-returning ones; test it with
 * IS_ERR_VALUE) on failure, with Linux's errno for each bad argument.  A
 * call that fails changes nothing: the regions it needs are allocated
 * before the first change is made.
 */
#ifndef MM_MMAN_H
#define MM_MMAN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <hal/page.h>
#include <mm/mm_types.h>

/* PROT_*, MAP_* and MREMAP_* with Linux's i386 values. */
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

/* Linux's errno values beyond those every C library shares (1..34). */
#define LINUX_ENOSYS 38
#define LINUX_EOVERFLOW 75

/* The user part of the address space ends where the kernel's begins. */
#define TASK_SIZE PAGE_OFFSET
/* Bottom-up mmap searches start here (Linux's legacy layout: TASK_SIZE / 3, rounded). */
#define TASK_UNMAPPED_BASE 0x40000000u
/* Nothing is mapped below this (Linux's mmap_min_addr default). */
#define MMAP_MIN_ADDR 0x00010000u
/* The top of the initial stack: the last user page stays unmapped as a guard. */
#define STACK_TOP (TASK_SIZE - PAGE_SIZE)
/* RLIMIT_STACK's default. */
#define STACK_LIMIT_DEFAULT (8u << 20)
/* sysctl vm.max_map_count's default. */
#define DEFAULT_MAX_MAP_COUNT 65530

#define IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-4095)

extern int sysctl_max_map_count;

/* Counters for tests and reports. */
struct mmap_stats {
	unsigned long find_vma_calls, find_vma_cache_hits;
	unsigned long splits, merges;
	unsigned long faults, cow_copies, cow_reuses, anon_faults, file_faults, stack_expansions;
};
extern struct mmap_stats mmap_stats;

/* Create the kmem caches of this subsystem (vm_area_struct, mm_struct, anon_vma, files); call after
 * mm_init(), again after every new mm_init() on the host. */
void proc_mm_init(void);

/* A new empty address space with its own page directory (kernel part shared), mm_users = mm_count =
 * 1; NULL without memory. */
struct mm_struct *mm_alloc(void);

/* Drop one user of mm; the last one tears the address space down (exit_mmap) and drops the users'
 * mm_count. */
void mmput(struct mm_struct *mm);

/* Drop one reference to the structure; the last one frees it. */
void mmdrop(struct mm_struct *mm);

/* Unmap and free every region, page and user page table of mm (the page directory stays until
 * mmdrop). */
void exit_mmap(struct mm_struct *mm);

/* The first region with vm_end > addr (it may start above addr), or NULL; uses and sets
 * mm->mmap_cache. */
struct vm_area_struct *find_vma(struct mm_struct *mm, vaddr_t addr);

/* find_vma(), and the region before it (or the last region when the result is NULL) in *pprev. */
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, vaddr_t addr, struct vm_area_struct **pprev);

/* The first region that overlaps [start, end), or NULL. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, vaddr_t start, vaddr_t end);

/* Put vma (not overlapping any region of mm) into the list, the tree and its file's i_mmap /
 * anon_vma; 0 or -ENOMEM at the map count limit. */
int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma);

/* Split vma at addr (strictly inside it, page aligned): new_below puts the new region below addr; 0
 * or -ENOMEM. */
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t addr, bool new_below);

/* Merge the region [addr, end) described by the arguments with prev and/or the following region
 * when compatible; the merged region, or NULL if none was possible. */
struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev, vaddr_t addr, vaddr_t end,
				 unsigned long vm_flags, struct anon_vma *anon_vma, struct file *file,
				 unsigned long pgoff);

/* The hal protection of present pages for vm_flags (write only for shared writable regions). */
unsigned vm_get_page_prot(unsigned long vm_flags);

/* A free range of len bytes: addr itself for MAP_FIXED, the hint addr if free, else the first gap
 * from mmap_base up; -ENOMEM or -EINVAL. */
unsigned long get_unmapped_area(struct mm_struct *mm, vaddr_t addr, unsigned long len, unsigned long flags);

/* mmap(2) with the offset in pages: a new region of file (NULL with MAP_ANONYMOUS) at addr; the
 * address or -errno. */
unsigned long do_mmap_pgoff(struct mm_struct *mm, struct file *file, vaddr_t addr, unsigned long len,
			    unsigned long prot, unsigned long flags, unsigned long pgoff);

/* mmap(2) with a byte offset (-EINVAL when not page aligned). */
unsigned long do_mmap(struct mm_struct *mm, struct file *file, vaddr_t addr, unsigned long len, unsigned long prot,
		      unsigned long flags, uint64_t offset);

/* munmap(2): unmap [start, start + len), splitting regions at the ends; 0 or -errno. */
int do_munmap(struct mm_struct *mm, vaddr_t start, unsigned long len);

/* mprotect(2): change the protection of [start, start + len), which must be fully mapped; 0 or
 * -errno. */
int do_mprotect(struct mm_struct *mm, vaddr_t start, unsigned long len, unsigned long prot);

/* mremap(2): shrink, grow in place or (MREMAP_MAYMOVE) move the region at addr; the new address or
 * -errno. */
unsigned long do_mremap(struct mm_struct *mm, vaddr_t addr, unsigned long old_len, unsigned long new_len,
			unsigned long flags, vaddr_t new_addr);

/* brk(2): move the end of the heap to brk (0 asks); returns the new break, or the old one when it
 * cannot move. */
vaddr_t do_brk_syscall(struct mm_struct *mm, vaddr_t brk);

/* Grow the VM_GROWSDOWN region vma down to cover address, within mm->stack_limit and not touching
 * the region below; 0 or -ENOMEM. */
int expand_stack(struct vm_area_struct *vma, vaddr_t address);

/* Copy every region of oldmm into the empty mm, sharing pages copy-on-write (fork); 0 or -ENOMEM
 * (mm then holds what was copied, for mmput). */
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm);

/* One line of /proc/PID/maps as its fields. */
struct maps_row {
	vaddr_t start, end;
	char perms[5];		   /* "r-xp": read, write, execute, then s(hared) or p(rivate) */
	unsigned long long offset; /* of a file mapping in its file, in bytes; else 0 */
	unsigned major, minor;	   /* the file's device; else 0:0 */
	unsigned long ino;	   /* the file's inode number; else 0 */
	const char *name;	   /* the last column ("/proctest", "[heap]"), or NULL when empty */
	char name_buf[48];	   /* room for a file's name, which name then points at */
};

/* Fill row with the /proc/PID/maps fields of vma. */
void maps_row(struct vm_area_struct *vma, struct maps_row *row);

/* Print the regions of mm as /proc/PID/maps does. */
void show_maps(FILE *out, struct mm_struct *mm);

/* Kmem-cache objects of this subsystem in use (regions, mms, anon_vmas, files), for exact
 * accounting tests. */
unsigned long proc_mm_objects(void);

#endif
