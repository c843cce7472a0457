/* i386 control registers, CPUID and the interrupt flag, for hal/ and the firmware. */
#ifndef HAL_X86_H
#define HAL_X86_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/cpu.h>

#define CR0_PE 0x00000001u
#define CR0_WP 0x00010000u
#define CR0_PG 0x80000000u
#define CR4_PSE 0x00000010u
#define CR4_PAE 0x00000020u
#define CR4_PGE 0x00000080u
#define CR4_SMEP 0x00100000u
#define CR4_SMAP 0x00200000u
#define EFLAGS_IF 0x00000200u
#define EFLAGS_AC 0x00040000u
#define EFLAGS_ID 0x00200000u

#define DEFINE_CR(n)                                                      \
	static inline uint32_t read_cr##n(void)                           \
	{                                                                 \
		uint32_t v;                                               \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));         \
		return v;                                                 \
	}                                                                 \
	static inline void write_cr##n(uint32_t v)                        \
	{                                                                 \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint32_t read_eflags(void)
{
	uint32_t f;

	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_halt(void)
{
	__asm__ volatile("hlt");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/*
 * Probe CPUID once at boot (before anything asks hal_cpu_has), enable PSE/PGE, SMEP and SMAP in CR4
 * where present, and seed the stack protector's canary.
 */
void hal_cpu_probe(void);

/*
 * True once hal_cpu_probe() turned CR4.SMEP (kernel cannot execute user pages) or CR4.SMAP (kernel
 * cannot touch them) on.
 */
extern bool hal_smep_enabled, hal_smap_enabled;

/* The stack protector's canary (see hal/i386/cpu.c). */
extern uintptr_t __stack_chk_guard;

/*
 * With SMAP on, any kernel access to a user page faults unless EFLAGS.AC
 * is set.  Bracket every deliberate access (copy_from_user, copy_to_user,
 * the ELF loader writing a user image, system-call argument reads) with
 * hal_user_access_begin() and hal_user_access_end(), and keep the bracket
 * short: nothing in it may sleep, call out, or touch anything else.
 * Without SMAP both are no-ops (stac/clac would be #UD on older CPUs).
 */
static inline void hal_user_access_begin(void)
{
	if (hal_smap_enabled)
		__asm__ volatile("stac" ::: "memory", "cc");
}

/* Close what hal_user_access_begin() opened. */
static inline void hal_user_access_end(void)
{
	if (hal_smap_enabled)
		__asm__ volatile("clac" ::: "memory", "cc");
}

/*
 * Stop using feature f although the CPU has it (boot options nopse/nopge); call before mm_init().
 */
void hal_cpu_disable(enum hal_feature f);

/* The CPUID vendor string and brand (or a family/model description); filled by hal_cpu_probe(). */
extern char hal_cpu_vendor[13];
extern char hal_cpu_brand[49];
extern uint32_t hal_cpu_family, hal_cpu_model, hal_cpu_stepping;

/* TSC ticks per second measured against the PIT, or 0 without a TSC; set by hal_tsc_calibrate(). */
extern uint64_t hal_tsc_hz;

/* Measure the TSC frequency against PIT channel 2 (about 20 ms). */
void hal_tsc_calibrate(void);

#endif
