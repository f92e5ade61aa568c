/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_journald.c - the "journald" parser (journalctl -o json): golden records (sshd
 * failed/accepted, sudo, a systemd unit message, MESSAGE as a byte array) checked field by field
 * and fed whole and in small chunks, the sshd record compared with the event the syslog parser
 * makes of the same line, a bad_inputs[] table (whole and chunked), a huge field, too many
 * fields, and probing.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

/* ---------------------------------------------------------------- helpers */

static const struct ks_parser_ops *jd_parser(void)
{
    const struct ks_parser_ops *p = ks_parser_find("journald");
    assert_non_null(p);
    return p;
}

static uint64_t parse_all(const struct ks_parser_ops *ops, const char *text, size_t len,
                          struct ks_collect *c)
{
    uint64_t bad = 99;
    assert_int_equal(ks_ingest_parse_buffer(ops, "t", text, len, ks_collect_sink, c, &bad), 0);
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

#define SSHD_FAILED                                                                                \
    "{\"__CURSOR\":\"s=abc;i=1\",\"__REALTIME_TIMESTAMP\":\"1700000000123456\","                  \
    "\"__MONOTONIC_TIMESTAMP\":\"12345\",\"_BOOT_ID\":\"b1\",\"_HOSTNAME\":\"web1\","             \
    "\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"4242\",\"PRIORITY\":\"6\","                        \
    "\"SYSLOG_FACILITY\":\"4\",\"_SYSTEMD_UNIT\":\"ssh.service\",\"_UID\":\"0\","                 \
    "\"_COMM\":\"sshd\",\"MESSAGE\":\"Failed password for root from 1.2.3.4 port 22 ssh2\"}"

/* ---------------------------------------------------------------- golden records */

static const struct {
    const char *line;
    int64_t ts_us;
    unsigned kind, outcome;
    const char *dataset, *observer, *user, *src, *action, *object, *service;
    uint16_t src_port;
    const char *bag_key, *bag_val;
    const char *bag_key2, *bag_val2;
} golden[] = {
    {SSHD_FAILED, INT64_C(1700000000123456), KS_KIND_AUTH, KS_OUTCOME_FAILURE,
     "syslog.linux.sshd", "web1", "root", "1.2.3.4", "login", NULL, NULL, 22, "PRIORITY", "6",
     "_SYSTEMD_UNIT", "ssh.service"},
    {"{\"__REALTIME_TIMESTAMP\":\"1700000100000000\",\"_HOSTNAME\":\"web1\","
     "\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"4243\",\"MESSAGE\":\"Accepted publickey for bob "
     "from 10.0.0.9 port 50000 ssh2: ED25519 SHA256:xyz\"}",
     INT64_C(1700000100000000), KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "syslog.linux.sshd", "web1",
     "bob", "10.0.0.9", "login", NULL, NULL, 50000, "auth.method", "publickey", "_PID", "4243"},
    {"{\"__REALTIME_TIMESTAMP\":\"1700000200000000\",\"_HOSTNAME\":\"web1\","
     "\"SYSLOG_IDENTIFIER\":\"sudo\",\"_COMM\":\"sudo\",\"_UID\":\"1000\",\"MESSAGE\":\"   "
     "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/cat /etc/shadow\"}",
     INT64_C(1700000200000000), KS_KIND_COMMAND, KS_OUTCOME_SUCCESS, "syslog.linux.sudo", "web1",
     "alice", NULL, "sudo", "/bin/cat /etc/shadow", NULL, 0, "user.target", "root", "_UID",
     "1000"},
    /* a unit message: no rule, program from _COMM (no SYSLOG_IDENTIFIER) */
    {"{\"__REALTIME_TIMESTAMP\":\"1700000300000001\",\"_HOSTNAME\":\"web2\",\"_COMM\":\"systemd\","
     "\"_PID\":\"1\",\"PRIORITY\":\"6\",\"_SYSTEMD_UNIT\":\"init.scope\",\"UNIT\":"
     "\"apt-daily.service\",\"MESSAGE\":\"Started Daily apt download activities.\"}",
     INT64_C(1700000300000001), KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "journald", "web2", NULL,
     NULL, NULL, "Started Daily apt download activities.", "systemd", 0, "UNIT",
     "apt-daily.service", "MESSAGE", "Started Daily apt download activities."},
    /* SYSLOG_IDENTIFIER wins over _COMM; escaped strings */
    {"{\"__REALTIME_TIMESTAMP\":\"1700000400000000\",\"_COMM\":\"python3\","
     "\"SYSLOG_IDENTIFIER\":\"myapp\",\"MESSAGE\":\"say \\\"hi\\\"\\tthere\"}",
     INT64_C(1700000400000000), KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "journald", NULL, NULL, NULL,
     NULL, "say \"hi\"\tthere", "myapp", 0, "_COMM", "python3", NULL, NULL},
    /* MESSAGE as bytes (not UTF-8): decoded, invalid bytes -> '?' */
    {"{\"__REALTIME_TIMESTAMP\":\"1700000500000000\",\"SYSLOG_IDENTIFIER\":\"app\","
     "\"MESSAGE\":[104, 105,32,255,195,169]}",
     INT64_C(1700000500000000), KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "journald", NULL, NULL, NULL,
     NULL, "hi ?\xc3\xa9", "app", 0, "journald.invalid_utf8", "true", "MESSAGE",
     "hi ?\xc3\xa9"},
    /* MESSAGE as bytes that are valid UTF-8 sshd text: decoded and classified */
    {"{\"__REALTIME_TIMESTAMP\":\"1700000600000000\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":"
     "[70,97,105,108,101,100,32,112,97,115,115,119,111,114,100,32,102,111,114,32,114,111,111,"
     "116,32,102,114,111,109,32,49,46,50,46,51,46,52,32,112,111,114,116,32,50,50,32,115,115,"
     "104,50]}",
     INT64_C(1700000600000000), KS_KIND_AUTH, KS_OUTCOME_FAILURE, "syslog.linux.sshd", NULL,
     "root", "1.2.3.4", "login", NULL, NULL, 22, NULL, NULL, NULL, NULL},
    /* an array that is not plain bytes is kept raw */
    {"{\"__REALTIME_TIMESTAMP\":\"1700000700000000\",\"MESSAGE\":[1,\"x\",300]}",
     INT64_C(1700000700000000), KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "journald", NULL, NULL, NULL,
     NULL, "[1,\"x\",300]", NULL, 0, "journald.message_raw", "true", NULL, NULL},
    /* numeric timestamp, no MESSAGE */
    {"{\"__REALTIME_TIMESTAMP\":1700000800000000,\"_HOSTNAME\":\"h\"}", INT64_C(1700000800000000),
     KS_KIND_SYSLOG, KS_OUTCOME_UNKNOWN, "journald", "h", NULL, NULL, NULL, NULL, NULL, 0,
     "_HOSTNAME", "h", NULL, NULL},
};

static void check_opt(struct ks_sv got, const char *want, const char *what, size_t i)
{
    if (want ? !ks_test_sv_is(got, want) : got.n != 0)
        fail_msg("golden %zu: %s '%.*s', want '%s'", i, what, (int)got.n, got.p ? got.p : "",
                 want ? want : "");
}

static void test_golden(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(golden); i++) {
        struct ks_collect c = {0};
        char text[2048];
        int n = snprintf(text, sizeof text, "%s\n", golden[i].line);
        assert_true(n > 0 && (size_t)n < sizeof text);
        uint64_t bad = parse_all(jd_parser(), text, (size_t)n, &c);
        if (c.n != 1 || bad != 0)
            fail_msg("golden %zu: %zu events, %llu malformed", i, c.n, (unsigned long long)bad);
        const struct ks_event *e = c.ev[0];
        if (e->ts != golden[i].ts_us * 1000)
            fail_msg("golden %zu: ts %lld", i, (long long)e->ts);
        if (e->kind != golden[i].kind)
            fail_msg("golden %zu: kind %u", i, e->kind);
        if (e->outcome != golden[i].outcome)
            fail_msg("golden %zu: outcome %u", i, e->outcome);
        check_opt(e->dataset, golden[i].dataset, "dataset", i);
        check_opt(e->observer, golden[i].observer, "observer", i);
        check_opt(e->user, golden[i].user, "user", i);
        check_opt(e->action, golden[i].action, "action", i);
        if (golden[i].object)
            check_opt(e->object, golden[i].object, "object", i);
        if (golden[i].service)
            check_opt(e->service, golden[i].service, "service", i);
        if (!addr_is(&e->src, golden[i].src))
            fail_msg("golden %zu: src", i);
        if (e->src_port != golden[i].src_port)
            fail_msg("golden %zu: src_port %u", i, e->src_port);
        if (golden[i].bag_key)
            check_opt(ks_event_bag_get(e, golden[i].bag_key), golden[i].bag_val,
                      golden[i].bag_key, i);
        if (golden[i].bag_key2)
            check_opt(ks_event_bag_get(e, golden[i].bag_key2), golden[i].bag_val2,
                      golden[i].bag_key2, i);
        /* the timestamp is not a bag field */
        if (ks_event_bag_get(e, "__REALTIME_TIMESTAMP").p)
            fail_msg("golden %zu: __REALTIME_TIMESTAMP in the bag", i);
        ks_collect_free(&c);

        uint64_t ev2 = 0, bad2 = 0;
        ks_test_parse_chunked(jd_parser(), text, (size_t)n, 3, &ev2, &bad2);
        if (ev2 != 1 || bad2 != 0)
            fail_msg("golden %zu chunked: %llu/%llu", i, (unsigned long long)ev2,
                     (unsigned long long)bad2);
    }
}

/* The journald sshd record and the syslog line with the same text are the same event. */
static void test_same_as_syslog(void **unused)
{
    (void)unused;
    static const char sys[] =
        "<38>1 2023-11-14T22:13:20.123456Z web1 sshd 4242 - - Failed password for root from "
        "1.2.3.4 port 22 ssh2\n";
    struct ks_collect a = {0}, b = {0};
    const struct ks_parser_ops *sp = ks_parser_find("syslog");
    assert_non_null(sp);
    assert_int_equal(parse_all(jd_parser(), SSHD_FAILED "\n", sizeof SSHD_FAILED, &a), 0);
    assert_int_equal(parse_all(sp, sys, sizeof sys - 1, &b), 0);
    assert_int_equal(a.n, 1);
    assert_int_equal(b.n, 1);
    const struct ks_event *j = a.ev[0], *s = b.ev[0];
    assert_int_equal(j->ts, s->ts);
    assert_int_equal(j->kind, s->kind);
    assert_int_equal(j->kind, KS_KIND_AUTH);
    assert_int_equal(j->outcome, s->outcome);
    assert_true(ks_sv_eq(j->user, s->user));
    assert_true(ks_sv_eq(j->action, s->action));
    assert_true(ks_sv_eq(j->service, s->service));
    assert_true(ks_sv_eq(j->dataset, s->dataset));
    assert_true(ks_sv_eq(j->observer, s->observer));
    assert_memory_equal(&j->src, &s->src, sizeof j->src);
    assert_int_equal(j->src_port, s->src_port);
    assert_true(ks_sv_eq(ks_event_bag_get(j, "auth.method"), ks_event_bag_get(s, "auth.method")));
    ks_collect_free(&a);
    ks_collect_free(&b);
}

/* ---------------------------------------------------------------- bad inputs */

#define OK1 "{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"MESSAGE\":\"ok\"}\n"

static const struct {
    const char *name;
    const char *text;
    uint64_t events;
    uint64_t malformed;
} bad_inputs[] = {
    {"empty input", "", 0, 0},
    {"blank lines", "\n\r\n  \n", 0, 0},
    {"not JSON", "hello world\n" OK1, 1, 1},
    {"syslog line", "May  6 09:00:00 h sshd[1]: Failed password for root from 1.2.3.4\n" OK1, 1,
     1},
    {"JSON array line", "[1,2,3]\n" OK1, 1, 1},
    {"missing timestamp", "{\"MESSAGE\":\"x\",\"_HOSTNAME\":\"h\"}\n" OK1, 1, 1},
    {"timestamp not digits", "{\"__REALTIME_TIMESTAMP\":\"12x4\",\"MESSAGE\":\"x\"}\n" OK1, 1, 1},
    {"timestamp empty", "{\"__REALTIME_TIMESTAMP\":\"\",\"MESSAGE\":\"x\"}\n" OK1, 1, 1},
    {"timestamp negative", "{\"__REALTIME_TIMESTAMP\":\"-5\",\"MESSAGE\":\"x\"}\n" OK1, 1, 1},
    {"timestamp overflow",
     "{\"__REALTIME_TIMESTAMP\":\"99999999999999999999\",\"MESSAGE\":\"x\"}\n" OK1, 1, 1},
    {"timestamp too big for ns",
     "{\"__REALTIME_TIMESTAMP\":\"9223372036854776\",\"MESSAGE\":\"x\"}\n" OK1, 1, 1},
    {"timestamp bool", "{\"__REALTIME_TIMESTAMP\":true}\n" OK1, 1, 1},
    {"timestamp array", "{\"__REALTIME_TIMESTAMP\":[1,2]}\n" OK1, 1, 1},
    {"truncated line at eof", OK1 "{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"MESS", 1, 1},
    {"unterminated string", "{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"MESSAGE\":\"x}\n" OK1,
     1, 1},
    {"trailing garbage", "{\"__REALTIME_TIMESTAMP\":\"1700000000000000\"} x\n" OK1, 1, 1},
    {"NUL byte", "{\"__REALTIME_TIMESTAMP\":\"1\0\"}\n" OK1, 1, 1},
    {"CRLF lines", OK1 "\r\n" OK1, 2, 0},
    {"no final newline", "{\"__REALTIME_TIMESTAMP\":\"1700000000000000\"}", 1, 0},
    {"indented object", "   " OK1, 1, 0},
    {"sshd shape that declines",
     "{\"__REALTIME_TIMESTAMP\":\"1\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Failed "
     "password\"}\n",
     1, 0},
};

static size_t text_len(size_t i)
{
    /* "NUL byte" has an embedded NUL: its length is the literal's */
    if (strcmp(bad_inputs[i].name, "NUL byte") == 0)
        return sizeof("{\"__REALTIME_TIMESTAMP\":\"1\0\"}\n" OK1) - 1;
    return strlen(bad_inputs[i].text);
}

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        uint64_t events = 0, bad = 99;
        const char *t = bad_inputs[i].text;
        size_t len = text_len(i);
        int rc = ks_ingest_parse_buffer(jd_parser(), "t", t, len, ks_count_sink, &events, &bad);
        if (rc != 0 || events != bad_inputs[i].events || bad != bad_inputs[i].malformed)
            fail_msg("%s: rc %d events %llu malformed %llu, want %llu %llu", bad_inputs[i].name,
                     rc, (unsigned long long)events, (unsigned long long)bad,
                     (unsigned long long)bad_inputs[i].events,
                     (unsigned long long)bad_inputs[i].malformed);
        for (size_t chunk = 1; chunk <= 13; chunk += 6) {
            uint64_t ev2 = 0, bad2 = 0;
            ks_test_parse_chunked(jd_parser(), t, len, chunk, &ev2, &bad2);
            if (ev2 != events || bad2 != bad)
                fail_msg("%s: chunked(%zu) %llu/%llu vs whole %llu/%llu", bad_inputs[i].name,
                         chunk, (unsigned long long)ev2, (unsigned long long)bad2,
                         (unsigned long long)events, (unsigned long long)bad);
        }
    }
}

/* The malformed reason names the problem. */
static void test_malformed_reason(void **unused)
{
    (void)unused;
    static const struct {
        const char *line, *want;
    } cases[] = {
        {"{\"MESSAGE\":\"x\"}", "no __REALTIME_TIMESTAMP"},
        {"{\"__REALTIME_TIMESTAMP\":\"x\"}", "__REALTIME_TIMESTAMP"},
        {"nope", "not a JSON object"},
        {"{\"a\":", "json"},
    };
    const struct ks_parser_ops *ops = jd_parser();
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_parse_ctx ctx;
        struct ks_event ev;
        void *st = NULL;
        size_t consumed = 0;
        memset(&ctx, 0, sizeof ctx);
        ctx.eof = true;
        assert_int_equal(ops->create(&ctx, &st), 0);
        int r = ops->next(st, &ctx, cases[i].line, strlen(cases[i].line), &consumed, &ev);
        assert_int_equal(r, KS_PARSE_MALFORMED);
        assert_int_equal(consumed, strlen(cases[i].line));
        if (!strstr(ctx.err, cases[i].want))
            fail_msg("case %zu: err '%s', want '%s'", i, ctx.err, cases[i].want);
        ops->destroy(st);
    }
}

/* A huge MESSAGE: one that fits is kept whole; a line over the limit is one malformed record. */
static void test_huge_field(void **unused)
{
    (void)unused;
    static const char head[] = "{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"MESSAGE\":\"";
    static const char tail[] = "\"}\n";
    const size_t sizes[] = {200u * 1024u, 2u * 1024u * 1024u};
    for (size_t s = 0; s < KS_ARRAY_LEN(sizes); s++) {
        size_t body = sizes[s];
        size_t len = sizeof head - 1 + body + sizeof tail - 1 + sizeof OK1 - 1;
        char *t = malloc(len + 1);
        assert_non_null(t);
        memcpy(t, head, sizeof head - 1);
        memset(t + sizeof head - 1, 'A', body);
        memcpy(t + sizeof head - 1 + body, tail, sizeof tail - 1);
        memcpy(t + sizeof head - 1 + body + sizeof tail - 1, OK1, sizeof OK1);
        struct ks_collect c = {0};
        uint64_t bad = parse_all(jd_parser(), t, len, &c);
        if (s == 0) {
            assert_int_equal(bad, 0);
            assert_int_equal(c.n, 2);
            assert_int_equal(c.ev[0]->object.n, body);
        } else {
            assert_int_equal(bad, 1);
            assert_int_equal(c.n, 1);
        }
        ks_collect_free(&c);
        uint64_t ev2 = 0, bad2 = 0;
        ks_test_parse_chunked(jd_parser(), t, len, 64u * 1024u, &ev2, &bad2);
        assert_int_equal(ev2, s == 0 ? 2 : 1);
        assert_int_equal(bad2, s == 0 ? 0 : 1);
        free(t);
    }
}

/* More fields than the bag holds: malformed, not truncated silently. */
static void test_too_many_fields(void **unused)
{
    (void)unused;
    struct ks_buf b;
    ks_buf_init(&b, 1u << 20);
    for (int pass = 0; pass < 2; pass++) {
        int nf = pass == 0 ? 200 : 300;
        ks_buf_reset(&b);
        assert_int_equal(ks_buf_append(&b, "{\"__REALTIME_TIMESTAMP\":\"1\"", 27), 0);
        for (int i = 0; i < nf; i++)
            assert_int_equal(ks_buf_printf(&b, ",\"F%d\":\"%d\"", i, i), 0);
        assert_int_equal(ks_buf_append(&b, "}\n", 2), 0);
        struct ks_collect c = {0};
        uint64_t bad = parse_all(jd_parser(), b.p, b.len, &c);
        assert_int_equal(bad, pass == 0 ? 0 : 1);
        assert_int_equal(c.n, pass == 0 ? 1 : 0);
        if (pass == 0)
            assert_true(ks_test_sv_is(ks_event_bag_get(c.ev[0], "F199"), "199"));
        ks_collect_free(&c);
    }
    ks_buf_free(&b);
}

/* ---------------------------------------------------------------- probing */

static void test_probe(void **unused)
{
    (void)unused;
    const struct ks_parser_ops *p = ks_parser_detect(SSHD_FAILED "\n", sizeof SSHD_FAILED);
    assert_non_null(p);
    assert_string_equal(p->name, "journald");
    assert_int_equal(jd_parser()->probe(SSHD_FAILED, sizeof SSHD_FAILED - 1), 95);
    static const char *const no[] = {
        "{\"EventID\":4624,\"Computer\":\"dc1\"}\n",
        "May  6 09:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2\n",
        "{\"MESSAGE\":\"x\"}\n",
        "__REALTIME_TIMESTAMP=1700000000000000\n",
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(no); i++) {
        assert_int_equal(jd_parser()->probe(no[i], strlen(no[i])), 0);
        p = ks_parser_detect(no[i], strlen(no[i]));
        if (p && strcmp(p->name, "journald") == 0)
            fail_msg("probe %zu detected as journald", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),          cmocka_unit_test(test_same_as_syslog),
        cmocka_unit_test(test_bad_inputs),      cmocka_unit_test(test_malformed_reason),
        cmocka_unit_test(test_huge_field),      cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
