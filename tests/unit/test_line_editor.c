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

/* After the list of candidates, the prompt and the line typed so far are drawn again. */
static void tab_list_redraws_prompt_and_line(void **state)
{
	static const char want[] = "vm\nvmalloc  vmallocinfo  version\nhighmem> vm";

	(void)state;
	le_set_prompt(&le, "highmem> ");
	assert_int_equal(FEED(&le, "vm"), LE_MORE);
	/* "vm" matches two names that share "vmalloc": the test completer lists instead of extending. */
	assert_int_equal(FEED(&le, "\t"), LE_MORE);
	assert_int_equal(screen_len, sizeof(want) - 1);
	assert_memory_equal(screen, want, sizeof(want) - 1);
	/* The line is still there to finish. */
	assert_int_equal(FEED(&le, "alloc\r"), LE_LINE);
	assert_string_equal(le.buf, "vmalloc");
}

/* The history numbers its lines from the first ever added, oldest first, as `history` prints them. */
static void history_numbers_lines(void **state)
{
	char line[16];
	unsigned long number = 0;

	(void)state;
	assert_null(le_history_get(&le, 0, &number));
	le_history_add(&le, "md 100");
	le_history_add(&le, "md 100"); /* a repeat of the newest is not added */
	le_history_add(&le, "");
	assert_int_equal(le.hist_count, 1);
	assert_string_equal(le_history_get(&le, 0, &number), "md 100");
	assert_int_equal(number, 1);
	for (int i = 0; i < LINE_HISTORY + 4; i++) {
		snprintf(line, sizeof(line), "cmd%d", i);
		le_history_add(&le, line);
	}
	/* 21 lines added, the newest 16 kept: numbers 6 to 21. */
	assert_string_equal(le_history_get(&le, 0, &number), "cmd4");
	assert_int_equal(number, 6);
	assert_string_equal(le_history_get(&le, LINE_HISTORY - 1, &number), "cmd19");
	assert_int_equal(number, LINE_HISTORY + 5);
	assert_null(le_history_get(&le, LINE_HISTORY, &number));
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

static void escape_then_enter_ends_the_line(void **state)
{
	(void)state;
	/* A lone ESC (or an unfinished "ESC [") must not swallow the Enter that follows it. */
	assert_int_equal(FEED(&le, "help\x1b\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	le_reset(&le);
	assert_int_equal(FEED(&le, "help\x1b[\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	le_reset(&le);
	assert_int_equal(FEED(&le, "help\x1b[1;\n"), LE_LINE);
	assert_string_equal(le.buf, "help");
}

static void pending_escape_does_not_eat_ctrl_c(void **state)
{
	(void)state;
	assert_int_equal(FEED(&le, "reboot\x1b\x03"), LE_CANCEL);
	le_reset(&le);
	assert_int_equal(FEED(&le, "reboot\x1b[\x03"), LE_CANCEL);
	le_reset(&le);
	assert_int_equal(FEED(&le, "reboot\x1bO\x03"), LE_CANCEL);
	le_reset(&le);
	/* Other control keys inside a sequence act as themselves: Ctrl-U empties the line. */
	assert_int_equal(FEED(&le, "reboot\x1b[2\x15help\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
}

static void ss3_keys_leave_no_stray_letter(void **state)
{
	(void)state;
	/* Application cursor keys: ESC O A/B/C/D/H/F. */
	assert_int_equal(FEED(&le, "hlp\x1bOD\x1bODe\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	le_reset(&le);
	le_history_add(&le, "version");
	assert_int_equal(FEED(&le, "\x1bOA\r"), LE_LINE);
	assert_string_equal(le.buf, "version");
	le_reset(&le);
	assert_int_equal(FEED(&le, "elp\x1bOHh\x1bOF!\r"), LE_LINE);
	assert_string_equal(le.buf, "help!");
}

static void csi_parameters_and_private_sequences(void **state)
{
	(void)state;
	/* Ctrl-Left (ESC [ 1 ; 5 D) moves like Left; Ctrl-Delete (ESC [ 3 ; 5 ~) deletes like Delete. */
	assert_int_equal(FEED(&le, "hlp\x1b[1;5D\x1b[1;5De\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	le_reset(&le);
	assert_int_equal(FEED(&le, "xhelp\x1b[H\x1b[3;5~\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	le_reset(&le);
	/* Home and End as the Linux console and rxvt send them: ESC [ 1 ~, ESC [ 4 ~ (and 7 ~, 8 ~). */
	assert_int_equal(FEED(&le, "elp\x1b[1~h\x1b[4~!\x1b[7~>\x1b[8~<\r"), LE_LINE);
	assert_string_equal(le.buf, ">help!<");
	le_reset(&le);
	/* A private or intermediate-byte sequence is consumed whole: no "25h" or "q" left behind. */
	assert_int_equal(FEED(&le, "ab\x1b[?25h\x1b[2 qc\r"), LE_LINE);
	assert_string_equal(le.buf, "abc");
	le_reset(&le);
	/* ESC ESC [ D: the second ESC starts the sequence again. */
	assert_int_equal(FEED(&le, "hlp\x1b\x1b[D\x1b[De\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	le_reset(&le);
	/* A non-ASCII byte inside a sequence ends it and is rejected like anywhere else. */
	assert_int_equal(FEED(&le, "ab\x1b[\xff\r"), LE_REJECT_BYTE);
}

static void escape_timeout_drops_a_lone_escape(void **state)
{
	(void)state;
	/* ESC pressed on its own, then "c" typed later: the timeout drops the ESC, the "c" is kept. */
	assert_int_equal(FEED(&le, "ab\x1b"), LE_MORE);
	assert_true(le_escape_pending(&le));
	le_escape_timeout(&le);
	assert_false(le_escape_pending(&le));
	assert_int_equal(FEED(&le, "c\r"), LE_LINE);
	assert_string_equal(le.buf, "abc");
	le_reset(&le);
	assert_int_equal(FEED(&le, "ab\x1b[1"), LE_MORE);
	le_escape_timeout(&le);
	assert_int_equal(FEED(&le, "c\r"), LE_LINE);
	assert_string_equal(le.buf, "abc");
}

static void edits_after_an_overlong_line_clear_the_rejection(void **state)
{
	char big[300];

	(void)state;
	memset(big, 'a', sizeof(big));
	/* Ctrl-U after the overflow: what is typed next is a clean line. */
	assert_int_equal(feed(&le, big, sizeof(big)), LE_MORE);
	assert_int_equal(FEED(&le, "\x15version\r"), LE_LINE);
	assert_string_equal(le.buf, "version");
	/* Backspaces after the overflow: the line is what the screen shows (245 characters). */
	le_reset(&le);
	assert_int_equal(feed(&le, big, sizeof(big)), LE_MORE);
	for (int i = 0; i < 10; i++)
		le_feed(&le, 0x7f);
	assert_int_equal(le_feed(&le, '\r'), LE_LINE);
	assert_int_equal(strlen(le.buf), LINE_MAX_CHARS - 10);
	/* A rejected control byte is forgotten once Ctrl-U empties the line. */
	le_reset(&le);
	assert_int_equal(FEED(&le, "ver\x02sion\x15help\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	/* But an overlong line still ends rejected when nothing was deleted. */
	le_reset(&le);
	assert_int_equal(feed(&le, big, sizeof(big)), LE_MORE);
	assert_int_equal(le_feed(&le, '\r'), LE_REJECT_LONG);
}

static void lost_input_discards_the_line(void **state)
{
	(void)state;
	/* Bytes dropped inside a line: the line is damaged and discarded, and the count kept for the report. */
	assert_int_equal(FEED(&le, "mw 1000 "), LE_MORE);
	le_input_lost(&le, 7);
	assert_int_equal(FEED(&le, "version\r"), LE_REJECT_LOST);
	assert_int_equal(le.lost, 7);
	/* Ctrl-C ends a damaged line too, with the count still there to report. */
	le_reset(&le);
	assert_int_equal(le.lost, 0);
	le_input_lost(&le, 3);
	assert_int_equal(FEED(&le, "abc\x03"), LE_CANCEL);
	assert_int_equal(le.lost, 3);
	/* A line emptied with Ctrl-U after the loss is clean again. */
	le_reset(&le);
	assert_int_equal(FEED(&le, "AAAA"), LE_MORE);
	le_input_lost(&le, 100);
	assert_int_equal(FEED(&le, "\x15help\r"), LE_LINE);
	assert_string_equal(le.buf, "help");
	/* The next line after a discarded one is clean. */
	le_reset(&le);
	assert_int_equal(FEED(&le, "help\r"), LE_LINE);
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
		cmocka_unit_test_setup(tab_list_redraws_prompt_and_line, setup),
		cmocka_unit_test_setup(history_numbers_lines, setup),
		cmocka_unit_test_setup(overlong_line_rejected, setup),
		cmocka_unit_test_setup(control_and_binary_bytes_rejected, setup),
		cmocka_unit_test_setup(random_bytes_never_overrun, setup),
		cmocka_unit_test_setup(escape_then_enter_ends_the_line, setup),
		cmocka_unit_test_setup(pending_escape_does_not_eat_ctrl_c, setup),
		cmocka_unit_test_setup(ss3_keys_leave_no_stray_letter, setup),
		cmocka_unit_test_setup(csi_parameters_and_private_sequences, setup),
		cmocka_unit_test_setup(escape_timeout_drops_a_lone_escape, setup),
		cmocka_unit_test_setup(edits_after_an_overlong_line_clear_the_rejection, setup),
		cmocka_unit_test_setup(lost_input_discards_the_line, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
