// SPDX-License-Identifier: GPL-2.0
/* cpuguard tasks [--json] [--narrow]
 *
 * cpuguard judges affinity requests; it does not move threads. Threads that
 * ran wide before a policy was applied, or were moved into a confined
 * cgroup, keep their affinity. This command finds them: it reads the
 * policy in force back from the kernel (as show does), walks the subtree
 * of every confined cgroup giving each cgroup its nearest confined
 * ancestor (itself included), the rule the kernel's check uses, and
 * compares the affinity of every thread of cgroup.threads with that
 * entry's CPUs. With --narrow it sets each such thread's affinity to
 * (affinity ∩ set), or to the set when they do not meet. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cpuguard.h"
#include "policy.h"
#include "tasks.h"

struct walk {
	const struct entry_in_force *entries; /* sorted by cgroup id */
	size_t nentries;
	bool *walked; /* per entry: its subtree was walked */
	struct outside_task *v;
	size_t n, cap;
	char **paths; /* every path handed out, freed at the end */
	size_t npaths, pcap;
	dev_t dev;
	int err;
};

static int by_entry_id(const void *a, const void *b)
{
	const struct entry_in_force *x = a, *y = b;

	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

static const struct entry_in_force *find_entry(const struct walk *w, uint64_t id)
{
	struct entry_in_force key = { .cgroup_id = id };

	return w->nentries ? bsearch(&key, w->entries, w->nentries, sizeof(key), by_entry_id) : NULL;
}

static const char *keep_path(struct walk *w, char *p)
{
	if (!p)
		return NULL;
	if (w->npaths == w->pcap) {
		size_t cap = w->pcap ? 2 * w->pcap : 64;
		char **t = realloc(w->paths, cap * sizeof(*t));

		if (!t) {
			free(p);
			return NULL;
		}
		w->paths = t;
		w->pcap = cap;
	}
	return w->paths[w->npaths++] = p;
}

/* Read a small file of @dfd (or an absolute path when dfd is AT_FDCWD)
 * into buf, NUL-terminated; returns the length or -1. */
static ssize_t read_small(int dfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (got < len - 1 && (r = read(fd, buf + got, len - 1 - got)) > 0)
		got += r;
	close(fd);
	buf[got] = 0;
	return got;
}

static int get_affinity(int tid, struct cg_cpumask *m)
{
	_Static_assert(sizeof(m->bits) == CG_MAX_CPUS / 8, "mask width");
	/* cpu_set_t words are unsigned long, CPU n at bit n % 64 of word
	 * n / 64: the layout of cg_cpumask on 64-bit Linux. */
	memset(m, 0, sizeof(*m));
	return sched_getaffinity(tid, sizeof(m->bits), (cpu_set_t *)m->bits) ? -1 : 0;
}

static int set_affinity(int tid, const struct cg_cpumask *m)
{
	return sched_setaffinity(tid, sizeof(m->bits), (const cpu_set_t *)m->bits) ? -1 : 0;
}

/* comm and thread group of @tid; -1 when it has exited. */
static int read_identity(int tid, struct outside_task *t)
{
	char path[64], buf[4096];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/comm", tid);
	if ((len = read_small(AT_FDCWD, path, buf, sizeof(buf))) < 0)
		return -1;
	if (len && buf[len - 1] == '\n')
		len--;
	t->comm_len = (size_t)len < sizeof(t->comm) ? (size_t)len : sizeof(t->comm);
	memcpy(t->comm, buf, t->comm_len);
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_small(AT_FDCWD, path, buf, sizeof(buf)) < 0 || proc_status_tgid(buf, &t->pid))
		return -1;
	t->tid = tid;
	return 0;
}

static int add_task(struct walk *w, const struct outside_task *t)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct outside_task *v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = *t;
	return 0;
}

/* Every thread of the cgroup open at @dfd against @e. */
static void scan_threads(struct walk *w, int dfd, const char *path, uint64_t id, const struct entry_in_force *e,
			 const char *policy_path)
{
	int fd = openat(dfd, "cgroup.threads", O_RDONLY | O_CLOEXEC);
	struct outside_task *t = calloc(1, sizeof(*t));
	struct cg_cpumask out;
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	long tid;

	if (!f || !t) {
		if (fd >= 0 && !f)
			close(fd);
		if (errno != ENOENT) /* ENOENT: the cgroup was removed under us */
			w->err = errno;
		free(t);
		if (f)
			fclose(f);
		return;
	}
	while (fscanf(f, "%ld", &tid) == 1) {
		if (get_affinity(tid, &t->affinity))
			continue; /* exited */
		if (!cpumask_outside(&t->affinity, &e->mask, &out))
			continue;
		if (read_identity(tid, t))
			continue; /* exited */
		t->cgroup = path;
		t->cgroup_id = id;
		t->policy_cgroup = policy_path;
		t->policy_cgroup_id = e->cgroup_id;
		t->audit = (e->mode & CPUGUARD_AUDIT) != 0;
		t->allowed = &e->mask; /* entries outlive the rows */
		if (add_task(w, t)) {
			w->err = ENOMEM;
			break;
		}
	}
	fclose(f);
	free(t);
}

static char *child_path(const char *parent, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", strcmp(parent, "/") ? parent : "", name) < 0 ? NULL : p;
}

/* Depth first, never following a symlink nor leaving the cgroup2 mount.
 * @e: the nearest confined ancestor of this cgroup's parent (NULL: none). */
static void walk_cgroup(struct walk *w, int dfd, const char *path, const struct entry_in_force *e,
			const char *policy_path)
{
	const struct entry_in_force *own;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (fstat(dfd, &st))
		return;
	if ((own = find_entry(w, st.st_ino))) {
		e = own;
		policy_path = path;
		w->walked[own - w->entries] = true;
	}
	if (e)
		scan_threads(w, dfd, path, st.st_ino, e, policy_path);
	if ((fd = dup(dfd)) < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *sub;
		int cfd;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue; /* removed meanwhile */
		if (fstat(cfd, &st) || st.st_dev != w->dev || !(sub = keep_path(w, child_path(path, de->d_name)))) {
			close(cfd);
			continue;
		}
		walk_cgroup(w, cfd, sub, e, policy_path);
		close(cfd);
	}
	closedir(d);
}

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->npaths; i++)
		free(w->paths[i]);
	free(w->paths);
	free(w->v);
	free(w->walked);
}

static int by_entry_path(const void *a, const void *b)
{
	const struct entry_in_force *x = *(const struct entry_in_force *const *)a;
	const struct entry_in_force *y = *(const struct entry_in_force *const *)b;

	return strcmp(x->path, y->path);
}

/* Walk the subtree of the entry at @e->path, if that path is still @e's
 * cgroup (not removed, nor re-created under another id). */
static void walk_entry(struct walk *w, int rootfd, dev_t dev, const struct entry_in_force *e)
{
	struct stat st;
	int fd;

	fd = e->path[1] ? openat(rootfd, e->path + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			: dup(rootfd);
	if (fd < 0)
		return; /* removed since */
	if (!fstat(fd, &st) && st.st_dev == dev && st.st_ino == e->cgroup_id)
		walk_cgroup(w, fd, e->path, NULL, NULL);
	close(fd);
}

/* Every thread outside its set under @entries (sorted here by id), sorted.
 * Only the subtrees of confined cgroups are walked: entries in path order,
 * an ancestor before its descendants, so that a descendant entry already
 * reached from its ancestor is not walked twice. The nearest confined
 * ancestor is carried down the walk, as the kernel's check walks up. */
static int find_outside(struct entry_in_force *entries, size_t n, struct walk *w, bool quiet)
{
	const struct entry_in_force **order = NULL;
	size_t nordered = 0;
	struct stat st;
	int fd;

	memset(w, 0, sizeof(*w));
	if (!n)
		return 0; /* nothing confined: nothing to walk */
	qsort(entries, n, sizeof(*entries), by_entry_id);
	w->entries = entries;
	w->nentries = n;
	w->walked = calloc(n, sizeof(*w->walked));
	order = calloc(n, sizeof(*order));
	if (!w->walked || !order) {
		if (!quiet)
			fprintf(stderr, "cpuguard tasks: out of memory\n");
		free(order);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (entries[i].path && entries[i].path[0] == '/')
			order[nordered++] = &entries[i];
	qsort(order, nordered, sizeof(*order), by_entry_path);
	fd = open(cgroup_root(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		if (!quiet)
			fprintf(stderr, "cpuguard tasks: cannot open %s: %s\n", cgroup_root(), strerror(errno));
		if (fd >= 0)
			close(fd);
		free(order);
		return -1;
	}
	w->dev = st.st_dev;
	for (size_t i = 0; i < nordered; i++)
		if (!w->walked[order[i] - entries])
			walk_entry(w, fd, st.st_dev, order[i]);
	close(fd);
	free(order);
	if (w->err) {
		if (!quiet)
			fprintf(stderr, "cpuguard tasks: cannot read the threads of every cgroup: %s\n",
				strerror(w->err));
		return -1;
	}
	outside_sort(w->v, w->n);
	return 0;
}

static void narrow_one(const struct outside_task *t, struct narrow_outcome *o)
{
	char path[64], stat[1024];
	unsigned long flags = 0;
	bool known;
	int err;

	memset(o, 0, sizeof(*o));
	cpumask_narrowed(&t->affinity, t->allowed, &o->target);
	if (!set_affinity(t->tid, &o->target)) {
		o->result = NARROWED;
		if (get_affinity(t->tid, &o->after))
			o->after = o->target; /* exited right after: it was narrowed */
		return;
	}
	err = errno;
	snprintf(path, sizeof(path), "/proc/%d/stat", t->tid);
	known = read_small(AT_FDCWD, path, stat, sizeof(stat)) > 0 && !proc_stat_flags(stat, &flags);
	o->result = err == ESRCH ? NARROW_EXITED : NARROW_FAILED;
	narrow_reason(err, flags, known, o->reason, sizeof(o->reason));
}

int cmd_tasks(const struct options *o)
{
	struct entry_in_force *entries = NULL;
	struct narrow_outcome *done = NULL;
	size_t failed = 0, n = 0;
	struct guard g;
	struct walk w;
	int err;

	if (require_caps("tasks") || guard_open(o, &g, false))
		return EXIT_FAIL;
	err = read_policy_in_force(&g, &entries, &n);
	guard_close(&g);
	if (err) {
		fprintf(stderr, "cpuguard tasks: cannot read the policy\n");
		return EXIT_FAIL;
	}
	err = find_outside(entries, n, &w, false);
	if (!err && o->narrow && w.n && !(done = calloc(w.n, sizeof(*done)))) {
		fprintf(stderr, "cpuguard tasks: out of memory\n");
		err = -1;
	}
	if (err) {
		walk_free(&w);
		free_policy_in_force(entries, n);
		return EXIT_FAIL;
	}
	for (size_t i = 0; done && i < w.n; i++) {
		narrow_one(&w.v[i], &done[i]);
		failed += done[i].result == NARROW_FAILED;
		if (!o->json)
			narrow_print_line(stdout, &w.v[i], &done[i]);
	}
	if (o->json)
		outside_print_json(stdout, w.v, w.n, o->narrow ? done : NULL);
	else if (!w.n)
		printf("no thread runs outside its set\n");
	else if (o->narrow)
		narrow_print_summary(stdout, done, w.n);
	else
		outside_print_table(stdout, w.v, w.n);
	err = o->narrow ? failed != 0 : w.n != 0;
	free(done);
	walk_free(&w);
	free_policy_in_force(entries, n);
	return err ? EXIT_FAIL : EXIT_OK;
}

static int by_path(const void *a, const void *b)
{
	const struct policy_entry *x = *(const struct policy_entry *const *)a;
	const struct policy_entry *y = *(const struct policy_entry *const *)b;

	return strcmp(x->path, y->path);
}

/* The entry of @path[0..len) or of its nearest ancestor in @sorted (by path). */
static const struct policy_entry *nearest_by_path(const struct policy_entry **sorted, size_t n, const char *path,
						  size_t len)
{
	char key[CGROUP_PATH_MAX];

	if (len >= sizeof(key))
		return NULL;
	memcpy(key, path, len);
	for (; len; len = cgroup_parent_len(key, len)) {
		struct policy_entry k = { .path = key };
		const struct policy_entry *kp = &k, **e;

		key[len] = '\0';
		if ((e = bsearch(&kp, sorted, n, sizeof(*sorted), by_path)))
			return *e;
	}
	return NULL;
}

/* Is @tid listed in @file (a cgroup.threads)? */
static bool lists_thread(const char *file, long tid)
{
	FILE *f = fopen(file, "re");
	bool found = false;
	long t;

	if (!f)
		return false;
	while (!found && fscanf(f, "%ld", &t) == 1)
		found = t == tid;
	fclose(f);
	return found;
}

/* Do the paths in /proc/TID/cgroup name cgroups below cgroup_root() as the
 * policy's paths do? Not when this process's cgroup namespace has another
 * root than the mount: then its own cgroup is not where /proc says. */
static bool proc_paths_match_mount(void)
{
	char text[CGROUP_PATH_MAX + 64], file[CGROUP_PATH_MAX + 64];
	const char *path;
	size_t len;

	if (read_small(AT_FDCWD, "/proc/thread-self/cgroup", text, sizeof(text)) < 0 ||
	    proc_cgroup_v2(text, &path, &len))
		return false;
	if (len == 1)
		len = 0; /* the root: cgroup_root()/cgroup.threads */
	return snprintf(file, sizeof(file), "%s%.*s/cgroup.threads", cgroup_root(), (int)len, path) <
		       (int)sizeof(file) &&
	       lists_thread(file, gettid());
}

/* Total threads on the system, from /proc/loadavg ("0.00 0.00 0.00 1/79 ..."). */
static long thread_count(void)
{
	char buf[128], *slash;

	if (read_small(AT_FDCWD, "/proc/loadavg", buf, sizeof(buf)) < 0 || !(slash = strchr(buf, '/')))
		return -1;
	return strtol(slash + 1, NULL, 10);
}

/* Threads of process @pid (its /proc/PID/task open at @dfd) outside the set
 * of their nearest entry in @sorted. */
static size_t count_process(int dfd, const struct policy_entry **sorted, size_t n)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	size_t outside = 0;

	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		char name[64], text[CGROUP_PATH_MAX + 256];
		const struct policy_entry *e;
		struct cg_cpumask aff, out;
		const char *path;
		size_t len;
		int tid = atoi(de->d_name);

		if (tid <= 0 || snprintf(name, sizeof(name), "%d/cgroup", tid) >= (int)sizeof(name) ||
		    read_small(dirfd(d), name, text, sizeof(text)) < 0 || proc_cgroup_v2(text, &path, &len))
			continue; /* exited, or not in the cgroup2 hierarchy */
		e = nearest_by_path(sorted, n, path, len);
		if (e && !get_affinity(tid, &aff) && cpumask_outside(&aff, e->mask, &out))
			outside++;
	}
	closedir(d);
	return outside;
}

/*
 * The count of the note after an apply, from /proc: a few system calls per
 * thread, where walking the confined subtrees costs about a dozen per
 * cgroup. Used when there are fewer threads than entries; -1 when /proc's
 * paths cannot be trusted to match the policy's.
 */
static long count_outside_by_threads(const struct policy *p)
{
	const struct policy_entry **sorted;
	size_t n = p->nentries, outside = 0;
	struct dirent *de;
	DIR *proc;

	if (!proc_paths_match_mount() || !(sorted = calloc(n ? n : 1, sizeof(*sorted))))
		return -1;
	if (!(proc = opendir("/proc"))) {
		free(sorted);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = &p->entries[i];
	qsort(sorted, n, sizeof(*sorted), by_path);
	while ((de = readdir(proc))) {
		char name[64];
		int fd;

		if (atoi(de->d_name) <= 0 || snprintf(name, sizeof(name), "%s/task", de->d_name) >= (int)sizeof(name))
			continue;
		fd = openat(dirfd(proc), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			outside += count_process(fd, sorted, n);
	}
	closedir(proc);
	free(sorted);
	return outside;
}

/* After an apply: the policy just installed is @p, exactly (apply holds the
 * lock), so it is used as it is rather than read back: no policy_read run
 * per entry and no walk of the whole tree to name cgroups, which would make
 * every apply on a large hierarchy several times slower. */
void tasks_note_after_apply(const struct policy *p)
{
	long threads = thread_count(), outside = -1;
	struct entry_in_force *entries;
	struct walk w;

	if (threads >= 0 && (size_t)threads < p->nentries)
		outside = count_outside_by_threads(p);
	if (outside >= 0) {
		outside_print_apply_note(stdout, outside);
		return;
	}
	entries = calloc(p->nentries ? p->nentries : 1, sizeof(*entries));
	if (!entries)
		return; /* a note, not part of the apply: say nothing when it cannot be told */
	for (size_t i = 0; i < p->nentries; i++) {
		entries[i].cgroup_id = p->entries[i].cgroup_id;
		entries[i].mode = p->entries[i].mode == POLICY_AUDIT ? CPUGUARD_AUDIT : CPUGUARD_ENFORCE;
		entries[i].mask = *p->entries[i].mask;
		entries[i].path = p->entries[i].path; /* borrowed */
	}
	if (!find_outside(entries, p->nentries, &w, true))
		outside_print_apply_note(stdout, w.n);
	walk_free(&w);
	free(entries);
}
