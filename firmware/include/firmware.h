/* Services of the firmware core used across its files. */
#ifndef FIRMWARE_FIRMWARE_H
#define FIRMWARE_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hal/page.h>
#include <hal/trap.h>
#include <multiboot.h>

struct kernel_sections;
struct mmcheck_image;

/* Code that only runs during boot lives in .init, as the kernel's __init functions do. */
#define __init __attribute__((section(".init.text"), noinline))

/*
 * QEMU's isa-debug-exit ends QEMU with status (value << 1) | 1, so
 * `poweroff` makes QEMU exit with 33 and a failed self test or panic with 35.
 */
#define POWEROFF_OK 0x10
#define POWEROFF_FAILURE 0x11

/* Map what poweroff and reset need and print, one line each, how they will be done; call after vmalloc_init(). */
void power_init(void);

/* Turn the machine off (QEMU debug exit, then ACPI, then halt with a message); never returns. */
void machine_poweroff(int code) __attribute__((noreturn));

/* Reset the machine (ACPI RESET_REG, 0xCF9, keyboard controller, triple fault); never returns. */
void machine_reboot(void) __attribute__((noreturn));

/* Print an oops for the trap in tf and halt (the firmware cannot continue). */
void oops(struct trap_frame *tf) __attribute__((noreturn));

/* Stop with a message after an unrecoverable error. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/*
 * Called by code GCC's stack protector emits when a canary was overwritten; panics naming the
 * function.
 */
void __stack_chk_fail(void) __attribute__((noreturn));

/* Print the CPU identification and features (used at boot and by `cpuinfo`). */
void print_cpu(void);

struct json_writer;

/*
 * What print_cpu() prints and the control registers, as members of the open JSON object of w
 * (`cpuinfo -j`): vendor, brand, family, model, stepping, features, paging ("pae" or "2-level"),
 * pse, pge, nx, tsc_hz (null without a TSC), tsc_reference, cr0, cr3, cr4.
 */
void cpu_json(struct json_writer *w);

/*
 * Fill ks from the linker script's symbols, the way Linux's mem_init() reports them (.data includes
 * .rodata).
 */
void firmware_kernel_sections(struct kernel_sections *ks);

/*
 * Fill img from the linker script: text and .init are executable, everything up to the end of
 * .rodata read-only.
 */
void firmware_mmcheck_image(struct mmcheck_image *img);

/* The boot stack (boot.S): the shell and task 0 run on it. */
extern char boot_stack_bottom[], boot_stack_top[];

/*
 * True when [va, va + len) touches one of the firmware's own critical structures (IDT, GDT, TSS,
 * kernel page directory or kernel page tables, stack-protector canary, the stack in use), compared
 * by physical frame so aliases count; why then says which, at what address.
 */
bool firmware_critical_range(vaddr_t va, uint64_t len, char *why, size_t whylen);

/* What the loader told us, kept for `e820`, `cmdline` and the memory manager. */
extern struct boot_params boot_params;

/* Linker-script symbols that bound the image (virtual addresses). */
extern char _text[], _etext[], __init_begin[], __init_end[], __rodata_start[], __rodata_end[];
extern char _sdata[], _edata[], __bss_start[], __bss_stop[], _end[];
extern char __kernel_phys_start[];

#endif
