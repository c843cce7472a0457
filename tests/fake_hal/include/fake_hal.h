/*
 * The fake machine behind host unit tests: a host buffer as physical
 * memory, the real i386 page-table code (hal/i386/pgtable.c; in the
 * fake_hal_pae library, built with CONFIG_X86_PAE, hal/i386/pgtable_pae.c)
 * on top of it, and a record of every TLB flush and page-directory switch.
 */
#ifndef FAKE_HAL_H
#define FAKE_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/smp.h>

/* Physical addresses of the boot page directory and its tables, inside the fake kernel image at 1 MiB. */
#define FAKE_BOOT_PGD 0x00100000u
#define FAKE_BOOT_MAPPED (8u << 20) /* boot.S maps the first 8 MiB at 0 and at PAGE_OFFSET */
#ifdef CONFIG_X86_PAE
/* PAE: PDPT and four directories (a kernel directory block, hal/mmu.h), then four 2 MiB tables. */
#define FAKE_BOOT_TABLES_AT (FAKE_BOOT_PGD + 5 * 4096u)
#else
/* 2-level: one directory, then two 4 MiB tables. */
#define FAKE_BOOT_TABLES_AT (FAKE_BOOT_PGD + 4096u)
#endif
#define FAKE_KERNEL_START 0x00100000u
#define FAKE_KERNEL_END 0x00140000u /* 256 KiB "image": reserve [START, END) */

struct fake_hal_stats {
	unsigned long flush_page;  /* hal_flush_page calls */
	unsigned long flush_all;   /* hal_flush_all calls */
	unsigned long switch_pgd;  /* hal_switch_pgd calls */
	unsigned long irq_save;    /* hal_irq_save calls */
	unsigned long irq_depth;   /* current nesting; 0 outside critical sections */
	vaddr_t last_flush_va;     /* argument of the last hal_flush_page */
	unsigned long pae_switches; /* successful hal_enable_pae_and_switch calls */
	unsigned long last_flush_irq_depth; /* irq_depth at the last hal_flush_page or hal_flush_all */
	unsigned long tlb_others_calls;      /* hal_flush_tlb_others calls */
	unsigned long tlb_others_ipis;       /* IPIs those calls sent (online targets but the caller) */
	cpumask_t last_tlb_others_mask;      /* the CPUs the last call reached */
	vaddr_t last_tlb_others_start, last_tlb_others_end; /* its range (end 0: everything) */
	unsigned long tlb_others_received[NR_CPUS]; /* per CPU: shootdown IPIs it received */
};

extern struct fake_hal_stats fake_hal_stats;

/* Create phys_bytes of zeroed fake RAM (reserved lazily) and mirror boot.S: the first 8 MiB mapped at 0 and at PAGE_OFFSET in FAKE_BOOT_PGD, which becomes the current directory. */
void fake_hal_init(uint64_t phys_bytes);

/* Release the fake RAM and forget every mapping and feature setting. */
void fake_hal_fini(void);

/* True, with the frame in *pa (if pa), when the modelled TLB still holds a translation of va's page
 * (filled by a hal_va_ptr() dereference, not yet flushed) that the current tables no longer back. */
bool fake_hal_tlb_stale(vaddr_t va, paddr_t *pa);

/* The host pointer to fake physical address pa; aborts if pa is outside fake RAM. */
void *fake_phys_ptr(paddr_t pa);

/* Size of fake RAM in bytes. */
uint64_t fake_phys_size(void);

/* Set the CPU's physical address width (MAXPHYADDR) that hal_phys_limit() reports; 36 after init. */
void fake_hal_set_phys_bits(unsigned bits);

/* Turn a CPU feature on or off for the following calls (all off after init except PSE, PGE, TSC, and PAE and NX in the PAE fake). */
void fake_hal_set_feature(enum hal_feature f, bool on);

/* Make cpu the CPU that runs the following calls (hal_smp_processor_id); 0 after init. */
void fake_hal_set_cpu(unsigned cpu);

/* Set the CPUs hal_cpu_online_mask() reports; only CPU 0 after init. */
void fake_hal_set_online(cpumask_t mask);

/* Pretend the running CPU is inside depth nested interrupt handlers (0: not; 0 after init). */
void fake_hal_set_in_interrupt(unsigned depth);

/* Call fn from every hal_cpu_relax() (a spin-wait's turn): a test plays the other CPU there, e.g.
 * releasing what the spinning code waits for; NULL (after init) calls nothing. */
void fake_hal_set_relax_hook(void (*fn)(void));

/* Call fn from every hal_flush_tlb_others() that reaches another CPU, after the flush is recorded
 * (the initiator waiting for acknowledgements): a test checks what is held, or plays another CPU;
 * NULL (after init) calls nothing. */
void fake_hal_set_shootdown_hook(void (*fn)(void));

#endif
