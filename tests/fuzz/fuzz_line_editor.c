/*
 * libFuzzer target: the shell's input path.  Bytes from the fuzzer go to
 * the line editor one at a time (escape sequences, history, completion,
 * Ctrl keys, overlong lines, bad bytes); every completed line is added to
 * the history, split into words like the shell does, and each word is
 * parsed as a number and a size.  The invariants the shell relies on are
 * checked after every byte; ASan and UBSan catch the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <line_editor.h>
#include <parse.h>
#include <shell.h>

static const char *const names[] = { "help", "halt", "vmalloc", "vfree", "version", "vmallocinfo", "mmcheck" };

static size_t echoed;

static void out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	/* Touch every byte, so an output past the end of a buffer shows. */
	for (size_t i = 0; i < n; i++)
		echoed += (unsigned char)s[i] != 0;
}

/* Completion like the shell's: a unique prefix is completed with a space, several are listed. */
static const char *complete(void *ctx, char *buf, size_t *len, size_t max)
{
	static char list[128];
	const char *only = NULL;
	unsigned matches = 0;

	(void)ctx;
	list[0] = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strncmp(names[i], buf, *len))
			continue;
		matches++;
		only = names[i];
		strncat(list, names[i], sizeof(list) - strlen(list) - 2);
		strcat(list, " ");
	}
	if (matches == 1 && strlen(only) + 1 <= max) {
		strcpy(buf, only);
		strcat(buf, " ");
		*len = strlen(buf);
	}
	return matches > 1 ? list : NULL;
}

static void check_line(const struct line_editor *le)
{
	if (le->len > LINE_MAX_CHARS || le->cur > le->len || le->hist_count > LINE_HISTORY ||
	    le->hist_next >= LINE_HISTORY || le->hist_browse > le->hist_count)
		abort();
}

static void parse_words(const char *line)
{
	char copy[LINE_MAX_CHARS + 1], *argv[SHELL_MAX_ARGS];
	int argc;

	if (strlen(line) > LINE_MAX_CHARS)
		abort();
	for (const char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			abort(); /* the editor promised printable ASCII only */
	strcpy(copy, line);
	argc = shell_split(copy, argv, SHELL_MAX_ARGS);
	if (argc < -1 || argc > SHELL_MAX_ARGS)
		abort();
	for (int i = 0; i < argc; i++) {
		uint64_t a = 0, b = 0;
		uint32_t c = 0;

		if (!argv[i][0] || strchr(argv[i], ' ') || strchr(argv[i], '\t'))
			abort(); /* words are non-empty and hold no separators */
		bool is64 = parse_u64(argv[i], &a), is32 = parse_u32(argv[i], &c), issize = parse_size(argv[i], &b);

		if (is32 && (!is64 || a != c))
			abort(); /* a 32-bit number is also a 64-bit one, with the same value */
		/* A plain number is a size in bytes (parse_size reads at most 23 characters: leading zeros can exceed that). */
		if (is64 && strlen(argv[i]) < 24 && (!issize || a != b))
			abort();
		if (is64 && !is32 && a <= UINT32_MAX)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_editor *le = malloc(sizeof(*le));

	le_init(le, out, size && (data[0] & 1) ? complete : NULL, NULL);
	for (size_t i = 0; i < size; i++) {
		enum le_result r = le_feed(le, data[i]);

		check_line(le);
		if (r == LE_LINE) {
			parse_words(le->buf);
			le_history_add(le, le->buf);
			le_reset(le);
		} else if (r != LE_MORE) {
			le_reset(le);
		}
	}
	free(le);
	return 0;
}
