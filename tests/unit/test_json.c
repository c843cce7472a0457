/* The JSON writer of the shell's -j reports: structure, separators and string escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <json.h>

static char buf[4096];
static FILE *out;

static int setup(void **state)
{
	(void)state;
	memset(buf, 0, sizeof(buf));
	out = fmemopen(buf, sizeof(buf), "w");
	return out ? 0 : -1;
}

static const char *text(void)
{
	fflush(out);
	fclose(out);
	return buf;
}

static void nested_members_and_separators(void **state)
{
	struct json_writer w;

	(void)state;
	json_begin(&w, out);
	json_uint(&w, "MemTotal", 3145728);
	json_int(&w, "delta", -5);
	json_bool(&w, "ok", true);
	json_null(&w, "phys");
	json_array(&w, "zones");
	json_object(&w, NULL);
	json_string(&w, "name", "DMA");
	json_array(&w, "free");
	json_uint(&w, NULL, 1);
	json_uint(&w, NULL, 18446744073709551615ull);
	json_end(&w);
	json_end(&w);
	json_object(&w, NULL);
	json_end(&w);
	json_end(&w);
	json_array(&w, "empty");
	json_string(&w, NULL, NULL); /* finish closes what is open */
	assert_int_equal(json_finish(&w), 0);
	assert_string_equal(text(), "{\"MemTotal\":3145728,\"delta\":-5,\"ok\":true,\"phys\":null,"
				    "\"zones\":[{\"name\":\"DMA\",\"free\":[1,18446744073709551615]},{}],"
				    "\"empty\":[null]}\n");
}

static void strings_are_escaped(void **state)
{
	struct json_writer w;

	(void)state;
	json_begin(&w, out);
	json_string(&w, "q\"k", "a\"b\\c\nd\te\x01\x1f\x7f\xc3");
	json_finish(&w);
	assert_string_equal(text(), "{\"q\\\"k\":\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\\u007f\\u00c3\"}\n");
}

static void lines_become_an_array_of_strings(void **state)
{
	struct json_writer w;

	(void)state;
	json_begin(&w, out);
	json_lines(&w, "messages", "layout: \"x\" bad\n\nsecond\tline\nno newline");
	json_lines(&w, "none", "");
	json_finish(&w);
	assert_string_equal(text(), "{\"messages\":[\"layout: \\\"x\\\" bad\",\"second\\tline\",\"no newline\"],"
				    "\"none\":[]}\n");
}

static void nesting_too_deep_is_refused_and_reported(void **state)
{
	struct json_writer w;

	(void)state;
	json_begin(&w, out);
	for (int i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_array(&w, NULL);
	for (int i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_end(&w);
	json_uint(&w, "after", 1);
	assert_int_equal(json_finish(&w), -1);
	/* The outermost object and 7 arrays were opened; the 3 refused opens close nothing. */
	assert_string_equal(text(), "{[[[[[[[]]]]]]],\"after\":1}\n");
}

static void a_value_written_by_the_caller_gets_its_separator_and_key(void **state)
{
	struct json_writer w;

	(void)state;
	json_begin(&w, out);
	json_uint(&w, "a", 1);
	json_key(&w, "hex");
	fputs("\"0a", w.out);
	fputs("ff\"", w.out);
	json_array(&w, "list");
	json_key(&w, NULL);
	fputs("2", w.out);
	json_key(&w, NULL);
	fputs("3", w.out);
	json_end(&w);
	assert_int_equal(json_finish(&w), 0);
	assert_string_equal(text(), "{\"a\":1,\"hex\":\"0aff\",\"list\":[2,3]}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(nested_members_and_separators, setup),
		cmocka_unit_test_setup(strings_are_escaped, setup),
		cmocka_unit_test_setup(lines_become_an_array_of_strings, setup),
		cmocka_unit_test_setup(nesting_too_deep_is_refused_and_reported, setup),
		cmocka_unit_test_setup(a_value_written_by_the_caller_gets_its_separator_and_key, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
