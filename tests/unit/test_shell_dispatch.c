/*
 * The shell's dispatch against a table of descriptors: base-name lookup, width suffixes,
 * subcommands, argument counts, and the usage line printed from the descriptor at fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <shell.h>
#include <shell/internal.h>

#define RAN 7 /* what the recording handler returns, so a refusal (2 or 127) cannot pass for a run */

static struct {
	int runs;
	struct shell_call call;
	int argc;
	char name[32], argv0[32], last[32]; /* copies: the words live in dispatch()'s buffer */
} seen;

static int record(const struct shell_call *call, int argc, char **argv)
{
	seen.runs++;
	seen.call = *call;
	seen.argc = argc;
	snprintf(seen.name, sizeof(seen.name), "%s", call->name);
	snprintf(seen.argv0, sizeof(seen.argv0), "%s", argv[0]);
	snprintf(seen.last, sizeof(seen.last), "%s", argv[argc - 1]);
	return RAN;
}

/* The dispatcher calls the descriptor's own fn through this, as shell.c's recovery wrapper does. */
static int run(const struct shell_call *call, int argc, char **argv)
{
	return call->cmd->fn(call, argc, argv);
}

static const struct shell_cmd pages_subs[] = {
	SHELL_SUB("list", "", 0, 0, "list", record),
	SHELL_SUB("alloc", "ORDER [ZONE]", 1, 2, "allocate", record),
	SHELL_SUB("free", "PFN ORDER", 2, 2, "free", record),
	{ 0 },
};

static const struct shell_cmd table[] = {
	{ .name = "md", .usage = "ADDR [COUNT]", .min_args = 0, .max_args = 2, .widths = SHELL_WIDTHS_BWL,
	  .summary = "display memory", .fn = record },
	{ .name = "wl", .usage = "X", .min_args = 1, .max_args = 1, .widths = SHELL_WIDTH_W | SHELL_WIDTH_L,
	  .summary = "words and longs only", .fn = record },
	{ .name = "ps", .usage = "", .min_args = 0, .max_args = 0, .summary = "tasks", .fn = record },
	{ .name = "kill", .usage = "PID", .min_args = 1, .max_args = 1, .summary = "kill", .fn = record },
	{ .name = "upt", .usage = "PID ADDR", .min_args = 2, .max_args = 2, .summary = "upt", .fn = record },
	{ .name = "run", .usage = "PROG [ARGS]", .min_args = 1, .max_args = SHELL_ARGS_ANY, .summary = "run",
	  .fn = record },
	{ .name = "pages", .usage = "", .min_args = 0, .max_args = 0, .subs = pages_subs, .summary = "pages",
	  .fn = record },
	{ .name = "only", .usage = "", .subs = pages_subs, .summary = "subcommands only" },
	{ .name = "report", .usage = "[-j]", .min_args = 0, .max_args = 1, .subs = pages_subs,
	  .summary = "a report with subcommands", .fn = record },
};
#define TABLE_END (table + sizeof(table) / sizeof(table[0]))

static char out[4096];

/* Dispatch line (split at spaces) with stdout captured into out; returns the status. */
static int dispatch(const char *line)
{
	char buf[256], *argv[SHELL_MAX_ARGS];
	int argc = 0, saved, status;
	FILE *tmp = tmpfile();
	size_t n;

	assert_non_null(tmp);
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok(buf, " "); w && argc < SHELL_MAX_ARGS; w = strtok(NULL, " "))
		argv[argc++] = w;
	memset(&seen, 0, sizeof(seen));
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(tmp), STDOUT_FILENO);
	status = shell_dispatch(table, TABLE_END, argc, argv, run);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return status;
}

static void runs_a_command_whose_counts_fit(void **state)
{
	assert_int_equal(dispatch("kill 12"), RAN);
	assert_int_equal(seen.runs, 1);
	assert_string_equal(out, "");
	assert_ptr_equal(seen.call.cmd, &table[3]);
	assert_null(seen.call.parent);
	assert_string_equal(seen.name, "kill");
	assert_int_equal(seen.call.width, 0);
	assert_int_equal(seen.argc, 2);
	assert_string_equal(seen.last, "12");
	assert_int_equal(dispatch("run prog a b c d e f g h i j k l m n"), RAN);
	assert_int_equal(seen.argc, 16);
	assert_int_equal(dispatch("md"), RAN);
	assert_int_equal(dispatch("md 0x1000 4"), RAN);
}

static void refuses_wrong_counts_with_the_usage(void **state)
{
	assert_int_equal(dispatch("ps now"), SHELL_STATUS_USAGE);
	assert_int_equal(seen.runs, 0);
	assert_string_equal(out, "ps: takes no arguments\nusage: ps\n");
	assert_int_equal(dispatch("kill"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "kill: too few arguments (takes 1)\nusage: kill PID\n");
	assert_int_equal(dispatch("kill 1 2"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "kill: too many arguments (takes 1)\nusage: kill PID\n");
	assert_int_equal(dispatch("upt 1"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "upt: too few arguments (takes 2)\nusage: upt PID ADDR\n");
	assert_int_equal(dispatch("md 1 2 3"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "md: too many arguments (takes at most 2)\nusage: md[.b|.w|.l] ADDR [COUNT]\n");
	assert_int_equal(dispatch("run"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "run: too few arguments (takes at least 1)\nusage: run PROG [ARGS]\n");
	assert_int_equal(seen.runs, 0);
}

static void strips_the_width_suffix(void **state)
{
	static const struct { const char *line; unsigned width; } cases[] = {
		{ "md.b 0x10", 1 }, { "md.w 0x10", 2 }, { "md.l 0x10", 4 }, { "md 0x10", 0 },
		{ "wl.w 1", 2 }, { "wl.l 1", 4 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(dispatch(cases[i].line), RAN);
		assert_int_equal(seen.call.width, cases[i].width);
		assert_true(seen.call.cmd == &table[0] || seen.call.cmd == &table[1]);
		/* The handler still sees the word as typed, to name itself in its messages. */
		assert_int_equal(strncmp(seen.name, cases[i].line, strlen(seen.name)), 0);
		assert_string_equal(seen.argv0, seen.name);
	}
	/* Counts are checked after the suffix is stripped, with the suffixed name in the message. */
	assert_int_equal(dispatch("md.w 1 2 3"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "md.w: too many arguments (takes at most 2)\nusage: md[.b|.w|.l] ADDR [COUNT]\n");
}

static void refuses_a_bad_suffix(void **state)
{
	assert_int_equal(dispatch("md.q 0x10"), SHELL_STATUS_USAGE);
	assert_int_equal(seen.runs, 0);
	assert_string_equal(out, "md.q: unknown width suffix '.q'\nusage: md[.b|.w|.l] ADDR [COUNT]\n");
	assert_int_equal(dispatch("md. 0x10"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "md.: unknown width suffix '.'\nusage: md[.b|.w|.l] ADDR [COUNT]\n");
	assert_int_equal(dispatch("md.bw 0x10"), SHELL_STATUS_USAGE);
	assert_int_equal(dispatch("wl.b 1"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "wl.b: unknown width suffix '.b'\nusage: wl[.w|.l] X\n");
	/* A command that takes no suffix does not answer to one: the word names no command. */
	assert_int_equal(dispatch("ps.w"), SHELL_STATUS_UNKNOWN);
	assert_string_equal(out, "unknown command 'ps.w': type 'help' for a list\n");
	assert_int_equal(seen.runs, 0);
}

static void dispatches_subcommands(void **state)
{
	assert_int_equal(dispatch("pages alloc 3 high"), RAN);
	assert_ptr_equal(seen.call.cmd, &pages_subs[1]);
	assert_ptr_equal(seen.call.parent, &table[6]);
	assert_string_equal(seen.name, "pages");
	assert_int_equal(seen.argc, 3); /* argv[0] is the subcommand's word */
	assert_string_equal(seen.argv0, "alloc");
	assert_string_equal(seen.last, "high");
	assert_int_equal(dispatch("pages free 0x100 0"), RAN);
	assert_ptr_equal(seen.call.cmd, &pages_subs[2]);
	/* Without a subcommand word the command's own handler runs, under its own counts. */
	assert_int_equal(dispatch("pages"), RAN);
	assert_ptr_equal(seen.call.cmd, &table[6]);
	assert_null(seen.call.parent);
}

static void subcommand_usage_comes_from_the_subcommand(void **state)
{
	assert_int_equal(dispatch("pages alloc"), SHELL_STATUS_USAGE);
	assert_int_equal(seen.runs, 0);
	assert_string_equal(out, "pages: too few arguments (takes at least 1)\nusage: pages alloc ORDER [ZONE]\n");
	assert_int_equal(dispatch("pages free 1 2 3"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "pages: too many arguments (takes 2)\nusage: pages free PFN ORDER\n");
	assert_int_equal(dispatch("pages list x"), SHELL_STATUS_USAGE);
	assert_string_equal(out, "pages: takes no arguments\nusage: pages list\n");
}

static void refuses_an_unknown_subcommand(void **state)
{
	static const char all[] = "usage: pages\n"
				  "       pages list\n"
				  "       pages alloc ORDER [ZONE]\n"
				  "       pages free PFN ORDER\n";

	assert_int_equal(dispatch("pages grab 3"), SHELL_STATUS_USAGE);
	assert_int_equal(seen.runs, 0);
	assert_int_equal(strncmp(out, "pages: unknown subcommand 'grab'\n", 33), 0);
	assert_string_equal(out + 33, all);
	/* A command made only of subcommands needs one. */
	assert_int_equal(dispatch("only"), SHELL_STATUS_USAGE);
	assert_int_equal(strncmp(out, "only: which subcommand?\nusage: only list\n", 41), 0);
	assert_int_equal(dispatch("only list"), RAN);
}

static void an_option_word_goes_to_the_command_not_a_subcommand(void **state)
{
	assert_int_equal(dispatch("report -j"), RAN);
	assert_ptr_equal(seen.call.cmd, &table[8]);
	assert_null(seen.call.parent);
	assert_string_equal(seen.last, "-j");
	assert_int_equal(dispatch("report list"), RAN);
	assert_ptr_equal(seen.call.cmd, &pages_subs[0]);
	/* Under the command's own counts: pages takes no words. */
	assert_int_equal(dispatch("pages -j"), SHELL_STATUS_USAGE);
	assert_int_equal(seen.runs, 0);
	assert_int_equal(strncmp(out, "pages: takes no arguments\n", 26), 0);
	/* A command made only of subcommands has no options: still an unknown subcommand. */
	assert_int_equal(dispatch("only -j"), SHELL_STATUS_USAGE);
	assert_int_equal(strncmp(out, "only: unknown subcommand '-j'\n", 30), 0);
}

static void unknown_command(void **state)
{
	assert_int_equal(dispatch("frobnicate 1"), SHELL_STATUS_UNKNOWN);
	assert_string_equal(out, "unknown command 'frobnicate': type 'help' for a list\n");
	/* A prefix of a name is not the name. */
	assert_int_equal(dispatch("m 1"), SHELL_STATUS_UNKNOWN);
	assert_int_equal(dispatch("pag"), SHELL_STATUS_UNKNOWN);
	assert_int_equal(seen.runs, 0);
}

static void finds_by_base_name(void **state)
{
	unsigned w;

	assert_ptr_equal(shell_table_find(table, TABLE_END, "md", &w), &table[0]);
	assert_int_equal(w, 0);
	assert_ptr_equal(shell_table_find(table, TABLE_END, "md.w", &w), &table[0]);
	assert_int_equal(w, 2);
	assert_ptr_equal(shell_table_find(table, TABLE_END, "md.z", &w), &table[0]);
	assert_int_equal(w, -1u);
	assert_null(shell_table_find(table, TABLE_END, "kill.w", &w));
	assert_null(shell_table_find(table, TABLE_END, "mdx", &w));
}

static void help_lists_subcommands_and_suffixes(void **state)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	shell_print_help(&table[0]);
	shell_print_help(&table[6]);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	assert_string_equal(out, "usage: md[.b|.w|.l] ADDR [COUNT]\n"
				 "  display memory\n"
				 "  ADDR hex, 0x optional; COUNT decimal with K/M/G, or 0x-hex\n"
				 "  suffixes: .b 8-bit bytes, .w 16-bit words, .l 32-bit words "
				 "(no suffix: 32-bit words)\n"
				 "usage: pages\n"
				 "       pages list\n"
				 "       pages alloc ORDER [ZONE]\n"
				 "       pages free PFN ORDER\n"
				 "  pages\n"
				 "  PFN hex, 0x optional\n"
				 "    list       list\n"
				 "    alloc      allocate\n"
				 "    free       free\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runs_a_command_whose_counts_fit),
		cmocka_unit_test(refuses_wrong_counts_with_the_usage),
		cmocka_unit_test(strips_the_width_suffix),
		cmocka_unit_test(refuses_a_bad_suffix),
		cmocka_unit_test(dispatches_subcommands),
		cmocka_unit_test(subcommand_usage_comes_from_the_subcommand),
		cmocka_unit_test(refuses_an_unknown_subcommand),
		cmocka_unit_test(an_option_word_goes_to_the_command_not_a_subcommand),
		cmocka_unit_test(unknown_command),
		cmocka_unit_test(finds_by_base_name),
		cmocka_unit_test(help_lists_subcommands_and_suffixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
