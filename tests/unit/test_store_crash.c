/* SPDX-License-Identifier: MIT */
/*
 * test_store_crash.c - the directory store's crash guarantees, tested with real kills: a child
 * process ingests (append + commit with a resume watermark, in a loop) and the parent SIGKILLs
 * it at a random moment. After every kill the store must open and verify with every published
 * segment intact, hold exactly the events its last resume watermark promises, and a re-run that
 * resumes from that watermark must add no duplicates.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

#define BATCH 1000
#define COMMITS 50
#define ITERATIONS 20
#define BASE_TS (INT64_C(1700000000) * KS_NS_PER_SEC)

static uint64_t watermark_of(struct ks_store *st)
{
    const struct ks_resume_entry *r;
    size_t n;
    if (ks_store_resume_state(st, &r, &n) != 0 || n == 0)
        return 0;
    return r[0].watermark;
}

/* The ingest: resumes from the store's watermark, so records below it are never appended again. */
static void child_ingest(const char *root)
{
    struct ks_store *st;
    if (ks_store_open(root, KS_STORE_CREATE, &st) != 0)
        _exit(2);
    uint64_t next = watermark_of(st);
    char user[32], uid[32];
    for (int c = 0; c < COMMITS; c++) {
        for (int k = 0; k < BATCH; k++, next++) {
            struct ks_event ev;
            struct ks_kv bag[1];
            ks_event_clear(&ev);
            ev.ts = BASE_TS + (int64_t)next * 1000000;
            ev.kind = KS_KIND_FLOW;
            ks_addr_from_v4(0x0a000000u | (uint32_t)(next % 1000), &ev.src);
            ks_addr_from_v4(0x0a010000u | (uint32_t)(next % 77), &ev.dst);
            snprintf(user, sizeof(user), "u%llu", (unsigned long long)(next % 50));
            ev.user = ks_sv_cstr(user);
            ev.observer = ks_sv_cstr("r1");
            snprintf(uid, sizeof(uid), "C%llux", (unsigned long long)next * 2654435761u);
            bag[0] = (struct ks_kv){ks_sv_cstr("uid"), ks_sv_cstr(uid)};
            ev.bag = bag;
            ev.nbag = 1;
            ev.source_id = 1;
            ev.offset = next;
            if (ks_store_append(st, &ev) != 0)
                _exit(3);
        }
        struct ks_resume_entry r = {.identity = 42, .identity_len = 1, .watermark = next};
        if (ks_store_commit(st, &r, 1) != 0)
            _exit(4);
    }
    ks_store_close(st);
    _exit(0);
}

struct seen {
    uint8_t *bits;
    uint64_t n, dups, out_of_range, unordered;
    int64_t last_ts;
};

static int seen_fn(void *arg, const struct ks_event *ev)
{
    struct seen *s = arg;
    if (ev->offset >= s->n) {
        s->out_of_range++;
        return 0;
    }
    if (s->bits[ev->offset / 8] & (1u << (ev->offset % 8)))
        s->dups++;
    s->bits[ev->offset / 8] |= (uint8_t)(1u << (ev->offset % 8));
    if (ev->ts < s->last_ts)
        s->unordered++;
    s->last_ts = ev->ts;
    return 0;
}

static void check_store(const char *root, uint64_t *watermark)
{
    struct ks_store *st;
    struct ks_verify_report vr;
    int rc = ks_store_open(root, KS_STORE_RDONLY, &st);
    if (rc == KS_ENOENT && *watermark == 0)
        return; /* killed before the store's first MANIFEST was in place */
    assert_int_equal(rc, 0);
    assert_int_equal(ks_store_verify(st, &vr), 0);
    assert_int_equal(vr.segments_bad, 0);
    uint64_t w = watermark_of(st);
    if (vr.events != w)
        fail_msg("store holds %llu events, resume watermark says %llu",
                 (unsigned long long)vr.events, (unsigned long long)w);
    struct seen s = {.n = w, .bits = calloc(w / 8 + 1, 1), .last_ts = INT64_MIN};
    struct ks_query q;
    ks_query_init(&q);
    assert_int_equal(ks_store_scan(st, &q, seen_fn, &s), 0);
    assert_true(s.dups == 0 && s.out_of_range == 0 && s.unordered == 0);
    for (uint64_t i = 0; i < w; i++)
        assert_true(s.bits[i / 8] & (1u << (i % 8)));
    free(s.bits);
    ks_store_close(st);
    *watermark = w;
}

static void test_sigkill_during_ingest(void **state)
{
    (void)state;
    char root[4096];
    ks_test_tmpdir(root, sizeof(root));
    srand((unsigned)time(NULL));
    uint64_t prev = 0;
    int64_t t0 = ks_time_mono();
    for (int it = 0; it < ITERATIONS; it++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            child_ingest(root);
        /* early iterations kill very early (inside open / first commit), later ones anywhere */
        useconds_t delay = (useconds_t)(it < 4 ? rand() % 5000 : rand() % 250000);
        usleep(delay);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            fail_msg("ingest child failed with status %d", WEXITSTATUS(status));
        uint64_t w = prev;
        check_store(root, &w);
        assert_true(w >= prev); /* published data never goes away */
        assert_true(w % BATCH == 0);
        prev = w;
        if (ks_time_mono() - t0 > 15 * KS_NS_PER_SEC)
            break; /* keep the test short on slow disks */
    }
    print_message("store crash test: %llu events published across the kills\n",
                  (unsigned long long)prev);
    /* a writer after the crashes removes orphans; the store stays consistent */
    struct ks_store *st;
    struct ks_verify_report vr;
    assert_int_equal(ks_store_open(root, KS_STORE_WRITE, &st), 0);
    assert_int_equal(ks_store_verify(st, &vr), 0);
    assert_true(vr.orphans == 0 && vr.segments_bad == 0 && vr.events == prev);
    ks_store_close(st);
    ks_test_rmtree(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_during_ingest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
