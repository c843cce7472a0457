/* i386 control registers, CPUID and the interrupt flag, for hal/ and the firmware. */
#ifndef HAL_X86_H
#define HAL_X86_H

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

/* Probe CPUID once at boot (before anything asks hal_cpu_has) and enable PSE/PGE in CR4 where present. */
void hal_cpu_probe(void);

/* Stop using feature f although the CPU has it (boot options nopse/nopge); call before mm_init(). */
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
