// SPDX-License-Identifier: GPL-2.0
/* holdlock PATH SECONDS: take an exclusive flock() on PATH (a file or a
 * directory), print "locked", hold it SECONDS, exit. Busybox has no flock
 * applet; the lock tests of `cpuguard apply` and `unload` need a holder. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: holdlock PATH SECONDS\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		perror(argv[1]);
		return 1;
	}
	printf("locked\n");
	fflush(stdout);
	sleep(atoi(argv[2]));
	return 0;
}
