/* The system calls of highmem for user programs, beyond what newlib declares. */
#ifndef HIGHMEM_USER_H
#define HIGHMEM_USER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 1
#define MAP_PRIVATE 2
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED ((void *)-1)
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_RMID 0
#define WNOHANG 1

/* What hm_stat() reports about the caller. */
#define HM_SHARED_ANON 0 /* anonymous pages shared with another address space */
#define HM_FREE_PAGES 1  /* free page frames of the machine */
#define HM_SLAB_OBJS 2   /* kmem cache objects in use */
#define HM_RSS 3         /* pages present in the caller's page tables */
#define HM_PFN 4         /* the frame mapped at arg */
#define HM_MM_OBJS 5     /* regions, mms, anon_vmas and files in existence */
#define HM_MAPCOUNT 6    /* page-table entries that map the frame at arg */
#define HM_CPU 7         /* the number of the CPU running the caller */

/* The raw system call: the result, or -errno. */
long hm_syscall(long nr, long a, long b, long c, long d, long e, long f);

int open(const char *path, int flags, ...);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, long offset);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...);
int brk(void *addr);
int fork(void);
int waitpid(int pid, int *status, int options);
int kill(int pid, int sig);
int execve(const char *path, char *const argv[], char *const envp[]);
int sched_yield(void);
int msleep(unsigned ms);
int shmget(int key, size_t size, int flags);
void *shmat(int id, const void *addr, int flags);
int shmdt(const void *addr);
int shmctl(int id, int cmd, void *buf);
long hm_stat(int what, unsigned long arg);
int hm_thread(int (*fn)(void *), void *arg, void *stack_top);

#endif
