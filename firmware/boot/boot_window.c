/*
 * The boot window (boot_window.h): one page table, in .bss and therefore
 * inside the 8 MiB boot.S mapped, installed in the current (boot) page
 * directory's slot for PAGE_OFFSET + 8 MiB.  Each map rewrites the first
 * entries of that table and flushes them; the window is read-only.
 */
#include <boot_window.h>
#include <firmware.h>
#include <hal/mmu.h>
#include <hal/x86.h>
#include <mm/init.h>
#include <mm/layout.h>

#define WINDOW_PAGES 16u
#define WINDOW_VA (PAGE_OFFSET + BOOT_MAPPED_DEFAULT)
#define PDE_SHIFT 22
#define ENTRY_PRESENT 0x001u
#define ENTRY_PRESENT_RW 0x003u

_Static_assert(BOOT_WINDOW_MAX_LEN == (WINDOW_PAGES - 1) * PAGE_SIZE, "window length and pages disagree");
_Static_assert((WINDOW_VA & ((1u << PDE_SHIFT) - 1)) == 0, "the window starts a page table of its own");

static uint32_t window_pt[1024] __attribute__((aligned(4096)));

static uint32_t *boot_pgd(void)
{
	return hal_va_ptr(PAGE_OFFSET + (read_cr3() & PAGE_MASK));
}

__init const void *boot_window_map(uint32_t pa, uint32_t len)
{
	uint32_t first = pa & PAGE_MASK;
	uint64_t end = (uint64_t)pa + len;
	unsigned pages = (unsigned)((end - first + PAGE_SIZE - 1) >> PAGE_SHIFT);
	uint32_t *pgd = boot_pgd();

	if (!len || len > BOOT_WINDOW_MAX_LEN || end > 0x100000000ull)
		return NULL;
	pgd[WINDOW_VA >> PDE_SHIFT] = (uint32_t)((vaddr_t)(uintptr_t)window_pt - PAGE_OFFSET) | ENTRY_PRESENT_RW;
	for (unsigned i = 0; i < WINDOW_PAGES; i++) {
		uint32_t want = i < pages ? (first + i * PAGE_SIZE) | ENTRY_PRESENT : 0;

		/* An unchanged entry keeps its TLB entry; not-present entries are never cached. */
		if (window_pt[i] != want) {
			window_pt[i] = want;
			hal_flush_page(WINDOW_VA + i * PAGE_SIZE);
		}
	}
	return (const void *)(uintptr_t)(WINDOW_VA + (pa & ~PAGE_MASK));
}

__init void boot_window_close(void)
{
	boot_pgd()[WINDOW_VA >> PDE_SHIFT] = 0;
	for (unsigned i = 0; i < WINDOW_PAGES; i++)
		window_pt[i] = 0;
	hal_flush_all();
}
