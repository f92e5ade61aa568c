/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_flow.c - the NetFlow v5/v9/IPFIX decoder (ingest_flow.c) and the "pcap" parser
 * (ingest_pcap.c): golden mappings built field by field, template state per exporter and domain
 * (refresh, withdrawal, options with sampling rates, variable-length and enterprise fields),
 * sysUptime-relative times including wraparound, sequence gaps per version, capture framing
 * (pcap both byte orders and nanoseconds, pcapng, link types, fragments, INCOMPLETE in small
 * chunks), a bad_inputs[] table, and every akvorado NetFlow/IPFIX pcap cross-checked against
 * tshark.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/ingest_flow.h"

/* ---------------------------------------------------------------- helpers */




#define assert_bag(ev, key, lit) assert_sv(ks_event_bag_get((ev), (key)), (lit))


static void assert_time(int64_t ts, const char *want)
{
    char buf[KS_TIME_STRLEN];
    size_t n = ks_time_format(ts, buf, sizeof buf);
    if (n != strlen(want) || memcmp(buf, want, n) != 0)
        fail_msg("time %.*s, want %s", (int)n, buf, want);
}

/* A byte writer (big endian) for building datagrams and captures. */
struct wb {
    uint8_t b[16384];
    size_t n;
};

static void w8(struct wb *w, uint32_t v)
{
    assert_true(w->n < sizeof w->b);
    w->b[w->n++] = (uint8_t)v;
}
static void w16(struct wb *w, uint32_t v)
{
    w8(w, v >> 8);
    w8(w, v);
}
static void w32(struct wb *w, uint32_t v)
{
    w16(w, v >> 16);
    w16(w, v);
}
static void w64(struct wb *w, uint64_t v)
{
    w32(w, (uint32_t)(v >> 32));
    w32(w, (uint32_t)v);
}
static void wbytes(struct wb *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void wpatch16(struct wb *w, size_t at, size_t v)
{
    w->b[at] = (uint8_t)(v >> 8);
    w->b[at + 1] = (uint8_t)v;
}
/* Little-endian writers for capture headers. */
static void wl16(struct wb *w, uint32_t v)
{
    w8(w, v);
    w8(w, v >> 8);
}
static void wl32(struct wb *w, uint32_t v)
{
    wl16(w, v);
    wl16(w, v >> 16);
}

/* Hex digits (spaces ignored) into w. */
static void whex(struct wb *w, const char *hex)
{
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
            v = (*p | 0x20) - 'a' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            w8(w, (uint32_t)(hi << 4 | v));
            hi = -1;
        }
    }
    assert_true(hi < 0);
}

static size_t set_begin(struct wb *w, uint32_t id)
{
    size_t at = w->n;
    w16(w, id);
    w16(w, 0);
    return at;
}
static void set_end(struct wb *w, size_t at) { wpatch16(w, at + 2, w->n - at); }

static void ipfix_begin(struct wb *w, uint32_t export_s, uint32_t seq, uint32_t domain)
{
    w->n = 0;
    w16(w, 10);
    w16(w, 0);
    w32(w, export_s);
    w32(w, seq);
    w32(w, domain);
}
static void ipfix_end(struct wb *w) { wpatch16(w, 2, w->n); }

static void v9_begin(struct wb *w, uint32_t uptime, uint32_t export_s, uint32_t seq,
                     uint32_t source_id)
{
    w->n = 0;
    w16(w, 9);
    w16(w, 0);
    w32(w, uptime);
    w32(w, export_s);
    w32(w, seq);
    w32(w, source_id);
}

static struct ks_addr exporter(const char *s)
{
    struct ks_addr a;
    assert_int_equal(ks_addr_parse(s, strlen(s), &a), 0);
    return a;
}

static int decode(struct ks_flow_state *st, const char *exp, const struct wb *w,
                  struct ks_collect *c)
{
    char err[256];
    struct ks_addr a = exporter(exp);
    return ks_flow_decode(st, &a, 0, w->b, w->n, ks_collect_sink, c, err, sizeof err);
}

static const struct ks_flow_stats *find_stats(struct ks_flow_state *st, const char *exp,
                                              uint32_t domain, struct ks_flow_stats *buf,
                                              size_t cap)
{
    struct ks_addr a = exporter(exp);
    size_t n = ks_flow_get_stats(st, buf, cap);
    for (size_t i = 0; i < KS_MIN(n, cap); i++)
        if (ks_addr_eq(&buf[i].exporter, &a) && buf[i].domain == domain)
            return &buf[i];
    fail_msg("no stats for %s domain %u", exp, domain);
    return NULL;
}

/* ---------------------------------------------------------------- NetFlow v5 */

static void v5_datagram(struct wb *w, uint32_t seq, uint16_t count)
{
    w->n = 0;
    w16(w, 5);
    w16(w, count);
    w32(w, 100000);     /* sysUptime ms */
    w32(w, 1700000000); /* 2023-11-14T22:13:20Z */
    w32(w, 500000000);  /* + 0.5 s */
    w32(w, seq);
    w8(w, 1);           /* engine type */
    w8(w, 2);           /* engine id */
    w16(w, 0x4000 | 100); /* mode 1, 1 out of 100 */
    for (uint16_t i = 0; i < count; i++) {
        whex(w, "c0000201 c6336402 0a000001"); /* src, dst, next hop */
        w16(w, 3);                             /* input */
        w16(w, 4);                             /* output */
        w32(w, 10 + i);                        /* packets */
        w32(w, 1000);                          /* octets */
        w32(w, 90000);                         /* first: 10 s before export */
        w32(w, 99000);                         /* last */
        w16(w, 40000);
        w16(w, 443);
        whex(w, "00 1b 06 20");                /* pad, flags, proto, tos */
        w16(w, 64500);
        w16(w, 64501);
        whex(w, "18 10 0000");                 /* masks, pad */
    }
}

static void test_v5_golden(void **unused)
{
    (void)unused;
    struct ks_flow_state *st;
    struct ks_collect c = {0};
    struct wb w;
    struct ks_flow_stats sb[4];
    assert_int_equal(ks_flow_state_new(&st), 0);
    v5_datagram(&w, 1000, 2);
    assert_int_equal(decode(st, "192.0.2.9", &w, &c), 0);
    assert_int_equal(c.n, 2);
    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_FLOW);
    assert_sv(e->dataset, "netflow.v5");
    assert_sv(e->observer, "192.0.2.9");
    assert_addr(&e->src, "192.0.2.1");
    assert_addr(&e->dst, "198.51.100.2");
    assert_int_equal(e->src_port, 40000);
    assert_int_equal(e->dst_port, 443);
    assert_int_equal(e->proto, 6);
    assert_int_equal(e->bytes_out, 1000);
    assert_int_equal(e->pkts_out, 10);
    assert_int_equal(c.ev[1]->pkts_out, 11);
    assert_int_equal(e->bytes_in, 0);
    assert_time(e->ts, "2023-11-14T22:13:10.500Z");
    assert_int_equal(e->duration, 9 * KS_NS_PER_SEC);
    assert_bag(e, "next_hop", "10.0.0.1");
    assert_bag(e, "in_if", "3");
    assert_bag(e, "out_if", "4");
    assert_bag(e, "tcp_flags", "27");
    assert_bag(e, "tos", "32");
    assert_bag(e, "src_as", "64500");
    assert_bag(e, "dst_as", "64501");
    assert_bag(e, "src_mask", "24");
    assert_bag(e, "dst_mask", "16");
    assert_bag(e, "sampling_rate", "100");
    assert_bag(e, "observation_domain", "258");
    /* v5 sequence numbers count flows: 1000 + 2 expected, 1005 means 3 lost. */
    v5_datagram(&w, 1005, 1);
    assert_int_equal(decode(st, "192.0.2.9", &w, &c), 0);
    const struct ks_flow_stats *s = find_stats(st, "192.0.2.9", 258, sb, 4);
    assert_int_equal(s->lost, 3);
    assert_int_equal(s->records, 3);
    assert_int_equal(s->packets, 2);
    assert_string_equal(ks_flow_lost_unit(5), "flow records");
    ks_collect_free(&c);
    ks_flow_state_free(st);
}

/* ---------------------------------------------------------------- NetFlow v9 */

static void v9_template(struct wb *w, uint32_t tid)
{
    size_t s = set_begin(w, 0);
    w16(w, tid);
    w16(w, 9);
    whex(w, "0008 0004  000c 0004  0007 0002  000b 0002  0004 0001"
            "0001 0004  0002 0004  0016 0004  0015 0004");
    set_end(w, s);
}

static void v9_record(struct wb *w, uint32_t first, uint32_t last)
{
    whex(w, "0a000001 0a000002 3039 0035 11");
    w32(w, 1500);
    w32(w, 3);
    w32(w, first);
    w32(w, last);
}

static void test_v9_templates_and_times(void **unused)
{
    (void)unused;
    struct ks_flow_state *st;
    struct ks_collect c = {0};
    struct wb w;
    struct ks_flow_stats sb[8];
    assert_int_equal(ks_flow_state_new(&st), 0);

    /* Data before its template: counted, nothing emitted. */
    v9_begin(&w, 50000, 1700000000, 7, 42);
    size_t s = set_begin(&w, 300);
    v9_record(&w, 40000, 45000);
    set_end(&w, s);
    assert_int_equal(decode(st, "192.0.2.1", &w, &c), 0);
    assert_int_equal(c.n, 0);

    /* Template then two records in one datagram, with 2 bytes of padding in the data set. */
    v9_begin(&w, 50000, 1700000000, 8, 42);
    v9_template(&w, 300);
    s = set_begin(&w, 300);
    v9_record(&w, 40000, 45000);
    v9_record(&w, 49000, 50000);
    w16(&w, 0);
    set_end(&w, s);
    assert_int_equal(decode(st, "192.0.2.1", &w, &c), 0);
    assert_int_equal(c.n, 2);
    const struct ks_event *e = c.ev[0];
    assert_sv(e->dataset, "netflow.v9");
    assert_addr(&e->src, "10.0.0.1");
    assert_int_equal(e->src_port, 12345);
    assert_int_equal(e->dst_port, 53);
    assert_int_equal(e->proto, 17);
    assert_int_equal(e->bytes_out, 1500);
    assert_int_equal(e->pkts_out, 3);
    /* export 22:13:20 - (50000 - 40000) ms */
    assert_time(e->ts, "2023-11-14T22:13:10Z");
    assert_int_equal(e->duration, 5 * KS_NS_PER_SEC);
    assert_bag(e, "observation_domain", "42");

    /* Same template id from another exporter and from another source id: separate state. */
    v9_begin(&w, 50000, 1700000000, 1, 42);
    s = set_begin(&w, 300);
    v9_record(&w, 40000, 45000);
    set_end(&w, s);
    assert_int_equal(decode(st, "192.0.2.2", &w, &c), 0);
    v9_begin(&w, 50000, 1700000000, 9, 43);
    s = set_begin(&w, 300);
    v9_record(&w, 40000, 45000);
    set_end(&w, s);
    assert_int_equal(decode(st, "192.0.2.1", &w, &c), 0);
    assert_int_equal(c.n, 2);

    /* sysUptime wrapped past 2^32 ms: first switched before the wrap. */
    v9_begin(&w, 1000, 1700000000, 9, 42);
    s = set_begin(&w, 300);
    v9_record(&w, 0xffffff00u, 500);
    set_end(&w, s);
    assert_int_equal(decode(st, "192.0.2.1", &w, &c), 0);
    assert_int_equal(c.n, 3);
    assert_time(c.ev[2]->ts, "2023-11-14T22:13:18.744Z"); /* 1000 + 256 ms before export */
    assert_int_equal(c.ev[2]->duration, 756 * 1000000);

    /* Sequence: v9 counts export packets; 9 then 12 means two lost. */
    v9_begin(&w, 1000, 1700000000, 12, 42);
    assert_int_equal(decode(st, "192.0.2.1", &w, &c), 0);
    const struct ks_flow_stats *ps = find_stats(st, "192.0.2.1", 42, sb, 8);
    assert_int_equal(ps->lost, 2);
    assert_int_equal(ps->no_template, 1);
    assert_int_equal(ps->templates, 1);
    /* A late packet takes its loss back. */
    v9_begin(&w, 1000, 1700000000, 10, 42);
    assert_int_equal(decode(st, "192.0.2.1", &w, &c), 0);
    ps = find_stats(st, "192.0.2.1", 42, sb, 8);
    assert_int_equal(ps->lost, 1);
    assert_int_equal(ps->reordered, 1);
    assert_string_equal(ks_flow_lost_unit(9), "export packets");

    /* Template refresh with another layout: records follow the new one. */
    v9_begin(&w, 50000, 1700000000, 13, 42);
    s = set_begin(&w, 0);
    whex(&w, "012c 0002  000c 0004  0007 0002");
    set_end(&w, s);
    s = set_begin(&w, 300);
    whex(&w, "c0a80001 0016");
    set_end(&w, s);
    assert_int_equal(decode(st, "192.0.2.1", &w, &c), 0);
    assert_int_equal(c.n, 4);
    assert_addr(&c.ev[3]->dst, "192.168.0.1");
    assert_int_equal(c.ev[3]->src_port, 22);
    assert_time(c.ev[3]->ts, "2023-11-14T22:13:20Z"); /* no times: export time */
    ks_collect_free(&c);
    ks_flow_state_free(st);
}

static void test_v9_options_sampling(void **unused)
{
    (void)unused;
    struct ks_flow_state *st;
    struct ks_collect c = {0};
    struct wb w;
    assert_int_equal(ks_flow_state_new(&st), 0);
    /* Options template 257: scope System (4 bytes), FLOW_SAMPLER_ID (1), FLOW_SAMPLER_RANDOM_
     * INTERVAL (4); then two samplers; then data template 258 carrying a sampler id. */
    v9_begin(&w, 50000, 1700000000, 1, 0);
    size_t s = set_begin(&w, 1);
    whex(&w, "0101 0004 0008  0001 0004  0030 0001  0032 0004");
    w16(&w, 0); /* padding */
    set_end(&w, s);
    s = set_begin(&w, 257);
    whex(&w, "00000000 01 00000064  00000000 02 000003e8");
    set_end(&w, s);
    s = set_begin(&w, 0);
    whex(&w, "0102 0003  0008 0004  0030 0001  0001 0004");
    set_end(&w, s);
    s = set_begin(&w, 258);
    whex(&w, "0a000001 02 00000010  0a000002 01 00000020  0a000003 07 00000030");
    w8(&w, 0);
    set_end(&w, s);
    assert_int_equal(decode(st, "2001:db8::1", &w, &c), 0);
    assert_int_equal(c.n, 3);
    assert_sv(c.ev[0]->observer, "2001:db8::1");
    assert_bag(c.ev[0], "sampling_rate", "1000");
    assert_bag(c.ev[0], "sampler_id", "2");
    assert_int_equal(c.ev[0]->bytes_out, 16); /* not scaled by the rate */
    assert_bag(c.ev[1], "sampling_rate", "100");
    assert_null(ks_event_bag_get(c.ev[2], "sampling_rate").p); /* unknown sampler 7 */
    struct ks_flow_stats sb[2];
    assert_int_equal(find_stats(st, "2001:db8::1", 0, sb, 2)->options, 2);
    ks_collect_free(&c);
    ks_flow_state_free(st);
}

/* ---------------------------------------------------------------- IPFIX */

static void ipfix_template_256(struct wb *w)
{
    size_t s = set_begin(w, 2);
    w16(w, 256);
    w16(w, 11);
    whex(w, "0008 0004  000c 0004  0007 0002  000b 0002  0004 0001  0001 0008  0002 0004"
            "0098 0008  0099 0008  0052 ffff  8064 0002 00000009");
    set_end(w, s);
}

static void test_ipfix_golden(void **unused)
{
    (void)unused;
    struct ks_flow_state *st;
    struct ks_collect c = {0};
    struct wb w;
    struct ks_flow_stats sb[4];
    assert_int_equal(ks_flow_state_new(&st), 0);
    ipfix_begin(&w, 0x65000000, 0, 1);
    ipfix_template_256(&w);
    size_t s = set_begin(&w, 256);
    /* record 1: short variable length "eth0" */
    whex(&w, "0a000001 0a000002 04d2 0050 06 0000000000001000 0000000a");
    w64(&w, UINT64_C(1694498800000));
    w64(&w, UINT64_C(1694498801500));
    whex(&w, "04 65746830  0102");
    /* record 2: three-byte variable length "wan01", IPv6 not present */
    whex(&w, "0a000003 0a000004 0001 0002 11 0000000000000040 00000001");
    w64(&w, UINT64_C(1694498810000));
    w64(&w, UINT64_C(1694498810000));
    whex(&w, "ff0005 77616e3031  ffff");
    whex(&w, "000000"); /* padding shorter than a record */
    set_end(&w, s);
    ipfix_end(&w);
    assert_int_equal(decode(st, "198.51.100.7", &w, &c), 0);
    assert_int_equal(c.n, 2);
    const struct ks_event *e = c.ev[0];
    assert_sv(e->dataset, "ipfix");
    assert_sv(e->observer, "198.51.100.7");
    assert_addr(&e->src, "10.0.0.1");
    assert_addr(&e->dst, "10.0.0.2");
    assert_int_equal(e->src_port, 1234);
    assert_int_equal(e->dst_port, 80);
    assert_int_equal(e->proto, 6);
    assert_int_equal(e->bytes_out, 4096);
    assert_int_equal(e->pkts_out, 10);
    assert_time(e->ts, "2023-09-12T06:06:40Z");
    assert_int_equal(e->duration, 1500 * 1000000);
    assert_bag(e, "if_name", "eth0");
    assert_bag(e, "ie9.100", "0102");
    assert_bag(e, "observation_domain", "1");
    assert_bag(c.ev[1], "if_name", "wan01");
    assert_bag(c.ev[1], "ie9.100", "ffff");
    assert_int_equal(c.ev[1]->duration, 0);

    /* Sequence counts data records: next expected 2; 5 means 3 lost. */
    ipfix_begin(&w, 0x65000000, 5, 1);
    ipfix_end(&w);
    assert_int_equal(decode(st, "198.51.100.7", &w, &c), 0);
    assert_int_equal(find_stats(st, "198.51.100.7", 1, sb, 4)->lost, 3);

    /* Withdrawal (field count 0), then data for 256 is unknown. */
    ipfix_begin(&w, 0x65000000, 5, 1);
    s = set_begin(&w, 2);
    whex(&w, "0100 0000");
    set_end(&w, s);
    s = set_begin(&w, 256);
    whex(&w, "0a000001 0a000002 04d2 0050 06 0000000000001000 0000000a 0000018a87e6a580"
             "0000018a87e6ab5c 04 65746830  0102");
    set_end(&w, s);
    ipfix_end(&w);
    assert_int_equal(decode(st, "198.51.100.7", &w, &c), 0);
    assert_int_equal(c.n, 2);
    const struct ks_flow_stats *ps = find_stats(st, "198.51.100.7", 1, sb, 4);
    assert_int_equal(ps->withdrawn, 1);
    assert_int_equal(ps->no_template, 1);

    /* All-templates withdrawal (template id 2, count 0). */
    ipfix_begin(&w, 0x65000000, 5, 1);
    ipfix_template_256(&w);
    s = set_begin(&w, 2);
    whex(&w, "0002 0000");
    set_end(&w, s);
    s = set_begin(&w, 256);
    whex(&w, "0a000001 0a000002 04d2 0050 06 0000000000001000 0000000a 0000018a87e6a580"
             "0000018a87e6ab5c 04 65746830  0102");
    set_end(&w, s);
    ipfix_end(&w);
    assert_int_equal(decode(st, "198.51.100.7", &w, &c), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(find_stats(st, "198.51.100.7", 1, sb, 4)->withdrawn, 2);
    ks_collect_free(&c);
    ks_flow_state_free(st);
}

static void test_ipfix_times_biflow_sampling(void **unused)
{
    (void)unused;
    struct ks_flow_state *st;
    struct ks_collect c = {0};
    struct wb w;
    assert_int_equal(ks_flow_state_new(&st), 0);
    ipfix_begin(&w, 1700000000, 0, 7);
    /* options template 400: scope selectorId (302), systemInitTimeMilliseconds (160),
     * samplingPacketInterval (305), samplingPacketSpace (306) */
    size_t s = set_begin(&w, 3);
    whex(&w, "0190 0004 0001  012e 0002  00a0 0008  0131 0004  0132 0004");
    set_end(&w, s);
    s = set_begin(&w, 400);
    w16(&w, 5);
    w64(&w, UINT64_C(1699990000000)); /* boot 10000 s before export */
    w32(&w, 1);
    w32(&w, 511);
    set_end(&w, s);
    /* template 401: IPv6 addresses, flowStartSysUpTime/flowEndSysUpTime, selectorId, reverse
     * octets/packets (PEN 29305), an unknown IANA element */
    s = set_begin(&w, 2);
    whex(&w, "0191 0009  001b 0010  001c 0010  0016 0004  0015 0004  012e 0002"
             "0001 0004  8001 0004 00007279  8002 0004 00007279  1234 0002");
    set_end(&w, s);
    s = set_begin(&w, 401);
    whex(&w, "20010db8000000000000000000000001 20010db8000000000000000000000002");
    w32(&w, 5000);
    w32(&w, 6000);
    w16(&w, 5);
    w32(&w, 100);
    w32(&w, 200);
    w32(&w, 7);
    w16(&w, 0xabcd);
    set_end(&w, s);
    ipfix_end(&w);
    assert_int_equal(decode(st, "192.0.2.50", &w, &c), 0);
    assert_int_equal(c.n, 1);
    const struct ks_event *e = c.ev[0];
    assert_addr(&e->src, "2001:db8::1");
    assert_addr(&e->dst, "2001:db8::2");
    assert_time(e->ts, "2023-11-14T19:26:45Z"); /* 1699990000 + 5 s */
    assert_int_equal(e->duration, KS_NS_PER_SEC);
    assert_int_equal(e->bytes_out, 100);
    assert_int_equal(e->bytes_in, 200);
    assert_int_equal(e->pkts_in, 7);
    assert_bag(e, "sampling_rate", "512");
    assert_bag(e, "ie4660", "abcd");
    assert_bag(e, "selector_id", "5");
    /* systemInitTimeMilliseconds in the flow record itself, and NTP microseconds */
    ipfix_begin(&w, 1700000000, 2, 7);
    s = set_begin(&w, 2);
    whex(&w, "0192 0003  00a0 0008  0016 0004  009b 0008");
    set_end(&w, s);
    s = set_begin(&w, 402);
    w64(&w, UINT64_C(1600000000000));
    w32(&w, 1500);
    /* end: NTP 2020-09-13T12:26:42.5Z: seconds + 2208988800, fraction 0x80000000 */
    w32(&w, 1600000002u + 2208988800u);
    w32(&w, 0x80000000u);
    set_end(&w, s);
    ipfix_end(&w);
    assert_int_equal(decode(st, "192.0.2.50", &w, &c), 0);
    assert_int_equal(c.n, 2);
    assert_time(c.ev[1]->ts, "2020-09-13T12:26:41.500Z");
    assert_int_equal(c.ev[1]->duration, KS_NS_PER_SEC);
    ks_collect_free(&c);
    ks_flow_state_free(st);
}

/* ---------------------------------------------------------------- bad datagrams */

/* Each case decodes its datagrams ('|' separated hex) with one state from exporter 192.0.2.1;
 * rc is the last datagram's result, events the records delivered over all of them. */
static const struct {
    const char *name;
    const char *hex;
    int rc;
    size_t events;
} bad_inputs[] = {
    {"empty", "", KS_EUNSUPPORTED, 0},
    {"unknown version", "0007 0001 00000000", KS_EUNSUPPORTED, 0},
    {"v5 short header", "0005 0001 00000000 00000000", KS_EFORMAT, 0},
    {"v5 count 0", "0005 0000 00000000 00000000 00000000 00000000 0000 0000", KS_EFORMAT, 0},
    {"v5 record cut", "0005 0001 00000000 00000000 00000000 00000000 0000 0000 0a000001",
     KS_EFORMAT, 0},
    {"v9 short header", "0009 0001 00000000 00000000 00000000", KS_EFORMAT, 0},
    {"v9 flowset overruns", "0009 0001 00000000 00000000 00000000 00000000 0100 0010 0000",
     KS_EFORMAT, 0},
    {"v9 flowset length 2", "0009 0001 00000000 00000000 00000000 00000000 0100 0002",
     KS_EFORMAT, 0},
    {"v9 template id 5",
     "0009 0001 00000000 00000000 00000000 00000000 0000 000c 0005 0001 0008 0004",
     KS_EFORMAT, 0},
    {"v9 template fields overrun",
     "0009 0001 00000000 00000000 00000000 00000000 0000 000c 0100 0002 0008 0004", KS_EFORMAT, 0},
    {"v9 variable length",
     "0009 0001 00000000 00000000 00000000 00000000 0000 000c 0100 0001 0052 ffff",
     KS_EFORMAT, 0},
    {"v9 options lengths",
     "0009 0001 00000000 00000000 00000000 00000000 0001 000c 0100 0003 0004 0000",
     KS_EFORMAT, 0},
    {"v9 zero-length records",
     "0009 0001 00000000 00000000 00000000 00000000 0000 000c 0100 0001 0008 0000", KS_EFORMAT, 0},
    {"v9 padding after flowsets ok", "0009 0001 00000000 00000000 00000000 00000000 0000", 0, 0},
    {"v9 unknown set ids skipped",
     "0009 0001 00000000 00000000 00000000 00000000 0005 0008 00000000", 0, 0},
    {"ipfix short header", "000a 0010 00000000 00000000", KS_EFORMAT, 0},
    {"ipfix length beyond datagram", "000a 0020 00000000 00000000 00000000", KS_EFORMAT, 0},
    {"ipfix length 8", "000a 0008 00000000 00000000 00000000", KS_EFORMAT, 0},
    {"ipfix stray bytes", "000a 0013 00000000 00000000 00000000 010203", KS_EFORMAT, 0},
    {"ipfix options scope 0",
     "000a 001e 00000000 00000000 00000000 0003 000e 0100 0001 0000 0008 0004", KS_EFORMAT, 0},
    {"ipfix options scope > fields",
     "000a 001e 00000000 00000000 00000000 0003 000e 0100 0001 0002 0008 0004", KS_EFORMAT, 0},
    {"ipfix enterprise field cut",
     "000a 001c 00000000 00000000 00000000 0002 000c 0100 0001 8008 0004", KS_EFORMAT, 0},
    /* template 256 = one variable-length field, then records whose length overruns */
    {"ipfix varlen overrun",
     "000a 001c 00000000 00000000 00000000 0002 000c 0100 0001 0052 ffff|"
     "000a 0018 00000000 00000001 00000000 0100 0008 02 6566 05 41",
     KS_EFORMAT, 1},
    {"ipfix varlen 255 cut",
     "000a 001c 00000000 00000000 00000000 0002 000c 0100 0001 0052 ffff|"
     "000a 0016 00000000 00000001 00000000 0100 0006 ff 00",
     KS_EFORMAT, 0},
    {"ipfix fixed record then padding",
     "000a 001c 00000000 00000000 00000000 0002 000c 0100 0001 0008 0004|"
     "000a 001b 00000000 00000001 00000000 0100 000b 0a000001 000000",
     0, 1},
    {"ipfix too many fields", "000a 0018 00000000 00000000 00000000 0002 0008 0100 ffff 0008 0004",
     KS_EFORMAT, 0},
};

static size_t hex_datagram(const char *hex, size_t len, struct wb *w)
{
    char tmp[1024];
    assert_true(len < sizeof tmp);
    memcpy(tmp, hex, len);
    tmp[len] = '\0';
    w->n = 0;
    whex(w, tmp);
    return w->n;
}

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        struct ks_flow_state *st;
        struct ks_collect c = {0};
        struct wb w;
        char err[256];
        int rc = 0;
        struct ks_addr a = exporter("192.0.2.1");
        assert_int_equal(ks_flow_state_new(&st), 0);
        const char *p = bad_inputs[i].hex;
        for (;;) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            hex_datagram(p, len, &w);
            /* Exact-size copy: a read past the end is an ASan error. */
            uint8_t *exact = malloc(w.n ? w.n : 1);
            memcpy(exact, w.b, w.n);
            err[0] = '\0';
            rc = ks_flow_decode(st, &a, 0, exact, w.n, ks_collect_sink, &c, err, sizeof err);
            free(exact);
            if (rc == KS_EFORMAT && !err[0])
                fail_msg("%s: KS_EFORMAT without a reason", bad_inputs[i].name);
            if (!bar)
                break;
            p = bar + 1;
        }
        if (rc != bad_inputs[i].rc || c.n != bad_inputs[i].events)
            fail_msg("%s: rc %d (%s) events %zu, want %d %zu", bad_inputs[i].name, rc, err, c.n,
                     bad_inputs[i].rc, bad_inputs[i].events);
        ks_collect_free(&c);
        ks_flow_state_free(st);
    }
}

/* ---------------------------------------------------------------- captures */

/* Appends one UDP/IPv4 packet to a classic little-endian pcap of link type lt. */
static void pcap_udp4(struct wb *f, uint32_t lt, const char *src, const struct wb *dg,
                      uint32_t ts_s, bool fragment, uint8_t proto)
{
    struct wb p = {.n = 0};
    struct ks_addr a = exporter(src);
    if (lt == 1) {
        whex(&p, "020000000001 020000000002 8100 0064 0800"); /* one VLAN tag */
    } else if (lt == 113) {
        whex(&p, "0000 0001 0006 020000000001 0000 0800");
    } else if (lt == 276) {
        whex(&p, "0800 0000 00000002 0001 00 06 020000000001 0000");
    }
    size_t ip = p.n;
    w8(&p, 0x45);
    w8(&p, 0);
    w16(&p, 20 + 8 + dg->n);
    w16(&p, 1);
    w16(&p, fragment ? 0x2000 : 0x4000);
    w8(&p, 64);
    w8(&p, proto);
    w16(&p, 0);
    wbytes(&p, a.b + 12, 4);
    whex(&p, "c0000263");
    w16(&p, 50000);
    w16(&p, 2055);
    w16(&p, 8 + dg->n);
    w16(&p, 0);
    wbytes(&p, dg->b, dg->n);
    (void)ip;
    wl32(f, ts_s);
    wl32(f, 0);
    wl32(f, (uint32_t)p.n);
    wl32(f, (uint32_t)p.n);
    wbytes(f, p.b, p.n);
}

static void pcap_header(struct wb *f, uint32_t lt)
{
    f->n = 0;
    wl32(f, 0xa1b2c3d4u);
    wl16(f, 2);
    wl16(f, 4);
    wl32(f, 0);
    wl32(f, 0);
    wl32(f, 65535);
    wl32(f, lt);
}

static const struct ks_parser_ops *pcap_parser(void)
{
    const struct ks_parser_ops *p = ks_parser_find("pcap");
    assert_non_null(p);
    return p;
}

static void parse_chunked(const uint8_t *buf, size_t len, size_t chunk, uint64_t *events,
                          uint64_t *bad)
{
    ks_test_parse_chunked(pcap_parser(), (const char *)buf, len, chunk, events, bad);
}

static void test_pcap_framing(void **unused)
{
    (void)unused;
    static const uint32_t lts[] = {1, 113, 276, 101};
    struct wb dg, f;
    v5_datagram(&dg, 1, 3);
    for (size_t k = 0; k < KS_ARRAY_LEN(lts); k++) {
        struct ks_collect c = {0};
        uint64_t bad = 99, ev2, bad2;
        pcap_header(&f, lts[k]);
        pcap_udp4(&f, lts[k], "192.0.2.77", &dg, 1700000000, false, 17);
        pcap_udp4(&f, lts[k], "192.0.2.77", &dg, 1700000001, true, 17);  /* fragment */
        pcap_udp4(&f, lts[k], "192.0.2.77", &dg, 1700000002, false, 6);  /* not UDP */
        struct wb junk = {.n = 0};
        whex(&junk, "12345678 9abcdef0");
        pcap_udp4(&f, lts[k], "192.0.2.77", &junk, 1700000003, false, 17); /* not a flow export */
        size_t second = f.n;
        pcap_udp4(&f, lts[k], "192.0.2.78", &dg, 1700000004, false, 17);
        assert_int_equal(ks_ingest_parse_buffer(pcap_parser(), "t", (const char *)f.b, f.n,
                                                ks_collect_sink, &c, &bad),
                         0);
        assert_int_equal(bad, 0);
        assert_int_equal(c.n, 6);
        assert_sv(c.ev[0]->observer, "192.0.2.77");
        assert_sv(c.ev[3]->observer, "192.0.2.78");
        /* Each record has its own offset inside its packet. */
        assert_int_equal(c.ev[0]->offset, 24);
        assert_int_equal(c.ev[1]->offset, 25);
        assert_int_equal(c.ev[2]->offset, 26);
        assert_int_equal(c.ev[3]->offset, second);
        for (size_t chunk = 1; chunk < 200; chunk += 37) {
            parse_chunked(f.b, f.n, chunk, &ev2, &bad2);
            assert_int_equal(ev2, 6);
            assert_int_equal(bad2, 0);
        }
        ks_collect_free(&c);
    }
}

static void test_pcap_variants(void **unused)
{
    (void)unused;
    struct wb dg, f, ng;
    struct ks_collect c = {0};
    uint64_t bad = 99;
    v5_datagram(&dg, 1, 2);
    /* Big-endian nanosecond classic pcap, raw IPv4. */
    pcap_header(&f, 101);
    pcap_udp4(&f, 101, "192.0.2.5", &dg, 1700000000, false, 17);
    struct wb be = {.n = 0};
    whex(&be, "a1b23c4d 0002 0004 00000000 00000000 0000ffff 00000065");
    size_t rec = 24;
    /* rewrite the record header big endian */
    w32(&be, 1700000000);
    w32(&be, 5);
    w32(&be, (uint32_t)(f.n - rec - 16));
    w32(&be, (uint32_t)(f.n - rec - 16));
    wbytes(&be, f.b + rec + 16, f.n - rec - 16);
    assert_int_equal(pcap_parser()->probe((const char *)be.b, be.n), 90);
    assert_int_equal(ks_ingest_parse_buffer(pcap_parser(), "t", (const char *)be.b, be.n,
                                            ks_collect_sink, &c, &bad),
                     0);
    assert_int_equal(bad, 0);
    assert_int_equal(c.n, 2);

    /* pcapng: SHB, IDB (Ethernet, if_tsresol 9), EPB, SPB, unknown block. */
    ng.n = 0;
    whex(&ng, "0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000");
    whex(&ng, "01000000 20000000 0100 0000 ffff0000 0900 0100 09000000 0000 0000 20000000");
    struct wb pk;
    pcap_header(&pk, 1);
    pcap_udp4(&pk, 1, "192.0.2.6", &dg, 0, false, 17);
    const uint8_t *frame = pk.b + 24 + 16;
    size_t flen = pk.n - 24 - 16, pad = (4 - flen % 4) % 4;
    uint32_t blen = (uint32_t)(32 + flen + pad);
    wl32(&ng, 6);
    wl32(&ng, blen);
    wl32(&ng, 0);
    uint64_t t = UINT64_C(1700000000123456789);
    wl32(&ng, (uint32_t)(t >> 32));
    wl32(&ng, (uint32_t)t);
    wl32(&ng, (uint32_t)flen);
    wl32(&ng, (uint32_t)flen);
    wbytes(&ng, frame, flen);
    for (size_t i = 0; i < pad; i++)
        w8(&ng, 0);
    wl32(&ng, blen);
    blen = (uint32_t)(16 + flen + pad);
    wl32(&ng, 3);
    wl32(&ng, blen);
    wl32(&ng, (uint32_t)flen);
    wbytes(&ng, frame, flen);
    for (size_t i = 0; i < pad; i++)
        w8(&ng, 0);
    wl32(&ng, blen);
    whex(&ng, "05000000 10000000 00000000 10000000"); /* interface statistics: skipped */
    assert_int_equal(pcap_parser()->probe((const char *)ng.b, ng.n), 90);
    assert_int_equal(ks_ingest_parse_buffer(pcap_parser(), "t", (const char *)ng.b, ng.n,
                                            ks_collect_sink, &c, &bad),
                     0);
    assert_int_equal(bad, 0);
    assert_int_equal(c.n, 6);
    assert_sv(c.ev[2]->observer, "192.0.2.6");
    uint64_t e2, b2;
    parse_chunked(ng.b, ng.n, 7, &e2, &b2);
    assert_int_equal(e2, 4);
    assert_int_equal(b2, 0);
    assert_int_equal(pcap_parser()->probe("#separator", 10), 0);
    assert_ptr_equal(ks_parser_detect((const char *)ng.b, ng.n), pcap_parser());
    ks_collect_free(&c);
}

/* Capture-level damage: events and malformed counts per case. */
static void test_pcap_bad_inputs(void **unused)
{
    (void)unused;
    struct wb dg, good;
    v5_datagram(&dg, 1, 1);
    pcap_header(&good, 1);
    pcap_udp4(&good, 1, "192.0.2.5", &dg, 1700000000, false, 17);
    static const struct {
        const char *name;
        int edit; /* what is done to the good capture */
        uint64_t events, malformed;
    } cases[] = {
        {"not a capture", 0, 0, 1},
        {"truncated file header", 1, 0, 1},
        {"truncated packet", 2, 0, 1},
        {"absurd record length", 3, 0, 1},
        {"damaged v5 inside a packet", 4, 0, 1},
        {"header only", 5, 0, 0},
        {"ethernet frame too short", 6, 0, 1},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct wb f = good;
        uint64_t bad = 0, events = 0, e2, b2;
        switch (cases[i].edit) {
        case 0:
            memcpy(f.b, "hello wo", 8);
            break;
        case 1:
            f.n = 10;
            break;
        case 2:
            f.n -= 5;
            break;
        case 3:
            f.b[24 + 8] = 0xff;
            f.b[24 + 11] = 0x7f;
            break;
        case 4:
            f.b[f.n - 48 - 24 + 3] = 9; /* v5 count 9 with one record */
            break;
        case 5:
            f.n = 24;
            break;
        case 6:
            f.b[24 + 8] = 10;
            f.b[24 + 12] = 10;
            f.n = 24 + 16 + 10;
            break;
        }
        struct ks_collect c = {0};
        assert_int_equal(ks_ingest_parse_buffer(pcap_parser(), "t", (const char *)f.b, f.n,
                                                ks_collect_sink, &c, &bad),
                         0);
        events = c.n;
        if (events != cases[i].events || bad != cases[i].malformed)
            fail_msg("%s: events %llu malformed %llu", cases[i].name, (unsigned long long)events,
                     (unsigned long long)bad);
        parse_chunked(f.b, f.n, 5, &e2, &b2);
        if (e2 != events || b2 != bad)
            fail_msg("%s: chunked %llu/%llu", cases[i].name, (unsigned long long)e2,
                     (unsigned long long)b2);
        ks_collect_free(&c);
    }
}

/* ---------------------------------------------------------------- real data */

#define AKV "akvorado+akvorado/outlet/flow/decoder/"

/* Expected values from tshark 4.0.17 on the same captures (template captures first, merged with
 * `mergecap -a`), data records of non-options templates only:
 *   tshark -r F -d udp.port==2055,cflow -d udp.port==2100,cflow -d udp.port==4739,cflow \
 *          -d udp.port==8096,cflow -d udp.port==9990,cflow -T pdml
 * then per record (a "Flow N" / "pdu N/M" node) the tuple
 *   "srcaddr|dstaddr|srcport|dstport|protocol|octets|packets" (srcaddr/srcaddrv6 and so on;
 * absent numbers 0, absent addresses empty), summed as 64-bit FNV-1a hashes (order-free). */
static const struct {
    const char *files[4];
    uint64_t records, bytes, packets, hash;
} real_sets[] = {
    {{"data+templates.pcap"}, 10, 54592, 48, UINT64_C(0x9dc830933f98b366)},
    {{"template.pcap", "data.pcap"}, 4, 5848, 4, UINT64_C(0x0543034b17f7f797)},
    {{"datalink-template.pcap", "datalink-data.pcap"}, 1, 0, 0, UINT64_C(0x80b2857debb6c16f)},
    {{"ethernet-over-mpls-with-control-word-template.pcap",
      "ethernet-over-mpls-with-control-word-data.pcap"},
     10, 0, 0, UINT64_C(0x06f936eb35238e56)},
    {{"icmp-template.pcap", "icmp-data.pcap"}, 4, 376, 4, UINT64_C(0x9faecfa266252668)},
    {{"ipfix-srv6-template.pcap", "ipfix-srv6-data.pcap"}, 1, 0, 0, UINT64_C(0x80b2857debb6c16f)},
    {{"ipfixprobe-templates.pcap", "ipfixprobe-data.pcap"}, 4, 24268, 34,
     UINT64_C(0x4ae7218cdc647e04)},
    {{"juniper-cpid-template.pcap", "juniper-cpid-data.pcap"}, 1, 0, 0,
     UINT64_C(0x80b2857debb6c16f)},
    {{"mpls.pcap"}, 2, 979, 11, UINT64_C(0x1b9be926c6135c6f)},
    {{"multiplesamplingrates-options-template.pcap", "multiplesamplingrates-options-data.pcap",
      "multiplesamplingrates-template.pcap", "multiplesamplingrates-data.pcap"},
     12, 14818, 38, UINT64_C(0xcd3763c251626f19)},
    {{"nat.pcap"}, 9, 0, 0, UINT64_C(0xd3627b9a025f8dcb)},
    {{"nfv5.pcap"}, 29, 88345, 78, UINT64_C(0xe767d48aa9b239b4)},
    {{"options-template.pcap", "options-data.pcap", "template.pcap", "data.pcap"}, 4, 5848, 4,
     UINT64_C(0x0543034b17f7f797)},
    {{"physicalinterfaces.pcap"}, 8, 31111, 29, UINT64_C(0x12116459a48938f8)},
    {{"samplingrate-template.pcap", "samplingrate-data.pcap"}, 6, 3740, 6,
     UINT64_C(0x84edd50789f2eb63)},
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t tuple_hash(const struct ks_event *e)
{
    char src[KS_ADDR_STRLEN], dst[KS_ADDR_STRLEN], t[256];
    size_t sn = e->src.family ? ks_addr_format(&e->src, src, sizeof src) : 0;
    size_t dn = e->dst.family ? ks_addr_format(&e->dst, dst, sizeof dst) : 0;
    int n = snprintf(t, sizeof t, "%.*s|%.*s|%u|%u|%u|%llu|%llu", (int)sn, src, (int)dn, dst,
                     e->src_port, e->dst_port, e->proto, (unsigned long long)e->bytes_out,
                     (unsigned long long)e->pkts_out);
    return fnv1a(t, (size_t)n);
}

/* Reads the captures of one set and joins them into one pcap (later global headers dropped). */
static char *join_captures(const char *const *files, size_t *len)
{
    char *all = NULL;
    *len = 0;
    for (size_t i = 0; i < 4 && files[i]; i++) {
        char rel[256], path[4096];
        size_t n;
        snprintf(rel, sizeof rel, AKV "netflow/testdata/%s", files[i]);
        if (ks_test_data_path(rel, path, sizeof path) != 0) {
            free(all);
            return NULL;
        }
        char *b = ks_test_read_file(path, &n);
        assert_non_null(b);
        assert_true(n >= 24);
        size_t skip = i ? 24 : 0;
        all = realloc(all, *len + n - skip + 1);
        assert_non_null(all);
        memcpy(all + *len, b + skip, n - skip);
        *len += n - skip;
        free(b);
    }
    return all;
}

static void test_real_akvorado(void **unused)
{
    (void)unused;
    char path[4096];
    KS_NEED_DATA(path, AKV "netflow/testdata/nfv5.pcap");
    for (size_t i = 0; i < KS_ARRAY_LEN(real_sets); i++) {
        size_t len;
        char *buf = join_captures(real_sets[i].files, &len);
        if (!buf)
            fail_msg("sample data missing: %s", real_sets[i].files[0]);
        struct ks_collect c = {0};
        uint64_t bad = 99, bytes = 0, pkts = 0, hash = 0;
        assert_int_equal(
            ks_ingest_parse_buffer(pcap_parser(), real_sets[i].files[0], buf, len, ks_collect_sink,
                                   &c, &bad),
            0);
        for (size_t k = 0; k < c.n; k++) {
            bytes += c.ev[k]->bytes_out;
            pkts += c.ev[k]->pkts_out;
            hash += tuple_hash(c.ev[k]);
            assert_int_equal(c.ev[k]->kind, KS_KIND_FLOW);
            assert_true(c.ev[k]->observer.n > 0);
            assert_true(c.ev[k]->ts > INT64_C(1000000000) * KS_NS_PER_SEC);
        }
        if (bad || c.n != real_sets[i].records || bytes != real_sets[i].bytes ||
            pkts != real_sets[i].packets || hash != real_sets[i].hash)
            fail_msg("%s: malformed %llu records %zu bytes %llu packets %llu hash 0x%016llx",
                     real_sets[i].files[0], (unsigned long long)bad, c.n,
                     (unsigned long long)bytes, (unsigned long long)pkts,
                     (unsigned long long)hash);
        ks_collect_free(&c);
        free(buf);
    }
    /* sFlow captures: recognised as captures, no flow records, nothing malformed. */
    static const char *const sflow[] = {
        "data-1140.pcap",        "data-discard-interface.pcap",   "data-encap-vxlan.pcap",
        "data-icmpv4.pcap",      "data-icmpv6.pcap",              "data-local-interface.pcap",
        "data-qinq.pcap",        "data-multiple-interfaces.pcap", "data-sflow-expanded-sample.pcap",
        "data-sflow-raw-ipv4.pcap", "data-sflow-ipv4-data.pcap",
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(sflow); i++) {
        char rel[256];
        size_t n;
        uint64_t bad = 99, events = 0;
        snprintf(rel, sizeof rel, AKV "sflow/testdata/%s", sflow[i]);
        KS_NEED_DATA(path, rel);
        char *b = ks_test_read_file(path, &n);
        assert_non_null(b);
        assert_ptr_equal(ks_parser_detect(b, n), pcap_parser());
        struct ks_collect c = {0};
        assert_int_equal(ks_ingest_parse_buffer(pcap_parser(), rel, b, n, ks_collect_sink, &c, &bad),
                         0);
        events = c.n;
        if (events || bad)
            fail_msg("%s: %llu events %llu malformed", sflow[i], (unsigned long long)events,
                     (unsigned long long)bad);
        ks_collect_free(&c);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v5_golden),
        cmocka_unit_test(test_v9_templates_and_times),
        cmocka_unit_test(test_v9_options_sampling),
        cmocka_unit_test(test_ipfix_golden),
        cmocka_unit_test(test_ipfix_times_biflow_sampling),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_pcap_framing),
        cmocka_unit_test(test_pcap_variants),
        cmocka_unit_test(test_pcap_bad_inputs),
        cmocka_unit_test(test_real_akvorado),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
