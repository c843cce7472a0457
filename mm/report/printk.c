/*
 * printk() for the memory manager: its messages go to stdout, which is the serial console (and
 * the console log that `dmesg` replays) in the image and the test's output on the host.
 */
#include <stdarg.h>
#include <stdio.h>

#include <mm/printk.h>

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
