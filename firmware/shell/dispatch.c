/*
 * Dispatch of one command line: find the descriptor by its base name, strip
 * and check the width suffix, pick the subcommand, check the argument
 * counts, and only then call the handler.  Every refusal names the command
 * as typed and prints the usage of the descriptor it was checked against.
 * No hardware and no linker sections here, so the host tests run it.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json.h>
#include <parse.h>

#include "internal.h"

#define USAGE_INDENT "       " /* lines up continuation lines under "usage: " */

static const struct {
	char suffix;
	unsigned flag, bytes;
	const char *what;
} widths[] = {
	{ 'b', SHELL_WIDTH_B, 1, "8-bit bytes" },
	{ 'w', SHELL_WIDTH_W, 2, "16-bit words" },
	{ 'l', SHELL_WIDTH_L, 4, "32-bit words" },
};

/* The width flag and size named by suffix (the text after the dot); 0 if it names none. */
static unsigned width_flag(const char *suffix, unsigned *bytes)
{
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		if (suffix[0] == widths[i].suffix && suffix[1] == '\0') {
			*bytes = widths[i].bytes;
			return widths[i].flag;
		}
	return 0;
}

const struct shell_cmd *shell_table_find(const struct shell_cmd *begin, const struct shell_cmd *end,
					 const char *word, unsigned *width)
{
	const char *dot = strchr(word, '.');
	size_t len = dot ? (size_t)(dot - word) : strlen(word);

	*width = 0;
	for (const struct shell_cmd *c = begin; c < end; c++) {
		if (strncmp(c->name, word, len) || c->name[len] != '\0')
			continue;
		if (!dot)
			return c;
		/* A command without suffixes does not answer to "name.anything". */
		if (!c->widths)
			return NULL;
		if (!(width_flag(dot + 1, width) & c->widths))
			*width = -1u;
		return c;
	}
	return NULL;
}

/* "md[.b|.w|.l]" or "pages alloc": the name a usage line starts with. */
static void print_name(const struct shell_cmd *cmd, const struct shell_cmd *parent)
{
	if (parent)
		printf("%s ", parent->name);
	printf("%s", cmd->name);
	if (cmd->widths) {
		const char *sep = "[";

		for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
			if (cmd->widths & widths[i].flag) {
				printf("%s.%c", sep, widths[i].suffix);
				sep = "|";
			}
		printf("]");
	}
}

static void print_usage_line(const char *lead, const struct shell_cmd *cmd, const struct shell_cmd *parent)
{
	fputs(lead, stdout);
	print_name(cmd, parent);
	printf("%s%s\n", cmd->usage[0] ? " " : "", cmd->usage);
}

void shell_print_usage(const struct shell_cmd *cmd, const struct shell_cmd *parent)
{
	const char *lead = "usage: ";

	if (cmd->fn || !cmd->subs) {
		print_usage_line(lead, cmd, parent);
		lead = USAGE_INDENT;
	}
	for (const struct shell_cmd *s = cmd->subs; s && s->name; s++) {
		print_usage_line(lead, s, cmd);
		lead = USAGE_INDENT;
	}
}

/* True when the usage of cmd or of one of its subcommands names the argument word. */
static bool usage_names(const struct shell_cmd *cmd, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmd->usage; (p = strstr(p, word)) != NULL; p += n)
		if ((p == cmd->usage || !isupper((unsigned char)p[-1])) && !isupper((unsigned char)p[n]))
			return true;
	for (const struct shell_cmd *s = cmd->subs; s && s->name; s++)
		if (usage_names(s, word))
			return true;
	return false;
}

/* The line of `help CMD` that says how the command's numbers are written. */
static void print_number_forms(const struct shell_cmd *cmd)
{
	static const char *const addrs[] = { "ADDR", "PHYS", "PFN", "START", "END" };
	static const char *const counts[] = { "COUNT", "SIZE" };
	const char *sep = "  ";
	bool any = false;

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		if (usage_names(cmd, addrs[i])) {
			printf("%s%s", sep, addrs[i]);
			sep = "/";
			any = true;
		}
	if (any)
		printf(" hex, 0x optional");
	sep = any ? "; " : "  ";
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (usage_names(cmd, counts[i])) {
			printf("%s%s", sep, counts[i]);
			sep = "/";
			any = true;
		}
	if (sep[0] == '/')
		printf(" decimal with K/M/G, or 0x-hex");
	if (any)
		printf("\n");
}

void shell_print_help(const struct shell_cmd *cmd)
{
	shell_print_usage(cmd, NULL);
	printf("  %s\n", cmd->summary);
	print_number_forms(cmd);
	for (const struct shell_cmd *s = cmd->subs; s && s->name; s++)
		printf("    %-10s %s\n", s->name, s->summary);
	if (cmd->widths) {
		const char *sep = "  suffixes: ";

		for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
			if (cmd->widths & widths[i].flag) {
				printf("%s.%c %s", sep, widths[i].suffix, widths[i].what);
				sep = ", ";
			}
		printf(" (no suffix: 32-bit words)\n");
	}
}

int shell_usage_error(const struct shell_call *call, const char *message)
{
	printf("%s: %s\n", call->name, message);
	shell_print_usage(call->cmd, call->parent);
	return SHELL_STATUS_USAGE;
}

int shell_json_flag(const struct shell_call *call, int argc, char **argv, bool *json)
{
	*json = argc == 2 && !strcmp(argv[1], "-j");
	if (argc > 2 || (argc == 2 && !*json))
		return shell_usage_error(call, "the only option is -j (one JSON object on one line)");
	return 0;
}

int shell_report(const struct shell_call *call, int argc, char **argv, void (*show)(FILE *),
		 void (*json_fn)(struct json_writer *))
{
	struct json_writer w;
	bool json;
	int st = shell_json_flag(call, argc, argv, &json);

	if (st)
		return st;
	if (!json) {
		show(stdout);
		return SHELL_STATUS_OK;
	}
	json_begin(&w, stdout);
	json_fn(&w);
	return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
}

int shell_arg_addr(const struct shell_call *call, const char *s, const char *what, uint64_t max, uint64_t *out)
{
	char why[160];

	return parse_addr(s, what, max, out, why, sizeof(why)) ? 0 : shell_usage_error(call, why);
}

int shell_arg_pfn(const struct shell_call *call, const char *s, const char *what, uint32_t *out)
{
	char why[160];

	return parse_pfn(s, what, out, why, sizeof(why)) ? 0 : shell_usage_error(call, why);
}

int shell_arg_count(const struct shell_call *call, const char *s, const char *what, uint64_t max, uint64_t *out)
{
	char why[160];

	return parse_count(s, what, max, out, why, sizeof(why)) ? 0 : shell_usage_error(call, why);
}

/* Refuse a word count outside the descriptor's [min_args, max_args] (SHELL_STATUS_USAGE); 0 when it fits. */
static int check_counts(const struct shell_call *call, int nargs)
{
	const struct shell_cmd *c = call->cmd;
	char why[80];

	if (nargs > c->max_args) {
		if (c->max_args == 0)
			return shell_usage_error(call, "takes no arguments");
		snprintf(why, sizeof(why), "too many arguments (takes %s%d)",
			 c->min_args == c->max_args ? "" : "at most ", c->max_args);
		return shell_usage_error(call, why);
	}
	if (nargs < c->min_args) {
		snprintf(why, sizeof(why), "too few arguments (takes %s%d)",
			 c->min_args == c->max_args ? "" : "at least ", c->min_args);
		return shell_usage_error(call, why);
	}
	return 0;
}

int shell_dispatch(const struct shell_cmd *begin, const struct shell_cmd *end, int argc, char **argv,
		   shell_run_fn run)
{
	struct shell_call call = { .name = argv[0] };
	char why[80];

	call.cmd = shell_table_find(begin, end, argv[0], &call.width);
	if (!call.cmd) {
		printf("unknown command '%s': type 'help' for a list\n", argv[0]);
		return SHELL_STATUS_UNKNOWN;
	}
	if (call.width == -1u) {
		snprintf(why, sizeof(why), "unknown width suffix '%s'", strchr(argv[0], '.'));
		return shell_usage_error(&call, why);
	}
	/* A word starting with '-' ("acpi -j") is an option of the command itself, when it has a
	 * handler of its own, not a subcommand. */
	if (call.cmd->subs && argc > 1 && !(call.cmd->fn && argv[1][0] == '-')) {
		const struct shell_cmd *s = call.cmd->subs;

		while (s->name && strcmp(s->name, argv[1]))
			s++;
		if (!s->name) {
			snprintf(why, sizeof(why), "unknown subcommand '%.40s'", argv[1]);
			return shell_usage_error(&call, why);
		}
		call.parent = call.cmd;
		call.cmd = s;
		argc--;
		argv++;
	} else if (call.cmd->subs && !call.cmd->fn) {
		return shell_usage_error(&call, "which subcommand?");
	}
	if (check_counts(&call, argc - 1))
		return SHELL_STATUS_USAGE;
	return run(&call, argc, argv);
}
