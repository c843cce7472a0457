/* Numbers, sizes and word splitting on the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <parse.h>
#include <shell.h>

static void numbers(void **state)
{
	uint64_t v = 7;
	uint32_t w = 7;

	(void)state;
	assert_true(parse_u64("0", &v) && v == 0);
	assert_true(parse_u64("4096", &v) && v == 4096);
	assert_true(parse_u64("0xC0000000", &v) && v == 0xc0000000u);
	assert_true(parse_u64("0xffffffffffffffff", &v) && v == UINT64_MAX);
	assert_true(parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
	v = 7;
	assert_false(parse_u64("18446744073709551616", &v));
	assert_false(parse_u64("0x10000000000000000", &v));
	assert_false(parse_u64("", &v));
	assert_false(parse_u64("0x", &v));
	assert_false(parse_u64("12a", &v));
	assert_false(parse_u64("-1", &v));
	assert_false(parse_u64(" 1", &v));
	assert_false(parse_u64(NULL, &v));
	assert_int_equal(v, 7);
	assert_true(parse_u32("0xffffffff", &w) && w == UINT32_MAX);
	w = 7;
	assert_false(parse_u32("0x100000000", &w));
	assert_int_equal(w, 7);
}

static void sizes(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_true(parse_size("4096", &v) && v == 4096);
	assert_true(parse_size("4k", &v) && v == 4096);
	assert_true(parse_size("16K", &v) && v == 16384);
	assert_true(parse_size("3M", &v) && v == 3u << 20);
	assert_true(parse_size("1G", &v) && v == 1u << 30);
	assert_true(parse_size("0x1000", &v) && v == 4096);
	v = 7;
	assert_false(parse_size("K", &v));
	assert_false(parse_size("1T", &v));
	assert_false(parse_size("1KK", &v));
	assert_false(parse_size("0x1K", &v));
	assert_false(parse_size("17179869184G", &v));
	assert_false(parse_size("", &v));
	assert_false(parse_size("123456789012345678901234567890", &v));
	assert_int_equal(v, 7);
}

static void splitting(void **state)
{
	char line[] = "  md.l \t 0xc0000000   16  ";
	char many[] = "a b c d e";
	char empty[] = "   ";
	char *argv[4];

	(void)state;
	assert_int_equal(shell_split(line, argv, 4), 3);
	assert_string_equal(argv[0], "md.l");
	assert_string_equal(argv[1], "0xc0000000");
	assert_string_equal(argv[2], "16");
	assert_int_equal(shell_split(many, argv, 4), -1);
	assert_int_equal(shell_split(empty, argv, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers),
		cmocka_unit_test(sizes),
		cmocka_unit_test(splitting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
