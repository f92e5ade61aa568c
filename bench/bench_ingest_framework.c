/* SPDX-License-Identifier: MIT */
/*
 * bench_ingest_framework.c - measures what the ingest framework (reading, record buffer, reorder
 * queue, merge, resume bookkeeping) adds per event on top of parsing. It builds a large input by
 * repeating a real log (Zeek TSV or JSON lines) with its timestamps shifted forward on each copy,
 * so the result keeps the original's local disorder, then times
 *   1. the parser alone over the whole buffer in memory (ks_ingest_parse_buffer), and
 *   2. ks_ingest_open/run over the same bytes as a file (page cache, plain and gzip),
 * and prints ns/event for each and the difference.
 *
 * Times are process CPU time, best of 5 runs.
 *
 *   usage: bench_ingest_framework LOG [COPIES] [PARSER]
 *   e.g.   bench_ingest_framework ../shared/data/stratosphereips+security-datasets-for-testing/002-zeek-scenario-port-scanning/conn.log 400
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "ingest/ingest.h"

/* CPU time of this process: less disturbed than wall time on a shared machine. */
static int64_t cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (int64_t)t.tv_sec * KS_NS_PER_SEC + t.tv_nsec;
}

struct count {
    uint64_t n;
    int64_t sum;
};

static int count_sink(void *arg, const struct ks_event *ev)
{
    struct count *c = arg;
    c->n++;
    c->sum += ev->ts + (int64_t)ev->object.n;
    return 0;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *p = malloc(cap);
    size_t got;
    while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *q = realloc(p, cap);
            if (!q) {
                free(p);
                p = NULL;
            }
            p = q;
        }
    }
    fclose(f);
    *len = n;
    return p;
}

/* Where the integer seconds of a line's ts start and end; false for header lines. */
static bool ts_span(const char *line, size_t n, size_t *a, size_t *b)
{
    size_t i = 0;
    if (n == 0 || line[0] == '#')
        return false;
    if (n > 6 && memcmp(line, "{\"ts\":", 6) == 0)
        i = 6;
    size_t j = i;
    while (j < n && line[j] >= '0' && line[j] <= '9')
        j++;
    if (j == i)
        return false;
    *a = i;
    *b = j;
    return true;
}

static int build(const char *src, size_t len, int copies, struct ks_buf *out)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(src + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (src + off)) : len - off;
        size_t a, b;
        uint64_t s;
        if (ts_span(src + off, n, &a, &b) && ks_parse_u64(src + off + a, b - a, &s) == 0) {
            lo = KS_MIN(lo, s);
            hi = KS_MAX(hi, s);
        }
        off += n + 1;
    }
    if (lo > hi)
        return KS_EFORMAT;
    uint64_t span = hi - lo + 1;
    bool header_done = false;
    for (int c = 0; c < copies; c++) {
        for (size_t off = 0; off < len;) {
            const char *line = src + off;
            const char *nl = memchr(line, '\n', len - off);
            size_t n = nl ? (size_t)(nl - line) : len - off;
            off += n + 1;
            size_t a, b;
            uint64_t s;
            if (!ts_span(line, n, &a, &b) || ks_parse_u64(line + a, b - a, &s) != 0) {
                if (!header_done && n && line[0] == '#' && strncmp(line, "#close", 6) != 0)
                    ks_buf_append(out, line, n), ks_buf_putc(out, '\n');
                continue;
            }
            ks_buf_append(out, line, a);
            ks_buf_printf(out, "%llu", (unsigned long long)(s + (uint64_t)c * span));
            ks_buf_append(out, line + b, n - b);
            if (ks_buf_putc(out, '\n') != 0)
                return KS_ENOMEM;
        }
        header_done = true;
    }
    return 0;
}

static double run_framework(const char *path, const struct ks_parser_ops *ops, int64_t window,
                            uint64_t *events)
{
    struct ks_ingest_opts o;
    ks_ingest_opts_default(&o);
    o.parser = ops;
    o.progress = false;
    o.reorder_window_ns = window;
    o.max_errors_shown = 0;
    struct ks_ingest *in;
    const char *paths[] = {path};
    struct count c = {0};
    int64_t t0 = cpu_ns();
    if (ks_ingest_open(paths, 1, &o, &in) != 0)
        return -1;
    int rc = ks_ingest_run(in, count_sink, &c);
    int64_t t1 = cpu_ns();
    const struct ks_ingest_report *r = ks_ingest_get_report(in);
    fprintf(stderr, "  framework window=%llds: %llu events, %llu late, %llu malformed, rc %d\n",
            (long long)(window / KS_NS_PER_SEC), (unsigned long long)r->events,
            (unsigned long long)r->late, (unsigned long long)r->malformed, rc);
    ks_ingest_free(in);
    *events = c.n;
    return (double)(t1 - t0) / (double)(c.n ? c.n : 1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s LOG [COPIES] [PARSER]\n", argv[0]);
        return 2;
    }
    int copies = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 200;
    size_t len;
    char *src = read_all(argv[1], &len);
    if (!src) {
        perror(argv[1]);
        return 1;
    }
    struct ks_buf big;
    ks_buf_init(&big, (size_t)1 << 34);
    if (build(src, len, copies, &big) != 0) {
        fprintf(stderr, "cannot build input from %s\n", argv[1]);
        return 1;
    }
    const struct ks_parser_ops *ops =
        argc > 3 ? ks_parser_find(argv[3]) : ks_parser_detect(big.p, KS_MIN(big.len, 65536));
    if (!ops) {
        fprintf(stderr, "no parser\n");
        return 1;
    }
    char path[] = "/tmp/ks-bench-ingest-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, big.p, big.len) != (ssize_t)big.len)
        return 1;
    close(fd);
    char gzpath[sizeof path + 3];
    snprintf(gzpath, sizeof gzpath, "%s.gz", path);
    const char *only = getenv("BENCH_ONLY"); /* "fw300" or "fw0": one framework run, for perf */
    if (!only) {
        gzFile g = gzopen(gzpath, "wb6");
        gzwrite(g, big.p, (unsigned)big.len);
        gzclose(g);
    }
    printf("input: %s x%d = %zu bytes, parser %s\n", argv[1], copies, big.len, ops->name);

    double best_parse = 1e18, best_fw = 1e18, best_fw0 = 1e18, best_gz = 1e18;
    uint64_t ev = 0, ev_fw = 0;
    if (only) {
        double r = run_framework(path, ops, strcmp(only, "fw0") ? 300 * KS_NS_PER_SEC : 0, &ev_fw);
        printf("%s: %.1f ns/event\n", only, r);
        unlink(path);
        unlink(gzpath);
        return 0;
    }
    for (int rep = 0; rep < 5; rep++) {
        struct count c = {0};
        uint64_t bad = 0;
        int64_t t0 = cpu_ns();
        ks_ingest_parse_buffer(ops, "bench", big.p, big.len, count_sink, &c, &bad);
        int64_t t1 = cpu_ns();
        ev = c.n;
        best_parse = KS_MIN(best_parse, (double)(t1 - t0) / (double)(c.n ? c.n : 1));
        best_fw = KS_MIN(best_fw, run_framework(path, ops, 300 * KS_NS_PER_SEC, &ev_fw));
        best_fw0 = KS_MIN(best_fw0, run_framework(path, ops, 0, &ev_fw));
        if (rep < 2)
            best_gz = KS_MIN(best_gz, run_framework(gzpath, ops, 300 * KS_NS_PER_SEC, &ev_fw));
    }
    printf("events: %llu (parser alone) %llu (framework)\n", (unsigned long long)ev,
           (unsigned long long)ev_fw);
    printf("parser alone (in memory):        %7.1f ns/event\n", best_parse);
    printf("framework, window 5 min:         %7.1f ns/event  (+%.1f)\n", best_fw,
           best_fw - best_parse);
    printf("framework, window 0:             %7.1f ns/event  (+%.1f)\n", best_fw0,
           best_fw0 - best_parse);
    printf("framework, gzip, window 5 min:   %7.1f ns/event  (+%.1f)\n", best_gz,
           best_gz - best_parse);
    unlink(path);
    unlink(gzpath);
    ks_buf_free(&big);
    free(src);
    return 0;
}
