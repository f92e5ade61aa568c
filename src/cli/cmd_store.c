/* SPDX-License-Identifier: MIT */
/*
 * cmd_store.c - `konseki store verify --store DIR`: read every published segment, check every
 * checksum and structure, and say whether the store is intact.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"

static const char store_help[] =
    "usage: konseki store verify --store DIR\n"
    "\n"
    "Reads every published segment of the store and checks every block checksum and structure.\n"
    "Exit status: 0 intact, 1 damaged segments found (each named on stderr) or unreadable store.\n";

int ks_cmd_store(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *store_dir = NULL;
    struct ks_store *st = NULL;
    struct ks_verify_report vr;
    int c, rc;

    if (argc < 2 || ks_cli_is_help(argv[1])) {
        fputs(store_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? KS_EXIT_USAGE : KS_EXIT_OK;
    }
    if (strcmp(argv[1], "verify"))
        return ks_cli_usage_error("store", "unknown store command '%s'", argv[1]);
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            store_dir = optarg;
            break;
        case 'h':
            fputs(store_help, stdout);
            return KS_EXIT_OK;
        default:
            return ks_cli_usage_error("store", "bad option");
        }
    }
    if (!store_dir)
        return ks_cli_usage_error("store", "--store DIR is required");
    memset(&vr, 0, sizeof vr);
    rc = ks_store_open(store_dir, KS_STORE_RDONLY, &st);
    if (rc == 0)
        rc = ks_store_verify(st, &vr);
    if (st)
        ks_store_close(st);
    if (rc != 0 && rc != KS_ECORRUPT) {
        ks_log_error("%s: %s", store_dir, ks_strerror(rc));
        return KS_EXIT_FAIL;
    }
    printf("segments ok %" PRIu64 ", damaged %" PRIu64 ", events %" PRIu64
           ", orphan temp files %" PRIu64 "\n",
           vr.segments_ok, vr.segments_bad, vr.events, vr.orphans);
    printf("%s\n", vr.segments_bad ? "store DAMAGED" : "store intact");
    return vr.segments_bad || rc ? KS_EXIT_FAIL : KS_EXIT_OK;
}
