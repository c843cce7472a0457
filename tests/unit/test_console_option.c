/* The console= boot option parser (Linux's earlycon form) and the boot option helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <boot_options.h>
#include <console_select.h>

static void test_good(void **state)
{
	struct console_option o;
	char err[96];

	assert_true(console_option_parse("uart,io,0x2f8,115200", &o, err, sizeof(err)));
	assert_int_equal(o.access, UART_PIO);
	assert_int_equal(o.addr, 0x2f8);
	assert_int_equal(o.baud, 115200);
	assert_true(console_option_parse("uart8250,mmio32,0xfe001000", &o, err, sizeof(err)));
	assert_int_equal(o.access, UART_MMIO32);
	assert_int_equal(o.addr, 0xfe001000u);
	assert_int_equal(o.baud, 115200);
	assert_true(console_option_parse("uart,io,1016,9600n8", &o, err, sizeof(err)));
	assert_int_equal(o.addr, 0x3f8);
	assert_int_equal(o.baud, 9600);
}

static void test_bad(void **state)
{
	static const char *const bad[][2] = {
		{ "ttyS1", "expected uart" },
		{ "uart,io", "expected uart" },
		{ "uart,io,0x2f8,115200,x", "expected uart" },
		{ "pl011,mmio32,0x1000", "not a UART" },
		{ "uart,mmio,0xfe000000", "register access 'mmio'" },
		{ "uart,io,0x2fz", "not a number" },
		{ "uart,io,,115200", "not a number" },
		{ "uart,io,0x10000", "out of range" },
		{ "uart,io,0", "out of range" },
		{ "uart,io,0x2f8,fast", "baud rate 'fast'" },
		{ "uart,io,0x2f8,115200e7", "baud rate" },
		{ "uart,io,0x2f8,-5", "baud rate" },
	};
	struct console_option o = { UART_PIO, 0x3f8, 115200 };
	char err[96];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_false(console_option_parse(bad[i][0], &o, err, sizeof(err)));
		if (!strstr(err, bad[i][1]))
			fail_msg("%s: message '%s' lacks '%s'", bad[i][0], err, bad[i][1]);
		/* Nothing changes on bad input. */
		assert_int_equal(o.addr, 0x3f8);
	}
}

static void test_boot_options(void **state)
{
	char buf[32];

	assert_true(boot_option_flag("a nodebugexit b", "nodebugexit"));
	assert_true(boot_option_flag("nodebugexit", "nodebugexit"));
	assert_false(boot_option_flag("nodebugexitx", "nodebugexit"));
	assert_false(boot_option_flag("xnodebugexit", "nodebugexit"));
	assert_string_equal(
		boot_option_value("x console=uart,io,0x2f8 y", "console", buf, sizeof(buf)),
		"uart,io,0x2f8");
	/* The last one wins, as in Linux. */
	assert_string_equal(boot_option_value("console=a console=b", "console", buf, sizeof(buf)),
			    "b");
	assert_null(boot_option_value("myconsole=a", "console", buf, sizeof(buf)));
	assert_null(boot_option_value("console", "console", buf, sizeof(buf)));
	assert_null(boot_option_value("console=0123456789012345678901234567890123456789", "console",
				      buf, sizeof(buf)));
	assert_string_equal(boot_option_value("console=", "console", buf, sizeof(buf)), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_boot_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
