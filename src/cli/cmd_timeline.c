/* SPDX-License-Identifier: MIT */
/*
 * cmd_timeline.c - `konseki timeline --store DIR --entity KIND:VALUE`: every stored event of one
 * entity (an address as source or destination, a user, a host name, an observer) in time order,
 * as a table, JSON lines or CSV.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"
#include "store/store.h"

static const char timeline_help[] =
    "usage: konseki timeline --store DIR --entity KIND:VALUE [options]\n"
    "\n"
    "Every stored event of one entity, in time order.\n"
    "\n"
    "  --entity ip:ADDR          events with ADDR as source or destination (IPv4 or IPv6)\n"
    "  --entity user:NAME        events of this account\n"
    "  --entity host:NAME        events naming this host (source, destination or observer)\n"
    "  --entity observer:NAME    events reported by this device or sensor\n"
    "  --from T, --to T          window [from, to): RFC 3339, YYYY-MM-DD, @EPOCH, now, -2h, now-1d\n"
    "  --kind K[,K...]           only these kinds (flow, auth, process, ...)\n"
    "  --limit N                 at most N events\n"
    "  --format table|json|csv   output (default table; json uses Elastic Common Schema names)\n";

static int parse_entity(const char *arg, struct ks_query *q)
{
    const char *colon = strchr(arg, ':');
    if (!colon || !colon[1])
        return KS_EINVAL;
    size_t klen = (size_t)(colon - arg);
    const char *val = colon + 1;
    struct ks_sv v = ks_sv_cstr(val);
    if (klen == 2 && !memcmp(arg, "ip", 2))
        return ks_addr_parse(val, strlen(val), &q->addr) == 0 ? 0 : KS_EINVAL;
    if (klen == 4 && !memcmp(arg, "user", 4))
        q->user = v;
    else if (klen == 4 && !memcmp(arg, "host", 4))
        q->host = v;
    else if (klen == 8 && !memcmp(arg, "observer", 8))
        q->observer = v;
    else
        return KS_EINVAL;
    return 0;
}

static int parse_kinds(const char *arg, uint32_t *mask)
{
    const char *p = arg;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int k = ks_event_kind_parse(ks_sv_make(p, n));
        if (k < 0)
            return KS_EINVAL;
        *mask |= 1u << k;
        p += n + (e ? 1 : 0);
    }
    return 0;
}

static int write_one(void *arg, const struct ks_event *ev)
{
    return ks_report_events_write(arg, ev);
}

int ks_cmd_timeline(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"entity", required_argument, NULL, 'e'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"kind", required_argument, NULL, 'k'},
        {"limit", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *store_dir = NULL;
    struct ks_query q;
    struct ks_store *st = NULL;
    struct ks_event_writer *w = NULL;
    int fmt = KS_FMT_TABLE, c, rc, exit_code = KS_EXIT_FAIL;
    bool have_entity = false;

    ks_query_init(&q);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            store_dir = optarg;
            break;
        case 'e':
            if (parse_entity(optarg, &q) != 0)
                return ks_cli_usage_error("timeline", "--entity: expected ip:ADDR, user:NAME, "
                                                      "host:NAME or observer:NAME, got '%s'",
                                          optarg);
            have_entity = true;
            break;
        case 'F':
            if ((rc = ks_cli_time("timeline", "--from", optarg, &q.from)) != 0)
                return rc;
            break;
        case 'T':
            if ((rc = ks_cli_time("timeline", "--to", optarg, &q.to)) != 0)
                return rc;
            break;
        case 'k':
            if (parse_kinds(optarg, &q.kind_mask) != 0)
                return ks_cli_usage_error("timeline", "--kind: unknown kind in '%s'", optarg);
            break;
        case 'l':
            if (ks_parse_u64(optarg, strlen(optarg), &q.limit) != 0)
                return ks_cli_usage_error("timeline", "--limit: not a number '%s'", optarg);
            break;
        case 'o':
            if ((fmt = ks_report_format_parse(optarg)) < 0)
                return ks_cli_usage_error("timeline", "--format: table, json or csv, not '%s'",
                                          optarg);
            break;
        case 'h':
            fputs(timeline_help, stdout);
            return KS_EXIT_OK;
        default:
            return ks_cli_usage_error("timeline", "bad option");
        }
    }
    if (!store_dir)
        return ks_cli_usage_error("timeline", "--store DIR is required");
    if (!have_entity)
        return ks_cli_usage_error("timeline", "--entity KIND:VALUE is required");
    if (optind < argc)
        return ks_cli_usage_error("timeline", "unexpected argument '%s'", argv[optind]);
    if (q.from >= q.to)
        return ks_cli_usage_error("timeline", "--from must be before --to");

    rc = ks_store_open(store_dir, KS_STORE_RDONLY, &st);
    if (rc != 0) {
        ks_log_error("%s: cannot open store: %s", store_dir, ks_strerror(rc));
        goto out;
    }
    if ((rc = ks_report_events_open(stdout, (enum ks_report_format)fmt, &w)) != 0)
        goto out;
    rc = ks_store_scan(st, &q, write_one, w);
    int rc2 = ks_report_events_close(w);
    w = NULL;
    if (rc == 0)
        rc = rc2;
    if (rc != 0) {
        ks_log_error("%s: %s", store_dir, ks_strerror(rc));
        goto out;
    }
    exit_code = KS_EXIT_OK;
out:
    ks_report_events_close(w);
    if (st)
        ks_store_close(st);
    return exit_code;
}
