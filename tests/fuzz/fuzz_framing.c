/* SPDX-License-Identifier: MIT */
/*
 * fuzz_framing.c - libFuzzer target for the RFC 6587 TCP syslog framer (ks_listen_frame() in
 * ingest_listen.c). The input is one TCP byte stream. It is framed twice: whole, and the way a
 * connection sees it (a bounded buffer filled in small reads whose sizes come from the input).
 * Both must give the same messages and bad-frame count; every call must make progress or ask for
 * more; no message may exceed KS_LISTEN_MAX_MSG; the buffer must never fill up while NEED.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_listen.h"

struct result {
    uint64_t msgs, bad, hash;
};

static void see(struct result *r, int rc, struct ks_sv m)
{
    if (rc == KS_FRAME_BAD)
        r->bad++;
    if (rc != KS_FRAME_MSG)
        return;
    if (!m.p || m.n == 0 || m.n > KS_LISTEN_MAX_MSG)
        abort();
    r->msgs++;
    r->hash = ks_hash64(m.p, m.n, r->hash);
}

static void whole(const char *p, size_t n, struct result *r)
{
    struct ks_listen_framer f = {0};
    size_t off = 0;
    while (off < n) {
        size_t used;
        struct ks_sv m;
        int rc = ks_listen_frame(&f, p + off, n - off, true, &used, &m);
        if (rc == KS_FRAME_NEED || used == 0 || used > n - off)
            abort(); /* at eof everything must be consumed */
        off += used;
        see(r, rc, m);
    }
}

static void chunked(const char *p, size_t n, struct result *r)
{
    static char buf[KS_LISTEN_MAX_MSG + 32];
    struct ks_listen_framer f = {0};
    size_t in = 0, len = 0;
    unsigned step = 0;
    for (;;) {
        bool eof = in == n;
        if (!eof) {
            size_t k = 1 + (size_t)(p[step++ % n] & 0x3f) * 97;
            k = KS_MIN(k, KS_MIN(n - in, sizeof buf - len));
            if (k == 0)
                abort(); /* the buffer is full and the framer still wants more */
            memcpy(buf + len, p + in, k);
            len += k;
            in += k;
            eof = in == n;
        }
        size_t off = 0;
        for (;;) {
            size_t used;
            struct ks_sv m;
            int rc = ks_listen_frame(&f, buf + off, len - off, eof, &used, &m);
            if (rc == KS_FRAME_NEED) {
                if (used || (eof && off < len))
                    abort();
                break;
            }
            if (used == 0 || used > len - off)
                abort();
            off += used;
            see(r, rc, m);
            if (off == len)
                break;
        }
        memmove(buf, buf + off, len - off);
        len -= off;
        if (eof)
            break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct result a = {0}, b = {0};
    if (size == 0)
        return 0;
    whole((const char *)data, size, &a);
    chunked((const char *)data, size, &b);
    if (a.msgs != b.msgs || a.bad != b.bad || a.hash != b.hash)
        abort();
    return 0;
}
