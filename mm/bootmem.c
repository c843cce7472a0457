/*
 * The boot-time allocator: a bitmap over the frames of low memory, one
 * bit per frame, set while the frame is reserved.  Allocation is first fit
 * from a goal upwards; there is no free of allocations (Linux's
 * free_bootmem only ever returns whole ranges), and free_all_bootmem()
 * ends it by giving every clear bit to the buddy allocator.
 */
#include <string.h>

#include <hal/mmu.h>
#include <mm/bootmem.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/printk.h>

bootmem_data_t bootmem_node_data;

#define BITS_PER_BYTE 8u

static bool alive(const char *what)
{
	if (bootmem_node_data.node_bootmem_map && !bootmem_node_data.retired)
		return true;
	printk("bootmem: %s called while bootmem is not running\n", what);
	return false;
}

static bool test_bit_(pfn_t pfn)
{
	return (bootmem_node_data.node_bootmem_map[pfn / BITS_PER_BYTE] >> (pfn % BITS_PER_BYTE)) & 1u;
}

static void set_bit_(pfn_t pfn)
{
	bootmem_node_data.node_bootmem_map[pfn / BITS_PER_BYTE] |= (uint8_t)(1u << (pfn % BITS_PER_BYTE));
}

static void clear_bit_(pfn_t pfn)
{
	bootmem_node_data.node_bootmem_map[pfn / BITS_PER_BYTE] &= (uint8_t)~(1u << (pfn % BITS_PER_BYTE));
}

unsigned long bootmem_bootmap_bytes(pfn_t max_low)
{
	unsigned long bytes = (max_low + BITS_PER_BYTE - 1) / BITS_PER_BYTE;

	return (bytes + PAGE_SIZE - 1) & PAGE_MASK;
}

unsigned long init_bootmem(paddr_t map_pa, pfn_t max_low, paddr_t mapped_end)
{
	bootmem_data_t *b = &bootmem_node_data;
	unsigned long bytes = bootmem_bootmap_bytes(max_low);

	memset(b, 0, sizeof(*b));
	b->node_min_pfn = 0;
	b->node_low_pfn = max_low;
	b->map_pa = map_pa;
	b->map_pages = bytes >> PAGE_SHIFT;
	b->mapped_end = mapped_end;
	/* The bitmap is physically contiguous and linearly mapped, so one conversion covers it. */
	b->node_bootmem_map = hal_va_ptr(__va(map_pa));
	memset(b->node_bootmem_map, 0xff, bytes);
	contig_page_data.bdata = b;
	return bytes;
}

/*
 * The frames of [addr, addr + size) in 64-bit arithmetic that cannot wrap: a range reaching the top
 * of the physical address space (an e820 entry ending exactly at 2^64, as the Multiboot parser
 * leaves a wrapping entry once clipped) is cut at 2^64, never folded back to 0.  *first and *end
 * are the frames wholly inside it (inner) or touching it (outer); false for an empty range.
 */
static bool range_frames(paddr_t addr, uint64_t size, bool inner, uint64_t *first, uint64_t *end)
{
	uint64_t last; /* the last byte, saturated at 2^64 - 1 */
	const uint64_t top_pfn = (UINT64_MAX >> PAGE_SHIFT) + 1;

	if (size == 0)
		return false;
	last = size - 1 > UINT64_MAX - addr ? UINT64_MAX : addr + (size - 1);
	if (inner) {
		*first = (addr >> PAGE_SHIFT) + ((addr & (PAGE_SIZE - 1)) != 0);
		*end = last == UINT64_MAX ? top_pfn : (last + 1) >> PAGE_SHIFT;
	} else {
		*first = addr >> PAGE_SHIFT;
		*end = (last >> PAGE_SHIFT) + 1;
	}
	return *first < *end;
}

void free_bootmem(paddr_t addr, uint64_t size)
{
	bootmem_data_t *b = &bootmem_node_data;
	uint64_t start, end;

	if (!alive("free_bootmem") || !range_frames(addr, size, true, &start, &end))
		return;
	if (end > b->node_low_pfn)
		end = b->node_low_pfn;
	for (uint64_t pfn = start; pfn < end; pfn++)
		clear_bit_((pfn_t)pfn);
}

unsigned long reserve_bootmem(paddr_t addr, uint64_t size)
{
	bootmem_data_t *b = &bootmem_node_data;
	uint64_t start, end;
	unsigned long was_free = 0;

	if (!alive("reserve_bootmem") || !range_frames(addr, size, false, &start, &end))
		return 0;
	if (end > b->node_low_pfn)
		end = b->node_low_pfn;
	for (uint64_t pfn = start; pfn < end; pfn++) {
		if (!test_bit_((pfn_t)pfn))
			was_free++;
		set_bit_((pfn_t)pfn);
	}
	return was_free;
}

bool bootmem_reserved(pfn_t pfn)
{
	const bootmem_data_t *b = &bootmem_node_data;

	if (!b->node_bootmem_map || b->retired || pfn >= b->node_low_pfn)
		return true;
	return test_bit_(pfn);
}

unsigned long bootmem_free_pages(void)
{
	const bootmem_data_t *b = &bootmem_node_data;
	unsigned long n = 0;

	if (!b->node_bootmem_map || b->retired)
		return 0;
	for (pfn_t pfn = 0; pfn < b->node_low_pfn; pfn++)
		n += !test_bit_(pfn);
	return n;
}

/* First fit for n frames aligned to step in [lo, hi); returns the first frame or hi. */
static pfn_t find_run(pfn_t lo, pfn_t hi, pfn_t n, pfn_t step)
{
	pfn_t pfn = (lo + step - 1) & ~(step - 1);

	while (pfn + n <= hi && pfn + n > pfn) {
		pfn_t i;

		for (i = 0; i < n; i++)
			if (test_bit_(pfn + i))
				break;
		if (i == n)
			return pfn;
		/* Skip past the reserved frame that ended this attempt. */
		pfn = ((pfn + i + 1) + step - 1) & ~(step - 1);
	}
	return hi;
}

paddr_t alloc_bootmem_phys(uint64_t size, uint64_t align, paddr_t goal, paddr_t limit)
{
	bootmem_data_t *b = &bootmem_node_data;
	pfn_t n, step, lo, hi, pfn;

	if (!alive("alloc_bootmem") || size == 0)
		return 0;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if (align & (align - 1))
		return 0;
	n = (pfn_t)((size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	step = (pfn_t)(align >> PAGE_SHIFT);
	hi = limit >> PAGE_SHIFT < b->node_low_pfn ? (pfn_t)(limit >> PAGE_SHIFT) : b->node_low_pfn;
	lo = (pfn_t)(goal >> PAGE_SHIFT);
	pfn = lo < hi ? find_run(lo, hi, n, step) : hi;
	if (pfn >= hi)
		pfn = find_run(0, hi, n, step);
	if (pfn >= hi)
		return 0;
	for (pfn_t i = 0; i < n; i++)
		set_bit_(pfn + i);
	b->last_success = pfn + n;
	return (paddr_t)pfn << PAGE_SHIFT;
}

vaddr_t __alloc_bootmem(uint64_t size, uint64_t align, paddr_t goal)
{
	paddr_t pa = alloc_bootmem_phys(size, align, goal, bootmem_node_data.mapped_end);

	if (!pa)
		return 0;
	memset(hal_va_ptr(__va(pa)), 0, (size_t)size);
	return __va(pa);
}

void bootmem_set_mapped_end(paddr_t end)
{
	bootmem_node_data.mapped_end = end;
}

/* The first frame at or after pfn and before end whose bit is set (want true) or clear; end if
 * none. Whole bytes of the other value are stepped over at once. */
static pfn_t find_bit_(pfn_t pfn, pfn_t end, bool want)
{
	const uint8_t skip = want ? 0x00 : 0xff;

	while (pfn < end) {
		if (pfn % BITS_PER_BYTE == 0 && pfn + BITS_PER_BYTE <= end &&
		    bootmem_node_data.node_bootmem_map[pfn / BITS_PER_BYTE] == skip) {
			pfn += BITS_PER_BYTE;
			continue;
		}
		if (test_bit_(pfn) == want)
			return pfn;
		pfn++;
	}
	return end;
}

unsigned long free_all_bootmem(void)
{
	bootmem_data_t *b = &bootmem_node_data;
	unsigned long handed = 0;
	pfn_t pfn = 0, map_start, map_end;

	if (!alive("free_all_bootmem"))
		return 0;
	/* Hand over maximal runs of clear bits; free_boot_range() splits them into buddy blocks. */
	while ((pfn = find_bit_(pfn, b->node_low_pfn, false)) < b->node_low_pfn) {
		pfn_t run = find_bit_(pfn, b->node_low_pfn, true);

		handed += free_boot_range(pfn, run);
		pfn = run;
	}
	/* The bitmap itself was a bootmem reservation; it goes last, once nothing reads it. */
	map_start = (pfn_t)(b->map_pa >> PAGE_SHIFT);
	map_end = map_start + (pfn_t)b->map_pages;
	b->retired = true;
	b->node_bootmem_map = NULL;
	contig_page_data.bdata = NULL;
	handed += free_boot_range(map_start, map_end);
	return handed;
}
