/*
 * `fault KIND`: fault on purpose, so tests (and people) can watch the oops
 * name the region and the shell come back.  The accesses use plain
 * instructions outside the fixup table, exactly like a buggy command.
 */
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/mmu.h>
#include <hal/x86.h>
#include <mm/layout.h>
#include <mm/vmalloc.h>
#include <shell.h>

/* A load the compiler cannot see through or turn into a trap of its own. */
static uint32_t raw_read(vaddr_t addr)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static void raw_write(vaddr_t addr, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static bool mapped(vaddr_t va, unsigned *prot)
{
	return hal_query_page(hal_current_pgd(), va, NULL, prot);
}

/*
 * The last page of the VMALLOC_OFFSET gap: far enough above high_memory that no 4 MiB page of the
 * linear map reaches it.
 */
static int fault_gap(void)
{
	vaddr_t va = VMALLOC_START - PAGE_SIZE;

	if (mapped(va, NULL)) {
		printf("fault: 0x%08lx in the VMALLOC_OFFSET gap is mapped; not writing to it\n", (unsigned long)va);
		return 1;
	}
	printf("fault: writing to 0x%08lx in the VMALLOC_OFFSET gap\n", (unsigned long)va);
	raw_write(va, 0xdeadbeef);
	return 0;
}

/* One vmalloc'ed page kept for every `fault guard`, so the aborted command leaks nothing. */
static int fault_guard(void)
{
	static vaddr_t area;

	if (!area)
		area = vmalloc(PAGE_SIZE);
	if (!area) {
		printf("fault: vmalloc of one page failed\n");
		return 1;
	}
	printf("fault: writing to 0x%08lx, the guard page after the vmalloc area at 0x%08lx\n",
	       (unsigned long)(area + PAGE_SIZE), (unsigned long)area);
	raw_write(area + PAGE_SIZE, 0xdeadbeef);
	return 0;
}

/* Store the word already there, so a CPU that ignores CR0.WP loses nothing. */
static int fault_wp(void)
{
	vaddr_t va = hal_ptr_va(_text);
	unsigned prot;

	if (!mapped(va, &prot) || (prot & HAL_PROT_WRITE)) {
		printf("fault: kernel text at 0x%08lx is not mapped read-only; not writing to it\n", (unsigned long)va);
		return 1;
	}
	printf("fault: writing to kernel text at 0x%08lx (read-only, CR0.WP %s)\n", (unsigned long)va,
	       read_cr0() & CR0_WP ? "on" : "off");
	raw_write(va, raw_read(va));
	printf("fault: the write went through: CR0.WP does not protect kernel text\n");
	return 1;
}

static int cmd_fault(const struct shell_call *call, int argc, char **argv)
{

	if (!strcmp(argv[1], "null")) {
		printf("fault: reading address 0\n");
		printf("fault: read 0x%08lx: the NULL page is mapped\n", (unsigned long)raw_read(0));
		return 1;
	}
	if (!strcmp(argv[1], "gap"))
		return fault_gap();
	if (!strcmp(argv[1], "guard"))
		return fault_guard();
	if (!strcmp(argv[1], "wp"))
		return fault_wp();
	if (!strcmp(argv[1], "ud")) {
		printf("fault: executing ud2\n");
		__asm__ volatile("ud2");
		return 1;
	}
	if (!strcmp(argv[1], "irqoff")) {
		printf("fault: reading address 0 with interrupts disabled (the firmware halts)\n");
		irq_disable();
		raw_read(0);
		irq_enable();
		return 1;
	}
	return shell_usage_error(call, "unknown kind");
}
SHELL_CMD(fault, "fault", "null|gap|guard|wp|ud|irqoff", 1, 1,
	  "fault on purpose: NULL read, VMALLOC_OFFSET-gap write, guard-page write, text write, ud2; irqoff halts",
	  cmd_fault);
