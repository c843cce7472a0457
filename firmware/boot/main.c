/*
 * kmain: the boot order.  Console first (polled), then the CPU, traps and
 * the Multiboot information, then memory management, then interrupts, and
 * finally the shell.
 */
#include <stdio.h>
#include <string.h>

#include <acpi_boot.h>
#include <board.h>
#include <boot_window.h>
#include <console.h>
#include <console_select.h>
#include <dmi_boot.h>
#include <extable.h>
#include <firmware.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <highmem_version.h>
#include <mm/early_ioremap.h>
#include <mm/init.h>
#include <mm/layout.h>
#include <lock_report.h>
#include <recover.h>
#include <shell.h>
#include <smpboot.h>
#include <task.h>
#include <timer.h>

#include "internal.h"

#define TIMER_HZ 100u

struct boot_params boot_params;

/*
 * Before mm_init() only the first 8 MiB is mapped (boot.S); loader data above it goes through the
 * boot window.
 */
__init static const void *early_phys_read(void *ctx, uint32_t pa, uint32_t len)
{
	(void)ctx;
	if (pa >= BOOT_MAPPED_DEFAULT || len > BOOT_MAPPED_DEFAULT - pa)
		return boot_window_map(pa, len);
	return (const void *)(uintptr_t)(pa + PAGE_OFFSET);
}

__init static void drop_identity_map(void)
{
	uint32_t *pgd = hal_va_ptr(PAGE_OFFSET + (read_cr3() & PAGE_MASK));

	pgd[0] = 0;
	pgd[1] = 0;
	hal_flush_all();
}

/*
 * A probe accessor's fault resumes at its fixup; a shell command's fault may return to the prompt;
 * anything else halts.
 */
static void do_exception(struct trap_frame *tf)
{
	if (tf->vector == 2 && lock_report_nmi(tf))
		return;
	if ((tf->cs & 3) == 3) {
		bool handled;

		/* A ring-3 fault is a kernel path of the task: under the kernel lock. */
		kernel_lock();
		handled = handle_user_fault(tf);
		/* A write to a present page changed it (copy on write): siblings on other CPUs. */
		if (handled && (tf->error_code & (PF_PRESENT | PF_WRITE)) == (PF_PRESENT | PF_WRITE))
			flush_mm_others(current->mm);
		kernel_unlock();
		if (handled)
			return;
	}
	if (fixup_exception(tf))
		return;
	if (recover_from_fault(tf))
		return;
	oops(tf);
}

/* Does the kernel command line hold the word opt? */
__init static bool cmdline_has(const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = boot_params.cmdline; (p = strstr(p, opt)); p += n)
		if ((p == boot_params.cmdline || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* Boot options that turn CPU features off, to exercise the paths older CPUs take. */
__init static void apply_cpu_options(void)
{
	if (cmdline_has("nopse") || cmdline_has("nopentium")) {
		hal_cpu_disable(HAL_FEAT_PSE);
		printf("Boot option: large pages (PSE) disabled\n");
	}
	if (cmdline_has("nopge")) {
		hal_cpu_disable(HAL_FEAT_PGE);
		printf("Boot option: global pages (PGE) disabled\n");
	}
}

/* A loader range left out would be handed to the buddy allocator while its data is still needed. */
_Static_assert(MM_BOOT_MAX_RESERVED >= BOOT_MAX_RESERVED, "every loader range must reach mm_init()");

__init static void fill_mm_boot_info(struct mm_boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->e820 = &boot_params.e820;
	bi->kernel_start = (paddr_t)(uintptr_t)__kernel_phys_start;
	bi->kernel_end = (paddr_t)((uintptr_t)_end - PAGE_OFFSET);
	bi->text_start = (paddr_t)((uintptr_t)_text - PAGE_OFFSET);
	bi->text_end = (paddr_t)((uintptr_t)__init_end - PAGE_OFFSET);
	bi->rodata_end = (paddr_t)((uintptr_t)__rodata_end - PAGE_OFFSET);
	bi->boot_mapped_end = BOOT_MAPPED_DEFAULT;
	for (unsigned i = 0; i < boot_params.nr_reserved && bi->nr_reserved < MM_BOOT_MAX_RESERVED; i++) {
		struct mm_reserved_range *r = &bi->reserved[bi->nr_reserved++];

		r->start = boot_params.reserved[i].start;
		r->end = boot_params.reserved[i].end;
		r->name = boot_params.reserved[i].what;
	}
	smp_reserve_trampoline(bi);
}

__init void kmain(uint32_t magic, uint32_t mbi_pa)
{
	struct mm_boot_info bi;
	uint64_t t0;
	bool mb_ok;

	memset(__bss_start, 0, (size_t)(__bss_stop - __bss_start));
	/* The command line first (pure parsing, nothing printed), so console= can pick the UART for the banner. */
	mb_ok = magic == MULTIBOOT2_BOOTLOADER_MAGIC
			? multiboot2_parse(magic, mbi_pa, early_phys_read, NULL, &boot_params)
			: multiboot_parse(magic, mbi_pa, early_phys_read, NULL, &boot_params);
	boot_window_close();
	if (!mb_ok)
		boot_params.cmdline[0] = '\0';
	console_setup_early();
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	printf("\nhighmem %s (git %s) on board %s, console %s\n", HIGHMEM_VERSION, HIGHMEM_GIT_REV, board.name,
	       console_describe());

	hal_cpu_probe();
	t0 = hal_cpu_has(HAL_FEAT_TSC) ? rdtsc() : 0;
	hal_trap_init();
	hal_set_exception_handler(do_exception);

	if (!mb_ok) {
		for (unsigned i = 0; i < boot_params.nr_warnings; i++)
			printf("multiboot: %s\n", boot_params.warnings[i]);
		panic("no usable Multiboot information; cannot find memory");
	}
	drop_identity_map();
	printf("Command line: %s\n", boot_params.cmdline);
	if (boot_params.loader_name[0])
		printf("Loader: %s\n", boot_params.loader_name);
	printf("Boot protocol: Multiboot%s at 0x%08x%s, memory map from %s\n", boot_params.multiboot2 ? "2" : " v1",
	       (unsigned)mbi_pa, boot_params.efi_boot ? " (UEFI)" : "", boot_params.e820_source);
	for (unsigned i = 0; i < boot_params.nr_warnings; i++)
		printf("multiboot: %s\n", boot_params.warnings[i]);
	printf("BIOS-provided physical RAM map:\n");
	e820_print(stdout, &boot_params.e820);

	hal_pic_init();
	hal_pit_init(TIMER_HZ);
	timer_init_early();
	apply_cpu_options();
	print_cpu();

	fill_mm_boot_info(&bi);
	if (mm_init(&bi) != 0)
		panic("memory management could not be set up");
	/* The fixmap page table exists now; vmalloc does not yet: read the firmware tables early. */
	early_ioremap_init();
	acpi_boot_init();
	dmi_boot_init();
	kernel_areas_init();
	power_init();
	timer_init_late();
	console_setup_late();
	smp_boot_cpus();

	console_enable_rx_irq();
	irq_enable();
	if (t0 && hal_tsc_hz)
		printf("Boot took %llu ms from kmain to the prompt.\n",
		       (unsigned long long)((rdtsc() - t0) * 1000 / hal_tsc_hz));
	printf("Type 'help' for a list of commands.\n");
	shell_loop();
}
