/*
 * kmap: the PKMAP window for high pages, with the 2.4 kernels'
 * pkmap_count[] bookkeeping (see mm/highmem.h), and page_address().
 *
 * Constant time: a mapped page is found through page->virtual; free slots
 * (count 0) are kept in a two-level bitmap, so the next free slot after
 * last_pkmap_nr is found with two find-first-set steps instead of a walk
 * over pkmap_count[]; slots whose count drops to 1 are remembered on a
 * list, so the flush at each wrap visits only them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/smp.h>
#include <mm/highmem.h>
#include <mm/kernel_pgtable.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/printk.h>
#include <mm/vmalloc.h>
#include <mm/tlbflush.h>

int pkmap_count[LAST_PKMAP];
unsigned int last_pkmap_nr;
spinlock_t kmap_lock = SPIN_LOCK_UNLOCKED("kmap_lock");
struct pkmap_stats pkmap_stats;

#define PAGE_KERNEL (HAL_PROT_WRITE | HAL_PROT_GLOBAL)

#define PKMAP_WORDS (LAST_PKMAP / 32)
_Static_assert(LAST_PKMAP % 32 == 0 && PKMAP_WORDS <= 32, "the free-slot bitmap has one summary word");

/* Bit i set: pkmap_count[i] == 0.  Summary bit w set: pkmap_free_map[w] has a bit set. */
static uint32_t pkmap_free_map[PKMAP_WORDS];
static uint32_t pkmap_free_summary;
/* Slots whose count dropped to 1 since the last flush (each once: pkmap_zero_mark). */
static uint16_t pkmap_zero_list[LAST_PKMAP];
static unsigned pkmap_zero_n;
static uint32_t pkmap_zero_mark[PKMAP_WORDS];

static void slot_set_free(unsigned nr)
{
	pkmap_free_map[nr / 32] |= 1u << (nr % 32);
	pkmap_free_summary |= 1u << (nr / 32);
}

static void slot_set_used(unsigned nr)
{
	pkmap_free_map[nr / 32] &= ~(1u << (nr % 32));
	if (!pkmap_free_map[nr / 32])
		pkmap_free_summary &= ~(1u << (nr / 32));
}

/* The first free slot at or after nr, or LAST_PKMAP if there is none up to the end. */
static unsigned next_free_slot(unsigned nr)
{
	unsigned w = nr / 32;
	uint32_t bits, words;

	if (nr >= LAST_PKMAP)
		return LAST_PKMAP;
	bits = pkmap_free_map[w] & (~0u << (nr % 32));
	if (bits)
		return w * 32 + (unsigned)__builtin_ctz(bits);
	words = w + 1 < 32 ? pkmap_free_summary & (~0u << (w + 1)) : 0;
	if (!words)
		return LAST_PKMAP;
	w = (unsigned)__builtin_ctz(words);
	return w * 32 + (unsigned)__builtin_ctz(pkmap_free_map[w]);
}

/* Remember that slot nr's count is 1 (unused, flush pending). */
static void slot_note_zero(unsigned nr)
{
	uint32_t bit = 1u << (nr % 32);

	if (pkmap_zero_mark[nr / 32] & bit)
		return;
	pkmap_zero_mark[nr / 32] |= bit;
	pkmap_zero_list[pkmap_zero_n++] = (uint16_t)nr;
}

int kmap_init(void)
{
	memset(pkmap_count, 0, sizeof(pkmap_count));
	memset(&pkmap_stats, 0, sizeof(pkmap_stats));
	memset(pkmap_zero_mark, 0, sizeof(pkmap_zero_mark));
	pkmap_zero_n = 0;
	pkmap_free_summary = 0;
	for (unsigned i = 0; i < LAST_PKMAP; i++)
		slot_set_free(i);
	last_pkmap_nr = 0;
	return kernel_table_check(PKMAP_BASE, "PKMAP") < 0 ? -1 : 0;
}

bool page_is_highmem(const struct page *page)
{
	return page_to_pfn(page) >= max_low_pfn;
}

vaddr_t page_address(const struct page *page)
{
	if (!page_is_highmem(page))
		return lowmem_page_address(page);
	return page->virtual;
}

struct page *pkmap_page(unsigned nr)
{
	paddr_t pa;

	if (!hal_query_page(swapper_pg_dir, PKMAP_ADDR(nr), &pa, NULL))
		return NULL;
	return pfn_to_page((pfn_t)(pa >> PAGE_SHIFT));
}

/* Called with kmap_lock held. */
static void flush_all_zero_pkmaps_locked(void)
{
	bool need_flush = false;

	/* Only the slots that went down to 1 since the last flush; a reused one (count > 1 again)
	 * stays. */
	while (pkmap_zero_n) {
		unsigned i = pkmap_zero_list[--pkmap_zero_n];
		struct page *page;

		pkmap_zero_mark[i / 32] &= ~(1u << (i % 32));
		if (pkmap_count[i] != 1)
			continue;
		pkmap_count[i] = 0;
		slot_set_free(i);
		page = pkmap_page(i);
		/* Only if the page still points here: a freed and reused struct page may have been
		 * reset. */
		if (page && page->virtual == PKMAP_ADDR(i))
			page->virtual = 0;
		hal_unmap_page(swapper_pg_dir, PKMAP_ADDR(i));
		pkmap_stats.slots_freed++;
		need_flush = true;
	}
	/*
	 * One global flush covers every slot freed above.  The 2.4 kernels
	 * flushed on every wrap; a wrap that freed nothing has no stale entry
	 * to remove, so it skips the flush (as 2.6 does).
	 */
	if (need_flush) {
		pkmap_stats.flush_ipis += flush_tlb_all();
		pkmap_stats.flushes++;
	}
}

void flush_all_zero_pkmaps(void)
{
	unsigned long irq = spin_lock_irqsave(&kmap_lock);

	flush_all_zero_pkmaps_locked();
	spin_unlock_irqrestore(&kmap_lock, irq);
}

/* Find a free slot going round from last_pkmap_nr and map page there; 0 if every slot is in use.
 * kmap_lock held. */
static vaddr_t map_new_virtual(struct page *page)
{
	unsigned nr;
	vaddr_t vaddr;
	int err;

	/*
	 * The 2.4 kernels step last_pkmap_nr one slot at a time and flush
	 * when it wraps to 0; the bitmap jumps straight to the same slot that
	 * walk would stop at: the next free one before the end, else (after the
	 * wrap and its flush) the first free one from slot 0.
	 */
	nr = next_free_slot(last_pkmap_nr + 1);
	if (nr == LAST_PKMAP) {
		pkmap_stats.wraps++;
		flush_all_zero_pkmaps_locked();
		nr = next_free_slot(0);
	}
	if (nr < LAST_PKMAP) {
		last_pkmap_nr = nr;
		goto found;
	}
	/* A full pass after the wrap found nothing: the walk would stop on the last slot. */
	last_pkmap_nr = LAST_PKMAP - 1;
	return 0;
found:
	vaddr = PKMAP_ADDR(last_pkmap_nr);
	err = hal_map_page(swapper_pg_dir, vaddr, (paddr_t)page_to_pfn(page) << PAGE_SHIFT, PAGE_KERNEL);
	if (err != HAL_OK) {
		printk("kmap: cannot map PKMAP slot %u at 0x%08lx (hal error %d)\n", last_pkmap_nr,
			(unsigned long)vaddr, err);
		return 0;
	}
	pkmap_count[last_pkmap_nr] = 1;
	slot_set_used(last_pkmap_nr);
	page->virtual = vaddr;
	pkmap_stats.fresh_maps++;
	return vaddr;
}

/* True when a CPU other than this one is online, so a slot may yet be released. */
static bool another_cpu_online(void)
{
	return (hal_cpu_online_mask() & ~(1u << hal_smp_processor_id())) != 0;
}

vaddr_t kmap_high(struct page *page)
{
	unsigned long irq = spin_lock_irqsave(&kmap_lock);
	vaddr_t vaddr;
	bool waited = false;

	for (;;) {
		unsigned long seen;

		vaddr = page->virtual;
		if (vaddr) {
			pkmap_stats.reuses++;
			break;
		}
		vaddr = map_new_virtual(page);
		if (vaddr)
			break;
		if (!another_cpu_online()) {
			pkmap_stats.exhausted++;
			printk("kmap: all %u PKMAP slots are in use and no other CPU can release one (pfn "
			       "0x%lx not mapped; failure %lu)\n", LAST_PKMAP,
			       (unsigned long)page_to_pfn(page), pkmap_stats.exhausted);
			break;
		}
		/*
		 * pkmap_map_wait (Understanding the Linux Virtual Memory Manager, §9.2): every slot
		 * is in use, another CPU holds them; wait with the lock dropped until one of them
		 * releases a slot, then look again (the page may have been mapped meanwhile).
		 */
		if (!waited)
			pkmap_stats.waits++;
		waited = true;
		seen = __atomic_load_n(&pkmap_stats.releases, __ATOMIC_ACQUIRE);
		spin_unlock_irqrestore(&kmap_lock, irq);
		while (__atomic_load_n(&pkmap_stats.releases, __ATOMIC_ACQUIRE) == seen &&
		       another_cpu_online())
			hal_cpu_relax();
		irq = spin_lock_irqsave(&kmap_lock);
	}
	if (vaddr)
		pkmap_count[PKMAP_NR(vaddr)]++;
	spin_unlock_irqrestore(&kmap_lock, irq);
	return vaddr;
}

int kunmap_high(struct page *page)
{
	unsigned long irq = spin_lock_irqsave(&kmap_lock);
	vaddr_t vaddr = page->virtual;
	unsigned nr;

	if (!vaddr || vaddr < PKMAP_BASE || vaddr >= PKMAP_END || pkmap_count[PKMAP_NR(vaddr)] < 2) {
		spin_unlock_irqrestore(&kmap_lock, irq);
		pkmap_stats.bad_kunmaps++;
		return -EINVAL;
	}
	nr = PKMAP_NR(vaddr);
	/* Down to 1: the mapping stays (and can be reused) until the next wrap flushes it. */
	if (--pkmap_count[nr] == 1) {
		slot_note_zero(nr);
		__atomic_fetch_add(&pkmap_stats.releases, 1, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&kmap_lock, irq);
	return 0;
}

vaddr_t kmap(struct page *page)
{
	if (hal_in_interrupt()) {
		pkmap_stats.irq_refused++;
		printk("kmap: called from interrupt context (pfn 0x%lx); kmap may wait for a PKMAP slot, "
		       "an interrupt handler must use kmap_atomic(KM_IRQ0); refused\n",
		       (unsigned long)page_to_pfn(page));
		return 0;
	}
	/* A frame in a hole of the e820 map (MMIO in the PCI hole) is not RAM: no cacheable alias of it. */
	if (!page_is_ram(page_to_pfn(page))) {
		printk("kmap: pfn 0x%lx is not RAM (a hole or MMIO in the e820 map); refused, use ioremap\n",
		       (unsigned long)page_to_pfn(page));
		return 0;
	}
	if (!page_is_highmem(page))
		return lowmem_page_address(page);
	return kmap_high(page);
}

int kunmap(struct page *page)
{
	return page_is_highmem(page) ? kunmap_high(page) : 0;
}

unsigned pkmap_slots_in_use(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LAST_PKMAP; i++)
		n += pkmap_count[i] > 1;
	return n;
}

