/*
 * `smep-test [exec|read|write|all]`: the kernel touching a user page on
 * purpose, to show that SMEP and SMAP stop it.  The command builds a
 * throw-away address space (mm_alloc) with one anonymous user page holding
 * a tiny function (mov $0x5345, %eax; ret) and a data word, makes that
 * address space current, and then, from ring 0:
 *
 *   exec   calls the user page.  With CR4.SMEP the instruction fetch is a
 *          page fault (protection violation, instruction fetch, kernel
 *          mode); the oops is printed and the shell's recovery point
 *          (recover.h) takes the command back, here to a recovery point of
 *          its own so that it can report and clean up.
 *   read   reads the data word without stac.  With CR4.SMAP that is a page
 *          fault, caught by the exception-fixup table (extable.h, the probe
 *          accessors); then the same read inside hal_user_access_begin/end
 *          succeeds, as the user copies would.
 *   write  the same for a write.
 *
 * On a CPU without SMEP (or SMAP) the command says so and skips that part:
 * nothing would stop the access.  The page and the address space are freed
 * at the end and the command checks that the free page count is back.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <extable.h>
#include <hal/mmu.h>
#include <hal/x86.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/slab.h>
#include <recover.h>
#include <shell.h>
#include <task.h>

#define TEST_ADDR 0x10000000u /* the user page; any free user address will do */
#define DATA_OFF 0x100u
#define DATA_WORD 0x534d4150u /* "PAMS" */
#define RET_MAGIC 0x5345u

/* mov $RET_MAGIC, %eax; ret */
static const uint8_t user_code[] = { 0xb8, RET_MAGIC & 0xff, RET_MAGIC >> 8, 0x00, 0x00, 0xc3 };

/*
 * A one-page user address space holding user_code at TEST_ADDR and DATA_WORD at TEST_ADDR +
 * DATA_OFF, or NULL.
 */
static struct mm_struct *make_user_page(void)
{
	struct mm_struct *mm = mm_alloc();
	uint32_t word = DATA_WORD;
	unsigned long r;

	if (!mm)
		return NULL;
	r = do_mmap(mm, NULL, TEST_ADDR, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	if (IS_ERR_VALUE(r) || access_process_vm(mm, TEST_ADDR, (void *)user_code, sizeof(user_code), true) !=
				       sizeof(user_code) ||
	    access_process_vm(mm, TEST_ADDR + DATA_OFF, &word, sizeof(word), true) != sizeof(word)) {
		mmput(mm);
		return NULL;
	}
	return mm;
}

/*
 * Call the user page from ring 0 with mm current; 0 when SMEP stopped it (and the report is
 * printed), 1 if not.
 */
static int test_exec(struct mm_struct *mm)
{
	static jmp_buf shell_env;
	uint32_t (*volatile fn)(void) = (uint32_t (*)(void))(uintptr_t)TEST_ADDR;
	volatile uint32_t got = 0;
	volatile bool faulted = false;
	uint32_t cr2;

	if (!hal_smep_enabled) {
		printf("smep-test: exec: this CPU has no SMEP (CPUID.(EAX=7):EBX bit 7 clear): nothing stops the kernel "
		       "from running a user page; skipped\n");
		return 0;
	}
	printf("smep-test: exec: calling user page 0x%08lx from ring 0 with CR4.SMEP on (CR4 0x%08lx); expect a "
	       "page fault, an oops and this command carrying on\n",
	       (unsigned long)TEST_ADDR, (unsigned long)read_cr4());
	/*
	 * The shell's recovery point becomes ours for the one call, so the command can report and
	 * clean up.
	 */
	memcpy(shell_env, recovery_env, sizeof(jmp_buf));
	if (!setjmp(recovery_env)) {
		hal_switch_pgd(mm->pgd);
		got = fn();
	} else {
		faulted = true;
	}
	hal_switch_pgd(swapper_pg_dir);
	cr2 = read_cr2();
	memcpy(recovery_env, shell_env, sizeof(jmp_buf));
	recovery_arm("smep-test");
	if (!faulted) {
		printf("smep-test: exec: FAIL: the kernel ran the user page (it returned 0x%lx): SMEP did not stop it\n",
		       (unsigned long)got);
		return 1;
	}
	if (cr2 != TEST_ADDR) {
		printf("smep-test: exec: FAIL: a fault at 0x%08lx, not at the user page 0x%08lx\n", (unsigned long)cr2,
		       (unsigned long)TEST_ADDR);
		return 1;
	}
	printf("smep-test: exec: kernel attempted to execute user page 0x%08lx (CR2 0x%08lx): stopped by SMEP "
	       "(page fault, protection violation, instruction fetch, kernel mode); caught, the firmware carries "
	       "on\n",
	       (unsigned long)TEST_ADDR, (unsigned long)cr2);
	return 0;
}

/*
 * Describe the fault the fixup table caught last, e.g. "protection violation, write access, kernel
 * mode".
 */
static void describe_caught(char *buf, size_t len)
{
	uint32_t e = extable_last_fault.error_code;

	snprintf(buf, len, "%s, %s access, %s mode", e & PF_PRESENT ? "protection violation" : "page not present",
		 e & PF_WRITE ? "write" : "read", e & PF_USER ? "user" : "kernel");
}

/*
 * Read (write) the user data word without stac, then with; 0 when SMAP stopped the first and
 * allowed the second.
 */
static int test_access(struct mm_struct *mm, bool write)
{
	const char *what = write ? "write" : "read";
	vaddr_t va = TEST_ADDR + DATA_OFF;
	unsigned long before = extable_last_fault.count;
	uint32_t v = 0;
	int err, err2;
	char why[96];

	if (!hal_smap_enabled) {
		printf("smep-test: %s: this CPU has no SMAP (CPUID.(EAX=7):EBX bit 20 clear): the kernel may touch user "
		       "pages at will; skipped\n",
		       what);
		return 0;
	}
	hal_switch_pgd(mm->pgd);
	err = write ? probe_write32(va, DATA_WORD) : probe_read32(va, &v);
	hal_user_access_begin();
	err2 = write ? probe_write32(va, DATA_WORD) : probe_read32(va, &v);
	hal_user_access_end();
	hal_switch_pgd(swapper_pg_dir);
	if (!err) {
		printf("smep-test: %s: FAIL: the kernel %s user page 0x%08lx without stac: SMAP did not stop it\n", what,
		       write ? "wrote" : "read", (unsigned long)va);
		return 1;
	}
	describe_caught(why, sizeof(why));
	printf("smep-test: %s: kernel %s of user page 0x%08lx without stac (EFLAGS.AC clear): page fault at "
	       "0x%08lx (%s): stopped by SMAP, caught by the fixup table (%lu fault)\n",
	       what, what, (unsigned long)va, (unsigned long)extable_last_fault.cr2, why,
	       extable_last_fault.count - before);
	if (err2 || (!write && v != DATA_WORD)) {
		printf("smep-test: %s: FAIL: inside hal_user_access_begin/end the %s failed (%d, 0x%08lx)\n", what, what,
		       err2, (unsigned long)v);
		return 1;
	}
	printf("smep-test: %s: the same %s inside hal_user_access_begin/end (stac ... clac): allowed%s\n", what, what,
	       write ? "" : ", read 0x534d4150");
	return 0;
}

static int cmd_smep_test(const struct shell_call *call, int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "all";
	bool all = !strcmp(which, "all");
	struct mm_struct *mm;
	unsigned long free0, objs0, pages_now;
	int bad = 0;

	if (!all && strcmp(which, "exec") && strcmp(which, "read") && strcmp(which, "write"))
		return shell_usage_error(call, "unknown test");
	proc_init();
	printf("smep-test: SMEP %s, SMAP %s (CR4 0x%08lx)\n", hal_smep_enabled ? "on" : "off (CPU lacks it)",
	       hal_smap_enabled ? "on" : "off (CPU lacks it)", (unsigned long)read_cr4());
	/* a slab page the test adds stays cached */
	free0 = nr_free_pages() + slab_stats.slab_pages;
	objs0 = proc_mm_objects();
	mm = make_user_page();
	if (!mm) {
		printf("smep-test: no memory for the test address space\n");
		return 1;
	}
	printf("smep-test: user page 0x%08lx (rwx, user) in a throw-away address space, page directory 0x%08llx\n",
	       (unsigned long)TEST_ADDR, (unsigned long long)mm->pgd);
	if (all || !strcmp(which, "exec"))
		bad += test_exec(mm);
	if (all || !strcmp(which, "read"))
		bad += test_access(mm, false);
	if (all || !strcmp(which, "write"))
		bad += test_access(mm, true);
	mmput(mm);
	pages_now = nr_free_pages() + slab_stats.slab_pages;
	if (pages_now != free0 || proc_mm_objects() != objs0) {
		printf("smep-test: FAIL: free + slab pages %lu -> %lu, mm objects %lu -> %lu\n", free0, pages_now, objs0,
		       proc_mm_objects());
		bad++;
	} else {
		printf("smep-test: address space freed, free pages and mm objects back where they were\n");
	}
	printf("smep-test: %s\n", bad ? "FAILED" : "pass");
	return bad ? 1 : 0;
}
SHELL_CMD(smep_test, "smep-test", "[exec|read|write|all]", 0, 1,
	  "the kernel runs, reads and writes a user page on purpose: SMEP and SMAP must stop it (test only)",
	  cmd_smep_test);
