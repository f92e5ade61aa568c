/* SPDX-License-Identifier: MIT */
/* parse_harness.c - see parse_harness.h. */
#include "parse_harness.h"

#include <stdlib.h>
#include <string.h>

struct totals {
    uint64_t events;
    uint64_t bytes;
    unsigned flags;
};

static void touch(struct totals *t, struct ks_sv s)
{
    if (s.n && !s.p)
        abort();
    if ((t->flags & KS_FUZZ_UTF8) && s.p && !ks_utf8_valid(s.p, s.n))
        abort();
    for (size_t i = 0; i < s.n; i++)
        t->bytes += (unsigned char)s.p[i];
}

static int sink(void *arg, const struct ks_event *ev)
{
    struct totals *t = arg;
    t->events++;
    for (size_t f = 0; f < KS_F_COUNT; f++)
        if (ks_event_fields[f].type == KS_FT_STR)
            touch(t, *(const struct ks_sv *)((const char *)ev + ks_event_fields[f].offset));
    if (!ev->dataset.n || ev->kind >= KS_KIND_COUNT || ev->nbag > KS_EVENT_MAX_BAG)
        abort();
    for (uint32_t i = 0; i < ev->nbag; i++) {
        if (!ev->bag[i].key.n)
            abort();
        touch(t, ev->bag[i].key);
        touch(t, ev->bag[i].val);
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
        ctx.base_offset = off;
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

void ks_fuzz_parse(const struct ks_parser_ops *ops, const char *buf, size_t size, size_t step,
                   unsigned flags)
{
    struct totals t = {0, 0, flags};
    uint64_t bad = 0, ev2 = 0, bad2 = 0;
    if (!ops || ks_ingest_parse_buffer(ops, "fuzz", buf, size, sink, &t, &bad) != 0)
        abort();
    chunked(ops, buf, size, step, &ev2, &bad2);
    if (ev2 != t.events || bad2 != bad)
        abort();
}

void ks_fuzz_parse_named(const char *const *names, size_t n, const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    for (size_t i = 0; i < n; i++)
        ks_fuzz_parse(ks_parser_find(names[i]), buf, size, 1 + size % 7 + size / 16, 0);
    (void)ks_parser_detect(buf, size);
}
