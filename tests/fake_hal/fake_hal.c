/*
 * The fake hal: fake RAM in an anonymous host mapping, page tables kept in
 * it by the real hal/i386/pgtable.c (or, built with CONFIG_X86_PAE as
 * fake_hal_pae, by hal/i386/pgtable_pae.c), flushes and switches counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <fake_hal.h>
#include <hal/irq.h>
#include <hal/smp.h>
#include <hal/pgtable_access.h>

struct fake_hal_stats fake_hal_stats;

/* The CPU the test says is running, the CPUs it says are online, its interrupt-handler depth. */
static unsigned fake_cpu;
static cpumask_t fake_online = 1u;
static unsigned fake_irq_nesting;
static void (*relax_hook)(void); /* fake_hal_set_relax_hook */
static void (*shootdown_hook)(void); /* fake_hal_set_shootdown_hook */


static uint8_t *ram;
static uint64_t ram_size;
static paddr_t cur_pgd;
static bool features[HAL_FEAT_COUNT];
static unsigned phys_bits;
static bool building_boot_tables; /* boot.S writes its tables with paging off */

/*
 * The TLB, modelled as the CPU's cache of translations: a dereference
 * through hal_va_ptr() fills the entry of its page (direct-mapped, so a
 * later fill may evict it, as a real TLB does); hal_flush_page() and
 * hal_flush_all() drop entries, and hal_switch_pgd() drops those below
 * PAGE_OFFSET (the kernel's are global).  Unmapping does not touch it.
 */
#define FAKE_TLB_ENTRIES 256u
static struct {
	bool valid;
	vaddr_t va;
	paddr_t pa;
} tlb[FAKE_TLB_ENTRIES];

static unsigned tlb_slot(vaddr_t va)
{
	return (va >> 12) % FAKE_TLB_ENTRIES;
}

static void die(const char *what, uint64_t v)
{
	fprintf(stderr, "fake_hal: %s 0x%llx\n", what, (unsigned long long)v);
	abort();
}

void fake_hal_init(uint64_t phys_bytes)
{
	fake_hal_fini();
	ram = mmap(NULL, phys_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("cannot reserve fake RAM of bytes", phys_bytes);
	ram_size = phys_bytes;
	memset(features, 0, sizeof(features));
	phys_bits = 36;
	features[HAL_FEAT_CPUID] = features[HAL_FEAT_PSE] = true;
	features[HAL_FEAT_PGE] = features[HAL_FEAT_TSC] = true;
#ifdef CONFIG_X86_PAE
	features[HAL_FEAT_PAE] = features[HAL_FEAT_NX] = true;
#endif

	/*
	 * boot.S: tables covering 8 MiB, mapped at 0 and at PAGE_OFFSET.  The
	 * image's boot map is always 2-level; the PAE fake cannot read that
	 * format, so it builds the same map as a PAE kernel directory block
	 * (PDPT and four directories, FAKE_BOOT_TABLES_AT) with four 2 MiB tables.
	 */
	cur_pgd = FAKE_BOOT_PGD;
	building_boot_tables = true;
	for (unsigned t = 0; t < FAKE_BOOT_MAPPED / hal_table_span(); t++) {
		paddr_t table = FAKE_BOOT_TABLES_AT + t * PAGE_SIZE;
		vaddr_t base = t * hal_table_span();

		hal_set_table(cur_pgd, base, table);
		hal_set_table(cur_pgd, PAGE_OFFSET + base, table);
		for (vaddr_t off = 0; off < hal_table_span(); off += PAGE_SIZE)
			hal_map_page(cur_pgd, base + off, base + off, HAL_PROT_WRITE);
	}
	building_boot_tables = false;
	memset(&fake_hal_stats, 0, sizeof(fake_hal_stats));
	fake_cpu = 0;
	fake_online = 1u;
	fake_irq_nesting = 0;
	relax_hook = NULL;
	shootdown_hook = NULL;
}

void fake_hal_fini(void)
{
	if (ram)
		munmap(ram, ram_size);
	ram = NULL;
	ram_size = 0;
	memset(tlb, 0, sizeof(tlb));
}

void *fake_phys_ptr(paddr_t pa)
{
	if (!ram || pa >= ram_size)
		die("physical address outside fake RAM:", pa);
	return ram + pa;
}

uint64_t fake_phys_size(void)
{
	return ram_size;
}

void fake_hal_set_feature(enum hal_feature f, bool on)
{
	features[f] = on;
}

void fake_hal_set_phys_bits(unsigned bits)
{
	phys_bits = bits;
}

uint64_t hal_phys_limit(void)
{
	uint64_t cpu = 1ull << phys_bits;

	return cpu < HAL_PHYS_LIMIT ? cpu : HAL_PHYS_LIMIT;
}

/*
 * The image reaches a page table through the linear map of the directory
 * in use, so a table outside what that directory maps cannot be touched
 * there.  The fake enforces the same rule with a raw walk of cur_pgd.
 */
#ifdef CONFIG_X86_PAE
/* The same raw walk through PAE's PDPT, directory and table (64-bit entries, frame bits 51:12). */
static bool linear_mapped(paddr_t pa)
{
	const uint64_t frame = 0x000ffffffffff000ull;
	vaddr_t va = PAGE_OFFSET + (vaddr_t)pa;
	uint64_t pdpte, pde, pte;

	if (pa >= 0x100000000ull - PAGE_OFFSET)
		return false;
	pdpte = ((uint64_t *)fake_phys_ptr(cur_pgd))[va >> 30];
	if (!(pdpte & 1u))
		return false;
	pde = ((uint64_t *)fake_phys_ptr(pdpte & frame))[(va >> 21) & 511u];
	if (!(pde & 1u))
		return false;
	if (pde & 0x80u)
		return (pde & 0x000fffffffe00000ull) == (pa & ~0x1fffffull);
	pte = ((uint64_t *)fake_phys_ptr(pde & frame))[(va >> 12) & 511u];
	return (pte & 1u) && (pte & frame) == (pa & ~0xfffull);
}
#else
static bool linear_mapped(paddr_t pa)
{
	vaddr_t va = PAGE_OFFSET + (vaddr_t)pa;
	uint32_t pde, pte;

	if (pa >= 0x100000000ull - PAGE_OFFSET)
		return false;
	pde = ((uint32_t *)fake_phys_ptr(cur_pgd))[va >> 22];
	if (!(pde & 1u))
		return false;
	if (pde & 0x80u)
		return (pde & 0xffc00000u) == ((uint32_t)pa & 0xffc00000u);
	pte = ((uint32_t *)fake_phys_ptr(pde & 0xfffff000u))[(va >> 12) & 1023u];
	return (pte & 1u) && (pte & 0xfffff000u) == ((uint32_t)pa & 0xfffff000u);
}
#endif

void *hal_table_ptr(paddr_t pa)
{
	/* The directory in use is always reachable: the CPU holds it in CR3 (the boot directory lies in the mapped image). */
	if (pa != cur_pgd && !building_boot_tables && !linear_mapped(pa))
		die("page table not reachable through the current linear map: pa", pa);
	return fake_phys_ptr(pa);
}

void *hal_va_ptr(vaddr_t va)
{
	paddr_t pa;

	if (!hal_query_page(cur_pgd, va, &pa, NULL))
		die("dereference of unmapped virtual address", va);
	tlb[tlb_slot(va)].valid = true;
	tlb[tlb_slot(va)].va = va & ~0xfffu;
	tlb[tlb_slot(va)].pa = pa & ~(paddr_t)0xfffu;
	return fake_phys_ptr(pa);
}

bool fake_hal_tlb_stale(vaddr_t va, paddr_t *pa)
{
	unsigned i = tlb_slot(va);
	paddr_t now;

	if (!tlb[i].valid || tlb[i].va != (va & ~0xfffu))
		return false;
	if (hal_query_page(cur_pgd, va, &now, NULL) && (now & ~(paddr_t)0xfffu) == tlb[i].pa)
		return false;
	if (pa)
		*pa = tlb[i].pa;
	return true;
}

vaddr_t hal_ptr_va(const void *p)
{
	const uint8_t *b = p;

	if (!ram || b < ram || b >= ram + ram_size || (uint64_t)(b - ram) >= 0x100000000ull - PAGE_OFFSET)
		die("pointer outside the fake linear map:", (uint64_t)(uintptr_t)p);
	return PAGE_OFFSET + (vaddr_t)(b - ram);
}

void hal_flush_page(vaddr_t va)
{
	fake_hal_stats.flush_page++;
	fake_hal_stats.last_flush_va = va;
	fake_hal_stats.last_flush_irq_depth = fake_hal_stats.irq_depth;
	if (tlb[tlb_slot(va)].va == (va & ~0xfffu))
		tlb[tlb_slot(va)].valid = false;
}

void hal_flush_all(void)
{
	fake_hal_stats.flush_all++;
	fake_hal_stats.last_flush_irq_depth = fake_hal_stats.irq_depth;
	memset(tlb, 0, sizeof(tlb));
}

void hal_switch_pgd(paddr_t pgd)
{
	fake_hal_stats.switch_pgd++;
	cur_pgd = pgd;
	for (unsigned i = 0; i < FAKE_TLB_ENTRIES; i++)
		if (tlb[i].va < PAGE_OFFSET)
			tlb[i].valid = false;
}

paddr_t hal_current_pgd(void)
{
	return cur_pgd;
}

#ifdef CONFIG_X86_PAE
/* The image's trampoline (hal/i386/pae_switch.S) reduced to its effect: the CPU walks pgd from now on. */
int hal_enable_pae_and_switch(paddr_t pgd)
{
	if (!features[HAL_FEAT_PAE])
		return HAL_ENOTSUPP;
	if (pgd >= 0x100000000ull || (pgd & (PAGE_SIZE - 1)))
		return HAL_EINVAL;
	/* The image needs the kernel text mapped with 4 KiB pages to alias it for the switch. */
	if (!hal_query_table(pgd, PAGE_OFFSET + FAKE_KERNEL_START, NULL))
		return HAL_EINVAL;
	fake_hal_stats.pae_switches++;
	hal_switch_pgd(pgd);
	return HAL_OK;
}
#endif

unsigned long hal_irq_save(void)
{
	fake_hal_stats.irq_save++;
	return fake_hal_stats.irq_depth++;
}

void hal_irq_restore(unsigned long flags)
{
	if (fake_hal_stats.irq_depth != flags + 1)
		die("unbalanced hal_irq_restore at depth", fake_hal_stats.irq_depth);
	fake_hal_stats.irq_depth = flags;
}

bool hal_cpu_has(enum hal_feature f)
{
	return (unsigned)f < HAL_FEAT_COUNT && features[f];
}

const char *hal_feature_name(enum hal_feature f)
{
	static const char *const names[HAL_FEAT_COUNT] = {
		"fpu", "pse", "tsc", "pae", "apic", "pge", "nx", "smep", "smap", "cpuid",
	};

	return (unsigned)f < HAL_FEAT_COUNT ? names[f] : "?";
}

uint64_t hal_cycles(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void fake_hal_set_cpu(unsigned cpu)
{
	if (cpu >= NR_CPUS)
		die("fake_hal_set_cpu: no CPU", cpu);
	fake_cpu = cpu;
}

void fake_hal_set_online(cpumask_t mask)
{
	fake_online = mask;
}

void fake_hal_set_in_interrupt(unsigned depth)
{
	fake_irq_nesting = depth;
}

unsigned hal_smp_processor_id(void)
{
	return fake_cpu;
}

cpumask_t hal_cpu_online_mask(void)
{
	return fake_online;
}

bool hal_in_interrupt(void)
{
	return fake_irq_nesting != 0;
}

bool hal_irq_enabled(void)
{
	return fake_hal_stats.irq_depth == 0 && fake_irq_nesting == 0;
}

unsigned hal_flush_tlb_others(cpumask_t mask, vaddr_t start, vaddr_t end)
{
	cpumask_t targets = mask & fake_online & ~(1u << fake_cpu);
	unsigned sent = 0;

	fake_hal_stats.tlb_others_calls++;
	fake_hal_stats.last_tlb_others_mask = targets;
	fake_hal_stats.last_tlb_others_start = start;
	fake_hal_stats.last_tlb_others_end = end;
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (targets & (1u << cpu)) {
			fake_hal_stats.tlb_others_received[cpu]++;
			sent++;
		}
	fake_hal_stats.tlb_others_ipis += sent;
	/* One modelled TLB: another CPU's flush drops the same entries this one would. */
	if (sent) {
		if (end == 0)
			memset(tlb, 0, sizeof(tlb));
		else
			for (uint64_t va = start & ~(vaddr_t)0xfff; va < end; va += 0x1000)
				if (tlb[tlb_slot((vaddr_t)va)].va == va)
					tlb[tlb_slot((vaddr_t)va)].valid = false;
	}
	if (sent && shootdown_hook)
		shootdown_hook();
	return sent;
}

void fake_hal_set_shootdown_hook(void (*fn)(void))
{
	shootdown_hook = fn;
}

void fake_hal_set_relax_hook(void (*fn)(void))
{
	relax_hook = fn;
}

void hal_cpu_relax(void)
{
	if (relax_hook)
		relax_hook();
}
