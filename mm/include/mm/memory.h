/*
 * The page tables of a process and the page-fault path.  A user page
 * table is allocated on the first mapping in its 4 MiB span (the hal says
 * HAL_ENOTABLE and we supply a zeroed low page) and freed when no region
 * is left in that span.  User pages come from GFP_HIGHUSER and are cleared
 * and copied through kmap_atomic.
 */
#ifndef MM_MEMORY_H
#define MM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#include <mm/mm_types.h>

/* Bring in the page at address for vma (anonymous zero fill, vm_ops->fault, copy-on-write); 0 or
 * VM_FAULT_*. */
unsigned handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t address, unsigned flags);

/* Check an access against vma's flags (FAULT_FLAG_WRITE, exec) : true when the region allows it. */
bool vma_access_ok(const struct vm_area_struct *vma, bool write, bool exec);

/* Map page at address in mm with hal protection prot, allocating the page table; 0 or -ENOMEM.
 * Replaces any previous entry. */
int install_user_pte(struct mm_struct *mm, vaddr_t address, struct page *page, unsigned prot);

/* Unmap every present page of [start, end) in vma, dropping rmap and references. */
void zap_page_range(struct vm_area_struct *vma, vaddr_t start, vaddr_t end);

/* Free the user page tables of [start, end) (rounded out to table spans) that no region of mm uses
 * any more. */
void free_pgtables(struct mm_struct *mm, vaddr_t start, vaddr_t end);

/* Rewrite the present entries of [start, end) in vma with vma->vm_page_prot (mprotect). */
void change_protection(struct vm_area_struct *vma, vaddr_t start, vaddr_t end);

/* Move the present entries of [old_addr, old_addr + len) in vma to new_addr in new_vma (mremap); 0
 * or -ENOMEM before anything moved. */
int move_page_tables(struct vm_area_struct *vma, vaddr_t old_addr, struct vm_area_struct *new_vma, vaddr_t new_addr,
		     unsigned long len);

/* Copy the entries of vma into the child's dst_vma, write-protecting private pages on both sides
 * (fork); 0 or -ENOMEM. */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *dst_vma,
		    struct vm_area_struct *vma);

/* The page mapped at address in mm (no fault), or NULL; *writable tells whether the entry allows
 * writes. */
struct page *follow_page(struct mm_struct *mm, vaddr_t address, bool *writable);

/* Copy len bytes between buf and mm's user addresses at addr, faulting pages in as the regions
 * allow; bytes done (less on a bad address). */
size_t access_process_vm(struct mm_struct *mm, vaddr_t addr, void *buf, size_t len, bool write);

#define FOLL_WRITE 0x01u /* access_remote_vm: write into the address space */
#define FOLL_FORCE 0x02u /* ... even into a private region without VM_WRITE, through a read-only copy */

/* access_process_vm() with FOLL_* flags; a forced write never leaves a writable entry behind. */
size_t access_remote_vm(struct mm_struct *mm, vaddr_t addr, void *buf, size_t len, unsigned gup_flags);

/* Anonymous pages of mm shared with another address space (page_count > 1), for the fork test. */
unsigned long count_shared_anon(struct mm_struct *mm);

/* Fill the user page [address, address + PAGE_SIZE) of a fresh page: zero it through
 * kmap_atomic. */
void clear_user_highpage(struct page *page);

/* Copy the contents of src to dst through two kmap_atomic slots. */
void copy_user_highpage(struct page *dst, struct page *src);

#endif
