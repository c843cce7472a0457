/* Numbers, sizes and words on the command line: strict, so junk is never half-accepted. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>

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
