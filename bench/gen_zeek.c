/* SPDX-License-Identifier: MIT */
/*
 * gen_zeek.c - benchmark data generator: a realistic, deterministic Zeek conn.log for the ingest,
 * size and query benchmarks in bench/. The same seed always gives the same records, and
 * `--format rowbinary` writes those very records in ClickHouse's RowBinary layout for the table
 * bench/clickhouse.sh creates, so both engines hold identical rows.
 *
 * Model: K observers (routers/sensors, named in the `_node_name` column); a few thousand internal
 * clients in 200 customer prefixes picked zipf-wise; ~50k external servers, also zipf; a service
 * mix by port (443, 80, 53, 123, 22, ...), log-normal bytes and durations, ~5% IPv6, ~10% internal
 * east-west traffic, diurnal volume. Records are written in connection-end order, as Zeek does, so
 * ts (the start) is slightly out of order (by at most the 290 s duration cap).
 *
 * Usage: gen_zeek --records N [--days D] [--seed S] [--observers K] [--start YYYY-MM-DD]
 *                 [--format zeek|rowbinary] > conn.log
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

#define NCUSTOMERS 200
#define NCLIENTS 4000
#define NSERVERS 50000
#define NINTSERVERS 300
#define NNORMAL 65536
#define DUR_CAP_US 290000000LL /* keeps ts disorder under 5 minutes */
#define OUTBUF (1u << 20)

/* ---------------------------------------------------------------- rng (xoshiro256**) */

static uint64_t rs[4];

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rnd(void)
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9;
    uint64_t t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}

static inline double rnd01(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static inline uint32_t rndn(uint32_t n)
{
    return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

static void rnd_seed(uint64_t seed)
{
    uint64_t z = seed;
    for (int i = 0; i < 4; i++) {
        z += 0x9e3779b97f4a7c15ULL;
        uint64_t x = z;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        rs[i] = x ^ (x >> 31);
    }
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* ---------------------------------------------------------------- distributions */

static double normals[NNORMAL];
static double zipf_clients[NCLIENTS];
static double zipf_servers[NSERVERS];
static double zipf_int[NINTSERVERS];

static void zipf_build(double *cdf, int n, double s)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        sum += 1.0 / pow((double)(i + 1), s);
        cdf[i] = sum;
    }
    for (int i = 0; i < n; i++)
        cdf[i] /= sum;
}

static int zipf_pick(const double *cdf, int n)
{
    double u = rnd01();
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void normals_build(void)
{
    for (int i = 0; i < NNORMAL; i += 2) {
        double u1 = rnd01(), u2 = rnd01();
        if (u1 < 1e-300)
            u1 = 1e-300;
        double r = sqrt(-2.0 * log(u1));
        normals[i] = r * cos(2 * M_PI * u2);
        normals[i + 1] = r * sin(2 * M_PI * u2);
    }
}

static inline double lognormal(double median, double sigma)
{
    return median * exp(sigma * normals[rnd() & (NNORMAL - 1)]);
}

/* ---------------------------------------------------------------- diurnal time axis */

/* Volume per second is proportional to 1 + A cos(2 pi (t - peak) / day). inv[] maps evenly
 * spaced fractions of the cumulative volume back to seconds since start. */
#define DIURNAL_A 0.6
#define DIURNAL_PEAK (14.0 * 3600)
#define INV_PER_DAY 2880

static double *inv;
static size_t ninv;

static double cum(double t)
{
    double w = 2 * M_PI / 86400.0;
    return t + DIURNAL_A / w * (sin(w * (t - DIURNAL_PEAK)) - sin(w * (0 - DIURNAL_PEAK)));
}

static int inv_build(int days)
{
    ninv = (size_t)days * INV_PER_DAY;
    inv = malloc((ninv + 1) * sizeof(*inv));
    if (!inv)
        return -1;
    double total = (double)days * 86400.0, t = 0;
    double w = 2 * M_PI / 86400.0;
    for (size_t k = 0; k <= ninv; k++) {
        double u = total * (double)k / (double)ninv;
        for (int it = 0; it < 20; it++) {
            double f = 1 + DIURNAL_A * cos(w * (t - DIURNAL_PEAK));
            double d = (cum(t) - u) / f;
            t -= d;
            if (fabs(d) < 1e-7)
                break;
        }
        inv[k] = t;
    }
    return 0;
}

static double time_at(double frac)
{
    double x = frac * (double)ninv;
    size_t k = (size_t)x;
    if (k >= ninv)
        return inv[ninv];
    return inv[k] + (inv[k + 1] - inv[k]) * (x - (double)k);
}

/* ---------------------------------------------------------------- entities */

struct addr16 {
    uint8_t b[16];
    bool v6;
};

static void addr_v4(struct addr16 *a, uint32_t v)
{
    memset(a->b, 0, 10);
    a->b[10] = 0xff;
    a->b[11] = 0xff;
    a->b[12] = (uint8_t)(v >> 24);
    a->b[13] = (uint8_t)(v >> 16);
    a->b[14] = (uint8_t)(v >> 8);
    a->b[15] = (uint8_t)v;
    a->v6 = false;
}

static void addr_v6(struct addr16 *a, uint32_t pfx32, uint16_t w3, uint16_t w4, uint64_t iid)
{
    a->b[0] = (uint8_t)(pfx32 >> 24);
    a->b[1] = (uint8_t)(pfx32 >> 16);
    a->b[2] = (uint8_t)(pfx32 >> 8);
    a->b[3] = (uint8_t)pfx32;
    a->b[4] = (uint8_t)(w3 >> 8);
    a->b[5] = (uint8_t)w3;
    a->b[6] = (uint8_t)(w4 >> 8);
    a->b[7] = (uint8_t)w4;
    for (int i = 0; i < 8; i++)
        a->b[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
    a->v6 = true;
}

/* Client rank -> customer, host, observer. */
static uint32_t client_customer(int rank)
{
    return (uint32_t)(mix64((uint64_t)rank * 7919 + 1) % NCUSTOMERS);
}

static void client_addr(int rank, bool v6, struct addr16 *a)
{
    uint64_t h = mix64((uint64_t)rank + 0x1234);
    uint32_t cust = client_customer(rank);
    if (!v6) {
        uint32_t sub = (uint32_t)(h % 4), host = 2 + (uint32_t)((h >> 8) % 252);
        addr_v4(a, (10u << 24) | ((1 + cust) << 16) | (sub << 8) | host);
    } else {
        /* 2001:db8:<cust>:<sub>::/64, SLAAC-like interface id */
        addr_v6(a, 0x20010db8u, (uint16_t)(0x100 + cust), (uint16_t)(h % 4),
                mix64(h) | 0x0200000000000000ULL);
    }
}

static const uint8_t public_a[] = {13,  20,  23,  31,  34,  35,  40,  45,  52,  54,  64,  66,
                                   69,  74,  91,  104, 108, 130, 142, 143, 151, 157, 162, 173,
                                   176, 185, 192, 199, 203, 204, 208, 209, 210, 216, 221};
static const uint32_t public_v6[] = {0x26064700u, 0x2a001450u, 0x24046800u, 0x2a032880u,
                                     0x26001f18u, 0x2a0498c0u, 0x24058500u, 0x2001e000u};

static void server_addr(int rank, bool v6, struct addr16 *a)
{
    uint64_t h = mix64((uint64_t)rank * 104729 + 77);
    if (!v6) {
        uint32_t o1 = public_a[h % sizeof(public_a)];
        addr_v4(a, (o1 << 24) | (uint32_t)((h >> 8) & 0xffffff));
        if (a->b[15] == 0 || a->b[15] == 255)
            a->b[15] = 1 + (uint8_t)(h >> 40) % 250;
    } else {
        uint32_t p = public_v6[h % (sizeof(public_v6) / sizeof(public_v6[0]))];
        uint64_t iid = (h >> 20) & 0xffff;
        if ((h >> 3) & 1)
            iid = mix64(h);
        addr_v6(a, p, (uint16_t)(h >> 8), (uint16_t)((h >> 24) & 0xff), iid);
    }
}

static void intserver_addr(int rank, bool v6, struct addr16 *a)
{
    if (!v6)
        addr_v4(a, (10u << 24) | (250u << 16) | ((uint32_t)(rank / 250) << 8) | (uint32_t)(1 + rank % 250));
    else
        addr_v6(a, 0x20010db8u, 0xfa, (uint16_t)(rank / 250), (uint64_t)(1 + rank % 250));
}

/* ---------------------------------------------------------------- services */

enum svc_kind { SVC_TCP, SVC_UDP, SVC_ICMP };

struct svc {
    double weight;
    const char *service; /* "-" when Zeek names none */
    uint16_t port;
    uint8_t kind;
    bool internal;       /* east-west: destination is an internal server */
    double req_median, req_sigma, resp_median, resp_sigma, dur_median, dur_sigma;
};

static const struct svc svcs[] = {
    {44.0, "ssl", 443, SVC_TCP, false, 900, 1.3, 6000, 2.2, 1.2, 2.0},
    {9.0, "http", 80, SVC_TCP, false, 450, 1.0, 4000, 2.3, 0.6, 1.8},
    {16.0, "dns", 53, SVC_UDP, false, 38, 0.3, 110, 0.6, 0.02, 1.5},
    {7.0, "-", 443, SVC_UDP, false, 2500, 1.5, 20000, 2.5, 3.0, 2.0},
    {2.5, "ntp", 123, SVC_UDP, false, 48, 0.0, 48, 0.0, 0.03, 1.0},
    {1.0, "ssh", 22, SVC_TCP, false, 3000, 1.5, 4000, 1.8, 20.0, 2.0},
    {1.0, "smtp", 25, SVC_TCP, false, 8000, 1.5, 600, 0.8, 1.5, 1.0},
    {3.0, "smb,gssapi", 445, SVC_TCP, true, 2000, 2.0, 9000, 2.5, 2.0, 2.0},
    {2.0, "krb_tcp", 88, SVC_TCP, true, 1500, 0.3, 1400, 0.3, 0.01, 0.8},
    {1.5, "ldap_tcp", 389, SVC_TCP, true, 600, 1.0, 3000, 1.5, 0.05, 1.2},
    {0.5, "rdp", 3389, SVC_TCP, true, 20000, 2.0, 300000, 2.5, 60.0, 2.0},
    {1.0, "dce_rpc", 135, SVC_TCP, true, 300, 0.5, 400, 0.5, 0.02, 1.0},
    {1.0, "-", 0, SVC_ICMP, false, 64, 0.3, 64, 0.3, 0.5, 1.5},
    {10.5, "-", 0, SVC_TCP, false, 400, 1.8, 1500, 2.2, 2.0, 2.2},
};
#define NSVC (sizeof(svcs) / sizeof(svcs[0]))
static double svc_cdf[NSVC];

static int svc_pick(void)
{
    double u = rnd01();
    for (size_t i = 0; i < NSVC; i++)
        if (u < svc_cdf[i])
            return (int)i;
    return (int)NSVC - 1;
}

/* ---------------------------------------------------------------- one record */

struct rec {
    int64_t ts_us;
    int64_t dur_us; /* -1: unset */
    char uid[19];
    struct addr16 src, dst;
    uint16_t sport, dport;
    uint8_t proto; /* 6, 17, 1 */
    const char *service;
    const char *state;
    const char *history;
    int64_t obytes, rbytes; /* -1: unset */
    uint64_t opkts, rpkts, oip, rip, missed;
    bool local_orig, local_resp;
    int observer;
};

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int nobservers = 24;
static int observer_of_customer[NCUSTOMERS];
static char observer_name[256][32];

static void rec_make(struct rec *r, int64_t end_us)
{
    uint64_t a = rnd(), b = rnd();
    r->uid[0] = 'C';
    for (int i = 0; i < 10; i++) {
        r->uid[1 + i] = b62[a % 62];
        a /= 62;
    }
    for (int i = 0; i < 7; i++) {
        r->uid[11 + i] = b62[b % 62];
        b /= 62;
    }
    r->uid[18] = 0;

    const struct svc *s = &svcs[svc_pick()];
    int crank = zipf_pick(zipf_clients, NCLIENTS);
    bool v6 = rndn(100) < 5;
    client_addr(crank, v6, &r->src);
    r->observer = observer_of_customer[client_customer(crank)];
    r->local_orig = true;
    r->local_resp = s->internal;
    if (s->internal)
        intserver_addr(zipf_pick(zipf_int, NINTSERVERS), v6, &r->dst);
    else if (s->port == 53 && rndn(10) < 7)
        intserver_addr((int)rndn(4), v6, &r->dst); /* the customers' resolvers */
    else if (s->port == 123)
        server_addr((int)rndn(8), v6, &r->dst);
    else
        server_addr(zipf_pick(zipf_servers, NSERVERS), v6, &r->dst);
    r->service = s->service;
    r->missed = 0;

    if (s->kind == SVC_ICMP) {
        r->proto = 1;
        r->sport = 8;
        r->dport = 0;
    } else {
        r->proto = s->kind == SVC_TCP ? 6 : 17;
        r->sport = (uint16_t)(32768 + rndn(28232));
        r->dport = s->port ? s->port : (uint16_t)(rndn(10) < 6 ? 8080 + rndn(20) : 1024 + rndn(60000));
        if (s->port == 123)
            r->sport = 123;
    }

    uint32_t u = rndn(1000);
    double ob = lognormal(s->req_median, s->req_sigma), rb = lognormal(s->resp_median, s->resp_sigma);
    double du = lognormal(s->dur_median, s->dur_sigma);
    int hdr = r->proto == 6 ? 52 : (r->proto == 17 ? 28 : 28);
    if (r->proto == 6) {
        if (u < 780) {
            r->state = "SF";
            r->history = u < 700 ? "ShADadFf" : (u < 750 ? "ShADadfF" : "ShAdDaFf");
        } else if (u < 880) {
            r->state = "S0";
            r->history = "S";
            ob = 0;
            rb = 0;
        } else if (u < 930) {
            r->state = "REJ";
            r->history = "Sr";
            ob = 0;
            rb = 0;
            du = 0.0001 + rnd01() * 0.01;
        } else if (u < 970) {
            r->state = "RSTO";
            r->history = "ShADadR";
        } else if (u < 990) {
            r->state = "RSTR";
            r->history = "ShADadr";
        } else {
            r->state = "SH";
            r->history = "ShAF";
            rb = 0;
        }
    } else if (r->proto == 17) {
        if (u < 900) {
            r->state = "SF";
            r->history = "Dd";
        } else {
            r->state = "S0";
            r->history = "D";
            rb = 0;
        }
    } else {
        r->state = "OTH";
        r->history = "-";
    }
    if (r->state[0] == 'S' && r->state[1] == '0') {
        r->opkts = r->proto == 6 ? 1 + rndn(3) : 1;
        r->rpkts = 0;
        r->obytes = r->proto == 6 ? 0 : (int64_t)ob;
        r->rbytes = 0;
        r->dur_us = r->opkts > 1 ? (int64_t)(du * 1e6) : -1;
    } else {
        r->obytes = (int64_t)ob;
        r->rbytes = (int64_t)rb;
        r->opkts = 1 + (uint64_t)(ob / 1200.0) + (r->proto == 6 ? 2 : 0);
        r->rpkts = (rb > 0 ? 1 + (uint64_t)(rb / 1400.0) : 0) + (r->proto == 6 ? 2 : 0);
        r->dur_us = (int64_t)(du * 1e6);
    }
    if (r->proto == 6 && r->state[0] == 'R' && r->state[1] == 'E')
        r->rpkts = 1;
    if (r->dur_us > DUR_CAP_US)
        r->dur_us = DUR_CAP_US - (int64_t)rndn(10000000);
    if (rndn(2000) == 0 && r->proto == 6 && r->rbytes > 0)
        r->missed = (uint64_t)r->rbytes / 3;
    r->oip = (uint64_t)(r->obytes > 0 ? r->obytes : 0) + r->opkts * (uint64_t)hdr;
    r->rip = (uint64_t)(r->rbytes > 0 ? r->rbytes : 0) + r->rpkts * (uint64_t)hdr;
    r->ts_us = end_us - (r->dur_us > 0 ? r->dur_us : 0);
}

/* ---------------------------------------------------------------- output */

static char obuf[OUTBUF];
static size_t olen;

static int out_flush(void)
{
    if (olen && fwrite(obuf, 1, olen, stdout) != olen)
        return -1;
    olen = 0;
    return 0;
}

static inline char *out_room(size_t n)
{
    if (olen + n > OUTBUF && out_flush() != 0) {
        fprintf(stderr, "gen_zeek: write failed: %s\n", strerror(errno));
        exit(1);
    }
    return obuf + olen;
}

static inline char *put_u64(char *p, uint64_t v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = t[--n];
    return p;
}

static inline char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* seconds.micro with six digits, as Zeek writes time and interval */
static inline char *put_us(char *p, int64_t us)
{
    p = put_u64(p, (uint64_t)(us / 1000000));
    *p++ = '.';
    uint32_t f = (uint32_t)(us % 1000000);
    for (int i = 5; i >= 0; i--) {
        p[i] = (char)('0' + f % 10);
        f /= 10;
    }
    return p + 6;
}

static inline char *put_addr(char *p, const struct addr16 *a)
{
    if (!a->v6) {
        for (int i = 12; i < 16; i++) {
            p = put_u64(p, a->b[i]);
            if (i < 15)
                *p++ = '.';
        }
        return p;
    }
    struct ks_addr ka;
    memcpy(ka.b, a->b, 16);
    ka.family = 6;
    return p + ks_addr_format(&ka, p, KS_ADDR_STRLEN);
}

static void write_zeek(const struct rec *r)
{
    char *p0 = out_room(512), *p = p0;
    p = put_us(p, r->ts_us);
    *p++ = '\t';
    p = put_str(p, r->uid);
    *p++ = '\t';
    p = put_addr(p, &r->src);
    *p++ = '\t';
    p = put_u64(p, r->sport);
    *p++ = '\t';
    p = put_addr(p, &r->dst);
    *p++ = '\t';
    p = put_u64(p, r->dport);
    *p++ = '\t';
    p = put_str(p, r->proto == 6 ? "tcp" : r->proto == 17 ? "udp" : "icmp");
    *p++ = '\t';
    p = put_str(p, r->service);
    *p++ = '\t';
    if (r->dur_us < 0)
        *p++ = '-';
    else
        p = put_us(p, r->dur_us);
    *p++ = '\t';
    if (r->dur_us < 0 && r->obytes == 0) {
        p = put_str(p, "-\t-");
    } else {
        p = put_u64(p, (uint64_t)r->obytes);
        *p++ = '\t';
        p = put_u64(p, (uint64_t)r->rbytes);
    }
    *p++ = '\t';
    p = put_str(p, r->state);
    *p++ = '\t';
    *p++ = r->local_orig ? 'T' : 'F';
    *p++ = '\t';
    *p++ = r->local_resp ? 'T' : 'F';
    *p++ = '\t';
    p = put_u64(p, r->missed);
    *p++ = '\t';
    p = put_str(p, r->history);
    *p++ = '\t';
    p = put_u64(p, r->opkts);
    *p++ = '\t';
    p = put_u64(p, r->oip);
    *p++ = '\t';
    p = put_u64(p, r->rpkts);
    *p++ = '\t';
    p = put_u64(p, r->rip);
    *p++ = '\t';
    p = put_str(p, "(empty)");
    *p++ = '\t';
    p = put_str(p, observer_name[r->observer]);
    *p++ = '\n';
    olen += (size_t)(p - p0);
}

static inline char *rb_u(char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        *p++ = (char)(v >> (8 * i));
    return p;
}

static inline char *rb_str(char *p, const char *s)
{
    size_t n = strlen(s);
    *p++ = (char)n; /* every string here is shorter than 128 bytes: one varint byte */
    memcpy(p, s, n);
    return p + n;
}

/* RowBinary for bench/clickhouse.sh's table (column order must match its CREATE TABLE).
 * Unset Zeek values ("-") become 0 / "" as in konseki's event. */
static void write_rowbinary(const struct rec *r)
{
    char *p0 = out_room(512), *p = p0;
    p = rb_u(p, (uint64_t)r->ts_us * 1000, 8);            /* ts UInt64 ns */
    p = rb_str(p, observer_name[r->observer]);            /* observer String */
    p = rb_str(p, r->uid);                                /* uid String */
    memcpy(p, r->src.b, 16);                              /* src FixedString(16) */
    p += 16;
    p = rb_u(p, r->sport, 2);                             /* src_port UInt16 */
    memcpy(p, r->dst.b, 16);                              /* dst FixedString(16) */
    p += 16;
    p = rb_u(p, r->dport, 2);                             /* dst_port UInt16 */
    p = rb_u(p, r->proto, 1);                             /* proto UInt8 */
    p = rb_str(p, r->service[0] == '-' ? "" : r->service); /* service String */
    p = rb_u(p, r->dur_us < 0 ? 0 : (uint64_t)r->dur_us * 1000, 8); /* duration UInt64 ns */
    p = rb_u(p, r->obytes < 0 ? 0 : (uint64_t)r->obytes, 8); /* bytes_out */
    p = rb_u(p, r->rbytes < 0 ? 0 : (uint64_t)r->rbytes, 8); /* bytes_in */
    p = rb_u(p, r->opkts, 8);                             /* pkts_out */
    p = rb_u(p, r->rpkts, 8);                             /* pkts_in */
    p = rb_str(p, r->state);                              /* conn_state String */
    p = rb_str(p, r->history[0] == '-' ? "" : r->history); /* history String */
    p = rb_u(p, r->local_orig, 1);                        /* local_orig UInt8 */
    p = rb_u(p, r->local_resp, 1);                        /* local_resp UInt8 */
    p = rb_u(p, r->missed, 8);                            /* missed_bytes UInt64 */
    p = rb_u(p, r->oip, 8);                               /* orig_ip_bytes UInt64 */
    p = rb_u(p, r->rip, 8);                               /* resp_ip_bytes UInt64 */
    olen += (size_t)(p - p0);
}

static void zeek_header(int64_t start_s, bool close, int64_t end_s)
{
    char ts[32];
    time_t t = (time_t)(close ? end_s : start_s);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d-%H-%M-%S", &tm);
    if (close) {
        printf("#close\t%s\n", ts);
        return;
    }
    printf("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
           "#path\tconn\n#open\t%s\n"
           "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"
           "duration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\t"
           "history\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\t_node_name\n"
           "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\t"
           "string\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\n",
           ts);
}

/* ---------------------------------------------------------------- main */

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_date(const char *s, int64_t *out)
{
    /* YYYY-MM-DD, days from civil (Howard Hinnant's algorithm) */
    uint64_t y, m, d;
    char tmp[16];
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    memcpy(tmp, s, 10);
    tmp[4] = tmp[7] = tmp[10] = 0;
    if (parse_u64(tmp, &y) || parse_u64(tmp + 5, &m) || parse_u64(tmp + 8, &d) || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return -1;
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t mp = ((int64_t)m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *out = (era * 146097 + doe - 719468) * 86400;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_zeek --records N [--days D] [--seed S] [--observers K] "
                    "[--start YYYY-MM-DD] [--format zeek|rowbinary]\n");
}

int main(int argc, char **argv)
{
    uint64_t nrec = 0, days = 7, seed = 1, nobs = 24;
    int64_t start_s = 0;
    const char *format = "zeek";
    parse_date("2024-05-06", &start_s);
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!v) {
            bad = 1;
        } else if (!strcmp(a, "--records")) {
            bad = parse_u64(v, &nrec);
        } else if (!strcmp(a, "--days")) {
            bad = parse_u64(v, &days) || days < 1 || days > 3660;
        } else if (!strcmp(a, "--seed")) {
            bad = parse_u64(v, &seed);
        } else if (!strcmp(a, "--observers")) {
            bad = parse_u64(v, &nobs) || nobs < 1 || nobs > 256;
        } else if (!strcmp(a, "--start")) {
            bad = parse_date(v, &start_s);
        } else if (!strcmp(a, "--format")) {
            format = v;
            bad = strcmp(v, "zeek") && strcmp(v, "rowbinary");
        } else {
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "gen_zeek: bad option '%s'\n", a);
            usage();
            return 2;
        }
    }
    if (nrec == 0) {
        usage();
        return 2;
    }
    bool zeek = !strcmp(format, "zeek");
    nobservers = (int)nobs;

    rnd_seed(seed);
    normals_build();
    zipf_build(zipf_clients, NCLIENTS, 1.0);
    zipf_build(zipf_servers, NSERVERS, 1.1);
    zipf_build(zipf_int, NINTSERVERS, 1.2);
    double sum = 0, tot = 0;
    for (size_t i = 0; i < NSVC; i++)
        tot += svcs[i].weight;
    for (size_t i = 0; i < NSVC; i++) {
        sum += svcs[i].weight;
        svc_cdf[i] = sum / tot;
    }
    static const char *sites[] = {"tyo", "osa", "ngo", "fuk", "spk", "sdj", "hir", "kix"};
    for (int i = 0; i < nobservers; i++) {
        snprintf(observer_name[i], sizeof(observer_name[i]), "rtr-%s-%02d", sites[i % 8],
                 1 + i / 8);
    }
    for (int c = 0; c < NCUSTOMERS; c++)
        observer_of_customer[c] = (int)(mix64((uint64_t)c + 99) % (uint64_t)nobservers);
    if (inv_build((int)days) != 0) {
        fprintf(stderr, "gen_zeek: out of memory\n");
        return 1;
    }

    if (zeek)
        zeek_header(start_s, false, 0);
    fflush(stdout);
    int64_t start_us = start_s * 1000000;
    struct rec r;
    for (uint64_t i = 0; i < nrec; i++) {
        double frac = ((double)i + rnd01()) / (double)nrec;
        int64_t end_us = start_us + (int64_t)(time_at(frac) * 1e6);
        rec_make(&r, end_us);
        if (r.ts_us < start_us)
            r.ts_us = start_us + (int64_t)rndn(1000000);
        if (zeek)
            write_zeek(&r);
        else
            write_rowbinary(&r);
    }
    if (out_flush() != 0) {
        fprintf(stderr, "gen_zeek: write failed: %s\n", strerror(errno));
        return 1;
    }
    if (zeek)
        zeek_header(0, true, start_s + (int64_t)days * 86400);
    free(inv);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "gen_zeek: write failed: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
