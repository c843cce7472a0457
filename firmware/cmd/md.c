/*
 * U-Boot style memory display and modify: `md`, `mw` on kernel virtual
 * addresses and `mdp` on physical ones, each with .b/.w/.l widths.  Every
 * access goes through the probe accessors of extable.h, so pointing them at
 * an unmapped or read-only address prints an error naming the region and
 * the shell carries on.
 *
 * The line format is U-Boot's print_buffer():
 *   c0100000: 464c457f 00010101 00000000 00000000    .ELF............
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <extable.h>
#include <firmware.h>
#include <mm/fixmap.h>
#include <mm/io.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/region.h>
#include <mm/vmalloc.h>
#include <selftest.h>
#include <shell.h>

#define LINE_BYTES 16u
#define DEFAULT_UNITS 64u
#define VIRT_LIMIT 0x100000000ull /* md and mw: the 32-bit virtual address space */
/* mdp: 4 GiB with 2-level paging; with PAE 64 GiB or the CPU's physical width */
#define PHYS_LIMIT hal_phys_limit()

/* Reads one unit at addr into *v; 0, or non-zero with the line saying why written to why. */
typedef int (*read_fn)(void *ctx, uint64_t addr, unsigned width, uint32_t *v, char *why, size_t len);

static void print_line(uint64_t addr, unsigned width, const uint32_t *vals, unsigned n)
{
	char ascii[LINE_BYTES + 1];
	unsigned per_line = LINE_BYTES / width, k = 0;

	printf("%08llx:", (unsigned long long)addr);
	for (unsigned i = 0; i < n; i++) {
		printf(" %0*lx", (int)(width * 2), (unsigned long)vals[i]);
		for (unsigned b = 0; b < width; b++) {
			unsigned char c = (unsigned char)(vals[i] >> (8 * b));

			ascii[k++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
	}
	for (unsigned i = n; i < per_line; i++)
		printf("%*s", (int)(width * 2 + 1), "");
	ascii[k] = '\0';
	printf("    %s\n", ascii);
}

/*
 * Print count units from addr a line at a time; returns the address after the last unit shown, with
 * *status set to 0 or 1.  A unit that cannot be read ends the dump: the units of its line read
 * before it are shown first, then why it could not be read.
 */
static uint64_t dump(uint64_t addr, unsigned width, uint32_t count, read_fn rd, void *ctx, int *status)
{
	unsigned per_line = LINE_BYTES / width;

	*status = 0;
	while (count) {
		uint32_t vals[LINE_BYTES];
		unsigned n = count < per_line ? count : per_line, got = 0;
		char why[320];

		while (got < n && rd(ctx, addr + (uint64_t)got * width, width, &vals[got], why, sizeof(why)) == 0)
			got++;
		if (got)
			print_line(addr, width, vals, got);
		addr += (uint64_t)got * width;
		if (got < n) {
			printf("%s\n", why);
			*status = 1;
			break;
		}
		count -= n;
		if (count && shell_interrupted()) {
			printf("^C\n");
			*status = 1;
			break;
		}
	}
	return addr;
}

/* Parse [COUNT] at argv[i] (default DEFAULT_UNITS) and check that the range stays below limit. */
static int parse_range(const struct shell_call *call, int argc, char **argv, int i, uint64_t addr, unsigned width,
		       uint64_t limit, uint32_t dflt, uint32_t *count)
{
	uint64_t n = dflt;

	if (argc > i && shell_arg_count(call, argv[i], "COUNT", UINT32_MAX, &n))
		return SHELL_STATUS_USAGE;
	if (n == 0)
		return shell_usage_error(call, "COUNT must be a number from 1 up");
	*count = (uint32_t)n;
	if (addr % width) {
		printf("%s: address 0x%llx is not %u-byte aligned\n", call->name, (unsigned long long)addr, width);
		return 1;
	}
	if (addr >= limit || (limit - addr) / width < *count) {
		printf("%s: %lu units of %u bytes from 0x%llx run past 0x%llx\n", call->name, (unsigned long)*count,
		       width, (unsigned long long)addr, (unsigned long long)(limit - 1));
		return 1;
	}
	return 0;
}

static int read_virt(void *ctx, uint64_t addr, unsigned width, uint32_t *v, char *why, size_t len)
{
	char region[256];

	if (probe_read((vaddr_t)addr, width, v) == 0)
		return 0;
	snprintf(why, len, "%s: %s", (const char *)ctx,
		 extable_fault_describe(false, (vaddr_t)addr, region, sizeof(region)));
	return 1;
}

/* Where the next `md` without arguments continues, as in U-Boot. */
static struct {
	uint64_t next;
	unsigned width;
	uint32_t count;
	bool valid;
} md_last, mdp_last;

static int cmd_md(const struct shell_call *call, int argc, char **argv)
{
	unsigned width = call->width ? call->width : 4;
	uint64_t addr;
	uint32_t count;
	int status;

	if (argc == 1) {
		if (!md_last.valid)
			return shell_usage_error(call, "no address given and no previous md to continue");
		addr = md_last.next;
		count = md_last.count;
		width = md_last.width;
	} else {
		if (shell_arg_addr(call, argv[1], "ADDR", VIRT_LIMIT - 1, &addr))
			return SHELL_STATUS_USAGE;
		if ((status = parse_range(call, argc, argv, 2, addr, width, VIRT_LIMIT, DEFAULT_UNITS, &count)))
			return status;
	}
	md_last.next = dump(addr, width, count, read_virt, argv[0], &status);
	md_last.width = width;
	md_last.count = count;
	md_last.valid = md_last.next < VIRT_LIMIT;
	return status;
}
SHELL_CMD_DESC(md, .name = "md", .usage = "ADDR [COUNT]", .min_args = 0, .max_args = 2,
	       .widths = SHELL_WIDTHS_BWL, .repeat = true,
	       .summary = "display COUNT (decimal, default 64) 32-bit words (.b/.w: bytes/16-bit) at virtual ADDR "
			  "(hex, 0x optional), U-Boot style; no ADDR, or Enter on an empty line, continues",
	       .fn = cmd_md);

static int cmd_mw(const struct shell_call *call, int argc, char **argv)
{
	unsigned width = call->width ? call->width : 4;
	uint64_t addr;
	uint32_t value, count;
	char why[256];
	bool force = false;
	int status;

	if (!strcmp(argv[1], "-f")) {
		force = true;
		argc--;
		argv++;
		if (argc < 3)
			return shell_usage_error(call, "-f needs ADDR and VALUE after it");
	} else if (argc > 4) {
		return shell_usage_error(call, "too many arguments (takes at most 3 without -f)");
	}
	if (shell_arg_addr(call, argv[1], "ADDR", VIRT_LIMIT - 1, &addr))
		return SHELL_STATUS_USAGE;
	if (!parse_u32(argv[2], &value))
		return shell_usage_error(call, "VALUE must be a number (decimal or 0x-hex)");
	if (width < 4 && value >> (8 * width)) {
		printf("%s: value 0x%lx does not fit in %u byte%s\n", argv[0], (unsigned long)value, width,
		       width > 1 ? "s" : "");
		return 1;
	}
	if ((status = parse_range(call, argc, argv, 3, addr, width, VIRT_LIMIT, 1, &count)))
		return status;
	if (firmware_critical_range(addr, (uint64_t)count * width, why, sizeof(why))) {
		if (!force) {
			printf("%s: %s; writing it can take the firmware down: refused (add -f to write anyway)\n",
			       call->name, why);
			return 1;
		}
		printf("%s: -f: %s; writing it anyway\n", call->name, why);
	}
	for (uint32_t i = 0; i < count; i++) {
		vaddr_t a = (vaddr_t)addr + i * width;

		if (probe_write(a, width, value) != 0) {
			printf("%s: %s\n", argv[0], extable_fault_describe(true, a, why, sizeof(why)));
			if (i)
				printf("%s: %lu unit%s written before the fault\n", argv[0], (unsigned long)i, i > 1 ? "s" : "");
			return 1;
		}
	}
	return 0;
}
SHELL_CMD_DESC(mw, .name = "mw", .usage = "[-f] ADDR VALUE [COUNT]", .min_args = 2, .max_args = 4,
	       .widths = SHELL_WIDTHS_BWL,
	       .summary = "write VALUE (decimal or 0x-hex) to COUNT (decimal, default 1) 32-bit words (.b/.w: "
			  "bytes/16-bit) at virtual ADDR (hex, 0x optional); "
			  "the IDT, GDT, TSS, kernel page tables, canary and stack only with -f",
	       .fn = cmd_mw);

/*
 * mdp reaches one physical page at a time: RAM (low or high, a frame the
 * e820 map calls RAM) through kmap_atomic slot KM_USER0, anything else
 * (MMIO in the PCI hole, ROM) only through a one-page uncached ioremap.
 */
struct phys_window {
	const char *cmd;
	uint64_t page;  /* physical address of the page mapped, when va != 0 */
	vaddr_t va;
	bool ioremapped;
};

static void window_close(struct phys_window *w)
{
	if (!w->va)
		return;
	if (w->ioremapped)
		iounmap(w->va);
	else
		kunmap_atomic(w->va, KM_USER0);
	w->va = 0;
}

/* Map the page at physical page; 0, or 1 with why[0..len) saying why it could not. */
static int window_open(struct phys_window *w, uint64_t page, char *why, size_t len)
{
	pfn_t pfn = (pfn_t)(page >> PAGE_SHIFT);

	window_close(w);
	/* A struct page alone is not RAM: a frame of the PCI hole (APIC, IO-APIC) goes through ioremap. */
	if (pfn_valid(pfn) && page_is_ram(pfn)) {
		w->va = kmap_atomic(pfn_to_page(pfn), KM_USER0);
		w->ioremapped = false;
	} else {
		w->va = ioremap(page, PAGE_SIZE);
		w->ioremapped = true;
	}
	if (!w->va) {
		snprintf(why, len, "%s: cannot map phys 0x%08llx: %s", w->cmd, (unsigned long long)page,
			 w->ioremapped ? "it is not RAM and ioremap refused it" : "kmap_atomic failed");
		return 1;
	}
	w->page = page;
	return 0;
}

static int read_phys(void *ctx, uint64_t addr, unsigned width, uint32_t *v, char *why, size_t len)
{
	struct phys_window *w = ctx;
	uint64_t page = addr & ~(uint64_t)(PAGE_SIZE - 1);
	vaddr_t va;
	char region[256];

	if ((!w->va || w->page != page) && window_open(w, page, why, len))
		return 1;
	va = w->va + (vaddr_t)(addr - page);
	if (probe_read(va, width, v) == 0)
		return 0;
	snprintf(why, len, "%s: phys 0x%08llx (mapped at 0x%08lx through %s): %s", w->cmd,
		 (unsigned long long)addr, (unsigned long)va, w->ioremapped ? "ioremap" : "kmap_atomic",
		 extable_fault_describe(false, va, region, sizeof(region)));
	return 1;
}

static int cmd_mdp(const struct shell_call *call, int argc, char **argv)
{
	struct phys_window w = { argv[0], 0, 0, false };
	unsigned width = call->width ? call->width : 4;
	uint64_t addr;
	uint32_t count;
	int status;

	if (argc == 1) {
		if (!mdp_last.valid)
			return shell_usage_error(call, "no address given and no previous mdp to continue");
		addr = mdp_last.next;
		count = mdp_last.count;
		width = mdp_last.width;
	} else {
		if (shell_arg_addr(call, argv[1], "PHYS", UINT64_MAX, &addr))
			return SHELL_STATUS_USAGE;
		if (addr >= PHYS_LIMIT) {
			printf("%s: phys 0x%llx is above %llu GiB, which %s cannot map\n", argv[0],
			       (unsigned long long)addr, (unsigned long long)(PHYS_LIMIT >> 30),
			       HAL_PHYS_LIMIT == 1ull << 32 ? "2-level paging" : "PAE paging on this CPU");
			return 1;
		}
		if ((status = parse_range(call, argc, argv, 2, addr, width, PHYS_LIMIT, DEFAULT_UNITS, &count)))
			return status;
	}
	mdp_last.next = dump(addr, width, count, read_phys, &w, &status);
	window_close(&w);
	mdp_last.width = width;
	mdp_last.count = count;
	mdp_last.valid = mdp_last.next < PHYS_LIMIT;
	return status;
}
SHELL_CMD_DESC(mdp, .name = "mdp", .usage = "PHYS [COUNT]", .min_args = 0, .max_args = 2,
	       .widths = SHELL_WIDTHS_BWL, .repeat = true,
	       .summary = "display COUNT (decimal, default 64) 32-bit words (.b/.w: bytes/16-bit) at physical "
			  "PHYS (hex, 0x optional; RAM through kmap_atomic, MMIO through ioremap); no PHYS, or "
			  "Enter on an empty line, continues",
	       .fn = cmd_mdp);

/*
 * 1,000 probes of addresses that fault (NULL, the VMALLOC_OFFSET gap, a
 * vmalloc guard page, the page above FIXADDR_TOP) all return -EFAULT, are
 * all counted by the exception handler, and take no page from the buddy
 * allocator.
 */
static int selftest_probe_faults(const struct selftest *t)
{
	vaddr_t area = vmalloc(PAGE_SIZE);
	vaddr_t bad[4];
	unsigned long free_before, faults_before, caught;
	uint32_t v;
	int wrong = 0;

	if (!area) {
		printf("# vmalloc of one page failed\n");
		return 1;
	}
	bad[0] = 0;
	bad[1] = VMALLOC_START - PAGE_SIZE;
	bad[2] = area + PAGE_SIZE;
	bad[3] = 0xfffff000u;
	if (probe_write32(area, 0x464c457f) || probe_read32(area, &v) || v != 0x464c457f) {
		printf("# a probe of mapped vmalloc memory at 0x%08lx failed\n", (unsigned long)area);
		wrong++;
	}
	free_before = nr_free_pages();
	faults_before = extable_last_fault.count;
	for (unsigned i = 0; i < 1000; i++) {
		vaddr_t a = bad[i % 4] + (i / 4 % 4) * 4;
		int r = i & 1 ? probe_write(a, 1u << (i / 2 % 3), 0xa5) : probe_read(a, 1u << (i / 2 % 3), &v);

		if (r != -EFAULT || extable_last_fault.vector != 14 || extable_last_fault.cr2 != a) {
			if (wrong++ < 5)
				printf("# probe %u of 0x%08lx returned %d (vector %lu, cr2 0x%08lx)\n", i, (unsigned long)a,
				       r, (unsigned long)extable_last_fault.vector, (unsigned long)extable_last_fault.cr2);
		}
	}
	caught = extable_last_fault.count - faults_before;
	if (caught != 1000) {
		printf("# the handler caught %lu faults, not 1000\n", caught);
		wrong++;
	}
	if (nr_free_pages() != free_before) {
		printf("# free pages went from %lu to %lu\n", free_before, nr_free_pages());
		wrong++;
	}
	vfree(area);
	return wrong != 0;
}
SELFTEST(probe_faults, selftest_probe_faults);
