/*
 * Words, numbers and command separators on the command line (pure code, tested on the host).
 *
 * Two kinds of number, as U-Boot users expect them: addresses, physical addresses and frame
 * numbers are hex with or without "0x" (`md f8800000`, `md 100` reads 0x100); counts and sizes
 * are decimal with an optional K, M or G suffix (powers of 1024), or hex written with "0x".
 * What could be read either way (a suffix on an address, hex digits in a count without "0x",
 * "0x10K") is refused with a message that says how to write it.
 */
#ifndef FIRMWARE_PARSE_H
#define FIRMWARE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Split line in place at spaces and tabs into at most max words; returns the count, or -1 if there
 * are more than max.
 */
int shell_split(char *line, char **argv, int max);

/*
 * Parse s as an address named what ("ADDR", "PHYS"): hex, "0x" optional, at most max.  On
 * failure returns false, leaves *out untouched and writes why[0..len) ("ADDR '16K' ...: write
 * 0x4000"), a message without the command's name.
 */
bool parse_addr(const char *s, const char *what, uint64_t max, uint64_t *out, char *why, size_t len);

/* Parse s as a page frame number named what (hex, "0x" optional, 32 bits) as parse_addr() does. */
bool parse_pfn(const char *s, const char *what, uint32_t *out, char *why, size_t len);

/*
 * Parse s as a count or size named what: decimal with an optional K, M or G suffix, or "0x" hex
 * without one; at most max.  On failure returns false, leaves *out untouched and writes why.
 */
bool parse_count(const char *s, const char *what, uint64_t max, uint64_t *out, char *why, size_t len);

/*
 * Cut line in place at its first ';': returns the rest (after the ';'), or NULL when line holds
 * a single command.  Words have no quoting, so every ';' separates two commands.
 */
char *shell_next_command(char *line);

/*
 * Copy line into out[0..len) with every "$?" replaced by status in decimal; false (out holding
 * a truncated copy) when the result does not fit.
 */
bool shell_expand_status(const char *line, int status, char *out, size_t len);

#endif
