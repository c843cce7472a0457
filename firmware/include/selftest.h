/*
 * In-image self tests, run by the `selftest [NAME]` command.  Output is
 * KTAP-style ("ok 3 - name" / "not ok 3 - name # reason") and ends with the
 * line "N passed, N failed".  A file adds a test with SELFTEST(); the runner
 * passes each test its descriptor.
 */
#ifndef FIRMWARE_SELFTEST_H
#define FIRMWARE_SELFTEST_H

struct selftest {
	const char *name;
	/* Run the test, handed its own descriptor; return 0 when it passed, else print "# ..."
	 * diagnostics and return non-zero. */
	int (*fn)(const struct selftest *t);
};

#define SELFTEST(id, fn_)                                                                \
	static const struct selftest __selftest_entry_##id                                       \
		__attribute__((used, section("selftests"), aligned(sizeof(void *)))) = { \
			#id, fn_ }

#endif
