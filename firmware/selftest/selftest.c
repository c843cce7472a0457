/* The `selftest` command: runs the in-image tests and prints KTAP-style results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mm/heap.h>

#include <selftest.h>
#include <shell.h>

extern const struct selftest __start_selftests[], __stop_selftests[];

static int cmd_selftest(const struct shell_call *call, int argc, char **argv)
{
	unsigned total = 0, passed = 0, failed = 0, n = 0;

	for (const struct selftest *t = __start_selftests; t < __stop_selftests; t++)
		if (argc == 1 || !strcmp(t->name, argv[1]))
			total++;
	if (!total) {
		printf("selftest: no test called '%s'; tests:", argv[1]);
		for (const struct selftest *t = __start_selftests; t < __stop_selftests; t++)
			printf(" %s", t->name);
		printf("\n");
		return 1;
	}
	printf("KTAP version 1\n1..%u\n", total);
	for (const struct selftest *t = __start_selftests; t < __stop_selftests; t++) {
		int r;

		if (argc == 2 && strcmp(t->name, argv[1]))
			continue;
		if (shell_interrupted()) {
			printf("^C\nselftest: stopped by Ctrl-C before %s\n", t->name);
			failed++;
			break;
		}
		n++;
		printf("# %s\n", t->name);
		r = t->fn(t);
		if (r == 0) {
			passed++;
			printf("ok %u %s\n", n, t->name);
		} else {
			failed++;
			printf("not ok %u %s\n", n, t->name);
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
SHELL_CMD(selftest, "selftest", "[NAME]", 0, 1, "run the in-image self tests (KTAP output)", cmd_selftest);

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
