/* Parsing the console= boot option in Linux's earlycon form (firmware/include/console_select.h).
 * Pure code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <console_select.h>

bool console_option_parse(const char *val, struct console_option *out, char *err, size_t errlen)
{
	char buf[96], *field[5], *end;
	unsigned n = 0;
	unsigned long long addr;
	unsigned long baud = 115200;

	if (strlen(val) >= sizeof(buf)) {
		snprintf(err, errlen, "too long");
		return false;
	}
	strcpy(buf, val);
	for (char *p = buf; n < 5;) {
		field[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n < 3 || n > 4) {
		snprintf(err, errlen, "expected uart,io|mmio32,ADDRESS[,BAUD]");
		return false;
	}
	if (strcmp(field[0], "uart") != 0 && strcmp(field[0], "uart8250") != 0) {
		snprintf(err, errlen, "'%s' is not a UART this firmware drives (uart, uart8250)",
			 field[0]);
		return false;
	}
	if (!strcmp(field[1], "io")) {
		out->access = UART_PIO;
	} else if (!strcmp(field[1], "mmio32")) {
		out->access = UART_MMIO32;
	} else {
		snprintf(err, errlen, "register access '%s' is not io or mmio32", field[1]);
		return false;
	}
	addr = strtoull(field[2], &end, 0);
	if (!field[2][0] || *end || field[2][0] == '-') {
		snprintf(err, errlen, "address '%s' is not a number", field[2]);
		return false;
	}
	if (out->access == UART_PIO ? addr == 0 || addr > 0xFFF8
				    : addr == 0 || addr > 0xFFFFF000ull) {
		snprintf(err, errlen, "address 0x%llx is out of range for %s", addr, field[1]);
		return false;
	}
	if (n == 4) {
		baud = strtoul(field[3], &end, 10);
		if (!field[3][0] || field[3][0] == '-' || (*end && strcmp(end, "n8") != 0) ||
		    baud < 50 || baud > 4000000) {
			snprintf(err, errlen,
				 "baud rate '%s' is not a number from 50 to 4000000 (n8 allowed)",
				 field[3]);
			return false;
		}
	}
	out->addr = addr;
	out->baud = (uint32_t)baud;
	return true;
}
