/* Boot options on the command line (firmware/include/boot_options.h).  Pure code. */
#include <string.h>

#include <boot_options.h>

bool boot_option_flag(const char *cmdline, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = cmdline; (p = strstr(p, flag)); p += n)
		if ((p == cmdline || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

const char *boot_option_value(const char *cmdline, const char *key, char *buf, size_t len)
{
	size_t n = strlen(key);
	const char *found = NULL;
	size_t flen = 0;

	for (const char *p = cmdline; *p;) {
		const char *end;

		while (*p == ' ')
			p++;
		end = strchr(p, ' ');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > n && !strncmp(p, key, n) && p[n] == '=') {
			found = p + n + 1;
			flen = (size_t)(end - found);
		}
		p = end;
	}
	if (!found || flen >= len)
		return NULL;
	memcpy(buf, found, flen);
	buf[flen] = '\0';
	return buf;
}
