/*
 * Defensive parsing of the Multiboot2 information block (Multiboot2
 * Specification, §3.6): a fixed part (total_size, reserved) followed by
 * tags, each (type, size) and padded to 8 bytes, ending with a tag of type
 * 0.  Every tag is checked against total_size before it is read, every
 * count is derived from a tag's size, and every string is copied with a
 * limit.  Unlike v1, the tags carry copies (command line, names, the memory
 * maps, the ACPI RSDP), so the block itself is the one thing to reserve
 * besides the modules.
 */
#include <string.h>

#include <boot_params_internal.h>

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_SMBIOS 13
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18

#define MB2_ALIGN 8u
/* GRUB's block with a 200-descriptor EFI map is ~12 KiB; a total far beyond 1 MiB is garbage. */
#define MB2_MAX_TOTAL (1u << 20)
/* The ACPI RSDP is 20 bytes (revision 0) or 36 (revision 2 and later, its own Length field). */
#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u

/* UEFI Specification, §7.2: EFI_MEMORY_DESCRIPTOR is 40 bytes; the map's stride may be larger. */
#define EFI_DESC_MIN 40u
#define EFI_PAGE_SHIFT 12
#define EFI_MEMORY_WB 0x8ull

enum efi_memory_type {
	EFI_RESERVED_MEMORY = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL_MEMORY = 7,
	EFI_UNUSABLE_MEMORY = 8,
	EFI_ACPI_RECLAIM_MEMORY = 9,
	EFI_ACPI_MEMORY_NVS = 10,
};

struct tag {
	uint32_t type, size;
};

/* Where one tag lies: its physical address and size, already checked to fit in the block. */
struct tag_at {
	uint32_t pa, type, size;
};

/*
 * The e820 type of an EFI descriptor.  After ExitBootServices the loader's
 * and boot services' memory is free RAM (what the kernel and modules use is
 * reserved separately); runtime services keep theirs.  RAM without the
 * write-back attribute is not treated as RAM, as Linux does.
 */
static uint32_t efi_to_e820(uint32_t efi_type, uint64_t attribute)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return attribute & EFI_MEMORY_WB ? E820_RAM : E820_RESERVED;
	case EFI_UNUSABLE_MEMORY:
		return E820_UNUSABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return E820_ACPI;
	case EFI_ACPI_MEMORY_NVS:
		return E820_NVS;
	default: /* reserved, runtime services, MMIO, port space, PAL code, persistent memory, unknown */
		return E820_RESERVED;
	}
}

/* Tag 6: entry_size, entry_version, then entries of (base_addr, length, type, reserved). */
static void parse_mmap(const struct tag_at *t, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t hdr[2], entry_size;

	if (t->size < 16 || !boot_read_copy(read, ctx, t->pa + 8, hdr, sizeof(hdr))) {
		boot_warn(bp, "memory map tag of size %u is malformed; ignored", (unsigned)t->size);
		return;
	}
	entry_size = hdr[0];
	if (entry_size < 24 || entry_size % 8) {
		boot_warn(bp, "memory map entry size %u is not a multiple of 8 of at least 24; map ignored",
			  (unsigned)entry_size);
		return;
	}
	for (uint32_t off = 16; t->size - off >= entry_size; off += entry_size) {
		uint8_t e[20];
		uint64_t addr, len;
		uint32_t type;

		if (!boot_read_copy(read, ctx, t->pa + off, e, sizeof(e))) {
			boot_warn(bp, "memory map entry at 0x%x unreadable", (unsigned)(t->pa + off));
			return;
		}
		memcpy(&addr, e, 8);
		memcpy(&len, e + 8, 8);
		memcpy(&type, e + 16, 4);
		boot_add_e820(bp, addr, len, type);
	}
}

/* Tag 17: descriptor size, descriptor version, then the EFI memory map as GetMemoryMap returned it. */
static void parse_efi_mmap(const struct tag_at *t, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t hdr[2], desc_size;

	if (t->size < 16 || !boot_read_copy(read, ctx, t->pa + 8, hdr, sizeof(hdr))) {
		boot_warn(bp, "EFI memory map tag of size %u is malformed; ignored", (unsigned)t->size);
		return;
	}
	desc_size = hdr[0];
	if (desc_size < EFI_DESC_MIN || desc_size % 8) {
		boot_warn(bp, "EFI memory descriptor size %u is not a multiple of 8 of at least %u; map ignored",
			  (unsigned)desc_size, EFI_DESC_MIN);
		return;
	}
	for (uint32_t off = 16; t->size - off >= desc_size; off += desc_size) {
		uint8_t d[EFI_DESC_MIN];
		uint32_t type;
		uint64_t start, pages, attribute;

		if (!boot_read_copy(read, ctx, t->pa + off, d, sizeof(d))) {
			boot_warn(bp, "EFI memory descriptor at 0x%x unreadable", (unsigned)(t->pa + off));
			return;
		}
		memcpy(&type, d, 4);
		memcpy(&start, d + 8, 8);
		memcpy(&pages, d + 24, 8);
		memcpy(&attribute, d + 32, 8);
		if (pages > (UINT64_MAX >> EFI_PAGE_SHIFT))
			pages = UINT64_MAX >> EFI_PAGE_SHIFT; /* boot_add_e820 clips what wraps */
		boot_add_e820(bp, start, pages << EFI_PAGE_SHIFT, efi_to_e820(type, attribute));
	}
}

/* Tag 3: mod_start, mod_end, then the module's command line. */
static void parse_module(const struct tag_at *t, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t se[2], len = 0;
	struct boot_module *bm;

	if (t->size < 16 || !boot_read_copy(read, ctx, t->pa + 8, se, sizeof(se))) {
		boot_warn(bp, "module tag of size %u is malformed; ignored", (unsigned)t->size);
		return;
	}
	if (se[1] < se[0]) {
		boot_warn(bp, "boot module has end 0x%x below start 0x%x; ignored", (unsigned)se[1], (unsigned)se[0]);
		return;
	}
	if (bp->nr_modules == BOOT_MAX_MODULES) {
		boot_warn(bp, "more than %d boot modules; module at 0x%x ignored", BOOT_MAX_MODULES, (unsigned)se[0]);
		return;
	}
	bm = &bp->modules[bp->nr_modules++];
	bm->start = se[0];
	bm->end = se[1];
	if (!boot_copy_string(read, ctx, t->pa + 16, t->size - 16, bm->name, sizeof(bm->name), &len))
		boot_warn(bp, "boot module %u name truncated", bp->nr_modules - 1);
	boot_reserve(bp, bm->start, bm->end - bm->start, "Multiboot module");
}

/* Tags 14 and 15: a copy of the RSDP.  The newer table wins whichever tag comes first. */
static void parse_acpi(const struct tag_at *t, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t need = t->type == MB2_TAG_ACPI_NEW ? RSDP_V2_LEN : RSDP_V1_LEN, len = t->size - 8;

	if (len < need) {
		boot_warn(bp, "ACPI %s RSDP tag holds %u bytes, less than %u; ignored",
			  t->type == MB2_TAG_ACPI_NEW ? "new" : "old", (unsigned)len, (unsigned)need);
		return;
	}
	if (t->type == MB2_TAG_ACPI_OLD && bp->acpi_rsdp_len >= RSDP_V2_LEN)
		return;
	if (len > sizeof(bp->acpi_rsdp))
		len = sizeof(bp->acpi_rsdp);
	if (!boot_read_copy(read, ctx, t->pa + 8, bp->acpi_rsdp, len)) {
		boot_warn(bp, "ACPI RSDP tag at 0x%x unreadable", (unsigned)t->pa);
		bp->acpi_rsdp_len = 0;
		return;
	}
	bp->acpi_rsdp_len = len;
}

/* Tag 13: major, minor, six reserved bytes, then the SMBIOS entry point structure. */
static void parse_smbios(const struct tag_at *t, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t len;

	if (t->size <= 16) {
		boot_warn(bp, "SMBIOS tag of size %u holds no entry point; ignored", (unsigned)t->size);
		return;
	}
	len = t->size - 16;
	if (len > sizeof(bp->smbios_entry))
		len = sizeof(bp->smbios_entry);
	if (!boot_read_copy(read, ctx, t->pa + 16, bp->smbios_entry, len)) {
		boot_warn(bp, "SMBIOS tag at 0x%x unreadable", (unsigned)t->pa);
		return;
	}
	bp->smbios_len = len;
}

/* A string tag (command line, loader name) into dst, bounded by the tag. */
static void parse_string(const struct tag_at *t, phys_reader read, void *ctx, char *dst, size_t size,
			 struct boot_params *bp, const char *what)
{
	uint32_t len;

	if (!boot_copy_string(read, ctx, t->pa + 8, t->size - 8, dst, size, &len))
		boot_warn(bp, "%s not terminated within its tag or longer than %u bytes; truncated", what,
			  (unsigned)size - 1);
}

/* Walk the tags; the EFI map is parsed after the loop, so it wins over a type-6 map wherever it stood. */
static bool walk_tags(uint32_t mbi_pa, uint32_t total, phys_reader read, void *ctx, struct boot_params *bp)
{
	struct tag_at efi_map = { 0, 0, 0 }, mmap = { 0, 0, 0 };
	bool seen_end = false, have_meminfo = false;
	uint32_t off = 8;

	while (total - off >= sizeof(struct tag)) {
		struct tag tag;
		struct tag_at t;

		if (!boot_read_copy(read, ctx, mbi_pa + off, &tag, sizeof(tag))) {
			boot_warn(bp, "Multiboot2 tag at 0x%x unreadable; the rest ignored", (unsigned)(mbi_pa + off));
			break;
		}
		if (tag.size < sizeof(struct tag) || tag.size > total - off) {
			boot_warn(bp, "Multiboot2 tag type %u at offset %u has size %u (%u bytes left); the rest ignored",
				  (unsigned)tag.type, (unsigned)off, (unsigned)tag.size, (unsigned)(total - off));
			break;
		}
		t = (struct tag_at){ mbi_pa + off, tag.type, tag.size };
		if (tag.type == MB2_TAG_END) {
			seen_end = true;
			break;
		}
		switch (tag.type) {
		case MB2_TAG_CMDLINE:
			parse_string(&t, read, ctx, bp->cmdline, sizeof(bp->cmdline), bp, "command line");
			bp->flags |= MB_INFO_CMDLINE;
			break;
		case MB2_TAG_LOADER_NAME:
			parse_string(&t, read, ctx, bp->loader_name, sizeof(bp->loader_name), bp, "loader name");
			bp->flags |= MB_INFO_LOADER_NAME;
			break;
		case MB2_TAG_MODULE:
			parse_module(&t, read, ctx, bp);
			bp->flags |= MB_INFO_MODS;
			break;
		case MB2_TAG_BASIC_MEMINFO: {
			uint32_t m[2];

			if (tag.size >= 16 && boot_read_copy(read, ctx, t.pa + 8, m, sizeof(m))) {
				bp->mem_lower_kb = m[0];
				bp->mem_upper_kb = m[1];
				bp->flags |= MB_INFO_MEMORY;
				have_meminfo = true;
			}
			break;
		}
		case MB2_TAG_MMAP:
			mmap = t;
			break;
		case MB2_TAG_EFI_MMAP:
			efi_map = t;
			bp->efi_boot = true;
			break;
		case MB2_TAG_EFI32:
		case MB2_TAG_EFI64:
			bp->efi_boot = true;
			break;
		case MB2_TAG_EFI_BS:
			boot_warn(bp, "the loader left EFI boot services running; they are not used");
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			parse_acpi(&t, read, ctx, bp);
			break;
		case MB2_TAG_SMBIOS:
			parse_smbios(&t, read, ctx, bp);
			break;
		default: /* boot device, framebuffer, ELF sections, APM, network, load base: not used */
			break;
		}
		/* 64-bit: a size near 4 GiB must not wrap the offset back into the block. */
		if ((uint64_t)off + ((tag.size + MB2_ALIGN - 1) & ~(uint64_t)(MB2_ALIGN - 1)) > total)
			break;
		off += (tag.size + MB2_ALIGN - 1) & ~(MB2_ALIGN - 1);
	}
	if (!seen_end)
		boot_warn(bp, "Multiboot2 information has no end tag within its %u bytes", (unsigned)total);

	if (efi_map.size) {
		parse_efi_mmap(&efi_map, read, ctx, bp);
		bp->e820_source = "the EFI memory map";
	}
	if (!bp->e820.nr_entries && mmap.size) {
		parse_mmap(&mmap, read, ctx, bp);
		bp->e820_source = "the Multiboot2 memory map";
	}
	bp->e820_from_mmap = bp->e820.nr_entries > 0;
	if (!bp->e820_from_mmap) {
		if (!have_meminfo) {
			boot_warn(bp, "loader gave neither a memory map nor memory sizes");
			return false;
		}
		boot_warn(bp, "no memory map from the loader; using mem_lower/mem_upper");
		boot_add_e820(bp, 0, (uint64_t)bp->mem_lower_kb << 10, E820_RAM);
		boot_add_e820(bp, 0x100000, (uint64_t)bp->mem_upper_kb << 10, E820_RAM);
		bp->e820_source = "mem_lower/mem_upper";
	}
	boot_sort_e820(bp);
	return true;
}

bool multiboot2_parse(uint32_t magic, uint32_t mbi_pa, phys_reader read, void *ctx, struct boot_params *bp)
{
	uint32_t fixed[2];

	memset(bp, 0, sizeof(*bp));
	bp->multiboot2 = true;
	if (magic != MULTIBOOT2_BOOTLOADER_MAGIC) {
		boot_warn(bp, "not loaded by a Multiboot2 loader (magic 0x%08x, expected 0x%08x)", (unsigned)magic,
			  MULTIBOOT2_BOOTLOADER_MAGIC);
		return false;
	}
	if (mbi_pa % MB2_ALIGN) {
		boot_warn(bp, "Multiboot2 information at 0x%08x is not 8-byte aligned", (unsigned)mbi_pa);
		return false;
	}
	if (!boot_read_copy(read, ctx, mbi_pa, fixed, sizeof(fixed))) {
		boot_warn(bp, "Multiboot2 information at 0x%08x unreadable", (unsigned)mbi_pa);
		return false;
	}
	if (fixed[0] < 8 + sizeof(struct tag) || fixed[0] > MB2_MAX_TOTAL) {
		boot_warn(bp, "Multiboot2 information at 0x%08x claims %u bytes (expected 16 to %u)", (unsigned)mbi_pa,
			  (unsigned)fixed[0], MB2_MAX_TOTAL);
		return false;
	}
	boot_reserve(bp, mbi_pa, fixed[0], "Multiboot2 information");
	return walk_tags(mbi_pa, fixed[0], read, ctx, bp);
}
