/*
 * The objects of a process address space: mm_struct, vm_area_struct and
 * what a region points at (a file, its inode and address_space, an
 * anon_vma).
 *
 * "Each address space consists of a number of page-aligned regions of memory that are in use. They
 * never overlap and represent a set of addresses which contain pages that are related to each other
 * in terms of protection and purpose." (Understanding the Linux Virtual Memory Manager, §5.2)
 * Regions are kept twice, in address order on the vm_next/vm_prev list and in the mm_rb red-black
 * tree keyed by address: "The linear linking of all vm_area_struct instances of a process is
 * achieved using vm_next, whereas incorporation in the red-black tree is the responsibility of
 * vm_rb." (Professional Linux Kernel Architecture, ch. 4)
 *
 * Every object here comes from a kmem cache (mm/slab.h), so slabinfo shows
 * them and a leak shows as a count that does not return.
 */
#ifndef MM_MM_TYPES_H
#define MM_MM_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/page.h>
#include <hal/smp.h>
#include <mm/list.h>
#include <mm/rbtree.h>

struct page;
struct mm_struct;
struct vm_area_struct;
struct address_space;

/* vm_flags, with Linux's values so a reader can compare. */
#define VM_READ 0x00000001ul
#define VM_WRITE 0x00000002ul
#define VM_EXEC 0x00000004ul
#define VM_SHARED 0x00000008ul
#define VM_MAYREAD 0x00000010ul /* what mprotect may turn on later */
#define VM_MAYWRITE 0x00000020ul
#define VM_MAYEXEC 0x00000040ul
#define VM_MAYSHARE 0x00000080ul
#define VM_GROWSDOWN 0x00000100ul /* a stack: grows down on a fault just below it */
#define VM_DENYWRITE 0x00000800ul /* an executable's text */
#define VM_DONTCOPY 0x00020000ul  /* not inherited by fork */
/* a System V shared memory attachment (VM_IO's bit; no device memory here) */
#define VM_SHM 0x00000400ul

#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)

/* What a fault asks of handle_mm_fault(). */
#define FAULT_FLAG_WRITE 0x01u
#define FAULT_FLAG_USER 0x02u
#define FAULT_FLAG_INSTRUCTION 0x04u /* an instruction fetch (the CPU's I/D error bit, with NX) */

/* What handle_mm_fault() and vm_ops->fault report (0 is success). */
#define VM_FAULT_OOM 0x0001u
#define VM_FAULT_SIGBUS 0x0002u
#define VM_FAULT_SIGSEGV 0x0004u

/* One page fault handed to a region's fault operation. */
struct vm_fault {
	unsigned flags;        /* FAULT_FLAG_* */
	unsigned long pgoff;   /* the page's offset in the file, in pages */
	vaddr_t address;       /* the faulting user address, page aligned */
	struct page *page;     /* out: the page, with a reference for the caller */
};

/*
 * The methods of a region: "open and close are invoked when a region is created and deleted ...
 * However, fault is very important. If a virtual page is not present in an address space, the
 * automatically triggered page fault handler invokes this function to read the corresponding data
 * into a physical page that is mapped into the user address space." (Professional Linux Kernel
 * Architecture, ch. 4)
 */
struct vm_operations_struct {
	void (*open)(struct vm_area_struct *area);
	void (*close)(struct vm_area_struct *area);
	unsigned (*fault)(struct vm_area_struct *vma, struct vm_fault *vmf);
	const char *(*name)(struct vm_area_struct *vma); /* for maps: "[shm]" etc., or NULL */
};

/*
 * "anon_vma_node and anon_vma are used to manage shared pages originating from anonymous mappings.
 * Mappings that point to the same pages are held on a doubly linked list, where anon_vma_node acts
 * as the list element." (Professional Linux Kernel Architecture, ch. 4) A region and every region
 * forked or split from it share one anon_vma; an anonymous page points at it (page_anon_vma()) and
 * its index places it in each region of the list.
 */
struct anon_vma {
	/* vm_area_struct.anon_vma_node of every region that may map its pages */
	struct list_head head;
};

/* The methods of an address_space: fill a page of the cache. */
struct address_space_operations {
	/* Fill page (already in the cache at index) with the file's contents; 0 or a negative
	 * errno. */
	int (*readpage)(struct address_space *mapping, struct page *page, unsigned long index);
};

/*
 * A file's pages and the regions that map it. "Given an interval in a file, the kernel sometimes
 * needs to know all processes into which the interval is mapped" (Professional Linux Kernel
 * Architecture, ch. 4): i_mmap holds every region mapping the file, in an interval tree keyed by
 * [vm_pgoff, last page offset]. The page cache is an array indexed by page offset, since files here
 * are small and fixed in size; each cached page holds one reference of the cache.
 */
struct address_space {
	struct inode *host;
	struct rb_root i_mmap;            /* interval tree of vm_area_struct.shared */
	unsigned long i_mmap_count;       /* regions in i_mmap */
	struct page **pages;              /* the cache: pages[index] or NULL */
	unsigned long nr_slots;           /* entries of pages[] (file size in pages) */
	unsigned long nrpages;            /* pages in the cache */
	const struct address_space_operations *a_ops;
};

/* A file in the tiny file systems: its size, its data and its page cache. */
struct inode {
	unsigned long i_ino;
	uint64_t i_size;
	unsigned i_mode;                 /* 0444 or 0555 for the read-only modules, 0600 for shm */
	int i_count;
	char i_name[32];
	paddr_t i_phys;                  /* ramfs: where the module's bytes are */
	void *i_private;                 /* shm: the segment */
	struct address_space i_data;
	struct address_space *i_mapping; /* &i_data */
	unsigned char i_dev_major, i_dev_minor;
	/* called when the last open file of an unnamed inode goes (shm, shmem) */
	void (*i_evict)(struct inode *inode);
};

/* An open file: "struct file { struct inode *f_inode; }" (Understanding the Linux Virtual Memory
 * Manager, ch. 5). */
struct file {
	struct inode *f_inode;
	unsigned f_mode;                 /* FMODE_READ | FMODE_WRITE */
	int f_count;
	uint64_t f_pos;
	const struct vm_operations_struct *f_vm_ops; /* what mmap of this file installs */
};

#define FMODE_READ 0x1u
#define FMODE_WRITE 0x2u
#define FMODE_EXEC 0x20u

/*
 * One region. The fields are those of Professional Linux Kernel Architecture, ch. 4: "vm_mm is a
 * back-pointer to the mm_struct instance to which the region belongs. vm_start and vm_end specify
 * the virtual start and end addresses of the region in userspace." vm_page_prot holds the hal
 * protection (HAL_PROT_*) of its present pages; a private writable region keeps HAL_PROT_WRITE off
 * there, so that a shared page is copied on the first write (do_wp_page()).
 */
struct vm_area_struct {
	struct mm_struct *vm_mm;
	vaddr_t vm_start, vm_end;         /* [vm_start, vm_end), page aligned */
	struct vm_area_struct *vm_next, *vm_prev;
	struct rb_node vm_rb;
	unsigned vm_page_prot;
	unsigned long vm_flags;
	/* file offset of vm_start in pages; anonymous: vm_start >> PAGE_SHIFT at birth */
	unsigned long vm_pgoff;
	struct file *vm_file;
	const struct vm_operations_struct *vm_ops;
	void *vm_private_data;
	struct anon_vma *anon_vma;
	struct list_head anon_vma_node;
	struct {
		struct rb_node rb;
		unsigned long rb_subtree_last; /* largest last page offset in this subtree */
	} shared;                         /* node of the file's i_mmap interval tree */
};

/*
 * One address space. "The process address space is described by the mm_struct struct meaning that
 * only one exists for each process and is shared between userspace threads." (Understanding the
 * Linux Virtual Memory Manager, ch. 5) mm_users counts the tasks using it (threads made by clone
 * share it); mm_count counts references to the structure itself (1 for all the users together, plus
 * any reader that must keep it while the users go away).
 */
struct mm_struct {
	struct vm_area_struct *mmap;      /* the list, in address order */
	struct rb_root mm_rb;             /* the same regions, keyed by address */
	struct vm_area_struct *mmap_cache; /* the last find_vma() result */
	paddr_t pgd;                      /* its page directory */
	int map_count;
	int mm_users, mm_count;
	vaddr_t free_area_cache;          /* where the next bottom-up search starts */
	vaddr_t mmap_base;                /* TASK_UNMAPPED_BASE */
	vaddr_t start_code, end_code, start_data, end_data;
	vaddr_t start_brk, brk, start_stack;
	vaddr_t arg_start, arg_end;
	unsigned long total_vm;           /* pages in regions */
	unsigned long rss;                /* pages present in the page tables */
	unsigned long nr_ptes;            /* user page tables allocated */
	unsigned long stack_limit;        /* bytes a VM_GROWSDOWN region may reach */
	cpumask_t cpu_vm_mask;            /* CPUs that may cache its user entries (mm/tlbflush.h) */
};

#endif
