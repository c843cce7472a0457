/*
 * The CPUs of the machine: per-CPU data behind %fs, the online mask, inter-processor interrupts
 * through the local APIC's interrupt command register, TLB shootdown, and the start of an
 * application processor with INIT-SIPI-SIPI (Intel SDM vol. 3A, §8.4.4 "MP Initialization
 * Example", §10.6 "Issuing Interprocessor Interrupts").  "The TLB flush API" of Understanding the
 * Linux Virtual Memory Manager, §3.8, is what hal_flush_tlb_others() serves.
 */
#include <stdio.h>
#include <string.h>

#include <hal/apic.h>
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/ptr.h>
#include <hal/smpboot.h>
#include <hal/x86.h>

#include "internal.h"

#define APIC_TPR 0x80
#define APIC_EOI 0xB0
#define APIC_SVR 0xF0
#define APIC_SVR_ENABLE 0x100u
#define APIC_ESR 0x280
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3E0
#define APIC_LVT_MASKED (1u << 16)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_DIV_16 0x3u
#define ICR_FIXED 0x000u
#define ICR_NMI 0x400u
#define ICR_INIT 0x500u
#define ICR_STARTUP 0x600u
#define ICR_BUSY (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)

/* The trampoline blob (ap_trampoline.S) and the offset of its parameter block. */
extern const char hal_ap_trampoline[], hal_ap_trampoline_end[];
#define TR_PARAMS 0x100u

/* Filled by hal_smp_start_ap() at TR_PARAMS in the trampoline page; ap_trampoline.S reads it. */
struct ap_trampoline_params {
	uint32_t cr0, cr3, cr4, nxe, stack, entry, arg;
};

/* More pages than this in a range: one full flush instead of invlpg for each. */
#define TLB_FLUSH_ALL_PAGES 32u

struct hal_percpu hal_percpu[NR_CPUS];
bool hal_percpu_ready;

static struct hal_cpu_stats stats[NR_CPUS];
static volatile enum hal_cpu_state cpu_state[NR_CPUS] = { HAL_CPU_ONLINE };
static uint32_t features_edx[NR_CPUS];
static volatile cpumask_t online_mask = 1u;
static vaddr_t lapic;
static uint32_t lapic_timer_hz; /* local APIC timer counts a second at divide-by-16 */
static void (*ipi_handlers[HAL_IPI_KINDS])(struct trap_frame *tf);

/* The one shootdown in flight: the initiator holds lock, each target clears its bit in pending. */
static struct {
	volatile int lock;
	volatile cpumask_t pending;
	volatile vaddr_t start, end;
} tlb_req;

/* What the AP being started reads once it runs C. */
static volatile int ap_callin;
static paddr_t ap_kernel_pgd;
static void (*ap_entry_fn)(unsigned cpu);

static uint32_t lapic_read(unsigned reg)
{
	return hal_lapic_read(lapic, reg);
}

static void lapic_write(unsigned reg, uint32_t v)
{
	hal_lapic_write(lapic, reg, v);
}

unsigned hal_smp_processor_id(void)
{
	unsigned id;

	if (!hal_percpu_ready)
		return 0;
	__asm__ volatile("movl %%fs:0, %0" : "=r"(id));
	return id;
}

cpumask_t hal_cpu_online_mask(void)
{
	return online_mask;
}

void hal_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
	hal_tlb_poll();
}

bool hal_smp_capable(void)
{
	return lapic != 0;
}

uint32_t hal_lapic_id(void)
{
	return lapic ? lapic_read(APIC_ID) >> 24 : 0;
}

uint32_t hal_cpu_apic_id(unsigned cpu)
{
	return cpu < NR_CPUS ? hal_percpu[cpu].apic_id : 0;
}

uint32_t hal_cpu_features_edx(unsigned cpu)
{
	return cpu < NR_CPUS ? features_edx[cpu] : 0;
}

const struct hal_cpu_stats *hal_cpu_stats(unsigned cpu)
{
	return &stats[cpu < NR_CPUS ? cpu : 0];
}

enum hal_cpu_state hal_smp_state(unsigned cpu)
{
	return cpu < NR_CPUS ? cpu_state[cpu] : HAL_CPU_ABSENT;
}

void hal_smp_set_state(unsigned cpu, enum hal_cpu_state state, uint32_t apic_id)
{
	cpumask_t bit = 1u << cpu;

	if (cpu >= NR_CPUS)
		return;
	cpu_state[cpu] = state;
	hal_percpu[cpu].apic_id = apic_id;
	if (state == HAL_CPU_ONLINE || state == HAL_CPU_PARKED)
		__atomic_fetch_or(&online_mask, bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&online_mask, ~bit, __ATOMIC_SEQ_CST);
}

static uint32_t cpuid1_edx(void)
{
	uint32_t r[4];

	if (!hal_cpu_has(HAL_FEAT_CPUID))
		return 0;
	cpuid(1, 0, r);
	return r[3];
}

/* Enable this CPU's local APIC (software enable, spurious vector), accepting every priority. */
static void lapic_enable(void)
{
	uint32_t svr = lapic_read(APIC_SVR);

	if ((svr & 0xffu) < 0x20u)
		svr = (svr & ~0xffu) | SPURIOUS_VECTOR;
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_SVR, svr | APIC_SVR_ENABLE);
}

void hal_smp_init(vaddr_t lapic_va)
{
	features_edx[0] = cpuid1_edx();
	lapic = lapic_va;
	if (!lapic)
		return;
	hal_percpu[0].apic_id = hal_lapic_id();
	if (!(lapic_read(APIC_SVR) & APIC_SVR_ENABLE)) {
		/* The loader left it off: virtual wire mode, 8259 output on LINT0, NMI on LINT1. */
		lapic_enable();
		lapic_write(APIC_LVT_LINT0, 0x700u);
		lapic_write(APIC_LVT_LINT1, 0x400u);
	} else {
		lapic_enable();
	}
}

/* Write the interrupt command register: low (delivery mode, vector) to the CPU with apic_id. */
static void send_icr(uint32_t apic_id, uint32_t low)
{
	unsigned long f = hal_irq_save();

	for (unsigned spin = 0; (lapic_read(APIC_ICR_LO) & ICR_BUSY) && spin < 1000000u; spin++)
		__asm__ volatile("pause");
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, low);
	hal_irq_restore(f);
}

void hal_send_ipi(unsigned cpu, enum hal_ipi_kind kind)
{
	static const uint32_t low[HAL_IPI_KINDS] = {
		[HAL_IPI_CALL] = ICR_FIXED | ICR_ASSERT | IPI_CALL_VECTOR,
		[HAL_IPI_TLB] = ICR_FIXED | ICR_ASSERT | IPI_TLB_VECTOR,
		[HAL_IPI_NMI] = ICR_NMI | ICR_ASSERT,
	};

	if (!lapic || cpu >= NR_CPUS || (unsigned)kind >= HAL_IPI_KINDS)
		return;
	send_icr(hal_percpu[cpu].apic_id, low[kind]);
}

void hal_set_ipi_handler(enum hal_ipi_kind kind, void (*fn)(struct trap_frame *tf))
{
	if ((unsigned)kind < HAL_IPI_KINDS && kind != HAL_IPI_TLB)
		ipi_handlers[kind] = fn;
}

/* Flush this CPU's TLB for the shootdown in flight if it names this CPU, and acknowledge. */
void hal_tlb_poll(void)
{
	unsigned cpu = hal_smp_processor_id();
	cpumask_t bit = 1u << cpu;
	vaddr_t s, e;

	if (!(__atomic_load_n(&tlb_req.pending, __ATOMIC_ACQUIRE) & bit))
		return;
	s = tlb_req.start;
	e = tlb_req.end;
	if (e == 0 || e <= s || (e - s) / PAGE_SIZE > TLB_FLUSH_ALL_PAGES)
		hal_flush_all();
	else
		for (vaddr_t va = s & PAGE_MASK; va < e && va >= (s & PAGE_MASK); va += PAGE_SIZE)
			hal_flush_page(va);
	stats[cpu].tlb_shootdowns++;
	__atomic_fetch_and(&tlb_req.pending, ~bit, __ATOMIC_RELEASE);
}

/* TSC cycles in ms milliseconds, or 0 when the TSC rate is not known. */
static uint64_t ms_cycles(unsigned ms)
{
	return hal_tsc_hz ? hal_tsc_hz / 1000u * ms : 0;
}

unsigned hal_flush_tlb_others(cpumask_t mask, vaddr_t start, vaddr_t end)
{
	unsigned self = hal_smp_processor_id(), sent = 0;
	uint64_t t0, limit = ms_cycles(TLB_ACK_TIMEOUT_MS), warn = ms_cycles(TLB_ACK_WARN_MS);
	unsigned long f;
	cpumask_t late;
	bool warned = false;

	mask &= online_mask & ~(1u << self);
	if (!mask || !lapic)
		return 0;
	f = hal_irq_save();
	/* Serve any shootdown aimed at this CPU while waiting for the slot: two initiators never
	 * wait on each other. */
	while (__atomic_exchange_n(&tlb_req.lock, 1, __ATOMIC_ACQUIRE))
		hal_cpu_relax();
	tlb_req.start = start;
	tlb_req.end = end;
	__atomic_store_n(&tlb_req.pending, mask, __ATOMIC_SEQ_CST);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (mask & (1u << cpu)) {
			hal_send_ipi(cpu, HAL_IPI_TLB);
			sent++;
		}
	t0 = rdtsc();
	for (unsigned long spin = 0; (late = __atomic_load_n(&tlb_req.pending, __ATOMIC_ACQUIRE));
	     spin++) {
		__asm__ volatile("pause");
		if (!warned && warn && rdtsc() - t0 > warn) {
			warned = true;
			for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
				if (late & (1u << cpu))
					printf("TLB shootdown: CPU %u (APIC ID %u) has not acknowledged "
					       "for %u ms; still waiting\n",
					       cpu, (unsigned)hal_percpu[cpu].apic_id, TLB_ACK_WARN_MS);
		}
		if (limit ? rdtsc() - t0 > limit : spin > 4000000000ul) {
			for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
				if (late & (1u << cpu)) {
					printf("TLB shootdown: CPU %u (APIC ID %u) did not acknowledge "
					       "within %u ms; marked not responding\n",
					       cpu, (unsigned)hal_percpu[cpu].apic_id,
					       TLB_ACK_TIMEOUT_MS);
					hal_smp_set_state(cpu, HAL_CPU_DEAD,
							  hal_percpu[cpu].apic_id);
				}
			__atomic_store_n(&tlb_req.pending, 0, __ATOMIC_SEQ_CST);
			break;
		}
	}
	stats[self].tlb_ipis_sent += sent;
	__atomic_store_n(&tlb_req.lock, 0, __ATOMIC_RELEASE);
	hal_irq_restore(f);
	return sent;
}

void hal_smp_count_trap(unsigned vector)
{
	unsigned cpu = hal_smp_processor_id();

	if (vector == IRQ_BASE)
		stats[cpu].ticks++;
	else if (vector == 2)
		stats[cpu].ipi_rx[HAL_IPI_NMI]++;
}

void hal_smp_dispatch(struct trap_frame *tf)
{
	unsigned cpu = hal_smp_processor_id();

	switch (tf->vector) {
	case LAPIC_TIMER_VECTOR:
		stats[cpu].ticks++;
		lapic_write(APIC_EOI, 0);
		break;
	case IPI_TLB_VECTOR:
		stats[cpu].ipi_rx[HAL_IPI_TLB]++;
		hal_tlb_poll();
		lapic_write(APIC_EOI, 0);
		break;
	case IPI_CALL_VECTOR:
		stats[cpu].ipi_rx[HAL_IPI_CALL]++;
		/* EOI first: the handler may run a long function, and more IPIs may come meanwhile. */
		lapic_write(APIC_EOI, 0);
		if (ipi_handlers[HAL_IPI_CALL])
			ipi_handlers[HAL_IPI_CALL](tf);
		break;
	default: /* spurious: no EOI (Intel SDM vol. 3A, §10.9) */
		break;
	}
}

bool hal_lapic_timer_calibrate(void)
{
	uint32_t left;

	if (!lapic || !hal_tsc_hz)
		return false;
	lapic_write(APIC_TIMER_DIV, APIC_DIV_16);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | LAPIC_TIMER_VECTOR);
	lapic_write(APIC_TIMER_INIT, 0xffffffffu);
	hal_udelay(10000);
	left = lapic_read(APIC_TIMER_CUR);
	lapic_write(APIC_TIMER_INIT, 0);
	lapic_timer_hz = (0xffffffffu - left) * 100u;
	return lapic_timer_hz != 0;
}

void hal_lapic_timer_start(unsigned hz)
{
	if (!lapic || !lapic_timer_hz || !hz)
		return;
	lapic_write(APIC_TIMER_DIV, APIC_DIV_16);
	lapic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | LAPIC_TIMER_VECTOR);
	lapic_write(APIC_TIMER_INIT, lapic_timer_hz / hz);
}

/*
 * The AP's first C: the trampoline jumps here on the stack hal_smp_start_ap() gave it, paging on
 * with the bootstrap directory.  Kernel directory, own descriptors and %fs, local APIC, then the
 * firmware's entry.  No canary check can fail here: the guard is the boot CPU's, already set.
 */
__attribute__((noreturn)) static void ap_start(unsigned cpu)
{
	hal_switch_pgd(ap_kernel_pgd);
	hal_trap_init_cpu(cpu);
	if (hal_cpu_has(HAL_FEAT_FPU))
		__asm__ volatile("fninit");
	features_edx[cpu] = cpuid1_edx();
	lapic_enable();
	lapic_write(APIC_ESR, 0);
	__atomic_store_n(&ap_callin, 1, __ATOMIC_RELEASE);
	ap_entry_fn(cpu);
	for (;;)
		cpu_halt();
}

int hal_smp_start_ap(unsigned cpu, uint32_t apic_id, paddr_t tramp_pa, void *tramp_va,
		     paddr_t kernel_pgd, uintptr_t stack_top, void (*entry)(unsigned cpu),
		     unsigned timeout_ms)
{
	size_t n = (size_t)(hal_ap_trampoline_end - hal_ap_trampoline);
	struct ap_trampoline_params *p;

	if (!lapic || cpu == 0 || cpu >= NR_CPUS || n > TR_PARAMS || (tramp_pa & (PAGE_SIZE - 1)) ||
	    tramp_pa + HAL_AP_TRAMPOLINE_SIZE > 0x100000u)
		return -1;
	memcpy(tramp_va, hal_ap_trampoline, n);
	hal_make_ap_boot_pgd(tramp_pa + PAGE_SIZE, kernel_pgd);
	p = (struct ap_trampoline_params *)((char *)tramp_va + TR_PARAMS);
	p->cr0 = read_cr0();
	p->cr3 = (uint32_t)(tramp_pa + PAGE_SIZE);
	p->cr4 = read_cr4();
#ifdef CONFIG_X86_PAE
	p->nxe = hal_cpu_has(HAL_FEAT_NX);
#else
	p->nxe = 0;
#endif
	p->stack = (uint32_t)stack_top;
	p->entry = (uint32_t)(uintptr_t)ap_start;
	p->arg = cpu;
	ap_kernel_pgd = kernel_pgd;
	ap_entry_fn = entry;
	hal_percpu[cpu].apic_id = apic_id;
	__atomic_store_n(&ap_callin, 0, __ATOMIC_SEQ_CST);

	lapic_write(APIC_ESR, 0);
	send_icr(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
	hal_udelay(10000);
	send_icr(apic_id, ICR_INIT | ICR_LEVEL);
	for (unsigned i = 0; i < 2 && !__atomic_load_n(&ap_callin, __ATOMIC_ACQUIRE); i++) {
		send_icr(apic_id, ICR_STARTUP | (uint32_t)(tramp_pa >> 12));
		hal_udelay(200);
	}
	for (unsigned ms = 0; ms < timeout_ms && !__atomic_load_n(&ap_callin, __ATOMIC_ACQUIRE);
	     ms++)
		hal_udelay(1000);
	return __atomic_load_n(&ap_callin, __ATOMIC_ACQUIRE) ? 0 : -1;
}
