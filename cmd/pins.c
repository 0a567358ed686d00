// SPDX-License-Identifier: GPL-2.0
/* The pin directory: what is cpuguard's, and nothing else.
 *
 * /sys/fs/bpf is often mode 1777 (a plain `mount -t bpf bpf /sys/fs/bpf`):
 * anyone may create a directory or a symbolic link there. So nothing at the
 * pin directory is trusted because of its name: the directory must be a
 * real directory on bpffs, owned by root, mode 0700 (opened with
 * O_NOFOLLOW and checked through that descriptor), and each pin must be a
 * BPF object of the kind and name the pin table says. Only pins named in
 * the table are ever removed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cpuguard.h"

const struct pin_desc pins[NR_PINS] = {
#define PIN_DESC(field, file, kind, member) [PIN_ID_##field] = { file, PIN_##kind, #member },
	CPUGUARD_PINS(PIN_DESC)
#undef PIN_DESC
};

static void why(struct guard_probe *p, enum guard_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why(struct guard_probe *p, enum guard_state st, const char *fmt, ...)
{
	va_list ap;

	p->state = st;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
}

#define NOT_OURS_FIX "remove it if nothing else needs it, and mount the BPF file system with -o mode=700 so that only root can create entries there"

int pin_dir_open(const char *pin_dir, struct guard_probe *p)
{
	struct statfs sfs;
	struct stat st;
	int fd;

	p->state = GUARD_ABSENT;
	p->why[0] = 0;
	fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		struct stat lst;

		if (e == ENOENT)
			return -1;
		if (e == ELOOP || (e == ENOTDIR && !lstat(pin_dir, &lst) && S_ISLNK(lst.st_mode)))
			why(p, GUARD_FOREIGN, "%s is a symbolic link, not cpuguard's pin directory: %s", pin_dir,
			    NOT_OURS_FIX);
		else if (e == ENOTDIR)
			why(p, GUARD_FOREIGN, "%s is not a directory, so not cpuguard's pin directory: %s", pin_dir,
			    NOT_OURS_FIX);
		else
			why(p, GUARD_ERROR, "cannot open %s: %s", pin_dir, strerror(e));
		return -1;
	}
	if (fstatfs(fd, &sfs) || fstat(fd, &st)) {
		why(p, GUARD_ERROR, "cannot examine %s: %s", pin_dir, strerror(errno));
	} else if (sfs.f_type != BPF_FS_MAGIC) {
		why(p, GUARD_FOREIGN, "%s is not on a BPF file system (bpffs): use a directory below /sys/fs/bpf",
		    pin_dir);
	} else if (st.st_uid != 0) {
		why(p, GUARD_FOREIGN, "%s is owned by uid %u, not root, so not cpuguard's pin directory: %s",
		    pin_dir, (unsigned)st.st_uid, NOT_OURS_FIX);
	} else if ((st.st_mode & 07777) != 0700) {
		why(p, GUARD_FOREIGN, "%s has mode %04o, not 0700, so not cpuguard's pin directory: %s", pin_dir,
		    (unsigned)(st.st_mode & 07777), NOT_OURS_FIX);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

static bool known_name(const char *name)
{
	if (!strcmp(name, PIN_VERSION))
		return true;
	for (int i = 0; i < NR_PINS; i++)
		if (!strcmp(name, pins[i].file))
			return true;
	return false;
}

/* "anon_inode:bpf-map", "anon_inode:bpf-prog", "anon_inode:bpf-link" (a
 * link's fd from bpf_obj_get(); "bpf_link" when it was created) */
static int fd_kind(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	if (!strcmp(link, "anon_inode:bpf-map"))
		return PIN_MAP;
	if (!strcmp(link, "anon_inode:bpf-prog"))
		return PIN_PROG;
	if (!strcmp(link, "anon_inode:bpf-link") || !strcmp(link, "anon_inode:bpf_link"))
		return PIN_LINK;
	return -1;
}

static bool same_name(const char *kernel_name, const char *want)
{
	/* The kernel keeps BPF_OBJ_NAME_LEN - 1 = 15 bytes of a name. */
	return !strncmp(kernel_name, want, 15) && strlen(kernel_name) == (strlen(want) < 15 ? strlen(want) : 15);
}

/* Is the object behind @fd a @kind named @name? */
static bool object_is(int fd, enum pin_kind kind, const char *name)
{
	if (fd_kind(fd) != (int)kind)
		return false;
	if (kind == PIN_MAP) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		return !bpf_obj_get_info_by_fd(fd, &info, &len) && same_name(info.name, name);
	}
	if (kind == PIN_PROG) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		return !bpf_obj_get_info_by_fd(fd, &info, &len) && same_name(info.name, name);
	}
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);
	int prog;
	bool ok;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || (prog = bpf_prog_get_fd_by_id(info.prog_id)) < 0)
		return false;
	ok = object_is(prog, PIN_PROG, name);
	close(prog);
	return ok;
}

static const char *kind_name(enum pin_kind k)
{
	return k == PIN_MAP ? "map" : k == PIN_PROG ? "program" : "link";
}

/* 1: present and verified; 0: absent; -1: present but not what it should be. */
static int check_pin(int dir_fd, const char *pin_dir, const char *file, enum pin_kind kind,
		     const char *obj_name, struct guard_probe *p)
{
	char path[4096];
	struct stat st;
	int fd, ok;

	if (fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT)
			return 0;
		why(p, GUARD_ERROR, "cannot examine %s/%s: %s", pin_dir, file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0) {
		why(p, GUARD_FOREIGN, "%s/%s is not a pinned BPF object of root's, so %s is not cpuguard's: %s",
		    pin_dir, file, pin_dir, NOT_OURS_FIX);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, file);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, file);
		fd = bpf_obj_get(path);
	}
	if (fd < 0) {
		why(p, errno == EPERM || errno == EACCES ? GUARD_ERROR : GUARD_FOREIGN,
		    "cannot open %s/%s: %s", pin_dir, file, strerror(errno));
		return -1;
	}
	ok = object_is(fd, kind, obj_name);
	close(fd);
	if (!ok) {
		why(p, GUARD_FOREIGN,
		    "%s/%s is not cpuguard's %s %s: %s holds something else; unload it with the tool that made it",
		    pin_dir, file, kind_name(kind), obj_name, pin_dir);
		return -1;
	}
	return 1;
}

static const char *obj_name(const struct pin_desc *d)
{
	const char *dot = strchr(d->obj_name, '.');

	return dot ? dot + 1 : d->obj_name;
}

enum guard_state guard_probe(const char *pin_dir, struct guard_probe *p)
{
	int fd = pin_dir_open(pin_dir, p), present = 0, r;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return p->state;
	/* Anything that is not a cpuguard pin: not ours. */
	d = fdopendir(dup(fd));
	if (!d) {
		why(p, GUARD_ERROR, "cannot read %s: %s", pin_dir, strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!known_name(de->d_name)) {
			why(p, GUARD_FOREIGN, "%s holds %s, which is not a cpuguard pin: %s is not cpuguard's",
			    pin_dir, de->d_name, pin_dir);
			closedir(d);
			goto out;
		}
	}
	closedir(d);
	/* Every map and program must be there for the CLI to work, and the
	 * judging link for anything to be enforced; another link may be
	 * missing (then its program is detached, and checks fail closed). */
	for (int i = 0; i < NR_PINS; i++) {
		bool required = pins[i].kind != PIN_LINK || i == PIN_ID_link_judge;

		r = check_pin(fd, pin_dir, pins[i].file, pins[i].kind, obj_name(&pins[i]), p);
		if (r < 0)
			goto out;
		present += r || !required;
		if (i == PIN_ID_link_judge)
			p->state = r ? GUARD_LOADED : GUARD_PARTIAL;
	}
	if (check_pin(fd, pin_dir, PIN_VERSION, PIN_MAP, VERSION_MAP_NAME, p) < 0)
		goto out;
	if (p->state == GUARD_LOADED && present < NR_PINS)
		why(p, GUARD_PARTIAL, "%s has the judging link but not every map and program", pin_dir);
out:
	close(fd);
	return p->state;
}

int unpin_all(const char *pin_dir, char *msg, size_t len)
{
	struct guard_probe p;
	int fd = pin_dir_open(pin_dir, &p), err = 0;

	if (fd < 0) {
		snprintf(msg, len, "%s", p.why);
		return p.state == GUARD_ABSENT ? 0 : -1;
	}
	/* Backwards through the table: the judging link goes first, so
	 * enforcement stops before anything it reads disappears. */
	for (int i = NR_PINS; i >= 0; i--) {
		const char *file = i > 0 ? pins[i - 1].file : PIN_VERSION;
		struct stat st;

		if (fstatat(fd, file, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(fd, file, 0) && errno != ENOENT && !err) {
			err = -1;
			snprintf(msg, len, "cannot remove %s/%s: %s", pin_dir, file, strerror(errno));
		}
	}
	close(fd);
	if (!err && rmdir(pin_dir) && errno != ENOENT) {
		err = -1;
		if (errno == ENOTEMPTY || errno == EEXIST)
			snprintf(msg, len, "%s holds files that are not cpuguard's pins: left in place", pin_dir);
		else
			snprintf(msg, len, "cannot remove %s: %s", pin_dir, strerror(errno));
	}
	return err;
}

int read_build(const char *pin_dir, struct cpuguard_build *b)
{
	char path[4096];
	__u32 key = 0;
	int fd, rc;

	memset(b, 0, sizeof(*b));
	snprintf(path, sizeof(path), "%s/%s", pin_dir, PIN_VERSION);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	rc = bpf_map_lookup_elem(fd, &key, b) ? -1 : 0;
	close(fd);
	b->version[sizeof(b->version) - 1] = 0;
	b->object[sizeof(b->object) - 1] = 0;
	return rc;
}
