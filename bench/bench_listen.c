/* SPDX-License-Identifier: MIT */
/*
 * bench_listen.c - a load generator for `konseki listen` (and nfcapd beside it): syslog over UDP
 * or TCP (octet-counted or LF-framed) and NetFlow v9 datagrams (a template set, then data sets),
 * sent to 127.0.0.1 only, at a given rate, bounded in count and in time; it stops by itself and
 * prints what it sent.
 *
 *   bench_listen syslog-udp PORT COUNT [RATE/s] [SECONDS]
 *   bench_listen syslog-tcp PORT COUNT [RATE/s] [SECONDS] [lf|octet]
 *   bench_listen flow-v9    PORT RECORDS [RECORDS-RATE/s] [SECONDS] [RECORDS-PER-DATAGRAM]
 * RATE 0 means as fast as possible. Output: "sent N messages|records in S s (R/s)".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"

#define BATCH 64u

static uint64_t arg_u64(const char *s, const char *what)
{
    uint64_t v;
    if (ks_parse_u64(s, strlen(s), &v) != 0) {
        fprintf(stderr, "bench_listen: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* How many units may be sent by now to keep rate (0: unlimited). */
static uint64_t allowance(uint64_t rate, int64_t start, uint64_t cap)
{
    if (!rate)
        return cap;
    double el = (double)(ks_time_mono() - start) / 1e9;
    uint64_t a = (uint64_t)(el * (double)rate) + 1;
    return a < cap ? a : cap;
}

static void pace(void)
{
    struct timespec ts = {0, 200 * 1000};
    nanosleep(&ts, NULL);
}

static size_t syslog_msg(char *buf, size_t cap, uint64_t i)
{
    static const char *const fmts[] = {
        "<38>1 2024-05-06T09:%02u:%02u.%03uZ web%u sshd 4242 - - Failed password for invalid "
        "user admin%u from 10.%u.%u.%u port 52%03u ssh2",
        "<86>May  6 09:%02u:%02u host%u sudo: pam_unix(sudo:session): session opened for user "
        "root by (uid=%u%u%u%u)",
        "<166>%%ASA-6-302013: Built outbound TCP connection %u%u for outside:10.%u.%u.%u/443 "
        "(10.%u.%u.1/443) to inside:192.168.%u.%u/5%04u (192.168.1.1/5%04u)",
    };
    unsigned a = (unsigned)(i % 60), b = (unsigned)(i / 60 % 60), c = (unsigned)(i % 1000);
    unsigned d = (unsigned)(i % 250), e = (unsigned)(i / 250 % 250);
    int n;
    switch (i % 3) {
    case 0:
        n = snprintf(buf, cap, fmts[0], b, a, c, d % 8, c, e, d, a, c);
        break;
    case 1:
        n = snprintf(buf, cap, fmts[1], b, a, d % 8, a, b, c, d);
        break;
    default:
        n = snprintf(buf, cap, fmts[2], a, c, e, d, a, e, d, d, e, c, c);
        break;
    }
    return n < 0 ? 0 : (size_t)KS_MIN((size_t)n, cap - 1);
}

#define POOL 4096u /* distinct messages, generated once so the sender is not the bottleneck */

static int run_syslog_udp(uint16_t port, uint64_t count, uint64_t rate, int64_t limit)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = loopback(port);
    static char pool[POOL][512];
    static size_t plen[POOL];
    struct mmsghdr mm[BATCH];
    struct iovec iov[BATCH];
    uint64_t sent = 0;
    for (unsigned i = 0; i < POOL; i++)
        plen[i] = syslog_msg(pool[i], sizeof pool[i], i * 7919u);
    int64_t start = ks_time_mono();
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0)
        return 1;
    while (sent < count && ks_time_mono() - start < limit) {
        uint64_t may = allowance(rate, start, count);
        if (may <= sent) {
            pace();
            continue;
        }
        unsigned n = (unsigned)KS_MIN((uint64_t)BATCH, may - sent);
        for (unsigned k = 0; k < n; k++) {
            iov[k].iov_base = pool[(sent + k) % POOL];
            iov[k].iov_len = plen[(sent + k) % POOL];
            memset(&mm[k], 0, sizeof mm[k]);
            mm[k].msg_hdr.msg_iov = &iov[k];
            mm[k].msg_hdr.msg_iovlen = 1;
        }
        int r = sendmmsg(fd, mm, n, 0);
        if (r < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED)
                continue;
            perror("sendmmsg");
            break;
        }
        sent += (uint64_t)r;
    }
    double el = (double)(ks_time_mono() - start) / 1e9;
    printf("sent %" PRIu64 " messages in %.3f s (%.0f/s)\n", sent, el, (double)sent / el);
    close(fd);
    return 0;
}

static int run_syslog_tcp(uint16_t port, uint64_t count, uint64_t rate, int64_t limit, bool lf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = loopback(port);
    static char out[256 * 1024];
    uint64_t sent = 0;
    int64_t start = ks_time_mono();
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        perror("connect");
        return 1;
    }
    while (sent < count && ks_time_mono() - start < limit) {
        uint64_t may = allowance(rate, start, count);
        if (may <= sent) {
            pace();
            continue;
        }
        size_t len = 0;
        while (sent < may && len + 600 < sizeof out) {
            char m[512];
            size_t n = syslog_msg(m, sizeof m, sent);
            if (lf) {
                memcpy(out + len, m, n);
                out[len + n] = '\n';
                len += n + 1;
            } else {
                int h = snprintf(out + len, 16, "%zu ", n);
                memcpy(out + len + (size_t)h, m, n);
                len += (size_t)h + n;
            }
            sent++;
        }
        for (size_t off = 0; off < len;) {
            ssize_t w = write(fd, out + off, len - off);
            if (w < 0) {
                perror("write");
                close(fd);
                return 1;
            }
            off += (size_t)w;
        }
    }
    double el = (double)(ks_time_mono() - start) / 1e9;
    printf("sent %" PRIu64 " messages in %.3f s (%.0f/s)\n", sent, el, (double)sent / el);
    close(fd);
    return 0;
}

static size_t w16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}
static size_t w32(uint8_t *p, uint32_t v)
{
    w16(p, (uint16_t)(v >> 16));
    w16(p + 2, (uint16_t)v);
    return 4;
}

/* A NetFlow v9 datagram: header, the template set (every 64th datagram and the first), and one
 * data set of nrec records (src4 dst4 sport dport proto bytes pkts first last: 29 bytes). */
static size_t v9_datagram(uint8_t *b, uint32_t seq, unsigned nrec, uint64_t first_rec)
{
    size_t n = 0;
    uint32_t uptime = 3600000, now_s = 1714986000u;
    n += w16(b + n, 9);
    size_t count_at = n;
    n += w16(b + n, 0);
    n += w32(b + n, uptime);
    n += w32(b + n, now_s);
    n += w32(b + n, seq);
    n += w32(b + n, 7); /* source id */
    uint16_t sets = 0;
    if (seq % 64 == 0) {
        static const uint16_t f[][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1},
                                        {1, 4}, {2, 4}, {22, 4}, {21, 4}};
        size_t at = n;
        n += w16(b + n, 0);
        n += w16(b + n, 0);
        n += w16(b + n, 300);
        n += w16(b + n, (uint16_t)KS_ARRAY_LEN(f));
        for (size_t i = 0; i < KS_ARRAY_LEN(f); i++) {
            n += w16(b + n, f[i][0]);
            n += w16(b + n, f[i][1]);
        }
        w16(b + at + 2, (uint16_t)(n - at));
        sets++;
    }
    size_t at = n;
    n += w16(b + n, 300);
    n += w16(b + n, 0);
    for (unsigned r = 0; r < nrec; r++) {
        uint64_t i = first_rec + r;
        n += w32(b + n, 0x0a000000u | (uint32_t)(i % 65536));
        n += w32(b + n, 0xc0a80000u | (uint32_t)(i * 7 % 65536));
        n += w16(b + n, (uint16_t)(1024 + i % 60000));
        n += w16(b + n, (uint16_t)(i % 5 ? 443 : 53));
        b[n++] = i % 5 ? 6 : 17;
        n += w32(b + n, (uint32_t)(100 + i % 100000));
        n += w32(b + n, (uint32_t)(1 + i % 100));
        n += w32(b + n, uptime - 5000);
        n += w32(b + n, uptime - 1000);
    }
    while ((n - at) % 4)
        b[n++] = 0;
    w16(b + at + 2, (uint16_t)(n - at));
    sets++;
    w16(b + count_at, (uint16_t)(sets - 1 + nrec));
    return n;
}

static int run_flow_v9(uint16_t port, uint64_t records, uint64_t rate, int64_t limit,
                       unsigned per)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = loopback(port);
    static uint8_t bufs[BATCH][1500];
    struct mmsghdr mm[BATCH];
    struct iovec iov[BATCH];
    uint64_t sent = 0;
    uint32_t seq = 0;
    int64_t start = ks_time_mono();
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0)
        return 1;
    while (sent < records && ks_time_mono() - start < limit) {
        uint64_t may = allowance(rate, start, records);
        if (may <= sent) {
            pace();
            continue;
        }
        unsigned n = 0;
        uint64_t s = sent;
        while (n < BATCH && s < may) {
            unsigned k = (unsigned)KS_MIN((uint64_t)per, records - s);
            iov[n].iov_base = bufs[n];
            iov[n].iov_len = v9_datagram(bufs[n], seq + n, k, s);
            memset(&mm[n], 0, sizeof mm[n]);
            mm[n].msg_hdr.msg_iov = &iov[n];
            mm[n].msg_hdr.msg_iovlen = 1;
            s += k;
            n++;
        }
        int r = sendmmsg(fd, mm, n, 0);
        if (r < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED)
                continue;
            perror("sendmmsg");
            break;
        }
        for (int k = 0; k < r; k++)
            sent += KS_MIN((uint64_t)per, records - sent);
        seq += (uint32_t)r;
    }
    double el = (double)(ks_time_mono() - start) / 1e9;
    printf("sent %" PRIu64 " records in %" PRIu32 " datagrams in %.3f s (%.0f records/s)\n", sent,
           seq, el, (double)sent / el);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_listen syslog-udp|syslog-tcp|flow-v9 PORT COUNT [RATE] "
                        "[SECONDS] [lf|octet|RECORDS-PER-DATAGRAM]\n");
        return 2;
    }
    uint64_t port = arg_u64(argv[2], "port");
    uint64_t count = arg_u64(argv[3], "count");
    uint64_t rate = argc > 4 ? arg_u64(argv[4], "rate") : 0;
    uint64_t secs = argc > 5 ? arg_u64(argv[5], "seconds") : 60;
    if (port == 0 || port > 65535 || secs == 0 || secs > 3600) {
        fprintf(stderr, "bench_listen: port 1-65535, seconds 1-3600\n");
        return 2;
    }
    int64_t limit = (int64_t)secs * KS_NS_PER_SEC;
    if (!strcmp(argv[1], "syslog-udp"))
        return run_syslog_udp((uint16_t)port, count, rate, limit);
    if (!strcmp(argv[1], "syslog-tcp"))
        return run_syslog_tcp((uint16_t)port, count, rate, limit,
                              !(argc > 6 && !strcmp(argv[6], "octet")));
    if (!strcmp(argv[1], "flow-v9")) {
        uint64_t per = argc > 6 ? arg_u64(argv[6], "records per datagram") : 30;
        if (per == 0 || per > 45) {
            fprintf(stderr, "bench_listen: 1-45 records per datagram\n");
            return 2;
        }
        return run_flow_v9((uint16_t)port, count, rate, limit, (unsigned)per);
    }
    fprintf(stderr, "bench_listen: unknown mode '%s'\n", argv[1]);
    return 2;
}
