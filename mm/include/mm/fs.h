/*
 * Files for mmap: inodes with an address_space page cache, open files, and the tiny read-only file
 * system over the boot modules (ramfs). "If the region is backed by a file, the struct file is
 * available through the vm_file field which has a pointer to the struct inode. The inode is used to
 * get the struct address_space" (Understanding the Linux Virtual Memory Manager, ch. 5). A page of
 * a file lives once in its page cache, so two processes mapping it share one physical page.
 */
#ifndef MM_FS_H
#define MM_FS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mm/mm_types.h>

#define RAMFS_MAX_FILES 16

/* One module handed to ramfs_init(): physical bytes [start, end) called name. */
struct ramfs_module {
	paddr_t start, end;
	const char *name;
};

/* Make one read-only inode per module (names are their last path component); returns how many. */
unsigned ramfs_init(const struct ramfs_module *mods, unsigned n);

/* The ramfs inode called name, or NULL. */
struct inode *ramfs_lookup(const char *name);

/* The i-th ramfs inode (for listing), or NULL. */
struct inode *ramfs_inode(unsigned i);

/* Set up inode's address_space for size bytes; 0 or -ENOMEM. */
int address_space_init(struct inode *inode, uint64_t size, const struct address_space_operations *a_ops);

/* Free every cached page of mapping and its slot array (no region may map the file any more). */
void truncate_inode_pages(struct address_space *mapping);

/* The cached page at index, read in on a miss, with one more reference for the caller; NULL and
 * *err on failure. */
struct page *find_or_read_page(struct address_space *mapping, unsigned long index, int *err);

/* The fault operation of file regions: the page cache page, read on a miss. */
unsigned filemap_fault(struct vm_area_struct *vma, struct vm_fault *vmf);

extern const struct vm_operations_struct generic_file_vm_ops;

/* A new open file of inode with mode FMODE_*; NULL without memory. */
struct file *file_open(struct inode *inode, unsigned f_mode);

/* Take one more reference to file. */
void get_file(struct file *file);

/* Drop one reference to file; the last frees it. */
void fput(struct file *file);

/* Copy up to len bytes of file at *pos into buf through the page cache; bytes read. */
size_t file_read(struct file *file, void *buf, size_t len, uint64_t *pos);

/* Open files in existence (for accounting tests). */
unsigned long nr_open_files(void);

/* Create the file cache (called by proc_mm_init()). */
void files_init(void);

#endif
