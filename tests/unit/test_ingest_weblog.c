/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_weblog.c - the web access log parsers ("apache", "iis", "weblog-json") and URL
 * patterns: golden mappings of common, combined, vhost_combined, nginx main, Tomcat, IIS and
 * JSON records; URL pattern captures and edge cases; X-Forwarded-For trust; a bad_inputs[]
 * table also fed in small chunks; probing; and the Tomcat and IIS logs of EVTX-ATTACK-SAMPLES
 * parsed completely.
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

static uint64_t parse_all(const char *fmt, const char *text, struct ks_collect *c)
{
    uint64_t bad = 99;
    assert_int_equal(
        ks_ingest_parse_buffer(parser(fmt), "t", text, strlen(text), ks_collect_sink, c, &bad), 0);
    return bad;
}




static int64_t ts_of(const char *rfc3339)
{
    int64_t ns;
    assert_int_equal(ks_time_parse_rfc3339(rfc3339, strlen(rfc3339), &ns), 0);
    return ns;
}

static void parse_chunked(const char *fmt, const char *text, size_t len, size_t chunk,
                          uint64_t *events, uint64_t *bad)
{
    ks_test_parse_chunked(parser(fmt), text, len, chunk, events, bad);
}

static void set_patterns(const char *const (*specs)[3], size_t n)
{
    struct ks_urlpat *p[16];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ks_urlpat_compile(specs[i][0], specs[i][1], specs[i][2], &p[i]), 0);
    assert_int_equal(ks_ingest_set_url_patterns(p, n), 0);
}

/* ---------------------------------------------------------------- apache family */

static void test_apache_golden(void **unused)
{
    (void)unused;
    const char *text =
        /* combined */
        "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif?x=1&y=2 HTTP/1.0\" "
        "200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"\n"
        /* common, bytes "-", IPv6 client */
        "2001:db8::7 - - [01/Feb/2024:00:00:01 +0000] \"POST /login HTTP/1.1\" 401 -\n"
        /* vhost_combined */
        "www.example.com:443 10.0.0.5 - alice [29/Feb/2024:23:59:59 +0130] \"GET / HTTP/2.0\" "
        "304 0 \"-\" \"curl/8.0\"\n"
        /* nginx main with X-Forwarded-For, escaped quote in the user agent */
        "10.1.1.1 - - [05/Mar/2024:10:00:00 +0000] \"GET /a/b HTTP/1.1\" 502 157 \"-\" "
        "\"evil \\\"agent\\\"\" \"203.0.113.9, 10.1.1.2\"\n"
        /* garbage request (TLS to HTTP), host name client */
        "gw.example.net - - [05/Mar/2024:10:00:01 +0000] \"\\x16\\x03\\x01\" 400 -\n"
        /* Tomcat with a fraction and a trailing time-taken */
        "192.168.1.2 - admin [11/Jul/2018:08:41:29.250 +0300] \"GET /manager/html;jsessionid=AB "
        "HTTP/1.1\" 200 17577 12\n"
        /* Tomcat does not escape quotes inside the request */
        "192.168.1.2 - - [11/Jul/2018:09:32:27 +0300] \"GET /x.dll?p=\"><script>foo</script> "
        "HTTP/1.1\" 404 997\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("apache", text, &c), 0);
    assert_int_equal(c.n, 7);

    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_HTTP);
    assert_sv(e->dataset, "web.apache");
    assert_int_equal(e->ts, ts_of("2000-10-10T20:55:36Z"));
    assert_addr(&e->src, "127.0.0.1");
    assert_sv(e->user, "frank");
    assert_sv(e->action, "GET");
    assert_sv(e->object, "/apache_pb.gif");
    assert_int_equal(e->code, 200);
    assert_int_equal(e->outcome, KS_OUTCOME_SUCCESS);
    assert_int_equal(e->bytes_in, 2326);
    assert_sv(ks_event_bag_get(e, "url.query"), "x=1&y=2");
    assert_sv(ks_event_bag_get(e, "url.path"), "/apache_pb.gif");
    assert_sv(ks_event_bag_get(e, "http.request.method"), "GET");
    assert_sv(ks_event_bag_get(e, "http.version"), "1.0");
    assert_sv(ks_event_bag_get(e, "http.response.status_code"), "200");
    assert_sv(ks_event_bag_get(e, "http.request.referrer"), "http://www.example.com/start.html");
    assert_sv(ks_event_bag_get(e, "user_agent.original"), "Mozilla/4.08 [en] (Win98; I ;Nav)");
    assert_null(ks_event_bag_get(e, "apache.ident").p);

    e = c.ev[1];
    assert_addr(&e->src, "2001:db8::7");
    assert_null(e->user.p);
    assert_int_equal(e->code, 401);
    assert_int_equal(e->outcome, KS_OUTCOME_FAILURE);
    assert_int_equal(e->bytes_in, 0);
    assert_null(ks_event_bag_get(e, "url.query").p);
    assert_null(ks_event_bag_get(e, "user_agent.original").p);

    e = c.ev[2];
    assert_int_equal(e->ts, ts_of("2024-02-29T22:29:59Z"));
    assert_sv(e->dst_host, "www.example.com");
    assert_int_equal(e->dst_port, 443);
    assert_addr(&e->src, "10.0.0.5");
    assert_sv(e->user, "alice");
    assert_int_equal(e->outcome, KS_OUTCOME_SUCCESS);
    assert_null(ks_event_bag_get(e, "http.request.referrer").p); /* "-" */
    assert_sv(ks_event_bag_get(e, "http.version"), "2.0");

    e = c.ev[3];
    assert_int_equal(e->code, 502);
    assert_sv(ks_event_bag_get(e, "user_agent.original"), "evil \\\"agent\\\"");
    assert_sv(ks_event_bag_get(e, "http.request.x_forwarded_for"), "203.0.113.9, 10.1.1.2");
    assert_addr(&e->src, "10.1.1.1"); /* XFF not trusted by default */

    e = c.ev[4];
    assert_false(ks_addr_is_set(&e->src));
    assert_sv(e->src_host, "gw.example.net");
    assert_null(e->action.p);
    assert_sv(ks_event_bag_get(e, "http.request.line"), "\\x16\\x03\\x01");
    assert_int_equal(e->code, 400);

    e = c.ev[5];
    assert_int_equal(e->ts, ts_of("2018-07-11T05:41:29.25Z"));
    assert_sv(e->object, "/manager/html;jsessionid=AB");
    assert_sv(ks_event_bag_get(e, "apache.extra"), "12");

    e = c.ev[6];
    assert_sv(e->object, "/x.dll");
    assert_sv(ks_event_bag_get(e, "url.query"), "p=\"><script>foo</script>");
    assert_int_equal(e->code, 404);
    assert_int_equal(e->bytes_in, 997);
    ks_collect_free(&c);
}

/* Invalid UTF-8 is kept, re-encoded as \xHH (attack traffic must not be dropped). */
static void test_apache_invalid_utf8(void **unused)
{
    (void)unused;
    const char *text = "1.2.3.4 - - [11/Jul/2018:09:32:02 +0300] \"\x16\x03\x01\xfc\x03 x\" 400 -\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("apache", text, &c), 0);
    assert_int_equal(c.n, 1);
    assert_sv(ks_event_bag_get(c.ev[0], "http.request.line"), "\x16\x03\x01\\xfc\x03 x");
    ks_collect_free(&c);
}

/* ---------------------------------------------------------------- URL patterns */

static void test_urlpat(void **unused)
{
    (void)unused;
    static const struct {
        const char *pattern, *kind, *key, *path;
        bool match;
        const char *id; /* resource key */
    } cases[] = {
        {"/projects/{project}/documents/{doc}/download", "project", NULL,
         "/projects/ACME-042/documents/17/download", true, "ACME-042"},
        {"/projects/{project}/documents/{doc}/download", "project", "doc",
         "/projects/ACME-042/documents/17/download", true, "17"},
        {"/projects/{project}/documents/{doc}/download", "project", NULL,
         "/projects/ACME-042/documents/17/download/", true, "ACME-042"}, /* trailing slash */
        {"/projects/{project}/documents/{doc}/download", "project", NULL,
         "/projects/ACME-042/documents/17", false, NULL},
        {"/projects/{project}/documents/{doc}/download", "project", NULL,
         "/projects/ACME-042/documents/17/download/x", false, NULL},
        {"/projects/{project}/", "project", NULL, "/projects/X", true, "X"},
        {"/projects/{project}", "project", NULL, "/projects/", false, NULL}, /* empty capture */
        {"/projects/{project}", "project", NULL, "/projects//", false, NULL},
        {"/projects/{project}", "project", NULL, "/Projects/X", false, NULL}, /* case */
        {"/projects/{project}", "project", NULL, "/projects/A%2FB", true, "A%2FB"}, /* raw */
        {"/projects/{project}", "project", NULL, "/projects/A%2FB/c", false, NULL},
        {"/p/*/x", "url", NULL, "/p/anything/x", true, "/p/anything/x"},
        {"/p/*/x", "url", NULL, "/p//x", false, NULL},
        {"/static/**", "url", NULL, "/static", true, "/static"},
        {"/static/**", "url", NULL, "/static/a/b/c.js", true, "/static/a/b/c.js"},
        {"/t/{t}/**", "project", NULL, "/t/Z/a/b", true, "Z"},
        {"/", "url", NULL, "/", true, "/"},
        {"/", "url", NULL, "/x", false, NULL},
        {"/a", "url", NULL, "a", false, NULL},
        {"/a", "url", NULL, "", false, NULL},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_urlpat *p;
        struct ks_urlpat_match m;
        assert_int_equal(ks_urlpat_compile(cases[i].pattern, cases[i].kind, cases[i].key, &p), 0);
        bool got = ks_urlpat_match(p, ks_sv_cstr(cases[i].path), &m);
        if (got != cases[i].match)
            fail_msg("case %zu: %s vs %s: match %d", i, cases[i].pattern, cases[i].path, got);
        if (got) {
            if (!ks_test_sv_is(m.key, cases[i].id))
                fail_msg("case %zu: key '%.*s', want '%s'", i, (int)m.key.n, m.key.p,
                         cases[i].id);
            assert_sv(m.kind, cases[i].kind);
        }
        ks_urlpat_free(p);
    }
    /* captures come out named */
    struct ks_urlpat *p;
    struct ks_urlpat_match m;
    assert_int_equal(ks_urlpat_compile("/projects/{project}/documents/{doc}", "project", NULL, &p),
                     0);
    assert_true(ks_urlpat_match(p, ks_sv_cstr("/projects/P1/documents/D2"), &m));
    assert_int_equal(m.ncap, 2);
    assert_sv(m.cap[0].key, "url.param.project");
    assert_sv(m.cap[0].val, "P1");
    assert_sv(m.cap[1].key, "url.param.doc");
    assert_sv(m.cap[1].val, "D2");
    ks_urlpat_free(p);

    static const char *const bad[][3] = {
        {"projects/{p}", "project", NULL}, /* no leading slash */
        {"/a//b", "url", NULL},
        {"/a/{p", "url", NULL},
        {"/a/{}", "url", NULL},
        {"/a/{p}/{p}", "url", NULL},  /* duplicate */
        {"/a/**/b", "url", NULL},     /* ** not last */
        {"/a/b*", "url", NULL},
        {"/a/{p}", "url", "q"},       /* unknown key */
        {"/a/{p}", "", NULL},
        {"/a/{p}", "pro ject", NULL},
        {"", "url", NULL},
        {"/a/{p q}", "url", NULL},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++) {
        p = (struct ks_urlpat *)&m;
        if (ks_urlpat_compile(bad[i][0], bad[i][1], bad[i][2], &p) != KS_EINVAL)
            fail_msg("bad pattern %zu (%s) accepted", i, bad[i][0]);
        assert_null(p);
    }
    assert_int_equal(ks_urlpat_compile(NULL, "url", NULL, &p), KS_EINVAL);
}

/* Configured patterns reach every web parser; the first match wins. */
static void test_patterns_in_parsers(void **unused)
{
    (void)unused;
    static const char *const specs[][3] = {
        {"/static/**", "url", NULL},
        {"/projects/{project}/documents/{doc}/download", "project", "project"},
        {"/projects/{project}/**", "project", NULL},
    };
    set_patterns(specs, KS_ARRAY_LEN(specs));
    const char *text =
        "1.2.3.4 - bob [10/Oct/2000:13:55:36 +0000] \"GET "
        "/projects/ACME-042/documents/9/download?v=2 HTTP/1.1\" 200 10\n"
        "1.2.3.4 - bob [10/Oct/2000:13:55:37 +0000] \"GET /projects/ACME-7/settings HTTP/1.1\" "
        "200 10\n"
        "1.2.3.4 - bob [10/Oct/2000:13:55:38 +0000] \"GET /other HTTP/1.1\" 200 10\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("apache", text, &c), 0);
    assert_int_equal(c.n, 3);
    assert_sv(ks_event_bag_get(c.ev[0], "resource.kind"), "project");
    assert_sv(ks_event_bag_get(c.ev[0], "resource.id"), "ACME-042");
    assert_sv(ks_event_bag_get(c.ev[0], "url.param.doc"), "9");
    assert_sv(ks_event_bag_get(c.ev[0], "url.param.project"), "ACME-042");
    assert_sv(ks_event_bag_get(c.ev[1], "resource.id"), "ACME-7");
    assert_null(ks_event_bag_get(c.ev[1], "url.param.doc").p);
    assert_null(ks_event_bag_get(c.ev[2], "resource.id").p);
    ks_collect_free(&c);

    const char *iis = "#Fields: date time cs-method cs-uri-stem sc-status\n"
                      "2024-01-01 00:00:00 GET /projects/Q1/x 200\n";
    assert_int_equal(parse_all("iis", iis, &c), 0);
    assert_int_equal(c.n, 1);
    assert_sv(ks_event_bag_get(c.ev[0], "resource.id"), "Q1");
    ks_collect_free(&c);
    const char *js = "{\"time\":\"2024-01-01T00:00:00Z\",\"request_uri\":\"/static/a.js?x\","
                     "\"status\":200}\n";
    assert_int_equal(parse_all("weblog-json", js, &c), 0);
    assert_int_equal(c.n, 1);
    assert_sv(ks_event_bag_get(c.ev[0], "resource.kind"), "url");
    assert_sv(ks_event_bag_get(c.ev[0], "resource.id"), "/static/a.js");
    ks_collect_free(&c);
    assert_int_equal(ks_ingest_set_url_patterns(NULL, 0), 0);
    size_t n = 9;
    (void)ks_ingest_url_patterns(&n);
    assert_int_equal(n, 0);
}

static void test_xff_trust(void **unused)
{
    (void)unused;
    static const char *const trusted[] = {"10.0.0.0/8"};
    const char *text =
        "10.1.1.1 - - [05/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" "
        "\"198.51.100.1, 203.0.113.9, 10.1.1.2\"\n"
        /* peer not trusted: XFF ignored */
        "192.0.2.1 - - [05/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" "
        "\"203.0.113.9\"\n"
        /* garbage in XFF: no guess */
        "10.1.1.1 - - [05/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" "
        "\"unknown\"\n";
    assert_int_equal(ks_ingest_set_xff_trust(trusted, 1), 0);
    struct ks_collect c = {0};
    assert_int_equal(parse_all("apache", text, &c), 0);
    assert_int_equal(c.n, 3);
    assert_addr(&c.ev[0]->src, "203.0.113.9");
    assert_sv(ks_event_bag_get(c.ev[0], "source.proxy"), "10.1.1.1");
    assert_addr(&c.ev[1]->src, "192.0.2.1");
    assert_addr(&c.ev[2]->src, "10.1.1.1");
    ks_collect_free(&c);
    assert_int_equal(ks_ingest_set_xff_trust(NULL, 0), 0);
    static const char *const bad[] = {"10.0.0.0/99"};
    assert_int_equal(ks_ingest_set_xff_trust(bad, 1), KS_EINVAL);
}

/* ---------------------------------------------------------------- IIS */

static void test_iis_golden(void **unused)
{
    (void)unused;
    const char *text =
        "#Software: Microsoft Internet Information Services 10.0\r\n"
        "#Version: 1.0\r\n"
        "#Date: 2019-09-03 10:04:35\r\n"
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
        "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken sc-bytes "
        "cs-bytes cs-host X-Forwarded-For\r\n"
        "# a comment\r\n"
        "\r\n"
        "2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx proxy&port=3389 80 CORP\\bob 10.0.2.17 "
        "Mozilla/5.0+(Windows+NT) - 200 0 0 7 512 300 erp.example.com 198.51.100.4\r\n"
        "2019-09-03 10:13:44 10.0.2.15 POST /erp/conn.aspx - 443 - 10.0.2.18 - - 500 19 5 1500 "
        "- - - -\r\n"
        /* a new section with fewer fields and no date column */
        "#Version: 1.0\r\n#Date: 2020-01-02 00:00:00\r\n#Fields: time c-ip cs-method "
        "cs-uri-stem sc-status s-sitename\r\n"
        "23:59:58.5 10.0.0.9 GET /x 404 W3SVC1\r\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("iis", text, &c), 0);
    assert_int_equal(c.n, 3);
    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_HTTP);
    assert_sv(e->dataset, "web.iis");
    assert_int_equal(e->ts, ts_of("2019-09-03T10:13:36Z"));
    assert_addr(&e->src, "10.0.2.17");
    assert_addr(&e->dst, "10.0.2.15");
    assert_int_equal(e->dst_port, 80);
    assert_sv(e->user, "CORP\\bob");
    assert_sv(e->action, "GET");
    assert_sv(e->object, "/erp/conn.aspx");
    assert_sv(ks_event_bag_get(e, "url.query"), "proxy&port=3389");
    assert_int_equal(e->code, 200);
    assert_int_equal(e->outcome, KS_OUTCOME_SUCCESS);
    assert_int_equal(e->duration, UINT64_C(7000000));
    assert_int_equal(e->bytes_in, 512);
    assert_int_equal(e->bytes_out, 300);
    assert_sv(e->dst_host, "erp.example.com");
    assert_sv(ks_event_bag_get(e, "user_agent.original"), "Mozilla/5.0+(Windows+NT)");
    assert_sv(ks_event_bag_get(e, "sc-substatus"), "0");
    assert_sv(ks_event_bag_get(e, "sc-win32-status"), "0");
    assert_sv(ks_event_bag_get(e, "http.request.x_forwarded_for"), "198.51.100.4");
    assert_null(ks_event_bag_get(e, "http.request.referrer").p);

    e = c.ev[1];
    assert_null(e->user.p);
    assert_int_equal(e->code, 500);
    assert_int_equal(e->outcome, KS_OUTCOME_FAILURE);
    assert_int_equal(e->dst_port, 443);
    assert_int_equal(e->duration, UINT64_C(1500000000));
    assert_null(ks_event_bag_get(e, "url.query").p);

    e = c.ev[2];
    assert_int_equal(e->ts, ts_of("2020-01-02T23:59:58.5Z"));
    assert_addr(&e->src, "10.0.0.9");
    assert_int_equal(e->code, 404);
    assert_sv(ks_event_bag_get(e, "s-sitename"), "W3SVC1");
    ks_collect_free(&c);
}

/* ---------------------------------------------------------------- JSON */

static void test_json_golden(void **unused)
{
    (void)unused;
    const char *text =
        /* nginx escape=json format */
        "{\"time_local\":\"10/Oct/2000:13:55:36 -0700\",\"remote_addr\":\"192.0.2.10\","
        "\"remote_user\":\"\",\"request\":\"GET /a?b=1 HTTP/1.1\",\"status\":\"404\","
        "\"body_bytes_sent\":\"153\",\"request_time\":\"0.005\",\"http_referer\":\"\","
        "\"http_user_agent\":\"curl/8\",\"http_x_forwarded_for\":\"198.51.100.2\","
        "\"request_length\":\"77\",\"upstream\":\"10.0.0.1:8080\"}\n"
        /* ECS-shaped, nested */
        "{\"@timestamp\":\"2024-05-06T07:08:09.123Z\",\"source\":{\"ip\":\"2001:db8::2\","
        "\"port\":51000},\"destination\":{\"ip\":\"10.0.0.80\",\"port\":443},"
        "\"http\":{\"request\":{\"method\":\"POST\",\"bytes\":900},\"response\":{"
        "\"status_code\":201,\"body\":{\"bytes\":33}},\"version\":\"2\"},"
        "\"url\":{\"original\":\"/api/v1/items?id=4\",\"domain\":\"api.example.com\"},"
        "\"user\":{\"name\":\"carol\"},\"user_agent\":{\"original\":\"Go-http-client/2.0\"},"
        "\"event\":{\"duration\":2500000},\"tags\":[\"x\"]}\n"
        /* method + uri + args, epoch msec */
        "{\"msec\":\"1700000000.250\",\"remote_addr\":\"10.9.8.7\",\"request_method\":\"PUT\","
        "\"uri\":\"/u\",\"args\":\"k=v\",\"status\":302,\"bytes_sent\":12,\"host\":\"h\"}\n";
    struct ks_collect c = {0};
    assert_int_equal(parse_all("weblog-json", text, &c), 0);
    assert_int_equal(c.n, 3);
    const struct ks_event *e = c.ev[0];
    assert_sv(e->dataset, "web.json");
    assert_int_equal(e->kind, KS_KIND_HTTP);
    assert_int_equal(e->ts, ts_of("2000-10-10T20:55:36Z"));
    assert_addr(&e->src, "192.0.2.10");
    assert_null(e->user.p);
    assert_sv(e->action, "GET");
    assert_sv(e->object, "/a");
    assert_sv(ks_event_bag_get(e, "url.query"), "b=1");
    assert_int_equal(e->code, 404);
    assert_int_equal(e->outcome, KS_OUTCOME_FAILURE);
    assert_int_equal(e->bytes_in, 153);
    assert_int_equal(e->bytes_out, 77);
    assert_int_equal(e->duration, UINT64_C(5000000));
    assert_sv(ks_event_bag_get(e, "user_agent.original"), "curl/8");
    assert_sv(ks_event_bag_get(e, "http.request.x_forwarded_for"), "198.51.100.2");
    assert_sv(ks_event_bag_get(e, "http.version"), "1.1");
    assert_sv(ks_event_bag_get(e, "upstream"), "10.0.0.1:8080");
    assert_null(ks_event_bag_get(e, "http.request.referrer").p);

    e = c.ev[1];
    assert_int_equal(e->ts, ts_of("2024-05-06T07:08:09.123Z"));
    assert_addr(&e->src, "2001:db8::2");
    assert_int_equal(e->src_port, 51000);
    assert_addr(&e->dst, "10.0.0.80");
    assert_int_equal(e->dst_port, 443);
    assert_sv(e->action, "POST");
    assert_sv(e->object, "/api/v1/items");
    assert_sv(ks_event_bag_get(e, "url.query"), "id=4");
    assert_sv(e->dst_host, "api.example.com");
    assert_sv(e->user, "carol");
    assert_int_equal(e->code, 201);
    assert_int_equal(e->bytes_in, 33);
    assert_int_equal(e->bytes_out, 900);
    assert_int_equal(e->duration, 2500000);
    assert_sv(ks_event_bag_get(e, "user_agent.original"), "Go-http-client/2.0");
    assert_sv(ks_event_bag_get(e, "http.version"), "2");
    assert_sv(ks_event_bag_get(e, "tags"), "[\"x\"]");

    e = c.ev[2];
    assert_int_equal(e->ts, INT64_C(1700000000250000000));
    assert_sv(e->action, "PUT");
    assert_sv(e->object, "/u");
    assert_sv(ks_event_bag_get(e, "url.query"), "k=v");
    assert_int_equal(e->code, 302);
    assert_int_equal(e->bytes_in, 12);
    assert_sv(e->dst_host, "h");
    ks_collect_free(&c);

    /* integer epochs: 13 digits are ms, 16 us, 19 ns */
    text = "{\"@timestamp\":1700000000123,\"status\":200}\n"
           "{\"@timestamp\":1700000000123456,\"status\":200}\n"
           "{\"@timestamp\":\"1700000000123456789\",\"status\":200}\n"
           "{\"@timestamp\":1700000000,\"status\":200}\n";
    assert_int_equal(parse_all("weblog-json", text, &c), 0);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.ev[0]->ts, INT64_C(1700000000123000000));
    assert_int_equal(c.ev[1]->ts, INT64_C(1700000000123456000));
    assert_int_equal(c.ev[2]->ts, INT64_C(1700000000123456789));
    assert_int_equal(c.ev[3]->ts, INT64_C(1700000000000000000));
    ks_collect_free(&c);
}

/* ---------------------------------------------------------------- bad inputs */

#define AP_GOOD "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n"
#define IIS_HDR "#Fields: date time c-ip cs-method cs-uri-stem sc-status sc-bytes\n"
#define IIS_GOOD "2024-01-01 00:00:00 10.0.0.1 GET / 200 5\n"
#define JS_GOOD "{\"time\":\"2024-01-01T00:00:00Z\",\"request\":\"GET / HTTP/1.1\",\"status\":200}\n"

static const struct {
    const char *name;
    const char *fmt;
    const char *text;
    uint64_t events;
    uint64_t malformed;
} bad_inputs[] = {
    {"empty input", "apache", "", 0, 0},
    {"blank lines", "apache", "\n\r\n\n", 0, 0},
    {"no time", "apache", "1.2.3.4 - - \"GET / HTTP/1.1\" 200 5\n" AP_GOOD, 1, 1},
    {"too few tokens", "apache", "1.2.3.4 [10/Oct/2000:13:55:36 -0700] \"GET /\" 200 5\n" AP_GOOD,
     1, 1},
    {"bad month", "apache", "1.2.3.4 - - [10/Foo/2000:13:55:36 -0700] \"GET /\" 200 5\n" AP_GOOD,
     1, 1},
    {"bad hour", "apache", "1.2.3.4 - - [10/Oct/2000:25:55:36 -0700] \"GET /\" 200 5\n" AP_GOOD,
     1, 1},
    {"bad zone", "apache", "1.2.3.4 - - [10/Oct/2000:13:55:36 0700] \"GET /\" 200 5\n" AP_GOOD, 1,
     1},
    {"no zone", "apache", "1.2.3.4 - - [10/Oct/2000:13:55:36] \"GET /\" 200 5\n" AP_GOOD, 1, 1},
    {"unterminated time", "apache", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700 \"GET /\" 200 5\n",
     0, 1},
    {"bad status", "apache", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\" 2x0 5\n" AP_GOOD,
     1, 1},
    {"status out of range", "apache",
     "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\" 42 5\n" AP_GOOD, 1, 1},
    {"missing status", "apache", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\"\n" AP_GOOD,
     1, 1},
    {"bad bytes", "apache", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\" 200 5k\n" AP_GOOD,
     1, 1},
    {"unbalanced request quote", "apache",
     "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / 200 5\n" AP_GOOD, 1, 1},
    {"unbalanced agent quote", "apache",
     "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\" 200 5 \"-\" \"Mozilla\n" AP_GOOD, 1, 1},
    {"escaped closing quote", "apache",
     "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\\\" 200 5\n" AP_GOOD, 1, 1},
    {"invalid UTF-8 kept", "apache",
     "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\xff\xfe HTTP/1.1\" 200 5\n", 1, 0},
    {"truncated complete last line", "apache", AP_GOOD "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "
     "\"GET / HTTP/1.1\" 200 5", 2, 0},
    {"truncated partial last line", "apache", AP_GOOD "1.2.3.4 - - [10/Oct/20", 1, 1},
    {"CRLF", "apache", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\" 200 5\r\n", 1, 0},
    {"iis: empty", "iis", "", 0, 0},
    {"iis: data before #Fields", "iis", IIS_GOOD IIS_HDR IIS_GOOD, 1, 1},
    {"iis: too few columns", "iis", IIS_HDR "2024-01-01 00:00:00 10.0.0.1 GET / 200\n" IIS_GOOD,
     1, 1},
    {"iis: too many columns", "iis", IIS_HDR "2024-01-01 00:00:00 10.0.0.1 GET / 200 5 6\n"
     IIS_GOOD, 1, 1},
    {"iis: bad date", "iis", IIS_HDR "2024-13-01 00:00:00 10.0.0.1 GET / 200 5\n" IIS_GOOD, 1, 1},
    {"iis: bad time", "iis", IIS_HDR "2024-01-01 0:00:00 10.0.0.1 GET / 200 5\n" IIS_GOOD, 1, 1},
    {"iis: bad status", "iis", IIS_HDR "2024-01-01 00:00:00 10.0.0.1 GET / abc 5\n" IIS_GOOD, 1,
     1},
    {"iis: bad bytes", "iis", IIS_HDR "2024-01-01 00:00:00 10.0.0.1 GET / 200 -5\n" IIS_GOOD, 1,
     1},
    {"iis: fields without time", "iis", "#Fields: date c-ip\n2024-01-01 10.0.0.1\n", 0, 2},
    {"iis: no date anywhere", "iis", "#Fields: time c-ip\n00:00:00 10.0.0.1\n", 0, 1},
    {"iis: bad s-port", "iis", "#Fields: date time s-port\n2024-01-01 00:00:00 70000\n", 0, 1},
    {"iis: invalid UTF-8 kept", "iis", IIS_HDR "2024-01-01 00:00:00 10.0.0.1 GET /\xc0\xaf 200 "
     "5\n", 1, 0},
    {"json: not json", "weblog-json", "not json\n" JS_GOOD, 1, 1},
    {"json: truncated", "weblog-json", JS_GOOD "{\"time\":\"2024-01-01T00:00:00Z\",\"st", 1, 1},
    {"json: no time", "weblog-json", "{\"status\":200}\n" JS_GOOD, 1, 1},
    {"json: bad time", "weblog-json", "{\"time\":\"yesterday\"}\n" JS_GOOD, 1, 1},
    {"json: bad status", "weblog-json", "{\"time\":\"2024-01-01T00:00:00Z\",\"status\":\"x\"}\n"
     JS_GOOD, 1, 1},
    {"json: bad port", "weblog-json",
     "{\"time\":\"2024-01-01T00:00:00Z\",\"remote_port\":\"99999\"}\n" JS_GOOD, 1, 1},
    {"json: invalid UTF-8", "weblog-json", "{\"time\":\"2024-01-01T00:00:00Z\",\"u\":\"\xff\"}\n"
     JS_GOOD, 1, 1},
    {"json: empty", "weblog-json", "", 0, 0},
    {"json: epoch ms", "weblog-json", "{\"time\":1700000000123,\"status\":200}\n", 1, 0},
    {"json: blank lines", "weblog-json", "\n  \n" JS_GOOD "\n", 1, 0},
};

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        uint64_t events = 0, bad = 99, ev2, bad2;
        const char *t = bad_inputs[i].text;
        int rc = ks_ingest_parse_buffer(parser(bad_inputs[i].fmt), "t", t, strlen(t), ks_count_sink,
                                        &events, &bad);
        if (rc != 0 || events != bad_inputs[i].events || bad != bad_inputs[i].malformed)
            fail_msg("%s: rc %d events %llu malformed %llu, want %llu %llu", bad_inputs[i].name,
                     rc, (unsigned long long)events, (unsigned long long)bad,
                     (unsigned long long)bad_inputs[i].events,
                     (unsigned long long)bad_inputs[i].malformed);
        for (size_t step = 1; step <= 7; step += 3) {
            parse_chunked(bad_inputs[i].fmt, t, strlen(t), step, &ev2, &bad2);
            if (ev2 != events || bad2 != bad)
                fail_msg("%s: chunked(%zu) %llu/%llu vs whole %llu/%llu", bad_inputs[i].name,
                         step, (unsigned long long)ev2, (unsigned long long)bad2,
                         (unsigned long long)events, (unsigned long long)bad);
        }
    }
}

/* A line over the 128 KiB cap is malformed, in every format; the next line still parses. */
static void test_huge_line(void **unused)
{
    (void)unused;
    static const char *const fmts[] = {"apache", "iis", "weblog-json"};
    static const char *const good[] = {AP_GOOD, IIS_HDR IIS_GOOD, JS_GOOD};
    size_t big = 128 * 1024 + 10;
    char *t = malloc(big + 512);
    assert_non_null(t);
    for (size_t f = 0; f < KS_ARRAY_LEN(fmts); f++) {
        memset(t, 'a', big);
        t[big] = '\n';
        size_t gl = strlen(good[f]);
        memcpy(t + big + 1, good[f], gl);
        uint64_t events = 0, bad = 0;
        assert_int_equal(ks_ingest_parse_buffer(parser(fmts[f]), "t", t, big + 1 + gl, ks_count_sink,
                                                &events, &bad),
                         0);
        assert_int_equal(events, 1);
        assert_int_equal(bad, 1);
    }
    free(t);
}

/* Every truncation of a valid log parses without crashing and gives at most its records. */
static void test_truncations(void **unused)
{
    (void)unused;
    const char *text = AP_GOOD "10.1.1.1 - - [05/Mar/2024:10:00:00 +0000] \"GET /a/b HTTP/1.1\" "
                               "502 157 \"-\" \"x\" \"203.0.113.9\"\n";
    size_t len = strlen(text);
    for (size_t cut = 0; cut <= len; cut++) {
        uint64_t events = 0, bad = 0;
        assert_int_equal(
            ks_ingest_parse_buffer(parser("apache"), "t", text, cut, ks_count_sink, &events, &bad),
            0);
        assert_true(events + bad <= 2);
        if (cut == strlen(AP_GOOD))
            assert_true(events == 1 && bad == 0);
    }
}

/* ---------------------------------------------------------------- probes */

static const struct {
    const char *head;
    const char *want;
} probes[] = {
    {AP_GOOD, "apache"},
    {"www.example.com:80 1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n",
     "apache"},
    {"#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n", "iis"},
    {IIS_HDR IIS_GOOD, "iis"},
    {"{\"time_local\":\"x\",\"remote_addr\":\"1.2.3.4\",\"request\":\"GET /\"}\n", "weblog-json"},
    {"{\"@timestamp\":\"x\",\"url\":{\"original\":\"/\"},\"http\":{\"response\":{"
     "\"status_code\":200}}}\n",
     "weblog-json"},
};

static void test_detect(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(probes); i++) {
        const struct ks_parser_ops *p = ks_parser_detect(probes[i].head, strlen(probes[i].head));
        if (!p || strcmp(p->name, probes[i].want) != 0)
            fail_msg("probe %zu: got %s, want %s", i, p ? p->name : "none", probes[i].want);
    }
    /* These parsers must not claim other formats. */
    static const char *const others[] = {
        "#separator \\x09\n#path\tconn\n",
        "Oct 10 13:55:36 host sshd[1]: Accepted password for x from 1.2.3.4 port 2 ssh2\n",
        "{\"ts\":1.5,\"uid\":\"C\",\"id.orig_h\":\"1.2.3.4\"}\n",
        "hello [world] \"x\"\n",
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(others); i++) {
        const struct ks_parser_ops *p = ks_parser_detect(others[i], strlen(others[i]));
        if (p && (!strcmp(p->name, "apache") || !strcmp(p->name, "iis") ||
                  !strcmp(p->name, "weblog-json")))
            fail_msg("other %zu claimed by %s", i, p->name);
    }
}

/* ---------------------------------------------------------------- real data */

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

static void real_log(const char *rel, const char *want_fmt)
{
    char path[4096];
    size_t len;
    KS_NEED_DATA(path, rel);
    char *buf = ks_test_read_file(path, &len);
    assert_non_null(buf);
    const struct ks_parser_ops *ops = ks_parser_detect(buf, KS_MIN(len, (size_t)65536));
    if (!ops || strcmp(ops->name, want_fmt) != 0)
        fail_msg("%s: detected %s, want %s", rel, ops ? ops->name : "none", want_fmt);
    struct ks_collect c = {0};
    uint64_t bad = 99;
    assert_int_equal(ks_ingest_parse_buffer(ops, path, buf, len, ks_collect_sink, &c, &bad), 0);
    uint64_t want = count_data_lines(buf, len);
    if (c.n != want || bad != 0)
        fail_msg("%s: %zu events, %llu malformed; %llu data lines", rel, c.n,
                 (unsigned long long)bad, (unsigned long long)want);
    for (size_t k = 0; k < c.n; k++) {
        const struct ks_event *e = c.ev[k];
        assert_int_equal(e->kind, KS_KIND_HTTP);
        assert_true(ks_addr_is_set(&e->src));
        assert_true(e->code >= 100);
        assert_true(ks_utf8_valid(e->object.p ? e->object.p : "", e->object.n));
        for (uint32_t b = 0; b < e->nbag; b++)
            assert_true(ks_utf8_valid(e->bag[b].val.p, e->bag[b].val.n));
    }
    ks_collect_free(&c);
    free(buf);
}

static void test_real_tomcat(void **unused)
{
    (void)unused;
    real_log("sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/"
             "web_attack_and_isp_webshell_localhost_access_log.txt",
             "apache");
}

static void test_real_iis(void **unused)
{
    (void)unused;
    real_log("sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/Tunna_rdp_tunnel_IIS.log",
             "iis");
}

/* A record with more fields than an event's bag holds is reported, never cut silently; the
 * records around it still come out. */
static void test_too_many_fields(void **state)
{
    (void)state;
    struct ks_buf b;
    uint64_t events = 0, bad = 0;
    ks_buf_init(&b, 1 << 20);
    assert_int_equal(ks_buf_append(&b, JS_GOOD, strlen(JS_GOOD)), 0);
    assert_int_equal(ks_buf_printf(&b, "{\"remote_addr\":\"10.0.0.1\",\"time\":\"2024-05-06T00:00:00Z\","
                                       "\"request\":\"GET / HTTP/1.1\",\"status\":200"),
                     0);
    for (int i = 0; i < KS_EVENT_MAX_BAG + 20; i++)
        assert_int_equal(ks_buf_printf(&b, ",\"x%d\":\"v\"", i), 0);
    assert_int_equal(ks_buf_append(&b, "}\n", 2), 0);
    assert_int_equal(ks_buf_append(&b, JS_GOOD, strlen(JS_GOOD)), 0);
    assert_int_equal(ks_ingest_parse_buffer(ks_parser_find("weblog-json"), "t", b.p, b.len,
                                            ks_count_sink, &events, &bad),
                     0);
    assert_int_equal(events, 2);
    assert_int_equal(bad, 1);
    ks_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apache_golden),
        cmocka_unit_test(test_apache_invalid_utf8),
        cmocka_unit_test(test_urlpat),
        cmocka_unit_test(test_patterns_in_parsers),
        cmocka_unit_test(test_xff_trust),
        cmocka_unit_test(test_iis_golden),
        cmocka_unit_test(test_json_golden),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_huge_line),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_real_tomcat),
        cmocka_unit_test(test_real_iis),
        cmocka_unit_test(test_too_many_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
