/* SPDX-License-Identifier: MIT */
/*
 * ingest_nfdump.c - nfdump archives into flow events ("nfdump-csv"): parses what
 * `nfdump -r FILE -o csv` prints (Debian's nfdump 1.7.1), so years of nfcapd files load without
 * konseki reading nfdump's binary format. One CSV line is one flow record.
 *
 * Design:
 *  1. The header line ("ts,te,td,sa,da,sp,dp,pr,flg,...,ra,eng,exid,tr") maps column names to
 *     positions, so other nfdump versions with more or fewer columns still parse; input without a
 *     header (nfdump -q) is read with the 1.7.1 column order.
 *  2. nfdump appends a summary ("Summary" / "flows,bytes,..." / values); everything from the
 *     "Summary" line on is skipped, so the event count equals nfdump's own flow count.
 *  3. Times are printed by nfdump in the local zone of the process that ran it: run it with TZ=UTC
 *     (konseki reads them as UTC). ts is the flow start; duration is te - ts, or td when finer.
 *  4. ipkt/ibyt (the flow's own direction) map to pkts_out/bytes_out, opkt/obyt (the reverse
 *     counters of bidirectional exporters) to pkts_in/bytes_in; ra (the exporter) is the observer.
 *  5. Malformed: fewer columns than the header, a bad time, address, port or counter.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"

#define NFD_MAX_COLS 96u
#define NFD_MAX_LINE 8192u

enum nfd_col {
    NFD_TS,
    NFD_TE,
    NFD_TD,
    NFD_SA,
    NFD_DA,
    NFD_SP,
    NFD_DP,
    NFD_PR,
    NFD_FLG,
    NFD_STOS,
    NFD_IPKT,
    NFD_IBYT,
    NFD_OPKT,
    NFD_OBYT,
    NFD_IN,
    NFD_OUT,
    NFD_SAS,
    NFD_DAS,
    NFD_NH,
    NFD_RA,
    NFD_ENG,
    NFD_EXID,
    NFD_NCOLS
};

/* Column names as nfdump prints them, in enum nfd_col order, with their 1.7.1 positions. */
static const struct {
    const char *name;
    int pos171;
} nfd_names[NFD_NCOLS] = {
    {"ts", 0},   {"te", 1},    {"td", 2},    {"sa", 3},   {"da", 4},   {"sp", 5},
    {"dp", 6},   {"pr", 7},    {"flg", 8},   {"stos", 10}, {"ipkt", 11}, {"ibyt", 12},
    {"opkt", 13}, {"obyt", 14}, {"in", 15},   {"out", 16}, {"sas", 17}, {"das", 18},
    {"nh", 23},  {"ra", 44},   {"eng", 45},  {"exid", 46},
};

struct nfd_state {
    int pos[NFD_NCOLS]; /* column of each known field, -1 when absent */
    size_t ncols;       /* columns the header announced (0: none seen) */
    bool summary;       /* the summary began: skip the rest */
    struct ks_sv col[NFD_MAX_COLS];
    struct ks_kv bag[16];
};

static bool is_header(struct ks_sv l)
{
    return ks_sv_starts_with(l, "ts,te,") || ks_sv_starts_with(l, "ts,");
}

static size_t split(struct ks_sv l, struct ks_sv *col, size_t cap)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= l.n; i++) {
        if (i == l.n || l.p[i] == ',') {
            if (n < cap)
                col[n] = ks_sv_trim(ks_sv_make(l.p + start, i - start));
            n++;
            start = i + 1;
        }
    }
    return n;
}

static void map_header(struct nfd_state *st, struct ks_sv l)
{
    size_t n = split(l, st->col, NFD_MAX_COLS);
    for (int c = 0; c < NFD_NCOLS; c++) {
        st->pos[c] = -1;
        for (size_t i = 0; i < KS_MIN(n, NFD_MAX_COLS); i++)
            if (ks_sv_eq_cstr(st->col[i], nfd_names[c].name)) {
                st->pos[c] = (int)i;
                break;
            }
    }
    st->ncols = n;
}

static struct ks_sv get(const struct nfd_state *st, size_t n, enum nfd_col c)
{
    int p = st->pos[c];
    if (p < 0 || (size_t)p >= n || (size_t)p >= NFD_MAX_COLS)
        return KS_SV_NULL;
    return st->col[p];
}

static int parse_time(struct ks_sv v, int64_t *ns)
{
    return v.n >= 19 ? ks_time_parse_rfc3339(v.p, v.n, ns) : KS_EFORMAT;
}

static int parse_u64(struct ks_sv v, uint64_t *out)
{
    *out = 0;
    if (!v.p || v.n == 0)
        return 0;
    /* nfdump scales big counters ("1.2 M") in some outputs; csv prints plain numbers. */
    return ks_parse_u64(v.p, v.n, out);
}

static int parse_proto(struct ks_sv v, uint8_t *out)
{
    static const struct {
        const char *name;
        uint8_t num;
    } names[] = {{"TCP", 6}, {"UDP", 17}, {"ICMP", 1}, {"ICMP6", 58}, {"GRE", 47},
                 {"ESP", 50}, {"AH", 51},  {"IGMP", 2}, {"IPv6", 41}, {"SCTP", 132}};
    uint64_t n;
    for (size_t i = 0; i < KS_ARRAY_LEN(names); i++)
        if (ks_sv_ieq_cstr(v, names[i].name)) {
            *out = names[i].num;
            return 0;
        }
    if (ks_parse_u64(v.p, v.n, &n) != 0 || n > 255)
        return KS_EFORMAT;
    *out = (uint8_t)n;
    return 0;
}

static bool zero_addr(struct ks_sv v)
{
    return v.n == 0 || ks_sv_eq_cstr(v, "0.0.0.0") || ks_sv_eq_cstr(v, "::");
}

static void bag_put(struct nfd_state *st, uint32_t *n, const char *key, struct ks_sv v)
{
    if (v.n == 0 || *n >= KS_ARRAY_LEN(st->bag))
        return;
    st->bag[(*n)++] = (struct ks_kv){ks_sv_cstr(key), v};
}

static int nfd_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                    size_t *consumed, struct ks_event *ev)
{
    struct nfd_state *st = state;
    struct ks_sv l, v;
    uint64_t u;
    uint32_t nbag = 0;
    int r = ks_ingest_take_line(ctx, buf, len, &l, consumed);
    if (r != KS_PARSE_EVENT)
        return r;
    l = ks_sv_trim(l);
    if (l.n == 0 || st->summary)
        return KS_PARSE_SKIP;
    if (ks_sv_eq_cstr(l, "Summary")) {
        st->summary = true;
        return KS_PARSE_SKIP;
    }
    if (is_header(l)) {
        map_header(st, l);
        return KS_PARSE_SKIP;
    }
    if (l.n > NFD_MAX_LINE)
        return ks_ingest_bad(ctx, "line longer than %u bytes", NFD_MAX_LINE);
    if (!ks_ingest_utf8_ok(l.p, l.n))
        return ks_ingest_bad(ctx, "invalid UTF-8");
    size_t n = split(l, st->col, NFD_MAX_COLS);
    size_t need = st->ncols ? st->ncols : 48;
    if (n < need && n < NFD_MAX_COLS)
        return ks_ingest_bad(ctx, "%zu columns, the header has %zu", n, need);

    memset(ev, 0, sizeof *ev);
    ev->kind = KS_KIND_FLOW;
    ev->dataset = ks_sv_make("nfdump", 6);
    if (parse_time(get(st, n, NFD_TS), &ev->ts) != 0)
        return ks_ingest_bad(ctx, "bad ts '%.*s'", (int)KS_MIN(get(st, n, NFD_TS).n, 40),
                             get(st, n, NFD_TS).p ? get(st, n, NFD_TS).p : "");
    int64_t te;
    v = get(st, n, NFD_TE);
    if (v.n && parse_time(v, &te) == 0 && te > ev->ts)
        ev->duration = (uint64_t)(te - ev->ts);
    v = get(st, n, NFD_TD);
    int64_t td;
    if (v.n && ks_parse_epoch_frac(v.p, v.n, &td) == 0 && td > 0 && (uint64_t)td > ev->duration)
        ev->duration = (uint64_t)td;
    v = get(st, n, NFD_SA);
    if (v.n == 0 || ks_addr_parse(v.p, v.n, &ev->src) != 0)
        return ks_ingest_bad(ctx, "bad sa '%.*s'", (int)KS_MIN(v.n, 46), v.p ? v.p : "");
    v = get(st, n, NFD_DA);
    if (v.n == 0 || ks_addr_parse(v.p, v.n, &ev->dst) != 0)
        return ks_ingest_bad(ctx, "bad da '%.*s'", (int)KS_MIN(v.n, 46), v.p ? v.p : "");
    v = get(st, n, NFD_PR);
    if (v.n && parse_proto(v, &ev->proto) != 0)
        return ks_ingest_bad(ctx, "bad pr '%.*s'", (int)KS_MIN(v.n, 20), v.p);
    /* ICMP "ports" are printed as type.code; keep them out of the port columns. */
    if (ev->proto != 1 && ev->proto != 58) {
        v = get(st, n, NFD_SP);
        if (parse_u64(v, &u) != 0 || u > 65535)
            return ks_ingest_bad(ctx, "bad sp '%.*s'", (int)KS_MIN(v.n, 20), v.p ? v.p : "");
        ev->src_port = (uint16_t)u;
        v = get(st, n, NFD_DP);
        if (parse_u64(v, &u) != 0 || u > 65535)
            return ks_ingest_bad(ctx, "bad dp '%.*s'", (int)KS_MIN(v.n, 20), v.p ? v.p : "");
        ev->dst_port = (uint16_t)u;
    } else {
        bag_put(st, &nbag, "icmp_type_code", get(st, n, NFD_DP));
    }
    static const struct {
        enum nfd_col c;
        size_t off;
    } counters[] = {
        {NFD_IPKT, offsetof(struct ks_event, pkts_out)},
        {NFD_IBYT, offsetof(struct ks_event, bytes_out)},
        {NFD_OPKT, offsetof(struct ks_event, pkts_in)},
        {NFD_OBYT, offsetof(struct ks_event, bytes_in)},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(counters); i++) {
        v = get(st, n, counters[i].c);
        if (parse_u64(v, &u) != 0)
            return ks_ingest_bad(ctx, "bad %s '%.*s'", nfd_names[counters[i].c].name,
                                 (int)KS_MIN(v.n, 24), v.p);
        memcpy((char *)ev + counters[i].off, &u, sizeof u);
    }
    v = get(st, n, NFD_RA);
    struct ks_addr ra;
    if (!zero_addr(v) && ks_addr_parse(v.p, v.n, &ra) == 0)
        ev->observer = v;
    v = get(st, n, NFD_FLG);
    if (ev->proto == 6)
        bag_put(st, &nbag, "tcp_flags", v);
    static const struct {
        enum nfd_col c;
        const char *key;
    } extra[] = {
        {NFD_STOS, "tos"},     {NFD_IN, "in_if"},   {NFD_OUT, "out_if"},
        {NFD_SAS, "src_as"},   {NFD_DAS, "dst_as"}, {NFD_ENG, "engine"},
        {NFD_EXID, "exporter_id"},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(extra); i++) {
        v = get(st, n, extra[i].c);
        if (v.n && !ks_sv_eq_cstr(v, "0"))
            bag_put(st, &nbag, extra[i].key, v);
    }
    v = get(st, n, NFD_NH);
    if (!zero_addr(v))
        bag_put(st, &nbag, "next_hop", v);
    ev->bag = nbag ? st->bag : NULL;
    ev->nbag = nbag;
    return KS_PARSE_EVENT;
}

static int nfd_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    struct nfd_state *st = calloc(1, sizeof *st);
    *state = NULL;
    if (!st)
        return KS_ENOMEM;
    for (int c = 0; c < NFD_NCOLS; c++)
        st->pos[c] = nfd_names[c].pos171;
    *state = st;
    return 0;
}

static void nfd_destroy(void *state)
{
    free(state);
}

/* "2018-01-12 15:37:30,2018-01-12 15:37:30,..." : two nfdump times, then many columns. */
static bool looks_like_record(struct ks_sv l)
{
    size_t commas = 0;
    int64_t ts;
    if (l.n < 40 || l.p[19] != ',' || ks_time_parse_rfc3339(l.p, 19, &ts) != 0)
        return false;
    for (size_t i = 0; i < l.n; i++)
        commas += l.p[i] == ',';
    return commas >= 40;
}

static int nfd_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    if (ks_sv_starts_with(l, "ts,te,td,sa,da,sp,dp,pr"))
        return 100;
    if (looks_like_record(l))
        return 60;
    return 0;
}

const struct ks_parser_ops ks_parser_nfdump = {
    .abi = KS_PARSER_ABI,
    .name = "nfdump-csv",
    .description = "nfdump archives as printed by `nfdump -r FILE -o csv` (nfdump 1.7)",
    .text = true,
    .probe = nfd_probe,
    .create = nfd_create,
    .next = nfd_next,
    .destroy = nfd_destroy,
};
