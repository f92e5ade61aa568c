/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_zeek.c - the Zeek parsers ("zeek" TSV, "zeek-json") and the parser registry:
 * golden mappings of conn/http/dns records, columns mapped by name, concatenated logs, the
 * INCOMPLETE protocol fed in small chunks, a bad_inputs[] table, probing, and every Stratosphere
 * Zeek log in ../shared/data parsed without a malformed record.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

/* ---------------------------------------------------------------- helpers */



static const struct ks_parser_ops *parser(const char *name)
{
    const struct ks_parser_ops *p = ks_parser_find(name);
    assert_non_null(p);
    return p;
}

static uint64_t parse_all(const char *fmt, const char *text, size_t len, struct ks_collect *c)
{
    uint64_t bad = 99;
    assert_int_equal(ks_ingest_parse_buffer(parser(fmt), "t", text, len, ks_collect_sink, c, &bad),
                     0);
    return bad;
}




static void parse_chunked(const char *fmt, const char *text, size_t len, size_t chunk,
                          uint64_t *events, uint64_t *bad)
{
    ks_test_parse_chunked(parser(fmt), text, len, chunk, events, bad);
}

/* ---------------------------------------------------------------- golden mappings */

#define HDR_CONN                                                                                   \
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"  \
    "#open\t2022-06-17-00-00-07\n"                                                                 \
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"     \
    "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\t"          \
    "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tlabel\tdetailedlabel\n"   \
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\t" \
    "bool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\tstring\n"

#define CONN1                                                                                      \
    "1655071198.444458\tCHLXQF2OBY4onAR0Ug\t147.32.81.167\t62771\t40.74.108.123\t443\ttcp\tssl\t"  \
    "1.135424\t1596\t4039\tSF\tT\tF\t5138\tShADdaFf\t14\t1016\t16\t1226\t(empty)\tBenign\t"        \
    "Microsoft\n"
#define CONN2                                                                                      \
    "1655071231.749548\tCEL3aLvvNGvO6Ecoa\t2001:db8::1\t46563\t147.32.81.167\t3933\tudp\t-\t"      \
    "-\t-\t-\tS0\tF\tT\t0\tS\t2\t80\t0\t0\t(empty)\tMalicious\tExternal-Attack-to-Device\n"

static void test_conn_golden(void **unused)
{
    (void)unused;
    const char *text = HDR_CONN CONN1 CONN2 "#close\t2022-06-17-00-00-08\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("zeek", text, strlen(text), &c), 0);
    assert_int_equal(c.n, 2);

    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_FLOW);
    assert_int_equal(e->ts, INT64_C(1655071198444458000));
    assert_addr(&e->src, "147.32.81.167");
    assert_addr(&e->dst, "40.74.108.123");
    assert_int_equal(e->src_port, 62771);
    assert_int_equal(e->dst_port, 443);
    assert_int_equal(e->proto, 6);
    assert_sv(e->service, "ssl");
    assert_int_equal(e->duration, UINT64_C(1135424000));
    assert_int_equal(e->bytes_out, 1596);
    assert_int_equal(e->bytes_in, 4039);
    assert_int_equal(e->pkts_out, 14);
    assert_int_equal(e->pkts_in, 16);
    assert_sv(e->session, "CHLXQF2OBY4onAR0Ug");
    assert_int_equal(e->outcome, KS_OUTCOME_SUCCESS);
    assert_sv(e->dataset, "zeek.conn");
    assert_null(e->observer.p);
    assert_sv(ks_event_bag_get(e, "conn_state"), "SF");
    assert_sv(ks_event_bag_get(e, "history"), "ShADdaFf");
    assert_sv(ks_event_bag_get(e, "label"), "Benign");
    assert_sv(ks_event_bag_get(e, "detailedlabel"), "Microsoft");
    assert_sv(ks_event_bag_get(e, "tunnel_parents"), ""); /* (empty) kept as empty */
    assert_sv(ks_event_bag_get(e, "orig_ip_bytes"), "1016");
    assert_null(ks_event_bag_get(e, "proto").p);   /* mapped, so not in the bag */
    assert_null(ks_event_bag_get(e, "id.orig_h").p);
    assert_int_equal(e->nbag, 10); /* 23 columns - 13 mapped-only */

    e = c.ev[1];
    assert_addr(&e->src, "2001:db8::1");
    assert_int_equal(e->proto, 17);
    assert_null(e->service.p); /* unset */
    assert_int_equal(e->duration, 0);
    assert_int_equal(e->bytes_out, 0);
    assert_int_equal(e->outcome, KS_OUTCOME_FAILURE);
    assert_sv(ks_event_bag_get(e, "label"), "Malicious");
    assert_sv(ks_event_bag_get(e, "detailedlabel"), "External-Attack-to-Device");
    ks_collect_free(&c);
}

/* Columns are found by name: a shuffled, shortened #fields maps the same way, and an unknown
 * proto stays in the bag. */
static void test_columns_by_name(void **unused)
{
    (void)unused;
    const char *text = "#separator \\x09\n#path\tconn\n"
                       "#fields\tresp_bytes\tid.resp_p\tproto\tts\tid.orig_h\textra\t_node_name\t"
                       "conn_state\tid.resp_h\n"
                       "77\t53\tsctp\t10.5\t10.0.0.1\tx y\tsensor-1\tREJ\t10.0.0.2\n"
                       "88\t80\ttcp\t11\t10.0.0.3\t-\tsensor-2\tOTH\t10.0.0.4\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("zeek", text, strlen(text), &c), 0);
    assert_int_equal(c.n, 2);
    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->ts, INT64_C(10500000000));
    assert_int_equal(e->bytes_in, 77);
    assert_int_equal(e->dst_port, 53);
    assert_int_equal(e->proto, 0);
    assert_sv(ks_event_bag_get(e, "proto"), "sctp");
    assert_sv(ks_event_bag_get(e, "extra"), "x y");
    assert_sv(e->observer, "sensor-1");
    assert_addr(&e->src, "10.0.0.1");
    assert_addr(&e->dst, "10.0.0.2");
    assert_int_equal(e->outcome, KS_OUTCOME_FAILURE);
    e = c.ev[1];
    assert_null(ks_event_bag_get(e, "extra").p); /* unset: left out */
    assert_int_equal(e->outcome, KS_OUTCOME_UNKNOWN);
    assert_int_equal(e->proto, 6);
    ks_collect_free(&c);
}

/* http maps host+uri and username; dns stays generic with its own dataset; a second header
 * in the same file (concatenated logs) switches the mapping. */
static void test_paths_and_concat(void **unused)
{
    (void)unused;
    const char *text =
        "#separator \\x09\n#path\thttp\n"
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\tusername\n"
        "1.0\tC1\t10.0.0.1\t5000\t10.0.0.2\t80\tGET\texample.com\t/a?b=1\talice\n"
        "#close\tx\n"
        "#separator \\x09\n#unset_field\tNONE\n#path\tdns\n"
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers\n"
        "2.0\tC2\t10.0.0.1\t5001\t10.0.0.53\t53\tudp\texample.com\tNONE\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("zeek", text, strlen(text), &c), 0);
    assert_int_equal(c.n, 2);
    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_HTTP);
    assert_sv(e->dataset, "zeek.http");
    assert_sv(e->object, "example.com/a?b=1");
    assert_sv(e->user, "alice");
    assert_sv(e->session, "C1");
    assert_sv(ks_event_bag_get(e, "method"), "GET");
    assert_sv(ks_event_bag_get(e, "host"), "example.com");
    e = c.ev[1];
    assert_int_equal(e->kind, KS_KIND_GENERIC);
    assert_sv(e->dataset, "zeek.dns");
    assert_int_equal(e->dst_port, 53);
    assert_addr(&e->dst, "10.0.0.53");
    assert_int_equal(e->proto, 0);
    assert_sv(ks_event_bag_get(e, "proto"), "udp");
    assert_sv(ks_event_bag_get(e, "query"), "example.com");
    assert_null(ks_event_bag_get(e, "answers").p); /* custom unset marker */
    ks_collect_free(&c);
}

static void test_malformed_reason(void **unused)
{
    (void)unused;
    const struct ks_parser_ops *ops = parser("zeek");
    const char *text = HDR_CONN "1.5\tC\t10.0.0.1\t99999\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tSF\tT\tF\t0"
                                "\tS\t1\t1\t1\t1\t-\tBenign\t-\n";
    struct ks_parse_ctx ctx;
    void *st;
    size_t off = 0, consumed;
    struct ks_event ev;
    int r;
    memset(&ctx, 0, sizeof ctx);
    ctx.eof = true;
    assert_int_equal(ops->create(&ctx, &st), 0);
    while ((r = ops->next(st, &ctx, text + off, strlen(text) - off, &consumed, &ev)) ==
           KS_PARSE_SKIP)
        off += consumed;
    assert_int_equal(r, KS_PARSE_MALFORMED);
    assert_non_null(strstr(ctx.err, "id.orig_p"));
    off += consumed;
    assert_int_equal(off, strlen(text));
    assert_int_equal(ops->next(st, &ctx, text + off, 0, &consumed, &ev), KS_PARSE_END);
    ops->destroy(st);
}

/* ---------------------------------------------------------------- bad inputs */

#define HDR_MINI "#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tlabel\n"
#define GOOD "1.0\t10.0.0.1\t1\tx\n"

static const struct {
    const char *name;
    const char *fmt;
    const char *text;
    uint64_t events;
    uint64_t malformed;
} bad_inputs[] = {
    {"empty input", "zeek", "", 0, 0},
    {"blank lines", "zeek", "\n\r\n\n", 0, 0},
    {"header only", "zeek", HDR_MINI "#close\tx\n", 0, 0},
    {"data before header", "zeek", GOOD GOOD, 0, 2},
    {"data before #fields", "zeek", "#separator \\x09\n#path\tconn\n" GOOD, 0, 1},
    {"too few columns", "zeek", HDR_MINI GOOD "1.0\t10.0.0.1\t1\n" GOOD, 2, 1},
    {"too many columns", "zeek", HDR_MINI GOOD "1.0\t10.0.0.1\t1\tx\ty\n" GOOD, 2, 1},
    {"bad ts", "zeek", HDR_MINI "1.0x\t10.0.0.1\t1\tx\n" GOOD, 1, 1},
    {"unset ts", "zeek", HDR_MINI "-\t10.0.0.1\t1\tx\n" GOOD, 1, 1},
    {"bad address", "zeek", HDR_MINI "1.0\t10.0.0.300\t1\tx\n" GOOD, 1, 1},
    {"bad port", "zeek", HDR_MINI "1.0\t10.0.0.1\t65536\tx\n" GOOD, 1, 1},
    {"negative port", "zeek", HDR_MINI "1.0\t10.0.0.1\t-1\tx\n" GOOD, 1, 1},
    {"invalid UTF-8", "zeek", HDR_MINI "1.0\t10.0.0.1\t1\tx\xff\xfe\n" GOOD, 1, 1},
    {"overlong UTF-8", "zeek", HDR_MINI "1.0\t10.0.0.1\t1\t\xc0\xaf\n" GOOD, 1, 1},
    {"valid UTF-8 kept", "zeek", HDR_MINI "1.0\t10.0.0.1\t1\t\xc3\xa9t\xc3\xa9\n", 1, 0},
    {"fields without ts", "zeek", "#separator \\x09\n#fields\tuid\tproto\nC1\ttcp\n", 0, 1},
    {"bad separator", "zeek", "#separator ab\n" GOOD, 0, 2},
    {"empty column name", "zeek", "#separator \\x09\n#fields\tts\t\tx\n1\t2\t3\n", 0, 2},
    {"truncated complete last line", "zeek", HDR_MINI GOOD "2.0\t10.0.0.1\t1\tx", 2, 0},
    {"truncated partial last line", "zeek", HDR_MINI GOOD "2.0\t10.0.", 1, 1},
    {"CRLF lines", "zeek", "#separator \\x09\r\n#fields\tts\tuid\r\n1.0\tC1\r\n2.0\tC2\r\n", 2, 0},
    {"bad count", "zeek",
     "#separator \\x09\n#path\tconn\n#fields\tts\torig_bytes\n1\t12a\n1\t12\n", 1, 1},
    {"bad duration", "zeek",
     "#separator \\x09\n#path\tconn\n#fields\tts\tduration\n1\tabc\n1\t0.5\n", 1, 1},
    {"comma separator", "zeek", "#separator ,\n#fields,ts,uid\n1.0,C1\n2.0,C2,x\n", 1, 1},
    {"json: not json", "zeek-json", "{\"ts\":1,\"uid\":\"C\"}\nnot json\n{\"ts\":2}\n", 2, 1},
    {"json: array", "zeek-json", "[1,2]\n{\"ts\":2}\n", 1, 1},
    {"json: missing ts", "zeek-json", "{\"uid\":\"C\"}\n{\"ts\":2}\n", 1, 1},
    {"json: bad ts", "zeek-json", "{\"ts\":\"yesterday\"}\n{\"ts\":2}\n", 1, 1},
    {"json: bad addr", "zeek-json", "{\"ts\":1,\"id.orig_h\":\"1.2.3\"}\n{\"ts\":2}\n", 1, 1},
    {"json: truncated", "zeek-json", "{\"ts\":2}\n{\"ts\":1,\"uid\":\"C", 1, 1},
    {"json: invalid UTF-8", "zeek-json", "{\"ts\":1,\"q\":\"\xed\xa0\x80\"}\n{\"ts\":2}\n", 1, 1},
    {"json: blank lines", "zeek-json", "\n  \n{\"ts\":2}\n\n", 1, 0},
};

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        uint64_t events = 0, bad = 99, ev2, bad2;
        const char *t = bad_inputs[i].text;
        int rc = ks_ingest_parse_buffer(parser(bad_inputs[i].fmt), "t", t, strlen(t), ks_count_sink,
                                        &events, &bad);
        if (rc != 0 || events != bad_inputs[i].events || bad != bad_inputs[i].malformed)
            fail_msg("%s: rc %d events %llu malformed %llu, want %llu %llu", bad_inputs[i].name,
                     rc, (unsigned long long)events, (unsigned long long)bad,
                     (unsigned long long)bad_inputs[i].events,
                     (unsigned long long)bad_inputs[i].malformed);
        /* The same bytes fed in 3-byte steps give the same result. */
        parse_chunked(bad_inputs[i].fmt, t, strlen(t), 3, &ev2, &bad2);
        if (ev2 != events || bad2 != bad)
            fail_msg("%s: chunked %llu/%llu vs whole %llu/%llu", bad_inputs[i].name,
                     (unsigned long long)ev2, (unsigned long long)bad2,
                     (unsigned long long)events, (unsigned long long)bad);
    }
}

/* A value over the 64 KiB cap is malformed; one at the cap is kept. */
static void test_huge_field(void **unused)
{
    (void)unused;
    size_t big = 64 * 1024 + 1, cap = 256 + 2 * big;
    char *t = malloc(cap);
    size_t n = 0;
    n += (size_t)snprintf(t, cap, "%s", HDR_MINI "1.0\t10.0.0.1\t1\t");
    memset(t + n, 'a', big);
    n += big;
    t[n++] = '\n';
    memcpy(t + n, "1.0\t10.0.0.1\t1\t", 15);
    n += 15;
    memset(t + n, 'b', big - 1);
    n += big - 1;
    t[n++] = '\n';
    uint64_t events = 0, bad = 0;
    assert_int_equal(ks_ingest_parse_buffer(parser("zeek"), "t", t, n, ks_count_sink, &events, &bad),
                     0);
    assert_int_equal(events, 1);
    assert_int_equal(bad, 1);
    free(t);
}

/* Every (ASCII) truncation of a valid log parses without crashing, and every prefix ending at
 * a line boundary gives exactly its whole records. */
static void test_truncations(void **unused)
{
    (void)unused;
    const char *text = HDR_CONN CONN1 CONN2;
    size_t len = strlen(text);
    for (size_t cut = 0; cut <= len; cut++) {
        uint64_t events = 0, bad = 0;
        assert_int_equal(
            ks_ingest_parse_buffer(parser("zeek"), "t", text, cut, ks_count_sink, &events, &bad), 0);
        assert_true(events + bad <= 2);
    }
    uint64_t events = 0, bad = 0;
    size_t hdr = strlen(HDR_CONN);
    assert_int_equal(ks_ingest_parse_buffer(parser("zeek"), "t", text, hdr + strlen(CONN1),
                                            ks_count_sink, &events, &bad), 0);
    assert_int_equal(events, 1);
    assert_int_equal(bad, 0);
}

static void test_json_golden(void **unused)
{
    (void)unused;
    const char *text =
        "{\"ts\":1664462456.755299,\"uid\":\"C5xh\",\"id.orig_h\":\"172.16.1.11\","
        "\"id.orig_p\":40042,\"id.resp_h\":\"8.8.8.8\",\"id.resp_p\":53,\"proto\":\"udp\","
        "\"service\":\"dns\",\"duration\":0.012166976928710938,\"orig_bytes\":0,"
        "\"resp_bytes\":111,\"conn_state\":\"SHR\",\"local_orig\":true,\"history\":\"Cd\","
        "\"orig_pkts\":0,\"resp_pkts\":1,\"tunnel_parents\":[\"Cx\"]}\n"
        "{\"_path\":\"dns\",\"ts\":\"2022-09-29T14:40:56.755343Z\",\"uid\":\"C2\",\"id\":{"
        "\"orig_h\":\"172.16.1.11\",\"orig_p\":42647,\"resp_h\":\"8.8.4.4\",\"resp_p\":53},"
        "\"proto\":\"udp\",\"query\":\"a.example\",\"rtt\":null}\n"
        "{\"_path\":\"http\",\"ts\":3,\"host\":\"h\",\"uri\":\"/x\",\"username\":\"bob\","
        "\"_node_name\":\"worker-1\"}\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("zeek-json", text, strlen(text), &c), 0);
    assert_int_equal(c.n, 3);
    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_FLOW);
    assert_sv(e->dataset, "zeek.conn");
    assert_int_equal(e->ts, INT64_C(1664462456755299000));
    assert_addr(&e->src, "172.16.1.11");
    assert_addr(&e->dst, "8.8.8.8");
    assert_int_equal(e->src_port, 40042);
    assert_int_equal(e->dst_port, 53);
    assert_int_equal(e->proto, 17);
    assert_int_equal(e->duration, 12166976);
    assert_int_equal(e->bytes_in, 111);
    assert_int_equal(e->pkts_in, 1);
    assert_sv(e->session, "C5xh");
    assert_sv(ks_event_bag_get(e, "local_orig"), "true");
    assert_sv(ks_event_bag_get(e, "tunnel_parents"), "[\"Cx\"]");
    assert_sv(ks_event_bag_get(e, "conn_state"), "SHR");
    e = c.ev[1];
    assert_int_equal(e->kind, KS_KIND_GENERIC);
    assert_sv(e->dataset, "zeek.dns");
    assert_int_equal(e->ts, INT64_C(1664462456755343000));
    assert_addr(&e->dst, "8.8.4.4");
    assert_int_equal(e->src_port, 42647);
    assert_sv(ks_event_bag_get(e, "proto"), "udp");
    assert_null(ks_event_bag_get(e, "rtt").p);
    e = c.ev[2];
    assert_int_equal(e->kind, KS_KIND_HTTP);
    assert_sv(e->object, "h/x");
    assert_sv(e->user, "bob");
    assert_sv(e->observer, "worker-1");
    ks_collect_free(&c);
}

/* ---------------------------------------------------------------- registry and probes */

static void test_registry(void **unused)
{
    (void)unused;
    size_t n = 0;
    for (size_t i = 0; ks_parsers[i]; i++, n++) {
        const struct ks_parser_ops *p = ks_parsers[i];
        assert_int_equal(p->abi, KS_PARSER_ABI);
        assert_non_null(p->name);
        assert_non_null(p->description);
        assert_non_null(p->probe);
        assert_non_null(p->create);
        assert_non_null(p->next);
        assert_non_null(p->destroy);
        assert_ptr_equal(ks_parser_find(p->name), p);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ks_parsers[j]->name, p->name);
    }
    assert_true(n >= 3);
    assert_null(ks_parser_find("no-such-format"));
    assert_null(ks_parser_find(NULL));
}

static const struct {
    const char *head;
    const char *want; /* NULL: not a Zeek or Windows JSON input */
} probes[] = {
    {"#separator \\x09\n#set_separator\t,\n", "zeek"},
    {"{\"ts\":1664462456.7,\"uid\":\"C5\",\"id.orig_h\":\"1.2.3.4\"}\n", "zeek-json"},
    {"\xEF\xBB\xBF{\"_path\":\"dns\",\"ts\":1}\n", "zeek-json"},
    {"{\"Keywords\":1,\"EventID\":4624,\"Channel\":\"Security\"}\n", "winjson"},
    {"{\"@timestamp\":\"2020-01-01T00:00:00Z\",\"winlog\":{\"event_id\":4624}}", "winjson"},
    {"hello world\n", NULL},
    {"{\"a\":1}\n", NULL},
    {"", NULL},
};

static void test_detect(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const struct ks_parser_ops *p = ks_parser_detect(probes[i].head, strlen(probes[i].head));
        if (!probes[i].want) {
            /* Other formats (syslog, ...) may claim it; these parsers must not. */
            if (p && (strncmp(p->name, "zeek", 4) == 0 || strcmp(p->name, "winjson") == 0))
                fail_msg("probe %zu: got %s, want none of the Zeek/Windows parsers", i, p->name);
        } else if (!p || strcmp(p->name, probes[i].want) != 0) {
            fail_msg("probe %zu: got %s, want %s", i, p ? p->name : "none", probes[i].want);
        }
    }
}

/* ---------------------------------------------------------------- real data */

static const char *const zeek_logs[] = {
    "stratosphereips+security-datasets-for-testing/001-zeek-scenario-malicious/conn.log",
    "stratosphereips+security-datasets-for-testing/001-zeek-scenario-malicious/labeled-conn.log",
    "stratosphereips+security-datasets-for-testing/002-zeek-scenario-port-scanning/conn.log",
    "stratosphereips+security-datasets-for-testing/008-zeek-mixed/data/conn.log.labeled",
    "stratosphereips+security-datasets-for-testing/008-zeek-mixed/data/http.log.labeled",
    "stratosphereips+security-datasets-for-testing/008-zeek-mixed/data/notice.log.labeled",
    "stratosphereips+security-datasets-for-testing/008-zeek-mixed/data/sip.log.labeled",
    "stratosphereips+security-datasets-for-testing/008-zeek-mixed/data/ssl.log.labeled",
    "stratosphereips+security-datasets-for-testing/008-zeek-mixed/data/tunnel.log.labeled",
    "stratosphereips+security-datasets-for-testing/008-zeek-mixed/data/weird.log.labeled",
    "stratosphereips+StratosphereLinuxIPS/dataset/port-scans/horizontal/conn.log",
    "stratosphereips+StratosphereLinuxIPS/dataset/port-scans/vertical/conn.log",
    "stratosphereips+StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/conn.log.labeled",
    "stratosphereips+StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/dhcp.log.labeled",
    "stratosphereips+StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/dns.log.labeled",
    "stratosphereips+StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/notice.log.labeled",
    "stratosphereips+StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/quic.log.labeled",
    "stratosphereips+StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/ssl.log.labeled",
    "stratosphereips+StratosphereLinuxIPS/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/telemetry.log.labeled",
};

/* Data lines counted independently of the parser: non-blank lines not starting with '#'. */
static uint64_t count_data_lines(const char *p, size_t n)
{
    uint64_t lines = 0;
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        if (e > i && p[i] != '#' && !(e == i + 1 && p[i] == '\r'))
            lines++;
        i = e + 1;
    }
    return lines;
}

static void test_real_zeek_logs(void **unused)
{
    (void)unused;
    char path[4096];
    KS_NEED_DATA(path, zeek_logs[0]);
    for (size_t i = 0; i < sizeof zeek_logs / sizeof zeek_logs[0]; i++) {
        size_t len;
        KS_NEED_DATA(path, zeek_logs[i]);
        char *buf = ks_test_read_file(path, &len);
        assert_non_null(buf);
        const struct ks_parser_ops *ops = ks_parser_detect(buf, KS_MIN(len, (size_t)65536));
        if (!ops)
            fail_msg("%s: format not detected", zeek_logs[i]);
        assert_true(strncmp(ops->name, "zeek", 4) == 0);
        struct ks_collect c = {0};
        uint64_t bad = 99;
        assert_int_equal(ks_ingest_parse_buffer(ops, path, buf, len, ks_collect_sink, &c, &bad), 0);
        uint64_t want = count_data_lines(buf, len);
        if (c.n != want || bad != 0)
            fail_msg("%s: %zu events, %llu malformed; %llu data lines", zeek_logs[i], c.n,
                     (unsigned long long)bad, (unsigned long long)want);
        bool labeled = strstr(zeek_logs[i], "label") != NULL;
        bool conn = strstr(zeek_logs[i], "conn") != NULL;
        for (size_t k = 0; k < c.n; k++) {
            const struct ks_event *e = c.ev[k];
            assert_true(e->ts > 0);
            assert_true(ks_test_sv_is(e->dataset, "zeek") || strncmp(e->dataset.p, "zeek.", 5) == 0);
            if (labeled && !ks_event_bag_get(e, "label").p)
                fail_msg("%s: event %zu has no label in the bag", zeek_logs[i], k);
            if (conn) {
                assert_int_equal(e->kind, KS_KIND_FLOW);
                assert_true(ks_addr_is_set(&e->src) && ks_addr_is_set(&e->dst));
                assert_non_null(e->session.p);
            }
        }
        ks_collect_free(&c);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn_golden),
        cmocka_unit_test(test_columns_by_name),
        cmocka_unit_test(test_paths_and_concat),
        cmocka_unit_test(test_malformed_reason),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_huge_field),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_json_golden),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_real_zeek_logs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
