// SPDX-License-Identifier: GPL-2.0
/* Test driver: print how many keys the pinned hash map PIN holds.
 *
 *   map_entries PIN
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

int main(int argc, char **argv)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char key[4096], next[4096];
	long n = 0;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: map_entries PIN\n");
		return 2;
	}
	fd = bpf_obj_get(argv[1]);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size > sizeof(key)) {
		fprintf(stderr, "map_entries: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, next); prev = key, n++)
		memcpy(key, next, info.key_size);
	printf("%ld\n", n);
	return 0;
}
