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
/* The command word ("md.b") that Enter on an empty line runs again, or "" (U-Boot's repeat). */
static char repeat_word[16];

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
			return SHELL_STATUS_FAIL;
		}
		shell_print_help(c);
		return 0;
	}
	n = sorted_commands(list, MAX_COMMANDS);
	printf("Commands ('help CMD' shows the usage):\n"
	       "ADDR, PHYS and PFN are hex, 0x optional (md f8800000; md 100 reads 0x100).\n"
	       "COUNT and SIZE are decimal with K/M/G (16K), or 0x-hex; other numbers decimal or 0x-hex.\n"
	       "'A; B' runs A then B; $? is the last status; Enter after md/mdp continues the dump.\n");
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
		return SHELL_STATUS_FAIL;
	}
	recovery_arm(call->name);
	r = call->cmd->fn(call, argc, argv);
	recovery_disarm();
	/* Only a command that succeeded and says it can be repeated is run again by an empty line. */
	if (r == SHELL_STATUS_OK && call->cmd->repeat && strlen(call->name) < sizeof(repeat_word))
		strcpy(repeat_word, call->name);
	return r;
}

/*
 * Run one command (the text between two ';'): "$?" replaced by the status so far, then split
 * and dispatched.  Returns its status; an empty command leaves status as it is.
 */
static int run_command(const char *text, int status)
{
	char line[LINE_MAX_CHARS + 1 + 64];
	char *argv[SHELL_MAX_ARGS];
	int argc;

	if (!shell_expand_status(text, status, line, sizeof(line))) {
		printf("line too long once $? is expanded (max %zu characters), not run\n", sizeof(line) - 1);
		return SHELL_STATUS_USAGE;
	}
	argc = shell_split(line, argv, SHELL_MAX_ARGS);
	if (argc < 0) {
		printf("too many arguments (at most %d words), not run\n", SHELL_MAX_ARGS);
		return SHELL_STATUS_USAGE;
	}
	if (argc == 0)
		return status;
	return shell_dispatch(__start_shell_cmds, __stop_shell_cmds, argc, argv, run_recoverable);
}

/*
 * Run a command line: its ';'-separated commands in order, each seeing the status of the one
 * before as "$?".  Returns the status of the last command run.
 */
static int shell_run_line(char *line)
{
	int status = last_status;

	repeat_word[0] = '\0';
	for (char *next; line; line = next) {
		next = shell_next_command(line);
		repeat_word[0] = '\0'; /* only the last command of the line may be repeated */
		status = run_command(line, status);
		last_status = status;
	}
	return status;
}

/* Enter on an empty line: run the repeatable command of the previous line again, else nothing. */
static int shell_repeat(void)
{
	char line[sizeof(repeat_word)];

	if (!repeat_word[0])
		return last_status;
	strcpy(line, repeat_word);
	return shell_run_line(line);
}

static int cmd_history(const struct shell_call *call, int argc, char **argv)
{
	unsigned long number;
	const char *line;

	(void)call;
	(void)argc;
	(void)argv;
	for (unsigned i = 0; (line = le_history_get(&editor, i, &number)) != NULL; i++)
		printf("%5lu  %s\n", number, line);
	return SHELL_STATUS_OK;
}
SHELL_CMD(history, "history", "", 0, 0, "the last 16 command lines, numbered (Up and Down recall them)",
	  cmd_history);

void shell_loop(void)
{
	le_init(&editor, editor_out, complete_command, NULL);
	le_set_prompt(&editor, PROMPT);
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
			if (!editor.buf[0]) {
				last_status = shell_repeat();
				break;
			}
			le_history_add(&editor, editor.buf);
			last_status = shell_run_line(editor.buf);
			break;
		case LE_REJECT_LONG:
			printf("line too long (max %d characters), discarded\n", LINE_MAX_CHARS);
			last_status = SHELL_STATUS_USAGE;
			break;
		case LE_REJECT_BYTE:
			printf("line contains NUL, control or non-ASCII bytes, discarded\n");
			last_status = SHELL_STATUS_USAGE;
			break;
		default:
			break;
		}
		if (r != LE_LINE)
			repeat_word[0] = '\0'; /* Ctrl-C or a rejected line: Enter repeats nothing */
	}
}
