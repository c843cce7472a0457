/* The shell's dispatch of a split command line against a table of descriptors (pure code). */
#ifndef FIRMWARE_SHELL_INTERNAL_H
#define FIRMWARE_SHELL_INTERNAL_H

#include <shell.h>

/* Runs a handler once the line has passed the descriptor's checks; returns the handler's status. */
typedef int (*shell_run_fn)(const struct shell_call *call, int argc, char **argv);

/* The command in [begin, end) called word, a width suffix it accepts stripped into *width (1, 2 or
 * 4; 0 without a suffix); NULL when no command has that base name.  A suffix the command does not
 * accept still finds it, with *width set to -1u, so the caller can say what is wrong. */
const struct shell_cmd *shell_table_find(const struct shell_cmd *begin, const struct shell_cmd *end,
					 const char *word, unsigned *width);

/* Check words argv[0..argc) against the command table [begin, end): base name, width suffix,
 * subcommand, argument counts; print "CMD: why" and the usage of the descriptor at fault and return
 * SHELL_STATUS_USAGE if they do not fit (SHELL_STATUS_UNKNOWN for no such command), else return
 * run() of the dispatched descriptor.  argc is at least 1. */
int shell_dispatch(const struct shell_cmd *begin, const struct shell_cmd *end, int argc, char **argv,
		   shell_run_fn run);

/* Print the "usage:" lines of cmd (each subcommand's too, when it has them); parent is the
 * command a subcommand belongs to, or NULL. */
void shell_print_usage(const struct shell_cmd *cmd, const struct shell_cmd *parent);

/* Print what `help CMD` shows: the usage lines, the summary, the subcommands and the suffixes. */
void shell_print_help(const struct shell_cmd *cmd);

#endif
