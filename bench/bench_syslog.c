/* SPDX-License-Identifier: MIT */
/*
 * bench_syslog.c - measures the "syslog" parser (ingest_syslog.c + ingest_devmsg.c) alone, on one
 * core: generates N sshd-style auth lines (failed/accepted passwords, invalid users, PAM, closed
 * connections, in OpenSSH_2k-like proportions) or reads a file, parses the buffer 5 times with
 * ks_ingest_parse_buffer() and prints the best lines/s and MB/s. With --print it writes every
 * event of a file as JSON (for eyeballing a mapping), with --kinds the count per kind/action.
 *
 * usage: bench_syslog [--lines N] [--file PATH] [--print] [--kinds]
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

static int print_sink(void *arg, const struct ks_event *ev)
{
    struct ks_buf *b = arg;
    ks_buf_reset(b);
    if (ks_event_to_json(ev, b) == 0)
        printf("%s\n", b->p);
    return 0;
}

struct kinds {
    char keys[256][64];
    uint64_t n[256];
    size_t used;
};

static int kinds_sink(void *arg, const struct ks_event *ev)
{
    struct kinds *k = arg;
    char key[64];
    snprintf(key, sizeof key, "%s/%s/%.*s", ks_event_kind_name(ev->kind),
             ks_outcome_name(ev->outcome), (int)KS_MIN(ev->action.n, 20),
             ev->action.p ? ev->action.p : "");
    for (size_t i = 0; i < k->used; i++) {
        if (strcmp(k->keys[i], key) == 0) {
            k->n[i]++;
            return 0;
        }
    }
    if (k->used < 256) {
        memcpy(k->keys[k->used], key, sizeof key);
        k->n[k->used++] = 1;
    }
    return 0;
}

static char *gen_lines(uint64_t n, size_t *len)
{
    size_t cap = (size_t)n * 160 + 1;
    char *b = malloc(cap);
    size_t o = 0;
    uint64_t x = 88172645463325252ULL;
    if (!b)
        return NULL;
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned r = (unsigned)(x % 100), a = (unsigned)(x >> 8) & 255, p = 1024 + (unsigned)(x >> 16) % 60000;
        unsigned sec = (unsigned)(i / 50) % 60, min = (unsigned)(i / 3000) % 60;
        int w;
        if (r < 50)
            w = snprintf(b + o, cap - o, "Dec 10 06:%02u:%02u LabSZ sshd[%u]: Failed password for root from 10.%u.%u.%u port %u ssh2\n",
                         min, sec, 20000 + p % 9000, a, a ^ 7, a ^ 99, p);
        else if (r < 55)
            w = snprintf(b + o, cap - o, "Dec 10 06:%02u:%02u LabSZ sshd[%u]: Accepted password for user%u from 10.%u.%u.%u port %u ssh2\n",
                         min, sec, 20000 + p % 9000, a, a, a ^ 7, a ^ 99, p);
        else if (r < 75)
            w = snprintf(b + o, cap - o, "Dec 10 06:%02u:%02u LabSZ sshd[%u]: Invalid user admin%u from 10.%u.%u.%u\n",
                         min, sec, 20000 + p % 9000, a, a, a ^ 7, a ^ 99);
        else if (r < 90)
            w = snprintf(b + o, cap - o, "Dec 10 06:%02u:%02u LabSZ sshd[%u]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.%u.%u.%u  user=root\n",
                         min, sec, 20000 + p % 9000, a, a ^ 7, a ^ 99);
        else
            w = snprintf(b + o, cap - o, "Dec 10 06:%02u:%02u LabSZ sshd[%u]: Connection closed by 10.%u.%u.%u [preauth]\n",
                         min, sec, 20000 + p % 9000, a, a ^ 7, a ^ 99);
        if (w < 0 || (size_t)w >= cap - o)
            break;
        o += (size_t)w;
    }
    *len = o;
    return b;
}

int main(int argc, char **argv)
{
    uint64_t lines = 2000000;
    const char *file = NULL;
    bool print = false, kinds = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
            ks_parse_u64(argv[i + 1], strlen(argv[i + 1]), &lines), i++;
        else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "--print") == 0)
            print = true;
        else if (strcmp(argv[i], "--kinds") == 0)
            kinds = true;
        else {
            fprintf(stderr, "usage: bench_syslog [--lines N] [--file PATH] [--print] [--kinds]\n");
            return 2;
        }
    }
    const struct ks_parser_ops *ops = ks_parser_find("syslog");
    if (!ops) {
        fprintf(stderr, "no syslog parser\n");
        return 1;
    }
    size_t len = 0;
    char *buf = NULL;
    if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) {
            perror(file);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t)sz + 1);
        len = buf ? fread(buf, 1, (size_t)sz, f) : 0;
        fclose(f);
    } else {
        buf = gen_lines(lines, &len);
    }
    if (!buf)
        return 1;
    uint64_t bad = 0;
    if (print) {
        struct ks_buf b;
        ks_buf_init(&b, 1 << 20);
        ks_ingest_parse_buffer(ops, file, buf, len, print_sink, &b, &bad);
        ks_buf_free(&b);
        fprintf(stderr, "malformed: %llu\n", (unsigned long long)bad);
        free(buf);
        return 0;
    }
    if (kinds) {
        static struct kinds k;
        ks_ingest_parse_buffer(ops, file, buf, len, kinds_sink, &k, &bad);
        for (size_t i = 0; i < k.used; i++)
            printf("%8llu %s\n", (unsigned long long)k.n[i], k.keys[i]);
        printf("%8llu malformed\n", (unsigned long long)bad);
        free(buf);
        return 0;
    }
    double best = 1e30, best_cpu = 1e30;
    uint64_t events = 0;
    for (int r = 0; r < 5; r++) {
        struct timespec c0, c1;
        events = 0;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        int64_t t0 = ks_time_mono();
        ks_ingest_parse_buffer(ops, "bench", buf, len, count_sink, &events, &bad);
        double s = (double)(ks_time_mono() - t0) / 1e9;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
        if (s < best)
            best = s;
        if (cpu < best_cpu)
            best_cpu = cpu;
    }
    printf("syslog parse: %llu events, %llu malformed, %.1f MB, best of 5: wall %.3f s = %.2f M "
           "lines/s (%.0f MB/s); cpu %.3f s = %.2f M lines/s\n",
           (unsigned long long)events, (unsigned long long)bad, (double)len / 1e6, best,
           (double)(events + bad) / best / 1e6, (double)len / best / 1e6, best_cpu,
           (double)(events + bad) / best_cpu / 1e6);
    free(buf);
    return 0;
}
