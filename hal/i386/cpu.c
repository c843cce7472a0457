/* CPU features from CPUID, the interrupt flag, TLB control and CR3. */
#include <stdio.h>
#include <string.h>

#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/pgtable_access.h>
#include <hal/x86.h>

char hal_cpu_vendor[13];
char hal_cpu_brand[49];
uint32_t hal_cpu_family, hal_cpu_model, hal_cpu_stepping;
bool hal_smep_enabled, hal_smap_enabled;

/*
 * The stack protector's canary (-fstack-protector-strong
 * -mstack-protector-guard=global): every protected frame stores it on
 * entry and compares it on return; firmware/trap/stackprotector.c reports a
 * mismatch.  It starts as 0 and gets its random value once, at the end
 * of hal_cpu_probe(); see there.
 */
uintptr_t __stack_chk_guard;

static bool features[HAL_FEAT_COUNT];
static unsigned phys_bits = 32;

static bool have_cpuid(void)
{
	uint32_t before, after;

	/* CPUID exists when the ID flag in EFLAGS can be toggled. */
	__asm__ volatile("pushfl\n\t"
			 "popl %0\n\t"
			 "movl %0, %1\n\t"
			 "xorl $0x200000, %1\n\t"
			 "pushl %1\n\t"
			 "popfl\n\t"
			 "pushfl\n\t"
			 "popl %1\n\t"
			 "pushl %0\n\t"
			 "popfl"
			 : "=&r"(before), "=&r"(after));
	return ((before ^ after) & EFLAGS_ID) != 0;
}

/*
 * Read PIT channel 0's running count: the BIOS leaves it counting, so it varies from boot to boot.
 */
static uint32_t pit_count(void)
{
	uint8_t lo, hi;

	__asm__ volatile("outb %b0, $0x43" : : "a"((uint8_t)0x00));
	__asm__ volatile("inb $0x40, %b0" : "=a"(lo));
	__asm__ volatile("inb $0x40, %b0" : "=a"(hi));
	return (uint32_t)hi << 8 | lo;
}

/*
 * A canary from whatever varies between boots: the TSC where there is
 * one, else the PIT count, mixed with the stack address and a constant.
 * The low byte is forced to zero, as glibc and Linux do, so a string
 * overflow cannot reproduce the canary.
 */
static uintptr_t make_canary(void)
{
	uint64_t x = features[HAL_FEAT_TSC] ? rdtsc() : ((uint64_t)pit_count() << 32 | pit_count());

	x ^= (uintptr_t)__builtin_frame_address(0) * 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return (uintptr_t)x & ~(uintptr_t)0xff;
}

#ifdef CONFIG_X86_PAE
#define MSR_EFER 0xC0000080u
#define EFER_NXE (1u << 11)

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/*
 * PAE builds: set IA32_EFER.NXE (MSR 0xC0000080, bit 11) where CPUID
 * 0x80000001 EDX bit 20 reports execute-disable, so that bit 63 of a PAE
 * entry means NX instead of a reserved bit; NXE has no effect until PAE
 * paging is on.  hal_cpu_has(HAL_FEAT_NX) is true exactly when it is set.
 */
static void enable_nx(void)
{
	if (features[HAL_FEAT_NX])
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}
#else
/* 2-level entries have no NX bit: EFER.NXE stays as the loader left it. */
static void enable_nx(void)
{
}
#endif

/*
 * Turn on SMEP and SMAP where the CPU has them (kernel code may then neither run nor, outside
 * hal_user_access_begin/end, touch user pages).
 */
static void enable_protections(void)
{
	if (features[HAL_FEAT_SMEP]) {
		write_cr4(read_cr4() | CR4_SMEP);
		hal_smep_enabled = true;
	}
	if (features[HAL_FEAT_SMAP]) {
		/* EFLAGS.AC is clear at boot, so the kernel starts with user access closed. */
		write_cr4(read_cr4() | CR4_SMAP);
		hal_smap_enabled = true;
	}
}

/*
 * No canary in this frame: the canary changes at its end.  kmain() calls
 * it and never returns, so no protected frame that saved the old value
 * (0) ever checks it.
 */
__attribute__((no_stack_protector)) void hal_cpu_probe(void)
{
	uint32_t r[4], max, maxext;

	if (!have_cpuid()) {
		strcpy(hal_cpu_vendor, "unknown");
		strcpy(hal_cpu_brand, "i486-class CPU without CPUID");
		__stack_chk_guard = make_canary();
		return;
	}
	features[HAL_FEAT_CPUID] = true;
	cpuid(0, 0, r);
	max = r[0];
	memcpy(hal_cpu_vendor, &r[1], 4);
	memcpy(hal_cpu_vendor + 4, &r[3], 4);
	memcpy(hal_cpu_vendor + 8, &r[2], 4);
	if (max >= 1) {
		cpuid(1, 0, r);
		hal_cpu_family = (r[0] >> 8) & 0xf;
		hal_cpu_model = (r[0] >> 4) & 0xf;
		hal_cpu_stepping = r[0] & 0xf;
		if (hal_cpu_family == 0xf)
			hal_cpu_family += (r[0] >> 20) & 0xff;
		if (hal_cpu_family >= 6)
			hal_cpu_model |= ((r[0] >> 16) & 0xf) << 4;
		features[HAL_FEAT_FPU] = r[3] & (1u << 0);
		features[HAL_FEAT_PSE] = r[3] & (1u << 3);
		features[HAL_FEAT_TSC] = r[3] & (1u << 4);
		features[HAL_FEAT_PAE] = r[3] & (1u << 6);
		features[HAL_FEAT_APIC] = r[3] & (1u << 9);
		features[HAL_FEAT_PGE] = r[3] & (1u << 13);
		/*
		 * The physical address width without leaf 0x80000008: the SDM
		 * says "generally 36" for PAE CPUs, but QEMU gives 36 only with
		 * PSE-36 and 32 otherwise (qemu32: a frame above 4 GiB then
		 * faults with the reserved-bit error), so 36 only with PSE-36
		 * (EDX bit 17), which every real PAE CPU since the Pentium II has.
		 */
		phys_bits = (r[3] & (1u << 17)) ? 36 : 32;
	}
	if (max >= 7) {
		cpuid(7, 0, r);
		features[HAL_FEAT_SMEP] = r[1] & (1u << 7);
		features[HAL_FEAT_SMAP] = r[1] & (1u << 20);
	}
	cpuid(0x80000000u, 0, r);
	maxext = r[0];
	if (maxext >= 0x80000001u && maxext < 0x8000ffffu) {
		cpuid(0x80000001u, 0, r);
		features[HAL_FEAT_NX] = r[3] & (1u << 20);
	}
	if (maxext >= 0x80000008u && maxext < 0x8000ffffu) {
		/* EAX[7:0]: MAXPHYADDR, the physical address width. */
		cpuid(0x80000008u, 0, r);
		if ((r[0] & 0xff) >= 32)
			phys_bits = r[0] & 0xff;
	}
	if (maxext >= 0x80000004u && maxext < 0x8000ffffu) {
		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002u + i, 0, r);
			memcpy(hal_cpu_brand + 16 * i, r, 16);
		}
	} else {
		snprintf(hal_cpu_brand, sizeof(hal_cpu_brand), "family %u model %u stepping %u",
			 (unsigned)hal_cpu_family, (unsigned)hal_cpu_model, (unsigned)hal_cpu_stepping);
	}
	if (features[HAL_FEAT_PSE])
		write_cr4(read_cr4() | CR4_PSE);
	if (features[HAL_FEAT_PGE])
		write_cr4(read_cr4() | CR4_PGE);
	enable_nx();
	enable_protections();
	__stack_chk_guard = make_canary();
}

void hal_cpu_disable(enum hal_feature f)
{
	if ((unsigned)f >= HAL_FEAT_COUNT)
		return;
	features[f] = false;
	if (f == HAL_FEAT_PSE)
		write_cr4(read_cr4() & ~CR4_PSE);
	if (f == HAL_FEAT_PGE)
		write_cr4(read_cr4() & ~CR4_PGE);
}

bool hal_cpu_has(enum hal_feature f)
{
	return (unsigned)f < HAL_FEAT_COUNT && features[f];
}

const char *hal_feature_name(enum hal_feature f)
{
	static const char *const names[HAL_FEAT_COUNT] = {
		[HAL_FEAT_FPU] = "fpu", [HAL_FEAT_PSE] = "pse",   [HAL_FEAT_TSC] = "tsc",
		[HAL_FEAT_PAE] = "pae", [HAL_FEAT_APIC] = "apic", [HAL_FEAT_PGE] = "pge",
		[HAL_FEAT_NX] = "nx",   [HAL_FEAT_SMEP] = "smep", [HAL_FEAT_SMAP] = "smap",
		[HAL_FEAT_CPUID] = "cpuid",
	};

	return (unsigned)f < HAL_FEAT_COUNT ? names[f] : "?";
}

uint64_t hal_phys_limit(void)
{
	uint64_t cpu = phys_bits >= 64 ? UINT64_MAX : 1ull << phys_bits;

	return cpu < HAL_PHYS_LIMIT ? cpu : HAL_PHYS_LIMIT;
}

unsigned long hal_irq_save(void)
{
	unsigned long flags = read_eflags();

	irq_disable();
	return flags;
}

void hal_irq_restore(unsigned long flags)
{
	if (flags & EFLAGS_IF)
		irq_enable();
}

bool hal_irq_enabled(void)
{
	return (read_eflags() & EFLAGS_IF) != 0;
}

void *hal_table_ptr(paddr_t pa)
{
	return (void *)(uintptr_t)(pa + PAGE_OFFSET);
}

void hal_flush_page(vaddr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

void hal_flush_all(void)
{
	uint32_t cr4;

	if (features[HAL_FEAT_PGE]) {
		/* Toggling CR4.PGE drops the global entries too. */
		cr4 = read_cr4();
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

#ifdef CONFIG_X86_PAE
/* The trampoline in hal/i386/pae_switch.S, called at its physical address. */
extern char hal_pae_trampoline[], hal_pae_trampoline_end[];

/*
 * The switch from boot.S's 2-level tables to the PAE directory pgd; the
 * reasons for each step are at the top of pae_switch.S.  The trampoline
 * sits in the kernel text at physical address tpa (below boot.S's 8 MiB).
 * For the moment of the switch both tables map tpa to itself: in the old
 * 2-level directory, slot tpa >> 22 gets a copy of the PAGE_OFFSET slot
 * that maps the same 4 MiB (boot.S's tables); in the new directory,
 * directory 0 gets the page table that already maps the text's 2 MiB in
 * the linear map (paging_init never maps text with a large page), so the
 * alias is executable and needs no allocation.  Both aliases go again
 * before interrupts come back.
 */
int hal_enable_pae_and_switch(paddr_t pgd)
{
	vaddr_t tva = (vaddr_t)(uintptr_t)hal_pae_trampoline;
	paddr_t tpa = tva - PAGE_OFFSET, table;
	uint32_t *old = (uint32_t *)(uintptr_t)(PAGE_OFFSET + (read_cr3() & PAGE_MASK));
	uint32_t saved;
	unsigned long flags;

	if (!features[HAL_FEAT_PAE])
		return HAL_ENOTSUPP;
	if (pgd >= 0x100000000ull || (pgd & (PAGE_SIZE - 1)) || tpa >= (8u << 20) ||
	    ((tva ^ ((vaddr_t)(uintptr_t)hal_pae_trampoline_end - 1)) & ~(hal_table_span() - 1)))
		return HAL_EINVAL;
	if (read_cr4() & CR4_PAE) {
		hal_switch_pgd(pgd);
		return HAL_OK;
	}
	if (!hal_query_table(pgd, tva, &table))
		return HAL_EINVAL;
	flags = hal_irq_save();
	saved = old[tpa >> 22];
	old[tpa >> 22] = old[tva >> 22];
	write_cr3(read_cr3());
	if (hal_set_table(pgd, tpa, table) != HAL_OK) {
		old[tpa >> 22] = saved;
		write_cr3(read_cr3());
		hal_irq_restore(flags);
		return HAL_EEXIST;
	}
	((void (*)(uint32_t))(uintptr_t)tpa)((uint32_t)pgd);
	/* PAE paging runs on pgd now: drop the alias (the table stays, it is the linear map's). */
	hal_clear_table(pgd, tpa, NULL);
	old[tpa >> 22] = saved;
	hal_flush_all();
	hal_irq_restore(flags);
	return HAL_OK;
}
#endif

void hal_switch_pgd(paddr_t pgd)
{
	write_cr3((uint32_t)pgd);
}

paddr_t hal_current_pgd(void)
{
	return read_cr3() & PAGE_MASK;
}
