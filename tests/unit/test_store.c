/* SPDX-License-Identifier: MIT */
/*
 * test_store.c - unit tests for src/store, the embedded directory store: round trip of every
 * field type, each query predicate against a brute-force filter, time order across overlapping
 * segments, reopen, resume state, verify catching a flipped byte anywhere in a segment, the
 * writer lock, orphan cleanup, hard caps, stats, and damaged files never crashing a reader.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_int.h"
#include "testutil.h"

#define BASE_TS (INT64_C(1700000000) * KS_NS_PER_SEC)
#define BIG_LEN (300 * 1024)

/* ---------------------------------------------------------------- event generator */

/* Backing storage for the strings of one generated event. */
struct gen {
    char obs[16], user[16], shost[32], dhost[32], svc[16], action[16], session[16], ds[16];
    char *object;
    struct ks_kv bag[220];
    char keys[220][16], vals[220][24];
    struct ks_event ev;
};

static char big_string[BIG_LEN];
static bool gen_no_big; /* leave out the large strings (tests that loop over every byte) */

static void gen_event(unsigned i, struct gen *g)
{
    struct ks_event *ev = &g->ev;
    ks_event_clear(ev);
    ev->ts = BASE_TS + (int64_t)i * 1000 * 1000 + (i % 7) * 13;
    ev->kind = (uint8_t)(i % KS_KIND_COUNT);
    ev->outcome = (uint8_t)(i % 3);
    ev->proto = (uint8_t)(i * 31);
    ev->logon_type = (uint8_t)(i % 11);
    ev->src_port = (uint16_t)(i * 7919);
    ev->dst_port = (uint16_t)(i % 5 ? 443 : 65535);
    ev->code = i * 100003u;
    if (i % 2)
        ks_addr_from_v4(0x0a000000u | (i % 40), &ev->src);
    else {
        char a[64];
        snprintf(a, sizeof(a), "2001:db8::%x", i % 40);
        assert_int_equal(ks_addr_parse(a, strlen(a), &ev->src), 0);
    }
    if (i % 5)
        ks_addr_from_v4(0xc0a80100u | (i % 9), &ev->dst);
    ev->bytes_out = (uint64_t)i * 1234567u;
    ev->bytes_in = UINT64_MAX - i;
    ev->pkts_out = i * 1000u;
    ev->pkts_in = i;
    ev->duration = (uint64_t)i * 1000000u;
    snprintf(g->obs, sizeof(g->obs), "obs-%u", i % 3);
    ev->observer = ks_sv_cstr(g->obs);
    if (i % 4) {
        snprintf(g->user, sizeof(g->user), "user%u", i % 5);
        ev->user = ks_sv_cstr(g->user);
    }
    snprintf(g->shost, sizeof(g->shost), "host-%u.example", i % 6);
    ev->src_host = ks_sv_cstr(g->shost);
    if (i % 3 == 2) {
        snprintf(g->dhost, sizeof(g->dhost), "obs-%u", (i + 1) % 3);
        ev->dst_host = ks_sv_cstr(g->dhost);
    }
    snprintf(g->svc, sizeof(g->svc), "svc%u", i % 4);
    ev->service = ks_sv_cstr(g->svc);
    snprintf(g->action, sizeof(g->action), "act%u", i % 2);
    ev->action = ks_sv_cstr(g->action);
    if (i % 17 == 7 && !gen_no_big)
        ev->object = ks_sv_make(big_string, BIG_LEN - i);
    snprintf(g->session, sizeof(g->session), "s%u", i);
    ev->session = ks_sv_cstr(g->session);
    snprintf(g->ds, sizeof(g->ds), "ds%u", i % 2);
    ev->dataset = ks_sv_cstr(g->ds);
    ev->source_id = i % 4;
    ev->offset = (uint64_t)i * 100;
    unsigned nbag = i % 23 == 3 ? 200 : i % 4;
    for (unsigned k = 0; k < nbag; k++) {
        snprintf(g->keys[k], sizeof(g->keys[k]), "k%u", k);
        snprintf(g->vals[k], sizeof(g->vals[k]), k % 3 ? "v%u-%u" : "", i, k);
        g->bag[k].key = ks_sv_cstr(g->keys[k]);
        g->bag[k].val = ks_sv_cstr(g->vals[k]);
    }
    ev->bag = g->bag;
    ev->nbag = nbag;
}

static void assert_event_equal(const struct ks_event *a, const struct ks_event *b)
{
#define CMP_TS(name) assert_true(a->name == b->name);
#define CMP_U8(name) assert_int_equal(a->name, b->name);
#define CMP_U16(name) assert_int_equal(a->name, b->name);
#define CMP_U32(name) assert_int_equal(a->name, b->name);
#define CMP_U64(name) assert_true(a->name == b->name);
#define CMP_ADDR(name)                                                                             \
    assert_int_equal(a->name.family, b->name.family);                                             \
    assert_memory_equal(a->name.b, b->name.b, 16);
#define CMP_STR(name) assert_true(ks_sv_eq(a->name, b->name));
#define KS_EVENT_FIELD(name, type, ecs) CMP_##type(name)
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    assert_int_equal(a->source_id, b->source_id);
    assert_true(a->offset == b->offset);
    assert_int_equal(a->nbag, b->nbag);
    for (uint32_t k = 0; k < a->nbag; k++) {
        assert_true(ks_sv_eq(a->bag[k].key, b->bag[k].key));
        assert_true(ks_sv_eq(a->bag[k].val, b->bag[k].val));
    }
}

/* ---------------------------------------------------------------- helpers */

struct collected {
    struct ks_event **ev;
    size_t n, cap;
    int stop_after; /* 0: never */
};

static int collect_fn(void *arg, const struct ks_event *ev)
{
    struct collected *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->ev = realloc(c->ev, sizeof(*c->ev) * c->cap);
        assert_non_null(c->ev);
    }
    c->ev[c->n] = ks_event_clone(ev);
    assert_non_null(c->ev[c->n]);
    c->n++;
    return c->stop_after && (int)c->n >= c->stop_after ? 42 : 0;
}

static void collected_free(struct collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->ev[i]);
    free(c->ev);
    memset(c, 0, sizeof(*c));
}

static void seg_path(const char *root, unsigned nth, char *out, size_t cap)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/segments", root);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    static char names[64][600];
    unsigned n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4400];
        snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
        DIR *s = opendir(sub);
        struct dirent *fe;
        while (s && (fe = readdir(s)))
            if (fe->d_name[0] != '.' && n < 64)
                snprintf(names[n++], sizeof(names[0]), "%s/%s", de->d_name, fe->d_name);
        if (s)
            closedir(s);
    }
    closedir(d);
    assert_true(nth < n);
    qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
    snprintf(out, cap, "%s/%s", dir, names[nth]);
}

/* Writes events [0, n) in ncommits commits, event i going to commit i % ncommits. */
static void build_store(const char *root, unsigned n, unsigned ncommits)
{
    struct ks_store *st;
    static struct gen g;
    assert_int_equal(ks_store_open(root, KS_STORE_CREATE, &st), 0);
    for (unsigned c = 0; c < ncommits; c++) {
        for (unsigned i = c; i < n; i += ncommits) {
            gen_event(i, &g);
            assert_int_equal(ks_store_append(st, &g.ev), 0);
        }
        struct ks_resume_entry r = {.identity = 7, .identity_len = 3, .watermark = c + 1};
        assert_int_equal(ks_store_commit(st, &r, 1), 0);
    }
    ks_store_close(st);
}

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(big_string); i++)
        big_string[i] = (char)('a' + (i * 7 + i / 13) % 26);
    return 0;
}

/* ---------------------------------------------------------------- tests */

static void test_roundtrip(void **state)
{
    (void)state;
    char root[4096];
    static struct gen g;
    const unsigned n = 300;
    ks_test_tmpdir(root, sizeof(root));
    build_store(root, n, 3);

    struct ks_store *st;
    struct ks_query q;
    struct collected c = {0};
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), 0);
    ks_query_init(&q);
    assert_int_equal(ks_store_scan(st, &q, collect_fn, &c), 0);
    assert_int_equal(c.n, n);
    for (unsigned i = 0; i < n; i++) {
        gen_event(i, &g);
        assert_event_equal(c.ev[i], &g.ev); /* in time order across the 3 overlapping segments */
    }
    collected_free(&c);

    /* a stop value from the callback ends the scan and is returned */
    c.stop_after = 5;
    assert_int_equal(ks_store_scan(st, &q, collect_fn, &c), 42);
    assert_int_equal(c.n, 5);
    collected_free(&c);

    const struct ks_resume_entry *r;
    size_t nr;
    assert_int_equal(ks_store_resume_state(st, &r, &nr), 0);
    assert_int_equal(nr, 1);
    assert_true(r[0].watermark == 3 && r[0].identity == 7 && r[0].identity_len == 3);
    /* a reader cannot write */
    gen_event(0, &g);
    assert_int_equal(ks_store_append(st, &g.ev), KS_EINVAL);
    ks_store_close(st);
    ks_test_rmtree(root);
}

static void test_unsorted_input_and_many_groups(void **state)
{
    (void)state;
    char root[4096];
    static struct gen g;
    const unsigned n = 40000; /* three row groups */
    ks_test_tmpdir(root, sizeof(root));
    struct ks_store *st;
    assert_int_equal(ks_store_open(root, KS_STORE_CREATE, &st), 0);
    for (unsigned k = 0; k < n; k++) {
        unsigned i = (k * 7919u) % n; /* out of time order */
        gen_event(i, &g);
        g.ev.object = KS_SV_NULL;
        assert_int_equal(ks_store_append(st, &g.ev), 0);
    }
    assert_int_equal(ks_store_commit(st, NULL, 0), 0);
    struct ks_query q;
    struct collected c = {0};
    ks_query_init(&q);
    assert_int_equal(ks_store_scan(st, &q, collect_fn, &c), 0);
    assert_int_equal(c.n, n);
    for (unsigned i = 0; i < n; i += 997) {
        gen_event(i, &g);
        g.ev.object = KS_SV_NULL;
        assert_event_equal(c.ev[i], &g.ev);
    }
    for (unsigned i = 1; i < n; i++)
        assert_true(c.ev[i - 1]->ts <= c.ev[i]->ts);
    collected_free(&c);
    struct ks_verify_report vr;
    assert_int_equal(ks_store_verify(st, &vr), 0);
    assert_true(vr.segments_ok == 1 && vr.segments_bad == 0 && vr.events == n);
    ks_store_close(st);
    ks_test_rmtree(root);
}

/* Columns that are empty in every row are stored as empty payloads; they read back as zero. */
static void test_sparse_columns(void **state)
{
    (void)state;
    char root[4096];
    ks_test_tmpdir(root, sizeof(root));
    struct ks_store *st;
    assert_int_equal(ks_store_open(root, KS_STORE_CREATE, &st), 0);
    struct ks_event ev[40];
    for (unsigned i = 0; i < 40; i++) {
        ks_event_clear(&ev[i]);
        ev[i].ts = BASE_TS + i;
        ev[i].kind = KS_KIND_FLOW;
        if (i == 39) /* only the last row has an address, so the column is not all zero */
            ks_addr_from_v4(0x01020304u, &ev[i].src);
        assert_int_equal(ks_store_append(st, &ev[i]), 0);
    }
    assert_int_equal(ks_store_commit(st, NULL, 0), 0);
    struct ks_query q;
    struct collected c = {0};
    ks_query_init(&q);
    assert_int_equal(ks_store_scan(st, &q, collect_fn, &c), 0);
    assert_int_equal(c.n, 40);
    for (unsigned i = 0; i < 40; i++)
        assert_event_equal(c.ev[i], &ev[i]);
    collected_free(&c);
    struct ks_verify_report vr;
    assert_int_equal(ks_store_verify(st, &vr), 0);
    assert_true(vr.segments_ok == 1 && vr.events == 40);
    ks_store_close(st);
    ks_test_rmtree(root);
}

/* Segments that overlap in a chain (as a reorder window produces): the scan merges them. */
static void test_chained_overlap(void **state)
{
    (void)state;
    char root[4096];
    static struct gen g;
    ks_test_tmpdir(root, sizeof(root));
    gen_no_big = true;
    struct ks_store *st;
    assert_int_equal(ks_store_open(root, KS_STORE_CREATE, &st), 0);
    const unsigned nb = 6, per = 50;
    for (unsigned b = 0; b < nb; b++) {
        for (unsigned k = 0; k < per; k++) {
            unsigned i = b * per + k;
            /* the first 5 of each batch go to the batch before (its range reaches into ours) */
            if (k < 5 && b > 0)
                continue;
            gen_event(i, &g);
            assert_int_equal(ks_store_append(st, &g.ev), 0);
        }
        for (unsigned k = 0; k < 5 && b + 1 < nb; k++) {
            gen_event((b + 1) * per + k, &g);
            assert_int_equal(ks_store_append(st, &g.ev), 0);
        }
        assert_int_equal(ks_store_commit(st, NULL, 0), 0);
    }
    struct ks_query q;
    struct collected c = {0};
    ks_query_init(&q);
    assert_int_equal(ks_store_scan(st, &q, collect_fn, &c), 0);
    assert_int_equal(c.n, nb * per);
    for (unsigned i = 0; i < nb * per; i++) {
        gen_event(i, &g);
        assert_event_equal(c.ev[i], &g.ev);
    }
    collected_free(&c);
    gen_no_big = false;
    ks_store_close(st);
    ks_test_rmtree(root);
}

/* Brute-force reference of the query semantics of store.h. */
static bool ref_match(const struct ks_event *ev, const struct ks_query *q)
{
    if (ev->ts < q->from || ev->ts >= q->to)
        return false;
    if (q->observer.p && !ks_sv_eq(ev->observer, q->observer))
        return false;
    if (q->user.p && !ks_sv_eq(ev->user, q->user))
        return false;
    if (q->host.p && !ks_sv_eq(ev->src_host, q->host) && !ks_sv_eq(ev->dst_host, q->host) &&
        !ks_sv_eq(ev->observer, q->host))
        return false;
    if (q->addr.family && !(ev->src.family && !memcmp(ev->src.b, q->addr.b, 16)) &&
        !(ev->dst.family && !memcmp(ev->dst.b, q->addr.b, 16)))
        return false;
    if (q->kind_mask && !(q->kind_mask & (1u << ev->kind)))
        return false;
    return true;
}

struct qcase {
    const char *name;
    int64_t from_i, to_i; /* event index bounds; -1 = unbounded */
    const char *observer, *user, *host, *addr;
    uint32_t kind_mask;
    uint64_t limit;
};

static void test_queries(void **state)
{
    (void)state;
    static const struct qcase cases[] = {
        {"all", -1, -1, NULL, NULL, NULL, NULL, 0, 0},
        {"from inclusive", 100, -1, NULL, NULL, NULL, NULL, 0, 0},
        {"to exclusive", -1, 100, NULL, NULL, NULL, NULL, 0, 0},
        {"window", 50, 51, NULL, NULL, NULL, NULL, 0, 0},
        {"empty window", 50, 50, NULL, NULL, NULL, NULL, 0, 0},
        {"observer", -1, -1, "obs-1", NULL, NULL, NULL, 0, 0},
        {"observer window", 10, 200, "obs-2", NULL, NULL, NULL, 0, 0},
        {"observer absent", -1, -1, "obs-9", NULL, NULL, NULL, 0, 0},
        {"user", -1, -1, NULL, "user3", NULL, NULL, 0, 0},
        {"user empty", -1, -1, NULL, "", NULL, NULL, 0, 0},
        {"host as src_host", -1, -1, NULL, NULL, "host-4.example", NULL, 0, 0},
        {"host as observer or dst_host", -1, -1, NULL, NULL, "obs-0", NULL, 0, 0},
        {"host absent", -1, -1, NULL, NULL, "nohost", NULL, 0, 0},
        {"addr v4 src", -1, -1, NULL, NULL, NULL, "10.0.0.7", 0, 0},
        {"addr v4 dst", -1, -1, NULL, NULL, NULL, "192.168.1.3", 0, 0},
        {"addr v6", -1, -1, NULL, NULL, NULL, "2001:db8::a", 0, 0},
        {"addr absent", -1, -1, NULL, NULL, NULL, "8.8.8.8", 0, 0},
        {"kind mask", -1, -1, NULL, NULL, NULL, NULL, 1u << KS_KIND_FLOW | 1u << KS_KIND_AUTH, 0},
        {"limit", -1, -1, NULL, NULL, NULL, NULL, 0, 17},
        {"combined", 20, 280, "obs-1", "user1", NULL, "10.0.0.1", 0, 0},
        {"combined host+kind", -1, -1, NULL, NULL, "host-1.example", NULL, 0xffff, 5},
    };
    char root[4096];
    static struct gen g;
    const unsigned n = 300;
    ks_test_tmpdir(root, sizeof(root));
    build_store(root, n, 4);
    struct ks_store *st;
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), 0);
    for (size_t k = 0; k < KS_ARRAY_LEN(cases); k++) {
        const struct qcase *qc = &cases[k];
        struct ks_query q;
        ks_query_init(&q);
        if (qc->from_i >= 0) {
            gen_event((unsigned)qc->from_i, &g);
            q.from = g.ev.ts;
        }
        if (qc->to_i >= 0) {
            gen_event((unsigned)qc->to_i, &g);
            q.to = g.ev.ts;
        }
        if (qc->observer)
            q.observer = ks_sv_cstr(qc->observer);
        if (qc->user)
            q.user = ks_sv_cstr(qc->user);
        if (qc->host)
            q.host = ks_sv_cstr(qc->host);
        if (qc->addr)
            assert_int_equal(ks_addr_parse(qc->addr, strlen(qc->addr), &q.addr), 0);
        q.kind_mask = qc->kind_mask;
        q.limit = qc->limit;
        struct collected c = {0};
        assert_int_equal(ks_store_scan(st, &q, collect_fn, &c), 0);
        size_t want = 0;
        for (unsigned i = 0; i < n; i++) {
            gen_event(i, &g);
            if (!ref_match(&g.ev, &q) || (q.limit && want >= q.limit))
                continue;
            if (want >= c.n)
                fail_msg("case '%s': missing event %u", qc->name, i);
            if (c.ev[want]->ts != g.ev.ts)
                fail_msg("case '%s': event %zu has ts %lld, want event %u", qc->name, want,
                         (long long)c.ev[want]->ts, i);
            assert_event_equal(c.ev[want], &g.ev);
            want++;
        }
        if (want != c.n)
            fail_msg("case '%s': got %zu events, want %zu", qc->name, c.n, want);
        collected_free(&c);
    }
    ks_store_close(st);
    ks_test_rmtree(root);
}

static void test_resume_state(void **state)
{
    (void)state;
    char root[4096];
    ks_test_tmpdir(root, sizeof(root));
    struct ks_store *st;
    const struct ks_resume_entry *r;
    size_t nr;
    assert_int_equal(ks_store_open(root, KS_STORE_CREATE, &st), 0);
    assert_int_equal(ks_store_resume_state(st, &r, &nr), 0);
    assert_int_equal(nr, 0);
    uint64_t above[3] = {1005, 1010, 1300};
    struct ks_resume_entry in[2] = {
        {.identity = 0x1234567890abcdefull, .identity_len = 4096, .watermark = 1000,
         .nabove = 3, .above = above},
        {.identity = 1, .identity_len = 1, .watermark = UINT64_MAX},
    };
    /* nothing appended: still publishes the resume state */
    assert_int_equal(ks_store_commit(st, in, 2), 0);
    above[0] = 0; /* the store kept a copy */
    ks_store_close(st);

    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), 0);
    assert_int_equal(ks_store_resume_state(st, &r, &nr), 0);
    assert_int_equal(nr, 2);
    assert_true(r[0].identity == 0x1234567890abcdefull && r[0].identity_len == 4096);
    assert_true(r[0].watermark == 1000 && r[0].nabove == 3);
    assert_true(r[0].above[0] == 1005 && r[0].above[1] == 1010 && r[0].above[2] == 1300);
    assert_true(r[1].watermark == UINT64_MAX && r[1].nabove == 0);
    struct ks_store_stats ss;
    assert_int_equal(ks_store_stats(st, &ss), 0);
    assert_true(ss.events == 0 && ss.segments == 0);
    ks_store_stats_free(&ss);
    ks_store_close(st);

    /* a later commit replaces it */
    static struct gen g;
    assert_int_equal(ks_store_open(root, KS_STORE_WRITE, &st), 0);
    gen_event(1, &g);
    assert_int_equal(ks_store_append(st, &g.ev), 0);
    assert_int_equal(ks_store_commit(st, &in[1], 1), 0);
    assert_int_equal(ks_store_resume_state(st, &r, &nr), 0);
    assert_true(nr == 1 && r[0].identity == 1);
    ks_store_close(st);
    ks_test_rmtree(root);
}

static void test_lock_and_orphans(void **state)
{
    (void)state;
    char root[4096], path[4200];
    ks_test_tmpdir(root, sizeof(root));
    build_store(root, 20, 1);
    struct ks_store *w1, *w2, *rd;
    assert_int_equal(ks_store_open(root, KS_STORE_WRITE, &w1), 0);
    assert_int_equal(ks_store_open(root, KS_STORE_WRITE, &w2), KS_ELOCKED);
    assert_null(w2);
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &rd), 0); /* readers need no lock */
    ks_store_close(rd);
    ks_store_close(w1);

    /* leftovers of a crash */
    seg_path(root, 0, path, sizeof(path));
    char orphan[4300];
    snprintf(orphan, sizeof(orphan), "%s.tmp", path);
    ks_test_write_file(orphan, "x", 1);
    snprintf(orphan, sizeof(orphan), "%s/segments/20200101", root);
    mkdir(orphan, 0755);
    snprintf(orphan, sizeof(orphan), "%s/segments/20200101/0000000099.kseg", root);
    ks_test_write_file(orphan, "y", 1);
    snprintf(path, sizeof(path), "%s/MANIFEST.tmp", root);
    ks_test_write_file(path, "z", 1);

    struct ks_verify_report vr;
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &rd), 0);
    assert_int_equal(ks_store_verify(rd, &vr), 0);
    assert_true(vr.orphans == 3 && vr.segments_ok == 1 && vr.events == 20);
    ks_store_close(rd);
    assert_int_equal(access(orphan, F_OK), 0); /* a reader removes nothing */

    assert_int_equal(ks_store_open(root, KS_STORE_WRITE, &w1), 0);
    assert_int_equal(ks_store_verify(w1, &vr), 0);
    assert_true(vr.orphans == 0 && vr.segments_ok == 1 && vr.segments_bad == 0);
    assert_int_not_equal(access(orphan, F_OK), 0);
    assert_int_not_equal(access(path, F_OK), 0);
    ks_store_close(w1);

    assert_int_equal(ks_store_open("/nonexistent/ks-store", KS_STORE_RDONLY, &rd), KS_ENOENT);
    assert_int_equal(ks_store_open("nosuch://x", KS_STORE_RDONLY, &rd), KS_EUNSUPPORTED);
    ks_test_rmtree(root);
}

static void test_caps(void **state)
{
    (void)state;
    char root[4096];
    static struct gen g;
    ks_test_tmpdir(root, sizeof(root));
    struct ks_store *st;
    assert_int_equal(ks_store_open(root, KS_STORE_CREATE, &st), 0);
    assert_int_equal(ks_store_dir_set_target(st, 10, 0), 0);
    for (unsigned i = 0; i < 20; i++) {
        assert_int_equal(ks_store_want_commit(st), i >= 10);
        gen_event(i, &g);
        assert_int_equal(ks_store_append(st, &g.ev), 0);
    }
    gen_event(20, &g);
    assert_int_equal(ks_store_append(st, &g.ev), KS_ETOOBIG);
    assert_int_equal(ks_store_commit(st, NULL, 0), 0);
    assert_false(ks_store_want_commit(st));
    assert_int_equal(ks_store_append(st, &g.ev), 0);
    /* the byte target */
    assert_int_equal(ks_store_commit(st, NULL, 0), 0);
    assert_int_equal(ks_store_dir_set_target(st, 0, 1 << 20), 0);
    gen_event(7, &g); /* ~300 KiB object, a different one each time */
    unsigned ok = 0;
    while (ks_store_append(st, &g.ev) == 0) {
        ok++;
        g.ev.object = ks_sv_make(big_string + ok, BIG_LEN - 1000);
    }
    assert_true(ok >= 3 && ok <= 8);
    assert_true(ks_store_want_commit(st));
    assert_int_equal(ks_store_commit(st, NULL, 0), 0);
    /* a span over an hour wants a commit once the segment holds a row group, not before
     * (out-of-order input must not publish a tiny segment at every jump back in time) */
    assert_int_equal(ks_store_dir_set_target(st, 0, 0), 0); /* default row and byte targets */
    gen_event(1, &g);
    assert_int_equal(ks_store_append(st, &g.ev), 0);
    assert_false(ks_store_want_commit(st));
    g.ev.ts += 2 * 3600 * KS_NS_PER_SEC;
    assert_int_equal(ks_store_append(st, &g.ev), 0);
    assert_false(ks_store_want_commit(st));
    for (unsigned i = 2; i < KS_SEG_GROUP_ROWS - 1; i++) {
        g.ev.ts -= 1000;
        assert_int_equal(ks_store_append(st, &g.ev), 0);
    }
    assert_false(ks_store_want_commit(st));
    assert_int_equal(ks_store_append(st, &g.ev), 0);
    assert_true(ks_store_want_commit(st));
    ks_store_close(st); /* discards the uncommitted row group */
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), 0);
    struct ks_store_stats ss;
    assert_int_equal(ks_store_stats(st, &ss), 0);
    assert_true(ss.events == 21 + ok && ss.segments == 3);
    ks_store_stats_free(&ss);
    ks_store_close(st);
    ks_test_rmtree(root);
}

static void test_stats(void **state)
{
    (void)state;
    char root[4096];
    static struct gen g;
    ks_test_tmpdir(root, sizeof(root));
    struct ks_store *st;
    assert_int_equal(ks_store_open(root, KS_STORE_CREATE, &st), 0);
    uint64_t kinds[KS_KIND_COUNT] = {0};
    const int64_t day = 86400 * KS_NS_PER_SEC;
    for (unsigned i = 0; i < 100; i++) {
        gen_event(i, &g);
        g.ev.ts = BASE_TS - BASE_TS % day + (int64_t)(i % 3) * day + i; /* three days */
        kinds[g.ev.kind]++;
        assert_int_equal(ks_store_append(st, &g.ev), 0);
        if (i == 49)
            assert_int_equal(ks_store_commit(st, NULL, 0), 0);
    }
    assert_int_equal(ks_store_commit(st, NULL, 0), 0);
    struct ks_store_stats ss;
    assert_int_equal(ks_store_stats(st, &ss), 0);
    assert_true(ss.events == 100 && ss.segments == 2 && ss.bytes_on_disk > 0);
    assert_true(ss.min_ts == BASE_TS - BASE_TS % day);
    assert_true(ss.max_ts == BASE_TS - BASE_TS % day + 2 * day + 98);
    for (unsigned k = 0; k < KS_KIND_COUNT; k++)
        assert_true(ss.per_kind[k] == kinds[k]);
    assert_int_equal(ss.ndatasets, 2);
    for (size_t d = 0; d < 2; d++) {
        assert_true(strcmp(ss.dataset_names[d], "ds0") == 0 ||
                    strcmp(ss.dataset_names[d], "ds1") == 0);
        assert_true(ss.dataset_events[d] == 50);
    }
    assert_int_equal(ss.ndays, 3);
    assert_true(ss.day_start[0] == BASE_TS - BASE_TS % day &&
                ss.day_start[2] - ss.day_start[0] == 2 * day);
    assert_true(ss.day_events[0] == 34 && ss.day_events[1] == 33 && ss.day_events[2] == 33);
    ks_store_stats_free(&ss);
    ks_store_close(st);
    ks_test_rmtree(root);
}

/* Writes byte v at off of path in place (rewriting the whole file is slow on ext4). */
static void poke(const char *path, size_t off, char v)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, &v, 1, (off_t)off), 1);
    close(fd);
}

static int count_fn(void *arg, const struct ks_event *ev)
{
    (void)ev;
    (*(uint64_t *)arg)++;
    return 0;
}

static void test_verify_flipped_bytes(void **state)
{
    (void)state;
    char root[4096], path[4200];
    ks_test_tmpdir(root, sizeof(root));
    gen_no_big = true;
    build_store(root, 40, 2);
    gen_no_big = false;
    seg_path(root, 0, path, sizeof(path));
    size_t len;
    char *orig = ks_test_read_file(path, &len);
    assert_non_null(orig);
    assert_true(len > 200);
    struct ks_store *st;
    struct ks_verify_report vr;
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), 0);
    assert_int_equal(ks_store_verify(st, &vr), 0);
    assert_true(vr.segments_ok == 2 && vr.segments_bad == 0 && vr.events == 40);
    ks_store_close(st);
    for (size_t off = 0; off < len; off++) {
        poke(path, off, (char)(orig[off] ^ 0x20));
        assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), 0);
        assert_int_equal(ks_store_verify(st, &vr), 0);
        if (vr.segments_bad != 1 || vr.segments_ok != 1)
            fail_msg("flipped byte at offset %zu of %zu not detected", off, len);
        if (off % 97 == 0) {
            /* a scan skips the bad segment and still returns the good one */
            struct ks_query q;
            uint64_t n = 0;
            ks_query_init(&q);
            assert_int_equal(ks_store_scan(st, &q, count_fn, &n), 0);
            if (n != 20 && n != 40) /* 40: the flip is in a block this scan did not need */
                fail_msg("flip at %zu: scan returned %llu events", off, (unsigned long long)n);
        }
        ks_store_close(st);
        poke(path, off, orig[off]);
    }
    /* truncated */
    ks_test_write_file(path, orig, len / 2);
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), 0);
    assert_int_equal(ks_store_verify(st, &vr), 0);
    assert_true(vr.segments_bad == 1 && vr.segments_ok == 1 && vr.events == 20);
    struct ks_store_stats ss;
    assert_int_equal(ks_store_stats(st, &ss), 0);
    ks_store_stats_free(&ss);
    ks_store_close(st);
    /* a damaged manifest fails the open */
    ks_test_write_file(path, orig, len);
    snprintf(path, sizeof(path), "%s/MANIFEST", root);
    size_t mlen;
    char *man = ks_test_read_file(path, &mlen);
    man[mlen / 2] ^= 1;
    ks_test_write_file(path, man, mlen);
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), KS_ECORRUPT);
    ks_test_write_file(path, man, mlen / 3);
    assert_int_equal(ks_store_open(root, KS_STORE_RDONLY, &st), KS_ECORRUPT);
    free(man);
    free(orig);
    ks_test_rmtree(root);
}

/* Seed corpus generator for tests/fuzz/corpus/segment: KS_STORE_WRITE_CORPUS=dir writes small
 * valid segments and truncated variants there. Checks decode_mem on them in any case. */
static void test_decode_mem(void **state)
{
    (void)state;
    char root[4096], path[4200];
    ks_test_tmpdir(root, sizeof(root));
    gen_no_big = true;
    build_store(root, 30, 2);
    gen_no_big = false;
    const char *out = getenv("KS_STORE_WRITE_CORPUS");
    for (unsigned s = 0; s < 2; s++) {
        seg_path(root, s, path, sizeof(path));
        size_t len;
        char *img = ks_test_read_file(path, &len);
        uint64_t ev;
        assert_int_equal(ks_store_seg_decode_mem((const uint8_t *)img, len, &ev), 0);
        assert_true(ev == 15);
        static const size_t cuts[] = {0, 1, 16, 100, 1000};
        for (size_t k = 0; k < KS_ARRAY_LEN(cuts); k++)
            if (cuts[k] < len)
                assert_int_equal(ks_store_seg_decode_mem((const uint8_t *)img, cuts[k], &ev),
                                 KS_ECORRUPT);
        assert_int_equal(ks_store_seg_decode_mem((const uint8_t *)img, len - 1, &ev), KS_ECORRUPT);
        if (out) {
            char f[4300];
            snprintf(f, sizeof(f), "%s/valid-%u.kseg", out, s);
            ks_test_write_file(f, img, len);
            snprintf(f, sizeof(f), "%s/truncated-%u.kseg", out, s);
            ks_test_write_file(f, img, len * 2 / 3);
            snprintf(f, sizeof(f), "%s/no-trailer-%u.kseg", out, s);
            ks_test_write_file(f, img, len - KS_SEG_TRAILER_LEN);
        }
        free(img);
    }
    ks_test_rmtree(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_unsorted_input_and_many_groups),
        cmocka_unit_test(test_sparse_columns),
        cmocka_unit_test(test_chained_overlap),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_resume_state),
        cmocka_unit_test(test_lock_and_orphans),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_verify_flipped_bytes),
        cmocka_unit_test(test_decode_mem),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
