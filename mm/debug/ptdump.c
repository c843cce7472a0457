/*
 * `pt ADDR`: the raw page-directory and page-table entries of an address,
 * decoded.  The low twelve flag bits are the same in the 2-level and PAE
 * entry formats, so this decoding holds for both; the frame comes from
 * hal_query_page(), which knows the format.
 */
#include <stdio.h>

#include <hal/mmu.h>
#include <mm/debug/ptdump.h>
#include <mm/region.h>

static void decode_flags(FILE *out, uint64_t e, bool is_pde)
{
	static const char *const bits[] = { "P", "RW", "US", "PWT", "PCD", "A", "D", NULL, "G" };

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		const char *name = bits[i];

		if (i == 7)
			name = is_pde ? "PS" : "PAT";
		if (e & (1ull << i))
			fprintf(out, " %s", name);
	}
	if (e & (1ull << 63))
		fputs(" NX", out);
}

void pt_show(FILE *out, paddr_t pgd, vaddr_t va)
{
	uint32_t span = hal_table_span();
	uint64_t pde, pte;
	bool have_pte = hal_query_raw(pgd, va, &pde, &pte);
	paddr_t pa;
	unsigned prot;
	char region[192];

	fprintf(out, "pt 0x%08lx (page directory at phys 0x%08llx)\n", (unsigned long)va, (unsigned long long)pgd);
	fprintf(out, "  PDE #%-4lu = 0x%08llx", (unsigned long)(va / span), (unsigned long long)pde);
	if (!(pde & 1))
		fputs("  not present: no page table\n", out);
	else {
		decode_flags(out, pde, true);
		fputs(have_pte ? "  -> page table\n" : "  -> large page\n", out);
	}
	if (have_pte) {
		fprintf(out, "  PTE #%-4lu = 0x%08llx", (unsigned long)((va % span) >> PAGE_SHIFT),
			(unsigned long long)pte);
		if (pte & 1)
			decode_flags(out, pte, false);
		else
			fputs("  not present", out);
		fputc('\n', out);
	}
	if (hal_query_page(pgd, va, &pa, &prot))
		fprintf(out, "  mapped: phys 0x%08llx%s%s%s\n", (unsigned long long)pa,
			prot & HAL_PROT_WRITE ? " writable" : " read-only", prot & HAL_PROT_USER ? " user" : " kernel",
			prot & HAL_PROT_NOCACHE ? " uncached" : "");
	else
		fputs("  not mapped\n", out);
	fprintf(out, "  region: %s\n", mm_region_name(va, region, sizeof(region)));
}
