/* SPDX-License-Identifier: MIT */
/*
 * cmd_ingest.c - `konseki ingest --store DIR PATH...`: parse every input, merge them in time
 * order and append the events to the store, committing each full segment together with the
 * ingest's resume state so that a crash or a second run neither loses nor duplicates records.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/ingest.h"
#include "store/store.h"

static const char ingest_help[] =
    "usage: konseki ingest --store DIR [options] PATH...\n"
    "\n"
    "Parses each PATH (files or directories, recursed; gzip, zstd and zip read transparently),\n"
    "detects each input's format from its content, merges all inputs in time order and adds the\n"
    "events to the store DIR (created if missing). Records already in the store are skipped.\n"
    "\n"
    "options:\n"
    "  --store DIR          the store directory (required)\n"
    "  --format NAME        force a parser instead of detecting (see --list-formats)\n"
    "  --reorder-window D   how far back in time events are reordered, e.g. 5m, 30s (default 5m)\n"
    "  --max-errors N       malformed records shown per input (default 10; all are counted)\n"
    "  --no-progress        never draw the progress line (it is drawn only on a terminal)\n"
    "  --url-pattern KIND:PATTERN[:CAPTURE]\n"
    "                       web logs: a request path matching PATTERN names a resource of KIND\n"
    "                       (project, path or url) whose key is CAPTURE (default: the first);\n"
    "                       e.g. project:/projects/{project}/documents/{doc}/download:project;\n"
    "                       {name} is one segment, * any one segment, ** the rest. Repeatable;\n"
    "                       the first matching pattern wins\n"
    "  --trust-xff CIDR     web logs: requests from this proxy take their client address from\n"
    "                       X-Forwarded-For (repeatable; default: X-Forwarded-For is not trusted)\n"
    "  --list-formats       list the parsers and exit\n"
    "\n"
    "Prints per-input counters (bytes, records, events, malformed, late, duplicates) at the end.\n"
    "Exit status: 0 when inputs were processed (bad records are reported, not fatal), 1 when no\n"
    "input could be read or the store failed, 2 on usage errors.\n";

struct ingest_run {
    struct ks_store *st;
    struct ks_ingest *in;
    uint64_t commits;
};

static int commit(struct ingest_run *r)
{
    const struct ks_resume_entry *e;
    size_t n;
    int rc = ks_ingest_resume_state(r->in, &e, &n);
    if (rc == 0)
        rc = ks_store_commit(r->st, e, n);
    if (rc == 0)
        r->commits++;
    return rc;
}

static int sink(void *arg, const struct ks_event *ev)
{
    struct ingest_run *r = arg;
    int rc = ks_store_append(r->st, ev);
    if (rc == 0 && ks_store_want_commit(r->st))
        rc = commit(r);
    return rc;
}

/* The store's resume state is borrowed only until its next commit, but the ingest consults it
 * throughout: keep a private copy. */
static int copy_resume(const struct ks_resume_entry *src, size_t n, struct ks_resume_entry **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    struct ks_resume_entry *e = calloc(n, sizeof *e);
    if (!e)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        e[i] = src[i];
        e[i].above = NULL;
        if (src[i].nabove) {
            e[i].above = malloc(src[i].nabove * sizeof *e[i].above);
            if (!e[i].above) {
                for (size_t j = 0; j < i; j++)
                    free(e[j].above);
                free(e);
                return KS_ENOMEM;
            }
            memcpy(e[i].above, src[i].above, src[i].nabove * sizeof *e[i].above);
        }
    }
    *out = e;
    return 0;
}

static void free_resume(struct ks_resume_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++)
        free(e[i].above);
    free(e);
}

/* --url-pattern KIND:PATTERN[:CAPTURE]: the pattern itself starts with '/', so the first ':'
 * ends KIND and a ':' after the pattern's last '/' starts CAPTURE. */
static int add_url_pattern(const char *arg, struct ks_urlpat **pats, size_t *n)
{
    char kind[32], pattern[1024], capture[128];
    const char *colon = strchr(arg, ':');
    if (!colon || (size_t)(colon - arg) >= sizeof kind || *n >= KS_URLPAT_MAX)
        return KS_EINVAL;
    memcpy(kind, arg, (size_t)(colon - arg));
    kind[colon - arg] = 0;
    const char *pat = colon + 1;
    const char *last_slash = strrchr(pat, '/');
    const char *cap = last_slash ? strchr(last_slash, ':') : NULL;
    size_t plen = cap ? (size_t)(cap - pat) : strlen(pat);
    if (plen >= sizeof pattern || (cap && strlen(cap + 1) >= sizeof capture))
        return KS_EINVAL;
    memcpy(pattern, pat, plen);
    pattern[plen] = 0;
    if (cap)
        memcpy(capture, cap + 1, strlen(cap + 1) + 1);
    return ks_urlpat_compile(pattern, kind, cap ? capture : NULL, &pats[(*n)++]) == 0
               ? 0
               : ((*n)--, KS_EINVAL);
}

static int parse_duration(const char *s, int64_t *ns)
{
    size_t n = strlen(s);
    int64_t mul = KS_NS_PER_SEC;
    if (n && (s[n - 1] == 's' || s[n - 1] == 'm' || s[n - 1] == 'h')) {
        mul = s[n - 1] == 'm' ? 60 * KS_NS_PER_SEC : s[n - 1] == 'h' ? 3600 * KS_NS_PER_SEC : mul;
        n--;
    }
    uint64_t v;
    if (ks_parse_u64(s, n, &v) != 0 || v > (uint64_t)(INT64_MAX / mul))
        return KS_EINVAL;
    *ns = (int64_t)v * mul;
    return 0;
}

static void print_report(const struct ks_ingest_report *rep, uint64_t commits)
{
    printf("%-60s %-10s %12s %10s %10s %9s %6s %6s\n", "INPUT", "FORMAT", "BYTES", "RECORDS",
           "EVENTS", "MALFORMED", "LATE", "DUP");
    for (size_t i = 0; i < rep->nfiles; i++) {
        const struct ks_ingest_file_stats *f = &rep->files[i];
        const char *path = f->path;
        size_t len = strlen(path);
        if (len > 60)
            path += len - 60;
        if (f->error) {
            printf("%-60s %-10s %s\n", path, f->format ? f->format : "-", ks_strerror(f->error));
            continue;
        }
        printf("%-60s %-10s %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %9" PRIu64 " %6" PRIu64
               " %6" PRIu64 "\n",
               path, f->format ? f->format : "-", f->bytes, f->records, f->events, f->malformed,
               f->late, f->skipped_dup);
    }
    printf("total: %zu inputs, %" PRIu64 " events stored, %" PRIu64 " malformed, %" PRIu64
           " late, %" PRIu64 " already stored, %" PRIu64 " commits\n",
           rep->nfiles, rep->events, rep->malformed, rep->late, rep->skipped_dup, commits);
}

int ks_cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"reorder-window", required_argument, NULL, 'w'},
        {"max-errors", required_argument, NULL, 'e'},
        {"no-progress", no_argument, NULL, 'P'},
        {"list-formats", no_argument, NULL, 'L'},
        {"url-pattern", required_argument, NULL, 'u'},
        {"trust-xff", required_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *store_dir = NULL;
    struct ks_ingest_opts io;
    struct ingest_run r = {0};
    struct ks_resume_entry *resume = NULL;
    const struct ks_resume_entry *stored;
    size_t nresume = 0;
    struct ks_urlpat *pats[KS_URLPAT_MAX];
    size_t npats = 0;
    const char *xff[64];
    size_t nxff = 0;
    int c, rc, exit_code = KS_EXIT_FAIL;
    uint64_t v;

    ks_ingest_opts_default(&io);
    io.progress = true;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            store_dir = optarg;
            break;
        case 'f':
            if (!ks_parser_find(optarg))
                return ks_cli_usage_error("ingest", "unknown format '%s' (see --list-formats)",
                                          optarg);
            io.format = optarg;
            break;
        case 'w':
            if (parse_duration(optarg, &io.reorder_window_ns) != 0)
                return ks_cli_usage_error("ingest", "--reorder-window: bad duration '%s'", optarg);
            break;
        case 'e':
            if (ks_parse_u64(optarg, strlen(optarg), &v) != 0)
                return ks_cli_usage_error("ingest", "--max-errors: not a number '%s'", optarg);
            io.max_errors_shown = (size_t)v;
            break;
        case 'P':
            io.progress = false;
            break;
        case 'u':
            if (add_url_pattern(optarg, pats, &npats) != 0) {
                for (size_t i = 0; i < npats; i++)
                    ks_urlpat_free(pats[i]);
                return ks_cli_usage_error("ingest", "--url-pattern: expected KIND:/PATH/{capture}"
                                                    "[:CAPTURE] with KIND project, path or url, "
                                                    "got '%s'",
                                          optarg);
            }
            break;
        case 'x':
            if (nxff == KS_ARRAY_LEN(xff))
                return ks_cli_usage_error("ingest", "--trust-xff: at most 64 prefixes");
            xff[nxff++] = optarg;
            break;
        case 'L':
            for (size_t i = 0; ks_parsers[i]; i++)
                printf("%-12s %s\n", ks_parsers[i]->name, ks_parsers[i]->description);
            return KS_EXIT_OK;
        case 'h':
            fputs(ingest_help, stdout);
            return KS_EXIT_OK;
        default:
            return ks_cli_usage_error("ingest", "bad option");
        }
    }
    if (nxff && ks_ingest_set_xff_trust(xff, nxff) != 0)
        exit_code = ks_cli_usage_error("ingest", "--trust-xff: not an address or prefix");
    else if (!store_dir)
        exit_code = ks_cli_usage_error("ingest", "--store DIR is required");
    else if (optind >= argc)
        exit_code = ks_cli_usage_error("ingest", "no input PATH given");
    else if (npats && (rc = ks_ingest_set_url_patterns(pats, npats)) != 0)
        exit_code = ks_cli_usage_error("ingest", "--url-pattern: %s", ks_strerror(rc));
    else
        npats = 0; /* the patterns now belong to the ingest configuration */
    if (exit_code == KS_EXIT_USAGE) {
        for (size_t i = 0; i < npats; i++)
            ks_urlpat_free(pats[i]);
        return exit_code;
    }

    rc = ks_store_open(store_dir, KS_STORE_CREATE | KS_STORE_WRITE, &r.st);
    if (rc != 0) {
        ks_log_error("%s: cannot open store: %s", store_dir, ks_strerror(rc));
        goto out;
    }
    rc = ks_store_resume_state(r.st, &stored, &nresume);
    if (rc == 0)
        rc = copy_resume(stored, nresume, &resume);
    io.resume = resume;
    io.nresume = nresume;
    if (rc != 0) {
        ks_log_error("%s: cannot read resume state: %s", store_dir, ks_strerror(rc));
        goto out;
    }
    rc = ks_ingest_open((const char *const *)argv + optind, (size_t)(argc - optind), &io, &r.in);
    if (rc != 0) {
        ks_log_error("cannot start ingest: %s", ks_strerror(rc));
        goto out;
    }
    rc = ks_ingest_run(r.in, sink, &r);
    if (rc == 0)
        rc = commit(&r);
    const struct ks_ingest_report *rep = ks_ingest_get_report(r.in);
    print_report(rep, r.commits);
    if (rc != 0) {
        ks_log_error("%s: %s", store_dir, ks_strerror(rc));
        goto out;
    }
    /* Failure only when no input could be processed at all. */
    exit_code = KS_EXIT_FAIL;
    for (size_t i = 0; i < rep->nfiles; i++)
        if (!rep->files[i].error)
            exit_code = KS_EXIT_OK;
    if (exit_code != KS_EXIT_OK)
        ks_log_error("no input could be processed");
out:
    ks_ingest_free(r.in);
    ks_ingest_set_url_patterns(NULL, 0);
    ks_ingest_set_xff_trust(NULL, 0);
    free_resume(resume, nresume);
    if (r.st)
        ks_store_close(r.st);
    return exit_code;
}
