/*
 * The lock debug mode (mm/spinlock.c) against the fake hal with a settable CPU number: every check
 * (recursion, interrupt-unsafe use, unlock not held or held by another CPU, a CPU stuck spinning)
 * is provoked and seen in the counts, in the reporter hook's arguments and in the printk line;
 * correct use reports nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <fake_hal.h>
#include <mm/spinlock.h>

static unsigned reports;
static int last_owner;
static const char *last_name;
static const void *last_owner_pc;
static bool release_on_report; /* the reporter plays the other CPU and releases the lock */
static spinlock_t *release_spin;
static rwlock_t *release_rw;

static void reporter(const spinlock_t *l, int owner_cpu)
{
	reports++;
	last_owner = owner_cpu;
	last_name = l->name;
	last_owner_pc = l->owner_pc;
	if (release_on_report && release_spin) {
		release_spin->owner = -1;
		__atomic_store_n(&release_spin->locked, 0u, __ATOMIC_RELEASE);
	}
	if (release_on_report && release_rw) {
		release_rw->writer = -1;
		release_rw->readers[1] = 0;
		__atomic_store_n(&release_rw->count, 0, __ATOMIC_RELEASE);
	}
}

static int setup(void **state)
{
	(void)state;
	fake_hal_init(16u << 20);
	fake_hal_set_online(0xfu);
	spin_debug_set_enabled(true);
	spin_debug_set_timeout(0);
	spin_debug_clear();
	spin_debug_set_reporter(reporter);
	reports = 0;
	last_owner = -2;
	last_name = NULL;
	release_on_report = false;
	release_spin = NULL;
	release_rw = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spin_debug_set_reporter(NULL);
	assert_int_equal(fake_hal_stats.irq_depth, 0);
	fake_hal_fini();
	return 0;
}

static void test_correct_use_reports_nothing(void **state)
{
	spinlock_t l = SPIN_LOCK_UNLOCKED("tidy");
	unsigned long f;

	(void)state;
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		fake_hal_set_cpu(cpu);
		f = spin_lock_irqsave(&l);
		assert_true(spin_is_locked(&l));
		assert_int_equal(l.owner, (int)cpu);
		assert_non_null(l.owner_pc);
		assert_int_equal(fake_hal_stats.irq_depth, 1);
		spin_unlock_irqrestore(&l, f);
		assert_false(spin_is_locked(&l));
		assert_int_equal(l.owner, -1);
	}
	/* Taken from an interrupt handler and elsewhere, always with interrupts off: safe. */
	fake_hal_set_in_interrupt(1);
	f = spin_lock_irqsave(&l);
	spin_unlock_irqrestore(&l, f);
	fake_hal_set_in_interrupt(0);
	assert_true(spin_trylock_irqsave(&l, &f));
	assert_false(spin_trylock_irqsave(&l, &(unsigned long){ 0 }));
	spin_unlock_irqrestore(&l, f);
	assert_int_equal(spin_debug_total(), 0);
	assert_int_equal(reports, 0);
}

static void test_recursion(void **state)
{
	spinlock_t l = SPIN_LOCK_UNLOCKED("recursive");
	unsigned long f1, f2;

	(void)state;
	fake_hal_set_cpu(2);
	f1 = spin_lock_irqsave(&l);
	f2 = spin_lock_irqsave(&l); /* would deadlock: reported, absorbed */
	assert_int_equal(spin_debug_count(SPIN_BUG_RECURSION), 1);
	assert_int_equal(reports, 1);
	assert_int_equal(last_owner, 2);
	assert_string_equal(last_name, "recursive");
	assert_non_null(last_owner_pc);
	spin_unlock_irqrestore(&l, f2);
	assert_true(spin_is_locked(&l)); /* the outer hold remains */
	spin_unlock_irqrestore(&l, f1);
	assert_false(spin_is_locked(&l));
	assert_int_equal(spin_debug_total(), 1);
}

static void test_irq_unsafe(void **state)
{
	spinlock_t l = SPIN_LOCK_UNLOCKED("irq-unsafe");
	unsigned long f;

	(void)state;
	spin_lock(&l); /* interrupts on (fake depth 0) */
	spin_unlock(&l);
	assert_int_equal(spin_debug_total(), 0);
	fake_hal_set_in_interrupt(1);
	f = spin_lock_irqsave(&l);
	spin_unlock_irqrestore(&l, f);
	fake_hal_set_in_interrupt(0);
	assert_int_equal(spin_debug_count(SPIN_BUG_IRQ_UNSAFE), 1);
	assert_string_equal(last_name, "irq-unsafe");
	/* Reported once per lock. */
	spin_lock(&l);
	spin_unlock(&l);
	assert_int_equal(spin_debug_count(SPIN_BUG_IRQ_UNSAFE), 1);

	/* spin_lock with interrupts already off is not an interrupt-unsafe use. */
	spinlock_t m = SPIN_LOCK_UNLOCKED("irqs-off");

	f = hal_irq_save();
	spin_lock(&m);
	spin_unlock(&m);
	hal_irq_restore(f);
	fake_hal_set_in_interrupt(1);
	spin_lock(&m);
	spin_unlock(&m);
	fake_hal_set_in_interrupt(0);
	assert_int_equal(spin_debug_count(SPIN_BUG_IRQ_UNSAFE), 1);
}

static void test_unlock_not_held_and_wrong_cpu(void **state)
{
	spinlock_t l = SPIN_LOCK_UNLOCKED("victim");
	unsigned long f;

	(void)state;
	spin_unlock_irqrestore(&l, hal_irq_save());
	assert_int_equal(spin_debug_count(SPIN_BUG_NOT_HELD), 1);
	assert_int_equal(last_owner, -1);
	assert_false(spin_is_locked(&l));

	fake_hal_set_cpu(1);
	f = spin_lock_irqsave(&l);
	fake_hal_set_cpu(3);
	spin_unlock_irqrestore(&l, hal_irq_save());
	assert_int_equal(spin_debug_count(SPIN_BUG_WRONG_CPU), 1);
	assert_int_equal(last_owner, 1);
	/* Refused: CPU 1 still holds it. */
	assert_true(spin_is_locked(&l));
	assert_int_equal(l.owner, 1);
	fake_hal_set_cpu(1);
	spin_unlock_irqrestore(&l, f);
	assert_false(spin_is_locked(&l));
	assert_int_equal(spin_debug_total(), 2);
}

/* Run fn with stdout going to a file; return what it printed (static buffer). */
static const char *capture(void (*fn)(void))
{
	static char buf[4096];
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	fn();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
	return buf;
}

static spinlock_t stuck_lock = SPIN_LOCK_UNLOCKED("stuck_lock");

static void stall(void)
{
	unsigned long f;

	fake_hal_set_cpu(1);
	f = spin_lock_irqsave(&stuck_lock);
	(void)f;
	hal_irq_restore(f); /* CPU 1 "keeps" the lock; its interrupt state is the test's */
	fake_hal_set_cpu(0);
	spin_debug_set_timeout(1000); /* 1 us on the fake's nanosecond clock */
	release_on_report = true;
	release_spin = &stuck_lock;
	f = spin_lock_irqsave(&stuck_lock);
	spin_unlock_irqrestore(&stuck_lock, f);
}

static void test_stuck_spinner(void **state)
{
	const char *out;

	(void)state;
	out = capture(stall);
	assert_int_equal(spin_debug_count(SPIN_BUG_STUCK), 1);
	assert_int_equal(reports, 1);
	assert_int_equal(last_owner, 1);
	assert_non_null(last_owner_pc);
	/* The printk line names the lock, the spinning CPU and the owner with its call site. */
	assert_non_null(strstr(out, "stuck_lock"));
	assert_non_null(strstr(out, "CPU stuck spinning on CPU 0"));
	assert_non_null(strstr(out, "owner CPU 1, taken at 0x"));
	assert_false(spin_is_locked(&stuck_lock));
}

static void test_rwlock_checks(void **state)
{
	rwlock_t l = RW_LOCK_UNLOCKED("rw");
	unsigned long f0, f1, f2;

	(void)state;
	/* Readers on several CPUs, and a reader nesting on its own CPU: all fine. */
	fake_hal_set_cpu(0);
	f0 = read_lock_irqsave(&l);
	f1 = read_lock_irqsave(&l);
	fake_hal_set_cpu(1);
	f2 = read_lock_irqsave(&l);
	assert_int_equal(l.count, 3);
	read_unlock_irqrestore(&l, f2);
	fake_hal_set_cpu(0);
	read_unlock_irqrestore(&l, f1);
	read_unlock_irqrestore(&l, f0);
	assert_false(rwlock_is_locked(&l));
	assert_int_equal(spin_debug_total(), 0);

	/* A write inside the same CPU's write, and a read inside it: recursion, absorbed. */
	f0 = write_lock_irqsave(&l);
	assert_int_equal(l.writer, 0);
	f1 = write_lock_irqsave(&l);
	f2 = read_lock_irqsave(&l);
	assert_int_equal(spin_debug_count(SPIN_BUG_RECURSION), 2);
	assert_int_equal(last_owner, 0);
	read_unlock_irqrestore(&l, f2);
	write_unlock_irqrestore(&l, f1);
	assert_true(rwlock_is_locked(&l));
	/* Another CPU's write unlock is refused. */
	fake_hal_set_cpu(2);
	write_unlock_irqrestore(&l, hal_irq_save());
	assert_int_equal(spin_debug_count(SPIN_BUG_WRONG_CPU), 1);
	assert_true(rwlock_is_locked(&l));
	fake_hal_set_cpu(0);
	write_unlock_irqrestore(&l, f0);
	assert_false(rwlock_is_locked(&l));
	/* Unlocks of a free lock. */
	read_unlock_irqrestore(&l, hal_irq_save());
	write_unlock_irqrestore(&l, hal_irq_save());
	assert_int_equal(spin_debug_count(SPIN_BUG_NOT_HELD), 2);
	assert_int_equal(l.count, 0);
	/* Upgrading its own read hold would deadlock: reported. */
	f0 = read_lock_irqsave(&l);
	f1 = write_lock_irqsave(&l);
	assert_int_equal(spin_debug_count(SPIN_BUG_RECURSION), 3);
	write_unlock_irqrestore(&l, f1);
	read_unlock_irqrestore(&l, f0);
	assert_false(rwlock_is_locked(&l));
}

static void test_rwlock_stuck(void **state)
{
	static rwlock_t l = RW_LOCK_UNLOCKED("rw_stuck");
	unsigned long f;

	(void)state;
	fake_hal_set_cpu(1);
	f = read_lock_irqsave(&l);
	hal_irq_restore(f);
	fake_hal_set_cpu(0);
	spin_debug_set_timeout(1000);
	release_on_report = true;
	release_rw = &l;
	f = write_lock_irqsave(&l);
	assert_int_equal(spin_debug_count(SPIN_BUG_STUCK), 1);
	assert_int_equal(last_owner, 1);
	assert_string_equal(last_name, "rw_stuck");
	write_unlock_irqrestore(&l, f);
	assert_false(rwlock_is_locked(&l));
}

/* Hold l for writing until hal_cycles() has moved on by at least cycles. */
static void hold_for_writing(rwlock_t *l, uint64_t cycles)
{
	unsigned long f = write_lock_irqsave(l);
	uint64_t t0 = hal_cycles();

	while (hal_cycles() - t0 < cycles)
		;
	write_unlock_irqrestore(l, f);
}

/* The debug mode counts write holds and keeps the longest and the sum, for the mean hold time. */
static void test_rwlock_hold_times(void **state)
{
	rwlock_t l;
	unsigned long f;

	(void)state;
	rwlock_init(&l, "holds");
	fake_hal_set_cpu(0);
	hold_for_writing(&l, 1000);
	hold_for_writing(&l, 3000);
	assert_int_equal(l.writes, 2);
	assert_true(l.max_write_hold >= 3000);
	assert_true(l.total_write_hold >= l.max_write_hold + 1000);
	/* A read hold is not a write hold. */
	f = read_lock_irqsave(&l);
	read_unlock_irqrestore(&l, f);
	assert_int_equal(l.writes, 2);
	rwlock_init(&l, "holds");
	assert_int_equal(l.total_write_hold, 0);
	assert_int_equal(spin_debug_total(), 0);
}

static void test_disabled_at_run_time(void **state)
{
	spinlock_t l = SPIN_LOCK_UNLOCKED("quiet");

	(void)state;
	spin_debug_set_enabled(false);
	spin_unlock_irqrestore(&l, hal_irq_save());
	spin_debug_set_enabled(true);
	assert_int_equal(spin_debug_total(), 0);
	assert_int_equal(reports, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_correct_use_reports_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recursion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_unsafe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_not_held_and_wrong_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_spinner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rwlock_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rwlock_stuck, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rwlock_hold_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_at_run_time, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
