/* The shell's line editor, byte by byte: editing keys, history, completion, and junk rejection. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <line_editor.h>

static char screen[1 << 16];
static size_t screen_len;

static void out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	if (screen_len + n < sizeof(screen)) {
		memcpy(screen + screen_len, s, n);
		screen_len += n;
	}
}

static const char *complete(void *ctx, char *buf, size_t *len, size_t max)
{
	static const char *const names[] = { "vmalloc", "vmallocinfo", "version" };
	const char *only = NULL;
	int matches = 0;

	(void)ctx;
	for (size_t i = 0; i < 3; i++)
		if (!strncmp(names[i], buf, *len)) {
			matches++;
			only = names[i];
		}
	if (matches == 1 && strlen(only) <= max) {
		strcpy(buf, only);
		*len = strlen(only);
		return NULL;
	}
	return matches > 1 ? "vmalloc  vmallocinfo  version" : NULL;
}

static enum le_result feed(struct line_editor *le, const char *bytes, size_t n)
{
	enum le_result r = LE_MORE;

	for (size_t i = 0; i < n; i++) {
		r = le_feed(le, (unsigned char)bytes[i]);
		if (r != LE_MORE && i + 1 != n)
			fail_msg("line ended early at byte %zu", i);
	}
	return r;
}

#define FEED(le, s) feed(le, s, sizeof(s) - 1)

static struct line_editor le;

static int setup(void **state)
{
	(void)state;
	le_init(&le, out, complete, NULL);
	le_reset(&le);
	screen_len = 0;
	return 0;
}

static void plain_line(void **state)
{
	(void)state;
	assert_int_equal(FEED(&le, "help\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	assert_memory_equal(screen, "help\n", 5);
	/* LF alone also ends a line; the LF of CR LF does not end a second, empty one. */
	le_reset(&le);
	assert_int_equal(FEED(&le, "a\n"), LE_LINE);
	le_reset(&le);
	assert_int_equal(le_feed(&le, '\r'), LE_LINE);
	assert_int_equal(le_feed(&le, '\n'), LE_MORE);
}

static void backspace_and_ctrl_u(void **state)
{
	(void)state;
	assert_int_equal(FEED(&le, "helq\x7fp\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	le_reset(&le);
	assert_int_equal(FEED(&le, "garbage\x15version\r"), LE_LINE);
	assert_string_equal(le.buf, "version");
	le_reset(&le);
	assert_int_equal(FEED(&le, "\x08\x08x\r"), LE_LINE);
	assert_string_equal(le.buf, "x");
}

static void ctrl_c_cancels(void **state)
{
	(void)state;
	assert_int_equal(FEED(&le, "reboot\x03"), LE_CANCEL);
}

static void cursor_movement_inserts_in_the_middle(void **state)
{
	(void)state;
	/* "hlp", left twice, insert 'e' after 'h'. */
	assert_int_equal(FEED(&le, "hlp\x1b[D\x1b[De\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	le_reset(&le);
	/* Home, delete key, End. */
	assert_int_equal(FEED(&le, "xhelp\x1b[H\x1b[3~\x1b[F!\r"), LE_LINE);
	assert_string_equal(le.buf, "help!");
	le_reset(&le);
	/* Ctrl-A then type. */
	assert_int_equal(FEED(&le, "elp\x01h\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
}

static void history_up_and_down(void **state)
{
	(void)state;
	le_history_add(&le, "first");
	le_history_add(&le, "second");
	le_history_add(&le, "second");
	assert_int_equal(le.hist_count, 2);
	assert_int_equal(FEED(&le, "\x1b[A\r"), LE_LINE);
	assert_string_equal(le.buf, "second");
	le_reset(&le);
	assert_int_equal(FEED(&le, "\x1b[A\x1b[A\x1b[A\r"), LE_LINE);
	assert_string_equal(le.buf, "first");
	le_reset(&le);
	assert_int_equal(FEED(&le, "\x1b[A\x1b[A\x1b[B\x1b[B\r"), LE_LINE);
	assert_string_equal(le.buf, "");
}

static void history_keeps_only_the_newest(void **state)
{
	char line[16];

	(void)state;
	for (int i = 0; i < LINE_HISTORY + 5; i++) {
		snprintf(line, sizeof(line), "cmd%d", i);
		le_history_add(&le, line);
	}
	assert_int_equal(le.hist_count, LINE_HISTORY);
	for (int i = 0; i < LINE_HISTORY + 3; i++)
		le_feed(&le, 0x1b), le_feed(&le, '['), le_feed(&le, 'A');
	assert_int_equal(le_feed(&le, '\r'), LE_LINE);
	assert_string_equal(le.buf, "cmd5");
}

static void tab_completes_command_names(void **state)
{
	(void)state;
	assert_int_equal(FEED(&le, "vers\t\r"), LE_LINE);
	assert_string_equal(le.buf, "version");
	le_reset(&le);
	screen_len = 0;
	assert_int_equal(FEED(&le, "v\t"), LE_MORE);
	assert_non_null(memmem(screen, screen_len, "vmallocinfo", 11));
}

static void overlong_line_rejected(void **state)
{
	char big[10 * 1024];

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(feed(&le, big, sizeof(big)), LE_MORE);
	assert_int_equal(le.len, LINE_MAX_CHARS);
	assert_int_equal(le_feed(&le, '\r'), LE_REJECT_LONG);
	/* Exactly the maximum is accepted. */
	le_reset(&le);
	assert_int_equal(feed(&le, big, LINE_MAX_CHARS), LE_MORE);
	assert_int_equal(le_feed(&le, '\r'), LE_LINE);
	assert_int_equal(strlen(le.buf), LINE_MAX_CHARS);
}

static void control_and_binary_bytes_rejected(void **state)
{
	(void)state;
	assert_int_equal(feed(&le, "ver\0sion\r", 9), LE_REJECT_BYTE);
	le_reset(&le);
	assert_int_equal(FEED(&le, "ver\x02sion\r"), LE_REJECT_BYTE);
	le_reset(&le);
	assert_int_equal(FEED(&le, "ver\xffsion\r"), LE_REJECT_BYTE);
	/* After a rejected line the next one is clean. */
	le_reset(&le);
	assert_int_equal(FEED(&le, "version\r"), LE_LINE);
	assert_string_equal(le.buf, "version");
}

static void random_bytes_never_overrun(void **state)
{
	(void)state;
	srand(12345);
	for (int i = 0; i < 1 << 20; i++) {
		enum le_result r = le_feed(&le, (unsigned char)rand());

		assert_true(le.len <= LINE_MAX_CHARS && le.cur <= le.len);
		assert_int_equal(le.buf[le.len], le.buf[le.len]); /* in bounds for ASan */
		if (r != LE_MORE)
			le_reset(&le);
		if (screen_len > sizeof(screen) / 2)
			screen_len = 0;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(plain_line, setup),
		cmocka_unit_test_setup(backspace_and_ctrl_u, setup),
		cmocka_unit_test_setup(ctrl_c_cancels, setup),
		cmocka_unit_test_setup(cursor_movement_inserts_in_the_middle, setup),
		cmocka_unit_test_setup(history_up_and_down, setup),
		cmocka_unit_test_setup(history_keeps_only_the_newest, setup),
		cmocka_unit_test_setup(tab_completes_command_names, setup),
		cmocka_unit_test_setup(overlong_line_rejected, setup),
		cmocka_unit_test_setup(control_and_binary_bytes_rejected, setup),
		cmocka_unit_test_setup(random_bytes_never_overrun, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
