/* SPDX-License-Identifier: MIT */
/*
 * ingest_zeek.c - Zeek logs into normalized events: the ASCII writer's TSV ("zeek") and its JSON
 * lines ("zeek-json"). conn records become FLOW events, http records HTTP events, every other
 * log path a GENERIC event; ts, id.* and uid are mapped for all paths and every column without a
 * normalized field is kept in the bag under its Zeek name (Stratosphere's label columns
 * included). docs/formats.md lists the mapping.
 *
 * Design (TSV):
 *  1. Header lines (#separator ... #types, #close) set the state; a new #separator starts a new
 *     header (concatenated logs), so data lines before its #fields are malformed.
 *  2. #fields is copied into the state and turned into a role per column, so a data line is one
 *     memchr per column and a switch on the precomputed role: columns are mapped by name, never
 *     by position, and nothing is allocated per record (the bag lives in the state).
 *  3. Unset values ("-") are left out, as Zeek's JSON writer does; empty values ("(empty)") are
 *     kept as empty strings. Values stay as Zeek escaped them (\x09 and friends).
 *  4. A record is malformed when its column count differs from #fields, a mapped value does not
 *     parse, a value exceeds ZEEK_MAX_FIELD, or the line is not valid UTF-8 (Zeek escapes
 *     non-ASCII bytes, so invalid UTF-8 means damage; keeping it would poison output).
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ingest/ingest_int.h"

#define ZEEK_MAX_COLS KS_EVENT_MAX_BAG
#define ZEEK_MAX_FIELD (64u * 1024u)
#define ZEEK_MAX_HEADER (64u * 1024u)
#define ZEEK_MAX_TOKEN 32u /* #unset_field, #empty_field */
#define ZEEK_MAX_PATH 64u
#define ZEEK_JSON_SCRATCH (1u << 20)

/* What a column (TSV) or key (JSON) maps to. */
enum zeek_role {
    ZR_BAG = 0,
    ZR_TS,
    ZR_UID,
    ZR_ORIG_H,
    ZR_ORIG_P,
    ZR_RESP_H,
    ZR_RESP_P,
    ZR_OBSERVER,
    /* conn only */
    ZR_PROTO,
    ZR_SERVICE,
    ZR_DURATION,
    ZR_ORIG_BYTES,
    ZR_RESP_BYTES,
    ZR_ORIG_PKTS,
    ZR_RESP_PKTS,
    ZR_CONN_STATE, /* also kept in the bag */
    /* http only */
    ZR_HOST,     /* also kept in the bag */
    ZR_URI,      /* also kept in the bag */
    ZR_USERNAME,
    ZR_COUNT
};

static const char *const zeek_role_name[ZR_COUNT] = {
    [ZR_BAG] = "?",
    [ZR_TS] = "ts",
    [ZR_UID] = "uid",
    [ZR_ORIG_H] = "id.orig_h",
    [ZR_ORIG_P] = "id.orig_p",
    [ZR_RESP_H] = "id.resp_h",
    [ZR_RESP_P] = "id.resp_p",
    [ZR_OBSERVER] = "_node_name",
    [ZR_PROTO] = "proto",
    [ZR_SERVICE] = "service",
    [ZR_DURATION] = "duration",
    [ZR_ORIG_BYTES] = "orig_bytes",
    [ZR_RESP_BYTES] = "resp_bytes",
    [ZR_ORIG_PKTS] = "orig_pkts",
    [ZR_RESP_PKTS] = "resp_pkts",
    [ZR_CONN_STATE] = "conn_state",
    [ZR_HOST] = "host",
    [ZR_URI] = "uri",
    [ZR_USERNAME] = "username",
};

enum zeek_path { ZP_OTHER, ZP_CONN, ZP_HTTP };

struct zeek_state {
    /* TSV header state */
    char sep;
    bool have_fields;
    char unset[ZEEK_MAX_TOKEN];
    size_t unset_n;
    char empty[ZEEK_MAX_TOKEN];
    size_t empty_n;
    enum zeek_path path;
    char dataset[5 + ZEEK_MAX_PATH + 1]; /* "zeek." + path */
    size_t dataset_n;
    uint32_t ncols;
    bool has_ts;
    struct ks_buf names_buf; /* #fields copied; names[] point into it */
    struct ks_sv names[ZEEK_MAX_COLS];
    uint8_t role[ZEEK_MAX_COLS];
    size_t pos[ZEEK_MAX_COLS]; /* separator offsets of the current line */
    /* per record */
    struct ks_kv bag[KS_EVENT_MAX_BAG];
    struct ks_buf object; /* http host + uri */
    struct ks_json_doc *doc; /* zeek-json only */
    uint8_t jrole[KS_JSON_MAX_FIELDS];
};

/* ---------------------------------------------------------------- mapping shared by TSV and JSON */

static bool sv_is(struct ks_sv s, const char *lit, size_t n)
{
    return s.n == n && memcmp(s.p, lit, n) == 0;
}
#define SV_IS(s, lit) sv_is((s), (lit), sizeof(lit) - 1)

static enum zeek_role zeek_role_of(struct ks_sv k, enum zeek_path path)
{
    if (SV_IS(k, "ts"))
        return ZR_TS;
    if (SV_IS(k, "uid"))
        return ZR_UID;
    if (k.n == 9 && memcmp(k.p, "id.", 3) == 0) {
        if (SV_IS(k, "id.orig_h"))
            return ZR_ORIG_H;
        if (SV_IS(k, "id.orig_p"))
            return ZR_ORIG_P;
        if (SV_IS(k, "id.resp_h"))
            return ZR_RESP_H;
        if (SV_IS(k, "id.resp_p"))
            return ZR_RESP_P;
    }
    if (SV_IS(k, "_node_name") || SV_IS(k, "peer"))
        return ZR_OBSERVER;
    if (path == ZP_CONN) {
        if (SV_IS(k, "proto"))
            return ZR_PROTO;
        if (SV_IS(k, "service"))
            return ZR_SERVICE;
        if (SV_IS(k, "duration"))
            return ZR_DURATION;
        if (SV_IS(k, "orig_bytes"))
            return ZR_ORIG_BYTES;
        if (SV_IS(k, "resp_bytes"))
            return ZR_RESP_BYTES;
        if (SV_IS(k, "orig_pkts"))
            return ZR_ORIG_PKTS;
        if (SV_IS(k, "resp_pkts"))
            return ZR_RESP_PKTS;
        if (SV_IS(k, "conn_state"))
            return ZR_CONN_STATE;
    } else if (path == ZP_HTTP) {
        if (SV_IS(k, "host"))
            return ZR_HOST;
        if (SV_IS(k, "uri"))
            return ZR_URI;
        if (SV_IS(k, "username"))
            return ZR_USERNAME;
    }
    return ZR_BAG;
}

static bool role_also_in_bag(unsigned r)
{
    return r == ZR_CONN_STATE || r == ZR_HOST || r == ZR_URI;
}

static enum zeek_path zeek_path_of(struct ks_sv p)
{
    if (SV_IS(p, "conn"))
        return ZP_CONN;
    if (SV_IS(p, "http"))
        return ZP_HTTP;
    return ZP_OTHER;
}

static void zeek_set_path(struct zeek_state *st, struct ks_sv p)
{
    size_t n = KS_MIN(p.n, (size_t)ZEEK_MAX_PATH);
    memcpy(st->dataset, "zeek.", 5);
    memcpy(st->dataset + 5, p.p, n);
    st->dataset_n = 5 + n;
    st->dataset[st->dataset_n] = '\0';
    st->path = zeek_path_of(p);
}

static int parse_port(struct ks_sv v, uint16_t *out)
{
    uint64_t x;
    if (ks_parse_u64(v.p, v.n, &x) || x > 65535)
        return KS_EFORMAT;
    *out = (uint16_t)x;
    return 0;
}

/* Seconds with a fraction ("1.5", "1e-06" in JSON) into ns. */
static int parse_secs(struct ks_sv v, int64_t *ns)
{
    double d;
    if (ks_parse_epoch_frac(v.p, v.n, ns) == 0)
        return 0;
    if (ks_parse_double(v.p, v.n, &d) || !(d > -9.2e9 && d < 9.2e9))
        return KS_EFORMAT;
    *ns = (int64_t)(d * 1e9);
    return 0;
}

static int parse_count(struct ks_sv v, uint64_t *out)
{
    return ks_parse_u64(v.p, v.n, out);
}

static uint8_t zeek_outcome(struct ks_sv s)
{
    if (SV_IS(s, "SF") || SV_IS(s, "S1") || SV_IS(s, "S2") || SV_IS(s, "S3") ||
        SV_IS(s, "RSTO") || SV_IS(s, "RSTR"))
        return KS_OUTCOME_SUCCESS;
    if (SV_IS(s, "REJ") || SV_IS(s, "S0"))
        return KS_OUTCOME_FAILURE;
    return KS_OUTCOME_UNKNOWN;
}

/* A printable copy of v for messages: at most 40 bytes, bytes outside printable ASCII as '?'. */
static const char *show(struct ks_sv v, char out[48])
{
    size_t n = KS_MIN(v.n, (size_t)40);
    for (size_t i = 0; i < n; i++)
        out[i] = (v.p[i] >= 0x20 && v.p[i] < 0x7f) ? v.p[i] : '?';
    if (v.n > n) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* Fills ev from the mapped values v[] (p == NULL: absent). ts_rfc3339 allows an RFC 3339 ts
 * (JSON). The bag (st->bag[0..*nbag)) may grow by one (an unknown proto). */
static int zeek_fill(struct zeek_state *st, struct ks_parse_ctx *ctx, const struct ks_sv *v,
                     bool ts_rfc3339, uint32_t *nbag, struct ks_event *ev)
{
    static const uint8_t addrs[] = {ZR_ORIG_H, ZR_RESP_H}, ports[] = {ZR_ORIG_P, ZR_RESP_P};
    struct ks_addr *const addr_out[] = {&ev->src, &ev->dst};
    uint16_t *const port_out[] = {&ev->src_port, &ev->dst_port};
    char tmp[48];
    if (!v[ZR_TS].p)
        return ks_ingest_bad(ctx, "missing ts");
    if (ks_parse_epoch_frac(v[ZR_TS].p, v[ZR_TS].n, &ev->ts) != 0 &&
        !(ts_rfc3339 && ks_time_parse_rfc3339(v[ZR_TS].p, v[ZR_TS].n, &ev->ts) == 0) &&
        parse_secs(v[ZR_TS], &ev->ts) != 0)
        return ks_ingest_bad(ctx, "column ts: bad time '%s'", show(v[ZR_TS], tmp));
    if (v[ZR_UID].p)
        ev->session = v[ZR_UID];
    for (size_t i = 0; i < 2; i++) {
        struct ks_sv a = v[addrs[i]], p = v[ports[i]];
        if (a.p && a.n && ks_addr_parse(a.p, a.n, addr_out[i]))
            return ks_ingest_bad(ctx, "column %s: bad address '%s'", zeek_role_name[addrs[i]],
                                 show(a, tmp));
        if (p.p && p.n && parse_port(p, port_out[i]))
            return ks_ingest_bad(ctx, "column %s: bad port '%s'", zeek_role_name[ports[i]],
                                 show(p, tmp));
    }
    if (v[ZR_OBSERVER].p)
        ev->observer = v[ZR_OBSERVER];
    ev->dataset = ks_sv_make(st->dataset, st->dataset_n);

    if (st->path == ZP_CONN) {
        ev->kind = KS_KIND_FLOW;
        struct ks_sv pr = v[ZR_PROTO];
        if (pr.p) {
            if (SV_IS(pr, "tcp"))
                ev->proto = 6;
            else if (SV_IS(pr, "udp"))
                ev->proto = 17;
            else if (SV_IS(pr, "icmp"))
                ev->proto = 1;
            else if (*nbag < KS_EVENT_MAX_BAG)
                st->bag[(*nbag)++] = (struct ks_kv){ks_sv_make("proto", 5), pr};
        }
        if (v[ZR_SERVICE].p)
            ev->service = v[ZR_SERVICE];
        if (v[ZR_DURATION].p && v[ZR_DURATION].n) {
            int64_t d;
            if (parse_secs(v[ZR_DURATION], &d) || d < 0)
                return ks_ingest_bad(ctx, "column duration: bad interval '%s'",
                                     show(v[ZR_DURATION], tmp));
            ev->duration = (uint64_t)d;
        }
        static const struct {
            uint8_t role;
            size_t off;
        } counts[] = {
            {ZR_ORIG_BYTES, offsetof(struct ks_event, bytes_out)},
            {ZR_RESP_BYTES, offsetof(struct ks_event, bytes_in)},
            {ZR_ORIG_PKTS, offsetof(struct ks_event, pkts_out)},
            {ZR_RESP_PKTS, offsetof(struct ks_event, pkts_in)},
        };
        for (size_t i = 0; i < KS_ARRAY_LEN(counts); i++) {
            struct ks_sv c = v[counts[i].role];
            uint64_t x;
            if (!c.p || !c.n)
                continue;
            if (parse_count(c, &x))
                return ks_ingest_bad(ctx, "column %s: bad count '%s'",
                                     zeek_role_name[counts[i].role], show(c, tmp));
            memcpy((char *)ev + counts[i].off, &x, sizeof x);
        }
        if (v[ZR_CONN_STATE].p)
            ev->outcome = zeek_outcome(v[ZR_CONN_STATE]);
    } else if (st->path == ZP_HTTP) {
        ev->kind = KS_KIND_HTTP;
        if (v[ZR_USERNAME].p)
            ev->user = v[ZR_USERNAME];
        ks_buf_reset(&st->object);
        if ((v[ZR_HOST].p && ks_buf_append_sv(&st->object, v[ZR_HOST])) ||
            (v[ZR_URI].p && ks_buf_append_sv(&st->object, v[ZR_URI])))
            return ks_ingest_bad(ctx, "column uri: host + uri too long");
        if (st->object.len)
            ev->object = ks_sv_make(st->object.p, st->object.len);
    } else {
        ev->kind = KS_KIND_GENERIC;
    }
    ev->bag = st->bag;
    ev->nbag = *nbag;
    return KS_PARSE_EVENT;
}

/* ---------------------------------------------------------------- TSV */

static void zeek_reset_header(struct zeek_state *st)
{
    st->sep = '\t';
    st->have_fields = false;
    st->ncols = 0;
    st->has_ts = false;
    memcpy(st->unset, "-", 1);
    st->unset_n = 1;
    memcpy(st->empty, "(empty)", 7);
    st->empty_n = 7;
    memcpy(st->dataset, "zeek", 4);
    st->dataset_n = 4;
    st->dataset[4] = '\0';
    st->path = ZP_OTHER;
}

static void zeek_build_roles(struct zeek_state *st)
{
    st->has_ts = false;
    for (uint32_t i = 0; i < st->ncols; i++) {
        st->role[i] = (uint8_t)zeek_role_of(st->names[i], st->path);
        if (st->role[i] == ZR_TS)
            st->has_ts = true;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Decodes a header value with \xHH escapes into out (cap bytes); returns its length or -1. */
static long zeek_unescape(struct ks_sv v, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (c == '\\' && i + 3 < v.n && v.p[i + 1] == 'x' && hexval(v.p[i + 2]) >= 0 &&
            hexval(v.p[i + 3]) >= 0) {
            c = (char)(hexval(v.p[i + 2]) << 4 | hexval(v.p[i + 3]));
            i += 3;
        }
        if (o == cap)
            return -1;
        out[o++] = c;
    }
    return (long)o;
}

static int zeek_fields(struct zeek_state *st, struct ks_parse_ctx *ctx, struct ks_sv v)
{
    uint32_t n = 0;
    size_t i = 0;
    st->have_fields = false;
    st->ncols = 0;
    ks_buf_reset(&st->names_buf);
    if (v.n == 0)
        return ks_ingest_bad(ctx, "#fields: no columns");
    if (ks_buf_append(&st->names_buf, v.p, v.n))
        return ks_ingest_bad(ctx, "#fields: header too long");
    const char *p = st->names_buf.p;
    while (i <= v.n) {
        const char *t = memchr(p + i, st->sep, v.n - i);
        size_t e = t ? (size_t)(t - p) : v.n;
        if (n == ZEEK_MAX_COLS)
            return ks_ingest_bad(ctx, "#fields: more than %u columns", ZEEK_MAX_COLS);
        if (e == i)
            return ks_ingest_bad(ctx, "#fields: empty column name");
        st->names[n++] = ks_sv_make(p + i, e - i);
        i = e + 1;
    }
    st->ncols = n;
    st->have_fields = true;
    zeek_build_roles(st);
    return KS_PARSE_SKIP;
}

static int zeek_header(struct zeek_state *st, struct ks_parse_ctx *ctx, struct ks_sv line)
{
    if (!ks_ingest_utf8_ok(line.p, line.n))
        return ks_ingest_bad(ctx, "header: invalid UTF-8");
    if (line.n >= 10 && memcmp(line.p, "#separator", 10) == 0) {
        char c;
        struct ks_sv v = ks_sv_make(line.p + 10, line.n - 10);
        if (v.n && (v.p[0] == ' ' || v.p[0] == '\t')) {
            v.p++;
            v.n--;
        }
        zeek_reset_header(st);
        if (zeek_unescape(v, &c, 1) != 1)
            return ks_ingest_bad(ctx, "#separator: not a single byte");
        if (c == '\n' || c == '\r')
            return ks_ingest_bad(ctx, "#separator: a line break");
        st->sep = c;
        return KS_PARSE_SKIP;
    }
    /* "#name<sep>value" */
    const char *t = memchr(line.p, st->sep, line.n);
    if (!t)
        return KS_PARSE_SKIP; /* "#close" without a value, or a comment */
    struct ks_sv name = ks_sv_make(line.p + 1, (size_t)(t - line.p) - 1);
    struct ks_sv v = ks_sv_make(t + 1, line.n - (size_t)(t - line.p) - 1);
    if (SV_IS(name, "fields"))
        return zeek_fields(st, ctx, v);
    if (SV_IS(name, "path")) {
        if (v.n == 0 || v.n > ZEEK_MAX_PATH)
            return ks_ingest_bad(ctx, "#path: empty or too long");
        zeek_set_path(st, v);
        if (st->have_fields)
            zeek_build_roles(st);
        return KS_PARSE_SKIP;
    }
    if (SV_IS(name, "unset_field") || SV_IS(name, "empty_field")) {
        bool unset = name.p[0] == 'u';
        long n = zeek_unescape(v, unset ? st->unset : st->empty, ZEEK_MAX_TOKEN);
        if (n <= 0)
            return ks_ingest_bad(ctx, "#%.*s: empty or too long", (int)name.n, name.p);
        *(unset ? &st->unset_n : &st->empty_n) = (size_t)n;
        return KS_PARSE_SKIP;
    }
    return KS_PARSE_SKIP; /* #set_separator, #open, #types, #close, comments */
}

/* Scans p[0..n) up to the first '\n': OUT pos[0..*npos) the separator offsets (only the first
 * maxpos are stored; *npos counts all), OUT *ascii whether every byte before the '\n' is ASCII.
 * Returns the offset of the '\n', or n when there is none. One pass, 16 bytes at a time. */
static size_t zeek_scan(const char *p, size_t n, char sep, size_t *pos, size_t maxpos,
                        size_t *npos, bool *ascii)
{
    size_t i = 0, k = 0;
    unsigned hi = 0;
#ifdef __SSE2__
    const __m128i vs = _mm_set1_epi8(sep), vn = _mm_set1_epi8('\n');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned ms = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vs));
        unsigned mn = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vn));
        unsigned mh = (unsigned)_mm_movemask_epi8(x);
        if (mn) {
            unsigned below = (1u << __builtin_ctz(mn)) - 1u;
            ms &= below;
            hi |= mh & below;
        } else {
            hi |= mh;
        }
        while (ms) {
            if (k < maxpos)
                pos[k] = i + (size_t)__builtin_ctz(ms);
            k++;
            ms &= ms - 1;
        }
        if (mn) {
            *npos = k;
            *ascii = hi == 0;
            return i + (size_t)__builtin_ctz(mn);
        }
    }
#endif
    for (; i < n; i++) {
        char c = p[i];
        if (c == '\n')
            break;
        if (c == sep) {
            if (k < maxpos)
                pos[k] = i;
            k++;
        }
        hi |= (unsigned char)c & 0x80u;
    }
    *npos = k;
    *ascii = hi == 0;
    return i;
}

/* One data line; pos[0..nsep) are its separator offsets (from zeek_scan). */
static int zeek_record(struct zeek_state *st, struct ks_parse_ctx *ctx, struct ks_sv line,
                       const size_t *pos, size_t nsep, bool ascii, struct ks_event *ev)
{
    struct ks_sv v[ZR_COUNT];
    uint32_t nbag = 0;
    const uint32_t nc = st->ncols;
    size_t start = 0;

    if (!st->have_fields)
        return ks_ingest_bad(ctx, "data line before a #fields header");
    if (!st->has_ts)
        return ks_ingest_bad(ctx, "#fields has no ts column");
    if (nsep + 1 != nc)
        return ks_ingest_bad(ctx, "%zu columns, #fields has %u", nsep + 1, nc);
    memset(v, 0, sizeof v);
    for (uint32_t i = 0; i < nc; i++) {
        size_t end = i < nsep ? pos[i] : line.n;
        size_t n = end - start;
        struct ks_sv val = ks_sv_make(line.p + start, n);
        start = end + 1;
        if (n > ZEEK_MAX_FIELD)
            return ks_ingest_bad(ctx, "column %.*s: longer than %u bytes", (int)st->names[i].n,
                                 st->names[i].p, ZEEK_MAX_FIELD);
        if (n == st->unset_n && val.p[0] == st->unset[0] && memcmp(val.p, st->unset, n) == 0)
            continue;
        if (n == st->empty_n && val.p[0] == st->empty[0] && memcmp(val.p, st->empty, n) == 0)
            val.n = 0;
        unsigned r = st->role[i];
        if (r == ZR_BAG) {
            st->bag[nbag++] = (struct ks_kv){st->names[i], val};
        } else {
            v[r] = val;
            if (role_also_in_bag(r))
                st->bag[nbag++] = (struct ks_kv){st->names[i], val};
        }
    }
    if (!ascii && !ks_utf8_valid(line.p, line.n)) {
        /* Name the first column at fault (rare path). */
        start = 0;
        for (uint32_t i = 0; i < nc; i++) {
            size_t end = i < nsep ? pos[i] : line.n;
            if (!ks_utf8_valid(line.p + start, end - start))
                return ks_ingest_bad(ctx, "column %.*s: invalid UTF-8", (int)st->names[i].n,
                                     st->names[i].p);
            start = end + 1;
        }
        return ks_ingest_bad(ctx, "invalid UTF-8");
    }
    return zeek_fill(st, ctx, v, false, &nbag, ev);
}

static int zeek_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                     size_t *consumed, struct ks_event *ev)
{
    struct zeek_state *st = state;
    size_t nsep;
    bool ascii;
    *consumed = 0;
    if (len == 0)
        return ctx->eof ? KS_PARSE_END : KS_PARSE_INCOMPLETE;
    size_t e = zeek_scan(buf, len, st->sep, st->pos, ZEEK_MAX_COLS, &nsep, &ascii);
    if (e == len && !ctx->eof)
        return KS_PARSE_INCOMPLETE;
    *consumed = e < len ? e + 1 : len;
    struct ks_sv line = ks_sv_make(buf, e);
    if (line.n > 0 && line.p[line.n - 1] == '\r')
        line.n--;
    if (line.n == 0)
        return KS_PARSE_SKIP;
    if (line.p[0] == '#')
        return zeek_header(st, ctx, line);
    memset(ev, 0, sizeof *ev);
    return zeek_record(st, ctx, line, st->pos, nsep, ascii, ev);
}

/* ---------------------------------------------------------------- JSON lines */

static int zeek_json_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                          size_t *consumed, struct ks_event *ev)
{
    struct zeek_state *st = state;
    struct ks_json_doc *d = st->doc;
    struct ks_sv line, v[ZR_COUNT];
    struct ks_sv path = KS_SV_NULL;
    bool conn_shaped = false, has_orig = false, ts_str = false;
    uint32_t nbag = 0;
    int r = ks_ingest_take_line(ctx, buf, len, &line, consumed);
    if (r != KS_PARSE_EVENT)
        return r;
    line = ks_sv_trim(line);
    if (line.n == 0)
        return KS_PARSE_SKIP;
    if (!ks_ingest_utf8_ok(line.p, line.n))
        return ks_ingest_bad(ctx, "invalid UTF-8");
    int rc = ks_json_parse(d, line.p, line.n);
    if (rc == KS_ETOOBIG)
        return ks_ingest_bad(ctx, "json: %s", d->err ? d->err : "too big");
    if (rc)
        return ks_ingest_bad(ctx, "json: %s at byte %zu", d->err ? d->err : "error", d->err_off);
    for (uint32_t i = 0; i < d->n; i++) {
        struct ks_sv k = d->f[i].key;
        if (SV_IS(k, "_path") && d->f[i].type == KS_JSON_STRING)
            path = d->f[i].val;
        else if (SV_IS(k, "conn_state"))
            conn_shaped = true;
        else if (SV_IS(k, "id.orig_h"))
            has_orig = true;
    }
    if (path.p) {
        if (path.n == 0 || path.n > ZEEK_MAX_PATH)
            return ks_ingest_bad(ctx, "_path: empty or too long");
        zeek_set_path(st, path);
    } else if (conn_shaped && has_orig) {
        zeek_set_path(st, ks_sv_make("conn", 4));
    } else {
        zeek_reset_header(st);
    }
    memset(v, 0, sizeof v);
    memset(ev, 0, sizeof *ev);
    for (uint32_t i = 0; i < d->n; i++) {
        const struct ks_json_field *f = &d->f[i];
        if (f->type == KS_JSON_NULL)
            continue;
        unsigned role = zeek_role_of(f->key, st->path);
        if (f->val.n > ZEEK_MAX_FIELD)
            return ks_ingest_bad(ctx, "field %.*s: longer than %u bytes",
                                 (int)KS_MIN(f->key.n, 64), f->key.p, ZEEK_MAX_FIELD);
        if (role != ZR_BAG) {
            v[role] = f->val.p ? f->val : ks_sv_make("", 0);
            if (role == ZR_TS)
                ts_str = f->type == KS_JSON_STRING;
        }
        if (role == ZR_BAG || role_also_in_bag(role)) {
            if (nbag == KS_EVENT_MAX_BAG)
                return ks_ingest_bad(ctx, "more than %u fields", KS_EVENT_MAX_BAG);
            st->bag[nbag++] = (struct ks_kv){f->key, f->val};
        }
    }
    return zeek_fill(st, ctx, v, ts_str, &nbag, ev);
}

/* ---------------------------------------------------------------- plug-in */

static void zeek_destroy(void *state)
{
    struct zeek_state *st = state;
    if (!st)
        return;
    ks_buf_free(&st->names_buf);
    ks_buf_free(&st->object);
    if (st->doc) {
        ks_json_doc_free(st->doc);
        free(st->doc);
    }
    free(st);
}

static int zeek_create_common(bool json, void **state)
{
    int rc = KS_ENOMEM;
    struct zeek_state *st = calloc(1, sizeof *st);
    *state = NULL;
    if (!st)
        goto out;
    ks_buf_init(&st->names_buf, ZEEK_MAX_HEADER);
    ks_buf_init(&st->object, 2 * ZEEK_MAX_FIELD + 1);
    zeek_reset_header(st);
    if (json) {
        st->doc = malloc(sizeof *st->doc);
        if (!st->doc)
            goto out;
        ks_json_doc_init(st->doc, ZEEK_JSON_SCRATCH);
    }
    *state = st;
    st = NULL;
    rc = 0;
out:
    zeek_destroy(st);
    return rc;
}

static int zeek_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    return zeek_create_common(false, state);
}

static int zeek_json_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    return zeek_create_common(true, state);
}

static int zeek_probe(const char *head, size_t n)
{
    if (n >= 10 && memcmp(head, "#separator", 10) == 0)
        return 100;
    return 0;
}

static int zeek_json_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    if (l.n < 2 || l.p[0] != '{')
        return 0;
    if (ks_ingest_sv_contains(l, "\"id.orig_h\"") ||
        (ks_ingest_sv_contains(l, "\"ts\"") &&
         (ks_ingest_sv_contains(l, "\"uid\"") || ks_ingest_sv_contains(l, "\"_path\""))))
        return 90;
    return 0;
}

const struct ks_parser_ops ks_parser_zeek = {
    .abi = KS_PARSER_ABI,
    .name = "zeek",
    .description = "Zeek ASCII (TSV) logs: conn as flows, http as web requests, others generic",
    .text = true,
    .probe = zeek_probe,
    .create = zeek_create,
    .next = zeek_next,
    .destroy = zeek_destroy,
};

const struct ks_parser_ops ks_parser_zeek_json = {
    .abi = KS_PARSER_ABI,
    .name = "zeek-json",
    .description = "Zeek JSON-lines logs (LogAscii::use_json), mapped as the TSV logs are",
    .text = true,
    .probe = zeek_json_probe,
    .create = zeek_json_create,
    .next = zeek_json_next,
    .destroy = zeek_destroy,
};
