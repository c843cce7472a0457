/*
 * Shell commands.  Each command is a struct shell_cmd placed in the
 * "shell_cmds" section by SHELL_CMD(), so a file adds its commands without
 * touching a central table; the shell sorts them by name for `help`.
 */
#ifndef FIRMWARE_SHELL_H
#define FIRMWARE_SHELL_H

#include <stdbool.h>
#include <stdint.h>

#define SHELL_MAX_ARGS 16

struct shell_cmd {
	const char *name;
	const char *usage;   /* arguments, e.g. "ADDR [COUNT]"; "" for none */
	const char *summary; /* one line for `help` */
	/* Run the command; return 0 on success, non-zero after printing why it failed. */
	int (*fn)(int argc, char **argv);
};

#define SHELL_CMD(id, name_, usage_, summary_, fn_)                                       \
	static const struct shell_cmd __shell_cmd_entry_##id                                      \
		__attribute__((used, section("shell_cmds"), aligned(sizeof(void *)))) = { \
			name_, usage_, summary_, fn_ }

/* The command called name, or NULL. */
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

/* Print "CMD: MESSAGE" and the usage line of cmd, and return 1 (for argument errors). */
int shell_usage_error(const struct shell_cmd *cmd, const char *message);

/* Read and run commands forever. */
void shell_loop(void);

#endif
