/*
 * Failure injection for the page allocator's unit tests: a test sets fail_next_allocs and installs
 * fail_next in mm/page_alloc.c's should_fail_alloc_page hook, and that many requests fail.
 */
#ifndef TEST_FAIL_ALLOC_H
#define TEST_FAIL_ALLOC_H

#include <stdbool.h>

#include <mm/gfp.h>

static int fail_next_allocs;

/* Fail the request while fail_next_allocs is above zero, counting it down. */
static inline bool fail_next(gfp_t gfp, unsigned order)
{
	(void)gfp;
	(void)order;
	if (fail_next_allocs > 0) {
		fail_next_allocs--;
		return true;
	}
	return false;
}

#endif
