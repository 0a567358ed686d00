// SPDX-License-Identifier: GPL-2.0
/* Cgroup id -> path. A cgroup v2 id is the inode number of its directory in
 * cgroupfs, so one walk of the hierarchy answers every id; it is walked
 * again when an id is not found (the cgroup may be new). */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include "cpuguard.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *root;
static char detected[4096];

void set_cgroup_root(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	snprintf(detected, sizeof(detected), "%.*s", (int)n, dir);
	root = detected;
}

/* --cgroup-root, else /sys/fs/cgroup when it is cgroup2, else the first
 * cgroup2 mount in /proc/self/mounts (e.g. /sys/fs/cgroup/unified on a
 * hybrid host), else /sys/fs/cgroup (and the support check says why it
 * does not do). */
const char *cgroup_root(void)
{
	struct statfs sfs;
	struct mntent *m;
	FILE *f;

	if (root)
		return root;
	root = DEFAULT_CGROUP_ROOT;
	if (!statfs(DEFAULT_CGROUP_ROOT, &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC)
		return root;
	if (!(f = setmntent("/proc/self/mounts", "r")))
		return root;
	while ((m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2") && strlen(m->mnt_dir) < sizeof(detected)) {
			strcpy(detected, m->mnt_dir);
			root = detected;
			break;
		}
	endmntent(f);
	return root;
}

struct cg_entry {
	uint64_t id;
	char *path;
};

static struct cg_entry *table;
static size_t table_len, table_cap;

static int add_dir(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (table_len == table_cap) {
		size_t cap = table_cap ? 2 * table_cap : 256;
		struct cg_entry *t = realloc(table, cap * sizeof(*t));

		if (!t)
			return -1;
		table = t;
		table_cap = cap;
	}
	const char *rel = fpath + strlen(cgroup_root());
	table[table_len].id = sb->st_ino;
	table[table_len].path = strdup(*rel ? rel : "/");
	if (!table[table_len].path)
		return -1;
	table_len++;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct cg_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void rebuild(void)
{
	for (size_t i = 0; i < table_len; i++)
		free(table[i].path);
	table_len = 0;
	nftw(cgroup_root(), add_dir, 64, FTW_PHYS | FTW_MOUNT);
	qsort(table, table_len, sizeof(*table), by_id);
}

static const char *lookup(uint64_t id)
{
	struct cg_entry key = { .id = id }, *e;

	e = table_len ? bsearch(&key, table, table_len, sizeof(*table), by_id) : NULL;
	return e ? e->path : NULL;
}

/* Copy the path of cgroup @id into @buf; NULL when no cgroup has that id
 * (it was removed). The copy matters: a later miss rebuilds the table. */
const char *cgroup_path_of(uint64_t id, char *buf, size_t len)
{
	static uint64_t last_miss;
	const char *p = lookup(id);

	if (!p && id != last_miss) {
		rebuild();
		p = lookup(id);
		if (!p)
			last_miss = id;
	}
	if (!p || snprintf(buf, len, "%s", p) >= (int)len)
		return NULL;
	return buf;
}

/*
 * The child cgroups of one directory and their ids, from one read of the
 * directory: in cgroupfs a child's d_ino is its cgroup id, as statx()'s
 * stx_ino. Apply checks thousands of siblings this way in a few system
 * calls instead of one statx() each.
 */
struct child {
	char *name;
	uint64_t id;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct child *)a)->name, ((const struct child *)b)->name);
}

void cgroup_listing_free(struct cgroup_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	free(l->parent);
	memset(l, 0, sizeof(*l));
}

int cgroup_listing_read(struct cgroup_listing *l, const char *parent, size_t len)
{
	char path[CGROUP_PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	cgroup_listing_free(l);
	if (!(l->parent = strndup(parent, len)) ||
	    snprintf(path, sizeof(path), "%s%s", cgroup_root(), l->parent) >= (int)sizeof(path) ||
	    !(d = opendir(path)))
		return -1;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (l->n == cap) {
			struct child *v = realloc(l->v, (cap = cap ? 2 * cap : 256) * sizeof(*v));

			if (!v)
				break;
			l->v = v;
		}
		if (!(l->v[l->n].name = strdup(de->d_name)))
			break;
		l->v[l->n++].id = de->d_ino;
	}
	closedir(d);
	if (de) { /* out of memory: a partial listing could wrongly say "gone" */
		cgroup_listing_free(l);
		return -1;
	}
	qsort(l->v, l->n, sizeof(*l->v), by_name);
	l->ok = true;
	return 0;
}

uint64_t cgroup_listing_id(const struct cgroup_listing *l, const char *name)
{
	struct child key = { .name = (char *)name }, *c;

	c = l->ok && l->n ? bsearch(&key, l->v, l->n, sizeof(key), by_name) : NULL;
	return c ? c->id : 0;
}
