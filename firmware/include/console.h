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

/* Bring up the board's console UART for polled output; false if no UART answered. */
bool console_init(void);

struct uart16550;

/* Move the console to u (static storage) at baud, replaying the log ring there when replay; false (nothing changed) if u does not answer or receive interrupts are already on. */
bool console_switch(const struct uart16550 *u, uint32_t baud, bool replay);

/* Write n bytes to the console, turning "\n" into "\r\n". */
void console_write(const char *s, size_t n);

/* Switch receive to the UART interrupt (IRQ line from the board) and the ring buffer. */
void console_enable_rx_irq(void);

/* The next received byte, waiting for one (hlt while idle); never fails. */
uint8_t console_getc(void);

/* The next received byte if one is waiting, else -1. */
int console_trygetc(void);

/* Bytes dropped because the receive ring was full. */
extern unsigned long console_rx_overruns;

/* Copy the console log ring (oldest first) to the console. */
void console_dump_log(void);

#endif
