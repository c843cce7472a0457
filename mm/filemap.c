/*
 * Open files, inodes' page caches and the fault operation of file regions. "By traversing
 * vm_file->f_dentry->d_inode->i_mapping, the associated address_space for the region may be
 * obtained" (Understanding the Linux Virtual Memory Manager, §5.2); here the chain is
 * vm_file->f_inode->i_mapping. A cached page holds one reference of the cache and one per
 * page-table entry, so two processes mapping the same file page map one physical page.
 */
#include <stdlib.h>
#include <string.h>

#include <hal/irq.h>
#include <mm/fixmap.h>
#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/rmap.h>
#include <mm/slab.h>

static struct kmem_cache *filp_cachep;
static unsigned long open_files;

void files_init(void)
{
	filp_cachep = kmem_cache_create("filp", sizeof(struct file), 0, 0);
	open_files = 0;
}

unsigned long nr_open_files(void)
{
	return open_files;
}

struct file *file_open(struct inode *inode, unsigned f_mode)
{
	struct file *f = kmem_cache_alloc(filp_cachep, __GFP_ZERO);

	if (!f)
		return NULL;
	f->f_inode = inode;
	f->f_mode = f_mode;
	f->f_count = 1;
	f->f_vm_ops = &generic_file_vm_ops;
	inode->i_count++;
	open_files++;
	return f;
}

void get_file(struct file *file)
{
	file->f_count++;
}

void fput(struct file *file)
{
	struct inode *inode;

	if (--file->f_count > 0)
		return;
	inode = file->f_inode;
	kmem_cache_free(filp_cachep, file);
	open_files--;
	if (--inode->i_count == 0 && inode->i_evict)
		inode->i_evict(inode);
}

int address_space_init(struct inode *inode, uint64_t size, const struct address_space_operations *a_ops)
{
	struct address_space *m = &inode->i_data;
	unsigned long slots = (unsigned long)((size + PAGE_SIZE - 1) >> PAGE_SHIFT);

	memset(m, 0, sizeof(*m));
	m->host = inode;
	m->i_mmap = RB_ROOT;
	m->a_ops = a_ops;
	m->nr_slots = slots;
	if (slots) {
		m->pages = kzalloc(slots * sizeof(struct page *), 0);
		if (!m->pages)
			return -ENOMEM;
	}
	inode->i_mapping = m;
	inode->i_size = size;
	return 0;
}

void truncate_inode_pages(struct address_space *mapping)
{
	for (unsigned long i = 0; i < mapping->nr_slots; i++)
		if (mapping->pages[i]) {
			put_page(mapping->pages[i]);
			mapping->pages[i] = NULL;
		}
	mapping->nrpages = 0;
	kfree(mapping->pages);
	mapping->pages = NULL;
	mapping->nr_slots = 0;
}

struct page *find_or_read_page(struct address_space *mapping, unsigned long index, int *err)
{
	struct page *page;

	if (index >= mapping->nr_slots) {
		*err = -EFAULT;
		return NULL;
	}
	page = mapping->pages[index];
	if (!page) {
		page = alloc_page(GFP_HIGHUSER | __GFP_NOWARN);
		if (!page) {
			*err = -ENOMEM;
			return NULL;
		}
		*err = mapping->a_ops->readpage(mapping, page, index);
		if (*err) {
			__free_page(page);
			return NULL;
		}
		page_set_mapping(page, mapping, false, index);
		mapping->pages[index] = page;
		mapping->nrpages++;
	}
	get_page(page);
	*err = 0;
	return page;
}

unsigned filemap_fault(struct vm_area_struct *vma, struct vm_fault *vmf)
{
	struct address_space *mapping = vma->vm_file->f_inode->i_mapping;
	int err;

	/* A page wholly beyond the end of the file: SIGBUS, as Linux. */
	if (vmf->pgoff >= mapping->nr_slots)
		return VM_FAULT_SIGBUS;
	vmf->page = find_or_read_page(mapping, vmf->pgoff, &err);
	if (!vmf->page)
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	return 0;
}

const struct vm_operations_struct generic_file_vm_ops = { NULL, NULL, filemap_fault, NULL };

size_t file_read(struct file *file, void *buf, size_t len, uint64_t *pos)
{
	struct address_space *mapping = file->f_inode->i_mapping;
	size_t done = 0;

	while (done < len && *pos < file->f_inode->i_size) {
		unsigned long index = (unsigned long)(*pos >> PAGE_SHIFT), off = (unsigned long)(*pos & ~PAGE_MASK);
		size_t chunk = PAGE_SIZE - off;
		struct page *page;
		unsigned long irq;
		vaddr_t k;
		int err;

		if (chunk > len - done)
			chunk = len - done;
		if (chunk > file->f_inode->i_size - *pos)
			chunk = (size_t)(file->f_inode->i_size - *pos);
		page = find_or_read_page(mapping, index, &err);
		if (!page)
			break;
		irq = hal_irq_save();
		k = kmap_atomic(page, KM_USER0);
		memcpy((char *)buf + done, (char *)hal_va_ptr(k) + off, chunk);
		kunmap_atomic(k, KM_USER0);
		hal_irq_restore(irq);
		put_page(page);
		done += chunk;
		*pos += chunk;
	}
	return done;
}
