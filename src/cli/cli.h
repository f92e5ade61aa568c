/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the subcommands (cmd_<name>.c) share: the command table, exit codes and option
 * helpers. Exit codes mean: 0 done (warnings about bad records may have been printed),
 * 1 failed (nothing could be processed, or the store could not be read/written), 2 usage error.
 */
#ifndef KS_CLI_H
#define KS_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"

enum ks_exit {
    KS_EXIT_OK = 0,
    KS_EXIT_FAIL = 1,
    KS_EXIT_USAGE = 2,
};

typedef int (*ks_cmd_fn)(int argc, char **argv);

struct ks_cmd {
    const char *name;
    const char *summary;
    ks_cmd_fn run;
};

int ks_cmd_ingest(int argc, char **argv);
int ks_cmd_stats(int argc, char **argv);
int ks_cmd_timeline(int argc, char **argv);
int ks_cmd_store(int argc, char **argv);
int ks_cmd_listen(int argc, char **argv);

/* Prints "konseki <cmd>: <msg>" and a hint to run --help; returns KS_EXIT_USAGE. */
int ks_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses a --from/--to value; prints a usage error naming opt on failure. */
int ks_cli_time(const char *cmd, const char *opt, const char *val, int64_t *ns);
/* True when the argument asks for help. */
bool ks_cli_is_help(const char *arg);

#endif /* KS_CLI_H */
