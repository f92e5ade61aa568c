/* SPDX-License-Identifier: MIT */
/*
 * fuzz_nfdump.c - libFuzzer target for the "nfdump-csv" parser (ingest_nfdump.c), which reads
 * `nfdump -o csv` output. Besides memory safety it checks that every string of every event is
 * valid UTF-8, that every event copies cleanly and encodes as JSON, that every event is a flow of
 * dataset "nfdump", and that feeding the same bytes in small chunks (the INCOMPLETE protocol)
 * gives the same event and malformed counts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

static void check_sv(struct ks_sv s)
{
    if (s.n && !s.p)
        abort();
    if (s.p && !ks_utf8_valid(s.p, s.n))
        abort();
}

static int sink(void *arg, const struct ks_event *ev)
{
    (*(uint64_t *)arg)++;
    check_sv(ev->observer);
    check_sv(ev->user);
    check_sv(ev->src_host);
    check_sv(ev->dst_host);
    check_sv(ev->service);
    check_sv(ev->action);
    check_sv(ev->object);
    check_sv(ev->session);
    check_sv(ev->dataset);
    if (!ks_sv_eq_cstr(ev->dataset, "nfdump") || ev->kind != KS_KIND_FLOW ||
        ev->nbag > KS_EVENT_MAX_BAG)
        abort();
    for (uint32_t i = 0; i < ev->nbag; i++) {
        check_sv(ev->bag[i].key);
        check_sv(ev->bag[i].val);
        if (!ev->bag[i].key.n)
            abort();
    }
    struct ks_event *c = ks_event_clone(ev);
    if (!c)
        abort();
    free(c);
    struct ks_buf b;
    ks_buf_init(&b, 1 << 22);
    if (ks_event_to_json(ev, &b) != 0)
        abort();
    ks_buf_free(&b);
    return 0;
}

/* The framework's way: a growing window, eof only at the end. */
static void chunked(const struct ks_parser_ops *ops, const char *p, size_t n, uint64_t *events,
                    uint64_t *bad)
{
    struct ks_parse_ctx ctx;
    void *st = NULL;
    size_t off = 0, avail = 0;
    memset(&ctx, 0, sizeof ctx);
    ctx.path = "fuzz";
    if (ops->create(&ctx, &st) != 0)
        abort();
    for (;;) {
        struct ks_event ev;
        size_t consumed = 0;
        ctx.eof = avail == n;
        ctx.base_offset = off;
        int r = ops->next(st, &ctx, p + off, avail - off, &consumed, &ev);
        if (r == KS_PARSE_END)
            break;
        if (r == KS_PARSE_INCOMPLETE) {
            if (consumed != 0 || ctx.eof)
                abort();
            avail = KS_MIN(n, avail + 7);
            continue;
        }
        if (consumed == 0 || consumed > avail - off)
            abort();
        if (r == KS_PARSE_EVENT)
            (*events)++;
        else if (r == KS_PARSE_MALFORMED)
            (*bad)++;
        off += consumed;
        if (off == n && ctx.eof)
            break;
    }
    ops->destroy(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct ks_parser_ops *ops = ks_parser_find("nfdump-csv");
    const char *p = (const char *)data;
    uint64_t events = 0, bad = 0, ev2 = 0, bad2 = 0;
    if (!ops)
        abort();
    (void)ops->probe(p, size);
    if (ks_ingest_parse_buffer(ops, "fuzz", p, size, sink, &events, &bad) != 0)
        abort();
    if (size < 4096) {
        chunked(ops, p, size, &ev2, &bad2);
        if (ev2 != events || bad2 != bad)
            abort();
    }
    return 0;
}
