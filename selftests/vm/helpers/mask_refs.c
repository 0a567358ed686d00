// SPDX-License-Identifier: GPL-2.0
/* Test driver: print the reference count of the mask of one policy line,
 * read from cpuguard's pinned path_map by selftests/progs/mask_refs.bpf.c.
 *
 *   mask_refs PIN_DIR GEN PATH
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cpuguard.h"
#include "mask_refs.skel.h"

struct mask_refs_args {
	struct path_key key;
	__u32 refs;
	__s32 err;
};

int main(int argc, char **argv)
{
	struct mask_refs_args a = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));
	struct mask_refs *skel;
	char pin[4096];
	int fd, err;

	if (argc != 4 || strlen(argv[3]) >= sizeof(a.key.path)) {
		fprintf(stderr, "usage: mask_refs PIN_DIR GEN PATH\n");
		return 2;
	}
	a.key.gen = (__u32)atoi(argv[2]);
	memcpy(a.key.path, argv[3], strlen(argv[3]));
	snprintf(pin, sizeof(pin), "%s/path_map", argv[1]);
	fd = bpf_obj_get(pin);
	skel = mask_refs__open();
	if (fd < 0 || !skel || bpf_map__reuse_fd(skel->maps.path_map, fd) || mask_refs__load(skel)) {
		fprintf(stderr, "mask_refs: cannot load against %s: %s\n", pin, strerror(errno));
		return 2;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.mask_refs), &opts);
	if (err || a.err) {
		fprintf(stderr, "mask_refs: %s %s: %s\n", argv[2], argv[3], strerror(err ? errno : -a.err));
		return 1;
	}
	printf("%u\n", a.refs);
	mask_refs__destroy(skel);
	return 0;
}
