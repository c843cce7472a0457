/*
 * The state a host test resets before it boots the fake machine again (see
 * mm/include/mm/debug/reboot.h): everything here is zero in a freshly loaded image.
 */
#include <stdbool.h>
#include <string.h>

#include <mm/debug/reboot.h>
#include <mm/highmem.h>
#include <mm/tlbflush.h>
#include <mm/rbtree.h>
#include <mm/vmalloc.h>

#include "../vmalloc_internal.h"

void mm_debug_reboot(void)
{
	vmlist = NULL;
	vm_area_root = RB_ROOT;
	vm_last = NULL;
	vmalloc_linear_search = false;
	vm_purge_root = RB_ROOT;
	lazy_pool_used = 0;
	lazy_free_records = NULL;
	rwlock_init(&vmlist_lock, "vmlist_lock");
	spin_lock_init(&kmap_lock, "kmap_lock");
	spin_debug_clear();
	tlb_stats_reset();
	vmalloc_lazy_max_pages = VMALLOC_LAZY_MAX_PAGES;
	memset(&vmalloc_stats, 0, sizeof(vmalloc_stats));
}
