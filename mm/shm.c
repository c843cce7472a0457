/*
 * System V shared memory and shared anonymous mappings (see mm/shm.h).
 * Both are unnamed inodes whose address_space starts empty and whose
 * readpage zero-fills: every region mapping the inode faults in the same
 * page-cache pages, so all attachments share one set of physical pages.
 * An inode goes away (its pages freed) when its last open file is put:
 * for a segment that is after IPC_RMID and the last detach.
 */
#include <stdlib.h>
#include <string.h>

#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/rmap.h>
#include <mm/shm.h>
#include <mm/slab.h>

#include "vma_internal.h"

struct shmid_kernel {
	bool used, deleted;
	int key, id;
	unsigned long size;
	unsigned long nattch;
	struct inode *inode;
	struct file *file; /* the segment's own reference until IPC_RMID */
	char name[40];
};

static struct shmid_kernel shm_segs[SHMMNI];
static unsigned long shmem_ino = 0x1000;

static int zero_readpage(struct address_space *mapping, struct page *page, unsigned long index)
{
	(void)mapping;
	(void)index;
	clear_user_highpage(page);
	return 0;
}

static const struct address_space_operations shmem_aops = { zero_readpage };

static void shmem_evict(struct inode *inode)
{
	truncate_inode_pages(inode->i_mapping);
	if (inode->i_private) {
		struct shmid_kernel *s = inode->i_private;

		memset(s, 0, sizeof(*s));
	}
	kfree(inode);
}

static const char *shmem_name(struct vm_area_struct *vma)
{
	(void)vma;
	return "/dev/zero (deleted)";
}

static const struct vm_operations_struct shmem_vm_ops = { NULL, NULL, filemap_fault, shmem_name };

/* An unnamed inode of size bytes with a zero-filling page cache, open read-write; NULL without
 * memory. */
static struct file *shmem_file_create(const char *name, unsigned long size)
{
	struct inode *inode = kzalloc(sizeof(*inode), 0);
	struct file *f;

	if (!inode)
		return NULL;
	if (address_space_init(inode, size, &shmem_aops)) {
		kfree(inode);
		return NULL;
	}
	snprintf(inode->i_name, sizeof(inode->i_name), "%s", name);
	inode->i_ino = shmem_ino++;
	inode->i_mode = 0600;
	inode->i_dev_major = 0;
	inode->i_dev_minor = 5;
	inode->i_evict = shmem_evict;
	f = file_open(inode, FMODE_READ | FMODE_WRITE);
	if (!f) {
		truncate_inode_pages(inode->i_mapping);
		kfree(inode);
		return NULL;
	}
	return f;
}

/* The file behind a MAP_SHARED|MAP_ANONYMOUS region (Linux's shmem_zero_setup). */
struct file *shmem_file_setup(const char *name, unsigned long size)
{
	struct file *f = shmem_file_create(name, size);

	if (f)
		f->f_vm_ops = &shmem_vm_ops;
	return f;
}

void shm_init(void)
{
	memset(shm_segs, 0, sizeof(shm_segs));
}

unsigned shm_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SHMMNI; i++)
		n += shm_segs[i].used;
	return n;
}

static struct shmid_kernel *shm_lookup(int shmid)
{
	if (shmid < 0 || shmid >= SHMMNI || !shm_segs[shmid].used)
		return NULL;
	return &shm_segs[shmid];
}

/* vm_ops of an attachment: open/close count nattch as Linux's shm_open/shm_close do. */
static void shm_open(struct vm_area_struct *vma)
{
	struct shmid_kernel *s = vma->vm_file->f_inode->i_private;

	s->nattch++;
}

static void shm_close(struct vm_area_struct *vma)
{
	struct shmid_kernel *s = vma->vm_file->f_inode->i_private;

	s->nattch--;
}

static const char *shm_name(struct vm_area_struct *vma)
{
	return ((struct shmid_kernel *)vma->vm_file->f_inode->i_private)->name;
}

static const struct vm_operations_struct shm_vm_ops = { shm_open, shm_close, filemap_fault, shm_name };

int shm_get(int key, unsigned long size, int shmflg, int uid)
{
	struct shmid_kernel *s = NULL;
	int id = -1;

	(void)uid;
	if (key != IPC_PRIVATE)
		for (int i = 0; i < SHMMNI; i++)
			if (shm_segs[i].used && !shm_segs[i].deleted && shm_segs[i].key == key) {
				if ((shmflg & IPC_CREAT) && (shmflg & IPC_EXCL))
					return -EEXIST;
				if (size > shm_segs[i].size)
					return -EINVAL;
				return i;
			}
	if (key != IPC_PRIVATE && !(shmflg & IPC_CREAT))
		return -ENOENT;
	if (size < SHMMIN || size > SHMMAX)
		return -EINVAL;
	for (int i = 0; i < SHMMNI && id < 0; i++)
		if (!shm_segs[i].used)
			id = i;
	if (id < 0)
		return -ENOSPC;
	s = &shm_segs[id];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "/SYSV%08x", (unsigned)key);
	s->file = shmem_file_create(s->name + 1, PAGE_ALIGN_UP(size));
	if (!s->file)
		return -ENOMEM;
	s->used = true;
	s->key = key;
	s->id = id;
	s->size = size;
	s->inode = s->file->f_inode;
	s->inode->i_private = s;
	s->file->f_vm_ops = &shm_vm_ops;
	return id;
}

unsigned long shm_at(struct mm_struct *mm, int shmid, vaddr_t addr, int shmflg)
{
	struct shmid_kernel *s = shm_lookup(shmid);
	unsigned long prot = PROT_READ, flags = MAP_SHARED, r;
	struct file *f;

	if (!s || s->deleted)
		return (unsigned long)-EINVAL;
	if (addr) {
		if (addr & (SHMLBA - 1)) {
			if (!(shmflg & SHM_RND))
				return (unsigned long)-EINVAL;
			addr &= ~(vaddr_t)(SHMLBA - 1);
		}
		/* As Linux: a fixed attach over an existing mapping needs SHM_REMAP. */
		if (!(shmflg & SHM_REMAP) && find_vma_intersection(mm, addr, addr + PAGE_ALIGN_UP(s->size)))
			return (unsigned long)-EINVAL;
		flags |= MAP_FIXED;
	}
	if (!(shmflg & SHM_RDONLY))
		prot |= PROT_WRITE;
	/*
	 * Each attachment opens the segment anew, as Linux does, so attachments never merge; a
	 * read-only attach opens it read-only, so mprotect cannot make it writable (no VM_MAYWRITE).
	 */
	f = file_open(s->inode, (shmflg & SHM_RDONLY) ? FMODE_READ : FMODE_READ | FMODE_WRITE);
	if (!f)
		return (unsigned long)-ENOMEM;
	f->f_vm_ops = &shm_vm_ops;
	r = do_mmap_pgoff(mm, f, addr, s->size, prot, flags, 0);
	fput(f);
	return r;
}

int shm_dt(struct mm_struct *mm, vaddr_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	struct file *file;
	vaddr_t end;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (!vma || vma->vm_start != addr || vma->vm_ops != &shm_vm_ops || vma->vm_pgoff != 0)
		return -EINVAL;
	/* The attachment may have been split by mprotect: take every piece of the same open
	 * file. */
	file = vma->vm_file;
	end = vma->vm_end;
	for (struct vm_area_struct *v = vma->vm_next; v && v->vm_file == file && v->vm_start == end; v = v->vm_next)
		end = v->vm_end;
	return do_munmap(mm, addr, end - addr);
}

int shm_rmid(int shmid)
{
	struct shmid_kernel *s = shm_lookup(shmid);
	struct file *f;

	if (!s || s->deleted)
		return -EINVAL;
	s->deleted = true;
	snprintf(s->name + strlen(s->name), sizeof(s->name) - strlen(s->name), " (deleted)");
	f = s->file;
	s->file = NULL;
	fput(f); /* the last put (no attachment left) evicts the inode and clears the slot */
	return 0;
}

int shm_stat(unsigned slot, struct shm_stat *st)
{
	const struct shmid_kernel *s;

	if (slot >= SHMMNI || !shm_segs[slot].used)
		return -ENOENT;
	s = &shm_segs[slot];
	st->key = s->key;
	st->id = s->id;
	st->size = s->size;
	st->nattch = s->nattch;
	st->resident = s->inode->i_mapping->nrpages;
	st->deleted = s->deleted;
	return 0;
}
