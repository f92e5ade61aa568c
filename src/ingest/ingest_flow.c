/* SPDX-License-Identifier: MIT */
/*
 * ingest_flow.c - NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) export datagrams into
 * FLOW events. The pcap parser (ingest_pcap.c) feeds it UDP payloads read from capture files; a
 * live listener can feed it datagrams as they arrive. docs/formats.md lists the mapping.
 *
 * Design:
 *  1. State is two bounded tables with FIFO eviction: templates keyed by (exporter, version,
 *     domain, template id) and "domains" keyed by (exporter, version, domain) holding sequence
 *     tracking, sampling rates learned from options records, systemInitTimeMilliseconds and the
 *     counters ks_flow_get_stats() returns. The domain is the IPFIX observation domain, the v9
 *     source id, or v5 engine type << 8 | engine id.
 *  2. A template is turned into a role per field when it arrives, so a data record is one pass
 *     over its fields with a switch on the precomputed role. Fields without a normalized slot go
 *     to the bag under a short name (or "ie<ID>", enterprise ones "ie<PEN>.<ID>" as hex).
 *  3. Every string of an event lives in the state's arena, which is reset at the start of each
 *     datagram: events stay valid until the next ks_flow_decode() (the pcap parser queues a
 *     whole datagram's events and hands them out before decoding the next one).
 *  4. A data set whose template is unknown is counted (one per set: its record size is unknown)
 *     and announced once per template id; a "missing" marker in the template table remembers
 *     that it was announced. Template withdrawal (IPFIX field count 0, and the all-templates
 *     withdrawal with id 2 or 3) removes entries.
 *  5. Sequence numbers: the expected next number is kept per domain; a forward gap is added to
 *     lost, a small step back is a late datagram (its loss is taken back), a large step back is an
 *     exporter restart (resynchronised).
 *  6. Bounds: every read is checked against the datagram, set and record ends; a damaged set ends
 *     the datagram with KS_EFORMAT after the records before it were delivered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_flow.h"

#define FLOW_BUCKETS 4096u
#define FLOW_ARENA_CHUNK (256u * 1024u)
#define FLOW_ARENA_CAP (256u * 1024u * 1024u)
#define FLOW_RESTART_GAP 0x10000u /* a step back larger than this is an exporter restart */
#define FLOW_PEN_REVERSE 29305u   /* RFC 5103 reverse information elements */
#define NTP_UNIX_DELTA INT64_C(2208988800)
/* Absolute times are clamped to 2^33 s (year 2242) so that ns arithmetic cannot overflow. */
#define FLOW_MAX_SECS UINT64_C(0x200000000)

/* ---------------------------------------------------------------- information elements */

/* How a field is used. Roles below FR_BAG_FIRST fill event fields or record-local state. */
enum flow_role {
    FR_IGNORE = 0,
    FR_BYTES,
    FR_PKTS,
    FR_BYTES_TOTAL,
    FR_PKTS_TOTAL,
    FR_REV_BYTES,
    FR_REV_PKTS,
    FR_PROTO,
    FR_SRC_PORT,
    FR_DST_PORT,
    FR_SRC4,
    FR_DST4,
    FR_SRC6,
    FR_DST6,
    FR_START_UP,  /* ms since boot (v9 header uptime, IPFIX systemInitTimeMilliseconds) */
    FR_END_UP,
    FR_START_S,
    FR_END_S,
    FR_START_MS,
    FR_END_MS,
    FR_START_US,  /* NTP format */
    FR_END_US,
    FR_START_NS,  /* NTP format */
    FR_END_NS,
    FR_START_DUS, /* µs before export time */
    FR_END_DUS,
    FR_DUR_MS,
    FR_DUR_US,
    FR_INIT_MS,
    FR_SAMPLER_ID,     /* also kept in the bag */
    FR_SAMPLING,       /* samplingInterval, samplerRandomInterval: 1 out of N */
    FR_SAMPLING_PI,    /* samplingPacketInterval */
    FR_SAMPLING_PS,    /* samplingPacketSpace */
    FR_BAG,            /* bag only, formatted by vtype */
};

enum flow_vtype { VT_UINT, VT_HEX, VT_V4, VT_V6, VT_MAC, VT_STR };

struct ie_info {
    uint16_t id;
    uint8_t role;
    uint8_t vtype;
    const char *name; /* bag key (or, for mapped fields, nothing) */
};

/* IANA elements konseki maps or names; every other IANA element is "ie<ID>". */
static const struct ie_info ie_table[] = {
    {1, FR_BYTES, VT_UINT, "octetDeltaCount"},
    {2, FR_PKTS, VT_UINT, "packetDeltaCount"},
    {3, FR_BAG, VT_UINT, "flows"},
    {4, FR_PROTO, VT_UINT, "protocolIdentifier"},
    {5, FR_BAG, VT_UINT, "tos"},
    {6, FR_BAG, VT_UINT, "tcp_flags"},
    {7, FR_SRC_PORT, VT_UINT, "sourceTransportPort"},
    {8, FR_SRC4, VT_V4, "sourceIPv4Address"},
    {9, FR_BAG, VT_UINT, "src_mask"},
    {10, FR_BAG, VT_UINT, "in_if"},
    {11, FR_DST_PORT, VT_UINT, "destinationTransportPort"},
    {12, FR_DST4, VT_V4, "destinationIPv4Address"},
    {13, FR_BAG, VT_UINT, "dst_mask"},
    {14, FR_BAG, VT_UINT, "out_if"},
    {15, FR_BAG, VT_V4, "next_hop"},
    {16, FR_BAG, VT_UINT, "src_as"},
    {17, FR_BAG, VT_UINT, "dst_as"},
    {18, FR_BAG, VT_V4, "bgp_next_hop"},
    {21, FR_END_UP, VT_UINT, "flowEndSysUpTime"},
    {22, FR_START_UP, VT_UINT, "flowStartSysUpTime"},
    {23, FR_BAG, VT_UINT, "post_bytes"},
    {24, FR_BAG, VT_UINT, "post_pkts"},
    {27, FR_SRC6, VT_V6, "sourceIPv6Address"},
    {28, FR_DST6, VT_V6, "destinationIPv6Address"},
    {29, FR_BAG, VT_UINT, "src_mask"},
    {30, FR_BAG, VT_UINT, "dst_mask"},
    {31, FR_BAG, VT_UINT, "flow_label"},
    {32, FR_BAG, VT_UINT, "icmp_type_code"},
    {34, FR_SAMPLING, VT_UINT, "sampling_interval"},
    {35, FR_BAG, VT_UINT, "sampling_algorithm"},
    {36, FR_BAG, VT_UINT, "active_timeout"},
    {37, FR_BAG, VT_UINT, "inactive_timeout"},
    {48, FR_SAMPLER_ID, VT_UINT, "sampler_id"},
    {49, FR_BAG, VT_UINT, "sampler_mode"},
    {50, FR_SAMPLING, VT_UINT, "sampler_random_interval"},
    {52, FR_BAG, VT_UINT, "min_ttl"},
    {53, FR_BAG, VT_UINT, "max_ttl"},
    {55, FR_BAG, VT_UINT, "post_tos"},
    {56, FR_BAG, VT_MAC, "src_mac"},
    {57, FR_BAG, VT_MAC, "post_dst_mac"},
    {58, FR_BAG, VT_UINT, "vlan"},
    {59, FR_BAG, VT_UINT, "post_vlan"},
    {60, FR_BAG, VT_UINT, "ip_version"},
    {61, FR_BAG, VT_UINT, "direction"},
    {62, FR_BAG, VT_V6, "next_hop"},
    {63, FR_BAG, VT_V6, "bgp_next_hop"},
    {70, FR_BAG, VT_HEX, "mpls_label_1"},
    {71, FR_BAG, VT_HEX, "mpls_label_2"},
    {72, FR_BAG, VT_HEX, "mpls_label_3"},
    {80, FR_BAG, VT_MAC, "dst_mac"},
    {81, FR_BAG, VT_MAC, "post_src_mac"},
    {82, FR_BAG, VT_STR, "if_name"},
    {83, FR_BAG, VT_STR, "if_description"},
    {84, FR_BAG, VT_STR, "sampler_name"},
    {85, FR_BYTES_TOTAL, VT_UINT, "bytes_total"},
    {86, FR_PKTS_TOTAL, VT_UINT, "pkts_total"},
    {89, FR_BAG, VT_UINT, "forwarding_status"},
    {95, FR_BAG, VT_HEX, "application_id"},
    {96, FR_BAG, VT_STR, "application_name"},
    {130, FR_BAG, VT_V4, "exporter_v4"},
    {131, FR_BAG, VT_V6, "exporter_v6"},
    {136, FR_BAG, VT_UINT, "end_reason"},
    {139, FR_BAG, VT_UINT, "icmp_type_code"},
    {148, FR_BAG, VT_UINT, "flow_id"},
    {149, FR_BAG, VT_UINT, "observation_domain_ie"},
    {150, FR_START_S, VT_UINT, "flowStartSeconds"},
    {151, FR_END_S, VT_UINT, "flowEndSeconds"},
    {152, FR_START_MS, VT_UINT, "flowStartMilliseconds"},
    {153, FR_END_MS, VT_UINT, "flowEndMilliseconds"},
    {154, FR_START_US, VT_UINT, "flowStartMicroseconds"},
    {155, FR_END_US, VT_UINT, "flowEndMicroseconds"},
    {156, FR_START_NS, VT_UINT, "flowStartNanoseconds"},
    {157, FR_END_NS, VT_UINT, "flowEndNanoseconds"},
    {158, FR_START_DUS, VT_UINT, "flowStartDeltaMicroseconds"},
    {159, FR_END_DUS, VT_UINT, "flowEndDeltaMicroseconds"},
    {160, FR_INIT_MS, VT_UINT, "systemInitTimeMilliseconds"},
    {161, FR_DUR_MS, VT_UINT, "flowDurationMilliseconds"},
    {162, FR_DUR_US, VT_UINT, "flowDurationMicroseconds"},
    {176, FR_BAG, VT_UINT, "icmp_type"},
    {177, FR_BAG, VT_UINT, "icmp_code"},
    {178, FR_BAG, VT_UINT, "icmp_type"},
    {179, FR_BAG, VT_UINT, "icmp_code"},
    {225, FR_BAG, VT_V4, "nat_src"},
    {226, FR_BAG, VT_V4, "nat_dst"},
    {227, FR_BAG, VT_UINT, "nat_src_port"},
    {228, FR_BAG, VT_UINT, "nat_dst_port"},
    {230, FR_BAG, VT_UINT, "nat_event"},
    {234, FR_BAG, VT_UINT, "in_vrf"},
    {235, FR_BAG, VT_UINT, "out_vrf"},
    {243, FR_BAG, VT_UINT, "dot1q_vlan"},
    {252, FR_BAG, VT_UINT, "in_physical_if"},
    {253, FR_BAG, VT_UINT, "out_physical_if"},
    {281, FR_BAG, VT_V6, "nat_src"},
    {282, FR_BAG, VT_V6, "nat_dst"},
    {302, FR_SAMPLER_ID, VT_UINT, "selector_id"},
    {305, FR_SAMPLING_PI, VT_UINT, "sampling_packet_interval"},
    {306, FR_SAMPLING_PS, VT_UINT, "sampling_packet_space"},
    {323, FR_BAG, VT_UINT, "observation_time_ms"},
};

static const struct ie_info *ie_find(uint16_t id)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(ie_table); i++)
        if (ie_table[i].id == id)
            return &ie_table[i];
    return NULL;
}

/* ---------------------------------------------------------------- state */

struct fkey {
    uint8_t addr[16];
    uint8_t family;
    uint8_t version;
    uint16_t tid; /* 0 for domain entries */
    uint32_t domain;
};

/* Intrusive node of a bounded hash table with FIFO order (oldest first). */
struct fnode {
    struct fnode *hnext;
    struct fnode *older, *newer;
    uint64_t h;
    struct fkey key;
};

struct ftab {
    struct fnode *b[FLOW_BUCKETS];
    struct fnode *oldest, *newest;
    size_t count, max;
};

struct tfield {
    uint16_t id;
    uint16_t len; /* 0xffff: variable length */
    uint32_t pen;
    uint8_t role;
    uint8_t vtype;
    const char *name; /* NULL: "ie<ID>" / "ie<PEN>.<ID>" built per record */
    uint8_t name_len;
};

struct tmpl {
    struct fnode node; /* first */
    bool missing;      /* announced as unknown; no fields */
    bool options;
    uint16_t nscope;
    uint16_t nfields;
    bool varlen;      /* has variable-length fields */
    size_t minlen;    /* bytes of the smallest record */
    size_t fmt_bound; /* bytes the bag strings of the fixed fields may take */
    struct tfield *f;
};

struct sampler {
    uint64_t id;
    uint64_t rate;
};

struct dom {
    struct fnode node; /* first */
    bool have_seq;
    uint32_t next_seq;
    uint64_t init_ms; /* systemInitTimeMilliseconds from options, 0 when unknown */
    uint32_t nsamplers;
    struct sampler samplers[KS_FLOW_MAX_SAMPLERS];
    struct ks_flow_stats stats;
};

struct ks_flow_state {
    struct ftab tmpls;
    struct ftab doms;
    struct ks_arena arena;
    struct ks_kv bag[KS_EVENT_MAX_BAG];
};

static void fkey_make(struct fkey *k, const struct ks_addr *a, uint8_t version, uint32_t domain,
                      uint16_t tid)
{
    memset(k, 0, sizeof *k);
    memcpy(k->addr, a->b, 16);
    k->family = a->family;
    k->version = version;
    k->tid = tid;
    k->domain = domain;
}

static struct fnode *ftab_find(const struct ftab *t, const struct fkey *k, uint64_t h)
{
    for (struct fnode *n = t->b[h & (FLOW_BUCKETS - 1)]; n; n = n->hnext)
        if (n->h == h && memcmp(&n->key, k, sizeof *k) == 0)
            return n;
    return NULL;
}

static void ftab_unlink(struct ftab *t, struct fnode *n)
{
    struct fnode **pp = &t->b[n->h & (FLOW_BUCKETS - 1)];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (KS_ALWAYS(*pp))
        *pp = n->hnext;
    if (n->older)
        n->older->newer = n->newer;
    else
        t->oldest = n->newer;
    if (n->newer)
        n->newer->older = n->older;
    else
        t->newest = n->older;
    t->count--;
}

static void ftab_link(struct ftab *t, struct fnode *n)
{
    struct fnode **b = &t->b[n->h & (FLOW_BUCKETS - 1)];
    n->hnext = *b;
    *b = n;
    n->newer = NULL;
    n->older = t->newest;
    if (t->newest)
        t->newest->newer = n;
    else
        t->oldest = n;
    t->newest = n;
    t->count++;
}

static void tmpl_free(struct tmpl *t)
{
    if (t) {
        free(t->f);
        free(t);
    }
}

static void tmpl_remove(struct ks_flow_state *st, struct tmpl *t)
{
    ftab_unlink(&st->tmpls, &t->node);
    tmpl_free(t);
}

/* Finds or creates the domain entry; NULL only when out of memory. */
static struct dom *dom_get(struct ks_flow_state *st, const struct ks_addr *exp, uint8_t version,
                           uint32_t domain)
{
    struct fkey k;
    fkey_make(&k, exp, version, domain, 0);
    uint64_t h = ks_hash64(&k, sizeof k, 0);
    struct fnode *n = ftab_find(&st->doms, &k, h);
    if (n)
        return (struct dom *)n;
    if (st->doms.count >= st->doms.max) {
        struct fnode *old = st->doms.oldest;
        ftab_unlink(&st->doms, old);
        free(old);
    }
    struct dom *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->node.key = k;
    d->node.h = h;
    d->stats.exporter = *exp;
    d->stats.domain = domain;
    d->stats.version = version;
    ftab_link(&st->doms, &d->node);
    return d;
}

int ks_flow_state_new(struct ks_flow_state **out)
{
    struct ks_flow_state *st = calloc(1, sizeof *st);
    *out = NULL;
    if (!st)
        return KS_ENOMEM;
    st->tmpls.max = KS_FLOW_MAX_TEMPLATES;
    st->doms.max = KS_FLOW_MAX_EXPORTERS;
    ks_arena_init(&st->arena, FLOW_ARENA_CHUNK, FLOW_ARENA_CAP);
    *out = st;
    return 0;
}

void ks_flow_state_free(struct ks_flow_state *st)
{
    if (!st)
        return;
    while (st->tmpls.oldest)
        tmpl_remove(st, (struct tmpl *)st->tmpls.oldest);
    while (st->doms.oldest) {
        struct fnode *n = st->doms.oldest;
        ftab_unlink(&st->doms, n);
        free(n);
    }
    ks_arena_free(&st->arena);
    free(st);
}

size_t ks_flow_get_stats(const struct ks_flow_state *st, struct ks_flow_stats *out, size_t cap)
{
    size_t i = 0;
    for (const struct fnode *n = st->doms.oldest; n; n = n->newer, i++)
        if (i < cap)
            out[i] = ((const struct dom *)n)->stats;
    return i;
}

const char *ks_flow_lost_unit(uint8_t version)
{
    return version == 9 ? "export packets" : "flow records";
}

/* ---------------------------------------------------------------- reading and formatting */

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t beN(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static size_t fmt_u64(char *o, uint64_t v)
{
    char t[20];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        o[i] = t[n - 1 - i];
    return n;
}

static size_t fmt_hex(char *o, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        o[2 * i] = hx[p[i] >> 4];
        o[2 * i + 1] = hx[p[i] & 15];
    }
    return 2 * n;
}

static size_t fmt_v4(char *o, const uint8_t *p)
{
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        if (i)
            o[n++] = '.';
        n += fmt_u64(o + n, p[i]);
    }
    return n;
}

static void addr_v4(struct ks_addr *a, const uint8_t *p)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(a->b, mapped, 12);
    memcpy(a->b + 12, p, 4);
    a->family = 4;
}

static void addr_v6(struct ks_addr *a, const uint8_t *p)
{
    memcpy(a->b, p, 16);
    a->family = 6;
}

/* Bytes a field's bag string may take (value only; an unnamed key adds KEY_MAX). */
#define KEY_MAX 24u
static size_t vt_bound(uint8_t vt, size_t len)
{
    switch (vt) {
    case VT_UINT:
        return len <= 8 ? 20 : 2 * len;
    case VT_V4:
    case VT_V6:
        return KS_ADDR_STRLEN + 2 * len;
    case VT_MAC:
        return 3 * len + 1;
    default:
        return 2 * len + 1;
    }
}

/* Formats v[0..len) as vt into o; returns the length. Values of an unexpected size fall back to
 * hex. */
static size_t vt_format(uint8_t vt, const uint8_t *v, size_t len, char *o)
{
    switch (vt) {
    case VT_UINT:
        if (len >= 1 && len <= 8)
            return fmt_u64(o, beN(v, len));
        break;
    case VT_V4:
        if (len == 4)
            return fmt_v4(o, v);
        break;
    case VT_V6:
        if (len == 16) {
            struct ks_addr a;
            addr_v6(&a, v);
            return ks_addr_format(&a, o, KS_ADDR_STRLEN);
        }
        break;
    case VT_MAC:
        if (len == 6) {
            size_t n = 0;
            for (size_t i = 0; i < 6; i++) {
                if (i)
                    o[n++] = ':';
                n += fmt_hex(o + n, v + i, 1);
            }
            return n;
        }
        break;
    case VT_STR: {
        size_t n = len;
        while (n > 0 && v[n - 1] == 0)
            n--;
        bool ok = ks_utf8_valid((const char *)v, n);
        for (size_t i = 0; ok && i < n; i++)
            ok = v[i] >= 0x20 && v[i] != 0x7f;
        if (ok) {
            memcpy(o, v, n);
            return n;
        }
        break;
    }
    default:
        break;
    }
    return fmt_hex(o, v, len);
}

/* ---------------------------------------------------------------- one datagram */

struct dgram {
    struct ks_flow_state *st;
    const struct ks_addr *exp;
    struct dom *d;
    uint8_t version;
    int64_t export_ns;
    uint32_t uptime_ms; /* v5/v9 header */
    uint32_t domain;
    uint64_t v5_rate;
    uint32_t data_records; /* IPFIX: data records in this message, for the sequence number */
    struct ks_sv observer;
    struct ks_sv dataset;
    struct ks_sv domain_sv;
    ks_flow_record_fn fn;
    void *arg;
    char *err;
    size_t errcap;
};

static int dg_bad(struct dgram *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int dg_bad(struct dgram *g, const char *fmt, ...)
{
    if (g->err && g->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->err, g->errcap, fmt, ap);
        va_end(ap);
    }
    return KS_EFORMAT;
}

static void seq_check(struct dom *d, uint32_t seq, uint32_t advance)
{
    if (d->have_seq && seq != d->next_seq) {
        uint32_t gap = seq - d->next_seq;
        if (gap < 0x80000000u) {
            d->stats.lost += gap;
        } else if (0u - gap <= FLOW_RESTART_GAP) {
            /* A late datagram: what it carries was counted lost when the gap opened. */
            d->stats.reordered++;
            d->stats.lost -= KS_MIN(d->stats.lost, (uint64_t)advance);
            return;
        }
        /* else: the exporter restarted; resynchronise */
    }
    d->have_seq = true;
    d->next_seq = seq + advance;
}

static uint64_t dom_rate(const struct dom *d, bool have_id, uint64_t id)
{
    for (uint32_t i = 0; i < d->nsamplers; i++)
        if (d->samplers[i].id == (have_id ? id : 0))
            return d->samplers[i].rate;
    if (d->nsamplers == 1)
        return d->samplers[0].rate;
    return 0;
}

static void dom_set_rate(struct dom *d, uint64_t id, uint64_t rate)
{
    uint32_t i;
    for (i = 0; i < d->nsamplers; i++)
        if (d->samplers[i].id == id)
            break;
    if (i == d->nsamplers) {
        if (d->nsamplers == KS_FLOW_MAX_SAMPLERS)
            i = KS_FLOW_MAX_SAMPLERS - 1; /* replace the last one */
        else
            d->nsamplers++;
    }
    d->samplers[i] = (struct sampler){id, rate};
}

/* NTP format (RFC 7011 dateTimeMicroseconds/Nanoseconds) into ns since 1970; the fraction is
 * rounded to the element's precision (us: the low 11 bits are not significant). */
static int64_t ntp_to_ns(uint64_t v, bool micro)
{
    int64_t secs = (int64_t)(v >> 32) - NTP_UNIX_DELTA;
    uint64_t frac = ((v & 0xffffffffu) * UINT64_C(1000000000) + (UINT64_C(1) << 31)) >> 32;
    if (micro)
        frac = (frac + 500) / 1000 * 1000;
    return secs * KS_NS_PER_SEC + (int64_t)frac;
}

/* Record-local values the fields set. */
struct rec {
    uint64_t bytes_total, pkts_total;
    bool have_bytes, have_pkts, have_bytes_total, have_pkts_total;
    bool have_start_up, have_end_up, have_start, have_end, have_init, have_dur;
    bool have_start_dus, have_end_dus;
    bool have_sampler, have_rate;
    uint64_t start_up, end_up, init_ms;
    int64_t start, end, dur;
    uint64_t start_dus, end_dus;
    uint64_t sampler, rate, pi, ps;
};

static int add_bag(struct dgram *g, uint32_t *nbag, const char *k, size_t kn, const char *v,
                   size_t vn)
{
    if (*nbag >= KS_EVENT_MAX_BAG)
        return 0; /* dropped: the bag is full */
    g->st->bag[(*nbag)++] = (struct ks_kv){ks_sv_make(k, kn), ks_sv_make(v, vn)};
    return 0;
}

/* Decodes the record at r[0..avail) with template t; OUT *used its length. Options records
 * update the domain; flow records are handed to g->fn. */
static int decode_record(struct dgram *g, const struct tmpl *t, const uint8_t *r, size_t avail,
                         size_t *used)
{
    struct ks_event ev;
    struct rec x;
    uint32_t nbag = 0;
    size_t off = 0;
    char *s = NULL, *s0 = NULL;
    size_t scap = 0;

    memset(&x, 0, sizeof x);
    if (!t->options) {
        memset(&ev, 0, sizeof ev);
        /* A bound for every string this record may produce: fixed fields, plus variable-length
         * ones (at most the record's bytes, hex) and the per-record entries. */
        scap = t->fmt_bound + (t->varlen ? 3 * avail : 0) + 96;
        s0 = s = ks_arena_alloc(&g->st->arena, scap);
        if (!s)
            return dg_bad(g, "out of memory for record strings");
    }
    for (uint16_t i = 0; i < t->nfields; i++) {
        const struct tfield *f = &t->f[i];
        size_t len = f->len;
        if (len == 0xffff) {
            if (off >= avail)
                return dg_bad(g, "template %u: record overruns its set", t->node.key.tid);
            len = r[off++];
            if (len == 255) {
                if (avail - off < 2)
                    return dg_bad(g, "template %u: record overruns its set", t->node.key.tid);
                len = be16(r + off);
                off += 2;
            }
        }
        if (len > avail - off)
            return dg_bad(g, "template %u: record overruns its set", t->node.key.tid);
        const uint8_t *v = r + off;
        off += len;
        uint64_t u = len >= 1 && len <= 8 ? beN(v, len) : 0;
        bool uok = len >= 1 && len <= 8;
        switch (f->role) {
        case FR_IGNORE:
            continue;
        case FR_SAMPLER_ID:
            if (uok) {
                x.sampler = u;
                x.have_sampler = true;
            }
            break; /* also in the bag */
        case FR_SAMPLING:
            if (uok && u) {
                x.rate = u;
                x.have_rate = true;
            }
            break;
        case FR_SAMPLING_PI:
            x.pi = u;
            break;
        case FR_SAMPLING_PS:
            x.ps = u;
            break;
        case FR_INIT_MS:
            if (uok) {
                x.init_ms = u;
                x.have_init = true;
            }
            continue;
        default:
            break;
        }
        if (t->options)
            continue;
        switch (f->role) {
        case FR_BYTES:
            if (!uok)
                break;
            ev.bytes_out = u;
            x.have_bytes = true;
            continue;
        case FR_PKTS:
            if (!uok)
                break;
            ev.pkts_out = u;
            x.have_pkts = true;
            continue;
        case FR_BYTES_TOTAL:
            x.bytes_total = u;
            x.have_bytes_total = uok;
            break;
        case FR_PKTS_TOTAL:
            x.pkts_total = u;
            x.have_pkts_total = uok;
            break;
        case FR_REV_BYTES:
            if (!uok)
                break;
            ev.bytes_in = u;
            continue;
        case FR_REV_PKTS:
            if (!uok)
                break;
            ev.pkts_in = u;
            continue;
        case FR_PROTO:
            if (len != 1)
                break;
            ev.proto = (uint8_t)u;
            continue;
        case FR_SRC_PORT:
            if (len != 2)
                break;
            ev.src_port = (uint16_t)u;
            continue;
        case FR_DST_PORT:
            if (len != 2)
                break;
            ev.dst_port = (uint16_t)u;
            continue;
        case FR_SRC4:
            if (len != 4)
                break;
            if (ev.src.family != 6 || memcmp(v, "\0\0\0\0", 4) != 0)
                addr_v4(&ev.src, v);
            continue;
        case FR_DST4:
            if (len != 4)
                break;
            if (ev.dst.family != 6 || memcmp(v, "\0\0\0\0", 4) != 0)
                addr_v4(&ev.dst, v);
            continue;
        case FR_SRC6:
            if (len != 16)
                break;
            if (ev.src.family != 4 || !(v[0] == 0 && memcmp(v, v + 1, 15) == 0))
                addr_v6(&ev.src, v);
            continue;
        case FR_DST6:
            if (len != 16)
                break;
            if (ev.dst.family != 4 || !(v[0] == 0 && memcmp(v, v + 1, 15) == 0))
                addr_v6(&ev.dst, v);
            continue;
        case FR_START_UP:
            if (!uok)
                break;
            x.start_up = u;
            x.have_start_up = true;
            continue;
        case FR_END_UP:
            if (!uok)
                break;
            x.end_up = u;
            x.have_end_up = true;
            continue;
        case FR_START_S:
        case FR_END_S:
        case FR_START_MS:
        case FR_END_MS:
        case FR_START_US:
        case FR_END_US:
        case FR_START_NS:
        case FR_END_NS: {
            if (!uok)
                break;
            int64_t ns;
            uint8_t ro = f->role;
            if (ro == FR_START_S || ro == FR_END_S)
                ns = (int64_t)KS_MIN(u, FLOW_MAX_SECS) * KS_NS_PER_SEC;
            else if (ro == FR_START_MS || ro == FR_END_MS)
                ns = (int64_t)KS_MIN(u, FLOW_MAX_SECS * 1000) * 1000000;
            else if (len == 8)
                ns = ntp_to_ns(u, ro == FR_START_US || ro == FR_END_US);
            else
                break;
            bool start = ro == FR_START_S || ro == FR_START_MS || ro == FR_START_US ||
                         ro == FR_START_NS;
            if (start && !x.have_start) {
                x.start = ns;
                x.have_start = true;
            } else if (!start && !x.have_end) {
                x.end = ns;
                x.have_end = true;
            }
            continue;
        }
        case FR_START_DUS:
            if (!uok)
                break;
            x.start_dus = u;
            x.have_start_dus = true;
            continue;
        case FR_END_DUS:
            if (!uok)
                break;
            x.end_dus = u;
            x.have_end_dus = true;
            continue;
        case FR_DUR_MS:
        case FR_DUR_US:
            if (!uok || x.have_dur)
                break;
            x.dur = (int64_t)(u & 0xffffffffu) * (f->role == FR_DUR_MS ? 1000000 : 1000);
            x.have_dur = true;
            continue;
        default:
            break;
        }
        /* The bag. */
        const char *key = f->name;
        size_t kn;
        if (key) {
            kn = f->name_len;
        } else {
            key = s;
            memcpy(s, "ie", 2);
            kn = 2;
            if (f->pen) {
                kn += fmt_u64(s + kn, f->pen);
                s[kn++] = '.';
            }
            kn += fmt_u64(s + kn, f->id);
            s += kn;
        }
        size_t vn = vt_format(f->vtype, v, len, s);
        add_bag(g, &nbag, key, kn, s, vn);
        s += vn;
        if (KS_NEVER((size_t)(s - s0) > scap))
            return dg_bad(g, "record strings overflow");
    }
    *used = off;
    if (t->options) {
        g->d->stats.options++;
        if (x.have_init)
            g->d->init_ms = x.init_ms;
        uint64_t orate = x.have_rate ? x.rate : x.pi ? (x.pi + x.ps) / x.pi : 0;
        if (orate)
            dom_set_rate(g->d, x.have_sampler ? x.sampler : 0, orate);
        return 0;
    }

    /* Counters: totals only stand in when no delta counter was sent. */
    if (!x.have_bytes && x.have_bytes_total)
        ev.bytes_out = x.bytes_total;
    if (!x.have_pkts && x.have_pkts_total)
        ev.pkts_out = x.pkts_total;

    /* Times (design note in docs/formats.md). */
    int64_t start = 0, end = 0;
    bool hs = x.have_start, he = x.have_end;
    start = x.start;
    end = x.end;
    if (!hs && x.have_start_up) {
        if (g->version != 10) {
            uint32_t ago = g->uptime_ms - (uint32_t)x.start_up; /* modulo 2^32: wraps */
            start = g->export_ns - (int64_t)ago * 1000000;
            hs = true;
        } else if (x.have_init || g->d->init_ms) {
            uint64_t init = x.have_init ? x.init_ms : g->d->init_ms;
            uint64_t ms = KS_MIN(init + (x.start_up & 0xffffffffu), FLOW_MAX_SECS * 1000);
            start = (int64_t)ms * 1000000;
            hs = true;
        }
    }
    if (!he && x.have_end_up) {
        if (g->version != 10) {
            uint32_t ago = g->uptime_ms - (uint32_t)x.end_up;
            end = g->export_ns - (int64_t)ago * 1000000;
            he = true;
        } else if (x.have_init || g->d->init_ms) {
            uint64_t init = x.have_init ? x.init_ms : g->d->init_ms;
            uint64_t ms = KS_MIN(init + (x.end_up & 0xffffffffu), FLOW_MAX_SECS * 1000);
            end = (int64_t)ms * 1000000;
            he = true;
        }
    }
    if (!hs && x.have_start_dus) {
        start = g->export_ns - (int64_t)(x.start_dus & 0xffffffffffu) * 1000;
        hs = true;
    }
    if (!he && x.have_end_dus) {
        end = g->export_ns - (int64_t)(x.end_dus & 0xffffffffffu) * 1000;
        he = true;
    }
    if (!hs && he && x.have_dur) {
        start = end - x.dur;
        hs = true;
    }
    if (hs && !he && x.have_dur) {
        end = start + x.dur;
        he = true;
    }
    if (!hs) {
        start = he ? end : g->export_ns;
        hs = true;
    }
    ev.ts = start;
    ev.duration = he && end > start ? (uint64_t)end - (uint64_t)start : 0;

    /* Sampling: the record's own rate, else its sampler's, else the domain's default. */
    uint64_t rate = 0;
    if (x.have_rate)
        rate = x.rate;
    else if (x.pi)
        rate = (x.pi + x.ps) / x.pi;
    else if (g->version == 5)
        rate = g->v5_rate;
    else
        rate = dom_rate(g->d, x.have_sampler, x.sampler);
    if (rate) {
        size_t n = fmt_u64(s, rate);
        add_bag(g, &nbag, "sampling_rate", 13, s, n);
        s += n;
    }
    add_bag(g, &nbag, "observation_domain", 18, g->domain_sv.p, g->domain_sv.n);

    ev.kind = KS_KIND_FLOW;
    ev.observer = g->observer;
    ev.dataset = g->dataset;
    if (nbag) {
        struct ks_kv *bag = ks_arena_alloc(&g->st->arena, nbag * sizeof *bag);
        if (!bag)
            return dg_bad(g, "out of memory for the bag");
        memcpy(bag, g->st->bag, nbag * sizeof *bag);
        ev.bag = bag;
        ev.nbag = nbag;
    }
    g->d->stats.records++;
    return g->fn ? g->fn(g->arg, &ev) : 0;
}

/* ---------------------------------------------------------------- templates */

static struct tmpl *tmpl_lookup(struct dgram *g, uint16_t tid)
{
    struct fkey k;
    fkey_make(&k, g->exp, g->version, g->domain, tid);
    return (struct tmpl *)ftab_find(&g->st->tmpls, &k, ks_hash64(&k, sizeof k, 0));
}

/* Stores t (takes ownership) under tid, replacing an older definition or marker. */
static int tmpl_store(struct dgram *g, uint16_t tid, struct tmpl *t)
{
    struct ks_flow_state *st = g->st;
    struct tmpl *old = tmpl_lookup(g, tid);
    if (old)
        tmpl_remove(st, old);
    fkey_make(&t->node.key, g->exp, g->version, g->domain, tid);
    t->node.h = ks_hash64(&t->node.key, sizeof t->node.key, 0);
    if (st->tmpls.count >= st->tmpls.max)
        tmpl_remove(st, (struct tmpl *)st->tmpls.oldest);
    ftab_link(&st->tmpls, &t->node);
    return 0;
}

static void tmpl_withdraw(struct dgram *g, uint16_t tid)
{
    struct tmpl *t = tmpl_lookup(g, tid);
    if (t && !t->missing) {
        tmpl_remove(g->st, t);
        g->d->stats.withdrawn++;
    }
}

/* IPFIX all-templates withdrawal: every (options) template of this exporter and domain. */
static void tmpl_withdraw_all(struct dgram *g, bool options)
{
    struct fnode *n = g->st->tmpls.oldest;
    while (n) {
        struct fnode *next = n->newer;
        struct tmpl *t = (struct tmpl *)n;
        if (!t->missing && t->options == options && n->key.version == g->version &&
            n->key.domain == g->domain && n->key.family == g->exp->family &&
            memcmp(n->key.addr, g->exp->b, 16) == 0) {
            tmpl_remove(g->st, t);
            g->d->stats.withdrawn++;
        }
        n = next;
    }
}

/* Parses one template record's field specifiers at p[0..avail): nfields of them, the first nscope
 * being scope fields (v9: from a separate scope namespace). OUT *used, OUT *out (caller owns). */
static int tmpl_parse(struct dgram *g, uint16_t tid, const uint8_t *p, size_t avail,
                      uint32_t nfields, uint32_t nscope, bool options, bool v9_scope,
                      size_t *used, struct tmpl **out)
{
    size_t off = 0;
    int rc = KS_ENOMEM;
    struct tmpl *t = NULL;
    *out = NULL;
    if (nfields > KS_FLOW_MAX_FIELDS)
        return dg_bad(g, "template %u: %u fields (limit %u)", tid, nfields, KS_FLOW_MAX_FIELDS);
    t = calloc(1, sizeof *t);
    if (!t || !(t->f = calloc(nfields ? nfields : 1, sizeof *t->f)))
        goto out;
    t->options = options;
    t->nscope = (uint16_t)nscope;
    t->nfields = (uint16_t)nfields;
    for (uint32_t i = 0; i < nfields; i++) {
        struct tfield *f = &t->f[i];
        if (avail - off < 4) {
            rc = dg_bad(g, "template %u: field list overruns its set", tid);
            goto out;
        }
        uint16_t id = be16(p + off);
        f->len = be16(p + off + 2);
        off += 4;
        if (g->version == 10 && (id & 0x8000)) {
            if (avail - off < 4) {
                rc = dg_bad(g, "template %u: field list overruns its set", tid);
                goto out;
            }
            f->pen = be32(p + off);
            off += 4;
            id &= 0x7fff;
        }
        f->id = id;
        if (f->len == 0xffff && g->version != 10) {
            rc = dg_bad(g, "template %u: variable-length field in NetFlow v9", tid);
            goto out;
        }
        t->minlen += f->len == 0xffff ? 1 : f->len;
        t->varlen |= f->len == 0xffff;
        if (v9_scope && i < nscope) {
            f->role = FR_IGNORE;
            continue;
        }
        if (f->pen == FLOW_PEN_REVERSE && (id == 1 || id == 2)) {
            f->role = id == 1 ? FR_REV_BYTES : FR_REV_PKTS;
            f->vtype = VT_UINT;
        } else if (f->pen == 0) {
            const struct ie_info *ie = ie_find(id);
            f->role = ie ? ie->role : FR_BAG;
            f->vtype = ie ? ie->vtype : VT_HEX;
            f->name = ie ? ie->name : NULL;
            f->name_len = ie ? (uint8_t)strlen(ie->name) : 0;
        } else {
            f->role = FR_BAG;
            f->vtype = VT_HEX;
        }
        if (f->len != 0xffff)
            t->fmt_bound += vt_bound(f->vtype, f->len) + (f->name ? 0 : KEY_MAX);
        else
            t->fmt_bound += KEY_MAX + KS_ADDR_STRLEN;
    }
    if (t->minlen == 0) {
        rc = dg_bad(g, "template %u: records of zero length", tid);
        goto out;
    }
    *used = off;
    *out = t;
    t = NULL;
    rc = 0;
out:
    tmpl_free(t);
    return rc;
}

/* A template set (v9 flowset 0/1, IPFIX set 2/3) at p[0..n). */
static int parse_template_set(struct dgram *g, const uint8_t *p, size_t n, bool options)
{
    size_t off = 0;
    /* v9 options templates need 6 header bytes, every other template record 4. */
    size_t hdr = options && g->version == 9 ? 6 : 4;
    while (n - off >= hdr) {
        uint16_t tid = be16(p + off);
        uint32_t nfields, nscope = 0;
        struct tmpl *t;
        size_t used = 0;
        int rc;
        if (g->version == 9 && options) {
            uint16_t scope_len = be16(p + off + 2), opt_len = be16(p + off + 4);
            if (tid == 0 && scope_len == 0 && opt_len == 0)
                break; /* padding */
            if (scope_len % 4 || opt_len % 4)
                return dg_bad(g, "options template %u: lengths not multiples of 4", tid);
            nscope = scope_len / 4u;
            nfields = nscope + opt_len / 4u;
            off += 6;
        } else {
            nfields = be16(p + off + 2);
            off += 4;
            if (tid == 0 && nfields == 0)
                break; /* padding */
            if (nfields == 0) {
                if (g->version == 10 && tid == (options ? 3 : 2))
                    tmpl_withdraw_all(g, options);
                else
                    tmpl_withdraw(g, tid);
                continue;
            }
            if (options && g->version == 10) {
                if (n - off < 2)
                    return dg_bad(g, "options template %u: truncated", tid);
                nscope = be16(p + off);
                off += 2;
                if (nscope == 0 || nscope > nfields)
                    return dg_bad(g, "options template %u: %u scope fields of %u", tid, nscope,
                                  nfields);
            }
        }
        if (tid < 256)
            return dg_bad(g, "template id %u below 256", tid);
        rc = tmpl_parse(g, tid, p + off, n - off, nfields, nscope, options, g->version == 9, &used,
                        &t);
        if (rc)
            return rc;
        off += used;
        tmpl_store(g, tid, t);
        g->d->stats.templates++;
    }
    return 0;
}

static int parse_data_set(struct dgram *g, uint16_t tid, const uint8_t *p, size_t n)
{
    struct tmpl *t = tmpl_lookup(g, tid);
    if (!t || t->missing) {
        g->d->stats.no_template++;
        if (!t) {
            char a[KS_ADDR_STRLEN];
            ks_addr_format(g->exp, a, sizeof a);
            ks_log_warn("%s: exporter %s domain %u: data for unknown template %u (counted, not "
                        "reported again)",
                        g->dataset.p, a, g->domain, tid);
            struct tmpl *m = calloc(1, sizeof *m);
            if (m) {
                m->missing = true;
                tmpl_store(g, tid, m);
            }
        }
        return 0;
    }
    size_t off = 0;
    while (n - off >= t->minlen) {
        size_t used = 0;
        int rc = decode_record(g, t, p + off, n - off, &used);
        if (rc)
            return rc;
        off += used;
        g->data_records++;
    }
    return 0; /* the rest is padding */
}

/* v9 flowsets and IPFIX sets from p[off..n). */
static int parse_sets(struct dgram *g, const uint8_t *p, size_t n, size_t off)
{
    const char *what = g->version == 9 ? "flowset" : "set";
    while (n - off >= 4) {
        uint16_t id = be16(p + off), len = be16(p + off + 2);
        if (len < 4 || len > n - off)
            return dg_bad(g, "%s %u at byte %zu: length %u overruns the datagram", what, id, off,
                          len);
        const uint8_t *b = p + off + 4;
        size_t bn = len - 4u;
        int rc = 0;
        if (g->version == 9 && (id == 0 || id == 1))
            rc = parse_template_set(g, b, bn, id == 1);
        else if (g->version == 10 && (id == 2 || id == 3))
            rc = parse_template_set(g, b, bn, id == 3);
        else if (id >= 256)
            rc = parse_data_set(g, id, b, bn);
        /* else: a reserved set id, skipped */
        if (rc)
            return rc;
        off += len;
    }
    if (g->version == 10 && off != n)
        return dg_bad(g, "%zu stray bytes after the last set", n - off);
    return 0; /* v9: a few bytes of padding after the last flowset */
}

static int decode_v5(struct dgram *g, const uint8_t *p, size_t n)
{
#define V5M(id, len, role) {id, len, 0, role, VT_UINT, NULL, 0}
#define V5B(id, len, vt, name) {id, len, 0, FR_BAG, vt, name, sizeof(name) - 1}
    static const struct tfield v5f[] = {
        V5M(8, 4, FR_SRC4),     V5M(12, 4, FR_DST4),     V5B(15, 4, VT_V4, "next_hop"),
        V5B(10, 2, VT_UINT, "in_if"), V5B(14, 2, VT_UINT, "out_if"), V5M(2, 4, FR_PKTS),
        V5M(1, 4, FR_BYTES),    V5M(22, 4, FR_START_UP), V5M(21, 4, FR_END_UP),
        V5M(7, 2, FR_SRC_PORT), V5M(11, 2, FR_DST_PORT), V5M(0, 1, FR_IGNORE),
        V5B(6, 1, VT_UINT, "tcp_flags"), V5M(4, 1, FR_PROTO), V5B(5, 1, VT_UINT, "tos"),
        V5B(16, 2, VT_UINT, "src_as"), V5B(17, 2, VT_UINT, "dst_as"),
        V5B(9, 1, VT_UINT, "src_mask"), V5B(13, 1, VT_UINT, "dst_mask"), V5M(0, 2, FR_IGNORE),
    };
#undef V5M
#undef V5B
    struct tmpl t;
    if (n < 24)
        return dg_bad(g, "v5: %zu-byte header", n);
    uint16_t count = be16(p + 2);
    if (count == 0 || count > 30 || n < 24u + 48u * count)
        return dg_bad(g, "v5: %zu bytes for %u records", n, count);
    memset(&t, 0, sizeof t);
    t.nfields = KS_ARRAY_LEN(v5f);
    t.f = (struct tfield *)v5f;
    t.minlen = 48;
    for (size_t i = 0; i < KS_ARRAY_LEN(v5f); i++)
        t.fmt_bound += vt_bound(v5f[i].vtype, v5f[i].len);
    uint32_t seq = be32(p + 16);
    uint16_t samp = be16(p + 22);
    g->v5_rate = samp & 0x3fff;
    seq_check(g->d, seq, count);
    for (uint16_t i = 0; i < count; i++) {
        size_t used;
        int rc = decode_record(g, &t, p + 24 + 48u * i, 48, &used);
        if (rc)
            return rc;
    }
    return 0;
}

bool ks_flow_looks_like_export(const uint8_t *p, size_t n)
{
    if (n < 4)
        return false;
    switch (be16(p)) {
    case 5: {
        uint16_t c = be16(p + 2);
        return n >= 24 && c >= 1 && c <= 30; /* a short one is a damaged export */
    }
    case 9:
        return n >= 20;
    case 10:
        return n >= 16 && be16(p + 2) >= 16 && be16(p + 2) <= n;
    default:
        return false;
    }
}

int ks_flow_decode(struct ks_flow_state *st, const struct ks_addr *exporter, int64_t recv_ts,
                   const uint8_t *p, size_t n, ks_flow_record_fn fn, void *arg, char *err,
                   size_t errcap)
{
    static const struct ks_addr none;
    struct dgram g;
    char a[KS_ADDR_STRLEN];
    char *sv;
    int rc;

    if (err && errcap)
        err[0] = '\0';
    if (!st || (!p && n))
        return KS_EINVAL;
    ks_arena_reset(&st->arena);
    if (n < 4)
        return KS_EUNSUPPORTED;
    memset(&g, 0, sizeof g);
    g.st = st;
    g.exp = exporter ? exporter : &none;
    g.fn = fn;
    g.arg = arg;
    g.err = err;
    g.errcap = errcap;
    g.version = (uint8_t)be16(p);
    switch (be16(p)) {
    case 5:
        if (n < 24)
            return dg_bad(&g, "v5: %zu-byte header", n);
        g.uptime_ms = be32(p + 4);
        g.export_ns = (int64_t)be32(p + 8) * KS_NS_PER_SEC +
                      (be32(p + 12) < 1000000000u ? be32(p + 12) : 0);
        g.domain = (uint32_t)p[20] << 8 | p[21];
        g.dataset = ks_sv_make("netflow.v5", 10);
        break;
    case 9:
        if (n < 20)
            return dg_bad(&g, "v9: %zu-byte header", n);
        g.uptime_ms = be32(p + 4);
        g.export_ns = (int64_t)be32(p + 8) * KS_NS_PER_SEC;
        g.domain = be32(p + 16);
        g.dataset = ks_sv_make("netflow.v9", 10);
        break;
    case 10: {
        if (n < 16)
            return dg_bad(&g, "ipfix: %zu-byte header", n);
        uint16_t len = be16(p + 2);
        if (len < 16 || len > n)
            return dg_bad(&g, "ipfix: message length %u, datagram %zu bytes", len, n);
        n = len;
        g.export_ns = (int64_t)be32(p + 4) * KS_NS_PER_SEC;
        g.domain = be32(p + 12);
        g.dataset = ks_sv_make("ipfix", 5);
        break;
    }
    default:
        return KS_EUNSUPPORTED;
    }
    if (g.export_ns == 0)
        g.export_ns = recv_ts;
    g.d = dom_get(st, g.exp, g.version, g.domain);
    if (!g.d)
        return KS_ENOMEM;
    g.d->stats.packets++;
    size_t an = g.exp->family ? ks_addr_format(g.exp, a, sizeof a) : 0;
    sv = ks_arena_alloc(&st->arena, an + 12);
    if (!sv)
        return KS_ENOMEM;
    memcpy(sv, a, an);
    g.observer = ks_sv_make(sv, an);
    size_t dn = fmt_u64(sv + an, g.domain);
    g.domain_sv = ks_sv_make(sv + an, dn);

    if (g.version == 5)
        return decode_v5(&g, p, n);
    if (g.version == 9) {
        seq_check(g.d, be32(p + 12), 1);
        return parse_sets(&g, p, n, 20);
    }
    rc = parse_sets(&g, p, n, 16);
    seq_check(g.d, be32(p + 8), g.data_records);
    return rc;
}
