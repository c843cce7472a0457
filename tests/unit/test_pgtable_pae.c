/*
 * PAE page tables (hal/i386/pgtable_pae.c) on the fake machine built with
 * CONFIG_X86_PAE, and mm/ on top of them at 6 GiB: map/unmap/query round
 * trips with frames above 4 GiB, 2 MiB pages, NX exactly when
 * HAL_PROT_EXEC is absent, PDPT entries with no reserved bits, process
 * directories sharing the kernel's page directory, tables reachable only
 * through the linear map, and a QEMU-like 6 GiB boot whose high zone runs
 * past 4 GiB and whose high pages kmap and kmap_atomic reach.
 */
#include "test_vm_boot.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hal/mmu.h>
#include <mm/meminfo.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/mm_types.h>
#include <mm/debug/mmcheck.h>
#include <mm/mmzone.h>

#ifndef CONFIG_X86_PAE
#error "test_pgtable_pae is built against mm_host_pae and fake_hal_pae"
#endif

#define NX_BIT (1ull << 63)
#define SPAN (2u << 20)
#define KVA 0xD0000000u               /* a kernel address with no mapping in the boot map */
#define TABLE_PA 0x00200000u          /* free fake RAM inside the 8 MiB boot map */
#define HIGH_PA 0x123456000ull        /* a frame above 4 GiB */
#define TEXT_START 0x00104000u        /* the fake kernel's text and rodata, as test_mm_fixture.h */
#define TEXT_END 0x00120000u
#define RODATA_END 0x00128000u

static void setup_small(void)
{
	fake_hal_init(64 * MiB);
	assert_int_equal(hal_current_pgd(), FAKE_BOOT_PGD);
}

static void test_span_and_boot_map(void **state)
{
	(void)state;
	setup_small();
	assert_int_equal(hal_table_span(), SPAN);
	assert_int_equal(hal_large_page_size(), SPAN);
	/* The fake boot map: 8 MiB at 0 and at PAGE_OFFSET, in four 2 MiB tables. */
	for (vaddr_t off = 0; off < (8u << 20); off += PAGE_SIZE) {
		paddr_t pa;

		assert_true(hal_query_page(FAKE_BOOT_PGD, PAGE_OFFSET + off, &pa, NULL));
		assert_int_equal(pa, off);
		assert_true(hal_query_page(FAKE_BOOT_PGD, off, &pa, NULL));
	}
	assert_false(hal_query_page(FAKE_BOOT_PGD, PAGE_OFFSET + (8u << 20), NULL, NULL));
	fake_hal_fini();
}

static void test_round_trip_above_4g(void **state)
{
	paddr_t pa, table;
	unsigned prot;
	uint64_t pde, pte;

	(void)state;
	setup_small();
	assert_int_equal(hal_map_page(FAKE_BOOT_PGD, KVA, HIGH_PA, HAL_PROT_WRITE), HAL_ENOTABLE);
	assert_int_equal(hal_set_table(FAKE_BOOT_PGD, KVA, TABLE_PA), HAL_OK);
	assert_int_equal(hal_set_table(FAKE_BOOT_PGD, KVA + SPAN - 1, TABLE_PA + PAGE_SIZE), HAL_EEXIST);
	assert_true(hal_query_table(FAKE_BOOT_PGD, KVA, &table));
	assert_int_equal(table, TABLE_PA);
	/* The next 2 MiB is another directory entry: PAE tables cover 2 MiB. */
	assert_false(hal_query_table(FAKE_BOOT_PGD, KVA + SPAN, NULL));

	assert_int_equal(hal_map_page(FAKE_BOOT_PGD, KVA, HIGH_PA, HAL_PROT_WRITE | HAL_PROT_GLOBAL), HAL_OK);
	assert_int_equal(hal_map_page(FAKE_BOOT_PGD, KVA, HIGH_PA, HAL_PROT_WRITE), HAL_EEXIST);
	assert_true(hal_query_page(FAKE_BOOT_PGD, KVA + 0x123, &pa, &prot));
	assert_int_equal(pa, HIGH_PA + 0x123);
	assert_int_equal(prot, HAL_PROT_READ | HAL_PROT_WRITE | HAL_PROT_GLOBAL);
	assert_true(hal_query_raw(FAKE_BOOT_PGD, KVA, &pde, &pte));
	assert_int_equal(pde & 0x000ffffffffff000ull, TABLE_PA);
	assert_int_equal(pte & 0x000ffffffffff000ull, HIGH_PA);
	assert_true(pte & NX_BIT);
	/* The frame's high bits live in the entry's upper word. */
	assert_int_equal(((uint64_t *)fake_phys_ptr(TABLE_PA))[0] >> 32, (NX_BIT | HIGH_PA) >> 32);

	/* The last frame PAE names on every CPU, and the first it does not. */
	assert_int_equal(hal_map_page(FAKE_BOOT_PGD, KVA + PAGE_SIZE, HAL_PHYS_LIMIT - PAGE_SIZE, 0), HAL_OK);
	assert_true(hal_query_page(FAKE_BOOT_PGD, KVA + PAGE_SIZE, &pa, NULL));
	assert_int_equal(pa, HAL_PHYS_LIMIT - PAGE_SIZE);
	assert_int_equal(hal_map_page(FAKE_BOOT_PGD, KVA + 2 * PAGE_SIZE, HAL_PHYS_LIMIT, 0), HAL_EINVAL);
	assert_int_equal(hal_map_page(FAKE_BOOT_PGD, KVA + 2 * PAGE_SIZE, HIGH_PA + 8, 0), HAL_EINVAL);

	assert_true(hal_unmap_page(FAKE_BOOT_PGD, KVA));
	assert_false(hal_unmap_page(FAKE_BOOT_PGD, KVA));
	assert_false(hal_query_page(FAKE_BOOT_PGD, KVA, NULL, NULL));
	assert_true(hal_clear_table(FAKE_BOOT_PGD, KVA, &table));
	assert_int_equal(table, TABLE_PA);
	assert_false(hal_clear_table(FAKE_BOOT_PGD, KVA, NULL));
	assert_false(hal_query_table(FAKE_BOOT_PGD, KVA, NULL));
	fake_hal_fini();
}

static void test_nx_exactly_without_exec(void **state)
{
	static const unsigned prots[] = {
		HAL_PROT_READ, HAL_PROT_WRITE, HAL_PROT_EXEC, HAL_PROT_WRITE | HAL_PROT_EXEC,
		HAL_PROT_USER, HAL_PROT_USER | HAL_PROT_EXEC, HAL_PROT_NOCACHE | HAL_PROT_WRITE,
	};

	(void)state;
	for (int nx = 1; nx >= 0; nx--) {
		setup_small();
		fake_hal_set_feature(HAL_FEAT_NX, nx);
		assert_int_equal(hal_set_table(FAKE_BOOT_PGD, KVA, TABLE_PA), HAL_OK);
		for (unsigned i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
			vaddr_t va = KVA + i * PAGE_SIZE;
			uint64_t pde, pte;
			unsigned prot;

			assert_int_equal(hal_map_page(FAKE_BOOT_PGD, va, HIGH_PA + i * PAGE_SIZE, prots[i]), HAL_OK);
			assert_true(hal_query_raw(FAKE_BOOT_PGD, va, &pde, &pte));
			assert_int_equal(!!(pte & NX_BIT), nx && !(prots[i] & HAL_PROT_EXEC));
			/* A directory entry that points at a table never carries NX: the table's entries decide. */
			assert_false(pde & NX_BIT);
			assert_true(hal_query_page(FAKE_BOOT_PGD, va, NULL, &prot));
			/* Without NX every present page is executable; with it, exactly the EXEC ones. */
			assert_int_equal(!!(prot & HAL_PROT_EXEC), !nx || (prots[i] & HAL_PROT_EXEC));
			assert_int_equal(prot & ~(unsigned)HAL_PROT_EXEC, prots[i] & ~(unsigned)HAL_PROT_EXEC);
			assert_int_equal(!!(pte & 0x18u), !!(prots[i] & HAL_PROT_NOCACHE));
			assert_int_equal(!!(pte & 0x4u), !!(prots[i] & HAL_PROT_USER));
		}
		fake_hal_fini();
	}
}

static void test_large_pages(void **state)
{
	paddr_t pa;
	unsigned prot;
	uint64_t pde, pte;

	(void)state;
	setup_small();
	assert_int_equal(hal_map_large(FAKE_BOOT_PGD, KVA, 0x140000000ull, HAL_PROT_WRITE), HAL_OK);
	assert_int_equal(hal_map_large(FAKE_BOOT_PGD, KVA, 0x140000000ull, HAL_PROT_WRITE), HAL_EEXIST);
	assert_int_equal(hal_set_table(FAKE_BOOT_PGD, KVA, TABLE_PA), HAL_EEXIST);
	assert_int_equal(hal_map_page(FAKE_BOOT_PGD, KVA, HIGH_PA, 0), HAL_EEXIST);
	assert_true(hal_query_page(FAKE_BOOT_PGD, KVA + 0x1ff123, &pa, &prot));
	assert_int_equal(pa, 0x140000000ull + 0x1ff123);
	assert_int_equal(prot, HAL_PROT_READ | HAL_PROT_WRITE);
	assert_false(hal_query_table(FAKE_BOOT_PGD, KVA, NULL));
	assert_false(hal_query_raw(FAKE_BOOT_PGD, KVA, &pde, &pte));
	assert_true(pde & 0x80u);
	assert_true(pde & NX_BIT);
	assert_false(hal_unmap_page(FAKE_BOOT_PGD, KVA));
	assert_false(hal_clear_table(FAKE_BOOT_PGD, KVA, NULL));

	/* 2 MiB alignment of both addresses; a 4 MiB-aligned pair is fine, a 1 MiB one is not. */
	assert_int_equal(hal_map_large(FAKE_BOOT_PGD, KVA + SPAN, 0x140000000ull + (1u << 20), 0), HAL_EINVAL);
	assert_int_equal(hal_map_large(FAKE_BOOT_PGD, KVA + (1u << 20), 0x140000000ull, 0), HAL_EINVAL);
	assert_int_equal(hal_map_large(FAKE_BOOT_PGD, KVA + SPAN, 0x140200000ull, HAL_PROT_EXEC), HAL_OK);
	assert_true(hal_query_raw(FAKE_BOOT_PGD, KVA + SPAN, &pde, &pte) == false && !(pde & NX_BIT));
	assert_int_equal(hal_map_large(FAKE_BOOT_PGD, KVA + 2 * SPAN, HAL_PHYS_LIMIT, 0), HAL_EINVAL);

	fake_hal_set_feature(HAL_FEAT_PSE, false);
	assert_int_equal(hal_large_page_size(), 0);
	assert_int_equal(hal_map_large(FAKE_BOOT_PGD, KVA + 2 * SPAN, 0x140400000ull, 0), HAL_ENOTSUPP);
	fake_hal_fini();
}

/* A process directory block (hal/mmu.h): PDPT and three user directories, sharing the kernel's. */
static void test_process_pgd_shares_kernel_directory(void **state)
{
	const paddr_t block = 0x00300000u, user_table = 0x00304000u;
	const uint64_t *pdpt;
	paddr_t pa;

	(void)state;
	setup_small();
	hal_copy_kernel_pgd(block, FAKE_BOOT_PGD);
	pdpt = fake_phys_ptr(block);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pdpt[i], (block + (i + 1) * PAGE_SIZE) | 1u);
	/* The kernel's gigabyte is one PDPT entry: the same page directory, so the same tables. */
	assert_int_equal(pdpt[3], ((uint64_t *)fake_phys_ptr(FAKE_BOOT_PGD))[3]);
	/* PDPT entries carry no reserved bits (2:1, 8:5, 63:36): P and the address only. */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pdpt[i] & ~0x0000000ffffff000ull, 1u);

	/* A kernel mapping made later in the kernel directory shows in the process directory. */
	assert_int_equal(hal_set_table(FAKE_BOOT_PGD, KVA, TABLE_PA), HAL_OK);
	assert_int_equal(hal_map_page(FAKE_BOOT_PGD, KVA, HIGH_PA, HAL_PROT_WRITE), HAL_OK);
	assert_true(hal_query_page(block, KVA, &pa, NULL));
	assert_int_equal(pa, HIGH_PA);

	/* User space: a table from mm/ in the block's own directory 0, user and executable. */
	assert_int_equal(hal_map_page(block, 0x08048000u, HIGH_PA, HAL_PROT_USER | HAL_PROT_EXEC), HAL_ENOTABLE);
	assert_int_equal(hal_set_table(block, 0x08048000u, user_table), HAL_OK);
	assert_int_equal(hal_map_page(block, 0x08048000u, HIGH_PA, HAL_PROT_USER | HAL_PROT_EXEC), HAL_OK);
	assert_false(hal_query_page(FAKE_BOOT_PGD, 0x08048000u, NULL, NULL) &&
		     hal_query_table(FAKE_BOOT_PGD, 0x08048000u, NULL));
	assert_true(hal_query_table(block, 0x08048000u, &pa));
	assert_int_equal(pa, user_table);
	/* Its directory entry sits in the block's page for gigabyte 0. */
	assert_int_equal(((uint64_t *)fake_phys_ptr(block + PAGE_SIZE))[0x08048000u >> 21] & ~0xfffull, user_table);
	/* The top of user space is directory 2's last entry. */
	assert_int_equal(hal_set_table(block, 0xBFE00000u, user_table + PAGE_SIZE), HAL_OK);
	assert_int_equal(((uint64_t *)fake_phys_ptr(block + 3 * PAGE_SIZE))[511] & ~0xfffull, user_table + PAGE_SIZE);
	fake_hal_fini();
}

/* Tables are reached through the linear map of the directory in use; a table outside it aborts the fake. */
static void test_tables_only_through_linear_map(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	setup_small();
	/* 32 MiB is fake RAM but outside the 8 MiB boot map. */
	assert_int_equal(hal_set_table(FAKE_BOOT_PGD, KVA, 32 * MiB), HAL_OK);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 2);
		hal_map_page(FAKE_BOOT_PGD, KVA, HIGH_PA, HAL_PROT_WRITE);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0));
	fake_hal_fini();
}

/* QEMU pc at -m 6G: 3 GiB below the PCI hole, the other 3 GiB from 4 GiB up. */
static void make_e820_6g(void)
{
	struct e820_table *t = &vm_boot_e820;

	memset(t, 0, sizeof(*t));
	t->entries[t->nr_entries++] = (struct e820_entry){ 0, 0x9fc00, E820_RAM };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0x9fc00, 0x400, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0xf0000, 0x10000, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0x100000, 0xbfee0000ull, E820_RAM };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0xbffe0000ull, 0x20000, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0xfeffc000ull, 0x4000, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0xfffc0000ull, 0x40000, E820_RESERVED };
	t->entries[t->nr_entries++] = (struct e820_entry){ 0x100000000ull, 0xc0000000ull, E820_RAM };
}

static void boot_6g_width(unsigned phys_bits)
{
	struct mm_boot_info bi = {
		.e820 = &vm_boot_e820,
		.kernel_start = FAKE_KERNEL_START,
		.kernel_end = FAKE_KERNEL_END,
		.text_start = TEXT_START,
		.text_end = TEXT_END,
		.rodata_end = RODATA_END,
	};

	fake_hal_init(0x1c0000000ull);
	fake_hal_set_phys_bits(phys_bits);
	make_e820_6g();
	vm_boot_areas(&bi);
}

static void boot_6g(void)
{
	boot_6g_width(36);
}

static void test_boot_6g_linear_map_and_nx(void **state)
{
	struct mmcheck_image img = { PAGE_OFFSET + TEXT_START, PAGE_OFFSET + TEXT_END, PAGE_OFFSET + RODATA_END };
	struct ptcheck_stats st;
	const uint64_t *pdpt;

	(void)state;
	boot_6g();
	assert_int_equal(fake_hal_stats.pae_switches, 1);
	assert_int_equal(hal_current_pgd(), swapper_pg_dir);
	assert_int_equal(max_pfn, 0x1c0000u);
	assert_int_equal(max_low_pfn, MAXMEM_PFN);
	assert_int_equal(high_memory, 0xF8000000u);
	assert_int_equal(LAST_PKMAP, 512u);
	assert_int_equal(PKMAP_END, 0xFE200000u);

	/* The kernel directory: PDPT entry 3 only (entry 0 may hold an empty directory). */
	pdpt = fake_phys_ptr(swapper_pg_dir);
	assert_true(pdpt[3] & 1u);
	assert_false(pdpt[1] & 1u);
	assert_false(pdpt[2] & 1u);
	for (uint64_t va = 0; va < PAGE_OFFSET; va += SPAN) {
		uint64_t pde, pte;

		hal_query_raw(swapper_pg_dir, (vaddr_t)va, &pde, &pte);
		assert_int_equal(pde, 0);
	}

	/* Linear map: text executable and read-only, rodata read-only NX, the rest writable NX. */
	for (uint64_t pa = 0; pa < (896ull << 20); pa += PAGE_SIZE) {
		paddr_t got;
		unsigned prot;
		bool text = pa >= TEXT_START && pa < TEXT_END, ro = pa >= TEXT_START && pa < RODATA_END;

		if (pa % (64 * PAGE_SIZE) && !(pa >= TEXT_START && pa < RODATA_END + PAGE_SIZE))
			continue;
		assert_true(hal_query_page(swapper_pg_dir, (vaddr_t)(PAGE_OFFSET + pa), &got, &prot));
		assert_int_equal(got, pa);
		assert_int_equal(!!(prot & HAL_PROT_EXEC), text);
		assert_int_equal(!!(prot & HAL_PROT_WRITE), !ro);
	}
	/* Every 2 MiB above the linear map has its preallocated table. */
	for (uint64_t va = 0xF8000000u; va < 0x100000000ull; va += SPAN)
		assert_true(hal_query_table(swapper_pg_dir, (vaddr_t)va, NULL));

	assert_int_equal(ptcheck(stderr, swapper_pg_dir, &img, &st), 0);
	assert_true(st.wx_enforced);
	assert_int_equal(st.writable_exec, 0);
	assert_int_equal(st.linear, 896u << 8);
	fake_hal_fini();
}

static void test_boot_6g_highmem_above_4g(void **state)
{
	const struct zone *high;
	unsigned long above_4g = 0;

	(void)state;
	boot_6g();
	high = &contig_page_data.node_zones[ZONE_HIGHMEM];
	assert_int_equal(high->zone_start_pfn, MAXMEM_PFN);
	assert_int_equal(zone_end_pfn(high), 0x1c0000u);
	/* 3 GiB - 896 MiB below the hole (less the top 128 KiB SeaBIOS keeps) plus 3 GiB above 4 GiB. */
	assert_int_equal(high->present_pages, (0xbffe0000u >> 12) - MAXMEM_PFN + (0xc0000000u >> 12));
	assert_int_equal(totalhigh_pages, high->present_pages);

	/* kmap and kmap_atomic of frames above 4 GiB: written through one, seen in fake RAM and through the other. */
	for (pfn_t pfn = 0x100000; pfn < 0x1c0000; pfn += 0x7fff) {
		struct page *page = pfn_to_page(pfn);
		paddr_t pa = (paddr_t)pfn << PAGE_SHIFT, got;
		vaddr_t va, ava;

		assert_true(PageHighMem(page));
		above_4g++;
		va = kmap(page);
		assert_true(va >= PKMAP_BASE && va < PKMAP_END);
		assert_true(hal_query_page(swapper_pg_dir, va, &got, NULL));
		assert_int_equal(got, pa);
		*(volatile uint32_t *)hal_va_ptr(va + 8) = pfn ^ 0xa5a5a5a5u;
		assert_int_equal(*(uint32_t *)((uint8_t *)fake_phys_ptr(pa) + 8), pfn ^ 0xa5a5a5a5u);
		kunmap(page);

		ava = kmap_atomic(page, KM_USER0);
		assert_true(ava >= FIXADDR_START && ava < FIXADDR_END);
		assert_true(hal_query_page(swapper_pg_dir, ava, &got, NULL));
		assert_int_equal(got, pa);
		assert_int_equal(*(volatile uint32_t *)hal_va_ptr(ava + 8), pfn ^ 0xa5a5a5a5u);
		kunmap_atomic(ava, KM_USER0);
	}
	assert_true(above_4g >= 20);

	/* The buddy allocator hands out frames above 4 GiB for GFP_HIGHUSER once the lower ones are gone. */
	{
		unsigned long got_high = 0;
		struct page *held = NULL;
		struct page *p;

		while ((p = alloc_pages(GFP_HIGHUSER | __GFP_NOWARN, MAX_ORDER - 1))) {
			if (page_to_pfn(p) >= 0x100000)
				got_high++;
			p->lru.next = (void *)held;
			held = p;
		}
		assert_true(got_high > 0);
		while (held) {
			p = held;
			held = (struct page *)p->lru.next;
			__free_pages(p, MAX_ORDER - 1);
		}
	}
	fake_hal_fini();
}

/* QEMU's qemu32 has PAE but no PSE-36 and no leaf 0x80000008: a 32-bit physical width. */
static void test_boot_6g_cpu_with_32_physical_bits(void **state)
{
	(void)state;
	boot_6g_width(32);
	assert_int_equal(hal_phys_limit(), 1ull << 32);
	assert_int_equal(max_pfn, 0x100000u);
	assert_int_equal(contig_page_data.node_zones[ZONE_HIGHMEM].present_pages,
			 (0xbffe0000u >> 12) - MAXMEM_PFN);
	/* An entry naming a frame past the width would fault with the reserved-bit error: refused. */
	assert_int_equal(hal_map_page(swapper_pg_dir, PKMAP_BASE, 0x100000000ull, HAL_PROT_WRITE), HAL_EINVAL);
	assert_int_equal(hal_map_page(swapper_pg_dir, PKMAP_BASE, 0xfffff000ull, HAL_PROT_WRITE), HAL_OK);
	assert_true(hal_unmap_page(swapper_pg_dir, PKMAP_BASE));
	fake_hal_fini();
}

/* A process address space: four pages for the directory block, given back whole. */
/* The protection a user page's entry carries: its HAL_PROT_* bits as the hardware reads them. */
static unsigned user_prot(struct mm_struct *mm, vaddr_t va)
{
	unsigned prot = 0;

	assert_true(hal_query_page(mm->pgd, va, NULL, &prot));
	return prot;
}

/*
 * With NX, mprotect dropping PROT_EXEC reaches the pages already mapped (RWX to RW leaves no
 * writable and executable page), and an instruction fetch from a present NX page of a region
 * without VM_EXEC is refused instead of being taken for a stale TLB entry (which faulted forever).
 */
static void test_nx_mprotect_and_exec_fault(void **state)
{
	const vaddr_t base = 0x10000000u;
	struct mm_struct *mm;
	struct vm_area_struct *vma;

	(void)state;
	boot_6g();
	proc_mm_init();
	sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
	mm = mm_alloc();
	assert_non_null(mm);
	assert_int_equal(do_mmap(mm, NULL, base, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
				 MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0), base);
	vma = find_vma(mm, base);
	assert_int_equal(handle_mm_fault(mm, vma, base, FAULT_FLAG_WRITE | FAULT_FLAG_USER), 0);
	assert_int_equal(handle_mm_fault(mm, vma, base + PAGE_SIZE, FAULT_FLAG_USER), 0);
	assert_true(user_prot(mm, base) & HAL_PROT_EXEC);
	assert_true(user_prot(mm, base) & HAL_PROT_WRITE);

	/* RWX to RW: the written page stays writable and loses exec, the read one loses exec. */
	assert_int_equal(do_mprotect(mm, base, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(user_prot(mm, base) & (HAL_PROT_EXEC | HAL_PROT_WRITE), HAL_PROT_WRITE);
	assert_false(user_prot(mm, base + PAGE_SIZE) & HAL_PROT_EXEC);

	/* An instruction fetch from the present NX page: refused, the entry unchanged. */
	vma = find_vma(mm, base);
	assert_false(vma_access_ok(vma, false, true));
	assert_int_equal(handle_mm_fault(mm, vma, base, FAULT_FLAG_INSTRUCTION | FAULT_FLAG_USER), VM_FAULT_SIGSEGV);
	assert_false(user_prot(mm, base) & HAL_PROT_EXEC);

	/* Exec given back: the pages become executable again, and a fetch fault is satisfied. */
	assert_int_equal(do_mprotect(mm, base, 2 * PAGE_SIZE, PROT_READ | PROT_EXEC), 0);
	assert_true(user_prot(mm, base) & HAL_PROT_EXEC);
	assert_false(user_prot(mm, base) & HAL_PROT_WRITE);
	vma = find_vma(mm, base);
	assert_true(vma_access_ok(vma, false, true));
	assert_int_equal(handle_mm_fault(mm, vma, base, FAULT_FLAG_INSTRUCTION | FAULT_FLAG_USER), 0);
	mmput(mm);
	fake_hal_fini();
}

/*
 * Frames in the PCI hole below max_pfn at 6 GiB (the local APIC at 0xfee00000, the IO-APIC at
 * 0xfec00000) have a struct page but are not RAM: kmap and kmap_atomic refuse them rather than
 * make a cacheable alias of MMIO; RAM on both sides still maps.
 */
static void test_kmap_refuses_pci_hole(void **state)
{
	static const pfn_t holes[] = { 0xfee00, 0xfec00, 0xc0000, 0xfffff };
	struct page *ram = pfn_to_page(0x100000); /* the first frame above 4 GiB */
	vaddr_t va;

	(void)state;
	boot_6g();
	for (unsigned i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
		assert_true(pfn_valid(holes[i]));
		assert_false(page_is_ram(holes[i]));
		assert_int_equal(kmap(pfn_to_page(holes[i])), 0);
		assert_int_equal(kmap_atomic(pfn_to_page(holes[i]), KM_USER0), 0);
	}
	assert_false(page_is_ram(0xb8));
	assert_int_equal(kmap(pfn_to_page(0xb8)), 0); /* VGA memory in the low hole */
	assert_true(page_is_ram(0xbffd0) && page_is_ram(0x100000) && page_is_ram(0x9f));
	va = kmap(ram);
	assert_true(va >= PKMAP_BASE && va < PKMAP_END);
	kunmap(ram);
	va = kmap_atomic(pfn_to_page(0xbffd0), KM_USER0);
	assert_true(va);
	kunmap_atomic(va, KM_USER0);
	fake_hal_fini();
}

static void test_mm_alloc_pgd_block(void **state)
{
	unsigned long free_before, tables_before;
	struct mm_struct *mm;
	const uint64_t *pdpt;

	(void)state;
	boot_6g();
	proc_mm_init();
	free_before = nr_free_pages();
	tables_before = nr_pagetable_pages();
	mm = mm_alloc();
	assert_non_null(mm);
	assert_int_equal(nr_pagetable_pages(), tables_before + 4);
	assert_true(mm->pgd < 0x100000000ull);
	pdpt = fake_phys_ptr(mm->pgd);
	assert_int_equal(pdpt[3], ((uint64_t *)fake_phys_ptr(swapper_pg_dir))[3]);
	assert_int_equal(pdpt[0], (mm->pgd + PAGE_SIZE) | 1u);
	mmput(mm);
	assert_int_equal(nr_pagetable_pages(), tables_before);
	assert_int_equal(nr_free_pages(), free_before);
	fake_hal_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_and_boot_map),
		cmocka_unit_test(test_round_trip_above_4g),
		cmocka_unit_test(test_nx_exactly_without_exec),
		cmocka_unit_test(test_large_pages),
		cmocka_unit_test(test_process_pgd_shares_kernel_directory),
		cmocka_unit_test(test_tables_only_through_linear_map),
		cmocka_unit_test(test_boot_6g_linear_map_and_nx),
		cmocka_unit_test(test_boot_6g_highmem_above_4g),
		cmocka_unit_test(test_boot_6g_cpu_with_32_physical_bits),
		cmocka_unit_test(test_mm_alloc_pgd_block),
		cmocka_unit_test(test_nx_mprotect_and_exec_fault),
		cmocka_unit_test(test_kmap_refuses_pci_hole),
	};

	(void)vm_boot; /* test_vm_boot.h's below-4-GiB boot: boot_6g() is this file's */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
