/* The `selftest` command: runs the in-image tests and prints KTAP-style results. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mm/heap.h>

#include <json.h>
#include <sbrk_quiet.h>
#include <selftest.h>
#include <shell.h>

extern const struct selftest __start_selftests[], __stop_selftests[];

/* Diagnostics of a -j run ("# ..." lines), listed per test in its one line instead of printed. */
static char diagnostics[16384];

/* One test of a -j run: where its diagnostics start and end in diagnostics[]. */
struct result {
	const struct selftest *t;
	bool ok;
	long from, to;
};

/* Write the results of a -j run; the diagnostics of each test as a list of lines. */
static void selftest_json(const struct result *res, unsigned n, unsigned total, unsigned passed,
			  unsigned failed, bool stopped, bool truncated)
{
	struct json_writer w;

	json_begin(&w, stdout);
	json_uint(&w, "total", total);
	json_uint(&w, "passed", passed);
	json_uint(&w, "failed", failed);
	json_bool(&w, "stopped", stopped);
	json_bool(&w, "truncated", truncated);
	json_array(&w, "tests");
	for (unsigned i = 0; i < n; i++) {
		char keep = diagnostics[res[i].to];

		json_object(&w, NULL);
		json_uint(&w, "n", i + 1);
		json_string(&w, "name", res[i].t->name);
		json_bool(&w, "ok", res[i].ok);
		diagnostics[res[i].to] = '\0';
		json_lines(&w, "diagnostics", diagnostics + res[i].from);
		diagnostics[res[i].to] = keep;
		json_end(&w);
	}
	json_end(&w);
	json_finish(&w);
}

static int cmd_selftest(const struct shell_call *call, int argc, char **argv)
{
	static struct result res[256];
	unsigned total = 0, passed = 0, failed = 0, n = 0;
	bool json = argc > 1 && !strcmp(argv[argc - 1], "-j"), stopped = false;
	const char *name;
	FILE *saved = stdout, *sink = NULL;

	argc -= json;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return shell_usage_error(call, "NAME is a test's name; the only option is -j");
	name = argc == 2 ? argv[1] : NULL;
	for (const struct selftest *t = __start_selftests; t < __stop_selftests; t++)
		if (!name || !strcmp(t->name, name))
			total++;
	if (!total) {
		printf("selftest: no test called '%s'; tests:", name);
		for (const struct selftest *t = __start_selftests; t < __stop_selftests; t++)
			printf(" %s", t->name);
		printf("\n");
		return 1;
	}
	if (json) {
		memset(diagnostics, 0, sizeof(diagnostics));
		sink = fmemopen(diagnostics, sizeof(diagnostics) - 1, "w");
		if (!sink || total > sizeof(res) / sizeof(res[0])) {
			if (sink)
				fclose(sink);
			printf("selftest: no room for the -j report of %u tests\n", total);
			return 1;
		}
		setvbuf(sink, NULL, _IONBF, 0);
		stdout = sink;
		sbrk_take_quiet_refusals();
		sbrk_set_quiet(true);
	} else {
		printf("KTAP version 1\n1..%u\n", total);
	}
	for (const struct selftest *t = __start_selftests; t < __stop_selftests; t++) {
		int r;

		if (name && strcmp(t->name, name))
			continue;
		if (shell_interrupted()) {
			if (!json)
				printf("^C\nselftest: stopped by Ctrl-C before %s\n", t->name);
			stopped = true;
			failed++;
			break;
		}
		n++;
		if (json) {
			res[n - 1].t = t;
			res[n - 1].from = ftell(sink);
		} else {
			printf("# %s\n", t->name);
		}
		r = t->fn(t);
		if (r == 0)
			passed++;
		else
			failed++;
		if (json) {
			/* The heap's refusals, held back from the console, end the test's lines. */
			for (unsigned i = sbrk_take_quiet_refusals(); i; i--)
				fputs(SBRK_REFUSAL_MESSAGE, sink);
			fflush(sink);
			res[n - 1].ok = r == 0;
			res[n - 1].to = ftell(sink);
		} else {
			printf("%s %u %s\n", r == 0 ? "ok" : "not ok", n, t->name);
		}
	}
	if (!json) {
		printf("%u passed, %u failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	sbrk_set_quiet(false);
	stdout = saved;
	fclose(sink);
	selftest_json(res, n, total, passed, failed, stopped,
		      n && res[n - 1].to >= (long)sizeof(diagnostics) - 1);
	return failed ? 1 : 0;
}
SHELL_CMD(selftest, "selftest", "[NAME] [-j]", 0, 2,
	  "run the in-image self tests (KTAP output; -j: one JSON object with each result)",
	  cmd_selftest);

/* The console and parsing paths test themselves too. */
static int selftest_parse(const struct selftest *t)
{
	uint64_t v;

	if (!parse_size("16K", &v) || v != 16384 || !parse_size("0x1000", &v) || v != 4096)
		return 1;
	if (parse_size("12Q", &v) || parse_u64("", &v) || parse_u64("18446744073709551616", &v))
		return 1;
	return 0;
}
SELFTEST(parse_numbers, selftest_parse);

/*
 * newlib's malloc grows through sbrk into the bounded heap arena; running it dry fails cleanly and
 * frees restore it.
 */
static int selftest_newlib_heap(const struct selftest *t)
{
	enum { CHUNK = 64 * 1024, MAX_CHUNKS = 1024 };
	static void *chunks[MAX_CHUNKS];
	vaddr_t start, brk, end;
	unsigned n = 0;
	int bad = 0;
	void *again;

	mm_heap_range(&start, &brk, &end);
	printf("# heap arena [%#lx, %#lx), break at %#lx; one refusal message follows on purpose\n",
	       (unsigned long)start, (unsigned long)end, (unsigned long)brk);
	while (n < MAX_CHUNKS && (chunks[n] = malloc(CHUNK)) != NULL) {
		memset(chunks[n], (int)n, CHUNK);
		n++;
	}
	if (n == MAX_CHUNKS || n < (end - start) / CHUNK / 2) {
		printf("# %u chunks of %u bytes before malloc failed; expected the arena to run out near %lu\n", n,
		       (unsigned)CHUNK, (unsigned long)((end - start) / CHUNK));
		bad = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *p = chunks[i];

		if (p[0] != (unsigned char)i || p[CHUNK - 1] != (unsigned char)i)
			bad = 1;
		free(chunks[i]);
	}
	again = malloc(CHUNK);
	if (!again)
		bad = 1;
	free(again);
	printf("# %u chunks of 64 KiB allocated, checked and freed\n", n);
	return bad;
}
SELFTEST(newlib_heap, selftest_newlib_heap);
