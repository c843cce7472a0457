/*
 * The serial console: polled output from the first line of C on,
 * interrupt-driven receive into a ring buffer once interrupts are up, and a
 * log ring of everything printed (for `dmesg`).
 */
#ifndef FIRMWARE_CONSOLE_H
#define FIRMWARE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hal/uart16550.h>

/* Bring up the board's console UART for polled output; false if no UART answered. */
bool console_init(void);

struct uart16550;

/* Move the console to u (static storage) at baud, replaying the log ring there when replay; false (nothing changed) if u does not answer or receive interrupts are already on. */
bool console_switch(const struct uart16550 *u, uint32_t baud, bool replay);

/* Write n bytes to the console, turning "\n" into "\r\n". */
void console_write(const char *s, size_t n);

/* Switch receive to the UART interrupt (IRQ line from the board) and the ring buffer. */
void console_enable_rx_irq(void);

/* The next received byte, waiting for one (hlt while idle); never fails.  Skips loss records. */
uint8_t console_getc(void);

/* console_read() at a place where received bytes were dropped because the receive ring was full. */
#define CONSOLE_RX_LOST 0x100

/*
 * The next received byte; or CONSOLE_RX_LOST, with the number of bytes dropped
 * at that point in *lost, once per place input was lost; or -1 when nothing
 * came within timeout_ms (0: wait for ever).
 */
int console_read(unsigned timeout_ms, unsigned long *lost);

/* The next received byte if one is waiting, else -1. */
int console_trygetc(void);

/* Bytes dropped because the receive ring was full (Ctrl-C's flush of type-ahead is not counted). */
extern unsigned long console_rx_overruns;

/* Copy the console log ring (oldest first) to the console. */
void console_dump_log(void);

/*
 * A resolve function for a 16550 behind a PCI memory BAR (the Quark X1000's high-speed UARTs):
 * finds u->pci on the bus, maps the BAR through the FIX_EARLYCON_MEM_BASE fixmap and returns an
 * MMIO description of it, COM1's description when the function is absent, or NULL while the
 * mapping is being made (the driver defers output).  Board data names it (board/galileo).
 */
const struct uart16550 *pci_uart_resolve(const struct uart16550 *u);

/* Print one line about the PCI console when the board has one (for `lspci`). */
void pci_uart_show(void);

struct json_writer;

/*
 * The same as the member "key" of `lspci -j`: an object (found: vendor, device, bus, dev, fn,
 * phys, virt, stride, clock_hz; or fallback: true when the board's UART was not found), or null
 * when the board has no PCI console.
 */
void pci_uart_json(struct json_writer *w, const char *key);

#endif
