/*
 * The reverse mappings of one frame for a person (the `rmap` command): who maps it, where, and
 * with which rights ("Professional Linux Kernel Architecture", ch. 4, on reverse mapping).
 */
#include <stdio.h>

#include <mm/fs.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/rmap.h>

struct rmap_show_arg {
	FILE *out;
	int (*pid_of)(struct mm_struct *mm);
};

static bool show_one(struct page *page, struct vm_area_struct *vma, vaddr_t address, void *arg)
{
	struct rmap_show_arg *a = arg;
	int pid = a->pid_of ? a->pid_of(vma->vm_mm) : -1;

	(void)page;
	fprintf(a->out, "  pid %-4d 0x%08lx  in %08lx-%08lx %c%c%c%c%s%s\n", pid, (unsigned long)address,
		(unsigned long)vma->vm_start, (unsigned long)vma->vm_end, (vma->vm_flags & VM_READ) ? 'r' : '-',
		(vma->vm_flags & VM_WRITE) ? 'w' : '-', (vma->vm_flags & VM_EXEC) ? 'x' : '-',
		(vma->vm_flags & VM_MAYSHARE) ? 's' : 'p', vma->vm_file ? " /" : "",
		vma->vm_file ? vma->vm_file->f_inode->i_name : "");
	return true;
}

void rmap_show(FILE *out, pfn_t pfn, int (*pid_of)(struct mm_struct *mm))
{
	struct rmap_show_arg a = { out, pid_of };
	struct page *page;
	unsigned long n;

	if (!pfn_valid(pfn)) {
		fprintf(out, "rmap: no frame 0x%lx\n", (unsigned long)pfn);
		return;
	}
	page = pfn_to_page(pfn);
	if (page_count(page) <= 0 || PageBuddy(page)) {
		fprintf(out, "pfn 0x%lx: free\n", (unsigned long)pfn);
		return;
	}
	if (PageSlab(page) || PageReserved(page)) {
		fprintf(out, "pfn 0x%lx: a %s page, not mapped into user space\n", (unsigned long)pfn,
			PageSlab(page) ? "slab" : "reserved");
		return;
	}
	if (PageAnon(page))
		fprintf(out, "pfn 0x%lx: anonymous page, index 0x%lx, count %d\n", (unsigned long)pfn,
			page_index(page), page_count(page));
	else if (page_mapping(page))
		fprintf(out, "pfn 0x%lx: page cache of /%s, offset 0x%lx, count %d\n", (unsigned long)pfn,
			page_mapping(page)->host->i_name, page_index(page) << PAGE_SHIFT, page_count(page));
	else {
		fprintf(out, "pfn 0x%lx: not a user page (count %d)\n", (unsigned long)pfn, page_count(page));
		return;
	}
	n = rmap_walk(page, show_one, &a);
	fprintf(out, "%lu mapping%s\n", n, n == 1 ? "" : "s");
}
