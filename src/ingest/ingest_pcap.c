/* SPDX-License-Identifier: MIT */
/*
 * ingest_pcap.c - the "pcap" parser: capture files (libpcap classic, either byte order, micro- or
 * nanosecond; pcapng sections, interfaces, enhanced/simple/obsolete packet blocks) of NetFlow and
 * IPFIX export traffic. Each packet is unwrapped (Ethernet with 802.1Q/802.1ad tags, Linux cooked
 * SLL/SLL2, raw IP, BSD loopback) down to its UDP payload, which ingest_flow.c decodes with the
 * IPv4/IPv6 source address as the exporter and the capture time as the receive time.
 *
 * Design:
 *  1. The file is read straight from the framework's buffer (no libpcap: BENCHMARKS.md says why),
 *     one packet record or pcapng block per step, with the INCOMPLETE protocol.
 *  2. A packet may hold many flow records but next() returns one event per call: the decoded
 *     events wait in a queue (their strings live in the flow decoder's arena until the next
 *     datagram). Every queued event but the last consumes one byte of the packet, the last one
 *     the rest, so each flow record has its own offset (packet offset + index) and no call
 *     consumes zero bytes. A datagram damaged after some records adds one MALFORMED at the end.
 *  3. Packets that are not UDP, not flow exports, or IP fragments (not reassembled) are SKIPs and
 *     counted; sequence losses, data without templates and fragments are reported as warnings
 *     when the input ends.
 *  4. A record header that cannot be right (a length beyond any snap length) ends the input as
 *     malformed: there is no way to find the next record.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_flow.h"
#include "ingest/ingest_int.h"

#define PCAP_MAX_PACKET (1u << 20) /* record length limit (libpcap's largest snaplen: 256 KiB) */
#define PCAPNG_MAX_BLOCK (8u << 20)
#define PCAPNG_MAX_IFACES 256u
#define PCAP_MAX_QUEUE 65536u         /* events from one datagram (each record takes >= 1 byte) */

#define SHB_TYPE 0x0A0D0D0Au
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

enum pcap_mode { PM_START, PM_PCAP, PM_PCAPNG, PM_DEAD };

struct pcap_iface {
    uint16_t linktype;
    uint8_t tsresol;    /* pcapng if_tsresol */
    int64_t tsoffset_s; /* if_tsoffset */
};

struct pcap_state {
    enum pcap_mode mode;
    bool swap;    /* classic: file byte order differs from little endian reading */
    bool nsec;    /* classic: nanosecond timestamps */
    bool ng_be;   /* pcapng: the current section is big endian */
    uint32_t linktype;
    uint32_t nifaces;
    struct pcap_iface ifaces[PCAPNG_MAX_IFACES];
    struct ks_flow_state *flow;
    /* the current packet's decoded events */
    struct ks_event *q;
    size_t qn, qcap, qpos;
    bool q_bad;
    size_t pkt_left; /* bytes of the current packet not consumed yet */
    char q_err[200];
    /* counters */
    uint64_t packets, not_udp, not_flow, fragments, bad_link;
    bool reported;
    char path[256];
};

/* ---------------------------------------------------------------- byte order */

static uint16_t rd16(const uint8_t *p, bool be)
{
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t rd32(const uint8_t *p, bool be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---------------------------------------------------------------- end of input */

static void pcap_report(struct pcap_state *st)
{
    struct ks_flow_stats s[64];
    if (st->reported)
        return;
    st->reported = true;
    size_t n = ks_flow_get_stats(st->flow, s, KS_ARRAY_LEN(s));
    for (size_t i = 0; i < KS_MIN(n, KS_ARRAY_LEN(s)); i++) {
        char a[KS_ADDR_STRLEN];
        ks_addr_format(&s[i].exporter, a, sizeof a);
        if (s[i].lost)
            ks_log_warn("pcap: %s: exporter %s domain %u: %" PRIu64 " %s lost", st->path, a,
                        s[i].domain, s[i].lost, ks_flow_lost_unit(s[i].version));
        if (s[i].no_template)
            ks_log_warn("pcap: %s: exporter %s domain %u: %" PRIu64
                        " data sets without a template skipped",
                        st->path, a, s[i].domain, s[i].no_template);
    }
    if (n > KS_ARRAY_LEN(s))
        ks_log_warn("pcap: %s: %zu exporter domains, counters shown for %zu", st->path, n,
                    KS_ARRAY_LEN(s));
    if (st->packets)
        ks_log_info("pcap: %s: %" PRIu64 " packets, %" PRIu64 " not UDP, %" PRIu64
                    " UDP but not NetFlow/IPFIX",
                    st->path, st->packets, st->not_udp, st->not_flow);
    if (st->fragments)
        ks_log_warn("pcap: %s: %" PRIu64 " IP fragments skipped (not reassembled)", st->path,
                    st->fragments);
    if (st->bad_link)
        ks_log_warn("pcap: %s: %" PRIu64 " packets of an unsupported link type skipped", st->path,
                    st->bad_link);
}

/* ---------------------------------------------------------------- the event queue */

static int queue_push(void *arg, const struct ks_event *ev)
{
    struct pcap_state *st = arg;
    if (st->qn == st->qcap) {
        if (st->qcap >= PCAP_MAX_QUEUE)
            return KS_ETOOBIG;
        size_t cap = st->qcap ? 2 * st->qcap : 64;
        struct ks_event *q = realloc(st->q, cap * sizeof *q);
        if (!q)
            return KS_ENOMEM;
        st->q = q;
        st->qcap = cap;
    }
    st->q[st->qn++] = *ev;
    return 0;
}

/* Hands out the next queued item of the current packet (design note 2). */
static int queue_pop(struct pcap_state *st, struct ks_parse_ctx *ctx, size_t *consumed,
                     struct ks_event *ev)
{
    size_t left = st->qn - st->qpos + (st->q_bad ? 1 : 0);
    if (left == 0 || KS_NEVER(st->pkt_left < left)) {
        *consumed = st->pkt_left;
        st->pkt_left = 0;
        st->qn = st->qpos = 0;
        st->q_bad = false;
        return KS_PARSE_SKIP;
    }
    if (left == 1) {
        *consumed = st->pkt_left;
        st->pkt_left = 0;
    } else {
        *consumed = 1;
        st->pkt_left--;
    }
    if (st->qpos < st->qn) {
        *ev = st->q[st->qpos++];
        if (st->qpos == st->qn && !st->q_bad)
            st->qn = st->qpos = 0;
        return KS_PARSE_EVENT;
    }
    st->q_bad = false;
    st->qn = st->qpos = 0;
    return ks_ingest_bad(ctx, "%s", st->q_err);
}

/* ---------------------------------------------------------------- one packet */

/* Finds the UDP payload of a packet of link type lt. Returns KS_PARSE_EVENT with OUT *pl, *pn and
 * the source address, KS_PARSE_SKIP when the packet is not a whole UDP datagram, or
 * KS_PARSE_MALFORMED (ctx->err set). */
static int pcap_udp(struct pcap_state *st, struct ks_parse_ctx *ctx, uint32_t lt,
                    const uint8_t *p, size_t n, const uint8_t **pl, size_t *pn,
                    struct ks_addr *src)
{
    size_t off = 0;
    uint32_t et = 0; /* ethertype, or 4/6 for "by the version nibble" */
    switch (lt) {
    case 1: /* Ethernet */
        if (n < 14)
            return ks_ingest_bad(ctx, "ethernet frame of %zu bytes", n);
        et = rd16(p + 12, true);
        off = 14;
        for (int tags = 0; (et == 0x8100 || et == 0x88a8 || et == 0x9100) && tags < 4; tags++) {
            if (n - off < 4)
                return ks_ingest_bad(ctx, "VLAN tag cut short");
            et = rd16(p + off + 2, true);
            off += 4;
        }
        break;
    case 113: /* Linux cooked v1 */
        if (n < 16)
            return ks_ingest_bad(ctx, "SLL header cut short");
        et = rd16(p + 14, true);
        off = 16;
        break;
    case 276: /* Linux cooked v2 */
        if (n < 20)
            return ks_ingest_bad(ctx, "SLL2 header cut short");
        et = rd16(p, true);
        off = 20;
        break;
    case 12:  /* DLT_RAW on most systems */
    case 14:  /* DLT_RAW on OpenBSD */
    case 101: /* LINKTYPE_RAW */
    case 228: /* IPv4 */
    case 229: /* IPv6 */
        et = 0;
        break;
    case 0:   /* BSD loopback: AF_ value in host byte order */
    case 108: /* OpenBSD loopback: network byte order */
        if (n < 4)
            return ks_ingest_bad(ctx, "loopback header cut short");
        off = 4;
        et = 0;
        break;
    default:
        st->bad_link++;
        return KS_PARSE_SKIP;
    }
    if (et == 0) {
        if (n - off < 1)
            return KS_PARSE_SKIP;
        et = (p[off] >> 4) == 4 ? 0x0800 : (p[off] >> 4) == 6 ? 0x86dd : 1;
    }
    const uint8_t *ip = p + off;
    size_t in = n - off, l4;
    uint8_t proto;
    if (et == 0x0800) {
        if (in < 20 || (ip[0] >> 4) != 4)
            return ks_ingest_bad(ctx, "IPv4 header cut short");
        size_t ihl = (size_t)(ip[0] & 15) * 4, tot = rd16(ip + 2, true);
        if (ihl < 20 || tot < ihl || in < ihl)
            return ks_ingest_bad(ctx, "IPv4 header lengths %zu/%zu", ihl, tot);
        if (rd16(ip + 6, true) & 0x3fff) {
            st->fragments++;
            return KS_PARSE_SKIP;
        }
        if (tot < in)
            in = tot; /* Ethernet padding */
        proto = ip[9];
        memset(src, 0, sizeof *src);
        ks_addr_from_v4(rd32(ip + 12, true), src);
        l4 = ihl;
    } else if (et == 0x86dd) {
        if (in < 40 || (ip[0] >> 4) != 6)
            return ks_ingest_bad(ctx, "IPv6 header cut short");
        size_t tot = 40u + rd16(ip + 4, true);
        if (tot < in)
            in = tot;
        proto = ip[6];
        memset(src, 0, sizeof *src);
        memcpy(src->b, ip + 8, 16);
        src->family = 6;
        l4 = 40;
        for (int ext = 0; ext < 8; ext++) {
            size_t el;
            if (proto == 44) {
                st->fragments++;
                return KS_PARSE_SKIP;
            }
            if (proto != 0 && proto != 43 && proto != 60 && proto != 51)
                break;
            if (in - l4 < 8)
                return ks_ingest_bad(ctx, "IPv6 extension header cut short");
            el = proto == 51 ? ((size_t)ip[l4 + 1] + 2) * 4 : ((size_t)ip[l4 + 1] + 1) * 8;
            if (in - l4 < el)
                return ks_ingest_bad(ctx, "IPv6 extension header cut short");
            proto = ip[l4];
            l4 += el;
        }
    } else {
        st->not_udp++;
        return KS_PARSE_SKIP;
    }
    if (proto != 17) {
        st->not_udp++;
        return KS_PARSE_SKIP;
    }
    if (in - l4 < 8)
        return ks_ingest_bad(ctx, "UDP header cut short");
    size_t ulen = rd16(ip + l4 + 4, true);
    if (ulen < 8)
        return ks_ingest_bad(ctx, "UDP length %zu", ulen);
    if (ulen > in - l4)
        return ks_ingest_bad(ctx, "UDP datagram of %zu bytes, %zu captured", ulen, in - l4);
    *pl = ip + l4 + 8;
    *pn = ulen - 8;
    return KS_PARSE_EVENT;
}

/* One captured packet of reclen bytes in the file (headers included). */
static int pcap_packet(struct pcap_state *st, struct ks_parse_ctx *ctx, uint32_t lt,
                       const uint8_t *p, size_t caplen, int64_t ts, size_t reclen,
                       size_t *consumed, struct ks_event *ev)
{
    const uint8_t *pl = NULL;
    size_t pn = 0;
    struct ks_addr src;
    st->packets++;
    int r = pcap_udp(st, ctx, lt, p, caplen, &pl, &pn, &src);
    if (r != KS_PARSE_EVENT) {
        *consumed = reclen;
        return r;
    }
    if (!ks_flow_looks_like_export(pl, pn)) {
        st->not_flow++;
        *consumed = reclen;
        return KS_PARSE_SKIP;
    }
    st->qn = st->qpos = 0;
    st->q_bad = false;
    int rc = ks_flow_decode(st->flow, &src, ts, pl, pn, queue_push, st, st->q_err,
                            sizeof st->q_err);
    if (rc == KS_EUNSUPPORTED) {
        st->not_flow++;
        *consumed = reclen;
        return KS_PARSE_SKIP;
    }
    if (rc) {
        if (!st->q_err[0])
            snprintf(st->q_err, sizeof st->q_err, "%s", ks_strerror(rc));
        st->q_bad = true;
    }
    st->pkt_left = reclen;
    return queue_pop(st, ctx, consumed, ev);
}

/* ---------------------------------------------------------------- classic pcap */

static int64_t ts_classic(const struct pcap_state *st, uint32_t sec, uint32_t frac)
{
    return (int64_t)sec * KS_NS_PER_SEC + (int64_t)frac * (st->nsec ? 1 : 1000);
}

static int pcap_classic_next(struct pcap_state *st, struct ks_parse_ctx *ctx, const uint8_t *b,
                             size_t len, size_t *consumed, struct ks_event *ev)
{
    bool be = st->swap;
    if (len < 16) {
        if (!ctx->eof)
            return KS_PARSE_INCOMPLETE;
        *consumed = len;
        return ks_ingest_bad(ctx, "truncated packet header at end of file");
    }
    uint32_t caplen = rd32(b + 8, be);
    if (caplen > PCAP_MAX_PACKET) {
        st->mode = PM_DEAD;
        *consumed = len;
        return ks_ingest_bad(ctx, "packet length %u: not a packet record, rest of file skipped",
                             caplen);
    }
    if (len - 16 < caplen) {
        if (!ctx->eof)
            return KS_PARSE_INCOMPLETE;
        *consumed = len;
        return ks_ingest_bad(ctx, "truncated packet at end of file");
    }
    int64_t ts = ts_classic(st, rd32(b, be), rd32(b + 4, be));
    return pcap_packet(st, ctx, st->linktype, b + 16, caplen, ts, 16u + caplen, consumed, ev);
}

/* ---------------------------------------------------------------- pcapng */

static int64_t ts_ng(const struct pcap_iface *f, uint64_t t)
{
    /* Unsigned arithmetic: a damaged stamp wraps instead of overflowing. */
    uint64_t ns;
    unsigned e = f->tsresol & 0x7f;
    if (f->tsresol & 0x80) {
        e = KS_MIN(e, 63u);
        ns = (t >> e) * UINT64_C(1000000000) +
             (((t & ((UINT64_C(1) << e) - 1)) >> (e > 32 ? e - 32 : 0)) * UINT64_C(1000000000) >>
              (e > 32 ? 32 : e));
    } else if (e <= 9) {
        uint64_t m = 1;
        for (unsigned i = e; i < 9; i++)
            m *= 10;
        ns = t * m;
    } else {
        uint64_t d = 1;
        for (unsigned i = 9; i < e && i < 28; i++)
            d *= 10;
        ns = t / d;
    }
    return (int64_t)(ns + (uint64_t)f->tsoffset_s * UINT64_C(1000000000));
}

static void ng_idb(struct pcap_state *st, const uint8_t *body, size_t n)
{
    bool be = st->ng_be;
    struct pcap_iface f = {.linktype = 0, .tsresol = 6, .tsoffset_s = 0};
    if (n < 8 || st->nifaces >= PCAPNG_MAX_IFACES) {
        if (st->nifaces < PCAPNG_MAX_IFACES)
            st->ifaces[st->nifaces++] = f;
        return;
    }
    f.linktype = rd16(body, be);
    size_t off = 8;
    while (n - off >= 4) {
        uint16_t code = rd16(body + off, be), olen = rd16(body + off + 2, be);
        off += 4;
        if (code == 0 || olen > n - off)
            break;
        if (code == 9 && olen >= 1)
            f.tsresol = body[off];
        else if (code == 14 && olen >= 8)
            f.tsoffset_s = (int64_t)((uint64_t)rd32(body + off + (be ? 0 : 4), be) << 32 |
                                     rd32(body + off + (be ? 4 : 0), be)) %
                           INT64_C(0x100000000);
        off += (size_t)((olen + 3u) & ~3u);
        if (off > n)
            break;
    }
    st->ifaces[st->nifaces++] = f;
}

static int pcapng_next(struct pcap_state *st, struct ks_parse_ctx *ctx, const uint8_t *b,
                       size_t len, size_t *consumed, struct ks_event *ev)
{
    if (len < 12) {
        if (!ctx->eof)
            return KS_PARSE_INCOMPLETE;
        *consumed = len;
        return ks_ingest_bad(ctx, "truncated block at end of file");
    }
    uint32_t type = rd32(b, st->ng_be);
    if (rd32(b, false) == SHB_TYPE) {
        uint32_t bom = rd32(b + 8, false);
        if (bom == BYTE_ORDER_MAGIC)
            st->ng_be = false;
        else if (bom == 0x4D3C2B1Au)
            st->ng_be = true;
        else {
            st->mode = PM_DEAD;
            *consumed = len;
            return ks_ingest_bad(ctx, "pcapng section header: bad byte-order magic");
        }
        type = SHB_TYPE;
    }
    bool be = st->ng_be;
    uint32_t blen = rd32(b + 4, be);
    if (blen < 12 || blen % 4 || blen > PCAPNG_MAX_BLOCK) {
        st->mode = PM_DEAD;
        *consumed = len;
        return ks_ingest_bad(ctx, "pcapng block length %u: rest of file skipped", blen);
    }
    if (len < blen) {
        if (!ctx->eof)
            return KS_PARSE_INCOMPLETE;
        *consumed = len;
        return ks_ingest_bad(ctx, "truncated block at end of file");
    }
    *consumed = blen;
    if (rd32(b + blen - 4, be) != blen)
        return ks_ingest_bad(ctx, "pcapng block: trailing length differs");
    const uint8_t *body = b + 8;
    size_t bn = blen - 12u;
    switch (type) {
    case SHB_TYPE:
        st->nifaces = 0;
        return KS_PARSE_SKIP;
    case 1: /* interface description */
        ng_idb(st, body, bn);
        return KS_PARSE_SKIP;
    case 6:   /* enhanced packet */
    case 2: { /* obsolete packet */
        if (bn < 20)
            return ks_ingest_bad(ctx, "packet block of %zu bytes", bn);
        uint32_t ifc = type == 6 ? rd32(body, be) : rd16(body, be);
        uint64_t t = (uint64_t)rd32(body + 4, be) << 32 | rd32(body + 8, be);
        uint32_t caplen = rd32(body + 12, be);
        if (caplen > bn - 20)
            return ks_ingest_bad(ctx, "packet block: captured length %u exceeds the block",
                                 caplen);
        if (ifc >= st->nifaces)
            return ks_ingest_bad(ctx, "packet block for undeclared interface %u", ifc);
        return pcap_packet(st, ctx, st->ifaces[ifc].linktype, body + 20, caplen,
                           ts_ng(&st->ifaces[ifc], t), blen, consumed, ev);
    }
    case 3: { /* simple packet: interface 0, no time */
        if (bn < 4)
            return ks_ingest_bad(ctx, "simple packet block of %zu bytes", bn);
        if (st->nifaces == 0)
            return ks_ingest_bad(ctx, "simple packet block before an interface");
        size_t caplen = KS_MIN((size_t)rd32(body, be), bn - 4);
        return pcap_packet(st, ctx, st->ifaces[0].linktype, body + 4, caplen, 0, blen, consumed,
                           ev);
    }
    default:
        return KS_PARSE_SKIP; /* statistics, name resolution, custom blocks */
    }
}

/* ---------------------------------------------------------------- plug-in */

/* Classic magic as read little endian: OUT *swap (big-endian file), *nsec. */
static bool classic_magic(const uint8_t *p, bool *be, bool *nsec)
{
    uint32_t m = rd32(p, false);
    *be = m == 0xd4c3b2a1u || m == 0x4d3cb2a1u;
    *nsec = m == 0xa1b23c4du || m == 0x4d3cb2a1u;
    return m == 0xa1b2c3d4u || m == 0xd4c3b2a1u || m == 0xa1b23c4du || m == 0x4d3cb2a1u;
}

static int pcap_next_inner(struct pcap_state *st, struct ks_parse_ctx *ctx, const uint8_t *b,
                           size_t len, size_t *consumed, struct ks_event *ev)
{
    if (st->pkt_left)
        return queue_pop(st, ctx, consumed, ev);
    if (len == 0)
        return ctx->eof ? KS_PARSE_END : KS_PARSE_INCOMPLETE;
    switch (st->mode) {
    case PM_START: {
        bool be, nsec;
        if (len < 4 || (classic_magic(b, &be, &nsec) && len < 24)) {
            if (!ctx->eof)
                return KS_PARSE_INCOMPLETE;
            st->mode = PM_DEAD;
            *consumed = len;
            return ks_ingest_bad(ctx, "truncated pcap file header");
        }
        if (classic_magic(b, &be, &nsec)) {
            st->swap = be;
            st->nsec = nsec;
            st->linktype = rd32(b + 20, be) & 0xffffu;
            st->mode = PM_PCAP;
            *consumed = 24;
            return KS_PARSE_SKIP;
        }
        if (rd32(b, false) == SHB_TYPE) {
            st->mode = PM_PCAPNG;
            return pcapng_next(st, ctx, b, len, consumed, ev);
        }
        st->mode = PM_DEAD;
        *consumed = len;
        return ks_ingest_bad(ctx, "not a pcap or pcapng file");
    }
    case PM_PCAP:
        return pcap_classic_next(st, ctx, b, len, consumed, ev);
    case PM_PCAPNG:
        return pcapng_next(st, ctx, b, len, consumed, ev);
    default:
        *consumed = len;
        return KS_PARSE_SKIP;
    }
}

static int pcap_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                     size_t *consumed, struct ks_event *ev)
{
    struct pcap_state *st = state;
    *consumed = 0;
    int r = pcap_next_inner(st, ctx, (const uint8_t *)buf, len, consumed, ev);
    if (r != KS_PARSE_INCOMPLETE && ctx->eof && *consumed >= len)
        pcap_report(st);
    return r;
}

static void pcap_destroy(void *state)
{
    struct pcap_state *st = state;
    if (!st)
        return;
    if (st->flow)
        pcap_report(st);
    ks_flow_state_free(st->flow);
    free(st->q);
    free(st);
}

static int pcap_create(struct ks_parse_ctx *ctx, void **state)
{
    struct pcap_state *st = calloc(1, sizeof *st);
    *state = NULL;
    if (!st)
        return KS_ENOMEM;
    int rc = ks_flow_state_new(&st->flow);
    if (rc) {
        free(st);
        return rc;
    }
    snprintf(st->path, sizeof st->path, "%s", ctx && ctx->path ? ctx->path : "-");
    *state = st;
    return 0;
}

static int pcap_probe(const char *head, size_t n)
{
    bool be, nsec;
    const uint8_t *p = (const uint8_t *)head;
    if (n < 4)
        return 0;
    if (classic_magic(p, &be, &nsec))
        return 90;
    if (rd32(p, false) == SHB_TYPE && n >= 12 &&
        (rd32(p + 8, false) == BYTE_ORDER_MAGIC || rd32(p + 8, true) == BYTE_ORDER_MAGIC))
        return 90;
    return 0;
}

const struct ks_parser_ops ks_parser_pcap = {
    .abi = KS_PARSER_ABI,
    .name = "pcap",
    .description = "pcap/pcapng captures of NetFlow v5/v9 and IPFIX export packets, as flows",
    .text = false,
    .probe = pcap_probe,
    .create = pcap_create,
    .next = pcap_next,
    .destroy = pcap_destroy,
};
