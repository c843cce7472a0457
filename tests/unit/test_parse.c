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

/* Addresses and frame numbers are hex with or without 0x, as U-Boot reads them. */
static void addresses(void **state)
{
	char why[160];
	uint64_t v = 7;
	uint32_t pfn = 7;

	(void)state;
	assert_true(parse_addr("f8800000", "ADDR", UINT32_MAX, &v, why, sizeof(why)) && v == 0xf8800000u);
	assert_true(parse_addr("0xf8800000", "ADDR", UINT32_MAX, &v, why, sizeof(why)) && v == 0xf8800000u);
	assert_true(parse_addr("0XC0100000", "ADDR", UINT32_MAX, &v, why, sizeof(why)) && v == 0xc0100000u);
	assert_true(parse_addr("100", "ADDR", UINT32_MAX, &v, why, sizeof(why)) && v == 0x100);
	assert_true(parse_addr("0", "ADDR", UINT32_MAX, &v, why, sizeof(why)) && v == 0);
	assert_true(parse_addr("150000000", "PHYS", UINT64_MAX, &v, why, sizeof(why)) && v == 0x150000000ull);
	assert_true(parse_addr("ffffffffffffffff", "PHYS", UINT64_MAX, &v, why, sizeof(why)) && v == UINT64_MAX);
	assert_true(parse_pfn("40000", "PFN", &pfn, why, sizeof(why)) && pfn == 0x40000);
	v = 7;
	pfn = 7;
	/* An address with a size suffix: refused, with the hex to write instead. */
	assert_false(parse_addr("16K", "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_string_equal(why, "ADDR '16K' has a size suffix: addresses are hex, 0x optional, without K/M/G "
				 "(write 0x4000)");
	assert_false(parse_addr("0x10M", "PHYS", UINT64_MAX, &v, why, sizeof(why)));
	assert_non_null(strstr(why, "(write 0x1000000)"));
	assert_false(parse_addr("1fG", "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_non_null(strstr(why, "size suffix"));
	assert_false(parse_addr("zz", "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_string_equal(why, "ADDR 'zz' is not a hex number: addresses are hex, 0x optional "
				 "(f8800000 or 0xf8800000)");
	assert_false(parse_addr("0x", "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_addr("-1", "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_addr(" 1", "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_addr("", "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_string_equal(why, "ADDR is missing: write it in hex, 0x optional");
	assert_false(parse_addr(NULL, "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_addr("100000000", "ADDR", UINT32_MAX, &v, why, sizeof(why)));
	assert_string_equal(why, "ADDR '100000000' is too large (at most 0xffffffff)");
	assert_false(parse_addr("10000000000000000", "PHYS", UINT64_MAX, &v, why, sizeof(why)));
	assert_false(parse_pfn("100000000", "PFN", &pfn, why, sizeof(why)));
	assert_false(parse_pfn("4K", "PFN", &pfn, why, sizeof(why)));
	assert_string_equal(why, "PFN '4K' has a size suffix: frame numbers are hex, 0x optional, without K/M/G "
				 "(write 0x1000)");
	assert_false(parse_pfn("pfn", "PFN", &pfn, why, sizeof(why)));
	assert_string_equal(why, "PFN 'pfn' is not a hex number: frame numbers are hex, 0x optional "
				 "(40000 or 0x40000)");
	assert_int_equal(v, 7);
	assert_int_equal(pfn, 7);
	/* A short buffer gets a truncated, terminated message. */
	assert_false(parse_addr("zz", "ADDR", UINT32_MAX, &v, why, 8));
	assert_string_equal(why, "ADDR 'z");
}

/* Counts and sizes are decimal with K/M/G, or 0x-hex; what mixes the two is refused. */
static void counts(void **state)
{
	char why[160];
	uint64_t v = 7;

	(void)state;
	assert_true(parse_count("100", "COUNT", UINT32_MAX, &v, why, sizeof(why)) && v == 100);
	assert_true(parse_count("16K", "SIZE", UINT32_MAX, &v, why, sizeof(why)) && v == 16384);
	assert_true(parse_count("2m", "SIZE", UINT32_MAX, &v, why, sizeof(why)) && v == 2u << 20);
	assert_true(parse_count("3G", "SIZE", UINT32_MAX, &v, why, sizeof(why)) && v == 3ull << 30);
	assert_true(parse_count("0x2000", "SIZE", UINT32_MAX, &v, why, sizeof(why)) && v == 0x2000);
	assert_true(parse_count("0xffffffff", "SIZE", UINT32_MAX, &v, why, sizeof(why)) && v == UINT32_MAX);
	v = 7;
	assert_false(parse_count("0x10K", "SIZE", UINT32_MAX, &v, why, sizeof(why)));
	assert_string_equal(why, "SIZE '0x10K' mixes 0x-hex and a K/M/G suffix: write 16K or 0x4000");
	assert_false(parse_count("1f", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_string_equal(why, "COUNT '1f' is decimal here: write 0x1f for hex");
	assert_false(parse_count("abc", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_non_null(strstr(why, "write 0xabc for hex"));
	assert_false(parse_count("zz", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_string_equal(why, "COUNT 'zz' is not a number: write it in decimal (K/M/G allowed) or 0x-hex");
	assert_false(parse_count("0xzz", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("0x", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("K", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("1KK", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("1T", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("-1", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("", "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count(NULL, "COUNT", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("4G", "SIZE", UINT32_MAX, &v, why, sizeof(why)));
	assert_string_equal(why, "SIZE '4G' is too large (at most 4294967295)");
	assert_false(parse_count("0x100000000", "SIZE", UINT32_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("17179869184G", "SIZE", UINT64_MAX, &v, why, sizeof(why)));
	assert_false(parse_count("18446744073709551616", "COUNT", UINT64_MAX, &v, why, sizeof(why)));
	assert_int_equal(v, 7);
}

/* ';' separates commands; every one is cut off in turn, empty ones included. */
static void separators(void **state)
{
	char line[] = "md 100 4; echo $? ;;status";
	char one[] = "meminfo -j";
	char *rest;
	char *second, *third, *fourth;

	(void)state;
	rest = shell_next_command(line);
	assert_string_equal(line, "md 100 4");
	assert_string_equal(rest, " echo $? ;;status");
	second = rest;
	third = shell_next_command(second);
	assert_string_equal(second, " echo $? ");
	assert_string_equal(third, ";status");
	fourth = shell_next_command(third);
	assert_string_equal(third, "");
	assert_string_equal(fourth, "status");
	assert_null(shell_next_command(fourth));
	assert_null(shell_next_command(one));
	assert_string_equal(one, "meminfo -j");
}

/* "$?" becomes the previous status; anything else is copied as it is. */
static void status_expansion(void **state)
{
	char out[32];

	(void)state;
	assert_true(shell_expand_status("echo $?", 0, out, sizeof(out)));
	assert_string_equal(out, "echo 0");
	assert_true(shell_expand_status("echo $? x$?y $ ? ?$", 127, out, sizeof(out)));
	assert_string_equal(out, "echo 127 x127y $ ? ?$");
	assert_true(shell_expand_status("$?$?", -1, out, sizeof(out)));
	assert_string_equal(out, "-1-1");
	assert_true(shell_expand_status("", 2, out, sizeof(out)));
	assert_string_equal(out, "");
	assert_true(shell_expand_status("$", 2, out, sizeof(out)));
	assert_string_equal(out, "$");
	/* Exactly full fits; one more does not, and the copy stays terminated. */
	assert_true(shell_expand_status("$?", 127, out, 4));
	assert_string_equal(out, "127");
	assert_false(shell_expand_status("$?", 127, out, 3));
	assert_false(shell_expand_status("x$?", 1000, out, 4));
	assert_string_equal(out, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers),
		cmocka_unit_test(sizes),
		cmocka_unit_test(splitting),
		cmocka_unit_test(addresses),
		cmocka_unit_test(counts),
		cmocka_unit_test(separators),
		cmocka_unit_test(status_expansion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
