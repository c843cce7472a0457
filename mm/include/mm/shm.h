/*
 * System V shared memory: a segment is an inode whose address_space holds
 * its pages; shmat() maps it as a shared region whose fault operation takes
 * the page from the segment (allocating a zeroed one the first time), so
 * every attachment maps the same physical pages.  A segment marked with
 * IPC_RMID goes away with its last detach.
 */
#ifndef MM_SHM_H
#define MM_SHM_H

#include <stdio.h>

#include <mm/mm_types.h>

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_RMID 0
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000 /* shmat: replace what is mapped at the address (else -EINVAL) */

#define SHMMNI 32
#define SHMMIN 1u
#define SHMMAX (32u << 20)
#define SHMLBA PAGE_SIZE

/* shmget(2): the id of the segment with key (creating it with IPC_CREAT), or -errno. */
int shm_get(int key, unsigned long size, int shmflg, int uid);

/* shmat(2): map segment shmid into mm at addr (0: anywhere); the address or -errno (as unsigned
 * long). */
unsigned long shm_at(struct mm_struct *mm, int shmid, vaddr_t addr, int shmflg);

/* shmdt(2): unmap the attachment that starts at addr; 0 or -errno. */
int shm_dt(struct mm_struct *mm, vaddr_t addr);

/* shmctl(shmid, IPC_RMID): destroy the segment now, or at its last detach; 0 or -errno. */
int shm_rmid(int shmid);

/* What one segment slot holds, for the report (shm_show). */
struct shm_stat {
	int key, id;
	unsigned long size;
	unsigned long nattch;
	unsigned long resident; /* pages in the segment's page cache */
	bool deleted;           /* IPC_RMID done, waiting for the last detach */
};

/* Fill st with segment slot slot (0 to SHMMNI - 1); 0, or -ENOENT when the slot is unused. */
int shm_stat(unsigned slot, struct shm_stat *st);

/* Print the segments as /proc/sysvipc/shm does (key, shmid, size, nattch, resident pages). */
void shm_show(FILE *out);

/* Segments in existence. */
unsigned shm_count(void);

/* Forget every segment (host tests, after a new mm_init()). */
void shm_init(void);

#endif
