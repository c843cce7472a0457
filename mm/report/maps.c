/*
 * /proc/PID/maps: one line per region of an address space, in the format of Linux's
 * fs/proc/task_mmu.c ("Understanding the Linux Virtual Memory Manager", §5.4, on the regions).
 */
#include <stdio.h>

#include <mm/fs.h>
#include <mm/mman.h>

/* The name column of maps for vma, or NULL. */
static const char *vma_name(struct vm_area_struct *vma, char *buf, size_t len)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->vm_ops && vma->vm_ops->name) {
		const char *n = vma->vm_ops->name(vma);

		if (n)
			return n;
	}
	if (vma->vm_file) {
		snprintf(buf, len, "/%s", vma->vm_file->f_inode->i_name);
		return buf;
	}
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk && mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}

void show_maps(FILE *out, struct mm_struct *mm)
{
	for (struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
		char line[128], name[48];
		const char *n = vma_name(vma, name, sizeof(name));
		unsigned long long pgoff = 0;
		unsigned major = 0, minor = 0;
		unsigned long ino = 0;
		int len;

		if (vma->vm_file) {
			struct inode *inode = vma->vm_file->f_inode;

			pgoff = (unsigned long long)vma->vm_pgoff << PAGE_SHIFT;
			major = inode->i_dev_major;
			minor = inode->i_dev_minor;
			ino = inode->i_ino;
		}
		len = snprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu",
			       (unsigned long)vma->vm_start, (unsigned long)vma->vm_end,
			       (vma->vm_flags & VM_READ) ? 'r' : '-', (vma->vm_flags & VM_WRITE) ? 'w' : '-',
			       (vma->vm_flags & VM_EXEC) ? 'x' : '-', (vma->vm_flags & VM_MAYSHARE) ? 's' : 'p',
			       pgoff, major, minor, ino);
		if (n) {
			/* Linux pads to 25 + 6 * sizeof(void *) - 1 columns, then one space and the
			 * name. */
			fprintf(out, "%-*s %s\n", 25 + 6 * 4 - 1, line, n);
		} else {
			(void)len;
			fprintf(out, "%s\n", line);
		}
	}
}
