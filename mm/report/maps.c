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

void maps_row(struct vm_area_struct *vma, struct maps_row *row)
{
	row->start = vma->vm_start;
	row->end = vma->vm_end;
	row->perms[0] = (vma->vm_flags & VM_READ) ? 'r' : '-';
	row->perms[1] = (vma->vm_flags & VM_WRITE) ? 'w' : '-';
	row->perms[2] = (vma->vm_flags & VM_EXEC) ? 'x' : '-';
	row->perms[3] = (vma->vm_flags & VM_MAYSHARE) ? 's' : 'p';
	row->perms[4] = '\0';
	row->offset = 0;
	row->major = row->minor = 0;
	row->ino = 0;
	if (vma->vm_file) {
		struct inode *inode = vma->vm_file->f_inode;

		row->offset = (unsigned long long)vma->vm_pgoff << PAGE_SHIFT;
		row->major = inode->i_dev_major;
		row->minor = inode->i_dev_minor;
		row->ino = inode->i_ino;
	}
	row->name = vma_name(vma, row->name_buf, sizeof(row->name_buf));
}

void show_maps(FILE *out, struct mm_struct *mm)
{
	for (struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
		struct maps_row r;
		char line[128];

		maps_row(vma, &r);
		snprintf(line, sizeof(line), "%08lx-%08lx %s %08llx %02x:%02x %lu",
			 (unsigned long)r.start, (unsigned long)r.end, r.perms, r.offset, r.major,
			 r.minor, r.ino);
		if (r.name) {
			/* Linux pads to 25 + 6 * sizeof(void *) - 1 columns, then one space and the
			 * name. */
			fprintf(out, "%-*s %s\n", 25 + 6 * 4 - 1, line, r.name);
		} else {
			fprintf(out, "%s\n", line);
		}
	}
}
