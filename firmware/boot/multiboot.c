/* Defensive parsing of the Multiboot v1 information block. */
#include <string.h>

#include <boot_params_internal.h>

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

static void parse_mmap(const struct mb_info *mbi, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t off = 0;

	boot_reserve(bp, mbi->mmap_addr, mbi->mmap_length, "Multiboot memory map");
	while (off + 4 <= mbi->mmap_length) {
		uint8_t e[20];
		uint64_t addr, len;
		uint32_t size, type;

		if (!boot_read_copy(read, ctx, mbi->mmap_addr + off, &size, 4)) {
			boot_warn(bp, "memory map at 0x%x unreadable", (unsigned)(mbi->mmap_addr + off));
			break;
		}
		/*
		 * 64-bit sum: a size near 4 GiB must not wrap back to this entry and loop forever.
		 */
		if (size < 20 || (uint64_t)off + 4 + size > mbi->mmap_length) {
			boot_warn(bp, "memory map entry of size %u at offset %u is malformed", (unsigned)size, (unsigned)off);
			break;
		}
		if (!boot_read_copy(read, ctx, mbi->mmap_addr + off + 4, e, sizeof(e))) {
			boot_warn(bp, "memory map entry at offset %u unreadable", (unsigned)off);
			break;
		}
		memcpy(&addr, e, 8);
		memcpy(&len, e + 8, 8);
		memcpy(&type, e + 16, 4);
		boot_add_e820(bp, addr, len, type);
		off += 4 + size;
	}
	bp->e820_from_mmap = bp->e820.nr_entries > 0;
}

static void parse_modules(const struct mb_info *mbi, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t count = mbi->mods_count;

	if (count > BOOT_MAX_MODULES) {
		boot_warn(bp, "%u boot modules, only the first %d kept", (unsigned)count, BOOT_MAX_MODULES);
		count = BOOT_MAX_MODULES;
	}
	boot_reserve(bp, mbi->mods_addr, count * (uint32_t)sizeof(struct mb_module), "Multiboot module list");
	for (uint32_t i = 0; i < count; i++) {
		struct mb_module mod, *m = &mod;
		struct boot_module *bm = &bp->modules[bp->nr_modules];
		uint32_t len = 0;

		if (!boot_read_copy(read, ctx, mbi->mods_addr + i * (uint32_t)sizeof(mod), &mod, sizeof(mod))) {
			boot_warn(bp, "boot module list at 0x%x unreadable", (unsigned)mbi->mods_addr);
			return;
		}
		if (m->mod_end < m->mod_start) {
			boot_warn(bp, "boot module %u has end 0x%x below start 0x%x; ignored", (unsigned)i,
			     (unsigned)m->mod_end, (unsigned)m->mod_start);
			continue;
		}
		bm->start = m->mod_start;
		bm->end = m->mod_end;
		bm->name[0] = '\0';
		if (m->string &&
		    !boot_copy_string(read, ctx, m->string, UINT32_MAX, bm->name, sizeof(bm->name), &len))
			boot_warn(bp, "boot module %u name truncated", (unsigned)i);
		boot_reserve(bp, m->string, len, "Multiboot module name");
		boot_reserve(bp, bm->start, bm->end - bm->start, "Multiboot module");
		bp->nr_modules++;
	}
}

bool multiboot_parse(uint32_t magic, uint32_t mbi_pa, phys_reader read, void *ctx, struct boot_params *bp)
{
	struct mb_info info, *mbi = &info;
	uint32_t len;

	memset(bp, 0, sizeof(*bp));
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		boot_warn(bp, "not loaded by a Multiboot loader (magic 0x%08x, expected 0x%08x)", (unsigned)magic,
		     MULTIBOOT_BOOTLOADER_MAGIC);
		return false;
	}
	if (!boot_read_copy(read, ctx, mbi_pa, &info, sizeof(info))) {
		boot_warn(bp, "Multiboot information at 0x%08x unreadable", (unsigned)mbi_pa);
		return false;
	}
	bp->flags = mbi->flags;
	boot_reserve(bp, mbi_pa, sizeof(*mbi), "Multiboot information");
	if (mbi->flags & MB_INFO_MEMORY) {
		bp->mem_lower_kb = mbi->mem_lower;
		bp->mem_upper_kb = mbi->mem_upper;
	}
	if ((mbi->flags & MB_INFO_CMDLINE) && mbi->cmdline) {
		if (!boot_copy_string(read, ctx, mbi->cmdline, UINT32_MAX, bp->cmdline, sizeof(bp->cmdline), &len))
			boot_warn(bp, "command line truncated to %u bytes", (unsigned)sizeof(bp->cmdline) - 1);
		boot_reserve(bp, mbi->cmdline, len, "Multiboot command line");
	}
	if ((mbi->flags & MB_INFO_LOADER_NAME) && mbi->boot_loader_name)
		boot_copy_string(read, ctx, mbi->boot_loader_name, UINT32_MAX, bp->loader_name,
				 sizeof(bp->loader_name), &len);
	if (mbi->flags & MB_INFO_MEM_MAP)
		parse_mmap(mbi, read, ctx, bp);
	bp->e820_source = bp->e820_from_mmap ? "the Multiboot memory map" : "mem_lower/mem_upper";
	if (!bp->e820_from_mmap) {
		if (!(mbi->flags & MB_INFO_MEMORY)) {
			boot_warn(bp, "loader gave neither a memory map nor memory sizes");
			return false;
		}
		boot_warn(bp, "no memory map from the loader; using mem_lower/mem_upper");
		boot_add_e820(bp, 0, (uint64_t)bp->mem_lower_kb << 10, E820_RAM);
		boot_add_e820(bp, 0x100000, (uint64_t)bp->mem_upper_kb << 10, E820_RAM);
	}
	boot_sort_e820(bp);
	if (mbi->flags & MB_INFO_MODS)
		parse_modules(mbi, read, ctx, bp);
	return true;
}
