/* Defensive parsing of the Multiboot v1 information block. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <multiboot.h>

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

/*
 * Copy len bytes at pa out of the loader's memory (which may be misaligned); false if unreadable.
 */
static bool read_copy(phys_reader read, void *ctx, uint32_t pa, void *dst, uint32_t len)
{
	const void *src = read(ctx, pa, len);

	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

static void warn(struct boot_params *bp, const char *fmt, ...)
{
	va_list ap;

	if (bp->nr_warnings == BOOT_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(bp->warnings[bp->nr_warnings++], sizeof(bp->warnings[0]), fmt, ap);
	va_end(ap);
}

static void reserve(struct boot_params *bp, uint32_t start, uint32_t len, const char *what)
{
	if (bp->nr_reserved == BOOT_MAX_RESERVED || !len)
		return;
	bp->reserved[bp->nr_reserved].start = start;
	bp->reserved[bp->nr_reserved].end = start + len < start ? UINT32_MAX : start + len;
	bp->reserved[bp->nr_reserved].what = what;
	bp->nr_reserved++;
}

/*
 * Copy a NUL-terminated string at pa of at most size-1 bytes; reads one byte at a time so it never
 * reads past what the accessor allows.
 */
static bool copy_string(phys_reader read, void *ctx, uint32_t pa, char *dst, size_t size, uint32_t *len)
{
	size_t i;

	for (i = 0; i + 1 < size; i++) {
		const char *c = read(ctx, pa + (uint32_t)i, 1);

		if (!c || pa + i < pa)
			break;
		dst[i] = *c;
		if (!*c) {
			*len = (uint32_t)i + 1;
			return true;
		}
	}
	dst[i] = '\0';
	*len = (uint32_t)i;
	return false;
}

static void add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct e820_table *t = &bp->e820;

	if (!size)
		return;
	if (addr + size < addr) {
		warn(bp, "memory map entry at 0x%llx wraps around; clipped", (unsigned long long)addr);
		size = 0 - addr;
	}
	if (t->nr_entries == E820_MAX_ENTRIES) {
		warn(bp, "memory map has more than %d entries; the rest ignored", E820_MAX_ENTRIES);
		return;
	}
	t->entries[t->nr_entries].addr = addr;
	t->entries[t->nr_entries].size = size;
	t->entries[t->nr_entries].type = type >= E820_RAM && type <= E820_UNUSABLE ? type : E820_RESERVED;
	t->nr_entries++;
}

static int by_addr(const void *a, const void *b)
{
	const struct e820_entry *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void parse_mmap(const struct mb_info *mbi, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t off = 0;

	reserve(bp, mbi->mmap_addr, mbi->mmap_length, "Multiboot memory map");
	while (off + 4 <= mbi->mmap_length) {
		uint8_t e[20];
		uint64_t addr, len;
		uint32_t size, type;

		if (!read_copy(read, ctx, mbi->mmap_addr + off, &size, 4)) {
			warn(bp, "memory map at 0x%x unreadable", (unsigned)(mbi->mmap_addr + off));
			break;
		}
		/*
		 * 64-bit sum: a size near 4 GiB must not wrap back to this entry and loop forever.
		 */
		if (size < 20 || (uint64_t)off + 4 + size > mbi->mmap_length) {
			warn(bp, "memory map entry of size %u at offset %u is malformed", (unsigned)size, (unsigned)off);
			break;
		}
		if (!read_copy(read, ctx, mbi->mmap_addr + off + 4, e, sizeof(e))) {
			warn(bp, "memory map entry at offset %u unreadable", (unsigned)off);
			break;
		}
		memcpy(&addr, e, 8);
		memcpy(&len, e + 8, 8);
		memcpy(&type, e + 16, 4);
		add_e820(bp, addr, len, type);
		off += 4 + size;
	}
	bp->e820_from_mmap = bp->e820.nr_entries > 0;
}

static void parse_modules(const struct mb_info *mbi, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t count = mbi->mods_count;

	if (count > BOOT_MAX_MODULES) {
		warn(bp, "%u boot modules, only the first %d kept", (unsigned)count, BOOT_MAX_MODULES);
		count = BOOT_MAX_MODULES;
	}
	reserve(bp, mbi->mods_addr, count * (uint32_t)sizeof(struct mb_module), "Multiboot module list");
	for (uint32_t i = 0; i < count; i++) {
		struct mb_module mod, *m = &mod;
		struct boot_module *bm = &bp->modules[bp->nr_modules];
		uint32_t len = 0;

		if (!read_copy(read, ctx, mbi->mods_addr + i * (uint32_t)sizeof(mod), &mod, sizeof(mod))) {
			warn(bp, "boot module list at 0x%x unreadable", (unsigned)mbi->mods_addr);
			return;
		}
		if (m->mod_end < m->mod_start) {
			warn(bp, "boot module %u has end 0x%x below start 0x%x; ignored", (unsigned)i,
			     (unsigned)m->mod_end, (unsigned)m->mod_start);
			continue;
		}
		bm->start = m->mod_start;
		bm->end = m->mod_end;
		bm->name[0] = '\0';
		if (m->string && !copy_string(read, ctx, m->string, bm->name, sizeof(bm->name), &len))
			warn(bp, "boot module %u name truncated", (unsigned)i);
		reserve(bp, m->string, len, "Multiboot module name");
		reserve(bp, bm->start, bm->end - bm->start, "Multiboot module");
		bp->nr_modules++;
	}
}

bool multiboot_parse(uint32_t magic, uint32_t mbi_pa, phys_reader read, void *ctx, struct boot_params *bp)
{
	struct mb_info info, *mbi = &info;
	uint32_t len;

	memset(bp, 0, sizeof(*bp));
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		warn(bp, "not loaded by a Multiboot loader (magic 0x%08x, expected 0x%08x)", (unsigned)magic,
		     MULTIBOOT_BOOTLOADER_MAGIC);
		return false;
	}
	if (!read_copy(read, ctx, mbi_pa, &info, sizeof(info))) {
		warn(bp, "Multiboot information at 0x%08x unreadable", (unsigned)mbi_pa);
		return false;
	}
	bp->flags = mbi->flags;
	reserve(bp, mbi_pa, sizeof(*mbi), "Multiboot information");
	if (mbi->flags & MB_INFO_MEMORY) {
		bp->mem_lower_kb = mbi->mem_lower;
		bp->mem_upper_kb = mbi->mem_upper;
	}
	if ((mbi->flags & MB_INFO_CMDLINE) && mbi->cmdline) {
		if (!copy_string(read, ctx, mbi->cmdline, bp->cmdline, sizeof(bp->cmdline), &len))
			warn(bp, "command line truncated to %u bytes", (unsigned)sizeof(bp->cmdline) - 1);
		reserve(bp, mbi->cmdline, len, "Multiboot command line");
	}
	if ((mbi->flags & MB_INFO_LOADER_NAME) && mbi->boot_loader_name)
		copy_string(read, ctx, mbi->boot_loader_name, bp->loader_name, sizeof(bp->loader_name), &len);
	if (mbi->flags & MB_INFO_MEM_MAP)
		parse_mmap(mbi, read, ctx, bp);
	if (!bp->e820_from_mmap) {
		if (!(mbi->flags & MB_INFO_MEMORY)) {
			warn(bp, "loader gave neither a memory map nor memory sizes");
			return false;
		}
		warn(bp, "no memory map from the loader; using mem_lower/mem_upper");
		add_e820(bp, 0, (uint64_t)bp->mem_lower_kb << 10, E820_RAM);
		add_e820(bp, 0x100000, (uint64_t)bp->mem_upper_kb << 10, E820_RAM);
	}
	qsort(bp->e820.entries, bp->e820.nr_entries, sizeof(bp->e820.entries[0]), by_addr);
	if (mbi->flags & MB_INFO_MODS)
		parse_modules(mbi, read, ctx, bp);
	return true;
}
