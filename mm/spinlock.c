/*
 * Spinlocks on the GCC atomic builtins (a locked xchg on i386), shared by the image and the host
 * tests, with the debug mode described in mm/include/mm/spinlock.h.
 */
#include <hal/cpu.h>
#include <mm/printk.h>
#include <mm/spinlock.h>

#define CALLER() __builtin_extract_return_addr(__builtin_return_address(0))

/* About a second of spinning on the boards' 1-2 GHz TSC (hal_cycles), well past any hold. */
#define SPIN_DEBUG_DEFAULT_TIMEOUT 2000000000ull

static bool debug_on = CONFIG_SPINLOCK_DEBUG != 0;
static uint64_t debug_timeout = SPIN_DEBUG_DEFAULT_TIMEOUT;
static void (*debug_reporter)(const spinlock_t *l, int owner_cpu);
static unsigned long debug_counts[SPIN_BUG_NR];

void spin_debug_set_reporter(void (*fn)(const spinlock_t *l, int owner_cpu))
{
	debug_reporter = fn;
}

void spin_debug_set_enabled(bool on)
{
	debug_on = CONFIG_SPINLOCK_DEBUG != 0 && on;
}

void spin_debug_set_timeout(uint64_t cycles)
{
	debug_timeout = cycles ? cycles : SPIN_DEBUG_DEFAULT_TIMEOUT;
}

unsigned long spin_debug_count(enum spin_bug bug)
{
	return (unsigned)bug < SPIN_BUG_NR ? debug_counts[bug] : 0;
}

unsigned long spin_debug_total(void)
{
	unsigned long n = 0;

	for (unsigned i = 0; i < SPIN_BUG_NR; i++)
		n += debug_counts[i];
	return n;
}

void spin_debug_clear(void)
{
	for (unsigned i = 0; i < SPIN_BUG_NR; i++)
		debug_counts[i] = 0;
}

const char *spin_bug_name(enum spin_bug bug)
{
	static const char *const names[SPIN_BUG_NR] = {
		"recursion", "taken with interrupts on and from an interrupt handler",
		"unlock of a lock not held", "unlock of a lock held by another CPU",
		"CPU stuck spinning",
	};

	return (unsigned)bug < SPIN_BUG_NR ? names[bug] : "?";
}

/* Report problem bug on lock l (owner and its call site as recorded) seen by this CPU at pc. */
static void report(enum spin_bug bug, const spinlock_t *l, const void *pc)
{
	debug_counts[bug]++;
	printk("BUG: spinlock %s: %s on CPU %u at %p; owner CPU %d, taken at %p\n",
	       l->name ? l->name : "(unnamed)", spin_bug_name(bug), hal_smp_processor_id(), pc,
	       l->owner, l->owner_pc);
	if (debug_reporter)
		debug_reporter(l, l->owner);
}

/* The same for a reader-writer lock: a snapshot naming the writer, or a reader on CPU holder. */
static void report_rw(enum spin_bug bug, const rwlock_t *l, int holder, const void *pc)
{
	spinlock_t view = SPIN_LOCK_UNLOCKED(l->name);

	view.locked = l->count != 0;
	view.owner = holder;
	if (holder >= 0 && holder < NR_CPUS)
		view.owner_pc = holder == l->writer ? l->writer_pc : l->reader_pc[holder];
	report(bug, &view, pc);
}

/* Note how l is being taken (interrupt handler, or interrupts on) and report the mix once. */
static void note_context(spinlock_t *l, bool irqs_were_on, const void *pc)
{
	if (hal_in_interrupt())
		l->seen |= SPIN_SEEN_IRQ_CONTEXT;
	else if (irqs_were_on)
		l->seen |= SPIN_SEEN_IRQS_ON;
	if ((l->seen & (SPIN_SEEN_IRQ_CONTEXT | SPIN_SEEN_IRQS_ON)) ==
		    (SPIN_SEEN_IRQ_CONTEXT | SPIN_SEEN_IRQS_ON) &&
	    !(l->seen & SPIN_SEEN_REPORTED)) {
		l->seen |= SPIN_SEEN_REPORTED;
		report(SPIN_BUG_IRQ_UNSAFE, l, pc);
	}
}

/* Take l for this CPU (interrupts as the caller left them); false when it was a recursion. */
static bool do_lock(spinlock_t *l, bool irqs_were_on, const void *pc)
{
	unsigned cpu = hal_smp_processor_id();

	if (debug_on) {
		note_context(l, irqs_were_on, pc);
		if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) && l->owner == (int)cpu) {
			report(SPIN_BUG_RECURSION, l, pc);
			l->depth++;
			return false;
		}
	}
	if (__atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE)) {
		uint64_t start = debug_on ? hal_cycles() : 0;
		bool reported = false;

		do {
			while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
				hal_cpu_relax();
				if (debug_on && !reported && hal_cycles() - start > debug_timeout) {
					reported = true;
					report(SPIN_BUG_STUCK, l, pc);
				}
			}
		} while (__atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE));
	}
	l->owner = (int)cpu;
	l->owner_pc = pc;
	return true;
}

/* Release l for this CPU; false (nothing changed) when the debug mode refuses the unlock. */
static bool do_unlock(spinlock_t *l, const void *pc)
{
	if (debug_on) {
		if (!__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			report(SPIN_BUG_NOT_HELD, l, pc);
			return false;
		}
		if (l->owner != (int)hal_smp_processor_id()) {
			report(SPIN_BUG_WRONG_CPU, l, pc);
			return false;
		}
		if (l->depth) {
			l->depth--;
			return true;
		}
	}
	l->owner = -1;
	l->owner_pc = 0;
	__atomic_store_n(&l->locked, 0u, __ATOMIC_RELEASE);
	return true;
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = hal_irq_save();

	do_lock(l, false, CALLER());
	return flags;
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	do_unlock(l, CALLER());
	hal_irq_restore(flags);
}

bool spin_trylock_irqsave(spinlock_t *l, unsigned long *flags)
{
	*flags = hal_irq_save();
	if (debug_on)
		note_context(l, false, CALLER());
	if (__atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE)) {
		hal_irq_restore(*flags);
		return false;
	}
	l->owner = (int)hal_smp_processor_id();
	l->owner_pc = CALLER();
	return true;
}

bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

void spin_lock(spinlock_t *l)
{
	do_lock(l, hal_irq_enabled(), CALLER());
}

void spin_unlock(spinlock_t *l)
{
	do_unlock(l, CALLER());
}

void spin_lock_init(spinlock_t *l, const char *name)
{
	l->name = name;
	l->locked = 0;
	l->owner = -1;
	l->owner_pc = 0;
	l->depth = 0;
	l->seen = 0;
}

/* One turn of a wait for l: relax, and report a CPU stuck past the timeout once, naming the holder. */
static void rw_wait_report(rwlock_t *l, uint64_t start, bool *reported, const void *pc)
{
	hal_cpu_relax();
	if (debug_on && !*reported && hal_cycles() - start > debug_timeout) {
		int holder = l->writer;

		for (int c = 0; holder < 0 && c < NR_CPUS; c++)
			if (l->readers[c])
				holder = c;
		*reported = true;
		report_rw(SPIN_BUG_STUCK, l, holder, pc);
	}
}

/* Take a ticket for l and wait until it is served: the caller is then the head of the queue. */
static unsigned wait_turn(rwlock_t *l, uint64_t start, bool *reported, const void *pc)
{
	unsigned t = __atomic_fetch_add(&l->next_ticket, 1u, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != t)
		rw_wait_report(l, start, reported, pc);
	return t;
}

unsigned long read_lock_irqsave(rwlock_t *l)
{
	unsigned long flags = hal_irq_save();
	unsigned cpu = hal_smp_processor_id();
	const void *pc = CALLER();
	uint64_t start = 0;
	bool reported = false;

	if (debug_on) {
		if (l->count < 0 && l->writer == (int)cpu) {
			/* A read inside this CPU's own write hold would deadlock: absorbed. */
			report_rw(SPIN_BUG_RECURSION, l, (int)cpu, pc);
			l->readers[cpu]++;
			return flags;
		}
		start = hal_cycles();
	}
	if (l->readers[cpu]) {
		/* A nested read on this CPU: the lock is read-held, so no writer can be in. */
		__atomic_fetch_add(&l->count, 1, __ATOMIC_ACQUIRE);
	} else {
		unsigned t = wait_turn(l, start, &reported, pc);

		for (;;) {
			int c = __atomic_load_n(&l->count, __ATOMIC_RELAXED);

			if (c >= 0 && __atomic_compare_exchange_n(&l->count, &c, c + 1, false,
								  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				break;
			rw_wait_report(l, start, &reported, pc);
		}
		__atomic_store_n(&l->serving, t + 1, __ATOMIC_RELEASE);
	}
	l->readers[cpu]++;
	l->reader_pc[cpu] = pc;
	return flags;
}

void read_unlock_irqrestore(rwlock_t *l, unsigned long flags)
{
	unsigned cpu = hal_smp_processor_id();

	if (debug_on) {
		if (!l->readers[cpu]) {
			report_rw(l->count ? SPIN_BUG_WRONG_CPU : SPIN_BUG_NOT_HELD, l,
				  l->writer, CALLER());
			hal_irq_restore(flags);
			return;
		}
		if (l->count < 0 && l->writer == (int)cpu) { /* the absorbed recursive read */
			l->readers[cpu]--;
			hal_irq_restore(flags);
			return;
		}
	}
	if (l->readers[cpu])
		l->readers[cpu]--;
	__atomic_fetch_sub(&l->count, 1, __ATOMIC_RELEASE);
	hal_irq_restore(flags);
}

unsigned long write_lock_irqsave(rwlock_t *l)
{
	unsigned long flags = hal_irq_save();
	unsigned cpu = hal_smp_processor_id();
	const void *pc = CALLER();
	uint64_t start = 0;
	bool reported = false;
	unsigned t;

	if (debug_on) {
		if ((l->count < 0 && l->writer == (int)cpu) || l->readers[cpu]) {
			/* Waiting for itself (a second write, or an upgrade of its own read hold)
			 * would never end: reported, then absorbed as a nested hold. */
			report_rw(SPIN_BUG_RECURSION, l, (int)cpu, pc);
			l->wdepth++;
			return flags;
		}
		start = hal_cycles();
	}
	t = wait_turn(l, start, &reported, pc);
	for (;;) {
		int c = 0;

		if (__atomic_compare_exchange_n(&l->count, &c, -1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		rw_wait_report(l, start, &reported, pc);
	}
	__atomic_store_n(&l->serving, t + 1, __ATOMIC_RELEASE);
	l->writer = (int)cpu;
	l->writer_pc = pc;
	if (debug_on) {
		l->wstart = hal_cycles();
		l->writes++;
	}
	return flags;
}

void write_unlock_irqrestore(rwlock_t *l, unsigned long flags)
{
	if (debug_on && l->wdepth) {
		l->wdepth--;
		hal_irq_restore(flags);
		return;
	}
	if (debug_on && (l->count >= 0 || l->writer != (int)hal_smp_processor_id())) {
		report_rw(l->count < 0 ? SPIN_BUG_WRONG_CPU : SPIN_BUG_NOT_HELD, l, l->writer,
			  CALLER());
		hal_irq_restore(flags);
		return;
	}
	if (debug_on && l->wstart) {
		uint64_t held = hal_cycles() - l->wstart;

		if (held > l->max_write_hold)
			l->max_write_hold = held;
		l->total_write_hold += held;
		l->wstart = 0;
	}
	l->writer = -1;
	l->writer_pc = 0;
	__atomic_store_n(&l->count, 0, __ATOMIC_RELEASE);
	hal_irq_restore(flags);
}

bool rwlock_is_locked(const rwlock_t *l)
{
	return __atomic_load_n(&l->count, __ATOMIC_RELAXED) != 0;
}

void rwlock_init(rwlock_t *l, const char *name)
{
	l->name = name;
	l->count = 0;
	l->next_ticket = 0;
	l->serving = 0;
	l->writer = -1;
	l->writer_pc = 0;
	l->wdepth = 0;
	l->wstart = 0;
	l->max_write_hold = 0;
	l->total_write_hold = 0;
	l->writes = 0;
	for (unsigned c = 0; c < NR_CPUS; c++) {
		l->readers[c] = 0;
		l->reader_pc[c] = 0;
	}
}
