/* SPDX-License-Identifier: MIT */
/*
 * main.c - the konseki command: dispatches to one cmd_<name>.c per subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct ks_cmd commands[] = {
    {.name = "ingest", .summary = "parse inputs and add their events to a store", .run = ks_cmd_ingest},
    {.name = "stats", .summary = "events per kind, source and day; bytes on disk", .run = ks_cmd_stats},
    {.name = "timeline", .summary = "every event of one entity, in time order", .run = ks_cmd_timeline},
    {.name = "store", .summary = "store maintenance: store verify", .run = ks_cmd_store},
    {.name = "listen", .summary = "receive syslog and flows live into a store", .run = ks_cmd_listen},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: konseki <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < KS_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'konseki <command> --help' for a command's options.\n"
               "Exit status: 0 done, 1 failed, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return KS_EXIT_USAGE;
    }
    if (ks_cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
        usage(stdout);
        return KS_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("konseki 0.1.0\n");
        return KS_EXIT_OK;
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "konseki: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return KS_EXIT_USAGE;
}
