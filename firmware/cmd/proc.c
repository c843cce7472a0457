/*
 * Shell commands for processes: run, ps, kill, maps, rmap, upt, ipcs, ls.
 * `run` in the foreground hands typed bytes to the task (its read() of
 * fd 0) and turns Ctrl-C into a kill; while it waits the shell sits in hlt,
 * which is where the scheduler lets user tasks run.
 */
#include <stdio.h>
#include <string.h>

#include <console.h>
#include <hal/mmu.h>
#include <hal/x86.h>
#include <json.h>
#include <mm/debug/bench_mm.h>
#include <mm/fs.h>
#include <mm/page_alloc.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/debug/ptdump.h>
#include <mm/region.h>
#include <mm/rmap.h>
#include <mm/shm.h>
#include <pt_json.h>
#include <shell.h>

#include <task.h>

static void print_status(int pid, const char *comm, int status)
{
	if (status & 0x7f)
		printf("[%d] %s killed by signal %d\n", pid, comm, status & 0x7f);
	else
		printf("[%d] %s exited with status %d\n", pid, comm, (status >> 8) & 0xff);
}

static int cmd_run(const struct shell_call *call, int argc, char **argv)
{
	bool bg = argc > 2 && !strcmp(argv[argc - 1], "&");
	char comm[TASK_COMM_LEN];
	int pid, status = 0;

	proc_init();
	if (bg)
		argc--;
	pid = task_spawn(argv[1], argc - 1, argv + 1, bg);
	if (pid < 0) {
		printf("run: %s: %s\n", argv[1], pid == -ENOENT ? "no such program (see ls)" :
					       pid == -ENOEXEC ? "not an i386 ELF executable" :
					       pid == -EAGAIN ? "too many tasks" : "out of memory");
		return 1;
	}
	if (bg) {
		printf("[%d] %s\n", pid, argv[1]);
		return 0;
	}
	snprintf(comm, sizeof(comm), "%s", find_task(pid)->comm);
	foreground_pid = pid;
	for (;;) {
		int c = console_trygetc(), r;

		if (c == 3) {
			printf("^C\n");
			task_kill(pid, SIGINT);
		} else if (c >= 0) {
			tty_putc((char)c);
		}
		r = do_waitpid(pid, &status, 1);
		if (r == pid)
			break;
		if (r < 0) {
			printf("run: lost task %d\n", pid);
			foreground_pid = 0;
			return 1;
		}
		irq_disable();
		if (find_task(pid)->state == TASK_RUNNING) {
			/*
			 * "sti; hlt" is atomic: the next interrupt (a tick lets the task run) wakes
			 * us.
			 */
			kernel_unlock(); /* idle: the task may need it on another CPU */
			__asm__ volatile("sti; hlt" ::: "memory");
			kernel_lock();
		} else {
			irq_enable();
		}
	}
	foreground_pid = 0;
	print_status(pid, comm, status);
	return status != 0;
}
SHELL_CMD(run, "run", "PROG [ARGS] [&]", 1, SHELL_ARGS_ANY,
	  "run a program from the boot modules (Ctrl-C kills it; & in the background)", cmd_run);

/* The ps state letter of t: Z(ombie), R(unning on a CPU) or S(leeping/runnable). */
static char ps_state(const struct task *t)
{
	return t->state == TASK_ZOMBIE ? 'Z' : t->running_on ? 'R' : 'S';
}

/* The task table as `ps -j` writes it: the columns of ps, one object per task. */
static void ps_json(struct json_writer *w)
{
	char state[2] = { 0, 0 };

	json_array(w, "tasks");
	for (unsigned i = 0; i < NR_TASKS; i++) {
		struct task *t = &tasks[i];

		if (t->state == TASK_UNUSED)
			continue;
		state[0] = ps_state(t);
		json_object(w, NULL);
		json_int(w, "pid", t->pid);
		json_int(w, "ppid", t->ppid);
		json_string(w, "state", state);
		json_uint(w, "ticks", t->ticks);
		json_uint(w, "vsz_kb", t->mm ? t->mm->total_vm * 4 : 0);
		json_uint(w, "rss_kb", t->mm ? t->mm->rss * 4 : 0);
		json_string(w, "command", i ? t->comm : "[shell]");
		json_bool(w, "thread", t->thread);
		json_end(w);
	}
	json_end(w);
}

static int cmd_ps(const struct shell_call *call, int argc, char **argv)
{
	bool json;
	int bad;

	if ((bad = shell_json_flag(call, argc, argv, &json)))
		return bad;
	proc_init();
	reap_detached();
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		ps_json(&w);
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	printf("  PID  PPID S   TICKS    VSZ    RSS COMMAND\n");
	for (unsigned i = 0; i < NR_TASKS; i++) {
		struct task *t = &tasks[i];

		if (t->state == TASK_UNUSED)
			continue;
		printf("%5d %5d %c %7lu %5luK %5luK %s%s\n", t->pid, t->ppid, ps_state(t), t->ticks,
		       t->mm ? t->mm->total_vm * 4 : 0, t->mm ? t->mm->rss * 4 : 0, i ? t->comm : "[shell]",
		       t->thread ? " (thread)" : "");
	}
	return 0;
}
SHELL_CMD(ps, "ps", "[-j]", 0, 1,
	  "list the tasks: pid, parent, state, ticks run, sizes, name (-j: JSON pid, ppid, state, "
	  "ticks, vsz_kb, rss_kb, command, thread)", cmd_ps);

/* The live task named by argv[i], or NULL after saying why. */
static struct task *arg_task(char **argv, int i)
{
	uint32_t pid;
	struct task *t;

	if (!parse_u32(argv[i], &pid)) {
		printf("%s: bad pid '%s'\n", argv[0], argv[i]);
		return NULL;
	}
	proc_init();
	t = find_task((int)pid);
	if (!t || pid == 0) {
		printf("%s: no process %lu\n", argv[0], (unsigned long)pid);
		return NULL;
	}
	if (!t->mm) {
		printf("%s: process %lu has exited\n", argv[0], (unsigned long)pid);
		return NULL;
	}
	return t;
}

static int cmd_kill(const struct shell_call *call, int argc, char **argv)
{
	struct task *t;

	if (!(t = arg_task(argv, 1)))
		return 1;
	task_kill(t->pid, SIGKILL);
	printf("kill: signal %d sent to %d\n", SIGKILL, t->pid);
	return 0;
}
SHELL_CMD(kill, "kill", "PID", 1, 1, "kill a process (it dies on its next return to user mode)", cmd_kill);

/* The regions of t as `maps PID -j` writes them: maps_row()'s fields, one object each. */
static void maps_json(struct json_writer *w, struct task *t)
{
	json_int(w, "pid", t->pid);
	json_array(w, "regions");
	for (struct vm_area_struct *vma = t->mm->mmap; vma; vma = vma->vm_next) {
		struct maps_row r;

		maps_row(vma, &r);
		json_object(w, NULL);
		json_uint(w, "start", r.start);
		json_uint(w, "end", r.end);
		json_string(w, "perms", r.perms);
		json_uint(w, "offset", r.offset);
		json_uint(w, "major", r.major);
		json_uint(w, "minor", r.minor);
		json_uint(w, "inode", r.ino);
		json_string(w, "name", r.name);
		json_end(w);
	}
	json_end(w);
}

static int cmd_maps(const struct shell_call *call, int argc, char **argv)
{
	struct task *t;
	bool json;
	int bad;

	/* "-j" may follow PID: the flag check sees the words after it. */
	if ((bad = shell_json_flag(call, argc - 1, argv + 1, &json)))
		return bad;
	if (!(t = arg_task(argv, 1)))
		return 1;
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		maps_json(&w, t);
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	show_maps(stdout, t->mm);
	return 0;
}
SHELL_CMD(maps, "maps", "PID [-j]", 1, 2,
	  "the regions of a process, as /proc/PID/maps (-j: JSON start, end, perms, offset, major, "
	  "minor, inode, name)", cmd_maps);

/* One reverse mapping as an element of `rmap PFN -j`'s "mappings": what rmap_show() prints. */
static bool rmap_json_one(struct page *page, struct vm_area_struct *vma, vaddr_t address, void *arg)
{
	struct json_writer *w = arg;
	struct maps_row r;

	(void)page;
	maps_row(vma, &r);
	json_object(w, NULL);
	json_int(w, "pid", task_pid_of_mm(vma->vm_mm));
	json_uint(w, "address", address);
	json_uint(w, "start", r.start);
	json_uint(w, "end", r.end);
	json_string(w, "perms", r.perms);
	json_string(w, "file", vma->vm_file ? r.name : NULL);
	json_end(w);
	return true;
}

/* `rmap PFN -j`: what the frame is (as rmap_show() says it) and every mapping of a user page. */
static void rmap_json(struct json_writer *w, pfn_t pfn)
{
	struct page *page = pfn_to_page(pfn);
	bool user = false;

	json_uint(w, "pfn", pfn);
	if (page_count(page) <= 0 || PageBuddy(page)) {
		json_string(w, "kind", "free");
	} else if (PageSlab(page) || PageReserved(page)) {
		json_string(w, "kind", PageSlab(page) ? "slab" : "reserved");
	} else if (PageAnon(page)) {
		json_string(w, "kind", "anon");
		json_uint(w, "index", page_index(page));
		user = true;
	} else if (page_mapping(page)) {
		json_string(w, "kind", "file");
		json_string(w, "file", page_mapping(page)->host->i_name);
		json_uint(w, "offset", page_index(page) << PAGE_SHIFT);
		user = true;
	} else {
		json_string(w, "kind", "other");
	}
	json_int(w, "count", page_count(page));
	json_array(w, "mappings");
	if (user)
		rmap_walk(page, rmap_json_one, w);
	json_end(w);
}

static int cmd_rmap(const struct shell_call *call, int argc, char **argv)
{
	uint32_t pfn;
	bool json;
	int bad;

	/* "-j" may follow PFN: the flag check sees the words after it. */
	if ((bad = shell_json_flag(call, argc - 1, argv + 1, &json)))
		return bad;
	if (shell_arg_pfn(call, argv[1], "PFN", &pfn))
		return SHELL_STATUS_USAGE;
	if (!pfn_valid(pfn)) {
		printf("rmap: no frame 0x%lx (max_pfn 0x%lx)\n", (unsigned long)pfn, (unsigned long)max_pfn);
		return 1;
	}
	proc_init();
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		rmap_json(&w, pfn);
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	rmap_show(stdout, pfn, task_pid_of_mm);
	return 0;
}
SHELL_CMD(rmap, "rmap", "PFN [-j]", 1, 2,
	  "every (pid, address, region) that maps a physical page (-j: JSON pfn, kind, count, "
	  "mappings [{pid, address, start, end, perms, file}])", cmd_rmap);

static int cmd_upt(const struct shell_call *call, int argc, char **argv)
{
	struct task *t;
	uint64_t addr;
	vaddr_t va;
	struct vm_area_struct *vma;
	bool json;
	int bad;

	/* "-j" may follow ADDR: the flag check sees the words after PID. */
	if ((bad = shell_json_flag(call, argc - 2, argv + 2, &json)))
		return bad;
	if (!(t = arg_task(argv, 1)))
		return 1;
	if (shell_arg_addr(call, argv[2], "ADDR", UINT32_MAX, &addr))
		return SHELL_STATUS_USAGE;
	va = (vaddr_t)addr;
	vma = find_vma(t->mm, va);
	if (vma && vma->vm_start > va)
		vma = NULL;
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		json_int(&w, "pid", t->pid);
		pt_json(&w, t->mm->pgd, va);
		if (vma) {
			json_object(&w, "vma");
			json_uint(&w, "start", vma->vm_start);
			json_uint(&w, "end", vma->vm_end);
			json_uint(&w, "flags", vma->vm_flags);
			json_end(&w);
		} else {
			json_null(&w, "vma");
		}
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	pt_show(stdout, t->mm->pgd, va);
	if (vma)
		printf("region of pid %d: %08lx-%08lx flags 0x%lx\n", t->pid, (unsigned long)vma->vm_start,
		       (unsigned long)vma->vm_end, vma->vm_flags);
	else
		printf("region of pid %d: none\n", t->pid);
	return 0;
}
SHELL_CMD(upt, "upt", "PID ADDR [-j]", 2, 3,
	  "decode the page-table entries of a user address of a process", cmd_upt);

/* `ipcs -j`: shm_show()'s columns, one object per segment. */
static void ipcs_json(struct json_writer *w)
{
	struct shm_stat st;

	proc_init();
	json_array(w, "segments");
	for (unsigned i = 0; i < SHMMNI; i++) {
		if (shm_stat(i, &st))
			continue;
		json_object(w, NULL);
		json_int(w, "key", st.key);
		json_int(w, "shmid", st.id);
		json_uint(w, "size", st.size);
		json_uint(w, "nattch", st.nattch);
		json_uint(w, "resident", st.resident);
		json_bool(w, "deleted", st.deleted);
		json_end(w);
	}
	json_end(w);
}

static void ipcs_show(FILE *out)
{
	proc_init();
	shm_show(out);
}

static int cmd_ipcs(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, ipcs_show, ipcs_json);
}
SHELL_CMD(ipcs, "ipcs", "[-j]", 0, 1,
	  "the System V shared memory segments (-j: JSON key, shmid, size, nattch, resident, deleted)",
	  cmd_ipcs);

/* `ls -j`: the boot modules as `ls` lists them. */
static void ls_json(struct json_writer *w)
{
	struct inode *inode;

	proc_init();
	json_array(w, "files");
	for (unsigned i = 0; (inode = ramfs_inode(i)); i++) {
		json_object(w, NULL);
		json_string(w, "name", inode->i_name);
		json_uint(w, "size", inode->i_size);
		json_uint(w, "pages_cached", inode->i_mapping->nrpages);
		json_uint(w, "mappings", inode->i_mapping->i_mmap_count);
		json_end(w);
	}
	json_end(w);
}

static void ls_show(FILE *out)
{
	struct inode *inode;

	proc_init();
	for (unsigned i = 0; (inode = ramfs_inode(i)); i++)
		fprintf(out, "%-20s %8llu bytes  %lu pages cached  %lu mapping%s\n", inode->i_name,
			(unsigned long long)inode->i_size, inode->i_mapping->nrpages,
			inode->i_mapping->i_mmap_count, inode->i_mapping->i_mmap_count == 1 ? "" : "s");
}

static int cmd_ls(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, ls_show, ls_json);
}
SHELL_CMD(ls, "ls", "[-j]", 0, 1,
	  "the programs and files passed as boot modules (-j: JSON name, size, pages_cached, mappings)",
	  cmd_ls);

static int cmd_bench_proc(const struct shell_call *call, int argc, char **argv)
{
	unsigned long before;
	int bad;

	(void)argv;
	proc_init();
	before = nr_free_pages();
	bad = bench_mm(stdout);
	if (nr_free_pages() != before)
		printf("bench-proc: free pages %lu before, %lu after\n", before, nr_free_pages());
	return bad != 0;
}
SHELL_CMD(bench_proc, "bench-proc", "", 0, 0,
	  "benchmarks: find_vma at 10/1,000/10,000 regions, anonymous fault, fork of 16 MB", cmd_bench_proc);
