// SPDX-License-Identifier: GPL-2.0
/* Policy paths -> cgroup ids: policy_cgroup_resolve() (see policy.h). */
#define _GNU_SOURCE /* statx(), O_PATH */
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270 /* linux/magic.h */
#endif

/* Mount id when the kernel reports one (>= 5.8), else the device. */
static int where(int fd, struct statx *stx, uint64_t *mnt)
{
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO | STATX_MNT_ID, stx))
		return -1;
	*mnt = stx->stx_mask & STATX_MNT_ID ? stx->stx_mnt_id
					   : ((uint64_t)stx->stx_dev_major << 32 | stx->stx_dev_minor);
	return 0;
}

/*
 * Walk cgroup_root + path one component at a time, never following a
 * symlink and never leaving the root's mount: what is resolved is the
 * directory the path names in the cgroup2 hierarchy, not one reached
 * through /proc/self/root, a symlink or a bind mount (each would let one
 * cgroup appear under two paths and slip past the duplicate and nesting
 * checks, which compare paths).
 */
int policy_cgroup_resolve(const struct policy_env *env, const char *path, uint64_t *id, char *err,
			  size_t errlen)
{
	const char *root = env && env->cgroup_root ? env->cgroup_root : CGROUP2_ROOT_DEFAULT;
	struct statx stx;
	struct statfs sfs;
	uint64_t root_mnt, mnt;
	int fd, rc = -1;

	if (path[0] != '/') {
		snprintf(err, errlen, "not an absolute path");
		return -1;
	}
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || where(fd, &stx, &root_mnt)) {
		snprintf(err, errlen, "cannot open the cgroup root %s: %s", root, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (const char *p = path + 1; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		char name[NAME_MAX + 1];
		int next;

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(err, errlen, "path is not normalised");
			goto out;
		}
		if (n > NAME_MAX) {
			snprintf(err, errlen, "cannot stat: %s", strerror(ENAMETOOLONG));
			goto out;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		next = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			if (errno == ENOENT || errno == ENOTDIR) {
				snprintf(err, errlen, "no such cgroup");
				rc = POLICY_NO_CGROUP;
			} else
				snprintf(err, errlen, "cannot stat: %s", strerror(errno));
			goto out;
		}
		close(fd);
		fd = next;
		if (where(fd, &stx, &mnt)) {
			snprintf(err, errlen, "cannot stat: %s", strerror(errno));
			goto out;
		}
		if (S_ISLNK(stx.stx_mode)) {
			snprintf(err, errlen, "not a cgroup v2 directory (a symbolic link)");
			goto out;
		}
		if (mnt != root_mnt) {
			snprintf(err, errlen, "not a cgroup v2 directory (crosses a mount point)");
			goto out;
		}
		p += n;
		if (*p == '/')
			p++;
		if (*p && !S_ISDIR(stx.stx_mode)) {
			snprintf(err, errlen, "no such cgroup");
			rc = POLICY_NO_CGROUP;
			goto out;
		}
	}
	if (!S_ISDIR(stx.stx_mode)) {
		snprintf(err, errlen, "not a cgroup v2 directory");
		goto out;
	}
	if (fstatfs(fd, &sfs)) {
		snprintf(err, errlen, "cannot statfs: %s", strerror(errno));
		goto out;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, errlen, "not a cgroup v2 directory");
		goto out;
	}
	*id = (uint64_t)stx.stx_ino;
	rc = 0;
out:
	close(fd);
	return rc;
}
