/* Numbers, sizes and words on the command line: strict, so junk is never half-accepted. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <parse.h>
#include <shell.h>

bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, digit;

	if (!s || !*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return false;
	}
	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digit = (unsigned)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			digit = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else
			return false;
		if (v > (UINT64_MAX - digit) / base)
			return false;
		v = v * base + digit;
	}
	*out = v;
	return true;
}

bool parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(s, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool parse_size(const char *s, uint64_t *out)
{
	char num[24];
	size_t n = 0;
	unsigned shift = 0;
	uint64_t v;

	if (!s)
		return false;
	while (s[n] && n < sizeof(num) - 1) {
		num[n] = s[n];
		n++;
	}
	if (s[n] || n == 0)
		return false;
	num[n] = '\0';
	switch (num[n - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	default: break;
	}
	/* A trailing hex digit is part of the number, not a suffix, after "0x". */
	if (shift) {
		if (n < 2 || (num[0] == '0' && (num[1] == 'x' || num[1] == 'X')))
			return false;
		num[n - 1] = '\0';
	}
	if (!parse_u64(num, &v) || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = v << shift;
	return true;
}

/* The shift of a K, M or G suffix (powers of 1024); 0 for any other character. */
static unsigned suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	default: return 0;
	}
}

static bool has_0x(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* True when s[0..n) is n >= 1 characters of the class (decimal or hex digits). */
static bool all_digits(const char *s, size_t n, bool hex)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])))
			return false;
	return true;
}

/* Read n >= 1 digits of s in base into *v; false on overflow. */
static bool digits_value(const char *s, size_t n, unsigned base, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = isdigit((unsigned char)s[i]) ? (unsigned)(s[i] - '0')
							  : (unsigned)(tolower((unsigned char)s[i]) - 'a' + 10);

		if (*v > (UINT64_MAX - d) / base)
			return false;
		*v = *v * base + d;
	}
	return true;
}

/* parse_addr() and parse_pfn(): noun names the kind of number in the messages. */
static bool parse_hex(const char *s, const char *what, const char *noun, uint64_t max, uint64_t *out, char *why,
		      size_t len)
{
	const char *digits;
	size_t n;
	uint64_t v;

	if (!s || !*s) {
		snprintf(why, len, "%s is missing: write it in hex, 0x optional", what);
		return false;
	}
	digits = has_0x(s) ? s + 2 : s;
	n = strlen(digits);
	if (n > 1 && suffix_shift(digits[n - 1]) && all_digits(digits, n - 1, true)) {
		/* "16K" or "0x10M": a size, not an address. */
		if (digits_value(digits, n - 1, digits == s ? 10 : 16, &v) &&
		    v <= UINT64_MAX >> suffix_shift(digits[n - 1]) && all_digits(digits, n - 1, digits != s))
			snprintf(why, len,
				 "%s '%.40s' has a size suffix: %s are hex, 0x optional, without K/M/G "
				 "(write 0x%llx)",
				 what, s, noun, (unsigned long long)(v << suffix_shift(digits[n - 1])));
		else
			snprintf(why, len,
				 "%s '%.40s' has a size suffix: %s are hex, 0x optional, without K/M/G",
				 what, s, noun);
		return false;
	}
	if (!all_digits(digits, n, true)) {
		snprintf(why, len, "%s '%.40s' is not a hex number: %s are hex, 0x optional (%s)", what, s,
			 noun, noun[0] == 'a' ? "f8800000 or 0xf8800000" : "40000 or 0x40000");
		return false;
	}
	if (!digits_value(digits, n, 16, &v) || v > max) {
		snprintf(why, len, "%s '%.40s' is too large (at most 0x%llx)", what, s, (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

bool parse_addr(const char *s, const char *what, uint64_t max, uint64_t *out, char *why, size_t len)
{
	return parse_hex(s, what, "addresses", max, out, why, len);
}

bool parse_pfn(const char *s, const char *what, uint32_t *out, char *why, size_t len)
{
	uint64_t v;

	if (!parse_hex(s, what, "frame numbers", UINT32_MAX, &v, why, len))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool parse_count(const char *s, const char *what, uint64_t max, uint64_t *out, char *why, size_t len)
{
	size_t n;
	unsigned shift;
	uint64_t v;

	if (!s || !*s) {
		snprintf(why, len, "%s is missing: write it in decimal (K/M/G allowed) or 0x-hex", what);
		return false;
	}
	n = strlen(s);
	shift = suffix_shift(s[n - 1]);
	if (has_0x(s)) {
		if (shift && all_digits(s + 2, n - 3, true)) {
			/* "0x10K": hex with a size suffix; say both ways it can be written. */
			if (digits_value(s + 2, n - 3, 16, &v) && v <= UINT64_MAX >> shift)
				snprintf(why, len,
					 "%s '%.40s' mixes 0x-hex and a K/M/G suffix: write %llu%c or 0x%llx", what,
					 s, (unsigned long long)v, toupper((unsigned char)s[n - 1]),
					 (unsigned long long)(v << shift));
			else
				snprintf(why, len, "%s '%.40s' mixes 0x-hex and a K/M/G suffix: use one or the other",
					 what, s);
			return false;
		}
		if (!all_digits(s + 2, n - 2, true)) {
			snprintf(why, len, "%s '%.40s' is not a hex number after 0x", what, s);
			return false;
		}
		if (!digits_value(s + 2, n - 2, 16, &v) || v > max)
			goto too_large;
		*out = v;
		return true;
	}
	if (shift)
		n--;
	if (!all_digits(s, n, false)) {
		if (all_digits(s, n, true))
			snprintf(why, len, "%s '%.40s' is decimal here%s: write 0x%.*s for hex", what, s,
				 shift ? " (a K/M/G size)" : "", (int)n, s);
		else
			snprintf(why, len, "%s '%.40s' is not a number: write it in decimal (K/M/G allowed) "
				 "or 0x-hex", what, s);
		return false;
	}
	if (!digits_value(s, n, 10, &v) || v > UINT64_MAX >> shift || (v << shift) > max)
		goto too_large;
	*out = v << shift;
	return true;
too_large:
	snprintf(why, len, "%s '%.40s' is too large (at most %llu)", what, s, (unsigned long long)max);
	return false;
}

char *shell_next_command(char *line)
{
	char *semi = strchr(line, ';');

	if (!semi)
		return NULL;
	*semi = '\0';
	return semi + 1;
}

bool shell_expand_status(const char *line, int status, char *out, size_t len)
{
	char num[16];
	size_t used = 0, numlen = (size_t)snprintf(num, sizeof(num), "%d", status);

	if (!len)
		return false;
	for (const char *p = line; *p; p++) {
		const char *piece = p;
		size_t n = 1;

		if (p[0] == '$' && p[1] == '?') {
			piece = num;
			n = numlen;
			p++;
		}
		if (used + n >= len) {
			out[used] = '\0';
			return false;
		}
		memcpy(out + used, piece, n);
		used += n;
	}
	out[used] = '\0';
	return true;
}

int shell_split(char *line, char **argv, int max)
{
	int argc = 0;

	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (argc == max)
			return -1;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return argc;
}
