/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pcap.c - libFuzzer target for the "pcap" parser (ingest_pcap.c): the input is a capture
 * file (classic pcap or pcapng) parsed whole, then again fed in small growing chunks the way the
 * ingest framework feeds it; both runs must agree on events and malformed records, every call
 * must make progress, and every event's strings must be readable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

static int touch(void *arg, const struct ks_event *ev)
{
    uint64_t *n = arg;
    for (size_t i = 0; i < ev->observer.n; i++)
        n[1] += (uint8_t)ev->observer.p[i];
    for (uint32_t i = 0; i < ev->nbag; i++)
        for (size_t k = 0; k < ev->bag[i].val.n; k++)
            n[1] += (uint8_t)ev->bag[i].val.p[k];
    n[0]++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct ks_parser_ops *ops = ks_parser_find("pcap");
    uint64_t whole[2] = {0, 0}, bad = 0, events = 0, bad2 = 0;
    struct ks_parse_ctx ctx;
    void *st = NULL;
    size_t off = 0, avail = 0;

    if (!ops)
        abort();
    if (ks_ingest_parse_buffer(ops, "fuzz", (const char *)data, size, touch, whole, &bad) != 0)
        abort();
    memset(&ctx, 0, sizeof ctx);
    ctx.path = "fuzz";
    if (ops->create(&ctx, &st) != 0)
        return 0;
    for (;;) {
        struct ks_event ev;
        size_t consumed = 0;
        ctx.eof = avail == size;
        ctx.base_offset = off;
        int r = ops->next(st, &ctx, (const char *)data + off, avail - off, &consumed, &ev);
        if (r == KS_PARSE_END)
            break;
        if (r == KS_PARSE_INCOMPLETE) {
            if (ctx.eof || consumed != 0)
                abort();
            avail = avail + 97 < size ? avail + 97 : size;
            continue;
        }
        if (consumed == 0 || consumed > avail - off)
            abort();
        if (r == KS_PARSE_EVENT)
            events++;
        else if (r == KS_PARSE_MALFORMED)
            bad2++;
        off += consumed;
        if (off == size && ctx.eof)
            break;
    }
    ops->destroy(st);
    if (events != whole[0] || bad2 != bad)
        abort();
    return 0;
}
