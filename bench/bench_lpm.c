/* SPDX-License-Identifier: MIT */
/*
 * bench_lpm.c - measures the longest-prefix match (core_lpm.c) at inventory scale: inserts N
 * random prefixes with a realistic length mix (IPv4 mostly /24, some /16-/22, /32 hosts; 10% IPv6
 * /32-/64), then runs M lookups (half inside inserted prefixes, half uniform), and prints insert
 * time, lookups/s, ks_lpm_memory() and RSS. With --inventory it also writes an N-row
 * customers.csv and times ks_inventory_load() on it.
 *
 * usage: bench_lpm [--prefixes N] [--lookups M] [--v6 PERCENT] [--hot N] [--inventory]
 * --hot N draws the queries from N distinct addresses (traffic with locality).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "inventory/inventory.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#include <time.h>

/* CPU time of this process in ns: on a shared, loaded machine it says more than wall time. */
static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

struct pfx {
    struct ks_addr a;
    unsigned len;
};

static void gen_prefix(struct pfx *p, unsigned v6pct)
{
    memset(&p->a, 0, sizeof(p->a));
    if (rnd() % 100 < v6pct) {
        p->a.family = 6;
        uint64_t hi = (rnd() & ~(UINT64_C(7) << 61)) | (UINT64_C(1) << 61); /* 2000::/3 */
        for (int i = 0; i < 8; i++)
            p->a.b[i] = (uint8_t)(hi >> (56 - 8 * i));
        p->len = 32 + (unsigned)(rnd() % 33);
    } else {
        unsigned r = (unsigned)(rnd() % 100), l;
        if (r < 80)
            l = 24;
        else if (r < 95)
            l = 16 + (unsigned)(rnd() % 7);
        else
            l = 32;
        uint32_t x = (uint32_t)rnd();
        x = (x % (223u << 24)) + (1u << 24); /* 1.0.0.0 - 223.255.255.255 */
        ks_addr_from_v4(x, &p->a);
        p->len = 96 + l;
    }
    for (unsigned bit = p->len; bit < 128; bit++)
        p->a.b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

static int bench_inventory(const struct pfx *p, size_t n)
{
    char dir[] = "/tmp/bench_lpm_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[512];
    snprintf(path, sizeof(path), "%s/customers.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    fprintf(f, "prefix,customer\n");
    for (size_t i = 0; i < n; i++) {
        char buf[KS_ADDR_STRLEN];
        ks_addr_format(&p[i].a, buf, sizeof(buf));
        unsigned len = p[i].a.family == 4 ? p[i].len - 96 : p[i].len;
        /* The customer follows from the prefix, so repeated random prefixes agree. */
        unsigned cust = (unsigned)(ks_hash64(p[i].a.b, 16, p[i].len) % 20000);
        fprintf(f, "%s/%u,customer-%05u\n", buf, len, cust);
    }
    fclose(f);
    char ypath[512];
    snprintf(ypath, sizeof(ypath), "%s/konseki.yaml", dir);
    f = fopen(ypath, "w");
    if (!f)
        return 1;
    fprintf(f, "version: 1\ncustomers: customers.csv\n");
    fclose(f);
    long rss0 = rss_kib();
    int64_t t0 = ks_time_mono(), c0 = cpu_ns();
    struct ks_inventory *inv = NULL;
    size_t nerr = 0;
    int rc = ks_inventory_load(ypath, &inv, &nerr);
    int64_t t1 = ks_time_mono(), c1 = cpu_ns();
    printf("inventory: load of %zu-row customers.csv: %.3f s wall, %.3f s cpu (rc=%d, %zu errors, "
           "%zu customers), RSS +%.1f MiB\n",
           n, (double)(t1 - t0) / 1e9, (double)(c1 - c0) / 1e9, rc, nerr,
           inv ? ks_inventory_customer_count(inv) : 0,
           (double)(rss_kib() - rss0) / 1024.0);
    /* A sample of lookups through the inventory API. */
    size_t hits = 0;
    c0 = cpu_ns();
    for (size_t i = 0; i < 1000000 && inv; i++)
        hits += ks_inventory_customer_by_addr(inv, &p[(i * 7919) % n].a) != NULL;
    c1 = cpu_ns();
    printf("inventory: 1M customer_by_addr: %.1f M/s cpu (%zu hits)\n",
           1e6 / ((double)(c1 - c0) / 1e9) / 1e6, hits);
    ks_inventory_free(inv);
    unlink(path);
    unlink(ypath);
    rmdir(dir);
    return rc != 0;
}

int main(int argc, char **argv)
{
    size_t n = 1000000, m = 10000000;
    unsigned v6pct = 10;
    bool inv = false;
    size_t hot = 0; /* 0: every query address drawn at random; else from this many */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--prefixes") == 0 && i + 1 < argc)
            n = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--lookups") == 0 && i + 1 < argc)
            m = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--v6") == 0 && i + 1 < argc)
            v6pct = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--hot") == 0 && i + 1 < argc)
            hot = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--inventory") == 0)
            inv = true;
        else {
            fprintf(stderr, "usage: bench_lpm [--prefixes N] [--lookups M] [--v6 PCT] [--hot N] "
                            "[--inventory]\n");
            return 2;
        }
    }
    if (n == 0)
        n = 1;
    struct pfx *p = malloc(n * sizeof(*p));
    size_t nq = 1u << 22;
    struct ks_addr *q = malloc(nq * sizeof(*q));
    if (!p || !q)
        return 1;
    for (size_t i = 0; i < n; i++)
        gen_prefix(&p[i], v6pct);
    for (size_t i = 0; i < nq; i++) {
        if (i % 2) {
            const struct pfx *s = &p[rnd() % n];
            q[i] = s->a;
            for (unsigned bit = s->len; bit < 128; bit++)
                if (rnd() & 1)
                    q[i].b[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        } else if (rnd() % 100 < v6pct) {
            struct pfx r;
            gen_prefix(&r, 100);
            q[i] = r.a;
            for (int k = 8; k < 16; k++)
                q[i].b[k] = (uint8_t)rnd();
        } else {
            ks_addr_from_v4((uint32_t)rnd(), &q[i]);
        }
    }

    if (hot && hot < nq)
        for (size_t i = hot; i < nq; i++)
            q[i] = q[rnd() % hot];
    long rss0 = rss_kib();
    struct ks_lpm *t;
    if (ks_lpm_new(&t) != 0)
        return 1;
    int64_t t0 = ks_time_mono(), c0 = cpu_ns();
    for (size_t i = 0; i < n; i++)
        if (ks_lpm_insert(t, &p[i].a, p[i].len, (uint32_t)i) != 0) {
            fprintf(stderr, "insert failed\n");
            return 1;
        }
    int64_t t1 = ks_time_mono(), c1 = cpu_ns();
    long rss1 = rss_kib();
    printf("lpm: %zu prefixes (%u%% IPv6), %zu distinct: insert %.3f s wall, %.3f s cpu "
           "(%.2f M/s cpu)\n", n, v6pct, ks_lpm_count(t), (double)(t1 - t0) / 1e9,
           (double)(c1 - c0) / 1e9, (double)n / ((double)(c1 - c0) / 1e9) / 1e6);
    printf("lpm: ks_lpm_memory %.1f MiB (%.1f B/prefix), RSS growth %.1f MiB\n",
           (double)ks_lpm_memory(t) / 1048576.0, (double)ks_lpm_memory(t) / (double)n,
           (double)(rss1 - rss0) / 1024.0);

    size_t hits = 0;
    uint64_t sum = 0;
    t0 = ks_time_mono();
    c0 = cpu_ns();
    for (size_t i = 0; i < m; i++) {
        uint32_t v;
        if (ks_lpm_lookup(t, &q[i & (nq - 1)], &v, NULL) == 0) {
            hits++;
            sum += v;
        }
    }
    t1 = ks_time_mono();
    c1 = cpu_ns();
    double secs = (double)(t1 - t0) / 1e9, csecs = (double)(c1 - c0) / 1e9;
    printf("lpm: %zu lookups: %.3f s wall (%.1f M/s), %.3f s cpu (%.1f M lookups/s cpu); %zu hits, "
           "checksum %llu\n", m, secs, (double)m / secs / 1e6, csecs, (double)m / csecs / 1e6,
           hits, (unsigned long long)sum);
    printf("RSS total %.1f MiB\n", (double)rss_kib() / 1024.0);
    ks_lpm_free(t);
    int rc = 0;
    if (inv)
        rc = bench_inventory(p, n);
    free(p);
    free(q);
    return rc;
}
