// SPDX-License-Identifier: GPL-2.0
/* cpuguard: confine cgroups to CPU sets with a BPF LSM. Command dispatch. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cpuguard.h"

#ifndef CPUGUARD_VERSION
#define CPUGUARD_VERSION "unknown"
#endif
#define STR_(x) #x
#define STR(x) STR_(x)
#define DEFAULT_LOCK_WAIT_STR STR(DEFAULT_LOCK_WAIT)

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
	"  unload [--wait SECONDS]     detach and unpin everything; no restriction remains\n"
	"  check [--possible LIST] [--syntax-only] FILE\n"
	"                              validate a policy file, change nothing; for another\n"
	"                              machine's CPUs, or without resolving cgroups\n"
	"  apply [--wait SECONDS] FILE validate, then atomically replace the whole policy\n"
	"  show [--json]               the policy in force\n"
	"  status [--json]             loaded or not (and why), versions, kernel support,\n"
	"                              entry count, counters\n"
	"  audit [--follow] [--json | --journal] [--output FILE]\n"
	"                              print audit events; without --follow, print what\n"
	"                              is pending and exit; --journal sends each one to\n"
	"                              the systemd journal with structured fields;\n"
	"                              --output appends them to FILE\n"
	"  tasks [--json] [--narrow]   threads running outside their set (exit 1 if any);\n"
	"                              --narrow sets each to (affinity & set), or to the\n"
	"                              set (exit 1 if some thread could not be changed)\n"
	"  metrics [FILE]              counters and state in the Prometheus text format,\n"
	"                              to FILE atomically (node_exporter's textfile\n"
	"                              collector) or to standard output\n"
	"  -h, --help | -V, --version\n"
	"\n"
	"Every command also takes -p, --pin-dir DIR, to find a cpuguard loaded\n"
	"there, --cgroup-root DIR, the cgroup2 mount (default: /sys/fs/cgroup, else\n"
	"the first cgroup2 mount), and -v, --verbose, to show libbpf's and the\n"
	"verifier's messages and every missing kernel feature. -j is --json, -f is\n"
	"--follow. --wait: how long apply and unload wait for another apply's lock\n"
	"(default " DEFAULT_LOCK_WAIT_STR " s). With --json, errors are JSON objects {\"error\": ...}.\n"
	"\n"
	"Policy file (see cpuguard.conf(5)):\n"
	"  set NAME CPULIST            a named CPU set, e.g. set work 2-7\n"
	"  cgroup PATH CPUS [audit] [strict] [optional]\n"
	"                              confine /PATH (below the cgroup2 mount) to a\n"
	"                              CPULIST or a set NAME; a cgroup created at\n"
	"                              PATH later (a restart) is confined at once;\n"
	"                              optional: PATH need not exist yet\n"
	"\n"
	"Exit status: 0 success, 1 failure (invalid policy, unsupported kernel, not\n"
	"loaded, missing privilege, lock not obtained; status prints its report and\n"
	"exits 1 when cpuguard is not loaded, the kernel cannot run it or the caller\n"
	"lacks privilege), 2 usage error.\n";

/* Options a command accepts, beyond --pin-dir, --cgroup-root, --verbose. */
enum {
	OPT_FILE = 1 << 0, /* takes FILE */
	OPT_JSON = 1 << 1,
	OPT_FOLLOW = 1 << 2,
	OPT_WAIT = 1 << 3,
	OPT_CHECK = 1 << 4, /* --possible, --syntax-only */
	OPT_NARROW = 1 << 5,
	OPT_OPTIONAL_FILE = 1 << 6, /* takes FILE, or none */
	OPT_JOURNAL = 1 << 7,
	OPT_OUTPUT = 1 << 8, /* audit --output FILE */
};

static const struct command {
	const char *name;
	unsigned opts;
	int (*run)(const struct options *o);
} commands[] = {
	{ "load", 0, cmd_load },
	{ "unload", OPT_WAIT, cmd_unload },
	{ "check", OPT_FILE | OPT_CHECK, cmd_check },
	{ "apply", OPT_FILE | OPT_WAIT, cmd_apply },
	{ "show", OPT_JSON, cmd_show },
	{ "status", OPT_JSON, cmd_status },
	{ "audit", OPT_JSON | OPT_FOLLOW | OPT_JOURNAL | OPT_OUTPUT, cmd_audit },
	{ "tasks", OPT_JSON | OPT_NARROW, cmd_tasks },
	{ "metrics", OPT_OPTIONAL_FILE, cmd_metrics },
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

enum { LONG_CGROUP_ROOT = 256, LONG_WAIT, LONG_POSSIBLE, LONG_SYNTAX_ONLY, LONG_NARROW, LONG_OUTPUT };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },	   { "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },	   { "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },	   { "pin-dir", required_argument, NULL, 'p' },
		{ "cgroup-root", required_argument, NULL, LONG_CGROUP_ROOT },
		{ "wait", required_argument, NULL, LONG_WAIT },
		{ "possible", required_argument, NULL, LONG_POSSIBLE },
		{ "syntax-only", no_argument, NULL, LONG_SYNTAX_ONLY },
		{ "narrow", no_argument, NULL, LONG_NARROW },
		{ "journal", no_argument, NULL, 'J' },
		{ "output", required_argument, NULL, LONG_OUTPUT },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .pin_dir = DEFAULT_PIN_DIR, .wait = -1 };
	const struct command *cmd = NULL;
	unsigned used = 0; /* OPT_* given */
	char *end;
	long v;
	int c;

	/* '+' would stop at the command; '-' hands us non-options in order, so
	 * options may come before or after the command. */
	while ((c = getopt_long(argc, argv, "-hVvjfp:", longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (!cmd) {
				if (!(cmd = find_command(optarg)))
					return usage_error("unknown command '%s'", optarg);
			} else if ((cmd->opts & (OPT_FILE | OPT_OPTIONAL_FILE)) && !o.file) {
				o.file = optarg;
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
		case 'j': o.json = true; used |= OPT_JSON; break;
		case 'f': o.follow = true; used |= OPT_FOLLOW; break;
		case 'J': o.journal = true; used |= OPT_JOURNAL; break;
		case 'p': o.pin_dir = optarg; break;
		case LONG_CGROUP_ROOT: o.cgroup_root = optarg; break;
		case LONG_WAIT:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > 86400)
				return usage_error("--wait needs a number of seconds (0-86400), not '%s'", optarg);
			o.wait = (int)v;
			used |= OPT_WAIT;
			break;
		case LONG_POSSIBLE: o.possible = optarg; used |= OPT_CHECK; break;
		case LONG_SYNTAX_ONLY: o.syntax_only = true; used |= OPT_CHECK; break;
		case LONG_NARROW: o.narrow = true; used |= OPT_NARROW; break;
		case LONG_OUTPUT: o.output = optarg; used |= OPT_OUTPUT; break;
		default:
			return usage_error("%s", "bad option");
		}
	}
	if (!cmd)
		return usage_error("%s", "no command given");
	if ((used & OPT_JSON) && !(cmd->opts & OPT_JSON))
		return usage_error("%s does not take --json", cmd->name);
	if ((used & OPT_JOURNAL) && (!(cmd->opts & OPT_JOURNAL) || o.json))
		return usage_error("%s", "--journal is an option of audit, without --json");
	if ((used & OPT_FOLLOW) && !(cmd->opts & OPT_FOLLOW))
		return usage_error("%s does not take --follow", cmd->name);
	if ((used & OPT_OUTPUT) && (!(cmd->opts & OPT_OUTPUT) || o.journal))
		return usage_error("%s", "--output is an option of audit, without --journal");
	if ((used & OPT_NARROW) && !(cmd->opts & OPT_NARROW))
		return usage_error("%s does not take --narrow", cmd->name);
	if ((used & OPT_WAIT) && !(cmd->opts & OPT_WAIT))
		return usage_error("%s does not take --wait", cmd->name);
	if ((used & OPT_CHECK) && !(cmd->opts & OPT_CHECK))
		return usage_error("%s does not take --possible or --syntax-only", cmd->name);
	if ((cmd->opts & OPT_FILE) && !o.file)
		return usage_error("%s needs a policy FILE", cmd->name);
	if (o.cgroup_root)
		set_cgroup_root(o.cgroup_root);
	diag_init(&o);
	return cmd->run(&o);
}
