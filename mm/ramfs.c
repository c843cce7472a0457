/*
 * A tiny read-only file system over the boot modules (QEMU -initrd "a,b",
 * GRUB `module`): one inode per module, named by the last component of its
 * command line, whose readpage copies the module's bytes from physical
 * memory (through kmap_atomic, wherever the loader put them) and zeroes
 * the tail of the last page.  Files are mode 0555 and open read-only.
 */
#include <string.h>

#include <hal/irq.h>
#include <mm/fixmap.h>
#include <mm/fs.h>
#include <mm/mman.h>
#include <mm/page.h>

static struct inode ramfs_inodes[RAMFS_MAX_FILES];
static unsigned ramfs_count;

/* Copy the bytes [off, off + len) of physical memory at base + off into dst. */
static void copy_from_phys(void *dst, paddr_t pa, size_t len)
{
	while (len) {
		size_t off = (size_t)(pa & (PAGE_SIZE - 1)), chunk = PAGE_SIZE - off;
		unsigned long irq;
		vaddr_t k;

		if (chunk > len)
			chunk = len;
		irq = hal_irq_save();
		k = kmap_atomic(pfn_to_page((pfn_t)(pa >> PAGE_SHIFT)), KM_USER1);
		memcpy(dst, (char *)hal_va_ptr(k) + off, chunk);
		kunmap_atomic(k, KM_USER1);
		hal_irq_restore(irq);
		dst = (char *)dst + chunk;
		pa += chunk;
		len -= chunk;
	}
}

static int ramfs_readpage(struct address_space *mapping, struct page *page, unsigned long index)
{
	struct inode *inode = mapping->host;
	uint64_t off = (uint64_t)index << PAGE_SHIFT;
	size_t n = inode->i_size - off < PAGE_SIZE ? (size_t)(inode->i_size - off) : PAGE_SIZE;
	static unsigned char buf[PAGE_SIZE];
	unsigned long irq;
	vaddr_t k;

	memset(buf, 0, sizeof(buf));
	copy_from_phys(buf, inode->i_phys + off, n);
	irq = hal_irq_save();
	k = kmap_atomic(page, KM_USER0);
	memcpy(hal_va_ptr(k), buf, PAGE_SIZE);
	kunmap_atomic(k, KM_USER0);
	hal_irq_restore(irq);
	return 0;
}

static const struct address_space_operations ramfs_aops = { ramfs_readpage };

unsigned ramfs_init(const struct ramfs_module *mods, unsigned n)
{
	/* Called once at boot (and by each host test on fresh fake RAM): earlier inodes are
	 * forgotten. */
	memset(ramfs_inodes, 0, sizeof(ramfs_inodes));
	ramfs_count = 0;
	for (unsigned i = 0; i < n && ramfs_count < RAMFS_MAX_FILES; i++) {
		struct inode *inode = &ramfs_inodes[ramfs_count];
		const char *name = mods[i].name ? mods[i].name : "", *slash = strrchr(name, '/'), *space;
		size_t len;

		if (mods[i].end < mods[i].start)
			continue;
		if (slash)
			name = slash + 1;
		space = strchr(name, ' ');
		len = space ? (size_t)(space - name) : strlen(name);
		if (len >= sizeof(inode->i_name))
			len = sizeof(inode->i_name) - 1;
		if (!len) {
			snprintf(inode->i_name, sizeof(inode->i_name), "module%u", i);
		} else {
			memcpy(inode->i_name, name, len);
			inode->i_name[len] = 0;
		}
		inode->i_ino = 2 + ramfs_count;
		inode->i_mode = 0555;
		inode->i_phys = mods[i].start;
		inode->i_dev_major = 0;
		inode->i_dev_minor = 1;
		inode->i_count = 1; /* the file system's own reference: never evicted */
		if (address_space_init(inode, mods[i].end - mods[i].start, &ramfs_aops))
			continue;
		ramfs_count++;
	}
	return ramfs_count;
}

struct inode *ramfs_lookup(const char *name)
{
	if (name[0] == '/')
		name++;
	for (unsigned i = 0; i < ramfs_count; i++)
		if (!strcmp(ramfs_inodes[i].i_name, name))
			return &ramfs_inodes[i];
	return NULL;
}

struct inode *ramfs_inode(unsigned i)
{
	return i < ramfs_count ? &ramfs_inodes[i] : NULL;
}
