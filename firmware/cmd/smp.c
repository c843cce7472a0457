/*
 * `smp`: exercises of the cross-CPU machinery on the running board.  `smp call` runs a function
 * on every online CPU at once and checks each ran it exactly once, on its own CPU; `smp tlb`
 * checks a TLB shootdown the way it matters: every other CPU caches a kernel mapping, the boot
 * CPU points it at another frame, and each CPU must then read the new frame, which it does only
 * because hal_flush_tlb_others() reached it (the same change without the shootdown is shown
 * first, with the CPUs that still read the old frame); `smp stall CPU MS` makes CPU hold a
 * spinlock with interrupts off while this CPU waits for it, for the lock debug report, and
 * `smp stall CPU MS tlb` sends a TLB shootdown instead, which CPU cannot acknowledge: past the
 * acknowledgement timeout CPU is marked not responding and, once it comes back, stops.
 */
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <hal/ptr.h>
#include <hal/smpboot.h>
#include <hal/x86.h>
#include <lock_report.h>
#include <mm/paging.h>
#include <mm/spinlock.h>
#include <mm/tlbflush.h>
#include <mm/vmalloc.h>
#include <shell.h>
#include <smp.h>

struct call_check {
	volatile unsigned ran[NR_CPUS];
	volatile unsigned wrong_cpu;
};

static void call_probe(void *arg, unsigned cpu)
{
	struct call_check *c = arg;

	if (cpu != hal_smp_processor_id())
		__atomic_fetch_add(&c->wrong_cpu, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&c->ran[cpu], 1, __ATOMIC_SEQ_CST);
}

static int smp_call(const struct shell_call *call, int argc, char **argv)
{
	struct call_check c;
	cpumask_t online = hal_cpu_online_mask();
	unsigned bad = 0, n = 0;

	(void)call;
	(void)argc;
	(void)argv;
	memset((void *)&c, 0, sizeof(c));
	on_each_cpu(call_probe, &c);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		unsigned want = (online >> cpu) & 1u;

		n += c.ran[cpu];
		if (c.ran[cpu] != want) {
			printf("smp call: CPU %u ran it %u times, expected %u\n", cpu, c.ran[cpu], want);
			bad++;
		}
	}
	bad += c.wrong_cpu;
	printf("smp call: %u CPUs ran the function, %u errors\n", n, bad);
	return bad != 0;
}

struct tlb_probe {
	vaddr_t va;
	volatile uint32_t seen[NR_CPUS];
};

static void tlb_read(void *arg, unsigned cpu)
{
	struct tlb_probe *p = arg;

	p->seen[cpu] = *(volatile uint32_t *)hal_va_ptr(p->va);
}

/* CPUs other than the caller's that read value at p->va (read afresh on each). */
static unsigned count_seeing(struct tlb_probe *p, uint32_t value)
{
	unsigned self = hal_smp_processor_id(), n = 0;
	cpumask_t online = hal_cpu_online_mask();

	memset((void *)p->seen, 0, sizeof(p->seen));
	on_each_cpu(tlb_read, p);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		n += cpu != self && (online >> cpu & 1u) && p->seen[cpu] == value;
	return n;
}

/* Point va at pa (same protections as before) on this CPU, without telling the others. */
static bool remap(vaddr_t va, paddr_t pa, unsigned prot)
{
	hal_unmap_page(swapper_pg_dir, va);
	if (hal_map_page(swapper_pg_dir, va, pa, prot) != HAL_OK)
		return false;
	hal_flush_page(va);
	return true;
}

#define OLD_MARK 0x01d0f00du
#define NEW_MARK 0x0e11c0deu

static int smp_tlb(const struct shell_call *call, int argc, char **argv)
{
	struct tlb_probe p;
	paddr_t pa0, pa1;
	unsigned prot, others = num_online_cpus() - 1, stale, fresh, sent;
	vaddr_t buf = vmalloc(2 * PAGE_SIZE);
	int bad = 0;

	(void)call;
	(void)argc;
	(void)argv;
	if (!buf) {
		printf("smp tlb: no memory for the test pages\n");
		return 1;
	}
	if (!hal_query_page(swapper_pg_dir, buf, &pa0, &prot) ||
	    !hal_query_page(swapper_pg_dir, buf + PAGE_SIZE, &pa1, NULL)) {
		printf("smp tlb: the test pages are not mapped\n");
		vfree(buf);
		return 1;
	}
	*(volatile uint32_t *)hal_va_ptr(buf) = OLD_MARK;
	*(volatile uint32_t *)hal_va_ptr(buf + PAGE_SIZE) = NEW_MARK;
	p.va = buf;
	fresh = count_seeing(&p, OLD_MARK); /* every CPU now caches buf -> pa0 */
	if (fresh != others) {
		printf("smp tlb: only %u of %u other CPUs read the test page\n", fresh, others);
		bad = 1;
	}
	if (!remap(buf, pa1, prot))
		bad = 1;
	stale = count_seeing(&p, OLD_MARK);
	printf("smp tlb: without a shootdown %u of %u other CPUs still read the old frame\n", stale,
	       others);
	sent = hal_flush_tlb_others(hal_cpu_online_mask(), buf, buf + PAGE_SIZE);
	fresh = count_seeing(&p, NEW_MARK);
	printf("smp tlb: after a shootdown (%u IPIs) %u of %u other CPUs read the new frame\n", sent,
	       fresh, others);
	if (fresh != others || sent != others)
		bad = 1;
	if (!remap(buf, pa0, prot))
		bad = 1;
	hal_flush_tlb_others(hal_cpu_online_mask(), buf, buf + PAGE_SIZE);
	if (count_seeing(&p, OLD_MARK) != others)
		bad = 1;
	vfree(buf);
	printf("smp tlb: %s\n", bad ? "FAILED" : "ok");
	return bad;
}

static spinlock_t stall_lock = SPIN_LOCK_UNLOCKED("smp_stall");

struct stall {
	unsigned holder;
	uint32_t ms;
	bool tlb;          /* the waiter sends a shootdown instead of taking the lock */
	unsigned tlb_sent; /* shootdown IPIs it sent */
	volatile bool held;
};

/* The stalled CPU: take stall_lock with interrupts off and keep it for s->ms. */
__attribute__((noinline)) static void stall_hold(struct stall *s)
{
	unsigned long f = spin_lock_irqsave(&stall_lock);
	uint64_t end = rdtsc() + hal_tsc_hz / 1000u * s->ms;

	__atomic_store_n(&s->held, true, __ATOMIC_RELEASE);
	while (rdtsc() < end)
		__asm__ volatile("pause");
	spin_unlock_irqrestore(&stall_lock, f);
}

/* The calling CPU: once the other holds it, take stall_lock too (and spin, and be reported). */
__attribute__((noinline)) static void stall_wait(struct stall *s)
{
	unsigned long f;

	while (!__atomic_load_n(&s->held, __ATOMIC_ACQUIRE))
		hal_cpu_relax();
	if (s->tlb) {
		s->tlb_sent = flush_tlb_all();
		return;
	}
	f = spin_lock_irqsave(&stall_lock);
	spin_unlock_irqrestore(&stall_lock, f);
}

static void stall_fn(void *arg, unsigned cpu)
{
	struct stall *s = arg;

	if (cpu == s->holder)
		stall_hold(s);
	else
		stall_wait(s);
}

static int smp_stall(const struct shell_call *call, int argc, char **argv)
{
	struct stall s = { 0, 0, false, 0, false };
	unsigned self = hal_smp_processor_id();
	uint32_t cpu, ms;

	if (!parse_u32(argv[1], &cpu) || !parse_u32(argv[2], &ms))
		return shell_usage_error(call, "CPU and MS must be numbers");
	if (argc == 4 && strcmp(argv[3], "tlb") != 0)
		return shell_usage_error(call, "the third argument can only be `tlb`");
	s.tlb = argc == 4;
	if (cpu >= NR_CPUS || cpu == self || hal_smp_state(cpu) != HAL_CPU_ONLINE) {
		printf("smp stall: CPU %u is not another online CPU\n", (unsigned)cpu);
		return 1;
	}
	if (ms == 0 || ms > 60000u || !hal_tsc_hz) {
		printf("smp stall: MS must be 1..60000 (and the TSC rate known)\n");
		return 1;
	}
	s.holder = cpu;
	s.ms = ms;
	if (s.tlb)
		printf("smp stall: CPU %u takes '%s' with interrupts off for %u ms; CPU %u sends a TLB "
		       "shootdown meanwhile%s\n", (unsigned)cpu, stall_lock.name, (unsigned)ms, self,
		       ms > TLB_ACK_TIMEOUT_MS ? " (expect it marked not responding)" : "");
	else
		printf("smp stall: CPU %u takes '%s' with interrupts off for %u ms; CPU %u waits for it%s\n",
		       (unsigned)cpu, stall_lock.name, (unsigned)ms, self,
		       ms > LOCK_STUCK_MS ? " (expect a lock report)" : "");
	smp_call_function_many((1u << cpu) | (1u << self), stall_fn, &s);
	if (s.tlb)
		printf("smp stall: the shootdown went to %u CPU%s; CPU %u is %s\n", s.tlb_sent,
		       s.tlb_sent == 1 ? "" : "s", (unsigned)cpu,
		       hal_smp_state(cpu) == HAL_CPU_ONLINE ? "online" : "not responding");
	printf("smp stall: done\n");
	return 0;
}

static const struct shell_cmd smp_subs[] = {
	SHELL_SUB("call", "", 0, 0, "run a function on every online CPU at once and check each ran it",
		  smp_call),
	SHELL_SUB("tlb", "", 0, 0, "check that a TLB shootdown reaches every other CPU", smp_tlb),
	SHELL_SUB("stall", "CPU MS [tlb]", 2, 3,
		  "CPU holds a spinlock with interrupts off for MS ms while this CPU waits for it "
		  "(the lock debug report names both); with tlb, sends a TLB shootdown instead",
		  smp_stall),
	{ 0 }
};
SHELL_CMD_DESC(smp, .name = "smp", .usage = "", .min_args = 0, .max_args = 0, .subs = smp_subs,
	       .summary = "exercise the other CPUs: function calls, TLB shootdown, a stalled lock", .fn = smp_call);
