/*
 * The host benchmark: boots the fake machine the way the firmware does and
 * runs the image's benchmarks (mm/bench_vm.c, mm/bench_page_alloc.c) on the
 * very same mm/ code, printing the same BENCH lines (cycles_per_op is in
 * nanoseconds here: the fake hal_cycles() counts them) and the TARGET lines.
 *
 * The vmalloc cases run on a 256 MiB machine (no high memory, so a large
 * vmalloc area: 15,000 live areas fit); the kmap cases on a 1 GiB one.
 *
 * usage: bench_mm [--quick] [--reps N] [--only PREFIX [N] | --exact NAME [N]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fake_hal.h>
#include <mm/debug/bench.h>
#include <mm/debug/bench_vm.h>
#include <mm/debug/reboot.h>
#include <mm/e820.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/init.h>
#include <mm/layout.h>
#include <mm/vmalloc.h>

static struct e820_table e820;

/* Boot a fake machine with ram bytes, QEMU's e820 map, and the kernel virtual areas; exits on failure. */
static void boot(uint64_t ram)
{
	struct mm_boot_info bi = { .e820 = &e820, .kernel_start = FAKE_KERNEL_START, .kernel_end = FAKE_KERNEL_END };
	FILE *devnull = fopen("/dev/null", "w"), *saved = stdout;

	memset(&e820, 0, sizeof(e820));
	e820.entries[e820.nr_entries++] = (struct e820_entry){ 0, 0x9fc00, E820_RAM };
	e820.entries[e820.nr_entries++] = (struct e820_entry){ 0x9fc00, 0x400, E820_RESERVED };
	e820.entries[e820.nr_entries++] = (struct e820_entry){ 0xf0000, 0x10000, E820_RESERVED };
	e820.entries[e820.nr_entries++] = (struct e820_entry){ 0x100000, ram - 0x100000 - 0x20000, E820_RAM };
	e820.entries[e820.nr_entries++] = (struct e820_entry){ ram - 0x20000, 0x20000, E820_RESERVED };
	fake_hal_fini();
	fake_hal_init(ram);
	mm_debug_reboot();
	stdout = devnull;
	if (mm_init(&bi) || vmalloc_init() || kmap_init() || fixmap_init()) {
		stdout = saved;
		fprintf(stderr, "bench_mm: the fake machine of %llu MiB did not boot\n", (unsigned long long)(ram >> 20));
		exit(2);
	}
	stdout = saved;
	fclose(devnull);
}

int main(int argc, char **argv)
{
	bench_opts.reps = 5;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			bench_opts.quick = 1;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			bench_opts.reps = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if ((!strcmp(argv[i], "--only") || !strcmp(argv[i], "--exact")) && i + 1 < argc) {
			bench_opts.exact = !strcmp(argv[i], "--exact");
			bench_opts.only = argv[++i];
			if (i + 1 < argc && argv[i + 1][0] != '-')
				bench_opts.only_n = strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--quick] [--reps N] [--only PREFIX [N] | --exact NAME [N]]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# host: fake hal, cycles_per_op in ns, fastest of %u runs\n", bench_opts.reps);
	/* vmalloc and page allocator cases: 256 MiB, no high memory, 727 MiB of vmalloc space. */
	boot(256ull << 20);
	if (!bench_opts.only || !strncmp("alloc_free", bench_opts.only, strlen(bench_opts.only)))
		bench_page_alloc(stdout);
	/* The kmap cases need high memory: they run on the second machine. */
	bench_opts.skip = "kmap";
	bench_vm(stdout);
	bench_opts.skip = NULL;
	boot(1ull << 30);
	if (!bench_opts.only || !strncmp(bench_opts.only, "kmap", 4)) {
		const char *only = bench_opts.only;

		bench_opts.only = only ? only : "kmap";
		bench_vm(stdout);
		bench_opts.only = only;
	}
	bench_targets(stdout);
	vmalloc_vmstat_show(stdout);
	fake_hal_fini();
	return 0;
}
