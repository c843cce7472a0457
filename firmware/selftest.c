/* The `selftest` command: runs the in-image tests and prints KTAP-style results. */
#include <stdio.h>
#include <string.h>

#include <selftest.h>
#include <shell.h>

extern const struct selftest __start_selftests[], __stop_selftests[];

static int cmd_selftest(int argc, char **argv)
{
	unsigned total = 0, passed = 0, failed = 0, n = 0;

	if (argc > 2)
		return shell_usage_error(shell_find("selftest"), "too many arguments");
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
		n++;
		printf("# %s\n", t->name);
		r = t->fn();
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
SHELL_CMD(selftest, "selftest", "[NAME]", "run the in-image self tests (KTAP output)", cmd_selftest);

/* The console and parsing paths test themselves too. */
static int selftest_parse(void)
{
	uint64_t v;

	if (!parse_size("16K", &v) || v != 16384 || !parse_size("0x1000", &v) || v != 4096)
		return 1;
	if (parse_size("12Q", &v) || parse_u64("", &v) || parse_u64("18446744073709551616", &v))
		return 1;
	return 0;
}
SELFTEST(parse_numbers, selftest_parse);
