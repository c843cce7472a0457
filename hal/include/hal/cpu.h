/*
 * What the CPU offers, as found by CPUID at boot, and a cycle counter.
 * mm/ asks before it uses large pages, global pages, PAE or NX; nothing may
 * assume them (QEMU's -cpu 486 has neither PSE nor PGE).
 */
#ifndef HAL_CPU_H
#define HAL_CPU_H

#include <stdbool.h>
#include <stdint.h>

enum hal_feature {
	HAL_FEAT_FPU,
	HAL_FEAT_PSE,
	HAL_FEAT_TSC,
	HAL_FEAT_PAE,
	HAL_FEAT_APIC,
	HAL_FEAT_PGE,
	HAL_FEAT_NX,
	HAL_FEAT_SMEP,
	HAL_FEAT_SMAP,
	HAL_FEAT_CPUID,
	HAL_FEAT_COUNT
};

/* True when the CPU has feature f (false for every feature before hal_cpu_probe()). */
bool hal_cpu_has(enum hal_feature f);

/* The short lower-case name of feature f, as /proc/cpuinfo spells it. */
const char *hal_feature_name(enum hal_feature f);

/* A monotonic cycle count: the TSC where there is one, else PIT ticks scaled to a nominal rate. */
uint64_t hal_cycles(void);

#endif
