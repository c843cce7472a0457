/*
 * The System V shared memory segments for a person (the `ipcs` command), in the columns of
 * /proc/sysvipc/shm.
 */
#include <stdio.h>

#include <mm/shm.h>

void shm_show(FILE *out)
{
	struct shm_stat st;

	fprintf(out, "       key      shmid       size     nattch   resident\n");
	for (unsigned i = 0; i < SHMMNI; i++)
		if (!shm_stat(i, &st))
			fprintf(out, "%10d %10d %10lu %10lu %10lu%s\n", st.key, st.id, st.size, st.nattch,
				st.resident, st.deleted ? " (deleted)" : "");
}
