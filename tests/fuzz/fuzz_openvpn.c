/* SPDX-License-Identifier: MIT */
/*
 * fuzz_openvpn.c - libFuzzer target for the OpenVPN server log parser: each input is parsed
 * whole, then fed again in growing windows (the INCOMPLETE protocol) and must give the same
 * counts; every string of every event is read so the sanitizers check its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

struct totals {
    uint64_t events;
    uint64_t bytes;
};

static void touch(struct totals *t, struct ks_sv s)
{
    for (size_t i = 0; i < s.n; i++)
        t->bytes += (unsigned char)s.p[i];
}

static int sink(void *arg, const struct ks_event *ev)
{
    struct totals *t = arg;
    t->events++;
    touch(t, ev->observer);
    touch(t, ev->user);
    touch(t, ev->object);
    touch(t, ev->session);
    touch(t, ev->service);
    touch(t, ev->dataset);
    touch(t, ev->action);
    touch(t, ev->src_host);
    touch(t, ev->dst_host);
    if (ev->nbag > KS_EVENT_MAX_BAG)
        abort();
    for (uint32_t i = 0; i < ev->nbag; i++) {
        touch(t, ev->bag[i].key);
        touch(t, ev->bag[i].val);
    }
    return 0;
}

/* Feeds buf in windows growing by step bytes, eof only at the end, as the framework does. */
static void chunked(const struct ks_parser_ops *ops, const char *buf, size_t len, size_t step,
                    uint64_t *events, uint64_t *bad)
{
    struct ks_parse_ctx ctx;
    void *st = NULL;
    size_t off = 0, avail = KS_MIN(len, step);
    memset(&ctx, 0, sizeof ctx);
    ctx.path = "fuzz";
    if (ops->create(&ctx, &st) != 0)
        abort();
    for (;;) {
        struct ks_event ev;
        size_t consumed = 0;
        ctx.eof = avail == len;
        int r = ops->next(st, &ctx, buf + off, avail - off, &consumed, &ev);
        if (r == KS_PARSE_END)
            break;
        if (r == KS_PARSE_INCOMPLETE) {
            if (ctx.eof || consumed != 0)
                abort();
            avail = KS_MIN(len, avail + step);
            continue;
        }
        if (consumed == 0 || consumed > avail - off)
            abort();
        if (r == KS_PARSE_EVENT)
            (*events)++;
        else if (r == KS_PARSE_MALFORMED)
            (*bad)++;
        off += consumed;
    }
    ops->destroy(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    const struct ks_parser_ops *ops = ks_parser_find("openvpn");
    struct totals t = {0, 0};
    uint64_t bad = 0, ev2 = 0, bad2 = 0;
    if (!ops || ks_ingest_parse_buffer(ops, "fuzz", buf, size, sink, &t, &bad) != 0)
        abort();
    chunked(ops, buf, size, 1 + size % 7 + size / 16, &ev2, &bad2);
    if (ev2 != t.events || bad2 != bad)
        abort();
    (void)ks_parser_detect(buf, size);
    return 0;
}
