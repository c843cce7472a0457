/*
 * The machine side of SMP on i386: starting an application processor through the local APIC
 * (INIT-SIPI-SIPI, Intel SDM vol. 3A, §8.4.4), the per-CPU data each CPU reaches through %fs,
 * inter-processor interrupts by kind, and what each CPU counts.  The firmware finds the CPUs
 * (ACPI MADT or MP table), sets a trampoline page below 1 MiB aside and maps the local APIC; the
 * hal does the rest.  mm/ sees none of this: its view is hal/smp.h.
 */
#ifndef HAL_SMPBOOT_H
#define HAL_SMPBOOT_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/mmu.h>
#include <hal/smp.h>
#include <hal/trap.h>

/*
 * Bytes below 1 MiB the trampoline needs: its code page and the bootstrap page directory (with
 * PAE, a PDPT and the directory of its low-memory alias).
 */
#define HAL_AP_TRAMPOLINE_SIZE (3u * PAGE_SIZE)

/* The kinds of inter-processor interrupt, each with its own vector and counter. */
enum hal_ipi_kind {
	HAL_IPI_CALL,  /* run a function (smp_call_function_many) */
	HAL_IPI_TLB,   /* TLB shootdown (hal_flush_tlb_others) */
	HAL_IPI_NMI,   /* non-maskable: print this CPU's stack */
	HAL_IPI_KINDS
};

/* What a CPU has counted since it came up. */
struct hal_cpu_stats {
	uint64_t ticks;                   /* timer interrupts taken (PIT or local APIC timer) */
	uint64_t ipi_rx[HAL_IPI_KINDS];   /* IPIs received, by kind */
	uint64_t tlb_shootdowns;          /* shootdown requests this CPU served */
	uint64_t tlb_ipis_sent;           /* shootdown IPIs this CPU sent as initiator */
};

/* The state of a CPU slot, as `cpus` prints it. */
enum hal_cpu_state {
	HAL_CPU_ABSENT,   /* no CPU in this slot */
	HAL_CPU_ONLINE,
	HAL_CPU_PARKED,   /* stopped by smp_park_others(), interrupts off */
	HAL_CPU_DEAD,     /* did not answer INIT-SIPI-SIPI, or stopped acknowledging IPIs */
	HAL_CPU_OFFLINE,  /* found, but left down (maxcpus=) */
};

/*
 * Make the boot CPU number 0 with the local APIC mapped at lapic_va (0 when there is none):
 * record its APIC ID and enable its local APIC so it can send and receive IPIs.
 */
void hal_smp_init(vaddr_t lapic_va);

/* True once hal_smp_init() found a local APIC: IPIs and AP start-up are possible. */
bool hal_smp_capable(void);

/* The local APIC ID of the CPU running the caller (0 without a local APIC). */
uint32_t hal_lapic_id(void);

/*
 * Start the AP with local APIC ID apic_id as CPU number cpu: copy the trampoline to tramp_pa
 * (HAL_AP_TRAMPOLINE_SIZE bytes below 1 MiB, reachable at tramp_va), send INIT-SIPI-SIPI and
 * wait up to timeout_ms for it to reach C on the stack ending at stack_top, where it loads its
 * own GDT, TSS and %fs, the shared IDT and kernel_pgd, enables its local APIC and calls
 * entry(cpu) (which must not return).  Returns 0 when it answered, -1 otherwise.
 */
int hal_smp_start_ap(unsigned cpu, uint32_t apic_id, paddr_t tramp_pa, void *tramp_va,
		     paddr_t kernel_pgd, uintptr_t stack_top, void (*entry)(unsigned cpu),
		     unsigned timeout_ms);

/*
 * Build the AP bootstrap directory in the page at dst (below 1 MiB, linear-mapped): the kernel half
 * of kernel_pgd, and the low gigabyte or 4 MiB mapped one to one so the trampoline survives the
 * moment paging goes on; dst is HAL_AP_TRAMPOLINE_SIZE - PAGE_SIZE bytes.  2-level: a copy of
 * the directory; PAE: a PDPT with the kernel directory and an executable 2 MiB alias at 0.
 */
void hal_make_ap_boot_pgd(paddr_t dst, paddr_t kernel_pgd);

/* Record slot cpu's state (online, parked, ...); online and parked CPUs are in the online mask. */
void hal_smp_set_state(unsigned cpu, enum hal_cpu_state state, uint32_t apic_id);

/* The state of slot cpu. */
enum hal_cpu_state hal_smp_state(unsigned cpu);

/* The local APIC ID of CPU cpu. */
uint32_t hal_cpu_apic_id(unsigned cpu);

/* CPUID leaf 1 EDX of CPU cpu, as it read it when it came up (0 for a CPU never started). */
uint32_t hal_cpu_features_edx(unsigned cpu);

/* Send an IPI of kind to CPU cpu (HAL_IPI_NMI as an NMI). */
void hal_send_ipi(unsigned cpu, enum hal_ipi_kind kind);

/*
 * Call fn(tf) when this CPU takes an IPI of kind (interrupts off; the hal counts it and sends the
 * EOI).  HAL_IPI_TLB is the hal's own.
 */
void hal_set_ipi_handler(enum hal_ipi_kind kind, void (*fn)(struct trap_frame *tf));

/* The counters of CPU cpu. */
const struct hal_cpu_stats *hal_cpu_stats(unsigned cpu);

/*
 * Serve a TLB shootdown addressed to this CPU if one waits; called in every spin loop
 * (hal_cpu_relax), so a CPU spinning with interrupts off never stalls an initiator.
 */
void hal_tlb_poll(void);

/* Start the local APIC timer on this CPU at about hz interrupts a second (after calibration). */
void hal_lapic_timer_start(unsigned hz);

/*
 * Measure the local APIC timer against the TSC (hal_tsc_hz must be known); call once on the boot
 * CPU before any hal_lapic_timer_start().  False when it cannot be measured.
 */
bool hal_lapic_timer_calibrate(void);

#endif
