/* SPDX-License-Identifier: MIT */
/*
 * bench_weblog.c - measures the web access log parsers alone, on one core: generates N lines of
 * Apache combined (varied clients, methods, paths, statuses, user agents) or of nginx JSON, with
 * ten URL patterns configured (so every request is also matched), parses the buffer 5 times
 * with ks_ingest_parse_buffer() and prints the best lines per CPU-second and MB per CPU-second
 * (process CPU time: the figure that holds on a loaded machine). With --file it reads a file
 * and uses the named parser instead of generating.
 *
 * usage: bench_weblog [--format apache|weblog-json] [--lines N] [--file PATH] [--no-patterns]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/ingest.h"

static int count_sink(void *arg, const struct ks_event *ev)
{
    (void)ev;
    (*(uint64_t *)arg)++;
    return 0;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *const paths[] = {
    "/projects/ACME-042/documents/1742/download",
    "/projects/BETA-7/documents/3/view?page=2",
    "/static/js/app.min.js",
    "/static/css/site.css?v=1699999999",
    "/api/v2/customers/CUST-99/orders",
    "/login",
    "/index.html",
    "/wp-login.php",
    "/projects/ACME-042/settings",
    "/images/logo.png",
    "/api/v2/search?q=quarterly+report&limit=50",
    "/healthz",
};
static const char *const methods[] = {"GET", "GET", "GET", "POST", "GET", "HEAD", "PUT", "GET"};
static const int statuses[] = {200, 200, 200, 304, 200, 404, 302, 500, 200, 401, 403, 200};
static const char *const agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "curl/8.4.0",
    "python-requests/2.31.0",
};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static char *generate(bool json, size_t lines, size_t *len)
{
    size_t cap = lines * 512 + 1, n = 0;
    char *b = malloc(cap);
    uint64_t x = 88172645463325252ull;
    if (!b)
        return NULL;
    for (size_t i = 0; i < lines; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned a = (unsigned)(x >> 8), s = (unsigned)(i / 1000);
        int h = (int)(s / 3600 % 24), m = (int)(s / 60 % 60), sec = (int)(s % 60);
        const char *mon = months[(i / 5000000) % 12];
        const char *p = paths[x % KS_ARRAY_LEN(paths)];
        const char *me = methods[(x >> 20) % KS_ARRAY_LEN(methods)];
        const char *ua = agents[(x >> 30) % KS_ARRAY_LEN(agents)];
        int st = statuses[(x >> 40) % KS_ARRAY_LEN(statuses)];
        unsigned bytes = (unsigned)(x >> 44) % 100000;
        const char *user = (x >> 50) % 4 == 0 ? "alice" : "-";
        int w;
        if (!json)
            w = snprintf(b + n, cap - n,
                         "10.%u.%u.%u - %s [12/%s/2024:%02d:%02d:%02d +0100] \"%s %s HTTP/1.1\" "
                         "%d %u \"https://www.example.com/\" \"%s\"\n",
                         a & 255, (a >> 8) & 255, (a >> 16) & 255, user, mon, h, m, sec, me, p,
                         st, bytes, ua);
        else
            w = snprintf(b + n, cap - n,
                         "{\"time_local\":\"12/%s/2024:%02d:%02d:%02d +0100\",\"remote_addr\":"
                         "\"10.%u.%u.%u\",\"remote_user\":\"%s\",\"request\":\"%s %s HTTP/1.1\","
                         "\"status\":\"%d\",\"body_bytes_sent\":\"%u\",\"request_time\":\"0.012\","
                         "\"http_referer\":\"https://www.example.com/\",\"http_user_agent\":\"%s\","
                         "\"http_x_forwarded_for\":\"-\"}\n",
                         mon, h, m, sec, a & 255, (a >> 8) & 255, (a >> 16) & 255,
                         user[0] == '-' ? "" : user, me, p, st, bytes, ua);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    *len = n;
    return b;
}

static int set_patterns(void)
{
    static const char *const specs[][3] = {
        {"/projects/{project}/documents/{doc}/download", "project", "project"},
        {"/projects/{project}/documents/{doc}/view", "project", "project"},
        {"/projects/{project}/**", "project", NULL},
        {"/api/v2/customers/{customer}/**", "project", NULL},
        {"/api/v1/tenants/{tenant}/**", "project", NULL},
        {"/shares/{share}/**", "path", NULL},
        {"/download/{file}", "url", NULL},
        {"/admin/**", "url", NULL},
        {"/reports/{year}/{report}", "url", NULL},
        {"/t/{tenant}/*/{id}", "project", NULL},
    };
    struct ks_urlpat *p[KS_ARRAY_LEN(specs)];
    for (size_t i = 0; i < KS_ARRAY_LEN(specs); i++)
        if (ks_urlpat_compile(specs[i][0], specs[i][1], specs[i][2], &p[i]))
            return -1;
    return ks_ingest_set_url_patterns(p, KS_ARRAY_LEN(specs));
}

int main(int argc, char **argv)
{
    const char *format = "apache", *file = NULL;
    size_t lines = 1000000, len = 0;
    bool patterns = true;
    char *buf = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc)
            format = argv[++i];
        else if (!strcmp(argv[i], "--lines") && i + 1 < argc)
            lines = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--file") && i + 1 < argc)
            file = argv[++i];
        else if (!strcmp(argv[i], "--no-patterns"))
            patterns = false;
        else {
            fprintf(stderr, "usage: bench_weblog [--format apache|weblog-json] [--lines N] "
                            "[--file PATH] [--no-patterns]\n");
            return 2;
        }
    }
    const struct ks_parser_ops *ops = ks_parser_find(format);
    if (!ops) {
        fprintf(stderr, "unknown format %s\n", format);
        return 2;
    }
    if (patterns && set_patterns()) {
        fprintf(stderr, "patterns failed\n");
        return 1;
    }
    if (file) {
        FILE *f = fopen(file, "rb");
        long n;
        if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
            return 1;
        buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
            return 1;
        fclose(f);
        len = (size_t)n;
    } else {
        buf = generate(strcmp(format, "weblog-json") == 0, lines, &len);
        if (!buf)
            return 1;
    }
    double best = 1e30;
    uint64_t events = 0, bad = 0;
    for (int r = 0; r < 5; r++) {
        events = 0;
        double t0 = cpu_now();
        if (ks_ingest_parse_buffer(ops, "bench", buf, len, count_sink, &events, &bad))
            return 1;
        double t = cpu_now() - t0;
        if (t < best)
            best = t;
    }
    printf("%s: %zu bytes, %llu events, %llu malformed, best of 5: %.3f CPU-s, %.2f M lines/s, "
           "%.0f MB/s%s\n",
           format, len, (unsigned long long)events, (unsigned long long)bad, best,
           (double)(events + bad) / best / 1e6, (double)len / best / 1e6,
           patterns ? " (10 URL patterns)" : "");
    ks_ingest_set_url_patterns(NULL, 0);
    free(buf);
    return 0;
}
