/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_openvpn.c - the OpenVPN server log parser ("openvpn"): a golden session (auth,
 * connect, address assignment, disconnect) in ctime, ISO and machine-readable timestamps, the
 * one-event-per-assignment rule, authentication failures, a bad_inputs[] table also fed in
 * small chunks, and probing.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"



static const struct ks_parser_ops *parser(void)
{
    const struct ks_parser_ops *p = ks_parser_find("openvpn");
    assert_non_null(p);
    return p;
}




static int64_t ts_of(const char *rfc3339)
{
    int64_t ns;
    assert_int_equal(ks_time_parse_rfc3339(rfc3339, strlen(rfc3339), &ns), 0);
    return ns;
}

static void parse_chunked(const char *text, size_t len, size_t chunk, uint64_t *events,
                          uint64_t *bad)
{
    ks_test_parse_chunked(parser(), text, len, chunk, events, bad);
}

#define SESSION                                                                                    \
    "Mon Nov 23 17:00:00 2026 OpenVPN 2.5.9 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4]\n"    \
    "Mon Nov 23 17:00:00 2026 Initialization Sequence Completed\n"                                 \
    "Mon Nov 23 17:01:02 2026 198.51.100.7:51234 TLS: Initial packet from "                        \
    "[AF_INET]198.51.100.7:51234, sid=1a2b3c4d 5e6f7a8b\n"                                         \
    "Mon Nov 23 17:01:02 2026 198.51.100.7:51234 VERIFY OK: depth=0, CN=laptop-17\n"               \
    "Mon Nov 23 17:01:02 2026 198.51.100.7:51234 TLS: Username/Password authentication "           \
    "succeeded for username 'alice'\n"                                                             \
    "Mon Nov 23 17:01:02 2026 198.51.100.7:51234 [laptop-17] Peer Connection Initiated with "      \
    "[AF_INET]198.51.100.7:51234\n"                                                                \
    "Mon Nov 23 17:01:02 2026 laptop-17/198.51.100.7:51234 MULTI_sva: pool returned "              \
    "IPv4=10.8.0.6, IPv6=(Not enabled)\n"                                                          \
    "Mon Nov 23 17:01:02 2026 laptop-17/198.51.100.7:51234 MULTI: Learn: 10.8.0.6 -> "             \
    "laptop-17/198.51.100.7:51234\n"                                                               \
    "Mon Nov 23 17:01:02 2026 laptop-17/198.51.100.7:51234 MULTI: primary virtual IP for "         \
    "laptop-17/198.51.100.7:51234: 10.8.0.6\n"                                                     \
    "Mon Nov 23 18:30:00 2026 laptop-17/198.51.100.7:51234 SIGTERM[soft,remote-exit] received, "   \
    "client-instance exiting\n"

static void test_session_golden(void **unused)
{
    (void)unused;
    struct ks_collect c = {0};
    uint64_t bad = 99;
    const char *text = SESSION;
    assert_int_equal(
        ks_ingest_parse_buffer(parser(), "t", text, strlen(text), ks_collect_sink, &c, &bad), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(c.n, 4); /* auth, connect, assign (once), disconnect */

    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_AUTH);
    assert_sv(e->action, "vpn-auth");
    assert_int_equal(e->outcome, KS_OUTCOME_SUCCESS);
    assert_sv(e->user, "alice");
    assert_addr(&e->src, "198.51.100.7");
    assert_int_equal(e->src_port, 51234);
    assert_sv(e->dataset, "vpn.openvpn");
    assert_sv(e->service, "openvpn");
    assert_int_equal(e->ts, ts_of("2026-11-23T17:01:02Z"));

    e = c.ev[1];
    assert_int_equal(e->kind, KS_KIND_VPN);
    assert_sv(e->action, "vpn-connect");
    assert_sv(e->user, "alice"); /* the authenticated name wins over the CN */
    assert_addr(&e->src, "198.51.100.7");

    e = c.ev[2];
    assert_int_equal(e->kind, KS_KIND_VPN);
    assert_sv(e->action, "vpn-assign");
    assert_sv(e->user, "alice");
    assert_addr(&e->src, "198.51.100.7");
    assert_int_equal(e->src_port, 51234);
    assert_addr(&e->dst, "10.8.0.6");
    assert_sv(ks_event_bag_get(e, "assigned_ip"), "10.8.0.6");
    assert_sv(ks_event_bag_get(e, "openvpn.common_name"), "laptop-17");

    e = c.ev[3];
    assert_sv(e->action, "vpn-disconnect");
    assert_sv(e->user, "alice");
    assert_int_equal(e->ts, ts_of("2026-11-23T18:30:00Z"));
    ks_collect_free(&c);
}

/* Certificate-only clients (user = CN), a static address from ccd (only "primary virtual IP"),
 * ISO and machine-readable timestamps, IPv6 peers, and failures. */
static void test_variants(void **unused)
{
    (void)unused;
    const char *text =
        "2026-11-23 09:00:00 [AF_INET6]2001:db8::5:40000 [bob] Peer Connection Initiated with "
        "[AF_INET6]2001:db8::5:40000\n"
        "2026-11-23 09:00:00 bob/2001:db8::5:40000 MULTI: primary virtual IP for "
        "bob/2001:db8::5:40000: 10.8.0.50\n"
        "1700000000.500000 0 carol/192.0.2.9:1194 MULTI_sva: pool returned IPv4=10.8.0.7, "
        "IPv6=(Not enabled)\n"
        "2026-11-23 09:05:00 192.0.2.10:5555 AUTH-PAM: BACKGROUND: user 'mallory' failed to "
        "authenticate: Authentication failure\n"
        "2026-11-23 09:05:01 192.0.2.10:5555 TLS Auth Error: Auth Username/Password "
        "verification failed for peer\n"
        "2026-11-23 09:05:02 192.0.2.11:5556 VERIFY ERROR: depth=0, error=certificate has "
        "expired: CN=old-laptop\n"
        "2026-11-23 09:06:00 MULTI_sva: pool returned IPv4=10.8.0.9, IPv6=(Not enabled)\n";
    struct ks_collect c = {0};
    uint64_t bad = 99;
    assert_int_equal(
        ks_ingest_parse_buffer(parser(), "t", text, strlen(text), ks_collect_sink, &c, &bad), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(c.n, 6);
    const struct ks_event *e = c.ev[0];
    assert_sv(e->action, "vpn-connect");
    assert_sv(e->user, "bob");
    assert_addr(&e->src, "2001:db8::5");
    assert_int_equal(e->src_port, 40000);
    assert_int_equal(e->ts, ts_of("2026-11-23T09:00:00Z"));
    e = c.ev[1];
    assert_sv(e->action, "vpn-assign");
    assert_sv(e->user, "bob");
    assert_addr(&e->dst, "10.8.0.50");
    e = c.ev[2];
    assert_sv(e->action, "vpn-assign");
    assert_sv(e->user, "carol");
    assert_int_equal(e->ts, INT64_C(1700000000500000000));
    assert_addr(&e->dst, "10.8.0.7");
    e = c.ev[3];
    assert_int_equal(e->kind, KS_KIND_AUTH);
    assert_int_equal(e->outcome, KS_OUTCOME_FAILURE);
    assert_sv(e->user, "mallory");
    e = c.ev[4];
    assert_int_equal(e->outcome, KS_OUTCOME_FAILURE);
    assert_null(e->user.p);
    assert_addr(&e->src, "192.0.2.10");
    e = c.ev[5];
    assert_int_equal(e->outcome, KS_OUTCOME_FAILURE);
    assert_sv(e->user, "old-laptop");
    ks_collect_free(&c);
}

/* A second, different assignment for the same peer is an event; a repeat of the same one is
 * not. */
static void test_assignment_dedup(void **unused)
{
    (void)unused;
    const char *text =
        "2026-11-23 09:00:00 a/192.0.2.1:1 MULTI_sva: pool returned IPv4=10.8.0.2, IPv6=x\n"
        "2026-11-23 09:00:00 a/192.0.2.1:1 MULTI: primary virtual IP for a/192.0.2.1:1: 10.8.0.2\n"
        "2026-11-23 09:00:00 a/192.0.2.1:1 MULTI: primary virtual IP for a/192.0.2.1:1: 10.8.0.3\n"
        "2026-11-23 09:00:00 b/192.0.2.2:1 MULTI: primary virtual IP for b/192.0.2.2:1: 10.8.0.3\n";
    uint64_t events = 0, bad = 9;
    assert_int_equal(
        ks_ingest_parse_buffer(parser(), "t", text, strlen(text), ks_count_sink, &events, &bad), 0);
    assert_int_equal(events, 3);
    assert_int_equal(bad, 0);
}

/* Status files, version 2 (commas, with HEADER) and 3 (tabs, OpenVPN 2.3 layout without the
 * IPv6 column: columns come from HEADER). */
static void test_status_file(void **unused)
{
    (void)unused;
    const char *v2 =
        "TITLE,OpenVPN 2.5.9 x86_64-pc-linux-gnu [SSL (OpenSSL)]\n"
        "TIME,2026-11-23 17:05:00,1795453500\n"
        "HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,"
        "Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,"
        "Peer ID,Data Channel Cipher\n"
        "CLIENT_LIST,laptop-17,198.51.100.7:51234,10.8.0.6,,12345,67890,2026-11-23 17:01:02,"
        "1795453262,alice,0,0,AES-256-GCM\n"
        "CLIENT_LIST,phone,203.0.113.5:1194,10.8.0.10,,1,2,2026-11-23 17:02:00,1795453320,UNDEF,"
        "1,1,AES-256-GCM\n"
        "CLIENT_LIST,pending,203.0.113.6:1194,,,0,0,2026-11-23 17:02:00,1795453320,UNDEF,2,2,x\n"
        "HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)\n"
        "ROUTING_TABLE,10.8.0.6,laptop-17,198.51.100.7:51234,2026-11-23 17:04:59,1795453499\n"
        "GLOBAL_STATS,Max bcast/mcast queue length,0\n"
        "END\n";
    struct ks_collect c = {0};
    uint64_t bad = 99;
    const struct ks_parser_ops *p = ks_parser_detect(v2, strlen(v2));
    assert_non_null(p);
    assert_string_equal(p->name, "openvpn");
    assert_int_equal(ks_ingest_parse_buffer(parser(), "t", v2, strlen(v2), ks_collect_sink, &c, &bad),
                     0);
    assert_int_equal(bad, 0);
    assert_int_equal(c.n, 2);
    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_VPN);
    assert_sv(e->action, "vpn-assign");
    assert_int_equal(e->ts, INT64_C(1795453262) * KS_NS_PER_SEC);
    assert_sv(e->user, "alice");
    assert_addr(&e->src, "198.51.100.7");
    assert_int_equal(e->src_port, 51234);
    assert_addr(&e->dst, "10.8.0.6");
    assert_int_equal(e->bytes_out, 12345);
    assert_int_equal(e->bytes_in, 67890);
    assert_sv(ks_event_bag_get(e, "assigned_ip"), "10.8.0.6");
    assert_sv(ks_event_bag_get(e, "openvpn.common_name"), "laptop-17");
    assert_sv(ks_event_bag_get(e, "openvpn.record"), "CLIENT_LIST");
    assert_sv(c.ev[1]->user, "phone"); /* Username UNDEF: the CN */
    ks_collect_free(&c);

    const char *v3 =
        "TITLE\tOpenVPN 2.3.10\n"
        "HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tBytes Received\t"
        "Bytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\n"
        "CLIENT_LIST\tbob\t192.0.2.4:40000\t10.8.0.22\t5\t6\tThu Jun 18 08:11:00 2015\t"
        "1434615060\tUNDEF\n";
    bad = 99;
    assert_int_equal(ks_ingest_parse_buffer(parser(), "t", v3, strlen(v3), ks_collect_sink, &c, &bad),
                     0);
    assert_int_equal(bad, 0);
    assert_int_equal(c.n, 1);
    assert_sv(c.ev[0]->user, "bob");
    assert_addr(&c.ev[0]->dst, "10.8.0.22");
    assert_int_equal(c.ev[0]->bytes_out, 5);
    assert_int_equal(c.ev[0]->ts, INT64_C(1434615060) * KS_NS_PER_SEC);
    ks_collect_free(&c);
}

#define GOOD "2026-11-23 09:00:00 a/192.0.2.1:1 MULTI_sva: pool returned IPv4=10.8.0.2, IPv6=x\n"

static const struct {
    const char *name;
    const char *text;
    uint64_t events;
    uint64_t malformed;
} bad_inputs[] = {
    {"empty input", "", 0, 0},
    {"blank lines", "\n\r\n  \n", 0, 0},
    {"no timestamp", "a/192.0.2.1:1 MULTI_sva: pool returned IPv4=10.8.0.2\n" GOOD, 1, 1},
    {"bad month", "Mon Foo 23 17:00:00 2026 x\n" GOOD, 1, 1},
    {"bad hour", "2026-11-23 29:00:00 x\n" GOOD, 1, 1},
    {"bad day", "2026-11-32 09:00:00 x\n" GOOD, 1, 1},
    {"bad assigned address", "2026-11-23 09:00:00 a/192.0.2.1:1 MULTI_sva: pool returned "
     "IPv4=10.8.0.300, IPv6=x\n" GOOD, 1, 0},
    {"assignment without peer", "2026-11-23 09:00:00 MULTI_sva: pool returned IPv4=10.8.0.2\n",
     0, 0},
    {"bad peer port", "2026-11-23 09:00:00 a/192.0.2.1:99999 MULTI_sva: pool returned "
     "IPv4=10.8.0.2\n", 0, 0},
    {"unterminated user quote", "2026-11-23 09:00:00 192.0.2.1:1 TLS: Username/Password "
     "authentication succeeded for username 'x\n" GOOD, 1, 0},
    {"invalid UTF-8", "2026-11-23 09:00:00 \xff\xfe\n" GOOD, 1, 1},
    {"truncated last line", GOOD "2026-11-23 09:0", 1, 1},
    {"truncated complete last line", GOOD GOOD, 2, 0},
    {"status: bad time_t", "CLIENT_LIST,a,192.0.2.1:1,10.8.0.2,,1,2,x,17x,u\n" GOOD, 1, 1},
    {"status: bad real address", "CLIENT_LIST,a,192.0.2.1,10.8.0.2,,1,2,x,17,u\n" GOOD, 1, 1},
    {"status: bad virtual address", "CLIENT_LIST,a,192.0.2.1:1,10.8.0.999,,1,2,x,17,u\n" GOOD,
     1, 1},
    {"status: bad bytes", "CLIENT_LIST,a,192.0.2.1:1,10.8.0.2,,1k,2,x,17,u\n" GOOD, 1, 1},
    {"status: too few columns", "CLIENT_LIST,a,192.0.2.1:1\n" GOOD, 1, 1},
    {"status: header without needed columns", "HEADER,CLIENT_LIST,Common Name\n"
     "CLIENT_LIST,a\n", 0, 2},
    {"status: other rows skipped", "TITLE,x\nTIME,x\nROUTING_TABLE,x\nGLOBAL_STATS,x\nEND\n", 0,
     0},
    {"CRLF", "2026-11-23 09:00:00 a/192.0.2.1:1 MULTI_sva: pool returned IPv4=10.8.0.2\r\n", 1,
     0},
};

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        uint64_t events = 0, bad = 99, ev2, bad2;
        const char *t = bad_inputs[i].text;
        int rc = ks_ingest_parse_buffer(parser(), "t", t, strlen(t), ks_count_sink, &events, &bad);
        if (rc != 0 || events != bad_inputs[i].events || bad != bad_inputs[i].malformed)
            fail_msg("%s: rc %d events %llu malformed %llu, want %llu %llu", bad_inputs[i].name,
                     rc, (unsigned long long)events, (unsigned long long)bad,
                     (unsigned long long)bad_inputs[i].events,
                     (unsigned long long)bad_inputs[i].malformed);
        parse_chunked(t, strlen(t), 3, &ev2, &bad2);
        if (ev2 != events || bad2 != bad)
            fail_msg("%s: chunked %llu/%llu vs whole %llu/%llu", bad_inputs[i].name,
                     (unsigned long long)ev2, (unsigned long long)bad2,
                     (unsigned long long)events, (unsigned long long)bad);
    }
}

static void test_huge_line(void **unused)
{
    (void)unused;
    size_t big = 64 * 1024 + 10;
    char *t = malloc(big + 128);
    assert_non_null(t);
    memcpy(t, "2026-11-23 09:00:00 ", 20);
    memset(t + 20, 'a', big - 20);
    t[big] = '\n';
    memcpy(t + big + 1, GOOD, strlen(GOOD));
    uint64_t events = 0, bad = 0;
    assert_int_equal(ks_ingest_parse_buffer(parser(), "t", t, big + 1 + strlen(GOOD), ks_count_sink,
                                            &events, &bad),
                     0);
    assert_int_equal(events, 1);
    assert_int_equal(bad, 1);
    free(t);
}

static void test_detect(void **unused)
{
    (void)unused;
    const struct ks_parser_ops *p = ks_parser_detect(SESSION, strlen(SESSION));
    assert_non_null(p);
    assert_string_equal(p->name, "openvpn");
    p = ks_parser_detect(GOOD, strlen(GOOD));
    assert_non_null(p);
    assert_string_equal(p->name, "openvpn");
    static const char *const others[] = {
        "2026-11-23 09:00:00 nothing to see\n",
        "Oct 10 13:55:36 host sshd[1]: Accepted password for x from 1.2.3.4 port 2 ssh2\n",
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(others); i++) {
        p = ks_parser_detect(others[i], strlen(others[i]));
        if (p && strcmp(p->name, "openvpn") == 0)
            fail_msg("other %zu claimed by openvpn", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_golden),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_assignment_dedup),
        cmocka_unit_test(test_status_file),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_huge_line),
        cmocka_unit_test(test_detect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
