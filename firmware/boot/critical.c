/*
 * The firmware's own critical structures, for `mw`: the IDT, the GDT and
 * the TSS (found where the CPU finds them, through SIDT, SGDT and STR),
 * the kernel page directory and the page tables of its kernel part, the
 * stack-protector canary and the stack the shell runs on.  A write to any
 * of them takes the firmware down (a fault with no handler, a triple
 * fault, a stack-protector panic), so `mw` asks here first.  Addresses are
 * compared by physical frame, so an alias of a structure (a kmap of a page
 * table frame, say) is recognised too.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/mmu.h>
#include <hal/x86.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <task.h>

/* A descriptor-table register as SIDT/SGDT store it. */
struct dtr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

struct critical {
	const char *what;
	vaddr_t start;  /* linear-map virtual address */
	uint32_t size;
};

/* The linear-map range [start, start + size) as physical addresses; false if it is not in low memory. */
static bool linear_to_phys(vaddr_t start, uint32_t size, paddr_t *pa)
{
	if (start < PAGE_OFFSET || start >= high_memory || size > high_memory - start)
		return false;
	*pa = __pa(start);
	return true;
}

/* Fill out[] with the fixed structures (everything but the page tables); returns how many. */
static unsigned fixed_structures(struct critical *out)
{
	struct dtr idtr, gdtr;
	uint16_t tr;
	const uint8_t *d;
	unsigned n = 0;
	vaddr_t sp = (vaddr_t)(uintptr_t)__builtin_frame_address(0);

	__asm__ volatile("sidt %0" : "=m"(idtr));
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("str %0" : "=r"(tr));
	out[n++] = (struct critical){ "the IDT (interrupt descriptor table)", idtr.base, idtr.limit + 1u };
	out[n++] = (struct critical){ "the GDT (global descriptor table)", gdtr.base, gdtr.limit + 1u };
	if (tr && (tr & ~7u) + 8u <= gdtr.limit + 1u) {
		d = (const uint8_t *)(uintptr_t)(gdtr.base + (tr & ~7u));
		out[n++] = (struct critical){ "the TSS (task-state segment: the ring-0 stack of every trap)",
					      d[2] | d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24,
					      (d[0] | d[1] << 8 | (d[6] & 0xfu) << 16) + 1u };
	}
	out[n++] = (struct critical){ "the stack-protector canary (__stack_chk_guard)",
				      (vaddr_t)(uintptr_t)&__stack_chk_guard, sizeof(__stack_chk_guard) };
	out[n++] = (struct critical){ "the kernel page directory (swapper_pg_dir)", __va(swapper_pg_dir),
				      HAL_KERNEL_PGD_PAGES * PAGE_SIZE };
	if (sp >= (vaddr_t)(uintptr_t)boot_stack_bottom && sp < (vaddr_t)(uintptr_t)boot_stack_top)
		out[n++] = (struct critical){ "the stack the shell is running on", (vaddr_t)(uintptr_t)boot_stack_bottom,
					      (uint32_t)(boot_stack_top - boot_stack_bottom) };
	else if (current && current->kstack)
		out[n++] = (struct critical){ "the kernel stack of the running task", current->kstack, KSTACK_SIZE };
	return n;
}

/* The kernel address a page table at frame pa covers, when it is one of the kernel part's. */
static bool kernel_table(paddr_t pa, vaddr_t *covers)
{
	uint32_t span = hal_table_span();

	for (uint64_t a = PAGE_OFFSET; a < 0x100000000ull; a += span) {
		paddr_t table;

		if (hal_query_table(swapper_pg_dir, (vaddr_t)a, &table) && table >> PAGE_SHIFT == pa >> PAGE_SHIFT) {
			*covers = (vaddr_t)a;
			return true;
		}
	}
	return false;
}

bool firmware_critical_range(vaddr_t va, uint64_t len, char *why, size_t whylen)
{
	struct critical s[8];
	unsigned n = fixed_structures(s);
	uint64_t end = (uint64_t)va + len;

	for (uint64_t page = va & PAGE_MASK; page < end; page += PAGE_SIZE) {
		uint64_t lo = page < va ? va : page, hi = page + PAGE_SIZE < end ? page + PAGE_SIZE : end;
		paddr_t pa, spa;
		vaddr_t covers;

		if (!hal_query_page(hal_current_pgd(), (vaddr_t)lo, &pa, NULL))
			continue; /* nothing there: the write faults and mw reports it */
		pa &= ~(paddr_t)(PAGE_SIZE - 1);
		for (unsigned i = 0; i < n; i++) {
			if (!linear_to_phys(s[i].start, s[i].size, &spa))
				continue;
			/* [lo, hi) of this page as physical, against the structure's physical range. */
			if (pa + (lo - page) < spa + s[i].size && spa < pa + (hi - page)) {
				snprintf(why, whylen, "0x%08lx holds %s, 0x%08lx-0x%08lx", (unsigned long)lo, s[i].what,
					 (unsigned long)s[i].start, (unsigned long)(s[i].start + s[i].size - 1));
				return true;
			}
		}
		if (kernel_table(pa, &covers)) {
			snprintf(why, whylen, "0x%08lx holds the kernel page table that maps 0x%08lx-0x%08lx",
				 (unsigned long)lo, (unsigned long)covers,
				 (unsigned long)(covers + hal_table_span() - 1));
			return true;
		}
	}
	return false;
}
