/* SPDX-License-Identifier: MIT */
/*
 * test_listen.c - the live receiver (ingest_listen.c) and `konseki listen` (cmd_listen.c):
 * RFC 6587 framing (table-driven, with bad_inputs[]), the receiver in-process over loopback
 * (UDP and TCP syslog in both framings, a NetFlow v9 datagram), WAL replay and torn-tail repair,
 * the bounded queue (UDP dropped and counted, TCP paused and lossless), and the daemon as a child
 * process ($KS_BINARY): SIGTERM drains into the store, a restart adds no duplicates, SIGHUP
 * reloads the inventory, and kill -9 under TCP load loses no acknowledged message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ingest/ingest_listen.h"
#include "store/store.h"
#include "testutil.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- framing */

struct frame_case {
    const char *name;
    const char *in;
    bool eof;
    const char *want[4]; /* messages in order */
    unsigned bad;        /* BAD frames expected */
};

static const struct frame_case frame_cases[] = {
    {"lf", "<13>a b\n<14>c d\n", false, {"<13>a b", "<14>c d"}, 0},
    {"lf crlf", "<13>a\r\n", false, {"<13>a"}, 0},
    {"lf partial", "<13>a\n<14>incompl", false, {"<13>a"}, 0},
    {"lf partial at eof", "<13>a\n<14>last", true, {"<13>a", "<14>last"}, 0},
    {"octet", "7 <13>abc5 <1>xy", false, {"<13>abc", "<1>xy"}, 0},
    {"octet then lf", "3 abc<2>line\n", false, {"abc", "<2>line"}, 0},
    {"octet with newline inside", "5 a\nb c", false, {"a\nb c"}, 0},
    {"octet trailing lf", "3 abc\n3 def\n", false, {"abc", "def"}, 0},
    {"digits without space are a line", "123: %SYS-5-CONFIG_I: x\n", false,
     {"123: %SYS-5-CONFIG_I: x"}, 0},
    {"empty lines", "\n\r\n\n<1>x\n", false, {"<1>x"}, 0},
    {"octet split count", "1", false, {NULL}, 0},
    {"octet partial body", "10 abc", false, {NULL}, 0},
};

/* Inputs that must produce BAD frames (and never a crash, a hang or a message beyond them). */
static const struct frame_case bad_inputs[] = {
    {"octet count over the limit", "99999999 xxxxx", false, {NULL}, 1},
    {"octet body cut by eof", "10 abc", true, {NULL}, 1},
    {"octet oversized then good", "70000 ", false, {NULL}, 1},
    {"octet count too long (11 digits) is a line", "12345678901 x\n", false, {"12345678901 x"}, 0},
};

static void run_frames(const struct frame_case *c)
{
    struct ks_listen_framer f = {0};
    size_t off = 0, len = strlen(c->in), nmsg = 0;
    unsigned bad = 0;
    for (int guard = 0; guard < 100; guard++) {
        size_t used;
        struct ks_sv m;
        int r = ks_listen_frame(&f, c->in + off, len - off, c->eof, &used, &m);
        if (r == KS_FRAME_NEED)
            break;
        assert_true(used > 0);
        assert_true(used <= len - off);
        off += used;
        if (r == KS_FRAME_BAD)
            bad++;
        if (r == KS_FRAME_MSG) {
            assert_true(nmsg < 4);
            assert_non_null(c->want[nmsg]);
            if (m.n != strlen(c->want[nmsg]) || memcmp(m.p, c->want[nmsg], m.n) != 0)
                fail_msg("%s: message %zu is '%.*s', want '%s'", c->name, nmsg, (int)m.n, m.p,
                         c->want[nmsg]);
            nmsg++;
        }
        if (off == len)
            break;
    }
    size_t want = 0;
    while (want < 4 && c->want[want])
        want++;
    if (nmsg != want || bad != c->bad)
        fail_msg("%s: %zu messages, %u bad; want %zu, %u", c->name, nmsg, bad, want, c->bad);
}

static void test_frame_table(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof frame_cases / sizeof frame_cases[0]; i++)
        run_frames(&frame_cases[i]);
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++)
        run_frames(&bad_inputs[i]);
}

static void test_frame_oversized_skips(void **unused)
{
    (void)unused;
    /* An oversized octet frame is discarded however it arrives, and the next frame is intact. */
    struct ks_listen_framer f = {0};
    size_t used, big = KS_LISTEN_MAX_MSG + 10;
    struct ks_sv m;
    char head[32];
    int hn = snprintf(head, sizeof head, "%zu ", big);
    assert_int_equal(ks_listen_frame(&f, head, (size_t)hn, false, &used, &m), KS_FRAME_BAD);
    assert_int_equal(used, (size_t)hn);
    char *body = malloc(big + 8);
    memset(body, 'x', big);
    memcpy(body + big, "3 abc", 5);
    size_t off = 0;
    while (f.skip) {
        size_t chunk = KS_MIN((size_t)1000, big + 5 - off);
        assert_int_equal(ks_listen_frame(&f, body + off, chunk, false, &used, &m), KS_FRAME_SKIP);
        off += used;
    }
    assert_int_equal(off, big);
    assert_int_equal(ks_listen_frame(&f, body + off, 5, false, &used, &m), KS_FRAME_MSG);
    assert_int_equal(m.n, 3);
    /* an LF line over the limit: BAD, then skipped up to its '\n' */
    struct ks_listen_framer g = {0};
    memset(body, 'y', big);
    memcpy(body + big, "\n<1>z\n", 6);
    assert_int_equal(ks_listen_frame(&g, body, KS_LISTEN_MAX_MSG + 5, false, &used, &m),
                     KS_FRAME_BAD);
    off = used;
    assert_int_equal(ks_listen_frame(&g, body + off, big + 6 - off, false, &used, &m),
                     KS_FRAME_SKIP);
    off += used;
    assert_int_equal(ks_listen_frame(&g, body + off, big + 6 - off, false, &used, &m),
                     KS_FRAME_MSG);
    assert_int_equal(m.n, 4);
    free(body);
}

/* ---------------------------------------------------------------- loopback helpers */

static uint16_t port_of(const char *name)
{
    const char *c = strrchr(name, ':');
    assert_non_null(c);
    return (uint16_t)strtoul(c + 1, NULL, 10);
}

static void send_udp(uint16_t port, const void *p, size_t n)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(sendto(fd, p, n, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)n);
    close(fd);
}

static int tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

/* n syslog lines "<34>1 ... msg <tag>-<i>", LF-framed or octet-counted, into one buffer. */
static char *syslog_stream(const char *tag, unsigned first, unsigned n, bool octet, size_t *len)
{
    size_t cap = (size_t)n * 160 + 1;
    char *b = malloc(cap);
    size_t off = 0;
    assert_non_null(b);
    for (unsigned i = first; i < first + n; i++) {
        char m[128];
        int k = snprintf(m, sizeof m, "<34>1 2024-05-06T09:00:%02u.%03uZ dev1 app - - - msg %s-%u",
                         i / 1000 % 60, i % 1000, tag, i);
        if (octet)
            off += (size_t)snprintf(b + off, cap - off, "%d %s", k, m);
        else
            off += (size_t)snprintf(b + off, cap - off, "%s\n", m);
    }
    *len = off;
    return b;
}

/* A NetFlow v9 datagram: template 256 (src4 dst4 sport dport proto bytes pkts) + nrec records. */
static size_t v9_datagram(uint8_t *b, unsigned nrec)
{
    static const uint16_t f[][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {1, 4}, {2, 4}};
    size_t n = 0;
#define W16(v) (b[n] = (uint8_t)((v) >> 8), b[n + 1] = (uint8_t)(v), n += 2)
#define W32(v) (W16((uint32_t)(v) >> 16), W16((uint32_t)(v)&0xffff))
    W16(9);
    W16(1 + nrec);
    W32(100000);
    W32(1714986000);
    W32(1);
    W32(0);
    size_t at = n;
    W16(0);
    W16(0);
    W16(256);
    W16(7);
    for (size_t i = 0; i < 7; i++) {
        W16(f[i][0]);
        W16(f[i][1]);
    }
    b[at + 2] = (uint8_t)((n - at) >> 8);
    b[at + 3] = (uint8_t)(n - at);
    at = n;
    W16(256);
    W16(0);
    for (unsigned r = 0; r < nrec; r++) {
        W32(0x0a000001u + r);
        W32(0x0a000002u);
        W16(40000 + r);
        W16(443);
        b[n++] = 6;
        W32(1000);
        W32(10);
    }
    while ((n - at) % 4)
        b[n++] = 0;
    b[at + 2] = (uint8_t)((n - at) >> 8);
    b[at + 3] = (uint8_t)(n - at);
#undef W16
#undef W32
    return n;
}

/* ---------------------------------------------------------------- in-process receiver */

struct counts {
    unsigned events, flows, syslog;
    unsigned char seen[1u << 17];
    unsigned dups;
};

static int count_sink(void *arg, const struct ks_event *ev)
{
    struct counts *c = arg;
    c->events++;
    if (ev->kind == KS_KIND_FLOW) {
        c->flows++;
        return 0;
    }
    c->syslog++;
    struct ks_sv m = ks_event_bag_get(ev, "message");
    const char *d = m.p ? memchr(m.p, '-', m.n) : NULL;
    if (d) {
        unsigned v = (unsigned)strtoul(d + 1, NULL, 10);
        if (v < sizeof c->seen) {
            if (c->seen[v])
                c->dups++;
            c->seen[v] = 1;
        }
    }
    return 0;
}

static int stop_sink(void *arg, const struct ks_event *ev)
{
    count_sink(arg, ev);
    return 1;
}

static struct ks_listen *open_listener(const char *wal, uint64_t start)
{
    struct ks_listen_opts o;
    struct ks_listen *l = NULL;
    ks_listen_opts_default(&o);
    o.wal_dir = wal;
    o.start = start;
    o.ep[0] = (struct ks_listen_endpoint){KS_LISTEN_SYSLOG_UDP, "127.0.0.1:0"};
    o.ep[1] = (struct ks_listen_endpoint){KS_LISTEN_SYSLOG_TCP, "127.0.0.1:0"};
    o.ep[2] = (struct ks_listen_endpoint){KS_LISTEN_FLOW_UDP, "127.0.0.1:0"};
    o.nep = 3;
    o.queue_bytes = 4u << 20;
    assert_int_equal(ks_listen_open(&o, &l), 0);
    return l;
}

/* Sends 100 UDP, 100 + 100 TCP (LF, octet) syslog messages and one v9 datagram of 5 flows. */
static void send_mix(struct ks_listen *l)
{
    struct ks_listen_stats s[3];
    assert_int_equal(ks_listen_get_stats(l, s, 3), 3);
    uint16_t up = port_of(s[0].name), tp = port_of(s[1].name), fp = port_of(s[2].name);
    size_t n;
    for (unsigned i = 0; i < 100; i++) {
        char m[128];
        int k = snprintf(m, sizeof m, "<13>May  6 09:00:01 host2 prog: msg u-%u", i);
        send_udp(up, m, (size_t)k);
    }
    int fd = tcp_connect(tp);
    char *b = syslog_stream("t", 100, 100, false, &n);
    write_all(fd, b, n);
    free(b);
    b = syslog_stream("t", 200, 100, true, &n);
    write_all(fd, b, n);
    free(b);
    close(fd);
    uint8_t dg[512];
    send_udp(fp, dg, v9_datagram(dg, 5));
}

static void wait_received(struct ks_listen *l, uint64_t want)
{
    struct ks_listen_stats s[3];
    for (int i = 0; i < 500; i++) {
        ks_listen_get_stats(l, s, 3);
        if (s[0].received + s[1].received + s[2].received >= want)
            return;
        sleep_ms(10);
    }
    fail_msg("received %llu + %llu + %llu, want %llu", (unsigned long long)s[0].received,
             (unsigned long long)s[1].received, (unsigned long long)s[2].received,
             (unsigned long long)want);
}

static void drain(struct ks_listen *l, struct counts *c)
{
    size_t nrec;
    for (int i = 0; i < 1000 && !ks_listen_drained(l); i++) {
        assert_int_equal(ks_listen_poll(l, 1000, count_sink, c, &nrec), 0);
        if (nrec == 0)
            sleep_ms(2);
    }
    assert_true(ks_listen_drained(l));
}

static void test_receiver_loopback(void **unused)
{
    (void)unused;
    char dir[4096], wal[4200];
    struct counts *c = calloc(1, sizeof *c);
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(wal, sizeof wal, "%s/wal", dir);
    struct ks_listen *l = open_listener(wal, 0);
    assert_int_equal(ks_listen_start(l), 0);
    send_mix(l);
    wait_received(l, 301);
    ks_listen_stop(l);
    drain(l, c);
    assert_int_equal(c->syslog, 300);
    assert_int_equal(c->flows, 5);
    assert_int_equal(c->dups, 0);
    for (unsigned i = 100; i < 300; i++)
        assert_true(c->seen[i]);
    struct ks_listen_stats s[3];
    ks_listen_get_stats(l, s, 3);
    assert_int_equal(s[0].parsed, 100);
    assert_int_equal(s[1].parsed, 200);
    assert_int_equal(s[1].conns, 1);
    assert_int_equal(s[2].received, 1);
    assert_int_equal(s[2].parsed, 5);
    assert_int_equal(s[0].malformed + s[1].malformed + s[2].malformed, 0);
    assert_int_equal(ks_listen_tcp_acked(l), 200);
    ks_listen_free(l);
    free(c);
    ks_test_rmtree(dir);
}

static void test_wal_replay(void **unused)
{
    (void)unused;
    char dir[4096], wal[4200], seg[4300];
    struct counts *c = calloc(1, sizeof *c);
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(wal, sizeof wal, "%s/wal", dir);
    /* receive without parsing, as if the process died before committing anything */
    struct ks_listen *l = open_listener(wal, 0);
    assert_int_equal(ks_listen_start(l), 0);
    send_mix(l);
    wait_received(l, 301);
    ks_listen_stop(l);
    ks_listen_free(l);
    /* a torn write at the tail: cut at open, everything before it replayed */
    snprintf(seg, sizeof seg, "%s/0000000000000000.wal", wal);
    int fd = open(seg, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "KSW1\x10\x00\x00\x00garbage", 15), 15);
    close(fd);
    l = open_listener(wal, 0);
    /* a sink answering > 0 stops the poll after the record it is in */
    size_t nrec = 0;
    assert_int_equal(ks_listen_poll(l, 1000, stop_sink, c, &nrec), 0);
    assert_int_equal(nrec, 1);
    assert_int_equal(c->events, 1);
    drain(l, c);
    assert_int_equal(c->syslog, 300);
    assert_int_equal(c->flows, 5);
    uint64_t pos = ks_listen_position(l);
    assert_true(pos > 0);
    ks_listen_free(l);
    /* opened at the committed position: nothing is parsed again */
    memset(c, 0, sizeof *c);
    l = open_listener(wal, pos);
    drain(l, c);
    assert_int_equal(c->events, 0);
    /* new data after a restart lands in a new segment and the old one is released */
    assert_int_equal(ks_listen_start(l), 0);
    send_mix(l);
    wait_received(l, 301);
    ks_listen_stop(l);
    drain(l, c);
    assert_int_equal(c->syslog, 300);
    assert_int_equal(ks_listen_release(l, ks_listen_position(l)), 0);
    struct stat sb;
    assert_int_equal(stat(seg, &sb), -1);
    ks_listen_free(l);
    free(c);
    ks_test_rmtree(dir);
}

/* A full queue drops UDP (counted) and pauses TCP (nothing lost); memory stays bounded. */
static void test_queue_bounds(void **unused)
{
    (void)unused;
    char dir[4096], wal[4200], big[1200];
    struct counts *c = calloc(1, sizeof *c);
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(wal, sizeof wal, "%s/wal", dir);
    struct ks_listen *l = open_listener(wal, 0); /* queue: 4 MiB */
    assert_int_equal(ks_listen_start(l), 0);
    struct ks_listen_stats s[3];
    ks_listen_get_stats(l, s, 3);
    uint16_t up = port_of(s[0].name), tp = port_of(s[1].name);
    /* nobody parses: 8 MiB of UDP must be cut at the queue */
    int n = snprintf(big, sizeof big, "<13>May  6 09:00:01 host2 prog: msg u-1 ");
    memset(big + n, 'x', sizeof big - (size_t)n);
    for (int i = 0; i < 8000; i++) {
        send_udp(up, big, sizeof big);
        if (i % 500 == 0)
            sleep_ms(5); /* let the receiver read, so the kernel buffer is not what drops */
    }
    for (int i = 0; i < 200; i++) {
        ks_listen_get_stats(l, s, 3);
        if (s[0].received + s[0].dropped == 8000)
            break;
        sleep_ms(10);
    }
    assert_true(s[0].dropped > 0);
    assert_true(s[0].received * (sizeof big + 48) <= (4u << 20) + (1u << 20) + sizeof big + 48);
    assert_true(ks_listen_backlog(l) <= (5u << 20));
    /* TCP while the queue is full: paused, then everything arrives once parsing resumes */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        size_t len;
        char *b = syslog_stream("q", 1000, 3000, false, &len);
        int fd = tcp_connect(tp);
        write_all(fd, b, len);
        close(fd);
        free(b);
        _exit(0);
    }
    sleep_ms(200);
    ks_listen_get_stats(l, s, 3);
    assert_int_equal(s[1].received, 0); /* not read while the queue is full */
    size_t nrec;
    uint64_t tcp_seen = 0;
    for (int i = 0; i < 3000 && tcp_seen < 3000; i++) {
        assert_int_equal(ks_listen_poll(l, 100000, count_sink, c, &nrec), 0);
        ks_listen_get_stats(l, s, 3);
        tcp_seen = s[1].parsed;
        if (nrec == 0)
            sleep_ms(2);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    ks_listen_stop(l);
    drain(l, c);
    ks_listen_get_stats(l, s, 3);
    assert_int_equal(s[1].parsed, 3000);
    assert_int_equal(s[1].dropped, 0);
    for (unsigned i = 1000; i < 4000; i++)
        assert_true(c->seen[i]);
    ks_listen_free(l);
    free(c);
    ks_test_rmtree(dir);
}

static void test_bad_endpoint(void **unused)
{
    (void)unused;
    static const char *const bad[] = {"127.0.0.1", "127.0.0.1:99999", "nohost:53", ":", "[::1"};
    char dir[4096], wal[4200];
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(wal, sizeof wal, "%s/wal", dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ks_listen_opts o;
        struct ks_listen *l = NULL;
        ks_listen_opts_default(&o);
        o.wal_dir = wal;
        o.ep[0] = (struct ks_listen_endpoint){KS_LISTEN_SYSLOG_UDP, bad[i]};
        o.nep = 1;
        assert_int_not_equal(ks_listen_open(&o, &l), 0);
        assert_null(l);
    }
    ks_test_rmtree(dir);
}

/* ---------------------------------------------------------------- the daemon */

struct daemon {
    pid_t pid;
    uint16_t udp, tcp, flow;
    char ready[4200];
};

static void daemon_start_inv(struct daemon *d, const char *store, const char *log,
                             const char *inventory);

static void daemon_start(struct daemon *d, const char *store, const char *log)
{
    daemon_start_inv(d, store, log, NULL);
}

static void daemon_start_inv(struct daemon *d, const char *store, const char *log,
                             const char *inventory)
{
    const char *bin = getenv("KS_BINARY");
    if (!bin)
        skip();
    snprintf(d->ready, sizeof d->ready, "%s.ready", store);
    unlink(d->ready);
    d->pid = fork();
    assert_true(d->pid >= 0);
    if (d->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0)
            dup2(fd, 2);
        if (inventory)
            execl(bin, "konseki", "listen", "--store", store, "--syslog-udp", "127.0.0.1:0",
                  "--syslog-tcp", "127.0.0.1:0", "--flow-udp", "127.0.0.1:0", "--ready-file",
                  d->ready, "--stats-interval", "0", "--commit-interval", "1", "--inventory",
                  inventory, (char *)NULL);
        else
            execl(bin, "konseki", "listen", "--store", store, "--syslog-udp", "127.0.0.1:0",
                  "--syslog-tcp", "127.0.0.1:0", "--flow-udp", "127.0.0.1:0", "--ready-file",
                  d->ready, "--stats-interval", "0", "--commit-interval", "1", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) {
        size_t n;
        char *t = ks_test_read_file(d->ready, &n);
        if (t) {
            char *u = strstr(t, "syslog-udp"), *p = strstr(t, "syslog-tcp"),
                 *f = strstr(t, "flow-udp");
            assert_true(u && p && f);
            *strchr(u, '\n') = '\0';
            *strchr(p, '\n') = '\0';
            *strchr(f, '\n') = '\0';
            d->udp = port_of(u);
            d->tcp = port_of(p);
            d->flow = port_of(f);
            free(t);
            return;
        }
        sleep_ms(10);
    }
    fail_msg("konseki listen did not start (see %s)", log);
}

static int daemon_stop(struct daemon *d, int sig)
{
    int status = 0;
    kill(d->pid, sig);
    assert_int_equal(waitpid(d->pid, &status, 0), d->pid);
    return status;
}

static void store_count(const char *store, struct counts *c)
{
    struct ks_store *st = NULL;
    struct ks_query q;
    memset(c, 0, sizeof *c);
    assert_int_equal(ks_store_open(store, KS_STORE_RDONLY, &st), 0);
    ks_query_init(&q);
    assert_int_equal(ks_store_scan(st, &q, count_sink, c), 0);
    ks_store_close(st);
}

static void test_daemon_sigterm_and_restart(void **unused)
{
    (void)unused;
    char dir[4096], store[4200], log[4200];
    struct daemon d;
    struct counts *c = calloc(1, sizeof *c);
    size_t n;
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(store, sizeof store, "%s/store", dir);
    snprintf(log, sizeof log, "%s/listen.log", dir);
    daemon_start(&d, store, log);
    for (unsigned i = 0; i < 50; i++) {
        char m[128];
        int k = snprintf(m, sizeof m, "<13>May  6 09:00:01 host2 prog: msg u-%u", i);
        send_udp(d.udp, m, (size_t)k);
    }
    int fd = tcp_connect(d.tcp);
    char *b = syslog_stream("t", 100, 50, false, &n);
    write_all(fd, b, n);
    free(b);
    b = syslog_stream("t", 150, 50, true, &n);
    write_all(fd, b, n);
    free(b);
    close(fd);
    uint8_t dg[512];
    send_udp(d.flow, dg, v9_datagram(dg, 3));
    sleep_ms(200);
    int status = daemon_stop(&d, SIGTERM);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    store_count(store, c);
    assert_int_equal(c->syslog, 150);
    assert_int_equal(c->flows, 3);
    assert_int_equal(c->dups, 0);
    /* a restart replays nothing that was committed */
    daemon_start(&d, store, log);
    sleep_ms(100);
    status = daemon_stop(&d, SIGINT);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    store_count(store, c);
    assert_int_equal(c->events, 153);
    free(c);
    ks_test_rmtree(dir);
}

static unsigned count_in_file(const char *path, const char *needle)
{
    size_t n;
    unsigned k = 0;
    char *t = ks_test_read_file(path, &n);
    for (char *p = t; p && (p = strstr(p, needle)); p++)
        k++;
    free(t);
    return k;
}

/* SIGHUP reloads the inventory; a reload that fails keeps the old one and the daemon runs on. */
static void test_daemon_sighup(void **unused)
{
    (void)unused;
    char dir[4096], store[4200], log[4200], inv[4200];
    struct daemon d;
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(store, sizeof store, "%s/store", dir);
    snprintf(log, sizeof log, "%s/listen.log", dir);
    snprintf(inv, sizeof inv, "%s/konseki.yaml", dir);
    ks_test_write_file(inv, "version: 1\n", 11);
    daemon_start_inv(&d, store, log, inv);
    assert_int_equal(count_in_file(log, "inventory loaded"), 1);
    kill(d.pid, SIGHUP);
    for (int i = 0; i < 300 && count_in_file(log, "inventory loaded") < 2; i++)
        sleep_ms(10);
    assert_int_equal(count_in_file(log, "inventory loaded"), 2);
    unlink(inv);
    kill(d.pid, SIGHUP);
    for (int i = 0; i < 300 && count_in_file(log, "keeping the previous one") < 1; i++)
        sleep_ms(10);
    assert_int_equal(count_in_file(log, "keeping the previous one"), 1);
    int status = daemon_stop(&d, SIGTERM);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ks_test_rmtree(dir);
}

static uint64_t read_acked(const char *store)
{
    char path[4300];
    size_t n;
    snprintf(path, sizeof path, "%s/wal/acked", store);
    char *t = ks_test_read_file(path, &n);
    uint64_t v = t ? strtoull(t, NULL, 10) : 0;
    free(t);
    return v;
}

static void test_daemon_kill9(void **unused)
{
    (void)unused;
    enum { TOTAL = 100000, CHUNK = 100, KILL_AT = 5000 };
    char dir[4096], store[4200], log[4200];
    struct daemon d;
    struct counts *c = calloc(1, sizeof *c);
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(store, sizeof store, "%s/store", dir);
    snprintf(log, sizeof log, "%s/listen.log", dir);
    daemon_start(&d, store, log);
    /* a child sends without pause (both framings) until the connection dies */
    pid_t sender = fork();
    assert_true(sender >= 0);
    if (sender == 0) {
        signal(SIGPIPE, SIG_IGN);
        int fd = tcp_connect(d.tcp);
        for (unsigned sent = 0; sent < TOTAL; sent += CHUNK) {
            size_t n, off = 0;
            char *b = syslog_stream("k", sent, CHUNK, sent % 200 == 0, &n);
            while (off < n) {
                ssize_t w = write(fd, b + off, n - off);
                if (w <= 0)
                    _exit(0);
                off += (size_t)w;
            }
            free(b);
        }
        _exit(0);
    }
    /* kill -9 while messages are in flight, once a good part is acknowledged */
    for (int i = 0; i < 4000 && read_acked(store) < KILL_AT; i++)
        sleep_ms(5);
    daemon_stop(&d, SIGKILL);
    uint64_t acked = read_acked(store);
    int status;
    assert_int_equal(waitpid(sender, &status, 0), sender);
    assert_true(acked >= KILL_AT);
    /* restart: the WAL is replayed into the store */
    daemon_start(&d, store, log);
    sleep_ms(300);
    status = daemon_stop(&d, SIGTERM);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    store_count(store, c);
    if (c->syslog < acked)
        fail_msg("store has %u messages, %llu were acknowledged", c->syslog,
                 (unsigned long long)acked);
    assert_int_equal(c->dups, 0);
    print_message("kill -9: %llu acknowledged before the kill, %u stored after the restart\n",
                  (unsigned long long)acked, c->syslog);
    /* one connection, in order: what is stored is exactly the first c->syslog messages */
    for (unsigned i = 0; i < c->syslog; i++)
        assert_true(c->seen[i]);
    assert_true(c->syslog <= TOTAL);
    free(c);
    ks_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_table),
        cmocka_unit_test(test_frame_oversized_skips),
        cmocka_unit_test(test_receiver_loopback),
        cmocka_unit_test(test_wal_replay),
        cmocka_unit_test(test_queue_bounds),
        cmocka_unit_test(test_bad_endpoint),
        cmocka_unit_test(test_daemon_sigterm_and_restart),
        cmocka_unit_test(test_daemon_sighup),
        cmocka_unit_test(test_daemon_kill9),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
