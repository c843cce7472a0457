/*
 * Copies between the kernel and the current task's user memory.  They go
 * through access_process_vm(), which checks every page against its region
 * (so a kernel-only PROT_NONE page or a read-only one is refused as the
 * task itself would be), faults pages in, and reaches them through
 * kmap_atomic: the kernel never dereferences a user pointer, so no fault
 * can happen in the kernel on a bad one and no fixup is needed.
 *
 * SMAP: for the same reason these helpers need no hal_user_access_begin/
 * end (stac/clac) bracket -- every byte is copied through a kmap_atomic
 * fixmap address, a supervisor page, never through the user mapping.
 * Nothing else in the kernel touches user virtual addresses either (the
 * ELF loader, the syscalls and shm all go through access_process_vm), so
 * with SMAP on a stray dereference of a user pointer faults, and since
 * every kernel entry clears EFLAGS.AC (hal/i386/entry.S) a task cannot
 * open that window for the kernel.  A future helper that copies through
 * the user address itself (a fast path) must bracket the copy with
 * hal_user_access_begin/end and an exception-table fixup.
 */
#include <errno.h>

#include <mm/memory.h>
#include <mm/mman.h>

#include <task.h>

int copy_from_user(void *dst, uint32_t src, uint32_t n)
{
	if (!current->mm || src >= TASK_SIZE || n > TASK_SIZE - src)
		return -EFAULT;
	return access_process_vm(current->mm, src, dst, n, false) == n ? 0 : -EFAULT;
}

int copy_to_user(uint32_t dst, const void *src, uint32_t n)
{
	if (!current->mm || dst >= TASK_SIZE || n > TASK_SIZE - dst)
		return -EFAULT;
	return access_process_vm(current->mm, dst, (void *)(uintptr_t)src, n, true) == n ? 0 : -EFAULT;
}

int strncpy_from_user(char *dst, uint32_t src, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++) {
		if (copy_from_user(&dst[i], src + i, 1))
			return -EFAULT;
		if (!dst[i])
			return (int)i;
	}
	return -ENAMETOOLONG;
}
