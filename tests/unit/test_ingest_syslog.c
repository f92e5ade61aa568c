/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_syslog.c - the "syslog" parser: header framing (RFC 5424 with structured data,
 * RFC 3164 with and without <PRI>, ISO-stamped file lines, Cisco sequence/stamp/mnemonic forms,
 * FortiGate date=), RFC 3164 year and zone inference, a bad_inputs[] table fed whole and in
 * small chunks, per-vendor golden mappings (line -> kind/outcome/user/src/action/object), every
 * classifier row's own example line, probing, and real data: loghub OpenSSH_2k (520 failed
 * passwords, 1 accepted login), loghub Linux_2k, and the Cisco/PIX/sshd lines quoted in the
 * ossec-docs log samples.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/ingest_syslog_int.h"

/* ---------------------------------------------------------------- helpers */



static const struct ks_parser_ops *syslog_parser(void)
{
    const struct ks_parser_ops *p = ks_parser_find("syslog");
    assert_non_null(p);
    return p;
}

static uint64_t parse_all(const char *text, size_t len, struct ks_collect *c)
{
    uint64_t bad = 99;
    assert_int_equal(
        ks_ingest_parse_buffer(syslog_parser(), "t", text, len, ks_collect_sink, c, &bad), 0);
    return bad;
}



static bool addr_is(const struct ks_addr *a, const char *want)
{
    char buf[KS_ADDR_STRLEN];
    size_t n = ks_addr_format(a, buf, sizeof buf);
    if (!want || !*want)
        return !ks_addr_is_set(a);
    return ks_addr_is_set(a) && n == strlen(want) && memcmp(buf, want, n) == 0;
}

static int64_t T(int y, int mo, int d, int h, int mi, int s)
{
    return ks_time_from_civil(y, mo, d, h, mi, s, 0);
}

/* Fixed options for reproducible years: reference 2024-06-01, UTC. */
static int setup_ref(void **unused)
{
    (void)unused;
    struct ks_syslog_opts o = {.reference_ns = T(2024, 6, 1, 0, 0, 0), .tz_set = true};
    ks_ingest_syslog_configure(&o);
    return 0;
}

static int teardown_ref(void **unused)
{
    (void)unused;
    ks_ingest_syslog_configure(NULL);
    return 0;
}

static void parse_chunked(const char *text, size_t len, size_t chunk, uint64_t *events,
                          uint64_t *bad)
{
    ks_test_parse_chunked(syslog_parser(), text, len, chunk, events, bad);
}

/* ---------------------------------------------------------------- header framing */

static const struct {
    const char *line;
    int64_t ts;
    const char *host, *program, *pid, *msgid, *message;
    int facility, severity; /* -1: absent */
} headers[] = {
    {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
     INT64_C(1697062455000000000), "mymachine", "su", NULL, NULL,
     "'su root' failed for lonvick on /dev/pts/8", 4, 2},
    {"May  6 09:00:00 host prog[123]: hello world", INT64_C(1714986000000000000), "host", "prog",
     "123", NULL, "hello world", -1, -1},
    {"May 16 09:00:00.250 host prog: x", INT64_C(1715850000250000000), "host", "prog", NULL, NULL,
     "x", -1, -1},
    {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
     "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \xEF\xBB\xBF" "An application event",
     INT64_C(1065910455003000000), "mymachine.example.com", "evntslog", NULL, "ID47",
     "An application event", 20, 5},
    {"<13>1 2024-01-02T03:04:05+01:00 - - - - -", INT64_C(1704161045000000000), NULL, NULL, NULL,
     NULL, "", 1, 5},
    {"2024-05-06T09:00:00.5+02:00 web1 sshd[77]: Connection closed by 10.0.0.1 port 22",
     INT64_C(1714978800500000000), "web1", "sshd", "77", NULL,
     "Connection closed by 10.0.0.1 port 22", -1, -1},
    {"Sep  6 09:13:00 RouterName 82: Sep  6 14:12:56.872: %SYS-5-CONFIG_I: Configured from "
     "console by admin on vty0 (1.1.1.1)",
     INT64_C(1693991580000000000), "RouterName", "SYS", NULL, "SYS-5-CONFIG_I",
     "Configured from console by admin on vty0 (1.1.1.1)", -1, 5},
    {"<189>123: *Mar  1 00:00:12.123 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up",
     INT64_C(1709251212123000000), NULL, "LINK", NULL, "LINK-3-UPDOWN",
     "Interface Gi0/1, changed state to up", 23, 5},
    {"*Mar  1 00:00:12.123 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up",
     INT64_C(1709251212123000000), NULL, "LINK", NULL, "LINK-3-UPDOWN",
     "Interface Gi0/1, changed state to up", -1, 3},
    {"Mar 12 08:00:00 asa1 %ASA-6-605005: Login permitted", INT64_C(1710230400000000000), "asa1",
     "ASA", NULL, "ASA-6-605005", "Login permitted", -1, 6},
    {"2019 Mar 20 10:15:32 n9k %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by admin on "
     "10.1.1.5@pts/0",
     INT64_C(1553076932000000000), "n9k", "VSHD", NULL, "VSHD-5-VSHD_SYSLOG_CONFIG_I",
     "Configured from vty by admin on 10.1.1.5@pts/0", -1, 5},
    {"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
     INT64_C(1718378161000000000), "combo", "sshd(pam_unix)", "19939", NULL,
     "check pass; user unknown", -1, -1},
    {"Jun 14 15:16:01 combo syslogd 1.4.1: restart.", INT64_C(1718378161000000000), "combo", NULL,
     NULL, NULL, "syslogd 1.4.1: restart.", -1, -1},
    {"May  6 09:00:00 prog[9]: no host here", INT64_C(1714986000000000000), NULL, "prog", "9",
     NULL, "no host here", -1, -1},
    {"<190>date=2019-05-13 time=11:45:03 devname=\"FGT\" logid=\"0000000013\" type=\"traffic\"",
     INT64_C(1557747903000000000), NULL, NULL, NULL, NULL,
     "date=2019-05-13 time=11:45:03 devname=\"FGT\" logid=\"0000000013\" type=\"traffic\"", 23,
     6},
    {"Jul 10 16:07:14 cisco2621 636: .Jul 10 15:58:56.590 EDT: %SEC-6-IPACCESSLOGP: list 102 "
     "denied tcp 10.0.6.56(3067) -> 172.36.4.7(139), 1 packet",
     INT64_C(1689005234000000000), "cisco2621", "SEC", NULL, "SEC-6-IPACCESSLOGP",
     "list 102 denied tcp 10.0.6.56(3067) -> 172.36.4.7(139), 1 packet", -1, 6},
};

static void check_bag_num(const struct ks_event *e, const char *key, int want, size_t i)
{
    struct ks_sv v = ks_event_bag_get(e, key);
    if (want < 0) {
        if (v.p)
            fail_msg("header %zu: %s present", i, key);
        return;
    }
    char buf[16];
    snprintf(buf, sizeof buf, "%d", want);
    if (!ks_test_sv_is(v, buf))
        fail_msg("header %zu: %s = '%.*s', want %s", i, key, (int)v.n, v.p ? v.p : "", buf);
}

static void check_opt(struct ks_sv got, const char *want, const char *what, size_t i)
{
    if (!want) {
        if (got.p && got.n)
            fail_msg("header %zu: %s '%.*s', want none", i, what, (int)got.n, got.p);
    } else if (!ks_test_sv_is(got, want)) {
        fail_msg("header %zu: %s '%.*s', want '%s'", i, what, (int)got.n, got.p ? got.p : "",
                 want);
    }
}

static void test_headers(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(headers); i++) {
        struct ks_collect c = {0};
        const char *l = headers[i].line;
        uint64_t bad = parse_all(l, strlen(l), &c);
        if (bad != 0 || c.n != 1)
            fail_msg("header %zu: %zu events, %llu malformed", i, c.n, (unsigned long long)bad);
        const struct ks_event *e = c.ev[0];
        if (e->ts != headers[i].ts)
            fail_msg("header %zu: ts %lld, want %lld", i, (long long)e->ts,
                     (long long)headers[i].ts);
        check_opt(e->observer, headers[i].host, "host", i);
        check_opt(ks_event_bag_get(e, "process.name"), headers[i].program, "program", i);
        check_opt(ks_event_bag_get(e, "process.pid"), headers[i].pid, "pid", i);
        check_opt(ks_event_bag_get(e, "syslog.msgid"), headers[i].msgid, "msgid", i);
        if (!ks_test_sv_is(ks_event_bag_get(e, "message"), headers[i].message))
            fail_msg("header %zu: message '%.*s'", i, (int)ks_event_bag_get(e, "message").n,
                     ks_event_bag_get(e, "message").p);
        check_bag_num(e, "syslog.facility", headers[i].facility, i);
        check_bag_num(e, "syslog.severity", headers[i].severity, i);
        ks_collect_free(&c);
    }
}

/* Every SD-PARAM lands in the bag as sd.ID.PARAM, escapes undone. */
static void test_structured_data(void **unused)
{
    (void)unused;
    const char *l = "<165>1 2003-10-11T22:14:15.003Z host app 1 ID [a@1 x=\"1\" y=\"q\\\"u\\]o\\\\\"]"
                    "[b z=\"\"] msg";
    struct ks_collect c = {0};
    assert_int_equal(parse_all(l, strlen(l), &c), 0);
    assert_int_equal(c.n, 1);
    const struct ks_event *e = c.ev[0];
    assert_sv(ks_event_bag_get(e, "sd.a@1.x"), "1");
    assert_sv(ks_event_bag_get(e, "sd.a@1.y"), "q\"u]o\\");
    assert_sv(ks_event_bag_get(e, "sd.b.z"), "");
    assert_sv(ks_event_bag_get(e, "message"), "msg");
    assert_sv(ks_event_bag_get(e, "process.pid"), "1");
    assert_int_equal(e->kind, KS_KIND_SYSLOG);
    assert_sv(e->dataset, "syslog.generic");
    assert_sv(e->object, "msg");
    assert_sv(e->service, "app");
    ks_collect_free(&c);
}

/* ---------------------------------------------------------------- year and zone */

static int64_t one_ts(const char *text)
{
    struct ks_collect c = {0};
    assert_int_equal(parse_all(text, strlen(text), &c), 0);
    assert_true(c.n >= 1);
    int64_t ts = c.ev[c.n - 1]->ts;
    ks_collect_free(&c);
    return ts;
}

static void test_year_inference(void **unused)
{
    (void)unused;
    struct ks_syslog_opts o = {.tz_set = true};
    /* Reference early January: December is last year. */
    o.reference_ns = T(2024, 1, 5, 0, 0, 0);
    ks_ingest_syslog_configure(&o);
    assert_int_equal(one_ts("Dec 31 23:59:59 h p: x\n"), T(2023, 12, 31, 23, 59, 59));
    assert_int_equal(one_ts("Jan  4 10:00:00 h p: x\n"), T(2024, 1, 4, 10, 0, 0));
    /* Up to a month ahead of the reference stays in the reference's year. */
    assert_int_equal(one_ts("Feb  3 10:00:00 h p: x\n"), T(2024, 2, 3, 10, 0, 0));
    assert_int_equal(one_ts("Feb  6 10:00:00 h p: x\n"), T(2023, 2, 6, 10, 0, 0));
    /* Reference late December: early January is next year. */
    o.reference_ns = T(2023, 12, 20, 0, 0, 0);
    ks_ingest_syslog_configure(&o);
    assert_int_equal(one_ts("Jan  3 00:00:01 h p: x\n"), T(2024, 1, 3, 0, 0, 1));
    assert_int_equal(one_ts("Dec 19 00:00:01 h p: x\n"), T(2023, 12, 19, 0, 0, 1));
    /* A full timestamp earlier in the input replaces the configured reference. */
    assert_int_equal(one_ts("<13>1 2019-03-01T00:00:00Z h p - - - x\nMar  2 00:00:00 h p: y\n"),
                     T(2019, 3, 2, 0, 0, 0));
    assert_int_equal(one_ts("2016-12-30T00:00:00Z h p: x\nJan  2 00:00:00 h p: y\n"),
                     T(2017, 1, 2, 0, 0, 0));
    /* A forced year wins. */
    o.year = 2001;
    ks_ingest_syslog_configure(&o);
    assert_int_equal(one_ts("Jan  3 00:00:01 h p: x\n"), T(2001, 1, 3, 0, 0, 1));
    /* Zone: 3164 stamps are read in the configured zone; explicit ones keep theirs. */
    o.year = 2024;
    assert_int_equal(ks_ingest_syslog_parse_tz("+09:00", 6, &o.tz_offset_s), 0);
    assert_int_equal(o.tz_offset_s, 32400);
    ks_ingest_syslog_configure(&o);
    assert_int_equal(one_ts("Jan  3 09:00:00 h p: x\n"), T(2024, 1, 3, 0, 0, 0));
    assert_int_equal(one_ts("*Jan  3 09:00:00.000 UTC: %SYS-5-RESTART: x\n"),
                     T(2024, 1, 3, 9, 0, 0));
    assert_int_equal(one_ts("<13>1 2024-01-03T09:00:00Z h p - - - x\n"), T(2024, 1, 3, 9, 0, 0));
    int32_t off;
    assert_int_equal(ks_ingest_syslog_parse_tz("-0530", 5, &off), 0);
    assert_int_equal(off, -19800);
    assert_int_equal(ks_ingest_syslog_parse_tz("UTC", 3, &off), 0);
    assert_int_equal(off, 0);
    assert_int_not_equal(ks_ingest_syslog_parse_tz("+9", 2, &off), 0);
    assert_int_not_equal(ks_ingest_syslog_parse_tz("+25:00", 6, &off), 0);
    setup_ref(NULL);
}

/* ---------------------------------------------------------------- bad inputs */

#define OK1 "May  6 09:00:00 host prog: fine\n"

static const struct {
    const char *name;
    const char *text;
    uint64_t events;
    uint64_t malformed;
} bad_inputs[] = {
    {"empty input", "", 0, 0},
    {"blank lines", "\n\r\n  \n", 0, 0},
    {"no header", "hello world\n" OK1, 1, 1},
    {"PRI too big", "<192>May  6 09:00:00 h p: x\n" OK1, 1, 1},
    {"PRI not closed", "<13May  6 09:00:00 h p: x\n" OK1, 1, 1},
    {"PRI empty", "<>May  6 09:00:00 h p: x\n" OK1, 1, 1},
    {"PRI leading zero", "<013>May  6 09:00:00 h p: x\n" OK1, 1, 1},
    {"PRI alone", "<13>\n" OK1, 1, 1},
    {"bad month", "Mai  6 09:00:00 h p: x\n" OK1, 1, 1},
    {"bad hour", "May  6 25:00:00 h p: x\n" OK1, 1, 1},
    {"bad day", "May 32 09:00:00 h p: x\n" OK1, 1, 1},
    {"truncated time", "May  6 09:00\n" OK1, 1, 1},
    {"5424 truncated", "<13>1 2024-01-02T03:04:05Z host app\n" OK1, 1, 1},
    {"5424 bad ts", "<13>1 yesterday host app - - - x\n" OK1, 1, 1},
    {"5424 no SD", "<13>1 2024-01-02T03:04:05Z host app - - x\n" OK1, 1, 1},
    {"5424 SD unterminated", "<13>1 2024-01-02T03:04:05Z h a - - [x a=\"1] m\n" OK1, 1, 1},
    {"5424 SD no ]", "<13>1 2024-01-02T03:04:05Z h a - - [x a=\"1\" m\n" OK1, 1, 1},
    {"5424 SD bad param", "<13>1 2024-01-02T03:04:05Z h a - - [x a=1] m\n" OK1, 1, 1},
    {"5424 SD empty id", "<13>1 2024-01-02T03:04:05Z h a - - [] m\n" OK1, 1, 1},
    {"5424 nil everything", "<13>1 - - - - - -\n", 0, 1}, /* no time and none before */
    {"5424 nil ts after one", OK1 "<13>1 - - - - - -\n", 2, 0},
    {"bad ISO stamp", "2024-13-45T00:00:00Z h p: x\n" OK1, 1, 1},
    {"bare ASA line first", "%ASA-6-605005: Login permitted\n" OK1, 1, 1},
    {"bare ASA line after", OK1 "%ASA-6-605005: Login permitted\n", 2, 0},
    {"bare seq line after", OK1 "124: %SYS-5-CONFIG_I: Configured from console by x\n", 2, 0},
    {"invalid UTF-8 kept", "May  6 09:00:00 h p: caf\xe9 \xff\xfe\n", 1, 0},
    {"overlong UTF-8 kept", "May  6 09:00:00 h p: \xc0\xaf\n", 1, 0},
    {"CRLF lines", "May  6 09:00:00 h p: a\r\nMay  6 09:00:01 h p: b\r\n", 2, 0},
    {"no final newline", OK1 "May  6 09:00:01 h p: last", 2, 0},
    {"partial last line", OK1 "May  6 09:0", 1, 1},
    {"header only", "May  6 09:00:00 host\n", 1, 0},
    {"stamp only", "May  6 09:00:00\n", 1, 0},
    {"NUL byte", "May  6 09:00:00 h p: a\0b\n", 1, 0},
    {"sshd shapes that decline", "May  6 09:00:00 h sshd[1]: Failed password\n"
                                 "May  6 09:00:00 h sshd[1]: Accepted for\n"
                                 "May  6 09:00:00 h sshd[1]: message repeated 2 times: [ x]\n"
                                 "May  6 09:00:00 h sshd[1]: Disconnected from user \n",
     4, 0},
};

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        uint64_t events = 0, bad = 99, ev2, bad2;
        const char *t = bad_inputs[i].text;
        size_t len = strlen(t);
        if (strcmp(bad_inputs[i].name, "NUL byte") == 0)
            len = 25;
        int rc = ks_ingest_parse_buffer(syslog_parser(), "t", t, len, ks_count_sink, &events, &bad);
        if (rc != 0 || events != bad_inputs[i].events || bad != bad_inputs[i].malformed)
            fail_msg("%s: rc %d events %llu malformed %llu, want %llu %llu", bad_inputs[i].name,
                     rc, (unsigned long long)events, (unsigned long long)bad,
                     (unsigned long long)bad_inputs[i].events,
                     (unsigned long long)bad_inputs[i].malformed);
        parse_chunked(t, len, 3, &ev2, &bad2);
        if (ev2 != events || bad2 != bad)
            fail_msg("%s: chunked %llu/%llu vs whole %llu/%llu", bad_inputs[i].name,
                     (unsigned long long)ev2, (unsigned long long)bad2,
                     (unsigned long long)events, (unsigned long long)bad);
    }
}

static void test_malformed_reason_and_huge(void **unused)
{
    (void)unused;
    const struct ks_parser_ops *ops = syslog_parser();
    struct ks_parse_ctx ctx;
    void *st;
    size_t consumed;
    struct ks_event ev;
    const char *t = "<999>x\n";
    memset(&ctx, 0, sizeof ctx);
    ctx.eof = true;
    assert_int_equal(ops->create(&ctx, &st), 0);
    assert_int_equal(ops->next(st, &ctx, t, strlen(t), &consumed, &ev), KS_PARSE_MALFORMED);
    assert_non_null(strstr(ctx.err, "PRI"));
    assert_int_equal(consumed, strlen(t));
    ops->destroy(st);

    /* A line over 64 KiB is malformed; one just under is kept whole; invalid UTF-8 repaired. */
    size_t big = 64 * 1024 + 8;
    char *buf = malloc(2 * big + 64);
    size_t n = (size_t)snprintf(buf, 64, "May  6 09:00:00 h p: ");
    memset(buf + n, 'a', big);
    n += big;
    buf[n++] = '\n';
    size_t start2 = n;
    n += (size_t)snprintf(buf + n, 64, "May  6 09:00:00 h p: \xff");
    memset(buf + n, 'b', 60000);
    n += 60000;
    struct ks_collect c = {0};
    assert_int_equal(parse_all(buf, n, &c), 1);
    assert_int_equal(c.n, 1);
    struct ks_sv msg = ks_event_bag_get(c.ev[0], "message");
    assert_int_equal(msg.n, 60001);
    assert_int_equal(msg.p[0], '?');
    assert_sv(ks_event_bag_get(c.ev[0], "syslog.invalid_utf8"), "true");
    assert_true(ks_utf8_valid(c.ev[0]->object.p, c.ev[0]->object.n));
    (void)start2;
    ks_collect_free(&c);
    free(buf);
}

/* ---------------------------------------------------------------- vendor golden mappings */

static const struct {
    const char *line;
    unsigned kind, outcome;
    const char *dataset, *user, *src, *action, *object;
    uint16_t src_port;
    const char *dst;
    const char *bag_key, *bag_val;
} golden[] = {
    /* Linux sshd (loghub OpenSSH_2k, ossec-docs sshd.rst) */
    {"Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from "
     "173.234.31.186 port 38926 ssh2",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.linux.sshd", "webmaster", "173.234.31.186", "login",
     NULL, 38926, NULL, "ssh.invalid_user", "true"},
    {"Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu from 119.137.62.142 port "
     "49116 ssh2",
     KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "syslog.linux.sshd", "fztu", "119.137.62.142", "login",
     NULL, 49116, NULL, "auth.method", "password"},
    {"Oct 11 08:05:46 hostname sshd[323808]: Accepted publickey for usr1 from 2.3.4.5 port 37909 "
     "ssh2: RSA SHA256:abc",
     KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "syslog.linux.sshd", "usr1", "2.3.4.5", "login", NULL,
     37909, NULL, "auth.method", "publickey"},
    {"Dec 10 07:13:56 LabSZ sshd[24227]: message repeated 5 times: [ Failed password for root "
     "from 5.36.59.76 port 42393 ssh2]",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.linux.sshd", "root", "5.36.59.76", "login", NULL,
     42393, NULL, "syslog.repeat", "5"},
    {"Jul  7 10:53:24 chaves sshd[12914]: Failed password for invalid user test-inv from "
     "spongebob.lab.ossec.net",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.linux.sshd", "test-inv", NULL, "login", NULL, 0,
     NULL, NULL, NULL},
    {"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
     KS_KIND_SYSLOG, KS_OUTCOME_FAILURE, "syslog.linux.sshd", "webmaster", "173.234.31.186",
     "invalid-user", NULL, 0, NULL, NULL, NULL},
    {"Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= "
     "uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186  user=root",
     KS_KIND_SYSLOG, KS_OUTCOME_FAILURE, "syslog.linux.sshd", "root", "173.234.31.186",
     "pam-auth-failure", NULL, 0, NULL, NULL, NULL},
    {"Dec 10 09:32:20 LabSZ sshd[24680]: pam_unix(sshd:session): session opened for user fztu by "
     "(uid=0)",
     KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "syslog.linux.sshd", "fztu", NULL, "session-open", NULL,
     0, NULL, NULL, NULL},
    {"Mar 10 12:00:05 web1 sshd-session[4242]: Disconnected from user alice 10.0.0.1 port 50000",
     KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "syslog.linux.sshd", "alice", "10.0.0.1",
     "session-close", NULL, 50000, NULL, NULL, NULL},
    {"Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for x [1.2.3.4] "
     "failed - POSSIBLE BREAK-IN ATTEMPT!",
     KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "syslog.linux.sshd", NULL, NULL, NULL,
     "reverse mapping checking getaddrinfo for x [1.2.3.4] failed - POSSIBLE BREAK-IN ATTEMPT!",
     0, NULL, "process.name", "sshd"},
    /* sudo / su */
    {"Mar 10 12:01:30 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
     "COMMAND=/bin/cat /etc/shadow",
     KS_KIND_COMMAND, KS_OUTCOME_SUCCESS, "syslog.linux.sudo", "alice", NULL, "sudo",
     "/bin/cat /etc/shadow", 0, NULL, "user.target", "root"},
    {"Mar 10 12:01:40 web1 sudo:      bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; "
     "USER=root ; COMMAND=/bin/sh",
     KS_KIND_COMMAND, KS_OUTCOME_FAILURE, "syslog.linux.sudo", "bob", NULL, "sudo-denied",
     "/bin/sh", 0, NULL, "reason", "user NOT in sudoers"},
    {"Mar 10 12:03:00 web1 su[5000]: FAILED SU (to root) alice on pts/0", KS_KIND_AUTH,
     KS_OUTCOME_FAILURE, "syslog.linux.su", "alice", NULL, "su", NULL, 0, NULL, "user.target",
     "root"},
    {"Jun 15 04:06:19 combo su(pam_unix)[21416]: session closed for user cyrus", KS_KIND_SESSION,
     KS_OUTCOME_SUCCESS, "syslog.linux.su", "cyrus", NULL, "session-close", NULL, 0, NULL, NULL,
     NULL},
    /* Cisco IOS (ossec-docs cisco_ios.rst and Cisco's message guides) */
    {"Sep  6 09:20:45 RouterName 87: Sep  6 14:20:41.991: %SYS-6-LOGGINGHOST_STARTSTOP: Logging "
     "to host 1.1.1.1 stopped - CLI initiated",
     KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", NULL, NULL, "logging-stopped",
     "1.1.1.1", 0, "1.1.1.1", "cisco.seq", "87"},
    {"Sep  6 09:13:01 RouterName 83: Sep  6 14:12:57.872: %SYS-6-LOGGINGHOST_STARTSTOP: Logging "
     "to host 1.1.1.1 port 514 started - CLI initiated",
     KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", NULL, NULL, "logging-started",
     "1.1.1.1", 0, "1.1.1.1", NULL, NULL},
    {"Sep  6 09:13:00 RouterName 82: Sep  6 14:12:56.872: %SYS-5-CONFIG_I: Configured from "
     "console by admin on vty0 (1.1.1.1)",
     KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", "admin", "1.1.1.1", "configured",
     "console", 0, NULL, "cisco.line", "vty0"},
    {"Jun 12 14:22:25 site1 1348: .Jun 12 18:22:22 UTC: %SYS-5-CONFIG_I: Configured from "
     "127.0.0.21 by snmp",
     KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", "snmp", "127.0.0.21", "configured",
     "127.0.0.21", 0, NULL, NULL, NULL},
    {"Mar  4 10:15:40 r1 513: *Mar  4 10:15:40.456 UTC: %SEC_LOGIN-4-LOGIN_FAILED: Login failed "
     "[user: admin] [Source: 10.1.1.5] [localport: 22] [Reason: Login Authentication Failed] at "
     "10:15:40 UTC Mon Mar 4 2019",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.cisco.ios", "admin", "10.1.1.5", "login", NULL, 0,
     NULL, "reason", "Login Authentication Failed"},
    {"<189>42: r1: *Mar  4 10:15:32.123 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success "
     "[user: admin] [Source: 10.1.1.5] [localport: 22] at 10:15:32 UTC Mon Mar 4 2019",
     KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", "admin", "10.1.1.5", "login", NULL, 0,
     NULL, "cisco.seq", "42"}, /* "logging origin-id hostname": the host after the seq */
    {"<189>42: *Mar  4 10:15:32.123 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success "
     "[user: admin] [Source: 10.1.1.5] [localport: 22] at 10:15:32 UTC Mon Mar 4 2019",
     KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", "admin", "10.1.1.5", "login", NULL, 0,
     NULL, "syslog.severity", "5"},
    {"Mar  4 10:16:01 r1 521: *Mar  4 10:16:01.001 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
     "User:admin  logged command:no logging host 10.9.9.9",
     KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", "admin", NULL, "logging-stopped",
     "no logging host 10.9.9.9", 0, NULL, NULL, NULL},
    {"Mar  4 10:16:01 r1 520: *Mar  4 10:16:01.001 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
     "User:admin  logged command:hostname R2",
     KS_KIND_COMMAND, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", "admin", NULL, "command",
     "hostname R2", 0, NULL, NULL, NULL},
    {"Mar  4 10:15:32 r1 511: *Mar  4 10:15:32.100 UTC: %SSH-5-SSH2_USERAUTH: User 'admin' "
     "authentication for SSH2 Session from 10.1.1.5 (tty = 0) using crypto cipher 'aes256-ctr', "
     "hmac 'hmac-sha2-256' Failed",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.cisco.ios", "admin", "10.1.1.5", "login", NULL, 0,
     NULL, NULL, NULL},
    {"Sep  7 13:18:06 RouterName 96: %SEC-6-IPACCESSLOGP: list 120 denied udp 10.0.0.66(137) -> "
     "10.0.0.11(137), 33 packets",
     KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "syslog.cisco.ios", NULL, NULL, NULL,
     "list 120 denied udp 10.0.0.66(137) -> 10.0.0.11(137), 33 packets", 0, NULL, "syslog.msgid",
     "SEC-6-IPACCESSLOGP"},
    {"Mar  4 10:17:00 r1 540: *Mar  4 10:17:00.000 UTC: %SYS-5-PRIV_AUTH_FAIL: Authentication "
     "to Privilege level 15 failed by admin on vty0 (10.1.1.5)",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.cisco.ios", "admin", "10.1.1.5", "enable", NULL, 0,
     NULL, "cisco.privilege", "15"},
    {"Mar  4 10:31:00 r1 541: *Mar  4 10:31:00.000 UTC: %SYS-6-LOGOUT: User admin has exited "
     "tty session 2(10.1.1.5)",
     KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "syslog.cisco.ios", "admin", "10.1.1.5", "session-close",
     NULL, 0, NULL, NULL, NULL},
    {"2019 Mar 20 10:14:02 n9k %AUTHPRIV-3-SYSTEM_MSG: pam_aaa:Authentication failed for user "
     "admin from 10.1.1.5 - sshd[1234]",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.cisco.ios", "admin", "10.1.1.5", "login", NULL, 0,
     NULL, "syslog.severity", "3"},
    /* Cisco ASA / PIX */
    {"Sep  7 06:26:00 PIXName %PIX-6-605004: Login denied from 192.168.2.10/13528 to "
     "outside:192.168.2.14/ssh for user \"dcid\"",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.cisco.asa", "dcid", "192.168.2.10", "login", NULL,
     13528, "192.168.2.14", "interface", "outside"},
    {"Mar 12 08:00:02 asa1 %ASA-6-113005: AAA user authentication Rejected : reason = AAA "
     "failure : server = 10.1.1.10 : user = admin : user IP = 10.2.2.2",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.cisco.asa", "admin", "10.2.2.2", "login", NULL, 0,
     NULL, "aaa.server", "10.1.1.10"},
    {"Mar 12 08:00:01 asa1 %ASA-6-113004: AAA user authentication Successful : server =  "
     "10.1.1.10 : user = admin",
     KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "admin", NULL, "login", NULL, 0, NULL,
     "aaa.server", "10.1.1.10"},
    {"Mar 12 08:01:00 asa1 %ASA-5-111008: User 'enable_15' executed the 'no logging enable' "
     "command.",
     KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "enable_15", NULL,
     "logging-stopped", "no logging enable", 0, NULL, NULL, NULL},
    {"Mar 12 08:01:02 asa1 %ASA-5-111010: User 'admin', running 'CLI' from IP 10.1.1.5, executed "
     "'write memory'",
     KS_KIND_COMMAND, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "admin", "10.1.1.5", "command",
     "write memory", 0, NULL, NULL, NULL},
    {"Mar 12 09:00:00 asa1 %ASA-4-722051: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "IPv4 Address <10.10.10.20> assigned to session",
     KS_KIND_VPN, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "jdoe", "203.0.113.5", "vpn-assign",
     NULL, 0, "10.10.10.20", "assigned_ip", "10.10.10.20"},
    {"Mar 12 10:00:00 asa1 %ASA-4-722037: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "SVC closing connection: Transport closing.",
     KS_KIND_VPN, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "jdoe", "203.0.113.5", "vpn-end", NULL,
     0, NULL, "vpn.group", "GroupPolicy_VPN"},
    {"Mar 12 09:00:00 asa1 %ASA-6-113039: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "AnyConnect parent session started.",
     KS_KIND_VPN, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "jdoe", "203.0.113.5", "vpn-start",
     NULL, 0, NULL, NULL, NULL},
    {"Mar 12 09:30:00 asa1 %ASA-6-716059: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "AnyConnect session resumed connection from IP <198.51.100.9>.",
     KS_KIND_VPN, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "jdoe", "203.0.113.5", "vpn-resume",
     NULL, 0, NULL, "vpn.resumed_from", "198.51.100.9"},
    {"Mar 12 09:30:01 asa1 %ASA-6-716059: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "AnyConnect session resumed connection from IP 198.51.100.9.",
     KS_KIND_VPN, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "jdoe", "203.0.113.5", "vpn-resume",
     NULL, 0, NULL, "vpn.resumed_from", "198.51.100.9"},
    {"Mar 12 09:00:01 asa1 %ASA-6-722055: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "Client Type: Cisco AnyConnect VPN Agent for Windows 4.10.05085",
     KS_KIND_VPN, KS_OUTCOME_SUCCESS, "syslog.cisco.asa", "jdoe", "203.0.113.5", "vpn-client",
     NULL, 0, NULL, "vpn.client", "Cisco AnyConnect VPN Agent for Windows 4.10.05085"},
    {"Sep  7 06:25:17 PIXName %PIX-7-710005: UDP request discarded from 0.0.0.0/68 to "
     "outside:255.255.255.255/67",
     KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "syslog.cisco.asa", NULL, NULL, NULL,
     "UDP request discarded from 0.0.0.0/68 to outside:255.255.255.255/67", 0, NULL, NULL, NULL},
    /* Juniper */
    {"Mar  3 10:00:00 mx1 mgd[1234]: UI_LOGIN_EVENT: User 'admin' login, class 'j-super-user' "
     "[5211], ip-addr 10.0.0.5, ssh-connection '10.0.0.5 52000 10.0.0.1 22', client-mode 'cli'",
     KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "syslog.juniper", "admin", "10.0.0.5", "login", NULL, 52000,
     "10.0.0.1", "junos.class", "j-super-user"},
    {"Mar  3 09:59:00 mx1 sshd[1200]: SSHD_LOGIN_FAILED: Login failed for user 'admin' from host "
     "'10.0.0.5'",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.juniper", "admin", "10.0.0.5", "login", NULL, 0,
     NULL, NULL, NULL},
    {"Mar  3 10:04:00 mx1 mgd[1234]: UI_CMDLINE_READ_LINE: User 'admin', command 'deactivate "
     "system syslog '",
     KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "syslog.juniper", "admin", NULL, "logging-stopped",
     "deactivate system syslog", 0, NULL, NULL, NULL},
    {"Mar  3 10:04:00 mx1 mgd[1234]: UI_CMDLINE_READ_LINE: User 'admin', command 'show "
     "configuration | display set '",
     KS_KIND_COMMAND, KS_OUTCOME_SUCCESS, "syslog.juniper", "admin", NULL, "command",
     "show configuration | display set", 0, NULL, NULL, NULL},
    {"<189>1 2024-03-03T10:05:00.123Z mx1 mgd 1234 UI_COMMIT [junos@2636.1.1.1.2.18 "
     "username=\"admin\" command=\"commit\" message=\"none\"] User 'admin' requested 'commit' "
     "operation (comment: none)",
     KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "syslog.juniper", "admin", NULL, "commit", "commit", 0,
     NULL, "sd.junos@2636.1.1.1.2.18.username", "admin"},
    {"Mar  3 10:04:05 mx1 mgd[1234]: UI_CFG_AUDIT_OTHER: User 'admin' delete: [system syslog host "
     "10.0.0.9]",
     KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "syslog.juniper", "admin", NULL, "logging-stopped",
     "system syslog host 10.0.0.9", 0, NULL, "junos.operation", "delete"},
    {"Mar  3 10:04:06 mx1 rpd[99]: RPD_BGP_NEIGHBOR_STATE_CHANGED: BGP peer 10.0.0.2 state "
     "changed",
     KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "syslog.generic", NULL, NULL, NULL,
     "RPD_BGP_NEIGHBOR_STATE_CHANGED: BGP peer 10.0.0.2 state changed", 0, NULL, NULL, NULL},
    /* Juniper SA: ossec-docs juniper_sa.rst message behind a standard header (the sample's own
     * stamp, "07Dev2005 02:13:19", is not a syslog stamp) */
    {"Dec  7 02:13:19 1.2.3.4 Juniper: 2005-12-07 02:13:19 - mike - [192.168.25.35] "
     "grp1(Users)[Users] - Login failed using auth server System Local (IVE Authentication).  "
     "Reason: Failed",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.juniper", "grp1", "192.168.25.35", "login", NULL, 0,
     NULL, "reason", "Failed"},
    /* FortiGate */
    {"May 13 11:45:03 10.1.1.1 date=2019-05-13 time=11:45:03 devname=\"FGT60D\" "
     "devid=\"FGT60D4614044725\" logid=\"0100032002\" type=\"event\" subtype=\"system\" "
     "level=\"alert\" vd=\"root\" logdesc=\"Admin login failed\" sn=\"0\" user=\"admin\" "
     "ui=\"ssh(198.51.100.9)\" method=\"ssh\" srcip=198.51.100.9 dstip=10.1.1.1 action=\"login\" "
     "status=\"failed\" reason=\"passwd_invalid\" msg=\"Administrator admin login failed\"",
     KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.fortigate", "admin", "198.51.100.9", "login", NULL,
     0, "10.1.1.1", "reason", "passwd_invalid"},
    {"<189>date=2019-05-13 time=11:50:00 devname=\"FGT60D\" devid=\"FGT60D4614044725\" "
     "logid=\"0100044546\" type=\"event\" subtype=\"system\" level=\"information\" vd=\"root\" "
     "logdesc=\"Attribute configured\" user=\"admin\" ui=\"GUI(10.1.1.5)\" action=\"Edit\" "
     "cfgtid=1234 cfgpath=\"log.syslogd.setting\" cfgattr=\"status[enable->disable]\" "
     "msg=\"Edit log.syslogd.setting\"",
     KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "syslog.fortigate", "admin", "10.1.1.5",
     "logging-stopped", "log.syslogd.setting", 0, NULL, "cfgpath", "log.syslogd.setting"},
    {"<189>date=2019-05-13 time=11:45:03 devname=\"FGT60D\" devid=\"FGT60D4614044725\" "
     "logid=\"0100044546\" type=\"event\" subtype=\"system\" level=\"information\" vd=\"root\" "
     "logdesc=\"Attribute configured\" user=\"admin\" ui=\"GUI(10.1.1.5)\" action=\"Edit\" "
     "cfgtid=1234 cfgpath=\"system.interface\" cfgobj=\"port1\" cfgattr=\"allowaccess[ping->ping "
     "ssh]\" msg=\"Edit system.interface port1\"",
     KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "syslog.fortigate", "admin", "10.1.1.5", "configured",
     "system.interface port1", 0, NULL, "cfgobj", "port1"},
    {"<189>date=2019-05-13 time=11:45:03 devname=\"FGT60D\" devid=\"FGT60D4614044725\" "
     "logid=\"0101039947\" type=\"event\" subtype=\"vpn\" level=\"information\" vd=\"root\" "
     "logdesc=\"SSL VPN tunnel up\" action=\"tunnel-up\" tunneltype=\"ssl-tunnel\" tunnelid=1234 "
     "remip=203.0.113.5 tunnelip=10.212.134.200 user=\"jdoe\" group=\"SSLVPN\" "
     "reason=\"tunnel established\" msg=\"SSL tunnel established\"",
     KS_KIND_VPN, KS_OUTCOME_SUCCESS, "syslog.fortigate", "jdoe", "203.0.113.5", "vpn-start", NULL,
     0, "10.212.134.200", "assigned_ip", "10.212.134.200"},
    {"<189>date=2019-05-13 time=11:45:03 devname=\"FGT60D\" devid=\"FGT60D4614044725\" "
     "logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" srcip=10.1.1.9 dstip=8.8.8.8 "
     "action=\"accept\"",
     KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "syslog.fortigate", NULL, NULL, NULL, NULL, 0, NULL,
     "logid", "0000000013"},
    /* Unknown: generic */
    {"Jun 14 15:16:01 combo cups: cupsd startup succeeded", KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN,
     "syslog.generic", NULL, NULL, NULL, "cupsd startup succeeded", 0, NULL, "process.name",
     "cups"},
};

static void test_golden(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(golden); i++) {
        struct ks_collect c = {0};
        const char *l = golden[i].line;
        uint64_t bad = parse_all(l, strlen(l), &c);
        if (bad || c.n != 1)
            fail_msg("golden %zu: %zu events, %llu malformed", i, c.n, (unsigned long long)bad);
        const struct ks_event *e = c.ev[0];
#define G_FAIL(what, got) fail_msg("golden %zu (%.60s): %s = %s", i, l, what, got)
        if (e->kind != golden[i].kind)
            G_FAIL("kind", ks_event_kind_name(e->kind));
        if (e->outcome != golden[i].outcome)
            G_FAIL("outcome", ks_outcome_name(e->outcome));
        if (!ks_test_sv_is(e->dataset, golden[i].dataset))
            fail_msg("golden %zu: dataset %.*s", i, (int)e->dataset.n, e->dataset.p);
        if (golden[i].user ? !ks_test_sv_is(e->user, golden[i].user) : e->user.n != 0)
            fail_msg("golden %zu: user '%.*s'", i, (int)e->user.n, e->user.p ? e->user.p : "");
        if (!addr_is(&e->src, golden[i].src))
            G_FAIL("src", "wrong");
        if (golden[i].dst && !addr_is(&e->dst, golden[i].dst))
            G_FAIL("dst", "wrong");
        if (golden[i].action ? !ks_test_sv_is(e->action, golden[i].action) : e->action.n != 0)
            fail_msg("golden %zu: action '%.*s'", i, (int)e->action.n,
                     e->action.p ? e->action.p : "");
        if (golden[i].object && !ks_test_sv_is(e->object, golden[i].object))
            fail_msg("golden %zu: object '%.*s'", i, (int)e->object.n,
                     e->object.p ? e->object.p : "");
        if (e->src_port != golden[i].src_port)
            fail_msg("golden %zu: src_port %u", i, e->src_port);
        if (golden[i].bag_key && !ks_test_sv_is(ks_event_bag_get(e, golden[i].bag_key), golden[i].bag_val))
            fail_msg("golden %zu: bag %s = '%.*s'", i, golden[i].bag_key,
                     (int)ks_event_bag_get(e, golden[i].bag_key).n,
                     ks_event_bag_get(e, golden[i].bag_key).p);
        ks_collect_free(&c);
    }
}

/* Every classifier row's own example line maps to the kind the row states. */
static void test_rule_examples(void **unused)
{
    (void)unused;
    size_t n;
    const struct ks_devmsg_example *ex = ks_ingest_devmsg_examples(&n);
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++) {
        struct ks_collect c = {0};
        char buf[2048];
        /* Bare lines need a timestamp before them. */
        int len = snprintf(buf, sizeof buf, "Jan  1 00:00:00 h p: x\n%s\n", ex[i].line);
        assert_true(len > 0 && (size_t)len < sizeof buf);
        uint64_t bad = parse_all(buf, (size_t)len, &c);
        if (bad || c.n != 2)
            fail_msg("%s: %zu events, %llu malformed", ex[i].rule, c.n, (unsigned long long)bad);
        if (c.ev[1]->kind != ex[i].kind)
            fail_msg("%s: kind %s, want %s", ex[i].rule, ks_event_kind_name(c.ev[1]->kind),
                     ks_event_kind_name(ex[i].kind));
        ks_collect_free(&c);
    }
}

/* ---------------------------------------------------------------- probes */

static const struct {
    const char *head;
    bool syslog;
} probes[] = {
    {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n", true},
    {"<165>1 2003-10-11T22:14:15.003Z host app - - - x\n", true},
    {"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\n", true},
    {"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;\n", true},
    {"*Mar  1 00:00:12.123 UTC: %LINK-3-UPDOWN: Interface Gi0/1\n", true},
    {"%ASA-6-605005: Login permitted from 1.2.3.4/1 to inside:1.2.3.5/ssh for user \"a\"\n", true},
    {"date=2019-05-13 time=11:45:03 devname=\"FGT\" logid=\"0000000013\"\n", true},
    {"2024-05-06T09:00:00.5+02:00 web1 sshd[77]: Connection closed\n", true},
    {"#separator \\x09\n", false},
    {"{\"ts\":1,\"uid\":\"C\",\"id.orig_h\":\"1.2.3.4\"}\n", false},
    {"hello world\n", false},
    {"May the force\n", false},
};

static void test_probe(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(probes); i++) {
        const struct ks_parser_ops *p = ks_parser_detect(probes[i].head, strlen(probes[i].head));
        bool got = p && strcmp(p->name, "syslog") == 0;
        if (got != probes[i].syslog)
            fail_msg("probe %zu: got %s", i, p ? p->name : "none");
    }
    assert_int_equal(syslog_parser()->probe("", 0), 0);
}

/* ---------------------------------------------------------------- real data */

/* The address after "from " in the raw line (independent of the parser). */
static bool raw_from_addr(const char *line, size_t n, char *out, size_t cap)
{
    const char *f = memmem(line, n, " from ", 6);
    if (!f)
        return false;
    f += 6;
    size_t k = 0;
    while (f + k < line + n && f[k] != ' ' && k + 1 < cap)
        k++;
    memcpy(out, f, k);
    out[k] = '\0';
    return true;
}

static void test_real_openssh(void **unused)
{
    (void)unused;
    char path[4096];
    KS_NEED_DATA(path, "logpai+loghub/OpenSSH/OpenSSH_2k.log");
    size_t len;
    char *buf = ks_test_read_file(path, &len);
    assert_non_null(buf);
    const struct ks_parser_ops *ops = ks_parser_detect(buf, KS_MIN(len, (size_t)65536));
    assert_non_null(ops);
    assert_string_equal(ops->name, "syslog");
    struct ks_collect c = {0};
    uint64_t bad = parse_all(buf, len, &c);
    assert_int_equal(bad, 0);
    assert_int_equal(c.n, 2000); /* 1999 '\n' and a last line without one */

    /* Walk the raw lines beside the events (one event per line). */
    size_t off = 0, failed_pw = 0, accepted = 0, auth_fail = 0, syslog_kind = 0;
    for (size_t k = 0; k < c.n; k++) {
        const char *line = buf + off;
        const char *nl = memchr(line, '\n', len - off);
        size_t n = nl ? (size_t)(nl - line) : len - off;
        off += n + 1;
        const struct ks_event *e = c.ev[k];
        assert_sv(e->observer, "LabSZ");
        assert_sv(e->dataset, "syslog.linux.sshd");
        bool has_fp = memmem(line, n, "Failed password", 15) != NULL;
        if (e->kind == KS_KIND_AUTH && e->outcome == KS_OUTCOME_FAILURE) {
            auth_fail++;
            if (ks_test_sv_is(ks_event_bag_get(e, "auth.method"), "password")) {
                failed_pw++;
                assert_true(has_fp);
                char want[64];
                assert_true(raw_from_addr(line, n, want, sizeof want));
                if (!addr_is(&e->src, want))
                    fail_msg("line %zu: src differs from %s", k + 1, want);
                assert_true(e->src_port > 0);
                assert_true(e->user.n > 0);
            }
        } else {
            assert_false(has_fp);
        }
        if (e->kind == KS_KIND_AUTH && e->outcome == KS_OUTCOME_SUCCESS) {
            accepted++;
            assert_sv(e->user, "fztu");
            assert_true(addr_is(&e->src, "119.137.62.142"));
            assert_int_equal(e->src_port, 49116);
        }
        if (e->kind == KS_KIND_SYSLOG) {
            syslog_kind++;
            assert_sv(e->service, "sshd");
            assert_non_null(e->object.p);
        }
        /* December 10, 2024 with the fixed reference of 2024-06-01 (+1 month slack). */
        assert_true(e->ts >= T(2023, 12, 10, 0, 0, 0) && e->ts < T(2024, 1, 1, 0, 0, 0));
    }
    assert_int_equal(failed_pw, 520);
    assert_int_equal(auth_fail, 524); /* + 4 "Failed none for invalid user" */
    assert_int_equal(accepted, 1);
    assert_true(syslog_kind > 1000);
    ks_collect_free(&c);
    free(buf);
}

static void test_real_linux(void **unused)
{
    (void)unused;
    char path[4096];
    KS_NEED_DATA(path, "logpai+loghub/Linux/Linux_2k.log");
    size_t len;
    char *buf = ks_test_read_file(path, &len);
    assert_non_null(buf);
    struct ks_collect c = {0};
    assert_int_equal(parse_all(buf, len, &c), 0);
    assert_int_equal(c.n, 2000);
    size_t su_sessions = 0, pam_fail = 0, generic = 0;
    for (size_t k = 0; k < c.n; k++) {
        const struct ks_event *e = c.ev[k];
        assert_sv(e->observer, "combo");
        if (e->kind == KS_KIND_SESSION && ks_test_sv_is(e->dataset, "syslog.linux.su"))
            su_sessions++;
        if (ks_test_sv_is(e->action, "pam-auth-failure")) {
            pam_fail++;
            assert_true(ks_addr_is_set(&e->src) || e->src_host.n > 0);
        }
        if (ks_test_sv_is(e->dataset, "syslog.generic"))
            generic++;
    }
    /* Counted independently with grep: 172 su(pam_unix) session lines, 322 sshd(pam_unix)
     * "authentication failure" lines. */
    uint64_t su_lines = 0, fail_lines = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(buf + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - buf - off) : len - off;
        if (memmem(buf + off, n, "su(pam_unix)", 12) && memmem(buf + off, n, "session ", 8))
            su_lines++;
        if (memmem(buf + off, n, "sshd(pam_unix)", 14) &&
            memmem(buf + off, n, "authentication failure", 22))
            fail_lines++;
        off += n + 1;
    }
    assert_int_equal(su_sessions, su_lines);
    assert_int_equal(pam_fail, fail_lines);
    assert_true(su_lines > 100 && fail_lines > 100);
    assert_true(generic > 0);
    ks_collect_free(&c);
    free(buf);
}

/* The log lines quoted (indented) in an ossec-docs RST file, one per line. */
static char *rst_lines(const char *rel, size_t *outlen)
{
    char path[4096];
    if (ks_test_data_path(rel, path, sizeof path) != 0)
        return NULL;
    size_t len;
    char *buf = ks_test_read_file(path, &len);
    assert_non_null(buf);
    char *out = malloc(len + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t off = 0; off < len;) {
        const char *l = buf + off;
        const char *nl = memchr(l, '\n', len - off);
        size_t n = nl ? (size_t)(nl - l) : len - off;
        off += n + 1;
        if (n < 3 || l[0] != ' ' || l[1] != ' ')
            continue;
        size_t s = 0;
        while (s < n && l[s] == ' ')
            s++;
        char c0 = l[s];
        if (!(c0 == '%' || c0 == '*' || (c0 >= '0' && c0 <= '9') || (c0 >= 'A' && c0 <= 'Z')) ||
            !memchr(l + s, ':', n - s))
            continue;
        memcpy(out + o, l + s, n - s);
        o += n - s;
        out[o++] = '\n';
    }
    free(buf);
    *outlen = o;
    return out;
}

static size_t count_kind(const struct ks_collect *c, unsigned kind, const char *action,
                         const char *user)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct ks_event *e = c->ev[i];
        if (e->kind == kind && (!action || ks_test_sv_is(e->action, action)) &&
            (!user || ks_test_sv_is(e->user, user)))
            n++;
    }
    return n;
}

static void test_real_ossec_docs(void **unused)
{
    (void)unused;
    char path[4096];
    KS_NEED_DATA(path, "ossec+ossec-docs/docs/log_samples/cisco/cisco_ios.rst");
    KS_NEED_DATA(path, "ossec+ossec-docs/docs/log_samples/cisco/pix.rst");
    KS_NEED_DATA(path, "ossec+ossec-docs/docs/log_samples/auth/sshd.rst");
    size_t len;
    struct ks_collect c = {0};

    char *t = rst_lines("ossec+ossec-docs/docs/log_samples/cisco/cisco_ios.rst", &len);
    assert_non_null(t);
    assert_int_equal(parse_all(t, len, &c), 0);
    assert_true(c.n >= 25);
    assert_int_equal(count_kind(&c, KS_KIND_LOGGING, "logging-stopped", NULL), 1);
    assert_int_equal(count_kind(&c, KS_KIND_LOGGING, "logging-started", NULL), 2);
    assert_int_equal(count_kind(&c, KS_KIND_CONFIG, "configured", "admin"), 9);
    assert_int_equal(count_kind(&c, KS_KIND_CONFIG, "configured", "snmp"), 1);
    for (size_t i = 0; i < c.n; i++) {
        if (c.ev[i]->kind == KS_KIND_LOGGING && ks_test_sv_is(c.ev[i]->action, "logging-stopped")) {
            assert_true(addr_is(&c.ev[i]->dst, "1.1.1.1"));
            assert_sv(c.ev[i]->observer, "RouterName");
            assert_sv(c.ev[i]->dataset, "syslog.cisco.ios");
        }
        if (c.ev[i]->kind == KS_KIND_CONFIG && ks_test_sv_is(c.ev[i]->user, "admin"))
            assert_true(addr_is(&c.ev[i]->src, "1.1.1.1"));
    }
    ks_collect_free(&c);
    free(t);

    t = rst_lines("ossec+ossec-docs/docs/log_samples/cisco/pix.rst", &len);
    assert_non_null(t);
    assert_int_equal(parse_all(t, len, &c), 0);
    assert_true(c.n >= 60);
    assert_int_equal(count_kind(&c, KS_KIND_AUTH, "login", NULL), 3);
    assert_int_equal(count_kind(&c, KS_KIND_AUTH, "login", "root"), 2);
    assert_int_equal(count_kind(&c, KS_KIND_SESSION, "session-close", NULL), 2);
    for (size_t i = 0; i < c.n; i++) {
        assert_sv(c.ev[i]->dataset, "syslog.cisco.asa");
        if (c.ev[i]->kind == KS_KIND_AUTH) {
            assert_int_equal(c.ev[i]->outcome, KS_OUTCOME_FAILURE);
            assert_true(addr_is(&c.ev[i]->src, "192.168.2.10"));
        }
    }
    ks_collect_free(&c);
    free(t);

    t = rst_lines("ossec+ossec-docs/docs/log_samples/auth/sshd.rst", &len);
    assert_non_null(t);
    assert_int_equal(parse_all(t, len, &c), 0);
    assert_true(c.n >= 60);
    size_t ok = 0, failed = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct ks_event *e = c.ev[i];
        if (e->kind != KS_KIND_AUTH)
            continue;
        if (e->outcome == KS_OUTCOME_SUCCESS)
            ok++;
        else
            failed++;
    }
    assert_int_equal(ok, 2); /* root from 192.168.20.185, usr1 publickey */
    assert_true(failed >= 30);
    assert_int_equal(count_kind(&c, KS_KIND_AUTH, "login", "root") >= 1, 1);
    ks_collect_free(&c);
    free(t);

    /* NetScreen: no device rows; every stamped line is kept as a searchable SYSLOG event. */
    t = rst_lines("ossec+ossec-docs/docs/log_samples/firewalls/netscreen.rst", &len);
    if (t) {
        assert_int_equal(parse_all(t, len, &c), 0);
        assert_true(c.n >= 8);
        assert_int_equal(count_kind(&c, KS_KIND_SYSLOG, NULL, NULL), c.n);
        ks_collect_free(&c);
        free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_structured_data),
        cmocka_unit_test(test_year_inference),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_malformed_reason_and_huge),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_rule_examples),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_real_openssh),
        cmocka_unit_test(test_real_linux),
        cmocka_unit_test(test_real_ossec_docs),
    };
    return cmocka_run_group_tests(tests, setup_ref, teardown_ref);
}
