/* SPDX-License-Identifier: MIT */
/*
 * cmd_stats.c - `konseki stats --store DIR`: what a store holds (events per kind, per dataset,
 * per day), how much disk it takes and how many bytes each event costs.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"

static const char stats_help[] =
    "usage: konseki stats --store DIR [--format table|json]\n"
    "\n"
    "Events per kind, per source (dataset) and per day; segments, bytes on disk, bytes per event.\n";

static void print_table(const struct ks_store_stats *s)
{
    char a[KS_TIME_STRLEN], b[KS_TIME_STRLEN];
    printf("events          %" PRIu64 "\n", s->events);
    printf("segments        %" PRIu64 "\n", s->segments);
    printf("bytes on disk   %" PRIu64 "\n", s->bytes_on_disk);
    printf("bytes per event %.1f\n", s->events ? (double)s->bytes_on_disk / (double)s->events : 0.0);
    if (s->events) {
        ks_time_format(s->min_ts, a, sizeof a);
        ks_time_format(s->max_ts, b, sizeof b);
        printf("time range      %s .. %s\n", a, b);
    }
    printf("\n%-12s %14s\n", "KIND", "EVENTS");
    for (unsigned k = 0; k < KS_KIND_COUNT; k++)
        if (s->per_kind[k])
            printf("%-12s %14" PRIu64 "\n", ks_event_kind_name(k), s->per_kind[k]);
    printf("\n%-40s %14s\n", "SOURCE", "EVENTS");
    for (size_t i = 0; i < s->ndatasets; i++)
        printf("%-40s %14" PRIu64 "\n", s->dataset_names[i][0] ? s->dataset_names[i] : "(none)",
               s->dataset_events[i]);
    printf("\n%-12s %14s\n", "DAY (UTC)", "EVENTS");
    for (size_t i = 0; i < s->ndays; i++) {
        ks_time_format(s->day_start[i], a, sizeof a);
        printf("%-12.10s %14" PRIu64 "\n", a, s->day_events[i]);
    }
}

static void print_json(const struct ks_store_stats *s)
{
    struct ks_buf b;
    char t[KS_TIME_STRLEN];
    ks_buf_init(&b, 64u << 20);
    ks_buf_printf(&b, "{\"events\":%" PRIu64 ",\"segments\":%" PRIu64 ",\"bytes_on_disk\":%" PRIu64,
                  s->events, s->segments, s->bytes_on_disk);
    ks_buf_printf(&b, ",\"per_kind\":{");
    for (unsigned k = 0, first = 1; k < KS_KIND_COUNT; k++)
        if (s->per_kind[k]) {
            ks_buf_printf(&b, "%s\"%s\":%" PRIu64, first ? "" : ",", ks_event_kind_name(k),
                          s->per_kind[k]);
            first = 0;
        }
    ks_buf_printf(&b, "},\"per_dataset\":{");
    for (size_t i = 0; i < s->ndatasets; i++) {
        ks_buf_printf(&b, "%s\"", i ? "," : "");
        ks_buf_json_escape(&b, s->dataset_names[i], strlen(s->dataset_names[i]));
        ks_buf_printf(&b, "\":%" PRIu64, s->dataset_events[i]);
    }
    ks_buf_printf(&b, "},\"per_day\":{");
    for (size_t i = 0; i < s->ndays; i++) {
        ks_time_format(s->day_start[i], t, sizeof t);
        ks_buf_printf(&b, "%s\"%.10s\":%" PRIu64, i ? "," : "", t, s->day_events[i]);
    }
    ks_buf_printf(&b, "}}\n");
    fwrite(b.p, 1, b.len, stdout);
    ks_buf_free(&b);
}

int ks_cmd_stats(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *store_dir = NULL;
    bool json = false;
    struct ks_store *st = NULL;
    struct ks_store_stats s;
    int c, rc;

    memset(&s, 0, sizeof s);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            store_dir = optarg;
            break;
        case 'o':
            if (!strcmp(optarg, "json"))
                json = true;
            else if (strcmp(optarg, "table"))
                return ks_cli_usage_error("stats", "--format: table or json, not '%s'", optarg);
            break;
        case 'h':
            fputs(stats_help, stdout);
            return KS_EXIT_OK;
        default:
            return ks_cli_usage_error("stats", "bad option");
        }
    }
    if (!store_dir)
        return ks_cli_usage_error("stats", "--store DIR is required");
    if (optind < argc)
        return ks_cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
    rc = ks_store_open(store_dir, KS_STORE_RDONLY, &st);
    if (rc == 0)
        rc = ks_store_stats(st, &s);
    if (rc != 0) {
        ks_log_error("%s: %s", store_dir, ks_strerror(rc));
        if (st)
            ks_store_close(st);
        return KS_EXIT_FAIL;
    }
    if (json)
        print_json(&s);
    else
        print_table(&s);
    ks_store_stats_free(&s);
    ks_store_close(st);
    return fflush(stdout) == 0 ? KS_EXIT_OK : KS_EXIT_FAIL;
}
