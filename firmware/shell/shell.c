/* The `highmem> ` shell: reads lines from the console and runs the registered commands. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <console.h>
#include <line_editor.h>
#include <parse.h>
#include <recover.h>
#include <shell.h>

#include "internal.h"

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

#define PROMPT "highmem> "
/* How long a lone ESC waits for the rest of its key sequence (GNU Readline's keyseq-timeout). */
#define ESC_TIMEOUT_MS 500u
/*
 * After input was dropped, a line whose Enter may have been among the dropped bytes ends when
 * nothing more arrives for this long: reported and discarded now, not at some later Enter.
 */
#define LOST_QUIET_MS 200u

static struct line_editor editor;
static int last_status;

int shell_last_status(void)
{
	return last_status;
}

const struct shell_cmd *shell_find(const char *name)
{
	unsigned width;
	const struct shell_cmd *c = shell_table_find(__start_shell_cmds, __stop_shell_cmds, name, &width);

	return c && width != -1u ? c : NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct shell_cmd *const *)a)->name, (*(const struct shell_cmd *const *)b)->name);
}

/* The commands sorted by name, in a static array (the table is fixed at link time). */
static size_t sorted_commands(const struct shell_cmd **out, size_t max)
{
	size_t n = 0;

	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds && n < max; c++)
		out[n++] = c;
	qsort(out, n, sizeof(*out), by_name);
	return n;
}

#define MAX_COMMANDS 128

static int cmd_help(const struct shell_call *call, int argc, char **argv)
{
	const struct shell_cmd *list[MAX_COMMANDS];
	size_t n;

	(void)call;
	if (argc == 2) {
		const struct shell_cmd *c = shell_find(argv[1]);

		if (!c) {
			printf("help: no command '%s'; type 'help' for a list\n", argv[1]);
			return 1;
		}
		shell_print_help(c);
		return 0;
	}
	n = sorted_commands(list, MAX_COMMANDS);
	printf("Commands (numbers are decimal or 0x-hex; 'help CMD' shows the usage):\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-12s %s\n", list[i]->name, list[i]->summary);
	return 0;
}
SHELL_CMD(help, "help", "[CMD]", 0, 1, "list the commands, or show how to use one", cmd_help);

static void editor_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

/*
 * Complete a command name: extend to the longest common prefix; list the candidates when ambiguous.
 */
static const char *complete_command(void *ctx, char *buf, size_t *len, size_t max)
{
	static char list[1024];
	const struct shell_cmd *cmds[MAX_COMMANDS], *first = NULL;
	size_t n = sorted_commands(cmds, MAX_COMMANDS), common = 0, matches = 0, used = 0;

	(void)ctx;
	list[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *name = cmds[i]->name;

		if (strncmp(name, buf, *len))
			continue;
		if (!first) {
			first = cmds[i];
			common = strlen(name);
		} else {
			size_t k = 0;

			while (k < common && first->name[k] == name[k])
				k++;
			common = k;
		}
		matches++;
		used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0, "%s  ", name);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	if (!first)
		return NULL;
	if (common > *len && common <= max) {
		memcpy(buf, first->name, common);
		*len = common;
		if (matches == 1 && *len < max)
			buf[(*len)++] = ' ';
		return NULL;
	}
	return matches > 1 ? list : NULL;
}

/*
 * Run cmd behind a recovery point: a fault that recover.c can contain lands at setjmp, the oops
 * already printed.
 */
static __attribute__((noinline)) int run_recoverable(const struct shell_call *call, int argc, char **argv)
{
	int r;

	if (setjmp(recovery_env)) {
		printf("%s: aborted by the fault above\n", recovery_aborted_command());
		return 1;
	}
	recovery_arm(call->name);
	r = call->cmd->fn(call, argc, argv);
	recovery_disarm();
	return r;
}

/* Run one command line; returns the command's status (or 1 for a line that ran nothing). */
static int shell_run_line(char *line)
{
	char *argv[SHELL_MAX_ARGS];
	int argc = shell_split(line, argv, SHELL_MAX_ARGS);

	if (argc < 0) {
		printf("too many arguments (at most %d words), line discarded\n", SHELL_MAX_ARGS);
		return 1;
	}
	if (argc == 0)
		return 0;
	return shell_dispatch(__start_shell_cmds, __stop_shell_cmds, argc, argv, run_recoverable);
}

void shell_loop(void)
{
	le_init(&editor, editor_out, complete_command, NULL);
	for (;;) {
		enum le_result r;

		le_reset(&editor);
		fputs(PROMPT, stdout);
		do {
			unsigned long lost = 0;
			unsigned timeout = le_escape_pending(&editor) ? ESC_TIMEOUT_MS
					   : editor.damaged		? LOST_QUIET_MS
									: 0;
			int c = console_read(timeout, &lost);

			r = LE_MORE;
			if (c == CONSOLE_RX_LOST)
				le_input_lost(&editor, lost);
			else if (c < 0 && le_escape_pending(&editor))
				le_escape_timeout(&editor);
			else if (c < 0)
				r = LE_REJECT_LOST;
			else
				r = le_feed(&editor, (unsigned char)c);
		} while (r == LE_MORE);
		if (editor.lost)
			printf("console: %lu bytes of input dropped (receive buffer full)%s\n", editor.lost,
			       r == LE_REJECT_LOST ? ", line discarded" : "");
		switch (r) {
		case LE_LINE:
			le_history_add(&editor, editor.buf);
			last_status = shell_run_line(editor.buf);
			break;
		case LE_REJECT_LONG:
			printf("line too long (max %d characters), discarded\n", LINE_MAX_CHARS);
			last_status = 1;
			break;
		case LE_REJECT_BYTE:
			printf("line contains NUL, control or non-ASCII bytes, discarded\n");
			last_status = 1;
			break;
		default:
			break;
		}
	}
}
