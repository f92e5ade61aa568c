/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_vpnmap.c - the ingest driver's VPN session table (ingest_vpnmap.c): assignments
 * from each producer (OpenVPN, Cisco ASA, FortiGate), attribution of later events from the inner
 * address, ends by user or by address, reassignment, expiry, eviction at the cap, and one
 * end-to-end ingest of an OpenVPN log beside a Zeek conn.log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_vpnmap.h"
#include "testutil.h"

/* One event through the table and what it should look like when the sink sees it. */
struct step {
    int64_t ts_s;
    unsigned kind;
    const char *action;
    const char *user;
    const char *src;
    const char *dst;
    const char *assigned;  /* bag "assigned_ip" */
    const char *observer;
    const char *want_user; /* ev->user during the sink call ("" for empty) */
    const char *want_vpn;  /* bag "vpn.user", NULL: absent */
    const char *want_start; /* bag "vpn.session_start", NULL: not checked */
    size_t want_open;      /* sessions open after the step */
};

struct scenario {
    const char *name;
    size_t max;
    int64_t max_age_s;
    const struct step *steps;
    size_t nsteps;
};

#define V KS_KIND_VPN
#define F KS_KIND_FLOW
#define STEPS(a) (a), sizeof(a) / sizeof((a)[0])

/* OpenVPN: assign, attribute (user empty / already set / other address / before the start),
 * disconnect by user and public address ends attribution. */
static const struct step openvpn_steps[] = {
    {100, V, "vpn-assign", "alice", "198.51.100.7", "10.8.0.6", "10.8.0.6", NULL, "alice", NULL,
     NULL, 1},
    {110, F, NULL, NULL, "10.8.0.6", "10.0.0.5", NULL, NULL, "alice", "alice",
     "1970-01-01T00:01:40Z", 1},
    {111, F, NULL, NULL, "10.8.0.7", "10.0.0.5", NULL, NULL, "", NULL, NULL, 1},
    {112, F, NULL, "bob", "10.8.0.6", "10.0.0.5", NULL, NULL, "bob", "alice", NULL, 1},
    {113, F, NULL, NULL, "10.0.0.5", "10.8.0.6", NULL, NULL, "", NULL, NULL, 1}, /* dst only */
    {50, F, NULL, NULL, "10.8.0.6", "10.0.0.5", NULL, NULL, "", NULL, NULL, 1}, /* late */
    {150, V, "vpn-connect", "alice", "198.51.100.7", NULL, NULL, NULL, "alice", NULL, NULL, 1},
    {190, V, "vpn-disconnect", "alice", "198.51.100.99", NULL, NULL, NULL, "alice", NULL, NULL,
     1}, /* another tunnel of alice's */
    {200, V, "vpn-disconnect", "alice", "198.51.100.7", NULL, NULL, NULL, "alice", NULL, NULL, 0},
    {210, F, NULL, NULL, "10.8.0.6", "10.0.0.5", NULL, NULL, "", NULL, NULL, 0},
};

/* Cisco ASA: 722051 with the address only in dst, reassignment to another user, 722037/113019
 * ends by user: the wrong user or public address leaves the session open. */
static const struct step asa_steps[] = {
    {100, V, "vpn-assign", "jdoe", "203.0.113.5", "10.10.10.20", NULL, "asa1", "jdoe", NULL, NULL,
     1},
    {101, F, NULL, NULL, "10.10.10.20", "10.0.0.9", NULL, "zeek", "jdoe", "jdoe", NULL, 1},
    {102, V, "vpn-assign", "carol", "203.0.113.6", "10.10.10.20", "10.10.10.20", "asa1", "carol",
     NULL, NULL, 1},
    {103, F, NULL, NULL, "10.10.10.20", "10.0.0.9", NULL, "zeek", "carol", "carol",
     "1970-01-01T00:01:42Z", 1},
    {104, V, "vpn-end", "jdoe", "203.0.113.5", NULL, NULL, "asa1", "jdoe", NULL, NULL, 1},
    {105, V, "vpn-end", "carol", "203.0.113.6", NULL, NULL, "asa2", "carol", NULL, NULL, 1},
    {106, F, NULL, NULL, "10.10.10.20", "10.0.0.9", NULL, NULL, "carol", "carol", NULL, 1},
    {107, V, "vpn-end", "carol", "203.0.113.6", NULL, NULL, "asa1", "carol", NULL, NULL, 0},
    {108, F, NULL, NULL, "10.10.10.20", "10.0.0.9", NULL, NULL, "", NULL, NULL, 0},
};

/* FortiGate: tunnel-up (vpn-start) with tunnelip, tunnel-down (vpn-end) names the address; an
 * IPv6 inner address; a vpn-start without an address opens nothing. */
static const struct step forti_steps[] = {
    {100, V, "vpn-start", "u1", "198.51.100.20", "10.212.134.200", "10.212.134.200", "fw1", "u1",
     NULL, NULL, 1},
    {101, V, "vpn-start", "u2", "198.51.100.21", NULL, NULL, "fw1", "u2", NULL, NULL, 1},
    {102, V, "vpn-assign", "u3", "198.51.100.22", "2001:db8::6", "2001:db8::6", "fw1", "u3", NULL,
     NULL, 2},
    {103, F, NULL, NULL, "2001:db8::6", "2001:db8::1", NULL, NULL, "u3", "u3", NULL, 2},
    {104, F, NULL, NULL, "10.212.134.200", "10.0.0.1", NULL, NULL, "u1", "u1", NULL, 2},
    {105, V, "vpn-end", "u1", "198.51.100.20", "10.212.134.200", "10.212.134.200", "fw1", "u1",
     NULL, NULL, 1},
    {106, F, NULL, NULL, "10.212.134.200", "10.0.0.1", NULL, NULL, "", NULL, NULL, 1},
    {107, V, "vpn-end", "wrong", NULL, NULL, "2001:db8::6", "fw1", "wrong", NULL, NULL, 1},
    {108, F, NULL, NULL, "2001:db8::6", "2001:db8::1", NULL, NULL, "u3", "u3", NULL, 1},
};

/* max age 3600 s: attributed within the hour, expired after it. */
static const struct step expiry_steps[] = {
    {0, V, "vpn-assign", "alice", "198.51.100.7", "10.8.0.6", "10.8.0.6", NULL, "alice", NULL,
     NULL, 1},
    {3600, F, NULL, NULL, "10.8.0.6", "10.0.0.5", NULL, NULL, "alice", "alice", NULL, 1},
    {3601, F, NULL, NULL, "10.8.0.9", "10.0.0.5", NULL, NULL, "", NULL, NULL, 0},
    {3602, F, NULL, NULL, "10.8.0.6", "10.0.0.5", NULL, NULL, "", NULL, NULL, 0},
};

/* cap 2: the third assignment evicts the oldest. */
static const struct step evict_steps[] = {
    {1, V, "vpn-assign", "a", NULL, "10.0.0.1", NULL, NULL, "a", NULL, NULL, 1},
    {2, V, "vpn-assign", "b", NULL, "10.0.0.2", NULL, NULL, "b", NULL, NULL, 2},
    {3, V, "vpn-assign", "c", NULL, "10.0.0.3", NULL, NULL, "c", NULL, NULL, 2},
    {4, F, NULL, NULL, "10.0.0.1", NULL, NULL, NULL, "", NULL, NULL, 2},
    {5, F, NULL, NULL, "10.0.0.2", NULL, NULL, NULL, "b", "b", NULL, 2},
    {6, F, NULL, NULL, "10.0.0.3", NULL, NULL, NULL, "c", "c", NULL, 2},
    {7, V, "vpn-assign", "d", NULL, "10.0.0.2", NULL, NULL, "d", NULL, NULL, 2}, /* replaces b */
    {8, F, NULL, NULL, "10.0.0.3", NULL, NULL, NULL, "c", "c", NULL, 2},
    {9, F, NULL, NULL, "10.0.0.2", NULL, NULL, NULL, "d", "d", NULL, 2},
};

/* Assignments that record nothing: no user, no address, unparsable address, not VPN. */
static const struct step bad_inputs[] = {
    {1, V, "vpn-assign", NULL, "198.51.100.7", "10.8.0.6", "10.8.0.6", NULL, "", NULL, NULL, 0},
    {2, V, "vpn-assign", "x", "198.51.100.7", NULL, NULL, NULL, "x", NULL, NULL, 0},
    {3, V, "vpn-start", "x", "198.51.100.7", NULL, "(null)", NULL, "x", NULL, NULL, 0},
    {4, F, "vpn-assign", "x", "198.51.100.7", "10.8.0.6", "10.8.0.6", NULL, "x", NULL, NULL, 0},
    {5, V, "vpn-disconnect", NULL, NULL, NULL, NULL, NULL, "", NULL, NULL, 0},
    {6, F, NULL, NULL, "10.8.0.6", NULL, NULL, NULL, "", NULL, NULL, 0},
};

static const struct scenario scenarios[] = {
    {"openvpn", 0, 0, STEPS(openvpn_steps)},
    {"asa", 0, 0, STEPS(asa_steps)},
    {"forti", 0, 0, STEPS(forti_steps)},
    {"expiry", 0, 3600, STEPS(expiry_steps)},
    {"evict", 2, 0, STEPS(evict_steps)},
    {"bad_inputs", 0, 0, STEPS(bad_inputs)},
};

static struct ks_sv sv(const char *s)
{
    return s ? ks_sv_make(s, strlen(s)) : KS_SV_NULL;
}

static void set_addr(struct ks_addr *a, const char *s)
{
    memset(a, 0, sizeof *a);
    if (s)
        assert_int_equal(ks_addr_parse(s, strlen(s), a), 0);
}

static void assert_sv_eq(struct ks_sv got, const char *want, const char *what, size_t i)
{
    if (!want) {
        if (got.p)
            fail_msg("step %zu: %s is '%.*s', want absent", i, what, (int)got.n, got.p);
        return;
    }
    if (got.n != strlen(want) || memcmp(got.p, want, got.n) != 0)
        fail_msg("step %zu: %s is '%.*s', want '%s'", i, what, (int)got.n, got.p ? got.p : "",
                 want);
}

static void run_scenario(const struct scenario *sc)
{
    struct ks_vpnmap *m = NULL;
    assert_int_equal(ks_ingest_vpnmap_create(sc->max, sc->max_age_s * KS_NS_PER_SEC, &m), 0);
    for (size_t i = 0; i < sc->nsteps; i++) {
        const struct step *st = &sc->steps[i];
        struct ks_kv bag[2] = {{sv("other"), sv("x")}, {sv("assigned_ip"), sv(st->assigned)}};
        struct ks_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts = st->ts_s * KS_NS_PER_SEC;
        ev.kind = (uint8_t)st->kind;
        ev.action = sv(st->action);
        ev.user = sv(st->user);
        ev.observer = sv(st->observer);
        set_addr(&ev.src, st->src);
        set_addr(&ev.dst, st->dst);
        ev.bag = bag;
        ev.nbag = st->assigned ? 2 : 1;
        struct ks_event before = ev;
        struct ks_vpnmap_saved saved;
        assert_int_equal(ks_ingest_vpnmap_apply(m, &ev, &saved), 0);
        assert_sv_eq(ev.user.n ? ev.user : sv(""), st->want_user, "user", i);
        assert_sv_eq(ks_event_bag_get(&ev, "vpn.user"), st->want_vpn, "vpn.user", i);
        if (st->want_vpn)
            assert_sv_eq(ks_event_bag_get(&ev, "other"), "x", "other", i);
        if (st->want_start)
            assert_sv_eq(ks_event_bag_get(&ev, "vpn.session_start"), st->want_start,
                         "vpn.session_start", i);
        if (ks_ingest_vpnmap_count(m) != st->want_open)
            fail_msg("%s step %zu: %zu sessions open, want %zu", sc->name, i,
                     ks_ingest_vpnmap_count(m), st->want_open);
        ks_ingest_vpnmap_restore(&ev, &saved);
        assert_true(ev.bag == before.bag && ev.nbag == before.nbag);
        assert_true(ev.user.p == before.user.p && ev.user.n == before.user.n);
    }
    ks_ingest_vpnmap_free(m);
}

static void test_scenarios(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        run_scenario(&scenarios[i]);
}

/* A bag with no room for two more entries keeps its bag; the user is still filled in. */
static void test_full_bag(void **unused)
{
    (void)unused;
    struct ks_vpnmap *m = NULL;
    assert_int_equal(ks_ingest_vpnmap_create(0, 0, &m), 0);
    struct ks_event ev;
    memset(&ev, 0, sizeof ev);
    struct ks_kv ab = {sv("assigned_ip"), sv("10.8.0.6")};
    ev.kind = KS_KIND_VPN;
    ev.action = sv("vpn-assign");
    ev.user = sv("alice");
    ev.bag = &ab;
    ev.nbag = 1;
    struct ks_vpnmap_saved saved;
    assert_int_equal(ks_ingest_vpnmap_apply(m, &ev, &saved), 0);
    static struct ks_kv big[KS_EVENT_MAX_BAG - 1];
    for (size_t i = 0; i < KS_EVENT_MAX_BAG - 1; i++)
        big[i] = (struct ks_kv){sv("k"), sv("v")};
    memset(&ev, 0, sizeof ev);
    ev.ts = 5;
    ev.kind = KS_KIND_FLOW;
    set_addr(&ev.src, "10.8.0.6");
    ev.bag = big;
    ev.nbag = KS_EVENT_MAX_BAG - 1;
    assert_int_equal(ks_ingest_vpnmap_apply(m, &ev, &saved), 0);
    assert_sv_eq(ev.user, "alice", "user", 0);
    assert_true(ev.bag == big && ev.nbag == KS_EVENT_MAX_BAG - 1);
    ks_ingest_vpnmap_restore(&ev, &saved);
    assert_int_equal(ev.user.n, 0);
    ks_ingest_vpnmap_free(m);
}

/* Many sessions at the default cap: all attributed, the table never holds more than the cap. */
static void test_many(void **unused)
{
    (void)unused;
    struct ks_vpnmap *m = NULL;
    assert_int_equal(ks_ingest_vpnmap_create(1000, 0, &m), 0);
    char user[32];
    for (uint32_t i = 0; i < 3000; i++) {
        struct ks_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts = (int64_t)i;
        ev.kind = KS_KIND_VPN;
        ev.action = sv("vpn-assign");
        int n = snprintf(user, sizeof user, "u%u", (unsigned)i);
        ev.user = ks_sv_make(user, (size_t)n);
        ks_addr_from_v4(0x0a000000u + i, &ev.dst);
        struct ks_vpnmap_saved saved;
        assert_int_equal(ks_ingest_vpnmap_apply(m, &ev, &saved), 0);
        assert_true(ks_ingest_vpnmap_count(m) <= 1000);
    }
    assert_int_equal(ks_ingest_vpnmap_count(m), 1000);
    for (uint32_t i = 0; i < 3000; i += 7) {
        struct ks_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts = 5000;
        ev.kind = KS_KIND_FLOW;
        ks_addr_from_v4(0x0a000000u + i, &ev.src);
        struct ks_vpnmap_saved saved;
        assert_int_equal(ks_ingest_vpnmap_apply(m, &ev, &saved), 0);
        if (i < 2000) {
            assert_int_equal(ev.user.n, 0);
        } else {
            snprintf(user, sizeof user, "u%u", (unsigned)i);
            assert_sv_eq(ev.user, user, "user", i);
        }
        ks_ingest_vpnmap_restore(&ev, &saved);
    }
    ks_ingest_vpnmap_free(m);
}

/* ---------------------------------------------------------------- end to end */

#define OVPN_LOG                                                                                   \
    "Mon Nov 23 17:00:00 2026 Initialization Sequence Completed\n"                                 \
    "Mon Nov 23 17:01:02 2026 198.51.100.7:51234 TLS: Username/Password authentication "           \
    "succeeded for username 'alice'\n"                                                             \
    "Mon Nov 23 17:01:02 2026 198.51.100.7:51234 [laptop-17] Peer Connection Initiated with "      \
    "[AF_INET]198.51.100.7:51234\n"                                                                \
    "Mon Nov 23 17:01:02 2026 laptop-17/198.51.100.7:51234 MULTI_sva: pool returned "              \
    "IPv4=10.8.0.6, IPv6=(Not enabled)\n"                                                          \
    "Mon Nov 23 18:30:00 2026 laptop-17/198.51.100.7:51234 SIGTERM[soft,remote-exit] received, "   \
    "client-instance exiting\n"

/* 17:00:00 before, 17:30:00 during, 18:00:00 during from another address, 18:20:00 during with a
 * user, 18:45:00 after the session. */
#define ZEEK_CONN                                                                                  \
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"  \
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n"                        \
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\n"                                         \
    "1795453200.0\tC1\t10.8.0.6\t50000\t10.0.0.5\t445\ttcp\n"                                      \
    "1795455000.0\tC2\t10.8.0.6\t50001\t10.0.0.5\t445\ttcp\n"                                      \
    "1795456800.0\tC3\t10.8.0.7\t50002\t10.0.0.5\t445\ttcp\n"                                      \
    "1795458000.0\tC4\t10.0.0.5\t50003\t10.8.0.6\t22\ttcp\n"                                       \
    "1795459500.0\tC5\t10.8.0.6\t50004\t10.0.0.5\t445\ttcp\n"

static void test_end_to_end(void **unused)
{
    (void)unused;
    char dir[1024], p1[1200], p2[1200];
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(p1, sizeof p1, "%s/openvpn.log", dir);
    snprintf(p2, sizeof p2, "%s/conn.log", dir);
    ks_test_write_file(p1, OVPN_LOG, sizeof OVPN_LOG - 1);
    ks_test_write_file(p2, ZEEK_CONN, sizeof ZEEK_CONN - 1);
    const char *paths[] = {p1, p2};
    struct ks_ingest_opts o;
    ks_ingest_opts_default(&o);
    o.progress = false;
    struct ks_ingest *in = NULL;
    assert_int_equal(ks_ingest_open(paths, 2, &o, &in), 0);
    struct ks_collect c = {0};
    assert_int_equal(ks_ingest_run(in, ks_collect_sink, &c), 0);
    static const struct {
        const char *uid;
        const char *want;
    } flows[] = {{"C1", NULL}, {"C2", "alice"}, {"C3", NULL}, {"C4", NULL}, {"C5", NULL}};
    size_t seen = 0, vpn = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct ks_event *e = c.ev[i];
        if (e->kind == KS_KIND_VPN) {
            vpn++;
            assert_null(ks_event_bag_get(e, "vpn.user").p);
            continue;
        }
        for (size_t f = 0; f < sizeof flows / sizeof flows[0]; f++) {
            if (!e->session.n || strlen(flows[f].uid) != e->session.n ||
                memcmp(e->session.p, flows[f].uid, e->session.n) != 0)
                continue;
            seen++;
            assert_sv_eq(e->user.n ? e->user : sv(""), flows[f].want ? flows[f].want : "",
                         flows[f].uid, f);
            assert_sv_eq(ks_event_bag_get(e, "vpn.user"), flows[f].want, "vpn.user", f);
            if (flows[f].want)
                assert_sv_eq(ks_event_bag_get(e, "vpn.session_start"), "2026-11-23T17:01:02Z",
                             "vpn.session_start", f);
        }
    }
    assert_int_equal(seen, 5);
    assert_true(vpn >= 2); /* the assignment and the disconnect at least */
    ks_collect_free(&c);
    ks_ingest_free(in);
    ks_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios),
        cmocka_unit_test(test_full_bag),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
