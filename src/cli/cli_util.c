/* SPDX-License-Identifier: MIT */
/* cli_util.c - option helpers shared by the subcommands (see cli.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int ks_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "konseki %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(run 'konseki %s --help' for usage)\n", cmd);
    return KS_EXIT_USAGE;
}

int ks_cli_time(const char *cmd, const char *opt, const char *val, int64_t *ns)
{
    if (ks_time_parse_user(val, strlen(val), ks_time_now(), ns) != 0)
        return ks_cli_usage_error(cmd,
                                  "%s: cannot read time '%s' (RFC 3339, YYYY-MM-DD, @EPOCH, now, "
                                  "-2h, now-1d)",
                                  opt, val);
    return 0;
}

bool ks_cli_is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}
