/*
 * Finding the CPUs (ACPI MADT, else the MP table, else the boot CPU alone) and starting the
 * application processors from a real-mode trampoline below 1 MiB.
 */
#ifndef FIRMWARE_SMPBOOT_H
#define FIRMWARE_SMPBOOT_H

#include <stdint.h>

#include <hal/smp.h>
#include <mm/init.h>

/* Where a CPU came from, for `cpus`: the list and the source it was read from. */
struct smp_cpu_slot {
	uint32_t apic_id;
	const char *why; /* why it is not online, or NULL */
};

/* Slots 0..smp_nr_found-1 are the CPUs found, slot 0 the boot CPU. */
extern struct smp_cpu_slot smp_cpus[NR_CPUS];
extern unsigned smp_nr_found;
extern const char *smp_cpu_source;

/*
 * Set aside the trampoline's pages below 1 MiB among the ranges bootmem must not hand out (bi);
 * call before mm_init().
 */
void smp_reserve_trampoline(struct mm_boot_info *bi);

/*
 * Find the CPUs and start every application processor up to maxcpus= (each reported, one that
 * does not answer left out); call once the local APIC is mapped and the timer runs.
 */
void smp_boot_cpus(void);

#endif
