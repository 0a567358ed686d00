// SPDX-License-Identifier: GPL-2.0
/* Policy paths -> cgroup ids: policy_cgroup_resolve() (see policy.h). */
#define _GNU_SOURCE /* statx(), O_PATH */
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270 /* linux/magic.h */
#endif

/* Components of a path the resolver keeps open: policy paths are at most
 * POLICY_PATH_MAX bytes, so at most half as many components. */
#define RESOLVER_DEPTH 128

/*
 * The root and the directories of the last path resolved, kept open: a
 * policy's paths mostly share their parents, so the next path only opens
 * what differs and stats its last component (one statx() for a sibling).
 * A directory kept open is the one that was at its path when it was
 * opened; apply checks every entry again before its switch, so a path
 * changed meanwhile is found there.
 */
struct cgroup_resolver {
	char *root; /* the root this state is for; NULL: none open */
	int root_fd;
	uint64_t root_mnt;
	bool cgroup2; /* the root is a cgroup2 filesystem (so is all of its mount) */
	size_t depth; /* directories open below the root */
	struct {
		int fd;
		char name[NAME_MAX + 1];
	} dir[RESOLVER_DEPTH];
	char names[RESOLVER_DEPTH + 1][NAME_MAX + 1]; /* the path being resolved */
};

/* Mount id when the kernel reports one (>= 5.8), else the device. */
static int where_at(int dfd, const char *name, int flags, struct statx *stx, uint64_t *mnt)
{
	if (statx(dfd, name, flags | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO | STATX_MNT_ID, stx))
		return -1;
	*mnt = stx->stx_mask & STATX_MNT_ID ? stx->stx_mnt_id
					   : ((uint64_t)stx->stx_dev_major << 32 | stx->stx_dev_minor);
	return 0;
}

static void close_below(struct cgroup_resolver *r, size_t depth)
{
	while (r->depth > depth)
		close(r->dir[--r->depth].fd);
}

static void close_all(struct cgroup_resolver *r)
{
	close_below(r, 0);
	if (r->root) {
		close(r->root_fd);
		free(r->root);
		r->root = NULL;
	}
}

/* Not calloc(): the component buffers (64 KiB) need no zeroing, and a
 * single resolution (show, status) makes and frees one each time. */
struct cgroup_resolver *cgroup_resolver_new(void)
{
	struct cgroup_resolver *r = malloc(sizeof(*r));

	if (r) {
		r->root = NULL;
		r->depth = 0;
	}
	return r;
}

void cgroup_resolver_free(struct cgroup_resolver *r)
{
	if (r) {
		close_all(r);
		free(r);
	}
}

/* Open @root, a cgroup2 filesystem, unless it is the one open. */
static int open_root(struct cgroup_resolver *r, const char *root, char *err, size_t errlen)
{
	struct statx stx;
	struct statfs sfs;

	if (r->root && !strcmp(r->root, root))
		return 0;
	close_all(r);
	r->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->root_fd < 0 || where_at(r->root_fd, "", AT_EMPTY_PATH, &stx, &r->root_mnt) ||
	    fstatfs(r->root_fd, &sfs)) {
		snprintf(err, errlen, "cannot open the cgroup root %s: %s", root, strerror(errno));
		if (r->root_fd >= 0)
			close(r->root_fd);
		return -1;
	}
	r->cgroup2 = sfs.f_type == CGROUP2_SUPER_MAGIC;
	if (!(r->root = strdup(root))) {
		snprintf(err, errlen, "cannot open the cgroup root %s: %s", root, strerror(ENOMEM));
		close(r->root_fd);
		return -1;
	}
	return 0;
}

/* What is at @name in the directory @dfd (@name "": @dfd itself): on the
 * root's mount and not a symlink; 0, POLICY_NO_CGROUP or -1, with a message. */
static int stat_component(const struct cgroup_resolver *r, int dfd, const char *name, struct statx *stx,
			  char *err, size_t errlen)
{
	uint64_t mnt;

	if (where_at(dfd, name, name[0] ? 0 : AT_EMPTY_PATH, stx, &mnt)) {
		if (errno == ENOENT || errno == ENOTDIR) {
			snprintf(err, errlen, "no such cgroup");
			return POLICY_NO_CGROUP;
		}
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		return -1;
	}
	if (S_ISLNK(stx->stx_mode)) {
		snprintf(err, errlen, "not a cgroup v2 directory (a symbolic link)");
		return -1;
	}
	if (mnt != r->root_mnt) {
		snprintf(err, errlen, "not a cgroup v2 directory (crosses a mount point)");
		return -1;
	}
	return 0;
}

/* Split @path (absolute) into its components; their count, or -1. */
static int split(const char *path, char names[][NAME_MAX + 1], size_t max, char *err, size_t errlen)
{
	size_t n = 0;

	for (const char *p = path + 1; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(err, errlen, "path is not normalised");
			return -1;
		}
		if (len > NAME_MAX || n == max) {
			snprintf(err, errlen, "cannot stat: %s", strerror(ENAMETOOLONG));
			return -1;
		}
		memcpy(names[n], p, len);
		names[n++][len] = '\0';
		p += len;
		if (*p == '/')
			p++;
	}
	return (int)n;
}

/*
 * Walk root + path one component at a time, never following a symlink and
 * never leaving the root's mount: what is resolved is the directory the
 * path names in the cgroup2 hierarchy, not one reached through
 * /proc/self/root, a symlink or a bind mount (each would let one cgroup
 * appear under two paths and slip past the duplicate and nesting checks,
 * which compare paths). The last component is only stat'ed.
 */
static int resolve(struct cgroup_resolver *r, const char *root, const char *path, uint64_t *id, char *err,
		   size_t errlen)
{
	struct statx stx;
	size_t keep = 0, i;
	int n, rc, fd;

	if (path[0] != '/') {
		snprintf(err, errlen, "not an absolute path");
		return -1;
	}
	if (open_root(r, root, err, errlen) || (n = split(path, r->names, RESOLVER_DEPTH + 1, err, errlen)) < 0)
		return -1;
	while (keep < r->depth && keep + 1 < (size_t)n && !strcmp(r->dir[keep].name, r->names[keep]))
		keep++;
	close_below(r, keep);
	/* Directories are opened first and stat'ed through their descriptor:
	 * what is checked is what the next component is looked up in. */
	for (i = keep; i + 1 < (size_t)n; i++) {
		fd = openat(i ? r->dir[i - 1].fd : r->root_fd, r->names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errlen, errno == ENOENT || errno == ENOTDIR ? "no such cgroup" : "cannot stat: %s",
				 strerror(errno));
			return errno == ENOENT || errno == ENOTDIR ? POLICY_NO_CGROUP : -1;
		}
		if (!(rc = stat_component(r, fd, "", &stx, err, errlen)) && !S_ISDIR(stx.stx_mode)) {
			snprintf(err, errlen, "no such cgroup");
			rc = POLICY_NO_CGROUP;
		}
		if (rc) { /* only directories that passed are kept */
			close(fd);
			return rc;
		}
		r->dir[i].fd = fd;
		memcpy(r->dir[i].name, r->names[i], sizeof(r->names[i]));
		r->depth = i + 1;
	}
	/* The last component is only stat'ed, not followed if a symlink. */
	if (n == 0)
		rc = stat_component(r, r->root_fd, "", &stx, err, errlen);
	else
		rc = stat_component(r, n > 1 ? r->dir[n - 2].fd : r->root_fd, r->names[n - 1], &stx, err, errlen);
	if (rc)
		return rc;
	if (!S_ISDIR(stx.stx_mode) || !r->cgroup2) {
		snprintf(err, errlen, "not a cgroup v2 directory");
		return -1;
	}
	*id = (uint64_t)stx.stx_ino;
	return 0;
}

int policy_cgroup_resolve(const struct policy_env *env, const char *path, uint64_t *id, char *err,
			  size_t errlen)
{
	const char *root = env && env->cgroup_root ? env->cgroup_root : CGROUP2_ROOT_DEFAULT;
	struct cgroup_resolver *r = env ? env->resolver : NULL;
	int rc;

	if (r)
		return resolve(r, root, path, id, err, errlen);
	if (!(r = cgroup_resolver_new())) {
		snprintf(err, errlen, "cannot stat: %s", strerror(ENOMEM));
		return -1;
	}
	rc = resolve(r, root, path, id, err, errlen);
	cgroup_resolver_free(r);
	return rc;
}
