/* SPDX-License-Identifier: MIT */
/*
 * ingest_registry.c - the list of parsers (one row per format; a format left out of the build is
 * a missing row), lookup by name, format detection by probing an input's first bytes, and the
 * whole-buffer parse loop that tests, fuzz targets and benchmarks drive a parser with. It also
 * holds the line-framing helpers the line-oriented parsers share (ingest_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "ingest/ingest_int.h"

/* Probe order: on equal scores the earlier row wins. */
const struct ks_parser_ops *const ks_parsers[] = {
    &ks_parser_zeek,
    &ks_parser_zeek_json,
    &ks_parser_winjson,
    &ks_parser_syslog,
    &ks_parser_pcap,
    &ks_parser_apache,
    &ks_parser_iis,
    &ks_parser_weblog_json,
    &ks_parser_openvpn,
    &ks_parser_nfdump,
    &ks_parser_evtx,
    &ks_parser_journald,
    NULL,
};

const struct ks_parser_ops *ks_parser_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; ks_parsers[i]; i++) {
        if (strcmp(ks_parsers[i]->name, name) == 0)
            return ks_parsers[i];
    }
    return NULL;
}

const struct ks_parser_ops *ks_parser_detect(const char *head, size_t n)
{
    const struct ks_parser_ops *best = NULL;
    int best_score = 0;
    if (!head || n == 0)
        return NULL;
    for (size_t i = 0; ks_parsers[i]; i++) {
        int s = ks_parsers[i]->probe(head, n);
        if (s > best_score) {
            best_score = s;
            best = ks_parsers[i];
        }
    }
    return best;
}

int ks_ingest_parse_buffer(const struct ks_parser_ops *ops, const char *path, const char *buf,
                           size_t len, ks_ingest_sink_fn sink, void *arg, uint64_t *malformed)
{
    struct ks_parse_ctx ctx;
    void *state = NULL;
    uint64_t bad = 0;
    size_t off = 0;
    int rc;

    if (!ops || (!buf && len > 0) || ops->abi != KS_PARSER_ABI)
        return KS_EINVAL;
    memset(&ctx, 0, sizeof ctx);
    ctx.path = path ? path : "-";
    ctx.eof = true;
    rc = ops->create(&ctx, &state);
    if (rc)
        goto out;
    while (off < len) {
        struct ks_event ev;
        size_t consumed = 0;
        ctx.base_offset = off;
        ctx.err[0] = '\0';
        int r = ops->next(state, &ctx, buf + off, len - off, &consumed, &ev);
        if (r == KS_PARSE_END)
            break;
        if (r == KS_PARSE_INCOMPLETE || consumed == 0 || consumed > len - off) {
            /* At eof a parser must consume what it is given; count the rest as one bad record. */
            KS_NEVER(r != KS_PARSE_INCOMPLETE);
            bad++;
            break;
        }
        if (r == KS_PARSE_EVENT) {
            ev.source_id = ctx.source_id;
            ev.offset = off;
            if (sink && (rc = sink(arg, &ev)) < 0)
                goto out;
            rc = 0;
        } else if (r == KS_PARSE_MALFORMED) {
            bad++;
        }
        off += consumed;
    }
out:
    if (state)
        ops->destroy(state);
    if (malformed)
        *malformed = bad;
    return rc;
}

/* ---------------------------------------------------------------- shared line helpers */

int ks_ingest_take_line(const struct ks_parse_ctx *ctx, const char *buf, size_t len,
                        struct ks_sv *line, size_t *consumed)
{
    size_t n;
    if (len == 0) {
        *consumed = 0;
        return ctx->eof ? KS_PARSE_END : KS_PARSE_INCOMPLETE;
    }
    const char *nl = memchr(buf, '\n', len);
    if (nl) {
        n = (size_t)(nl - buf);
        *consumed = n + 1;
    } else if (ctx->eof) {
        n = len;
        *consumed = len;
    } else {
        *consumed = 0;
        return KS_PARSE_INCOMPLETE;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    *line = ks_sv_make(buf, n);
    return KS_PARSE_EVENT;
}

bool ks_ingest_utf8_ok(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            return ks_utf8_valid(p + i, n - i);
    }
    for (; i < n; i++) {
        if ((unsigned char)p[i] & 0x80)
            return ks_utf8_valid(p + i, n - i);
    }
    return true;
}

int ks_ingest_bad(struct ks_parse_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
    va_end(ap);
    return KS_PARSE_MALFORMED;
}

struct ks_sv ks_ingest_first_line(const char *head, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (head[i] == '\n' || head[i] == '\r' || head[i] == ' ' || head[i] == '\t'))
        i++;
    const char *nl = memchr(head + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - head) : n;
    return ks_sv_make(head + i, end - i);
}

bool ks_ingest_sv_contains(struct ks_sv hay, const char *needle)
{
    return memmem(hay.p, hay.n, needle, strlen(needle)) != NULL;
}
