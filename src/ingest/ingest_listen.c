/* SPDX-License-Identifier: MIT */
/*
 * ingest_listen.c - the live receiver (ingest_listen.h): sockets, RFC 6587 framing, the
 * write-ahead log, and the decode of WAL records into events (syslog through the "syslog"
 * parser, flows through ks_flow_decode() with per-exporter state).
 *
 * Design:
 *  States of a WAL byte: buffered (receiver memory) -> flushed (write(), visible to the parser
 *  thread and surviving kill -9) -> synced (fdatasync, surviving power loss) -> parsed -> committed
 *  (the caller published events with a position past it) -> released (segment unlinked).
 *  Invariants:
 *   1. Records are appended in one order and parsed in the same order; positions only grow.
 *   2. buffered data is flushed within FLUSH_NS (1 ms) or when the buffer is full; the syncer
 *      fdatasyncs within tcp_sync_ns (5 ms) when TCP data is pending, else within udp_sync_ns
 *      (100 ms). ks_listen_tcp_acked() and WAL/acked count TCP messages that are synced.
 *   3. A new segment file exists before any position inside it is published as flushed; a
 *      segment is fdatasynced before the next one starts.
 *   4. flushed - parsed <= queue_bytes + one buffer: past queue_bytes UDP is dropped (counted) and
 *      TCP is not read.
 *   5. Each record carries a checksum; at open, the last segment is cut at its first bad record
 *      (a torn write), so the parser never reads garbage.
 *
 * WAL record (little-endian, 48-byte header then payload):
 *   +0  u32 magic "KSW1"   +4  u32 payload length   +8  u8 proto  +9 u8 endpoint  +10 u8 family
 *   +11 u8 0              +12 u16 peer port          +14 u16 0     +16 i64 receive time (ns)
 *   +24 16 bytes peer address (IPv4-mapped)          +40 u32 check (XXH3 of header[0..40) and
 *   payload, low 32 bits)  +44 u32 0
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest/ingest_flow.h"
#include "ingest/ingest_listen.h"

#define WAL_MAGIC 0x3157534bu /* "KSW1" */
#define WAL_HDR 48u
#define WAL_BUF (1u << 20)               /* receiver's write buffer */
#define WAL_SEG_MAX ((uint64_t)64 << 20) /* a segment is cut past this */
#define WAL_READ_BUF (4u << 20)
#define FLUSH_NS (1000 * 1000)
#define UDP_BATCH 32u
#define MAX_EPOLL 64
#define COALESCE_BYTES (16u * 1024u) /* datagrams count 512 each */
#define COALESCE_NS (300 * 1000)

/* ---------------------------------------------------------------- framing */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int ks_listen_frame(struct ks_listen_framer *f, const char *buf, size_t len, bool eof,
                    size_t *consumed, struct ks_sv *msg)
{
    *consumed = 0;
    *msg = KS_SV_NULL;
    if (f->skip) {
        size_t k = (size_t)KS_MIN((uint64_t)len, f->skip);
        f->skip -= k;
        *consumed = k;
        return k ? KS_FRAME_SKIP : KS_FRAME_NEED;
    }
    const char *nl = len ? memchr(buf, '\n', len) : NULL;
    if (f->skip_line) {
        if (!nl) {
            *consumed = len;
            return len ? KS_FRAME_SKIP : KS_FRAME_NEED;
        }
        f->skip_line = false;
        *consumed = (size_t)(nl - buf) + 1;
        return KS_FRAME_SKIP;
    }
    if (len == 0)
        return KS_FRAME_NEED;
    if (buf[0] >= '1' && buf[0] <= '9') {
        uint64_t n = 0;
        size_t i = 0;
        while (i < len && i < 10 && is_digit(buf[i]))
            n = n * 10 + (uint64_t)(buf[i++] - '0');
        if (i == len && i < 10 && !eof)
            return KS_FRAME_NEED;
        if (i < len && buf[i] == ' ') {
            i++;
            if (n > KS_LISTEN_MAX_MSG) {
                f->skip = n;
                *consumed = i;
                return KS_FRAME_BAD;
            }
            if (len - i < n) {
                if (!eof)
                    return KS_FRAME_NEED;
                *consumed = len; /* the peer closed inside a frame */
                return KS_FRAME_BAD;
            }
            *consumed = i + (size_t)n;
            *msg = ks_sv_make(buf + i, (size_t)n);
            /* Some senders end octet-counted frames with '\n' too; the next frame then starts
             * with it and is skipped as an empty line. */
            return KS_FRAME_MSG;
        }
        /* digits not followed by a space: an LF-framed line ("123: %SYS-...") */
    }
    size_t n;
    if (nl) {
        n = (size_t)(nl - buf);
        *consumed = n + 1;
    } else if (len > KS_LISTEN_MAX_MSG) {
        f->skip_line = true;
        *consumed = len;
        return KS_FRAME_BAD;
    } else if (eof) {
        n = len;
        *consumed = len;
    } else {
        return KS_FRAME_NEED;
    }
    if (n > KS_LISTEN_MAX_MSG)
        return KS_FRAME_BAD;
    while (n && (buf[n - 1] == '\r' || buf[n - 1] == '\0'))
        n--;
    if (n == 0)
        return KS_FRAME_SKIP;
    *msg = ks_sv_make(buf, n);
    return KS_FRAME_MSG;
}

/* ---------------------------------------------------------------- state */

struct ep_counters {
    _Atomic uint64_t received, bytes, dropped, bad_frames, parsed, malformed, conns;
};

struct endpoint {
    enum ks_listen_proto proto;
    int fd;
    char name[64];
    struct ep_counters c;
};

struct conn {
    int fd;
    uint8_t ep;
    uint8_t family;
    uint16_t port;
    uint8_t addr[16];
    struct ks_listen_framer fr;
    size_t len;
    char buf[KS_LISTEN_MAX_MSG + 32];
};

struct ks_listen {
    struct ks_listen_opts o;
    char wal_dir[4096];
    struct endpoint ep[KS_LISTEN_MAX_ENDPOINTS];
    size_t nep;
    int epfd;
    struct conn **conns; /* max_conns slots */
    size_t nconns;

    /* receiver-owned WAL writer */
    int wfd;
    uint64_t wseg;       /* position of the open segment's first byte */
    uint64_t wpos;       /* position after the last buffered byte */
    char *wbuf;
    size_t wlen;
    uint64_t wtcp;       /* TCP messages buffered or flushed */
    bool wal_failing;    /* the last write failed (disk full?): logged once */
    int64_t last_flush;
    struct mmsghdr *mm;
    struct iovec *iov;
    struct sockaddr_storage *from;
    char *ubuf;

    /* published by the receiver */
    pthread_mutex_t pub_mu;
    pthread_mutex_t sync_mu; /* held while fdatasync runs and while the receiver swaps wfd */
    _Atomic uint64_t flushed;
    _Atomic uint64_t tcp_flushed;
    _Atomic uint64_t tcp_acked;
    _Atomic uint64_t synced;
    _Atomic bool stop;
    _Atomic bool stop_sync;
    _Atomic bool receiver_done;
    bool started;
    pthread_t rx, sx;
    int ackfd;

    /* parser side */
    int rfd;
    uint64_t rseg;        /* position of the segment rfd reads */
    _Atomic uint64_t parsed; /* position after the last parsed record */
    uint64_t *segs;       /* segment starts found at open, sorted */
    size_t nsegs;
    char *rbuf;
    const struct ks_parser_ops *syslog_ops;
    void *syslog_state;
    struct ks_flow_state *flows;
    char peer_str[KS_ADDR_STRLEN];
};

void ks_listen_opts_default(struct ks_listen_opts *o)
{
    memset(o, 0, sizeof *o);
    o->queue_bytes = (size_t)256 << 20;
    o->tcp_sync_ns = 5 * 1000 * 1000;
    o->udp_sync_ns = 100 * 1000 * 1000;
    o->max_conns = 256;
}

static const char *proto_name(enum ks_listen_proto p)
{
    switch (p) {
    case KS_LISTEN_SYSLOG_UDP:
        return "syslog-udp";
    case KS_LISTEN_SYSLOG_TCP:
        return "syslog-tcp";
    case KS_LISTEN_FLOW_UDP:
        return "flow-udp";
    }
    return "?";
}

/* ---------------------------------------------------------------- little-endian helpers */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t rec_check(const uint8_t *hdr, const void *payload, size_t n)
{
    return (uint32_t)ks_hash64(payload, n, ks_hash64(hdr, 40, 0));
}

/* ---------------------------------------------------------------- addresses and sockets */

static int parse_endpoint(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
    const char *colon = strrchr(s, ':');
    struct ks_addr a;
    uint64_t port;
    if (!colon || ks_parse_u64(colon + 1, strlen(colon + 1), &port) != 0 || port > 65535)
        return KS_EINVAL;
    const char *h = s;
    size_t hn = (size_t)(colon - s);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (ks_addr_parse(h, hn, &a) != 0)
        return KS_EINVAL;
    memset(ss, 0, sizeof *ss);
    if (a.family == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        memcpy(&in->sin_addr, a.b + 12, 4);
        *sl = sizeof *in;
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        memcpy(&in6->sin6_addr, a.b, 16);
        *sl = sizeof *in6;
    }
    return 0;
}

static void sockaddr_to(const struct sockaddr_storage *ss, uint8_t *family, uint16_t *port,
                        uint8_t addr[16])
{
    memset(addr, 0, 16);
    *family = 0;
    *port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, &in->sin_addr, 4);
        *family = 4;
        *port = ntohs(in->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        memcpy(addr, &in6->sin6_addr, 16);
        *family = 6;
        *port = ntohs(in6->sin6_port);
    }
}

static int bind_endpoint(struct ks_listen *l, const struct ks_listen_endpoint *e,
                         struct endpoint *ep)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int one = 1, rc = parse_endpoint(e->addr, &ss, &sl);
    if (rc)
        return rc;
    bool tcp = e->proto == KS_LISTEN_SYSLOG_TCP;
    int fd = socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    0);
    if (fd < 0)
        return KS_EIO;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!tcp) {
        int sz = 32 << 20;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || (tcp && listen(fd, 128) != 0)) {
        ks_log_error("listen: cannot bind %s %s: %s", proto_name(e->proto), e->addr,
                     strerror(errno));
        close(fd);
        return KS_EIO;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    uint8_t fam = 0, a[16] = {0};
    uint16_t port = 0;
    char as[KS_ADDR_STRLEN];
    struct ks_addr ka = {0};
    if (getsockname(fd, (struct sockaddr *)&bound, &bl) == 0)
        sockaddr_to(&bound, &fam, &port, a);
    memcpy(ka.b, a, 16);
    ka.family = fam;
    ks_addr_format(&ka, as, sizeof as);
    snprintf(ep->name, sizeof ep->name, fam == 6 ? "%s [%s]:%u" : "%s %s:%u",
             proto_name(e->proto), as, port);
    ep->proto = e->proto;
    ep->fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(ep - l->ep)};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return KS_EIO;
    return 0;
}

/* ---------------------------------------------------------------- WAL files */

static int seg_path(const struct ks_listen *l, uint64_t start, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%016" PRIx64 ".wal", l->wal_dir, start);
    return n < 0 || (size_t)n >= cap ? KS_ETOOBIG : 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return KS_EIO;
    int rc = fsync(fd) == 0 ? 0 : KS_EIO;
    close(fd);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Lists segment starts in the WAL directory, sorted. OUT *out: caller frees. */
static int list_segments(const char *dir, uint64_t **out, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    uint64_t *v = NULL;
    size_t cnt = 0, cap = 0;
    *out = NULL;
    *n = 0;
    if (!d)
        return KS_EIO;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        uint64_t s = 0;
        bool ok = len == 20 && strcmp(de->d_name + 16, ".wal") == 0;
        for (size_t i = 0; ok && i < 16; i++) {
            char c = de->d_name[i];
            int dv = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            ok = dv >= 0;
            s = s << 4 | (uint64_t)(dv < 0 ? 0 : dv);
        }
        if (!ok)
            continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 16;
            uint64_t *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                free(v);
                closedir(d);
                return KS_ENOMEM;
            }
            v = nv;
            cap = nc;
        }
        v[cnt++] = s;
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_u64);
    *out = v;
    *n = cnt;
    return 0;
}

/* Bytes of whole, valid records at the start of segment fd (a torn tail is left out). */
static uint64_t valid_length(int fd, char *buf)
{
    uint64_t off = 0;
    for (;;) {
        uint8_t hdr[WAL_HDR];
        ssize_t r = pread(fd, hdr, WAL_HDR, (off_t)off);
        if (r != (ssize_t)WAL_HDR || get32(hdr) != WAL_MAGIC)
            return off;
        uint32_t n = get32(hdr + 4);
        if (n > KS_LISTEN_MAX_MSG)
            return off;
        r = pread(fd, buf, n, (off_t)(off + WAL_HDR));
        if (r != (ssize_t)n || rec_check(hdr, buf, n) != get32(hdr + 40))
            return off;
        off += WAL_HDR + n;
    }
}

static int open_segment_for_write(struct ks_listen *l, uint64_t start)
{
    char path[4200];
    int rc = seg_path(l, start, path, sizeof path);
    if (rc)
        return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return KS_EIO;
    if ((rc = fsync_dir(l->wal_dir)) != 0) {
        close(fd);
        return rc;
    }
    pthread_mutex_lock(&l->sync_mu);
    int old = l->wfd;
    if (old >= 0)
        fdatasync(old);
    l->wfd = fd;
    l->wseg = start;
    pthread_mutex_unlock(&l->sync_mu);
    if (old >= 0)
        close(old);
    return 0;
}

/* Opens the WAL: drops segments wholly before start, cuts a torn tail, finds the end. */
static int wal_open(struct ks_listen *l)
{
    uint64_t *segs = NULL, end = l->o.start;
    size_t n = 0;
    int rc;
    if (mkdir(l->wal_dir, 0755) != 0 && errno != EEXIST)
        return KS_EIO;
    if ((rc = list_segments(l->wal_dir, &segs, &n)) != 0)
        return rc;
    size_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4200];
        if (i + 1 < n && segs[i + 1] <= l->o.start) {
            if (seg_path(l, segs[i], path, sizeof path) == 0)
                unlink(path);
            continue;
        }
        segs[keep++] = segs[i];
    }
    n = keep;
    if (n) {
        char path[4200];
        uint64_t last = segs[n - 1];
        if ((rc = seg_path(l, last, path, sizeof path)) != 0)
            goto out;
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            rc = KS_EIO;
            goto out;
        }
        uint64_t v = valid_length(fd, l->rbuf);
        struct stat sb;
        if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_size != v) {
            ks_log_warn("listen: WAL %s: cutting %" PRIu64 " bytes of a torn write", path,
                        (uint64_t)sb.st_size - v);
            if (ftruncate(fd, (off_t)v) != 0 || fdatasync(fd) != 0) {
                close(fd);
                rc = KS_EIO;
                goto out;
            }
        }
        close(fd);
        if (last + v > end)
            end = last + v;
        if (l->o.start > last + v)
            ks_log_warn("listen: WAL ends at %" PRIu64 " before the committed position %" PRIu64,
                        last + v, l->o.start);
    }
    l->segs = segs;
    l->nsegs = n;
    segs = NULL;
    atomic_store(&l->flushed, end);
    atomic_store(&l->synced, end);
    atomic_store(&l->parsed, l->o.start);
    l->wpos = end;
    rc = open_segment_for_write(l, end);
out:
    free(segs);
    return rc;
}

/* ---------------------------------------------------------------- receiver */

static void write_ack(struct ks_listen *l, uint64_t acked)
{
    char line[64];
    int n = snprintf(line, sizeof line, "%" PRIu64 "\n", acked);
    if (l->ackfd >= 0 && n > 0) {
        if (pwrite(l->ackfd, line, (size_t)n, 0) == n)
            (void)!ftruncate(l->ackfd, n);
    }
}

static int wal_flush(struct ks_listen *l)
{
    size_t off = 0;
    while (off < l->wlen) {
        ssize_t w = write(l->wfd, l->wbuf + off, l->wlen - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (!l->wal_failing)
                ks_log_error("listen: WAL write: %s (dropping until it works again)",
                             strerror(errno));
            l->wal_failing = true;
            /* drop the whole buffer (never acknowledged) and cut a partial record off the file,
             * so the log stays a sequence of whole records */
            uint64_t keep = atomic_load(&l->flushed);
            (void)!ftruncate(l->wfd, (off_t)(keep - l->wseg));
            l->wpos = keep;
            l->wtcp = atomic_load(&l->tcp_flushed);
            l->wlen = 0;
            return KS_EIO;
        }
        off += (size_t)w;
    }
    l->wlen = 0;
    if (l->wal_failing)
        ks_log_info("listen: WAL writes work again");
    l->wal_failing = false;
    l->last_flush = ks_time_mono();
    pthread_mutex_lock(&l->pub_mu);
    atomic_store(&l->flushed, l->wpos);
    atomic_store(&l->tcp_flushed, l->wtcp);
    pthread_mutex_unlock(&l->pub_mu);
    if (l->wpos - l->wseg >= WAL_SEG_MAX)
        return open_segment_for_write(l, l->wpos);
    return 0;
}

static int wal_append(struct ks_listen *l, uint8_t proto, uint8_t ep, uint8_t family,
                      uint16_t port, const uint8_t addr[16], int64_t ts, const void *p, size_t n)
{
    int rc;
    if (l->wlen + WAL_HDR + n > WAL_BUF && (rc = wal_flush(l)) != 0)
        return rc;
    uint8_t *h = (uint8_t *)l->wbuf + l->wlen;
    memset(h, 0, WAL_HDR);
    put32(h, WAL_MAGIC);
    put32(h + 4, (uint32_t)n);
    h[8] = proto;
    h[9] = ep;
    h[10] = family;
    put16(h + 12, port);
    put64(h + 16, (uint64_t)ts);
    memcpy(h + 24, addr, 16);
    put32(h + 40, rec_check(h, p, n));
    memcpy(h + WAL_HDR, p, n);
    l->wlen += WAL_HDR + n;
    l->wpos += WAL_HDR + n;
    return 0;
}

static bool backlogged(const struct ks_listen *l)
{
    return l->wpos - atomic_load_explicit(&l->parsed, memory_order_relaxed) > l->o.queue_bytes;
}

/* Reads every datagram waiting on a UDP endpoint (up to a few batches). Returns datagrams read. */
static size_t read_udp(struct ks_listen *l, size_t i, int batches)
{
    struct endpoint *ep = &l->ep[i];
    size_t total = 0;
    uint64_t recv = 0, bytes = 0, dropped = 0;
    for (int b = 0; b < batches; b++) {
        for (unsigned k = 0; k < UDP_BATCH; k++) {
            l->iov[k].iov_base = l->ubuf + (size_t)k * KS_LISTEN_MAX_MSG;
            l->iov[k].iov_len = KS_LISTEN_MAX_MSG;
            memset(&l->mm[k].msg_hdr, 0, sizeof l->mm[k].msg_hdr);
            l->mm[k].msg_hdr.msg_iov = &l->iov[k];
            l->mm[k].msg_hdr.msg_iovlen = 1;
            l->mm[k].msg_hdr.msg_name = &l->from[k];
            l->mm[k].msg_hdr.msg_namelen = sizeof l->from[k];
        }
        int n = recvmmsg(ep->fd, l->mm, UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        int64_t now = ks_time_now();
        for (int k = 0; k < n; k++) {
            size_t len = l->mm[k].msg_len;
            if (backlogged(l)) {
                dropped++;
                continue;
            }
            uint8_t fam, addr[16];
            uint16_t port;
            sockaddr_to(&l->from[k], &fam, &port, addr);
            const char *p = l->ubuf + (size_t)k * KS_LISTEN_MAX_MSG;
            if (ep->proto == KS_LISTEN_SYSLOG_UDP)
                while (len && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == '\0'))
                    len--;
            if (wal_append(l, (uint8_t)ep->proto, (uint8_t)i, fam, port, addr, now, p, len) != 0) {
                dropped++;
                continue;
            }
            recv++;
            bytes += len;
        }
        total += (size_t)n;
        if ((unsigned)n < UDP_BATCH)
            break;
    }
    atomic_fetch_add_explicit(&ep->c.received, recv, memory_order_relaxed);
    atomic_fetch_add_explicit(&ep->c.bytes, bytes, memory_order_relaxed);
    if (dropped)
        atomic_fetch_add_explicit(&ep->c.dropped, dropped, memory_order_relaxed);
    return total;
}

static void close_conn(struct ks_listen *l, size_t slot)
{
    struct conn *c = l->conns[slot];
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
    l->conns[slot] = NULL;
    l->nconns--;
}

static void accept_conns(struct ks_listen *l, size_t i)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(l->ep[i].fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        size_t slot = 0;
        while (slot < l->o.max_conns && l->conns[slot])
            slot++;
        struct conn *c = slot < l->o.max_conns ? malloc(sizeof *c) : NULL;
        if (!c) {
            ks_log_warn("listen: %s: refusing a connection (%zu open)", l->ep[i].name,
                        l->nconns);
            close(fd);
            continue;
        }
        memset(c, 0, offsetof(struct conn, buf));
        c->fd = fd;
        c->ep = (uint8_t)i;
        sockaddr_to(&ss, &c->family, &c->port, c->addr);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
                                 .data.u64 = KS_LISTEN_MAX_ENDPOINTS + slot};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            free(c);
            continue;
        }
        l->conns[slot] = c;
        l->nconns++;
        atomic_fetch_add_explicit(&l->ep[i].c.conns, 1, memory_order_relaxed);
    }
}

/* Frames what c holds. eof: the peer closed. */
static int frame_conn(struct ks_listen *l, struct conn *c, bool eof)
{
    struct endpoint *ep = &l->ep[c->ep];
    size_t off = 0;
    uint64_t recv = 0, bytes = 0;
    int rc = 0;
    int64_t now = ks_time_now();
    for (;;) {
        size_t used;
        struct ks_sv m;
        int r = ks_listen_frame(&c->fr, c->buf + off, c->len - off, eof, &used, &m);
        if (r == KS_FRAME_NEED)
            break;
        off += used;
        if (r == KS_FRAME_BAD) {
            atomic_fetch_add_explicit(&ep->c.bad_frames, 1, memory_order_relaxed);
        } else if (r == KS_FRAME_MSG) {
            rc = wal_append(l, KS_LISTEN_SYSLOG_TCP, c->ep, c->family, c->port, c->addr, now, m.p,
                            m.n);
            if (rc)
                break;
            l->wtcp++;
            recv++;
            bytes += m.n;
        }
        if (off == c->len)
            break;
    }
    atomic_fetch_add_explicit(&ep->c.received, recv, memory_order_relaxed);
    atomic_fetch_add_explicit(&ep->c.bytes, bytes, memory_order_relaxed);
    if (off) {
        memmove(c->buf, c->buf + off, c->len - off);
        c->len -= off;
    }
    return rc;
}

/* Reads once from a connection. Returns bytes read, 0 at EOF/error (closed), -1 when no data. */
static ssize_t read_conn(struct ks_listen *l, size_t slot)
{
    struct conn *c = l->conns[slot];
    ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return -1;
    if (r <= 0) {
        frame_conn(l, c, true);
        close_conn(l, slot);
        return 0;
    }
    c->len += (size_t)r;
    frame_conn(l, c, false);
    return r;
}

static void block_signals(void)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/* Reads whatever the kernel holds for every socket, until a pass reads nothing. */
static void drain_sockets(struct ks_listen *l)
{
    for (int pass = 0; pass < 1000; pass++) {
        size_t got = 0;
        for (size_t i = 0; i < l->nep; i++) {
            if (l->ep[i].proto == KS_LISTEN_SYSLOG_TCP)
                accept_conns(l, i);
            else
                got += read_udp(l, i, 1000);
        }
        for (size_t s = 0; s < l->o.max_conns; s++) {
            if (!l->conns[s])
                continue;
            ssize_t r;
            while ((r = read_conn(l, s)) > 0) {
                got += (size_t)r;
                if (!l->conns[s])
                    break;
            }
            if (r == 0)
                got++;
        }
        if (!got)
            break;
    }
}

static void *receiver_main(void *arg)
{
    struct ks_listen *l = arg;
    struct epoll_event evs[MAX_EPOLL];
    block_signals();
    pthread_setname_np(pthread_self(), "ks-receiver");
    while (!atomic_load(&l->stop)) {
        int timeout = l->wlen ? 1 : 20;
        int n = epoll_wait(l->epfd, evs, MAX_EPOLL, timeout);
        bool paused = false;
        size_t got = 0;
        for (int k = 0; k < n; k++) {
            uint64_t id = evs[k].data.u64;
            if (id < KS_LISTEN_MAX_ENDPOINTS) {
                if (l->ep[id].proto == KS_LISTEN_SYSLOG_TCP)
                    accept_conns(l, (size_t)id);
                else
                    got += read_udp(l, (size_t)id, 8) * 512;
            } else {
                size_t slot = (size_t)(id - KS_LISTEN_MAX_ENDPOINTS);
                if (slot >= l->o.max_conns || !l->conns[slot])
                    continue;
                if (backlogged(l)) {
                    paused = true;
                    continue;
                }
                ssize_t r = read_conn(l, slot);
                got += r > 0 ? (size_t)r : 0;
            }
        }
        if (l->wlen && (l->wlen >= WAL_BUF / 2 || ks_time_mono() - l->last_flush >= FLUSH_NS))
            wal_flush(l);
        if (paused) {
            if (l->wlen)
                wal_flush(l);
            struct timespec ts = {0, 500 * 1000};
            nanosleep(&ts, NULL);
        } else if (n > 0 && got < COALESCE_BYTES) {
            /* A light wake-up (a few datagrams, a small TCP read): let more arrive before the
             * next one, so each system call moves a batch (the socket buffers absorb this). */
            struct timespec ts = {0, COALESCE_NS};
            nanosleep(&ts, NULL);
        }
    }
    drain_sockets(l);
    wal_flush(l);
    atomic_store(&l->receiver_done, true);
    return NULL;
}

static void do_sync(struct ks_listen *l)
{
    pthread_mutex_lock(&l->pub_mu);
    uint64_t f = atomic_load(&l->flushed), t = atomic_load(&l->tcp_flushed);
    pthread_mutex_unlock(&l->pub_mu);
    if (f == atomic_load(&l->synced))
        return;
    pthread_mutex_lock(&l->sync_mu);
    int rc = l->wfd >= 0 ? fdatasync(l->wfd) : 0;
    pthread_mutex_unlock(&l->sync_mu);
    if (rc != 0) {
        ks_log_error("listen: WAL fdatasync: %s", strerror(errno));
        return;
    }
    atomic_store(&l->synced, f);
    if (t != atomic_load(&l->tcp_acked)) {
        atomic_store(&l->tcp_acked, t);
        write_ack(l, t);
    }
}

static void *syncer_main(void *arg)
{
    struct ks_listen *l = arg;
    int64_t last = ks_time_mono();
    block_signals();
    pthread_setname_np(pthread_self(), "ks-walsync");
    bool tcp_ep = false;
    for (size_t i = 0; i < l->nep; i++)
        tcp_ep |= l->ep[i].proto == KS_LISTEN_SYSLOG_TCP;
    /* with TCP endpoints, look every millisecond (tcp_sync_ns is a few); else every 10 ms */
    struct timespec tick = {0, (tcp_ep ? 1 : 10) * 1000 * 1000};
    while (!atomic_load(&l->stop_sync)) {
        nanosleep(&tick, NULL);
        int64_t now = ks_time_mono();
        bool tcp = atomic_load(&l->tcp_flushed) != atomic_load(&l->tcp_acked);
        if ((tcp && now - last >= l->o.tcp_sync_ns) || now - last >= l->o.udp_sync_ns) {
            do_sync(l);
            last = now;
        }
    }
    do_sync(l);
    return NULL;
}

/* ---------------------------------------------------------------- open / start / stop */

int ks_listen_open(const struct ks_listen_opts *o, struct ks_listen **out)
{
    struct ks_listen *l = NULL;
    int rc = KS_ENOMEM;
    *out = NULL;
    if (!o || !o->wal_dir || o->nep == 0 || o->nep > KS_LISTEN_MAX_ENDPOINTS)
        return KS_EINVAL;
    if (!(l = calloc(1, sizeof *l)))
        return KS_ENOMEM;
    l->o = *o;
    if (l->o.queue_bytes < (1u << 20))
        l->o.queue_bytes = 1u << 20;
    if (l->o.max_conns == 0)
        l->o.max_conns = 1;
    l->epfd = l->wfd = l->rfd = l->ackfd = -1;
    for (size_t i = 0; i < KS_LISTEN_MAX_ENDPOINTS; i++)
        l->ep[i].fd = -1;
    pthread_mutex_init(&l->pub_mu, NULL);
    pthread_mutex_init(&l->sync_mu, NULL);
    snprintf(l->wal_dir, sizeof l->wal_dir, "%s", o->wal_dir);
    l->rseg = UINT64_MAX;
    l->conns = calloc(l->o.max_conns, sizeof *l->conns);
    l->wbuf = malloc(WAL_BUF);
    l->rbuf = malloc(WAL_READ_BUF);
    l->mm = calloc(UDP_BATCH, sizeof *l->mm);
    l->iov = calloc(UDP_BATCH, sizeof *l->iov);
    l->from = calloc(UDP_BATCH, sizeof *l->from);
    l->ubuf = malloc((size_t)UDP_BATCH * KS_LISTEN_MAX_MSG);
    if (!l->conns || !l->wbuf || !l->rbuf || !l->mm || !l->iov || !l->from || !l->ubuf)
        goto out;
    l->syslog_ops = ks_parser_find("syslog");
    if (!l->syslog_ops) {
        rc = KS_EUNSUPPORTED;
        goto out;
    }
    struct ks_parse_ctx ctx = {.path = "listen", .eof = true};
    if ((rc = l->syslog_ops->create(&ctx, &l->syslog_state)) != 0)
        goto out;
    if ((rc = ks_flow_state_new(&l->flows)) != 0)
        goto out;
    if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        rc = KS_EIO;
        goto out;
    }
    for (size_t i = 0; i < o->nep; i++) {
        if ((rc = bind_endpoint(l, &o->ep[i], &l->ep[i])) != 0)
            goto out;
        l->nep++;
    }
    if ((rc = wal_open(l)) != 0)
        goto out;
    char ack[4200];
    snprintf(ack, sizeof ack, "%s/acked", l->wal_dir);
    l->ackfd = open(ack, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    write_ack(l, 0);
    *out = l;
    return 0;
out:
    ks_listen_free(l);
    return rc;
}

int ks_listen_start(struct ks_listen *l)
{
    l->last_flush = ks_time_mono();
    if (pthread_create(&l->rx, NULL, receiver_main, l) != 0)
        return KS_ENOMEM;
    if (pthread_create(&l->sx, NULL, syncer_main, l) != 0) {
        atomic_store(&l->stop, true);
        pthread_join(l->rx, NULL);
        return KS_ENOMEM;
    }
    l->started = true;
    return 0;
}

void ks_listen_stop(struct ks_listen *l)
{
    if (!l || !l->started)
        return;
    atomic_store(&l->stop, true);
    pthread_join(l->rx, NULL);
    atomic_store(&l->stop_sync, true);
    pthread_join(l->sx, NULL);
    l->started = false;
}

void ks_listen_free(struct ks_listen *l)
{
    if (!l)
        return;
    ks_listen_stop(l);
    for (size_t i = 0; i < KS_LISTEN_MAX_ENDPOINTS; i++)
        if (l->ep[i].fd >= 0)
            close(l->ep[i].fd);
    for (size_t s = 0; l->conns && s < l->o.max_conns; s++)
        if (l->conns[s]) {
            close(l->conns[s]->fd);
            free(l->conns[s]);
        }
    if (l->wfd >= 0)
        close(l->wfd);
    if (l->rfd >= 0)
        close(l->rfd);
    if (l->ackfd >= 0)
        close(l->ackfd);
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->syslog_state)
        l->syslog_ops->destroy(l->syslog_state);
    ks_flow_state_free(l->flows);
    pthread_mutex_destroy(&l->pub_mu);
    pthread_mutex_destroy(&l->sync_mu);
    free(l->conns);
    free(l->wbuf);
    free(l->rbuf);
    free(l->mm);
    free(l->iov);
    free(l->from);
    free(l->ubuf);
    free(l->segs);
    free(l);
}

/* ---------------------------------------------------------------- parsing WAL records */

struct decode_ctx {
    struct ks_listen *l;
    struct endpoint *ep;
    ks_ingest_sink_fn sink;
    void *arg;
    uint64_t offset;
    size_t events;
    bool stop; /* the sink asked to stop after this record */
};

static int flow_cb(void *arg, const struct ks_event *ev)
{
    struct decode_ctx *d = arg;
    struct ks_event e = *ev;
    e.offset = d->offset;
    d->events++;
    atomic_fetch_add_explicit(&d->ep->c.parsed, 1, memory_order_relaxed);
    int rc = d->sink(d->arg, &e);
    if (rc > 0)
        d->stop = true;
    return rc < 0 ? rc : 0;
}

static int decode_syslog(struct decode_ctx *d, const struct ks_addr *peer, const char *p,
                         size_t n)
{
    struct ks_parse_ctx ctx = {.path = d->ep->name, .eof = true, .base_offset = d->offset};
    size_t off = 0;
    while (off < n) {
        struct ks_event ev;
        size_t used = 0;
        ctx.err[0] = '\0';
        int r = d->l->syslog_ops->next(d->l->syslog_state, &ctx, p + off, n - off, &used, &ev);
        if (r == KS_PARSE_END || used == 0 || used > n - off) {
            if (r != KS_PARSE_END)
                atomic_fetch_add_explicit(&d->ep->c.malformed, 1, memory_order_relaxed);
            break;
        }
        off += used;
        if (r == KS_PARSE_MALFORMED) {
            atomic_fetch_add_explicit(&d->ep->c.malformed, 1, memory_order_relaxed);
            continue;
        }
        if (r != KS_PARSE_EVENT)
            continue;
        ev.offset = d->offset;
        if (ev.observer.n == 0 && peer->family) {
            size_t k = ks_addr_format(peer, d->l->peer_str, sizeof d->l->peer_str);
            ev.observer = ks_sv_make(d->l->peer_str, k);
        }
        d->events++;
        atomic_fetch_add_explicit(&d->ep->c.parsed, 1, memory_order_relaxed);
        int rc = d->sink(d->arg, &ev);
        if (rc < 0)
            return rc;
        if (rc > 0)
            d->stop = true;
    }
    return 0;
}

static int decode_record(struct ks_listen *l, const uint8_t *h, const char *p, uint64_t pos,
                         ks_ingest_sink_fn sink, void *arg, size_t *events, bool *stop)
{
    static struct endpoint replay_ep; /* counters of records whose endpoint is gone */
    uint8_t proto = h[8], epi = h[9];
    struct decode_ctx d = {.l = l, .sink = sink, .arg = arg, .offset = pos};
    struct ks_addr peer = {0};
    uint32_t n = get32(h + 4);
    d.ep = epi < l->nep ? &l->ep[epi] : &replay_ep;
    memcpy(peer.b, h + 24, 16);
    peer.family = h[10] == 4 || h[10] == 6 ? h[10] : 0;
    int rc = 0;
    if (proto == KS_LISTEN_FLOW_UDP) {
        char err[256];
        rc = ks_flow_decode(l->flows, &peer, (int64_t)get64(h + 16), (const uint8_t *)p, n,
                            flow_cb, &d, err, sizeof err);
        if (rc == KS_EFORMAT || rc == KS_EUNSUPPORTED) {
            atomic_fetch_add_explicit(&d.ep->c.malformed, 1, memory_order_relaxed);
            rc = 0;
        }
    } else {
        rc = decode_syslog(&d, &peer, p, n);
    }
    *events += d.events;
    *stop = d.stop;
    return rc;
}

/* Makes rfd read the segment holding pos. */
static int reader_seek(struct ks_listen *l, uint64_t pos)
{
    uint64_t start = pos;
    for (size_t i = 0; i < l->nsegs; i++)
        if (l->segs[i] <= pos)
            start = l->segs[i];
    if (l->rfd >= 0 && start == l->rseg)
        return 0;
    char path[4200];
    int rc = seg_path(l, start, path, sizeof path);
    if (rc)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return KS_ENOENT;
    if (l->rfd >= 0)
        close(l->rfd);
    l->rfd = fd;
    l->rseg = start;
    return 0;
}

int ks_listen_poll(struct ks_listen *l, size_t max_events, ks_ingest_sink_fn sink, void *arg,
                   size_t *nrec)
{
    size_t events = 0, recs = 0;
    bool stop = false;
    int rc = 0;
    *nrec = 0;
    while (events < max_events && !stop) {
        uint64_t pos = atomic_load(&l->parsed);
        uint64_t end = atomic_load_explicit(&l->flushed, memory_order_acquire);
        if (pos >= end)
            break;
        if (l->rfd < 0 || pos < l->rseg) {
            if ((rc = reader_seek(l, pos)) != 0)
                break;
        }
        size_t want = (size_t)KS_MIN((uint64_t)WAL_READ_BUF, end - pos);
        ssize_t got = pread(l->rfd, l->rbuf, want, (off_t)(pos - l->rseg));
        if (got < 0) {
            rc = KS_EIO;
            break;
        }
        if (got == 0) {
            /* the end of this segment: the next one is named by this position */
            char path[4200];
            int fd;
            if ((rc = seg_path(l, pos, path, sizeof path)) != 0)
                break;
            if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
                /* no segment starts here (a damaged segment before a restart): skip ahead */
                uint64_t next = end;
                for (size_t i = 0; i < l->nsegs; i++)
                    if (l->segs[i] > pos) {
                        next = l->segs[i];
                        break;
                    }
                ks_log_error("listen: WAL: no segment at %" PRIu64 "; skipping to %" PRIu64, pos,
                             next);
                atomic_store(&l->parsed, next);
                continue;
            }
            close(l->rfd);
            l->rfd = fd;
            l->rseg = pos;
            continue;
        }
        size_t off = 0;
        while (off + WAL_HDR <= (size_t)got && events < max_events && !stop) {
            const uint8_t *h = (const uint8_t *)l->rbuf + off;
            uint32_t n = get32(h + 4);
            if (get32(h) != WAL_MAGIC || n > KS_LISTEN_MAX_MSG) {
                ks_log_error("listen: WAL: bad record at %" PRIu64 "; skipping the segment",
                             pos + off);
                rc = KS_ECORRUPT;
                break;
            }
            if (off + WAL_HDR + n > (size_t)got)
                break;
            const char *p = l->rbuf + off + WAL_HDR;
            if (rec_check(h, p, n) != get32(h + 40)) {
                ks_log_error("listen: WAL: checksum mismatch at %" PRIu64, pos + off);
                rc = KS_ECORRUPT;
                break;
            }
            rc = decode_record(l, h, p, pos + off, sink, arg, &events, &stop);
            if (rc < 0) {
                atomic_store(&l->parsed, pos + off);
                *nrec = recs;
                return rc;
            }
            off += WAL_HDR + n;
            recs++;
        }
        if (rc == KS_ECORRUPT) {
            /* skip to the next segment start after pos, else to the end */
            uint64_t next = end;
            for (size_t i = 0; i < l->nsegs; i++)
                if (l->segs[i] > pos + off) {
                    next = l->segs[i];
                    break;
                }
            atomic_store(&l->parsed, next);
            rc = 0;
            continue;
        }
        atomic_store(&l->parsed, pos + off);
        if (off == 0)
            break; /* a record larger than what was read cannot happen: stop, retry later */
    }
    *nrec = recs;
    return rc;
}

uint64_t ks_listen_position(const struct ks_listen *l)
{
    return atomic_load(&l->parsed);
}

bool ks_listen_drained(const struct ks_listen *l)
{
    return atomic_load(&l->parsed) >= atomic_load(&l->flushed) &&
           (!l->started || atomic_load(&l->receiver_done));
}

int ks_listen_release(struct ks_listen *l, uint64_t committed)
{
    uint64_t *segs = NULL;
    size_t n = 0;
    int rc = list_segments(l->wal_dir, &segs, &n);
    if (rc)
        return rc;
    for (size_t i = 0; i + 1 < n; i++) {
        char path[4200];
        if (segs[i + 1] <= committed && segs[i] != l->rseg &&
            seg_path(l, segs[i], path, sizeof path) == 0)
            unlink(path);
    }
    free(segs);
    return 0;
}

size_t ks_listen_get_stats(const struct ks_listen *l, struct ks_listen_stats *out, size_t cap)
{
    for (size_t i = 0; i < l->nep && i < cap; i++) {
        const struct ep_counters *c = &l->ep[i].c;
        memset(&out[i], 0, sizeof out[i]);
        snprintf(out[i].name, sizeof out[i].name, "%s", l->ep[i].name);
        out[i].received = atomic_load_explicit(&c->received, memory_order_relaxed);
        out[i].bytes = atomic_load_explicit(&c->bytes, memory_order_relaxed);
        out[i].dropped = atomic_load_explicit(&c->dropped, memory_order_relaxed);
        out[i].bad_frames = atomic_load_explicit(&c->bad_frames, memory_order_relaxed);
        out[i].parsed = atomic_load_explicit(&c->parsed, memory_order_relaxed);
        out[i].malformed = atomic_load_explicit(&c->malformed, memory_order_relaxed);
        out[i].conns = atomic_load_explicit(&c->conns, memory_order_relaxed);
    }
    return l->nep;
}

uint64_t ks_listen_backlog(const struct ks_listen *l)
{
    uint64_t f = atomic_load(&l->flushed), p = atomic_load(&l->parsed);
    return f > p ? f - p : 0;
}

uint64_t ks_listen_tcp_acked(const struct ks_listen *l)
{
    return atomic_load(&l->tcp_acked);
}

size_t ks_listen_get_flow_stats(const struct ks_listen *l, struct ks_flow_stats *out, size_t cap)
{
    return ks_flow_get_stats(l->flows, out, cap);
}
