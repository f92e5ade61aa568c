/* SPDX-License-Identifier: MIT */
/*
 * test_lpm.c - longest-prefix match (core_lpm.c): edge cases (default routes, /128, IPv4 /32,
 * nested and replaced prefixes, IPv4 inside the shared 128-bit space) and randomized comparison
 * against a brute-force linear scan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/core.h"

static void ins(struct ks_lpm *t, const char *pfx, uint32_t v)
{
    struct ks_addr a;
    unsigned len;
    if (ks_prefix_parse(pfx, strlen(pfx), &a, &len) != 0)
        fail_msg("bad prefix in test: %s", pfx);
    assert_int_equal(ks_lpm_insert(t, &a, len, v), 0);
}

/* Returns the value found for addr, or -1 on a miss; *len gets the matched length. */
static int64_t look(const struct ks_lpm *t, const char *addr, unsigned *len)
{
    struct ks_addr a;
    if (ks_addr_parse(addr, strlen(addr), &a) != 0)
        fail_msg("bad address in test: %s", addr);
    uint32_t v;
    unsigned l = 999;
    int rc = ks_lpm_lookup(t, &a, &v, &l);
    if (rc == KS_ENOENT)
        return -1;
    assert_int_equal(rc, 0);
    if (len)
        *len = l;
    return v;
}

static void test_empty(void **state)
{
    (void)state;
    struct ks_lpm *t;
    assert_int_equal(ks_lpm_new(&t), 0);
    assert_int_equal(look(t, "10.0.0.1", NULL), -1);
    assert_int_equal(look(t, "2001:db8::1", NULL), -1);
    assert_int_equal(ks_lpm_count(t), 0);
    assert_true(ks_lpm_memory(t) > 0);
    struct ks_addr none;
    memset(&none, 0, sizeof(none));
    uint32_t v;
    assert_int_equal(ks_lpm_lookup(t, &none, &v, NULL), KS_ENOENT);
    ks_lpm_free(t);
    ks_lpm_free(NULL);
}

struct edge_case {
    const char *addr;
    int64_t value; /* -1: miss */
    unsigned len;
};

static void test_edges(void **state)
{
    (void)state;
    struct ks_lpm *t;
    assert_int_equal(ks_lpm_new(&t), 0);
    ins(t, "10.0.0.0/8", 1);
    ins(t, "10.1.0.0/16", 2);
    ins(t, "10.1.2.0/24", 3);
    ins(t, "10.1.2.3/32", 4);
    ins(t, "10.1.2.128/25", 5);
    ins(t, "10.1.0.0/17", 6);
    ins(t, "192.168.1.7", 7); /* no length: /32 */
    ins(t, "2001:db8::/32", 10);
    ins(t, "2001:db8:1::/48", 11);
    ins(t, "2001:db8:1::1/128", 12);
    ins(t, "2001:db8:1:0:8000::/65", 13);
    ins(t, "172.16.0.0/12", 14);
    ins(t, "0.0.0.0/1", 15);
    assert_int_equal(ks_lpm_count(t), 13);
    static const struct edge_case cases[] = {
        {"10.2.3.4", 1, 104},       {"10.1.200.1", 2, 112},     {"10.1.100.1", 6, 113},
        {"10.1.2.4", 3, 120},       {"10.1.2.3", 4, 128},       {"10.1.2.200", 5, 121},
        {"192.168.1.7", 7, 128},    {"192.168.1.8", -1, 0},     {"2001:db8:2::1", 10, 32},
        {"2001:db8:1::2", 11, 48},  {"2001:db8:1::1", 12, 128}, {"2001:db8:1:0:8000::5", 13, 65},
        {"2001:db9::1", -1, 0},     {"172.31.255.255", 14, 108}, {"172.32.0.0", -1, 0},
        {"127.0.0.1", 15, 97},      {"128.0.0.1", -1, 0},       {"::ffff:10.1.2.3", 4, 128},
        {"::1", -1, 0},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        unsigned len = 0;
        int64_t v = look(t, cases[i].addr, &len);
        if (v != cases[i].value || (v >= 0 && len != cases[i].len))
            fail_msg("%s: got %lld/%u, want %lld/%u", cases[i].addr, (long long)v, len,
                     (long long)cases[i].value, cases[i].len);
    }
    /* Replace: same prefix, new value, count unchanged. */
    ins(t, "10.1.2.0/24", 30);
    ins(t, "2001:db8:1::/48", 31);
    ins(t, "0.0.0.0/1", 32);
    assert_int_equal(ks_lpm_count(t), 13);
    assert_int_equal(look(t, "10.1.2.4", NULL), 30);
    assert_int_equal(look(t, "10.1.2.3", NULL), 4);
    assert_int_equal(look(t, "2001:db8:1::2", NULL), 31);
    assert_int_equal(look(t, "127.0.0.1", NULL), 32);
    /* A shorter prefix inserted after longer ones does not hide them. */
    ins(t, "10.0.0.0/7", 33);
    assert_int_equal(look(t, "10.1.2.4", NULL), 30);
    assert_int_equal(look(t, "11.0.0.1", NULL), 33);
    /* IPv6 prefixes in each tier (shorter than /16, /16 to /31, /32 and longer) nest. */
    ins(t, "2000::/3", 40);
    ins(t, "2001::/16", 41);
    ins(t, "2001:d00::/23", 42);
    unsigned len = 0;
    assert_int_equal(look(t, "2001:db9::1", &len), 42);
    assert_int_equal(len, 23);
    assert_int_equal(look(t, "2001:e00::1", &len), 41);
    assert_int_equal(look(t, "3fff::1", &len), 40);
    assert_int_equal(look(t, "2001:db8:1::2", &len), 31);
    assert_int_equal(look(t, "2001:db8:2::2", &len), 10);
    assert_int_equal(look(t, "4000::1", NULL), -1);
    assert_int_equal(ks_lpm_count(t), 17);
    ks_lpm_free(t);
}

static void test_defaults(void **state)
{
    (void)state;
    struct ks_lpm *t;
    assert_int_equal(ks_lpm_new(&t), 0);
    ins(t, "::/0", 1);
    unsigned len = 99;
    assert_int_equal(look(t, "1.2.3.4", &len), 1);
    assert_int_equal(len, 0);
    assert_int_equal(look(t, "2001:db8::1", &len), 1);
    ins(t, "0.0.0.0/0", 2); /* IPv4 default: ::ffff:0:0/96 */
    assert_int_equal(look(t, "1.2.3.4", &len), 2);
    assert_int_equal(len, 96);
    assert_int_equal(look(t, "2001:db8::1", &len), 1);
    ins(t, "::ffff:0:0/95", 3); /* covers the IPv4 space, shorter than /96 */
    assert_int_equal(look(t, "1.2.3.4", NULL), 2);
    assert_int_equal(look(t, "::fffe:0:1", NULL), 3);
    ins(t, "8.8.8.8/32", 4);
    assert_int_equal(look(t, "8.8.8.8", NULL), 4);
    assert_int_equal(look(t, "8.8.8.9", NULL), 2);
    ins(t, "0.0.0.0/0", 5); /* replace the IPv4 default after more-specifics exist */
    assert_int_equal(look(t, "8.8.8.8", NULL), 4);
    assert_int_equal(look(t, "8.8.8.9", NULL), 5);
    ins(t, "::/0", 6);
    assert_int_equal(look(t, "::1", NULL), 6);
    assert_int_equal(ks_lpm_count(t), 4);
    ks_lpm_free(t);

    /* Without an IPv4 default, IPv4 falls back to the longest covering IPv6 prefix. */
    assert_int_equal(ks_lpm_new(&t), 0);
    ins(t, "::/8", 7);
    ins(t, "::ffff:0:0/80", 8);
    ins(t, "::ffff:0:0/97", 9); /* 0.0.0.0/1 */
    assert_int_equal(look(t, "1.1.1.1", &len), 9);
    assert_int_equal(look(t, "200.1.1.1", &len), 8);
    assert_int_equal(len, 80);
    assert_int_equal(look(t, "1::2", &len), 7);
    /* /128 of a v4-mapped address equals IPv4 /32. */
    ins(t, "::ffff:200.1.1.1/128", 10);
    assert_int_equal(look(t, "200.1.1.1", &len), 10);
    assert_int_equal(len, 128);
    ins(t, "200.1.1.1/32", 11);
    assert_int_equal(look(t, "200.1.1.1", NULL), 11);
    assert_int_equal(ks_lpm_count(t), 4);
    /* Unmasked host bits are ignored. */
    struct ks_addr a;
    assert_int_equal(ks_addr_parse("2001:db8::ffff", 14, &a), 0);
    assert_int_equal(ks_lpm_insert(t, &a, 32, 12), 0);
    assert_int_equal(look(t, "2001:db8:1::", NULL), 12);
    assert_int_equal(ks_lpm_insert(t, &a, 129, 12), KS_EINVAL);
    ks_lpm_free(t);
}

/* ------------------------------------------------------------------ random vs brute force */

struct ref_pfx {
    struct ks_addr a;
    unsigned len;
    uint32_t v;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Addresses drawn from a small pool of /16s so prefixes nest and overlap a lot. */
static void rand_addr(struct ks_addr *a, bool v6)
{
    if (!v6) {
        uint32_t x = (uint32_t)rnd();
        x = (x & 0x0000ffff) | ((uint32_t)(10 + rnd() % 3) << 24) | ((uint32_t)(rnd() % 4) << 16);
        if (rnd() % 8 == 0)
            x = (uint32_t)rnd();
        ks_addr_from_v4(x, a);
        return;
    }
    memset(a, 0, sizeof(*a));
    a->family = 6;
    a->b[0] = 0x20;
    a->b[1] = 0x01;
    a->b[2] = (uint8_t)(rnd() % 3);
    for (int i = 3; i < 16; i++)
        a->b[i] = (uint8_t)(rnd() % 4 == 0 ? rnd() : 0);
    if (rnd() % 8 == 0)
        for (int i = 0; i < 16; i++)
            a->b[i] = (uint8_t)rnd();
}

static int brute(const struct ref_pfx *p, size_t n, const struct ks_addr *a, uint32_t *v,
                 unsigned *len)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (ks_addr_in_prefix(a, &p[i].a, p[i].len) && (best < 0 || p[i].len >= p[best].len))
            best = (int)i; /* later equal prefixes replace earlier ones */
    if (best < 0)
        return KS_ENOENT;
    *v = p[best].v;
    *len = p[best].len;
    return 0;
}

static void test_random_vs_brute(void **state)
{
    (void)state;
    enum { NPFX = 4000, NLOOK = 100000 };
    struct ref_pfx *p = calloc(NPFX, sizeof(*p));
    assert_non_null(p);
    struct ks_lpm *t;
    assert_int_equal(ks_lpm_new(&t), 0);
    for (size_t i = 0; i < NPFX; i++) {
        bool v6 = rnd() % 4 == 0;
        rand_addr(&p[i].a, v6);
        unsigned len;
        if (v6) {
            len = (unsigned)(rnd() % 129);
        } else {
            unsigned r = (unsigned)(rnd() % 100);
            len = 96 + (r < 50 ? 24 : r < 70 ? 16 + (unsigned)(rnd() % 9)
                        : r < 90 ? 25 + (unsigned)(rnd() % 8) : (unsigned)(rnd() % 16));
        }
        if (i % 500 == 499)
            len = (unsigned)(rnd() % 97); /* short ones, some covering the IPv4 space */
        for (unsigned bit = len; bit < 128; bit++)
            p[i].a.b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
        p[i].len = len;
        p[i].v = (uint32_t)rnd();
        /* Replace now and then: reuse an earlier prefix with a new value. */
        if (i > 10 && rnd() % 20 == 0) {
            size_t j = (size_t)(rnd() % i);
            p[i].a = p[j].a;
            p[i].len = p[j].len;
        }
        assert_int_equal(ks_lpm_insert(t, &p[i].a, p[i].len, p[i].v), 0);
    }
    /* Distinct count. */
    size_t distinct = 0;
    for (size_t i = 0; i < NPFX; i++) {
        bool dup = false;
        for (size_t j = i + 1; j < NPFX && !dup; j++)
            dup = p[j].len == p[i].len && memcmp(p[j].a.b, p[i].a.b, 16) == 0;
        distinct += !dup;
    }
    assert_int_equal(ks_lpm_count(t), distinct);
    size_t hits = 0;
    for (size_t k = 0; k < NLOOK; k++) {
        struct ks_addr a;
        if (k % 2) {
            rand_addr(&a, rnd() % 4 == 0);
        } else { /* inside an inserted prefix, random host bits */
            const struct ref_pfx *q = &p[rnd() % NPFX];
            a = q->a;
            a.family = memcmp(a.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 ? 4 : 6;
            for (unsigned bit = q->len; bit < 128; bit++)
                if (rnd() & 1)
                    a.b[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        }
        uint32_t v1 = 0, v2 = 0;
        unsigned l1 = 0, l2 = 0;
        int r1 = ks_lpm_lookup(t, &a, &v1, &l1);
        int r2 = brute(p, NPFX, &a, &v2, &l2);
        if (r1 != r2 || (r1 == 0 && (v1 != v2 || l1 != l2))) {
            char buf[KS_ADDR_STRLEN];
            ks_addr_format(&a, buf, sizeof(buf));
            fail_msg("lookup %s: lpm rc=%d v=%u len=%u, brute rc=%d v=%u len=%u", buf, r1, v1, l1,
                     r2, v2, l2);
        }
        hits += r1 == 0;
    }
    assert_true(hits > NLOOK / 2); /* the test exercises matches, not only misses */
    ks_lpm_free(t);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_random_vs_brute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
