/*
 * Exceptions: an oops on the console with everything a person needs to find
 * the fault, then a halt, or, for a fault recover.c can contain, a return
 * to the shell (recover.h says which).
 */
#include <stdarg.h>
#include <stdio.h>

#include <console.h>
#include <firmware.h>
#include <hal/page.h>
#include <hal/x86.h>
#include <kallsyms.h>
#include <mm/region.h>
#include <recover.h>

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Format into a stack buffer and write directly, so an oops never needs the heap. */
static void out(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void decode_pf(uint32_t err)
{
	out("  page fault: %s, %s access, %s mode%s%s\n",
	    err & PF_PRESENT ? "protection violation" : "page not present",
	    err & PF_INSTR ? "instruction fetch" : err & PF_WRITE ? "write" : "read",
	    err & PF_USER ? "user" : "kernel", err & PF_RSVD ? ", reserved bit set" : "", "");
}

/* The part of the image that holds addr, for a fault in the linear map ("" outside the image). */
static const char *image_section(uint32_t addr)
{
	uintptr_t a = addr;

	if (a >= (uintptr_t)_text && a < (uintptr_t)_etext)
		return ", kernel .text (read-only)";
	if (a >= (uintptr_t)__init_begin && a < (uintptr_t)__init_end)
		return ", kernel .init (read-only)";
	if (a >= (uintptr_t)__rodata_start && a < (uintptr_t)__rodata_end)
		return ", kernel .rodata (read-only)";
	if (a >= (uintptr_t)_sdata && a < (uintptr_t)_end)
		return ", kernel .data/.bss";
	return "";
}

/*
 * Every stack word that points into kernel text, as Linux's oops lists it
 * ("? " marks a guess: without frame-pointer unwinding a stale return
 * address looks the same as a live one).
 */
void oops_call_trace(const uint32_t *stack)
{
	char sym[96];
	int shown = 0;

	out("Call Trace:\n");
	for (int i = 0; i < 256 && shown < 12; i++) {
		if (i && !((uintptr_t)&stack[i] & (PAGE_SIZE - 1)))
			break;
		if (!kallsyms_lookup(stack[i], NULL, NULL))
			continue;
		kallsyms_format(stack[i], sym, sizeof(sym));
		out(" [<%08x>] ? %s\n", (unsigned)stack[i], sym);
		shown++;
	}
}

void oops_report(struct trap_frame *tf)
{
	static int nested;
	char sym[96];
	uint32_t *stack = (uint32_t *)(uintptr_t)(tf->esp_at_pusha + 20);
	bool from_user = (tf->cs & 3) != 0;

	irq_disable();
	if (nested++) {
		out("\nOops: nested exception %u at EIP %08x while reporting; halting\n", (unsigned)tf->vector,
		    (unsigned)tf->eip);
		for (;;)
			cpu_halt();
	}
	out("\nOops: %s (vector %u), error code %08x\n", hal_exception_name(tf->vector), (unsigned)tf->vector,
	    (unsigned)tf->error_code);
	if (tf->vector == 14) {
		char region[128];
		uint32_t cr2 = read_cr2();

		out("  CR2 %08x (faulting address): %s%s\n", (unsigned)cr2, mm_region_name(cr2, region, sizeof(region)),
		    image_section(cr2));
		decode_pf(tf->error_code);
	}
	kallsyms_format(tf->eip, sym, sizeof(sym));
	out("EIP: %04x:%08x [<%08x>] %s\n", (unsigned)tf->cs, (unsigned)tf->eip, (unsigned)tf->eip,
	    from_user ? "(user mode)" : sym);
	out("EFLAGS: %08x CR0: %08x CR3: %08x CR4: %08x\n", (unsigned)tf->eflags, (unsigned)read_cr0(),
	    (unsigned)read_cr3(), (unsigned)read_cr4());
	out("EAX: %08x EBX: %08x ECX: %08x EDX: %08x\n", (unsigned)tf->eax, (unsigned)tf->ebx, (unsigned)tf->ecx,
	    (unsigned)tf->edx);
	out("ESI: %08x EDI: %08x EBP: %08x ESP: %08x\n", (unsigned)tf->esi, (unsigned)tf->edi, (unsigned)tf->ebp,
	    (unsigned)(from_user ? tf->user_esp : tf->esp_at_pusha + 20));
	out("DS: %04x ES: %04x FS: %04x GS: %04x\n", (unsigned)tf->ds, (unsigned)tf->es, (unsigned)tf->fs,
	    (unsigned)tf->gs);
	if (!from_user) {
		out("Stack:");
		for (int i = 0; i < 16; i++) {
			/* Stop at the page boundary: the stack dump must not fault itself. */
			if (i && !((uintptr_t)&stack[i] & (PAGE_SIZE - 1)))
				break;
			out("%s %08x", i % 8 ? "" : "\n ", (unsigned)stack[i]);
		}
		out("\n");
		oops_call_trace(stack);
	}
	nested--;
}

void oops(struct trap_frame *tf)
{
	const char *why;

	oops_report(tf);
	why = recovery_refusal();
	if (why)
		out("  not recoverable: %s\n", why);
	out("---[ end trace: system halted ]---\n");
	for (;;)
		cpu_halt();
}

void panic(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	irq_disable();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out("\nKernel panic: %s\n---[ end Kernel panic ]---\n", buf);
	for (;;)
		cpu_halt();
}
