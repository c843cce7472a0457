/*
 * The core memory-management library stands alone: this program is linked with every object of
 * mm_host (whole archive) and the fake hal, and without mm_debug_host, so the link fails if any
 * core object uses a symbol of the debug library.  At run time it checks that the failure
 * injection hooks the debug library would install are empty in the core alone.
 */
#include <stdio.h>

#include <mm/page_alloc.h>
#include <mm/slab.h>

int main(void)
{
	if (should_fail_alloc_page || should_fail_slab_alloc) {
		fprintf(stderr, "mm core: a failure-injection hook is set without the debug library\n");
		return 1;
	}
	printf("mm core links and starts without the debug library\n");
	return 0;
}
