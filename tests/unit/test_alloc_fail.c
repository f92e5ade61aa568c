/* SPDX-License-Identifier: MIT */
/*
 * test_alloc_fail.c - allocation-failure tests (STYLE.md section 6). This binary is linked with
 * -Wl,--wrap=malloc,calloc,realloc,strdup,strndup,aligned_alloc so every allocation made from our
 * objects (konseki_lib is static, so library code too) goes through the __wrap_ functions below.
 * Each scenario runs once to count its allocations N, then again for k = 1..N (at most 1000
 * values spread over 1..N; KS_ALLOC_ALL=1 in the environment runs them all) with the k-th
 * allocation failing. A run must not crash, must return an error or succeed (some allocations
 * are optional), and must not leak (LSan checks at exit in the sanitizer build; every path calls
 * the module's free functions). Set KS_ALLOC_DEBUG=1 to print each failed allocation and rc.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/core.h"
#include "event/event.h"
#include "ingest/ingest.h"
#include "inventory/inventory.h"
#include "store/store.h"

/* ---------------------------------------------------------------- the failing allocator */

static bool g_armed;          /* count (and maybe fail) allocations only while armed */
static uint64_t g_alloc_n;    /* allocations seen since armed */
static uint64_t g_fail_at;    /* 0 = never; else fail the allocation with this ordinal */
static uint64_t g_failed;     /* allocations actually failed */

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);

static bool ks_test_alloc_should_fail(void)
{
    if (!g_armed)
        return false;
    g_alloc_n++;
    if (g_fail_at && g_alloc_n == g_fail_at) {
        g_failed++;
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n)
{
    return ks_test_alloc_should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t m, size_t n)
{
    return ks_test_alloc_should_fail() ? NULL : __real_calloc(m, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return ks_test_alloc_should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return ks_test_alloc_should_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return ks_test_alloc_should_fail() ? NULL : __real_strndup(s, n);
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
    return ks_test_alloc_should_fail() ? NULL : __real_aligned_alloc(a, n);
}

/* A scenario: runs its steps (unarmed setup is the scenario's business: it arms with
 * ks_test_arm() around what is under test), asserts what must hold whatever failed, releases
 * everything, and returns 0 on success or a negative KS_E* code. */
typedef int (*ks_test_scenario_fn)(void *arg);

static void ks_test_arm(void)
{
    g_alloc_n = 0;
    g_armed = true;
}

static void ks_test_disarm(void)
{
    g_armed = false;
}

#define KS_TEST_MAX_SAMPLES 1000

/* Runs fn failing each sampled allocation in turn; returns how many allocation points exist. */
static uint64_t ks_test_run_failing(const char *name, ks_test_scenario_fn fn, void *arg)
{
    g_fail_at = 0;
    g_failed = 0;
    int rc = fn(arg);
    ks_test_disarm();
    assert_int_equal(rc, 0); /* the scenario works when nothing fails */
    uint64_t n = g_alloc_n;
    assert_true(n > 0);       /* the wrap is in effect: a test that cannot fail is a defect */

    /* KS_ALLOC_ALL=1 in the environment fails every allocation point, not a sample */
    uint64_t cap = getenv("KS_ALLOC_ALL") ? UINT64_MAX : KS_TEST_MAX_SAMPLES;
    uint64_t runs = 0, errors = 0, last = 0;
    for (uint64_t i = 0; i < cap && i < n; i++) {
        uint64_t k = n <= cap ? i + 1 : 1 + i * (n - 1) / (cap - 1);
        if (k == last)
            continue;
        last = k;
        g_fail_at = k;
        g_failed = 0;
        if (getenv("KS_ALLOC_DEBUG"))
            fprintf(stderr, "[alloc-fail] %s: failing allocation %llu\n", name,
                    (unsigned long long)k);
        rc = fn(arg);
        ks_test_disarm();
        g_fail_at = 0;
        if (getenv("KS_ALLOC_DEBUG"))
            fprintf(stderr, "[alloc-fail] %s: allocation %llu failed, rc %d\n", name,
                    (unsigned long long)k, rc);
        assert_true(rc <= 0);
        assert_int_equal(g_failed, 1); /* the run reached the k-th allocation (deterministic) */
        runs++;
        errors += rc < 0;
    }
    printf("[alloc-fail] %s: %llu allocation points, %llu runs, %llu returned an error\n", name,
           (unsigned long long)n, (unsigned long long)runs, (unsigned long long)errors);
    return n;
}

/* ---------------------------------------------------------------- core */

#define WIN_LINE                                                                                   \
    "{\"EventID\":4624,\"Channel\":\"Security\",\"Hostname\":\"WS6.theshire.local\","              \
    "\"@timestamp\":\"2020-09-20T16:16:29.568Z\",\"EventTime\":\"2020-09-20 12:16:27\","           \
    "\"TargetUserName\":\"pg\\u00fcstavo\",\"IpAddress\":\"172.18.39.5\",\"LogonType\":3,"          \
    "\"winlog\":{\"event_data\":{\"SubjectUserName\":\"WS6$\",\"Esc\":\"a\\tb\"}},"                 \
    "\"Tags\":[1,2,3]}"

static int scen_intern(void *arg)
{
    (void)arg;
    struct ks_intern *t = NULL;
    ks_test_arm();
    int rc = ks_intern_new(0, &t);
    if (rc < 0) {
        assert_null(t);
        return rc;
    }
    for (unsigned i = 0; i < 3000 && rc == 0; i++) {
        char s[32];
        int n = snprintf(s, sizeof(s), "string-%u", i % 2000);
        uint32_t id;
        rc = ks_intern_put(t, s, (size_t)n, &id);
        if (rc == 0) {
            struct ks_sv v = ks_intern_get(t, id);
            assert_int_equal(v.n, (size_t)n);
            assert_memory_equal(v.p, s, (size_t)n);
        }
    }
    ks_test_disarm();
    if (rc == 0)
        assert_int_equal(ks_intern_count(t), 2000);
    /* every string put before a failure is still there */
    ks_intern_free(t);
    return rc;
}

static int scen_buf(void *arg)
{
    (void)arg;
    struct ks_buf b;
    int rc = 0;
    ks_buf_init(&b, 1 << 20);
    ks_test_arm();
    for (unsigned i = 0; i < 2000 && rc == 0; i++) {
        rc = ks_buf_printf(&b, "line %u,", i);
        if (rc == 0)
            rc = ks_buf_json_escape(&b, "a\"b\n", 4);
        if (rc == 0)
            rc = ks_buf_putc(&b, '\n');
    }
    ks_test_disarm();
    ks_buf_free(&b);
    return rc;
}

static int scen_json(void *arg)
{
    (void)arg;
    struct ks_json_doc *d = malloc(sizeof(*d));
    assert_non_null(d);
    ks_json_doc_init(d, 1 << 16);
    ks_test_arm();
    int rc = ks_json_parse(d, WIN_LINE, strlen(WIN_LINE));
    if (rc == 0)
        rc = ks_json_parse(d, WIN_LINE, strlen(WIN_LINE));
    ks_test_disarm();
    if (rc == 0) {
        const struct ks_json_field *f = ks_json_get(d, "winlog.event_data.Esc");
        assert_non_null(f);
        assert_int_equal(f->val.n, 3);
        assert_non_null(ks_json_get(d, "TargetUserName"));
    }
    ks_json_doc_free(d);
    free(d);
    return rc;
}

static int scen_clone(void *arg)
{
    (void)arg;
    struct ks_event ev;
    struct ks_kv bag[2] = {{.key = ks_sv_cstr("k1"), .val = ks_sv_cstr("v1")},
                           {.key = ks_sv_cstr("k2"), .val = ks_sv_cstr("value-two")}};
    ks_event_clear(&ev);
    ev.ts = 1;
    ev.observer = ks_sv_cstr("obs");
    ev.user = ks_sv_cstr("alice");
    ev.bag = bag;
    ev.nbag = 2;
    ks_test_arm();
    struct ks_event *c = ks_event_clone(&ev);
    ks_test_disarm();
    if (!c)
        return KS_ENOMEM;
    assert_int_equal(c->user.n, 5);
    assert_memory_equal(c->user.p, "alice", 5);
    assert_int_equal(c->nbag, 2);
    free(c);
    return 0;
}

static int scen_arena(void *arg)
{
    (void)arg;
    struct ks_arena a;
    int rc = 0;
    ks_arena_init(&a, 256, 1 << 20);
    ks_test_arm();
    for (unsigned i = 0; i < 200 && rc == 0; i++) {
        struct ks_sv v = ks_arena_dup(&a, "some string to keep", 19);
        if (!v.p)
            rc = KS_ENOMEM;
        else
            assert_memory_equal(v.p, "some string to keep", 19);
    }
    ks_test_disarm();
    ks_arena_free(&a);
    return rc;
}

static int scen_lpm(void *arg)
{
    (void)arg;
    struct ks_lpm *t = NULL;
    ks_test_arm();
    int rc = ks_lpm_new(&t);
    for (unsigned i = 0; rc == 0 && i < 300; i++) {
        struct ks_addr a;
        if (i % 2)
            ks_addr_from_v4(0x0a000000u | i << 8, &a);
        else {
            char s[64];
            int n = snprintf(s, sizeof(s), "2001:db8:%x::", i);
            assert_int_equal(ks_addr_parse(s, (size_t)n, &a), 0);
        }
        rc = ks_lpm_insert(t, &a, i % 2 ? 96 + 24 : 48, i); /* len in the 128-bit space */
    }
    ks_test_disarm();
    if (rc < 0 && !t)
        return rc;
    if (rc == 0) {
        struct ks_addr a;
        uint32_t v;
        unsigned len;
        ks_addr_from_v4(0x0a000000u | 7u << 8 | 9u, &a);
        assert_int_equal(ks_lpm_lookup(t, &a, &v, &len), 0);
        assert_int_equal(v, 7);
        assert_int_equal(len, 96 + 24);
        assert_int_equal(ks_lpm_count(t), 300);
    }
    ks_lpm_free(t);
    return rc;
}

static void test_core(void **unused)
{
    (void)unused;
    ks_test_run_failing("core.intern", scen_intern, NULL);
    ks_test_run_failing("core.buf", scen_buf, NULL);
    ks_test_run_failing("core.json", scen_json, NULL);
    ks_test_run_failing("core.event_clone", scen_clone, NULL);
    ks_test_run_failing("core.arena", scen_arena, NULL);
    ks_test_run_failing("core.lpm", scen_lpm, NULL);
}

/* ---------------------------------------------------------------- ingest */

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
#define CONN3                                                                                      \
    "1655071232.000001\tCx\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\thttp\t0.5\t10\t20\tSF\tT\tT\t0"     \
    "\tShAD\t3\t130\t2\t60\t(empty)\tBenign\t-\n"
static const char zeek_text[] = HDR_CONN CONN1 CONN2 CONN3 "#close\t2022-06-17-00-00-08\n";
static const char winjson_text[] = WIN_LINE "\n" WIN_LINE "\n";

#define SYSLOG_TEXT                                                                                \
    "<13>1 2024-01-02T03:04:05+01:00 h app 1 - - hello\n"                                         \
    "2024-05-06T09:00:00.5+02:00 web1 sshd[77]: Connection closed by 10.0.0.1 port 22\n"          \
    "May  6 09:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2\n"
#define APACHE_TEXT                                                                                \
    "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif?x=1&y=2 HTTP/1.0\" "       \
    "200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"\n"       \
    "10.1.1.1 - - [05/Mar/2024:10:00:00 +0000] \"GET /a/b HTTP/1.1\" 502 157 \"-\" "                \
    "\"evil \\\"agent\\\"\" \"203.0.113.9, 10.1.1.2\"\n"
#define IIS_TEXT                                                                                   \
    "#Version: 1.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "          \
    "cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status "          \
    "time-taken sc-bytes cs-bytes cs-host X-Forwarded-For\r\n"                                    \
    "2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx proxy&port=3389 80 CORP\\bob 10.0.2.17 "     \
    "Mozilla/5.0+(Windows+NT) - 200 0 0 7 512 300 erp.example.com 198.51.100.4\r\n"
#define OPENVPN_TEXT                                                                               \
    "Mon Nov 23 17:01:02 2026 198.51.100.7:51234 TLS: Username/Password authentication "           \
    "succeeded for username 'alice'\n"                                                             \
    "Mon Nov 23 17:01:02 2026 198.51.100.7:51234 [laptop-17] Peer Connection Initiated with "      \
    "[AF_INET]198.51.100.7:51234\n"                                                                \
    "Mon Nov 23 17:01:02 2026 laptop-17/198.51.100.7:51234 MULTI: primary virtual IP for "         \
    "laptop-17/198.51.100.7:51234: 10.8.0.6\n"                                                     \
    "Mon Nov 23 18:30:00 2026 laptop-17/198.51.100.7:51234 SIGTERM[soft,remote-exit] received, "   \
    "client-instance exiting\n"
#define JOURNALD_TEXT                                                                              \
    "{\"__CURSOR\":\"s=abc;i=1\",\"__REALTIME_TIMESTAMP\":\"1700000000123456\","                  \
    "\"_HOSTNAME\":\"web1\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"4242\",\"PRIORITY\":\"6\","  \
    "\"MESSAGE\":\"Failed password for root from 1.2.3.4 port 22 ssh2\"}\n"

struct parse_case {
    const char *parser;
    const char *text;
    uint64_t want_events; /* 0: whatever the run without failures gives (at least one) */
};

static int scen_parse_buffer(void *arg)
{
    struct parse_case *pc = arg;
    const struct ks_parser_ops *ops = ks_parser_find(pc->parser);
    assert_non_null(ops);
    uint64_t events = 0, malformed = 0;
    ks_test_arm();
    int rc = ks_ingest_parse_buffer(ops, "mem", pc->text, strlen(pc->text), ks_count_sink, &events,
                                    &malformed);
    ks_test_disarm();
    assert_true(rc <= 0);
    if (!g_fail_at) {
        assert_int_equal(rc, 0);
        if (pc->want_events)
            assert_int_equal(events, pc->want_events);
        else
            pc->want_events = events;
        assert_true(events > 0);
        assert_int_equal(malformed, 0);
    }
    /* a failed allocation may cost events (the parser protocol has no out-of-memory answer, so
     * a parser reports the record as malformed), never invent one */
    assert_true(events <= pc->want_events);
    return rc;
}

struct ingest_file_case {
    const char *path;
    uint64_t want_events;
};

static int scen_ingest_file(void *arg)
{
    const struct ingest_file_case *fc = arg;
    const char *path = fc->path;
    struct ks_ingest_opts o;
    struct ks_ingest *in = NULL;
    uint64_t events = 0;
    ks_ingest_opts_default(&o);
    ks_test_arm();
    int rc = ks_ingest_open(&path, 1, &o, &in);
    if (rc < 0)
        assert_null(in); /* OUT pointers are NULL on failure */
    if (rc == 0)
        rc = ks_ingest_run(in, ks_count_sink, &events);
    bool err = false;
    if (rc == 0) {
        const struct ks_ingest_report *r = ks_ingest_get_report(in);
        /* an input that could not be read is reported, not fatal */
        for (size_t i = 0; i < r->nfiles; i++)
            err |= r->files[i].error != 0;
    }
    ks_test_disarm();
    if (rc == 0 && !g_failed)
        assert_int_equal(events, fc->want_events);
    assert_true(events <= fc->want_events);
    ks_ingest_free(in);
    return rc < 0 ? rc : err ? KS_ENOMEM : 0;
}

#define BIG_LINES 3000

/* A conn.log of BIG_LINES records, timestamps jittered backwards so the reorder buffer works. */
static char *big_zeek_text(size_t *len)
{
    struct ks_buf b;
    ks_buf_init(&b, 1 << 24);
    assert_int_equal(ks_buf_append(&b, HDR_CONN, strlen(HDR_CONN)), 0);
    for (unsigned i = 0; i < BIG_LINES; i++)
        assert_int_equal(ks_buf_printf(&b,
                                       "%u.%06u\tC%u\t10.0.%u.%u\t%u\t192.168.1.%u\t443\ttcp\tssl\t"
                                       "1.5\t%u\t%u\tSF\tT\tF\t0\tShADdaFf\t3\t300\t4\t400\t(empty)"
                                       "\tBenign\t-\n",
                                       1655071000u + i - (i % 5) * 2, i % 1000000u, i, i / 250,
                                       i % 250, 1024 + i % 60000, i % 250, i * 10, i * 20),
                         0);
    *len = b.len;
    return b.p;
}

static void test_ingest(void **unused)
{
    (void)unused;
    struct parse_case cases[] = {
        {"zeek", zeek_text, 3},
        {"winjson", winjson_text, 2},
        {"syslog", SYSLOG_TEXT, 3},
        {"apache", APACHE_TEXT, 2},
        {"iis", IIS_TEXT, 1},
        {"openvpn", OPENVPN_TEXT, 0},
        {"journald", JOURNALD_TEXT, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "ingest.%s", cases[i].parser);
        ks_test_run_failing(name, scen_parse_buffer, &cases[i]);
    }

    char dir[4096], path[4200];
    ks_test_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/conn.log", dir);
    ks_test_write_file(path, zeek_text, strlen(zeek_text));
    struct ingest_file_case small = {path, 3};
    ks_test_run_failing("ingest.open_run", scen_ingest_file, &small);

    char big_path[4200];
    size_t big_len;
    char *big = big_zeek_text(&big_len);
    snprintf(big_path, sizeof(big_path), "%s/big-conn.log", dir);
    ks_test_write_file(big_path, big, big_len);
    free(big);
    struct ingest_file_case large = {big_path, BIG_LINES};
    ks_test_run_failing("ingest.open_run_3000", scen_ingest_file, &large);
    ks_test_rmtree(dir);
}

/* ---------------------------------------------------------------- store */

#define STORE_EVENTS 50

static int count_fn(void *arg, const struct ks_event *ev)
{
    (void)ev;
    (*(uint64_t *)arg)++;
    return 0;
}

static void fill_event(struct ks_event *ev, unsigned i, char *obs, size_t cap)
{
    ks_event_clear(ev);
    ev->ts = INT64_C(1600000000000000000) + (int64_t)i * 1000;
    ev->kind = KS_KIND_FLOW;
    ev->src_port = (uint16_t)(1000 + i);
    ev->dst_port = 443;
    ks_addr_from_v4(0x0a000000u | i, &ev->src);
    ks_addr_from_v4(0xc0a80001u, &ev->dst);
    snprintf(obs, cap, "obs-%u", i % 3);
    ev->observer = ks_sv_cstr(obs);
    ev->user = ks_sv_cstr(i % 2 ? "alice" : "bob");
}

/* What the store holds when reopened without failures: must verify clean; returns its events. */
static uint64_t store_check_clean(const char *dir)
{
    struct ks_store *st = NULL;
    struct ks_verify_report vr;
    int rc = ks_store_open(dir, KS_STORE_RDONLY, &st);
    if (getenv("KS_ALLOC_DEBUG"))
        fprintf(stderr, "[alloc-fail] reopen %s: %s\n", dir, ks_strerror(rc));
    if (rc < 0)
        return 0; /* never created: the failure came before the directory existed */
    memset(&vr, 0, sizeof(vr));
    assert_int_equal(ks_store_verify(st, &vr), 0);
    assert_int_equal(vr.segments_bad, 0);
    ks_store_close(st);
    return vr.events;
}

static int scen_store(void *arg)
{
    const char *base = arg;
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/st", base);
    ks_test_rmtree(dir);

    struct ks_store *st = NULL;
    uint64_t committed = 0, scanned = 0;
    ks_test_arm();
    int rc = ks_store_open(dir, KS_STORE_CREATE | KS_STORE_WRITE, &st);
    for (unsigned i = 0; rc == 0 && i < STORE_EVENTS; i++) {
        struct ks_event ev;
        char obs[32];
        fill_event(&ev, i, obs, sizeof(obs));
        rc = ks_store_append(st, &ev);
        /* two commits, two segments: a failed second commit must keep the first */
        if (rc == 0 && (i + 1) % (STORE_EVENTS / 2) == 0) {
            rc = ks_store_commit(st, NULL, 0);
            if (rc == 0)
                committed = i + 1;
        }
    }
    if (st)
        ks_store_close(st);
    st = NULL;
    if (rc == 0) {
        rc = ks_store_open(dir, KS_STORE_RDONLY, &st);
        if (rc == 0) {
            struct ks_query q;
            ks_query_init(&q);
            rc = ks_store_scan(st, &q, count_fn, &scanned);
            if (rc == 0) {
                struct ks_store_stats ss;
                rc = ks_store_stats(st, &ss);
                if (rc == 0) {
                    uint64_t sum = 0;
                    for (unsigned k = 0; k < KS_KIND_COUNT; k++)
                        sum += ss.per_kind[k];
                    assert_int_equal(ss.events, STORE_EVENTS);
                    assert_int_equal(sum, STORE_EVENTS); /* no segment skipped for want of memory */
                }
                ks_store_stats_free(&ss);
            }
            if (rc == 0) {
                /* out of memory must fail the verify, not mark a good segment bad */
                struct ks_verify_report vr;
                memset(&vr, 0, sizeof(vr));
                rc = ks_store_verify(st, &vr);
                if (rc == 0)
                    assert_int_equal(vr.segments_bad, 0);
            }
            ks_store_close(st);
        }
    }
    ks_test_disarm();
    assert_true(rc <= 0);
    if (rc == 0)
        assert_int_equal(scanned, STORE_EVENTS);
    uint64_t n = store_check_clean(dir);
    assert_int_equal(n, committed); /* what was published, all of it, nothing more */
    ks_test_rmtree(dir);
    return rc;
}

/* ingest into the store the way `konseki ingest` does: commit with the resume state whenever
 * the store wants it, and once at the end */
struct pipe {
    const char *input;  /* the log to ingest */
    char dir[4200];     /* the store */
    struct ks_store *st;
    struct ks_ingest *in;
    uint64_t appended, committed;
};

static int pipe_commit(struct pipe *p)
{
    const struct ks_resume_entry *re = NULL;
    size_t nre = 0;
    int rc = ks_ingest_resume_state(p->in, &re, &nre);
    if (rc == 0)
        rc = ks_store_commit(p->st, re, nre);
    if (rc == 0)
        p->committed = p->appended;
    return rc;
}

static int pipe_sink(void *arg, const struct ks_event *ev)
{
    struct pipe *p = arg;
    int rc = ks_store_append(p->st, ev);
    if (rc < 0)
        return rc;
    p->appended++;
    return ks_store_want_commit(p->st) ? pipe_commit(p) : 0;
}

static int scen_pipeline(void *arg)
{
    struct pipe *p = arg;
    struct ks_ingest_opts o;
    ks_test_rmtree(p->dir);
    p->st = NULL;
    p->in = NULL;
    p->appended = p->committed = 0;
    ks_ingest_opts_default(&o);
    ks_test_arm();
    int rc = ks_store_open(p->dir, KS_STORE_CREATE | KS_STORE_WRITE, &p->st);
    if (rc == 0)
        rc = ks_ingest_open(&p->input, 1, &o, &p->in);
    if (rc == 0)
        rc = ks_ingest_run(p->in, pipe_sink, p);
    if (rc == 0)
        rc = pipe_commit(p);
    ks_test_disarm();
    ks_ingest_free(p->in);
    if (p->st)
        ks_store_close(p->st);
    assert_true(rc <= 0);
    if (!g_fail_at)
        assert_int_equal(p->committed, BIG_LINES);
    assert_int_equal(store_check_clean(p->dir), p->committed);
    ks_test_rmtree(p->dir);
    return rc;
}

static void test_store(void **unused)
{
    (void)unused;
    char base[4096];
    ks_test_tmpdir(base, sizeof(base));
    ks_test_run_failing("store.write_scan", scen_store, base);

    char input[4200];
    size_t len;
    char *text = big_zeek_text(&len);
    snprintf(input, sizeof(input), "%s/conn.log", base);
    ks_test_write_file(input, text, len);
    free(text);
    struct pipe p = {.input = input};
    snprintf(p.dir, sizeof(p.dir), "%s/st", base);
    ks_test_run_failing("store.ingest_pipeline", scen_pipeline, &p);
    ks_test_rmtree(base);
}

/* ---------------------------------------------------------------- inventory */

static int scen_inventory(void *arg)
{
    const char *path = arg;
    struct ks_inventory *inv = NULL;
    size_t nerrors = 0;
    ks_test_arm();
    int rc = ks_inventory_load(path, &inv, &nerrors);
    ks_test_disarm();
    if (rc < 0) {
        assert_null(inv);
        return rc;
    }
    assert_non_null(inv);
    if (!g_failed)
        assert_int_equal(nerrors, 0);
    ks_inventory_free(inv);
    return 0;
}

static void test_inventory(void **unused)
{
    (void)unused;
    const char *src = getenv("KS_SOURCE_DIR");
    if (!src) {
        printf("KS_SOURCE_DIR not set (run through ctest); skipping\n");
        skip();
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/docs/example/konseki.yaml", src);
    ks_test_run_failing("inventory.load", scen_inventory, path);
}

int main(void)
{
    ks_log_set_quiet(true);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core),
        cmocka_unit_test(test_ingest),
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_inventory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
