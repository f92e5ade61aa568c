/* SPDX-License-Identifier: MIT */
/*
 * fuzz_evtx.c - libFuzzer target for the EVTX parser ("evtx", libevtx). Each input is parsed
 * twice over: as it is (a whole file), and as the body of a file behind a well-formed EVTX file
 * header made here (so the fuzzer's bytes reach libevtx's chunk, record and BinXML code instead
 * of dying at the signature check). Each is parsed whole, then fed again in growing windows (the
 * INCOMPLETE protocol) and must give the same counts; every string of every event is read so
 * the sanitizers check its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ingest/ingest.h"

#define HDR 4096u

/* libevtx 20181227 (Debian 12) leaks its BinXML tree (libfwevt_xml_tag/token, libfvalue values)
 * when a damaged record fails to parse: found by this target, an upstream bug in the library,
 * not in konseki (the parser frees every libevtx object it is handed). LeakSanitizer is told to
 * ignore leaks allocated inside libevtx so the fuzzer keeps looking for konseki's bugs. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libevtx.so\n";
}

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
    touch(t, ev->action);
    touch(t, ev->dst_host);
    touch(t, ev->src_host);
    touch(t, ev->dataset);
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

static void one(const struct ks_parser_ops *ops, const char *buf, size_t size)
{
    struct totals t = {0, 0};
    uint64_t bad = 0, ev2 = 0, bad2 = 0;
    if (ks_ingest_parse_buffer(ops, "fuzz", buf, size, sink, &t, &bad) != 0)
        abort();
    chunked(ops, buf, size, 1 + size % 7 + size / 5, &ev2, &bad2);
    if (ev2 != t.events || bad2 != bad)
        abort();
}

/* A version 3.1 file header for one chunk, with its CRC32. */
static void make_header(unsigned char *h)
{
    memset(h, 0, HDR);
    memcpy(h, "ElfFile", 8);
    h[0x18] = 1;    /* next record identifier */
    h[0x20] = 0x80; /* header size */
    h[0x24] = 1;    /* minor version */
    h[0x26] = 3;    /* major version */
    h[0x29] = 0x10; /* header block size 0x1000 */
    h[0x2A] = 1;    /* number of chunks */
    uLong crc = crc32(0L, h, 120);
    for (int i = 0; i < 4; i++)
        h[0x7C + i] = (unsigned char)(crc >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct ks_parser_ops *ops = ks_parser_find("evtx");
    if (!ops)
        abort();
    one(ops, (const char *)data, size);
    if (size > 0 && size <= 3u * 65536u) {
        unsigned char *f = malloc(HDR + size);
        if (!f)
            return 0;
        make_header(f);
        memcpy(f + HDR, data, size);
        one(ops, (const char *)f, HDR + size);
        free(f);
    }
    (void)ks_parser_detect((const char *)data, size);
    return 0;
}
