// SPDX-License-Identifier: GPL-2.0
/* cpuguard: confine cgroups to CPU sets with a BPF LSM. Command dispatch. */
#define _GNU_SOURCE
#include <getopt.h>
#include <string.h>
#include "cpuguard.h"

#ifndef CPUGUARD_VERSION
#define CPUGUARD_VERSION "unknown"
#endif

static const char usage_text[] =
	"Usage: cpuguard [--verbose] COMMAND [OPTIONS]\n"
	"\n"
	"Confine the tasks of cgroup v2 cgroups to CPU sets: sched_setaffinity()\n"
	"requests outside a task's allowed CPUs fail with EPERM (or are only\n"
	"reported, in audit mode).\n"
	"\n"
	"Commands:\n"
	"  load [--pin-dir DIR]        load and attach the programs, pin links and maps\n"
	"                              (default DIR " DEFAULT_PIN_DIR ")\n"
	"  unload                      detach and unpin everything; no restriction remains\n"
	"  check FILE                  validate a policy file, change nothing\n"
	"  apply FILE                  validate, then atomically replace the whole policy\n"
	"  show [--json]               the policy in force\n"
	"  status [--json]             loaded or not, kernel support, entry count, counters\n"
	"  audit [--follow] [--json]   print audit events; without --follow, print what\n"
	"                              is pending and exit\n"
	"  -h, --help | -V, --version\n"
	"\n"
	"Every command also takes -p, --pin-dir DIR, to find a cpuguard loaded\n"
	"there, and -v, --verbose, to show libbpf's and the verifier's messages.\n"
	"-j is --json, -f is --follow.\n"
	"\n"
	"Policy file (see cpuguard.conf(5)):\n"
	"  set NAME CPULIST            a named CPU set, e.g. set work 2-7\n"
	"  cgroup PATH CPUS [audit] [strict]\n"
	"                              confine /PATH (below /sys/fs/cgroup) to a\n"
	"                              CPULIST or a set NAME\n"
	"\n"
	"Exit status: 0 success, 1 failure (invalid policy, unsupported kernel, not\n"
	"loaded, missing privilege; status prints its report and exits 1 when\n"
	"cpuguard is not loaded or the kernel cannot run it), 2 usage error.\n";

enum arg { NO_ARG, FILE_ARG };

static const struct command {
	const char *name;
	enum arg arg;
	bool json, follow;                  /* options it accepts */
	int (*run)(const struct options *o, const char *file);
} commands[];

static int run_load(const struct options *o, const char *f) { (void)f; return cmd_load(o); }
static int run_unload(const struct options *o, const char *f) { (void)f; return cmd_unload(o); }
static int run_show(const struct options *o, const char *f) { (void)f; return cmd_show(o); }
static int run_status(const struct options *o, const char *f) { (void)f; return cmd_status(o); }
static int run_audit(const struct options *o, const char *f) { (void)f; return cmd_audit(o); }

static const struct command commands[] = {
	{ "load", NO_ARG, false, false, run_load },
	{ "unload", NO_ARG, false, false, run_unload },
	{ "check", FILE_ARG, false, false, cmd_check },
	{ "apply", FILE_ARG, false, false, cmd_apply },
	{ "show", NO_ARG, true, false, run_show },
	{ "status", NO_ARG, true, false, run_status },
	{ "audit", NO_ARG, true, true, run_audit },
};

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "cpuguard: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nTry 'cpuguard --help'.\n");
	return EXIT_USAGE;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },	   { "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },	   { "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },	   { "pin-dir", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .pin_dir = DEFAULT_PIN_DIR };
	const struct command *cmd = NULL;
	const char *file = NULL;
	int c;

	/* '+' would stop at the command; '-' hands us non-options in order, so
	 * options may come before or after the command. */
	while ((c = getopt_long(argc, argv, "-hVvjfp:", longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (!cmd) {
				if (!(cmd = find_command(optarg)))
					return usage_error("unknown command '%s'", optarg);
			} else if (cmd->arg == FILE_ARG && !file) {
				file = optarg;
			} else {
				return usage_error("unexpected argument '%s'", optarg);
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("cpuguard %s\n", CPUGUARD_VERSION);
			return EXIT_OK;
		case 'v': o.verbose = true; break;
		case 'j': o.json = true; break;
		case 'f': o.follow = true; break;
		case 'p': o.pin_dir = optarg; break;
		default:
			return usage_error("%s", "bad option");
		}
	}
	if (!cmd)
		return usage_error("%s", "no command given");
	if (o.json && !cmd->json)
		return usage_error("%s does not take --json", cmd->name);
	if (o.follow && !cmd->follow)
		return usage_error("%s does not take --follow", cmd->name);
	if (cmd->arg == FILE_ARG && !file)
		return usage_error("%s needs a policy FILE", cmd->name);
	return cmd->run(&o, file);
}
