/*
 * `pt ADDR -j`: the walk pt_show() prints (Understanding the Linux Virtual Memory Manager, §3.2
 * and §3.3: the PGD/PTE entries and their flag bits), as JSON members.  The low twelve flag bits
 * are the same in the 2-level and PAE formats; bit 63 is NX in PAE.
 */
#include <hal/mmu.h>
#include <mm/region.h>
#include <pt_json.h>

/* The flag names pt_show() prints for entry e, as an array named "flags". */
static void flags_json(struct json_writer *w, uint64_t e, bool is_pde)
{
	static const char *const bits[] = { "P", "RW", "US", "PWT", "PCD", "A", "D", NULL, "G" };

	json_array(w, "flags");
	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (e & (1ull << i))
			json_string(w, NULL, i == 7 ? (is_pde ? "PS" : "PAT") : bits[i]);
	if (e & (1ull << 63))
		json_string(w, NULL, "NX");
	json_end(w);
}

void pt_json(struct json_writer *w, paddr_t pgd, vaddr_t va)
{
	uint32_t span = hal_table_span();
	uint64_t pde, pte;
	bool have_pte = hal_query_raw(pgd, va, &pde, &pte);
	paddr_t pa;
	unsigned prot;
	bool mapped = hal_query_page(pgd, va, &pa, &prot);
	char region[192];

	json_uint(w, "va", va);
	json_uint(w, "pgd", pgd);
	json_object(w, "pde");
	json_uint(w, "index", va / span);
	json_uint(w, "raw", pde);
	json_bool(w, "present", pde & 1);
	flags_json(w, pde, true);
	json_end(w);
	json_bool(w, "large", (pde & 1) && !have_pte);
	if (have_pte) {
		json_object(w, "pte");
		json_uint(w, "index", (va % span) >> PAGE_SHIFT);
		json_uint(w, "raw", pte);
		json_bool(w, "present", pte & 1);
		flags_json(w, pte, false);
		json_end(w);
	} else {
		json_null(w, "pte");
	}
	json_bool(w, "mapped", mapped);
	if (mapped) {
		json_uint(w, "phys", pa);
		json_bool(w, "writable", prot & HAL_PROT_WRITE);
		json_bool(w, "user", prot & HAL_PROT_USER);
		json_bool(w, "uncached", prot & HAL_PROT_NOCACHE);
	} else {
		json_null(w, "phys");
		json_null(w, "writable");
		json_null(w, "user");
		json_bool(w, "uncached", false);
	}
	json_string(w, "region", mm_region_name(va, region, sizeof(region)));
}
