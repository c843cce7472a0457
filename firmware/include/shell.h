/*
 * Shell commands.  Each command is a struct shell_cmd placed in the
 * "shell_cmds" section by SHELL_CMD(), so a file adds its commands without
 * touching a central table; the shell sorts them by name for `help`.
 *
 * The descriptor declares the command's arguments: how many words may follow
 * its name, which width suffixes (.b/.w/.l) it takes and its subcommands.
 * The shell checks all of that before it calls the handler, and prints the
 * usage line of the descriptor it dispatched when the line does not fit.
 */
#ifndef FIRMWARE_SHELL_H
#define FIRMWARE_SHELL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SHELL_MAX_ARGS 16

/* Exit statuses a command returns (what `status` prints and "$?" expands to). */
#define SHELL_STATUS_OK 0
#define SHELL_STATUS_FAIL 1      /* the command ran and failed (it said why) */
#define SHELL_STATUS_USAGE 2     /* the words did not fit the command; nothing was done */
#define SHELL_STATUS_UNKNOWN 127 /* no command by that name (as in POSIX sh) */
/* max_args of a command that takes as many words as the line holds. */
#define SHELL_ARGS_ANY (SHELL_MAX_ARGS - 1)

/* Width suffixes a command accepts after its name ("md.b", "md.w", "md.l"). */
#define SHELL_WIDTH_B 0x1u
#define SHELL_WIDTH_W 0x2u
#define SHELL_WIDTH_L 0x4u
#define SHELL_WIDTHS_BWL (SHELL_WIDTH_B | SHELL_WIDTH_W | SHELL_WIDTH_L)

struct shell_call;

struct shell_cmd {
	const char *name;
	const char *usage;   /* arguments, e.g. "ADDR [COUNT]"; "" for none */
	const char *summary; /* one line for `help` */
	/* How many words may follow the name (the subcommand's name, for a subcommand). */
	unsigned char min_args, max_args;
	unsigned char widths; /* SHELL_WIDTH_* suffixes accepted; 0 for none */
	/* Enter on an empty line right after it succeeded runs it again without arguments, as
	 * U-Boot repeats `md` (the command continues where it stopped). */
	bool repeat;
	/* Subcommands, ended by an entry without a name; NULL for none.  With subcommands, fn (if
	 * any) runs when no subcommand word is given, and min_args/max_args apply to that case. */
	const struct shell_cmd *subs;
	/* Run the command; return SHELL_STATUS_OK, or another SHELL_STATUS_* after printing why it
	 * failed.  argv[0] is
	 * the word that named it (the subcommand's word for a subcommand). */
	int (*fn)(const struct shell_call *call, int argc, char **argv);
};

/* One dispatch: what the shell hands a handler besides its words. */
struct shell_call {
	const struct shell_cmd *cmd;    /* the descriptor dispatched (the subcommand's, for one) */
	const struct shell_cmd *parent; /* the command a subcommand belongs to, else NULL */
	const char *name;               /* the command word as typed, suffix included ("md.w") */
	unsigned width;                 /* bytes named by the suffix: 1, 2 or 4; 0 without one */
};

/* A command with the common fields; SHELL_CMD_DESC takes designated initializers for the rest. */
#define SHELL_CMD(id, name_, usage_, min_, max_, summary_, fn_)                                    \
	SHELL_CMD_DESC(id, .name = name_, .usage = usage_, .min_args = min_, .max_args = max_,     \
		       .summary = summary_, .fn = fn_)

#define SHELL_CMD_DESC(id, ...)                                                                    \
	static const struct shell_cmd __shell_cmd_entry_##id                                       \
		__attribute__((used, section("shell_cmds"), aligned(sizeof(void *)))) = { __VA_ARGS__ }

/* An entry of a subcommand table. */
#define SHELL_SUB(name_, usage_, min_, max_, summary_, fn_)                                        \
	{ .name = name_, .usage = usage_, .min_args = min_, .max_args = max_, .summary = summary_, \
	  .fn = fn_ }

/* The command called name (a width suffix the command accepts is ignored), or NULL. */
const struct shell_cmd *shell_find(const char *name);

/*
 * Parse an unsigned number in decimal or 0x-hex into *out; false (and *out untouched) on junk or
 * overflow.
 */
bool parse_u64(const char *s, uint64_t *out);

/* Parse a 32-bit unsigned number (decimal or 0x-hex) into *out; false on junk or overflow. */
bool parse_u32(const char *s, uint32_t *out);

/*
 * Parse a size with an optional K, M or G suffix (powers of 1024) into *out; false on junk or
 * overflow.
 */
bool parse_size(const char *s, uint64_t *out);

/*
 * Print "CMD: MESSAGE" and the usage of the descriptor call dispatched, and return
 * SHELL_STATUS_USAGE (for argument errors).
 */
int shell_usage_error(const struct shell_call *call, const char *message);

/*
 * For a report that takes "-j" (one JSON object on one line instead of the human text) and no
 * other word: *json set from argv, 0, or shell_usage_error() for any other word.
 */
int shell_json_flag(const struct shell_call *call, int argc, char **argv, bool *json);

struct json_writer;

/*
 * A report with a -j form: show(stdout) without arguments, or with "-j" one JSON object on one
 * line written by json_fn between json_begin() and json_finish().  Returns SHELL_STATUS_OK, or the
 * usage error for another word.
 */
int shell_report(const struct shell_call *call, int argc, char **argv, void (*show)(FILE *),
		 void (*json_fn)(struct json_writer *));

/*
 * Parse word s as the address argument called what ("ADDR", "PHYS": hex, 0x optional, at most
 * max) into *out: 0, or shell_usage_error() with the reason and how to write it.
 */
int shell_arg_addr(const struct shell_call *call, const char *s, const char *what, uint64_t max, uint64_t *out);

/* Parse word s as the page frame number called what (hex, 0x optional) as shell_arg_addr() does. */
int shell_arg_pfn(const struct shell_call *call, const char *s, const char *what, uint32_t *out);

/*
 * Parse word s as the count or size called what (decimal with K/M/G, or 0x-hex; at most max) into
 * *out: 0, or shell_usage_error() with the reason.
 */
int shell_arg_count(const struct shell_call *call, const char *s, const char *what, uint64_t max, uint64_t *out);

/*
 * True when Ctrl-C was typed since the last look (other bytes typed meanwhile are dropped): a long
 * command asks between steps and stops cleanly.
 */
bool shell_interrupted(void);

/* The status the previous command line returned (0: success). */
int shell_last_status(void);

/* Read and run commands forever. */
void shell_loop(void);

#endif
