/* SPDX-License-Identifier: MIT */
/*
 * cmd_listen.c - `konseki listen --store DIR ...`: the daemon. It receives syslog (UDP, TCP) and
 * flows (UDP) through the live receiver (ingest_listen.c), which writes every message to a
 * write-ahead log in DIR/wal before anything else; this thread parses the log into events,
 * appends them to the store and commits periodically together with the WAL position, so a
 * restart (even after kill -9) replays exactly what was logged but not yet committed.
 * SIGTERM/SIGINT: stop receiving, drain, commit, exit 0. SIGHUP: reload the inventory.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"
#include "ingest/ingest_listen.h"
#include "inventory/inventory.h"
#include "store/store.h"

static const char listen_help[] =
    "usage: konseki listen --store DIR [options] ENDPOINT...\n"
    "\n"
    "Receives syslog and flows and adds their events to the store DIR (created if missing).\n"
    "Every message is first written to a write-ahead log (DIR/wal), so a crash or kill -9 loses\n"
    "no TCP message that was acknowledged (fdatasynced, within 5 ms) and at most the last 100 ms\n"
    "of UDP data on power loss (1 ms on kill -9, plus what the kernel socket buffer held).\n"
    "\n"
    "endpoints (each may be given several times; ADDR:PORT, IPv6 as [ADDR]:PORT):\n"
    "  --syslog-udp ADDR:PORT   RFC 3164 / RFC 5424 syslog, one message per datagram\n"
    "  --syslog-tcp ADDR:PORT   syslog over TCP, RFC 6587 octet counting or LF framing\n"
    "  --flow-udp ADDR:PORT     NetFlow v5, v9 and IPFIX export datagrams\n"
    "\n"
    "options:\n"
    "  --store DIR              the store directory (required)\n"
    "  --inventory FILE         konseki.yaml inventory; SIGHUP reloads it\n"
    "  --stats-interval SECS    print a stats line on stderr every SECS (default 60; 0: never)\n"
    "  --queue-mb N             unparsed WAL data before UDP is dropped and TCP paused (256)\n"
    "  --commit-interval SECS   publish events at least this often (default 30)\n"
    "  --max-conns N            TCP connections at once (default 256)\n"
    "  --ready-file PATH        write the bound endpoints there once listening (scripts, tests)\n"
    "\n"
    "The stats line: per endpoint received, parsed, malformed, dropped (queue full), bad frames;\n"
    "then the backlog and the TCP messages acknowledged (durable; also in DIR/wal/acked).\n"
    "Exit status: 0 after a clean stop, 1 when the store or a socket failed, 2 on usage errors.\n";

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_reload;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        g_reload = 1;
    else
        g_stop = 1;
}

struct listen_run {
    struct ks_store *st;
    struct ks_listen *l;
    struct ks_resume_entry *resume; /* others' entries + ours at [nresume - 1] */
    size_t nresume;
    uint64_t committed;
    uint64_t appended;  /* events appended since the last commit */
    uint64_t commits;
};

/* The resume identity of the WAL: a fixed hash, identity_len 0 (no input bytes behind it). */
static uint64_t wal_identity(void)
{
    static const char id[] = "konseki-listen:wal";
    return ks_hash64(id, sizeof id - 1, 0);
}

static int sink(void *arg, const struct ks_event *ev)
{
    struct listen_run *r = arg;
    int rc = ks_store_append(r->st, ev);
    if (rc != 0)
        return rc;
    r->appended++;
    /* > 0: stop polling after this WAL record, so the commit happens at a record boundary and
     * the open segment never reaches its hard cap */
    return ks_store_want_commit(r->st) ? 1 : 0;
}

static int commit(struct listen_run *r)
{
    uint64_t pos = ks_listen_position(r->l);
    if (pos == r->committed && r->appended == 0)
        return 0;
    r->resume[r->nresume - 1].watermark = pos;
    int rc = ks_store_commit(r->st, r->resume, r->nresume);
    if (rc != 0)
        return rc;
    r->committed = pos;
    r->appended = 0;
    r->commits++;
    ks_listen_release(r->l, pos);
    return 0;
}

/* Copies the stored resume state, keeping one slot (the last) for the WAL. */
static int load_resume(struct listen_run *r)
{
    const struct ks_resume_entry *e;
    size_t n, k = 0;
    uint64_t id = wal_identity();
    int rc = ks_store_resume_state(r->st, &e, &n);
    if (rc)
        return rc;
    r->resume = calloc(n + 1, sizeof *r->resume);
    if (!r->resume)
        return KS_ENOMEM;
    r->nresume = n + 1; /* for free_resume() until the real count is known */
    for (size_t i = 0; i < n; i++) {
        if (e[i].identity == id && e[i].identity_len == 0) {
            r->committed = e[i].watermark;
            continue;
        }
        r->resume[k] = e[i];
        r->resume[k].above = NULL;
        if (e[i].nabove) {
            r->resume[k].above = malloc(e[i].nabove * sizeof *e[i].above);
            if (!r->resume[k].above)
                return KS_ENOMEM;
            memcpy(r->resume[k].above, e[i].above, e[i].nabove * sizeof *e[i].above);
        }
        k++;
    }
    r->resume[k].identity = id;
    r->resume[k].watermark = r->committed;
    r->nresume = k + 1;
    return 0;
}

static void free_resume(struct listen_run *r)
{
    for (size_t i = 0; r->resume && i < r->nresume; i++)
        free(r->resume[i].above);
    free(r->resume);
}

static void print_stats(struct ks_listen *l, const char *when)
{
    struct ks_listen_stats s[KS_LISTEN_MAX_ENDPOINTS];
    size_t n = ks_listen_get_stats(l, s, KS_ARRAY_LEN(s));
    for (size_t i = 0; i < n; i++)
        fprintf(stderr,
                "konseki listen: %s%s: received=%" PRIu64 " parsed=%" PRIu64 " malformed=%" PRIu64
                " dropped=%" PRIu64 " bad_frames=%" PRIu64 " conns=%" PRIu64 "\n",
                when, s[i].name, s[i].received, s[i].parsed, s[i].malformed, s[i].dropped,
                s[i].bad_frames, s[i].conns);
    fprintf(stderr, "konseki listen: %sbacklog=%" PRIu64 " bytes tcp_acked=%" PRIu64 "\n", when,
            ks_listen_backlog(l), ks_listen_tcp_acked(l));
    /* flow exporters: what their sequence numbers say was lost before it reached us */
    struct ks_flow_stats fs[32];
    size_t nf = ks_listen_get_flow_stats(l, fs, KS_ARRAY_LEN(fs));
    for (size_t i = 0; i < KS_MIN(nf, KS_ARRAY_LEN(fs)); i++) {
        char a[KS_ADDR_STRLEN];
        ks_addr_format(&fs[i].exporter, a, sizeof a);
        fprintf(stderr,
                "konseki listen: %sexporter %s v%u domain %" PRIu32 ": packets=%" PRIu64
                " records=%" PRIu64 " lost=%" PRIu64 " (%s) no_template=%" PRIu64 "\n",
                when, a, fs[i].version, fs[i].domain, fs[i].packets, fs[i].records, fs[i].lost,
                ks_flow_lost_unit(fs[i].version), fs[i].no_template);
    }
    if (nf > KS_ARRAY_LEN(fs))
        fprintf(stderr, "konseki listen: %s... and %zu more exporters\n", when,
                nf - KS_ARRAY_LEN(fs));
}

static int load_inventory(const char *path, struct ks_inventory **inv)
{
    struct ks_inventory *n = NULL;
    size_t nerr = 0;
    int rc = ks_inventory_load(path, &n, &nerr);
    if (rc != 0) {
        ks_log_error("%s: cannot load the inventory: %s%s", path, ks_strerror(rc),
                     *inv ? " (keeping the previous one)" : "");
        return rc;
    }
    ks_inventory_free(*inv);
    *inv = n;
    ks_log_info("%s: inventory loaded (%zu errors)", path, nerr);
    return 0;
}

static int write_ready(const char *path, struct ks_listen *l)
{
    struct ks_listen_stats s[KS_LISTEN_MAX_ENDPOINTS];
    size_t n = ks_listen_get_stats(l, s, KS_ARRAY_LEN(s));
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return KS_EIO;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", s[i].name);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return KS_EIO;
    return 0;
}

static int parse_uint(const char *cmd, const char *opt, const char *v, uint64_t max, uint64_t *out)
{
    if (ks_parse_u64(v, strlen(v), out) != 0 || *out > max)
        return ks_cli_usage_error(cmd, "%s: bad number '%s'", opt, v);
    return 0;
}

int ks_cmd_listen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"syslog-udp", required_argument, NULL, 'u'},
        {"syslog-tcp", required_argument, NULL, 't'},
        {"flow-udp", required_argument, NULL, 'f'},
        {"inventory", required_argument, NULL, 'i'},
        {"stats-interval", required_argument, NULL, 'S'},
        {"queue-mb", required_argument, NULL, 'q'},
        {"commit-interval", required_argument, NULL, 'c'},
        {"max-conns", required_argument, NULL, 'm'},
        {"ready-file", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ks_listen_opts lo;
    struct listen_run r = {0};
    struct ks_inventory *inv = NULL;
    const char *store_dir = NULL, *inv_path = NULL, *ready = NULL;
    uint64_t stats_s = 60, commit_s = 30, v;
    char wal_dir[4096];
    int c, rc, exit_code = KS_EXIT_FAIL;

    ks_listen_opts_default(&lo);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            store_dir = optarg;
            break;
        case 'u':
        case 't':
        case 'f':
            if (lo.nep == KS_LISTEN_MAX_ENDPOINTS)
                return ks_cli_usage_error("listen", "at most %u endpoints",
                                          KS_LISTEN_MAX_ENDPOINTS);
            lo.ep[lo.nep].proto = c == 'u'   ? KS_LISTEN_SYSLOG_UDP
                                  : c == 't' ? KS_LISTEN_SYSLOG_TCP
                                             : KS_LISTEN_FLOW_UDP;
            lo.ep[lo.nep++].addr = optarg;
            break;
        case 'i':
            inv_path = optarg;
            break;
        case 'S':
            if (parse_uint("listen", "--stats-interval", optarg, 86400, &stats_s))
                return KS_EXIT_USAGE;
            break;
        case 'q':
            if (parse_uint("listen", "--queue-mb", optarg, 1 << 20, &v) || v == 0)
                return ks_cli_usage_error("listen", "--queue-mb: 1 or more");
            lo.queue_bytes = (size_t)v << 20;
            break;
        case 'c':
            if (parse_uint("listen", "--commit-interval", optarg, 3600, &commit_s) ||
                commit_s == 0)
                return ks_cli_usage_error("listen", "--commit-interval: 1 to 3600");
            break;
        case 'm':
            if (parse_uint("listen", "--max-conns", optarg, 65536, &v) || v == 0)
                return ks_cli_usage_error("listen", "--max-conns: 1 to 65536");
            lo.max_conns = (size_t)v;
            break;
        case 'r':
            ready = optarg;
            break;
        case 'h':
            fputs(listen_help, stdout);
            return KS_EXIT_OK;
        default:
            return ks_cli_usage_error("listen", "bad option");
        }
    }
    if (!store_dir)
        return ks_cli_usage_error("listen", "--store DIR is required");
    if (optind < argc)
        return ks_cli_usage_error("listen", "unexpected argument '%s'", argv[optind]);
    if (lo.nep == 0)
        return ks_cli_usage_error("listen", "no endpoint (--syslog-udp, --syslog-tcp, --flow-udp)");
    if (inv_path && load_inventory(inv_path, &inv) != 0)
        goto out;

    rc = ks_store_open(store_dir, KS_STORE_CREATE | KS_STORE_WRITE, &r.st);
    if (rc != 0) {
        ks_log_error("%s: cannot open store: %s", store_dir, ks_strerror(rc));
        goto out;
    }
    if ((rc = load_resume(&r)) != 0) {
        ks_log_error("%s: cannot read resume state: %s", store_dir, ks_strerror(rc));
        goto out;
    }
    snprintf(wal_dir, sizeof wal_dir, "%s/wal", store_dir);
    lo.wal_dir = wal_dir;
    lo.start = r.committed;
    if ((rc = ks_listen_open(&lo, &r.l)) != 0) {
        ks_log_error("listen: %s", ks_strerror(rc));
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = ks_listen_start(r.l)) != 0) {
        ks_log_error("listen: cannot start: %s", ks_strerror(rc));
        goto out;
    }
    print_stats(r.l, "listening ");
    if (ready && write_ready(ready, r.l) != 0)
        ks_log_warn("%s: cannot write the ready file", ready);

    int64_t last_commit = ks_time_mono(), last_stats = last_commit;
    bool stopping = false;
    for (;;) {
        size_t nrec = 0;
        rc = ks_listen_poll(r.l, 16384, sink, &r, &nrec);
        if (rc != 0) {
            ks_log_error("listen: %s: %s", store_dir, ks_strerror(rc));
            goto out;
        }
        int64_t now = ks_time_mono();
        if (ks_store_want_commit(r.st) || now - last_commit >= (int64_t)commit_s * KS_NS_PER_SEC) {
            if ((rc = commit(&r)) != 0) {
                ks_log_error("listen: %s: commit: %s", store_dir, ks_strerror(rc));
                goto out;
            }
            last_commit = now;
        }
        if (stats_s && now - last_stats >= (int64_t)stats_s * KS_NS_PER_SEC) {
            print_stats(r.l, "");
            last_stats = now;
        }
        if (g_reload) {
            g_reload = 0;
            if (inv_path)
                load_inventory(inv_path, &inv);
        }
        if (g_stop && !stopping) {
            stopping = true;
            ks_listen_stop(r.l); /* reads what the kernel holds, flushes and syncs the WAL */
        }
        if (stopping && ks_listen_drained(r.l))
            break;
        if (nrec == 0) {
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if ((rc = commit(&r)) != 0) {
        ks_log_error("listen: %s: commit: %s", store_dir, ks_strerror(rc));
        goto out;
    }
    print_stats(r.l, "stopped ");
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        fprintf(stderr, "konseki listen: stopped cpu_user=%.3f cpu_sys=%.3f commits=%" PRIu64 "\n",
                (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
                (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, r.commits);
    exit_code = KS_EXIT_OK;
out:
    ks_listen_free(r.l);
    free_resume(&r);
    if (r.st)
        ks_store_close(r.st);
    ks_inventory_free(inv);
    return exit_code;
}
