/*
 * The exception-fixup table and the probe accessors built on it.  Each
 * accessor is one instruction (label 1) that may fault; its table entry
 * sends a fault to a fixup (label 3, in .text.fixup) that stores -EFAULT
 * and jumps back behind the instruction (label 2).  The value register is
 * zero on entry, so a failed read yields 0.
 */
#include <errno.h>
#include <stdio.h>

#include <extable.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <mm/region.h>

extern const struct exception_table_entry __start___ex_table[], __stop___ex_table[];

struct extable_fault extable_last_fault;

/* The fixup and the table entry shared by every accessor; %[err] and %[efault] are its operands. */
#define EXTABLE_FIXUP                                  \
	"2:\n"                                         \
	"	.pushsection .text.fixup, \"ax\"\n"    \
	"3:	movl %[efault], %[err]\n"              \
	"	jmp 2b\n"                              \
	"	.popsection\n"                         \
	"	.pushsection __ex_table, \"a\"\n"      \
	"	.balign 4\n"                           \
	"	.long 1b, 3b\n"                        \
	"	.popsection\n"

int probe_read8(vaddr_t addr, uint32_t *out)
{
	int err = 0;
	uint32_t v = 0;

	__asm__ volatile("1:	movzbl (%[addr]), %[val]\n" EXTABLE_FIXUP
			 : [err] "+r"(err), [val] "+r"(v)
			 : [addr] "r"(addr), [efault] "i"(-EFAULT)
			 : "memory");
	*out = v;
	return err;
}

int probe_read16(vaddr_t addr, uint32_t *out)
{
	int err = 0;
	uint32_t v = 0;

	__asm__ volatile("1:	movzwl (%[addr]), %[val]\n" EXTABLE_FIXUP
			 : [err] "+r"(err), [val] "+r"(v)
			 : [addr] "r"(addr), [efault] "i"(-EFAULT)
			 : "memory");
	*out = v;
	return err;
}

int probe_read32(vaddr_t addr, uint32_t *out)
{
	int err = 0;
	uint32_t v = 0;

	__asm__ volatile("1:	movl (%[addr]), %[val]\n" EXTABLE_FIXUP
			 : [err] "+r"(err), [val] "+r"(v)
			 : [addr] "r"(addr), [efault] "i"(-EFAULT)
			 : "memory");
	*out = v;
	return err;
}

int probe_write8(vaddr_t addr, uint32_t val)
{
	int err = 0;

	__asm__ volatile("1:	movb %b[val], (%[addr])\n" EXTABLE_FIXUP
			 : [err] "+r"(err)
			 : [addr] "r"(addr), [val] "q"(val), [efault] "i"(-EFAULT)
			 : "memory");
	return err;
}

int probe_write16(vaddr_t addr, uint32_t val)
{
	int err = 0;

	__asm__ volatile("1:	movw %w[val], (%[addr])\n" EXTABLE_FIXUP
			 : [err] "+r"(err)
			 : [addr] "r"(addr), [val] "r"(val), [efault] "i"(-EFAULT)
			 : "memory");
	return err;
}

int probe_write32(vaddr_t addr, uint32_t val)
{
	int err = 0;

	__asm__ volatile("1:	movl %[val], (%[addr])\n" EXTABLE_FIXUP
			 : [err] "+r"(err)
			 : [addr] "r"(addr), [val] "r"(val), [efault] "i"(-EFAULT)
			 : "memory");
	return err;
}

int probe_read(vaddr_t addr, unsigned width, uint32_t *out)
{
	switch (width) {
	case 1:
		return probe_read8(addr, out);
	case 2:
		return probe_read16(addr, out);
	case 4:
		return probe_read32(addr, out);
	default:
		return -EINVAL;
	}
}

int probe_write(vaddr_t addr, unsigned width, uint32_t val)
{
	switch (width) {
	case 1:
		return probe_write8(addr, val);
	case 2:
		return probe_write16(addr, val);
	case 4:
		return probe_write32(addr, val);
	default:
		return -EINVAL;
	}
}

/* The table is a few dozen entries, so a linear search is fine. */
const struct exception_table_entry *search_exception_tables(uint32_t eip)
{
	for (const struct exception_table_entry *e = __start___ex_table; e < __stop___ex_table; e++)
		if (e->insn == eip)
			return e;
	return NULL;
}

bool fixup_exception(struct trap_frame *tf)
{
	const struct exception_table_entry *e;

	/* A double fault, an NMI or a machine check is never an accessor's doing. */
	if ((tf->cs & 3) || tf->vector == 2 || tf->vector == 8 || tf->vector == 18)
		return false;
	e = search_exception_tables(tf->eip);
	if (!e)
		return false;
	extable_last_fault.vector = tf->vector;
	extable_last_fault.error_code = tf->error_code;
	extable_last_fault.cr2 = tf->vector == 14 ? read_cr2() : 0;
	extable_last_fault.eip = tf->eip;
	extable_last_fault.count++;
	tf->eip = e->fixup;
	return true;
}

const char *extable_fault_describe(bool write, vaddr_t addr, char *buf, size_t len)
{
	const struct extable_fault *f = &extable_last_fault;
	char region[160];

	if (f->vector == 14) {
		addr = f->cr2;
		snprintf(buf, len, "page fault %s 0x%08lx (%s): %s", write ? "writing" : "reading", (unsigned long)addr,
			 f->error_code & PF_PRESENT ? "protection violation" : "page not present",
			 mm_region_name(addr, region, sizeof(region)));
	} else {
		snprintf(buf, len, "%s (vector %lu, error code %08lx) %s 0x%08lx: %s",
			 f->vector == 13 ? "general protection fault" : hal_exception_name(f->vector),
			 (unsigned long)f->vector, (unsigned long)f->error_code, write ? "writing" : "reading",
			 (unsigned long)addr, mm_region_name(addr, region, sizeof(region)));
	}
	return buf;
}
