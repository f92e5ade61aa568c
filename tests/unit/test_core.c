/* SPDX-License-Identifier: MIT */
/*
 * test_core.c - unit tests for src/core: errors, string views, buffers, arenas, interning,
 * hashing, addresses and prefixes, number and time parsing, the JSON reader and logging.
 * Parsers are tested from tables of good inputs with expected results and bad_inputs[] tables.
 */
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "core/core.h"
#include "testutil.h"

#define SV(s) ks_sv_make((s), sizeof(s) - 1)
#define JPARSE(d, s) ks_json_parse((d), (s), strlen(s))

/* ---------------------------------------------------------------- errors, views */

static void test_strerror(void **state)
{
    (void)state;
    for (int e = KS_ERANGE; e <= KS_OK; e++) {
        const char *s = ks_strerror(e);
        assert_non_null(s);
        assert_string_not_equal(s, "unknown error");
        for (int f = e + 1; f <= KS_OK; f++)
            assert_string_not_equal(s, ks_strerror(f));
    }
    assert_string_equal(ks_strerror(-999), "unknown error");
    assert_string_equal(ks_strerror(KS_ENOMEM), "out of memory");
}

static void test_sv(void **state)
{
    (void)state;
    assert_true(ks_sv_eq(SV("abc"), ks_sv_cstr("abc")));
    assert_false(ks_sv_eq(SV("abc"), SV("abd")));
    assert_false(ks_sv_eq(SV("abc"), SV("ab")));
    assert_true(ks_sv_eq(KS_SV_NULL, SV("")));
    assert_true(ks_sv_eq_cstr(SV(""), ""));
    assert_false(ks_sv_eq_cstr(SV("a"), ""));
    assert_true(ks_sv_ieq_cstr(SV("TargetUserName"), "targetusername"));
    assert_false(ks_sv_ieq_cstr(SV("TargetUserName"), "targetusernam"));
    assert_false(ks_sv_ieq_cstr(SV("Target"), "targetusername"));
    assert_false(ks_sv_ieq_cstr(SV("a@"), "a`")); /* '@' | 0x20 == '`' must not match */
    assert_true(ks_sv_starts_with(SV("now-1d"), "now"));
    assert_false(ks_sv_starts_with(SV("no"), "now"));
    assert_true(ks_sv_starts_with(SV("x"), ""));
    struct ks_sv t = ks_sv_trim(SV(" \t\r\n a b \n"));
    assert_true(ks_sv_eq_cstr(t, "a b"));
    assert_int_equal(ks_sv_trim(SV(" \t ")).n, 0);
    assert_int_equal(ks_sv_cstr(NULL).n, 0);
}

static void test_utf8(void **state)
{
    (void)state;
    static const char *good[] = {
        "", "plain ascii that is longer than eight bytes", "caf\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf",
        ("12345678\xc3\xa9" "12345678"),
    };
    static const char *bad_inputs[] = {
        "\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80" /* surrogate */,
        "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc3",
        "\xe2\x82", "abcdefgh\xe2\x82", "\xc3\x28", "\xe2\x28\xa1", "\xf0\x9f\x98",
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(good); i++)
        assert_true(ks_utf8_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        if (ks_utf8_valid(bad_inputs[i], strlen(bad_inputs[i])))
            fail_msg("accepted bad utf-8 #%zu", i);
    }
}

/* ---------------------------------------------------------------- buffers */

static void test_buf_basic(void **state)
{
    (void)state;
    struct ks_buf b;
    ks_buf_init(&b, 100);
    assert_int_equal(ks_buf_append(&b, "", 0), 0);
    assert_non_null(b.p);
    assert_string_equal(b.p, "");
    assert_int_equal(ks_buf_append(&b, "hello", 5), 0);
    assert_int_equal(ks_buf_putc(&b, ' '), 0);
    assert_int_equal(ks_buf_append_sv(&b, SV("world")), 0);
    assert_int_equal(ks_buf_printf(&b, " %d-%s", 42, "x"), 0);
    assert_string_equal(b.p, "hello world 42-x");
    assert_int_equal(b.len, 16);
    /* Growing past the first allocation via printf. */
    assert_int_equal(ks_buf_printf(&b, "%60s", "y"), 0);
    assert_int_equal(b.len, 76);
    assert_int_equal(b.p[76], '\0');
    /* The cap: exactly max fits, one more does not, and the content is unchanged. */
    char fill[24];
    memset(fill, 'z', sizeof fill);
    assert_int_equal(ks_buf_append(&b, fill, 24), 0);
    assert_int_equal(b.len, 100);
    assert_int_equal(ks_buf_putc(&b, 'q'), KS_ETOOBIG);
    assert_int_equal(ks_buf_printf(&b, "%s", "q"), KS_ETOOBIG);
    assert_int_equal(b.len, 100);
    assert_int_equal(b.p[100], '\0');
    assert_true(b.cap <= 101);
    ks_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.p, "");
    assert_int_equal(ks_buf_printf(&b, "%0150d", 1), KS_ETOOBIG);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.p, "");
    ks_buf_free(&b);
    assert_null(b.p);

    ks_buf_init(&b, 0);
    assert_int_equal(ks_buf_putc(&b, 'a'), KS_ETOOBIG);
    assert_int_equal(ks_buf_reserve(&b, SIZE_MAX), KS_ETOOBIG);
    ks_buf_free(&b);

    /* Large growth keeps content. */
    ks_buf_init(&b, 1 << 20);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(ks_buf_printf(&b, "%d,", i % 10), 0);
    assert_int_equal(b.len, 20000);
    assert_memory_equal(b.p + 19990, "5,6,7,8,9,", 10);
    ks_buf_free(&b);
}

static void test_buf_json_escape(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } cases[] = {
        {"plain", 5, "plain"},
        {"", 0, ""},
        {"a\"b\\c", 5, "a\\\"b\\\\c"},
        {"\n\r\t\b\f", 5, "\\n\\r\\t\\b\\f"},
        {"\x01\x1f", 2, "\\u0001\\u001f"},
        {"nul\0x", 5, "nul\\u0000x"},
        {"caf\xc3\xa9", 5, "caf\xc3\xa9"},
        {"\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"},
        {"bad\xffz", 5, "bad\\ufffdz"},
        {"\xc3", 1, "\\ufffd"},
        {"\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd"},
        {"\xe2\x82" "a", 3, "\\ufffd\\ufffda"},
        {"/\x7f", 2, "/\x7f"},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_buf b;
        ks_buf_init(&b, 1000);
        assert_int_equal(ks_buf_json_escape(&b, cases[i].in, cases[i].n), 0);
        assert_non_null(b.p);
        if (strcmp(b.p, cases[i].out) != 0)
            fail_msg("case %zu: got '%s' want '%s'", i, b.p, cases[i].out);
        assert_true(ks_utf8_valid(b.p, b.len));
        ks_buf_free(&b);
    }
    struct ks_buf b;
    ks_buf_init(&b, 5);
    assert_int_equal(ks_buf_json_escape(&b, "\"\"\"", 3), KS_ETOOBIG);
    ks_buf_free(&b);
}

static void test_buf_csv(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"\"", "\"\"\"\""},
        {"line\nbreak", "\"line\nbreak\""},
        {"cr\r", "\"cr\r\""},
        {"semi;colon tab\t", "semi;colon tab\t"},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_buf b;
        ks_buf_init(&b, 100);
        assert_int_equal(ks_buf_csv_field(&b, cases[i].in, strlen(cases[i].in)), 0);
        assert_string_equal(b.p, cases[i].out);
        ks_buf_free(&b);
    }
}

/* ---------------------------------------------------------------- arena */

static void test_arena(void **state)
{
    (void)state;
    struct ks_arena a;
    ks_arena_init(&a, 256, 0);
    char *prev = NULL;
    for (int i = 0; i < 1000; i++) {
        char *p = ks_arena_alloc(&a, (size_t)(i % 37) + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        memset(p, 0xAB, (size_t)(i % 37) + 1);
        assert_ptr_not_equal(p, prev);
        prev = p;
    }
    char *big = ks_arena_alloc(&a, 10000);
    assert_non_null(big);
    memset(big, 1, 10000);
    /* After a big block the head chunk's free space is still used. */
    struct ks_sv s = ks_arena_dup(&a, "hello", 5);
    assert_non_null(s.p);
    assert_string_equal(s.p, "hello");
    s = ks_arena_dup(&a, "", 0);
    assert_non_null(s.p);
    assert_string_equal(s.p, "");
    ks_arena_reset(&a);
    assert_int_equal(a.used_total, 0);
    assert_non_null(ks_arena_alloc(&a, 16));
    ks_arena_free(&a);
    assert_null(a.head);

    ks_arena_init(&a, 64, 100);
    assert_non_null(ks_arena_alloc(&a, 50));
    assert_non_null(ks_arena_alloc(&a, 40));
    assert_null(ks_arena_alloc(&a, 16)); /* 56 + 40 + 16 > 100 */
    assert_null(ks_arena_alloc(&a, SIZE_MAX));
    assert_null(ks_arena_dup(&a, "x", SIZE_MAX).p);
    ks_arena_reset(&a);
    assert_non_null(ks_arena_alloc(&a, 96));
    ks_arena_free(&a);
}

/* ---------------------------------------------------------------- interning */

static void test_intern(void **state)
{
    (void)state;
    struct ks_intern *t;
    assert_int_equal(ks_intern_new(0, &t), 0);
    uint32_t id, id2;
    assert_int_equal(ks_intern_find(t, "a", 1), -1);
    assert_int_equal(ks_intern_put(t, "alice", 5, &id), 0);
    assert_int_equal(id, 0);
    assert_int_equal(ks_intern_put(t, "", 0, &id), 0);
    assert_int_equal(id, 1);
    assert_int_equal(ks_intern_put(t, "alice", 5, &id), 0);
    assert_int_equal(id, 0);
    assert_int_equal(ks_intern_put(t, "alic", 4, &id), 0);
    assert_int_equal(id, 2);
    assert_int_equal(ks_intern_find(t, "", 0), 1);
    assert_int_equal(ks_intern_count(t), 3);
    assert_int_equal(ks_intern_bytes(t), 9);
    struct ks_sv v = ks_intern_get(t, 0);
    const char *keep = v.p;
    assert_true(ks_sv_eq_cstr(v, "alice"));
    assert_int_equal(v.p[v.n], '\0');
    assert_null(ks_intern_get(t, 3).p);

    /* Many strings force table growth; ids stay dense and views stable. */
    char s[64];
    for (int i = 0; i < 200000; i++) {
        int n = snprintf(s, sizeof s, "user%d@example", i);
        assert_int_equal(ks_intern_put(t, s, (size_t)n, &id), 0);
        assert_int_equal(id, (uint32_t)i + 3);
    }
    for (int i = 0; i < 200000; i += 997) {
        int n = snprintf(s, sizeof s, "user%d@example", i);
        assert_int_equal(ks_intern_find(t, s, (size_t)n), i + 3);
        assert_true(ks_sv_eq(ks_intern_get(t, (uint32_t)i + 3), ks_sv_make(s, (size_t)n)));
    }
    assert_ptr_equal(ks_intern_get(t, 0).p, keep);
    /* A string larger than a storage chunk. */
    size_t bign = 200000;
    char *bigs = malloc(bign);
    memset(bigs, 'x', bign);
    assert_int_equal(ks_intern_put(t, bigs, bign, &id), 0);
    assert_int_equal(ks_intern_put(t, bigs, bign - 1, &id2), 0);
    assert_int_not_equal(id, id2);
    assert_int_equal(ks_intern_find(t, bigs, bign), id);
    assert_int_equal(ks_intern_put(t, "after", 5, &id2), 0);
    assert_true(ks_sv_eq_cstr(ks_intern_get(t, id2), "after"));
    free(bigs);

    ks_intern_reset(t);
    assert_int_equal(ks_intern_count(t), 0);
    assert_int_equal(ks_intern_bytes(t), 0);
    assert_int_equal(ks_intern_find(t, "alice", 5), -1);
    assert_int_equal(ks_intern_put(t, "bob", 3, &id), 0);
    assert_int_equal(id, 0);
    ks_intern_free(t);

    /* The byte cap. */
    assert_int_equal(ks_intern_new(10, &t), 0);
    assert_int_equal(ks_intern_put(t, "12345", 5, &id), 0);
    assert_int_equal(ks_intern_put(t, "abcde", 5, &id), 0);
    assert_int_equal(ks_intern_put(t, "x", 1, &id), KS_ETOOBIG);
    assert_int_equal(ks_intern_put(t, "12345", 5, &id), 0); /* existing strings still resolve */
    assert_int_equal(id, 0);
    assert_int_equal(ks_intern_put(t, "", 0, &id), 0);
    assert_int_equal(ks_intern_count(t), 3);
    ks_intern_free(t);
    ks_intern_free(NULL);
}

/* ---------------------------------------------------------------- hashing */

static void test_hash(void **state)
{
    (void)state;
    assert_int_equal(ks_crc32c("123456789", 9), 0xE3069283u);
    assert_int_equal(ks_crc32c("", 0), 0);
    assert_true(ks_hash64("", 0, 0) == UINT64_C(0x2D06800538D394C2));
    assert_true(ks_hash64("abc", 3, 1) != ks_hash64("abc", 3, 2));
    assert_true(ks_hash64("abc", 3, 1) == ks_hash64("abc", 3, 1));
    assert_true(ks_hash64("abc", 3, 1) != ks_hash64("abd", 3, 1));
}

/* ---------------------------------------------------------------- addresses */

static void test_addr_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in, *fmt;
        int family;
    } cases[] = {
        {"0.0.0.0", "0.0.0.0", 4},
        {"1.2.3.4", "1.2.3.4", 4},
        {"255.255.255.255", "255.255.255.255", 4},
        {"10.0.100.9", "10.0.100.9", 4},
        {"::", "::", 6},
        {"::1", "::1", 6},
        {"1::", "1::", 6},
        {"2001:db8::1", "2001:db8::1", 6},
        {"2001:DB8:0:0:0:0:0:1", "2001:db8::1", 6},
        {"2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1", 6},
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", 6},
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1", 6},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 6},
        {"fe80::1:2:3:4", "fe80::1:2:3:4", 6},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", 6},
        {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", 6},
        {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8", 6},
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1", 6},
        {"::ffff:c000:0201", "::ffff:192.0.2.1", 6},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221", 6},
        {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304", 6},
        {"::1.2.3.4", "::102:304", 6},
        {"ff02::fb", "ff02::fb", 6},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_addr a;
        if (ks_addr_parse(cases[i].in, strlen(cases[i].in), &a) != 0)
            fail_msg("rejected %s", cases[i].in);
        assert_int_equal(a.family, cases[i].family);
        char buf[KS_ADDR_STRLEN];
        size_t n = ks_addr_format(&a, buf, sizeof buf);
        if (strcmp(buf, cases[i].fmt) != 0)
            fail_msg("%s formatted as %s, want %s", cases[i].in, buf, cases[i].fmt);
        assert_int_equal(n, strlen(buf));
        /* Formatting round-trips to the same bytes. */
        struct ks_addr b;
        assert_int_equal(ks_addr_parse(buf, n, &b), 0);
        assert_true(ks_addr_eq(&a, &b));
        assert_true(ks_addr_is_set(&a));
    }
    static const char *bad_inputs[] = {
        "", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04",
        "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "a.b.c.d", "1.2.3.4/8",
        ":", ":::", "1:::2", "1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7:8::", "1:2:3:4:5:6:7", "12345::", "g::1", "1:2:3:4:5:6:7:", "::1:",
        "fe80::1%eth0", "::ffff:1.2.3", "::ffff:1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4",
        "::1.2.3.4:5", "[::1]", "1.2.3.4:80", "2001:db8::1 ",
        "1111:2222:3333:4444:5555:6666:7777:8888:", "::ffff:256.1.1.1",
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        struct ks_addr a;
        if (ks_addr_parse(bad_inputs[i], strlen(bad_inputs[i]), &a) != KS_EFORMAT)
            fail_msg("accepted bad address '%s'", bad_inputs[i]);
        assert_int_equal(a.family, 0);
    }
    struct ks_addr a;
    assert_int_equal(ks_addr_parse("1.2.3.4\0", 8, &a), KS_EFORMAT); /* embedded NUL */
}

static void test_addr_misc(void **state)
{
    (void)state;
    struct ks_addr a, b, z;
    memset(&z, 0, sizeof z);
    ks_addr_from_v4(0x0A000001, &a);
    assert_int_equal(ks_addr_parse("10.0.0.1", 8, &b), 0);
    assert_true(ks_addr_eq(&a, &b));
    assert_false(ks_addr_eq(&a, &z));
    assert_false(ks_addr_is_set(&z));
    char buf[KS_ADDR_STRLEN];
    assert_int_equal(ks_addr_format(&z, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    /* Truncating format still reports the full length. */
    char small[4];
    assert_int_equal(ks_addr_format(&a, small, sizeof small), 8);
    assert_string_equal(small, "10.");
    /* The longest possible form fits KS_ADDR_STRLEN. */
    assert_int_equal(ks_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 45, &b), 0);
    assert_int_equal(ks_addr_format(&b, buf, sizeof buf), 39);
    assert_int_equal(ks_addr_parse("::ffff:255.255.255.255", 22, &b), 0);
    assert_int_equal(ks_addr_format(&b, buf, sizeof buf), 22);
    assert_string_equal(buf, "::ffff:255.255.255.255");
}

static void test_prefix(void **state)
{
    (void)state;
    static const struct {
        const char *in, *addr;
        unsigned len;
    } cases[] = {
        {"10.0.0.0/8", "10.0.0.0", 104},
        {"10.1.2.3/8", "10.0.0.0", 104},
        {"192.168.1.77/24", "192.168.1.0", 120},
        {"192.168.1.77/25", "192.168.1.0", 121},
        {"192.168.1.200/25", "192.168.1.128", 121},
        {"1.2.3.4", "1.2.3.4", 128},
        {"1.2.3.4/32", "1.2.3.4", 128},
        {"0.0.0.0/0", "0.0.0.0", 96},
        {"2001:db8::/32", "2001:db8::", 32},
        {"2001:db8:ffff::1/33", "2001:db8:8000::", 33},
        {"::/0", "::", 0},
        {"::1", "::1", 128},
        {"fe80::1/10", "fe80::", 10},
        {"fe80::1/128", "fe80::1", 128},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_addr a, want;
        unsigned len = 999;
        if (ks_prefix_parse(cases[i].in, strlen(cases[i].in), &a, &len) != 0)
            fail_msg("rejected %s", cases[i].in);
        assert_int_equal(len, cases[i].len);
        assert_int_equal(ks_addr_parse(cases[i].addr, strlen(cases[i].addr), &want), 0);
        if (!ks_addr_eq(&a, &want))
            fail_msg("%s: host bits not cleared", cases[i].in);
        assert_int_equal(a.family, want.family);
    }
    static const char *bad_inputs[] = {
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/08",
        "10.0.0.0/1000", "10.0.0.0/a", "::/129", "::/ 8", "10.0.0/8", "host/8",
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        struct ks_addr a;
        unsigned len;
        if (ks_prefix_parse(bad_inputs[i], strlen(bad_inputs[i]), &a, &len) != KS_EFORMAT)
            fail_msg("accepted bad prefix '%s'", bad_inputs[i]);
    }

    static const struct {
        const char *addr, *prefix;
        bool in;
    } member[] = {
        {"10.1.2.3", "10.0.0.0/8", true},     {"11.1.2.3", "10.0.0.0/8", false},
        {"192.168.1.129", "192.168.1.128/25", true}, {"192.168.1.127", "192.168.1.128/25", false},
        {"1.2.3.4", "0.0.0.0/0", true},       {"::1", "0.0.0.0/0", false},
        {"2001:db8::5", "2001:db8::/32", true}, {"2001:db9::5", "2001:db8::/32", false},
        {"1.2.3.4", "::/0", true},            {"1.2.3.4", "1.2.3.4", true},
        {"1.2.3.5", "1.2.3.4", false},        {"::ffff:10.0.0.1", "10.0.0.0/8", true},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(member); i++) {
        struct ks_addr a, p;
        unsigned len;
        assert_int_equal(ks_addr_parse(member[i].addr, strlen(member[i].addr), &a), 0);
        assert_int_equal(ks_prefix_parse(member[i].prefix, strlen(member[i].prefix), &p, &len), 0);
        if (ks_addr_in_prefix(&a, &p, len) != member[i].in)
            fail_msg("%s in %s: want %d", member[i].addr, member[i].prefix, member[i].in);
    }
    struct ks_addr a;
    assert_int_equal(ks_addr_parse("1.2.3.4", 7, &a), 0);
    assert_false(ks_addr_in_prefix(&a, &a, 129));
}

/* ---------------------------------------------------------------- numbers */

static void test_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        uint64_t v;
    } u64[] = {
        {"0", 0, 0},
        {"42", 0, 42},
        {"007", 0, 7},
        {"18446744073709551615", 0, UINT64_MAX},
        {"18446744073709551616", KS_ERANGE, 0},
        {"99999999999999999999999", KS_ERANGE, 0},
        {"99999999999999999999999x", KS_EFORMAT, 0},
        {"", KS_EFORMAT, 0},
        {"-1", KS_EFORMAT, 0},
        {"+1", KS_EFORMAT, 0},
        {" 1", KS_EFORMAT, 0},
        {"1 ", KS_EFORMAT, 0},
        {"1.0", KS_EFORMAT, 0},
        {"0x10", KS_EFORMAT, 0},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(u64); i++) {
        uint64_t v = 12345;
        int rc = ks_parse_u64(u64[i].in, strlen(u64[i].in), &v);
        if (rc != u64[i].rc)
            fail_msg("u64 '%s': rc %d want %d", u64[i].in, rc, u64[i].rc);
        if (rc == 0)
            assert_true(v == u64[i].v);
    }
    static const struct {
        const char *in;
        int rc;
        int64_t v;
    } i64[] = {
        {"0", 0, 0},
        {"-0", 0, 0},
        {"-42", 0, -42},
        {"+42", 0, 42},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775808", 0, INT64_MIN},
        {"9223372036854775808", KS_ERANGE, 0},
        {"-9223372036854775809", KS_ERANGE, 0},
        {"-", KS_EFORMAT, 0},
        {"--1", KS_EFORMAT, 0},
        {"", KS_EFORMAT, 0},
        {"1e3", KS_EFORMAT, 0},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(i64); i++) {
        int64_t v = 12345;
        int rc = ks_parse_i64(i64[i].in, strlen(i64[i].in), &v);
        if (rc != i64[i].rc)
            fail_msg("i64 '%s': rc %d want %d", i64[i].in, rc, i64[i].rc);
        if (rc == 0)
            assert_true(v == i64[i].v);
    }
    static const struct {
        const char *in;
        double v;
    } dbl[] = {
        {"0", 0.0},
        {"1", 1.0},
        {"-1.5", -1.5},
        {"+2.25", 2.25},
        {"0.1", 0.1},
        {"3.14159", 3.14159},
        {"1e10", 1e10},
        {"1E-5", 1e-5},
        {"2.5e+3", 2500.0},
        {".5", 0.5},
        {"5.", 5.0},
        {"0.000123", 0.000123},
        {"12345678901234567890", 12345678901234567890.0},
        {"1.7976931348623157e308", 1.7976931348623157e308},
        {"4.9e-324", 4.9e-324},
        {"123456789012345678901234567890e-10", 123456789012345678901234567890e-10},
        {"1e400", HUGE_VAL},
        {"0.30000000000000004", 0.30000000000000004},
        {"46.759319687447761", 46.759319687447761}, /* 17 digits: needs the slow path */
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(dbl); i++) {
        double v = -99;
        if (ks_parse_double(dbl[i].in, strlen(dbl[i].in), &v) != 0)
            fail_msg("double '%s' rejected", dbl[i].in);
        if (v != dbl[i].v)
            fail_msg("double '%s': got %.17g want %.17g", dbl[i].in, v, dbl[i].v);
    }
    static const char *bad_dbl[] = {"", ".", "-", "+", "e5", "1e", "1e+", "1.2.3", "1x", " 1",
                                    "1 ", "nan", "inf", "0x1p3", "1,5", "--1"};
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_dbl); i++) {
        double v;
        if (ks_parse_double(bad_dbl[i], strlen(bad_dbl[i]), &v) == 0)
            fail_msg("double accepted '%s'", bad_dbl[i]);
    }
}

static void test_epoch_frac(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        int64_t ns;
    } cases[] = {
        {"1331901000.000000", 0, INT64_C(1331901000000000000)},
        {"1331901000.123456", 0, INT64_C(1331901000123456000)},
        {"1699999999.123456789", 0, INT64_C(1699999999123456789)},
        {"1699999999.1234567891", 0, INT64_C(1699999999123456789)},
        {"1699999999", 0, INT64_C(1699999999000000000)},
        {"0.5", 0, INT64_C(500000000)},
        {"-1.5", 0, INT64_C(-1500000000)},
        {"9223372035", 0, INT64_C(9223372035000000000)},
        {"9223372037", KS_ERANGE, 0},
        {"99999999999999999999", KS_ERANGE, 0},
        {"", KS_EFORMAT, 0},
        {".5", KS_EFORMAT, 0},
        {"1.", KS_EFORMAT, 0},
        {"1.2.3", KS_EFORMAT, 0},
        {"1.2x", KS_EFORMAT, 0},
        {"-", KS_EFORMAT, 0},
        {"1e9", KS_EFORMAT, 0},
        {" 1.0", KS_EFORMAT, 0},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        int64_t ns = 7;
        int rc = ks_parse_epoch_frac(cases[i].in, strlen(cases[i].in), &ns);
        if (rc != cases[i].rc)
            fail_msg("epoch '%s': rc %d want %d", cases[i].in, rc, cases[i].rc);
        if (rc == 0 && ns != cases[i].ns)
            fail_msg("epoch '%s': got %lld", cases[i].in, (long long)ns);
    }
}

/* ---------------------------------------------------------------- time */

static void test_civil(void **state)
{
    (void)state;
    assert_true(ks_time_from_civil(1970, 1, 1, 0, 0, 0, 0) == 0);
    assert_true(ks_time_from_civil(2024, 1, 2, 3, 4, 5, 6) == INT64_C(1704164645000000006));
    assert_true(ks_time_from_civil(1900, 3, 1, 0, 0, 0, 0) == INT64_C(-2203891200) * KS_NS_PER_SEC);
    /* Out of the int64 ns range saturates. */
    assert_true(ks_time_from_civil(1601, 1, 1, 0, 0, 0, 0) == INT64_MIN);
    assert_true(ks_time_from_civil(9999, 12, 31, 23, 59, 59, 0) == INT64_MAX);
    /* Every day from 1678 to 2261 round-trips and is 86400 s after the one before; days after
     * 1970 agree with timegm. */
    int64_t prev = ks_time_from_civil(1677, 12, 31, 12, 34, 56, 789);
    for (int y = 1678; y <= 2261; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= 31; d++) {
                static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
                bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
                if (d > dim[m - 1] + (m == 2 && leap))
                    break;
                int64_t ns = ks_time_from_civil(y, m, d, 12, 34, 56, 789);
                assert_true(ns - prev == 86400 * KS_NS_PER_SEC);
                prev = ns;
                int yy, mm, dd, h, mi, s;
                int64_t nsec;
                ks_time_to_civil(ns, &yy, &mm, &dd, &h, &mi, &s, &nsec);
                if (yy != y || mm != m || dd != d || h != 12 || mi != 34 || s != 56 || nsec != 789)
                    fail_msg("round trip %d-%d-%d", y, m, d);
                if (y >= 1970 && y < 2100 && d == 1) {
                    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
                                    .tm_hour = 12, .tm_min = 34, .tm_sec = 56};
                    assert_true((int64_t)timegm(&tm) * KS_NS_PER_SEC + 789 == ns);
                }
            }
        }
    }
    int y, m, d, h, mi, s;
    int64_t nsec;
    ks_time_to_civil(-1, &y, &m, &d, &h, &mi, &s, &nsec);
    assert_int_equal(y, 1969);
    assert_int_equal(s, 59);
    assert_true(nsec == 999999999);
    ks_time_to_civil(INT64_MIN, &y, &m, &d, &h, &mi, &s, &nsec);
    assert_int_equal(y, 1677);
    ks_time_to_civil(INT64_MAX, &y, &m, &d, &h, &mi, &s, &nsec);
    assert_int_equal(y, 2262);
}

static void test_rfc3339(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int64_t ns;
    } cases[] = {
        {"2024-01-02T03:04:05Z", INT64_C(1704164645000000000)},
        {"2024-01-02t03:04:05z", INT64_C(1704164645000000000)},
        {"2024-01-02 03:04:05", INT64_C(1704164645000000000)},
        {"2024-01-02T03:04:05+00:00", INT64_C(1704164645000000000)},
        {"2024-01-02T03:04:05-00:00", INT64_C(1704164645000000000)},
        {"2024-01-02T03:04:05+09:00", INT64_C(1704132245000000000)},
        {"2024-01-02T03:04:05+0900", INT64_C(1704132245000000000)},
        {"2024-01-02T03:04:05+09", INT64_C(1704132245000000000)},
        {"2000-02-29T23:59:59-05:30", INT64_C(951888599000000000)},
        {"2024-01-02T03:04:05.1Z", INT64_C(1704164645100000000)},
        {"2024-01-02T03:04:05.123Z", INT64_C(1704164645123000000)},
        {"2024-01-02T03:04:05,123Z", INT64_C(1704164645123000000)},
        {"2024-01-02T03:04:05.123456Z", INT64_C(1704164645123456000)},
        {"2024-01-02T03:04:05.123456789Z", INT64_C(1704164645123456789)},
        {"2024-01-02T03:04:05.1234567891234Z", INT64_C(1704164645123456789)},
        {"2024-01-02T03:04:05.5+01:00", INT64_C(1704161045500000000)},
        {"2024-01-02T03:04Z", INT64_C(1704164640000000000)},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59.999999999Z", -1},
        {"2016-12-31T23:59:60Z", INT64_C(1483228800000000000)}, /* leap second */
        {"1900-03-01T00:00:00Z", INT64_C(-2203891200000000000)},
        {"2262-04-11T23:47:16.854775807Z", INT64_MAX},
        {"1677-09-21T00:12:43.145224192Z", INT64_MIN},
        {"2024-02-29T00:00:00Z", INT64_C(1709164800000000000)},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        int64_t ns = 1;
        int rc = ks_time_parse_rfc3339(cases[i].in, strlen(cases[i].in), &ns);
        if (rc != 0)
            fail_msg("rejected '%s' (%d)", cases[i].in, rc);
        if (ns != cases[i].ns)
            fail_msg("'%s': got %lld want %lld", cases[i].in, (long long)ns,
                     (long long)cases[i].ns);
    }
    static const struct {
        const char *in;
        int rc;
    } bad_inputs[] = {
        {"", KS_EFORMAT},
        {"2024-01-02", KS_EFORMAT},
        {"2024-01-02T", KS_EFORMAT},
        {"2024-01-02T03", KS_EFORMAT},
        {"2024-01-02T03:04:", KS_EFORMAT},
        {"2024-01-02T03:04:5Z", KS_EFORMAT},
        {"2024-13-02T03:04:05Z", KS_EFORMAT},
        {"2024-00-02T03:04:05Z", KS_EFORMAT},
        {"2024-01-00T03:04:05Z", KS_EFORMAT},
        {"2023-02-29T03:04:05Z", KS_EFORMAT},
        {"1900-02-29T03:04:05Z", KS_EFORMAT},
        {"2024-04-31T03:04:05Z", KS_EFORMAT},
        {"2024-01-02T24:00:00Z", KS_EFORMAT},
        {"2024-01-02T03:60:00Z", KS_EFORMAT},
        {"2024-01-02T03:04:61Z", KS_EFORMAT},
        {"2024-01-02X03:04:05Z", KS_EFORMAT},
        {"2024/01/02T03:04:05Z", KS_EFORMAT},
        {"24-01-02T03:04:05Z", KS_EFORMAT},
        {"2024-1-2T03:04:05Z", KS_EFORMAT},
        {"2024-01-02T03:04:05.Z", KS_EFORMAT},
        {"2024-01-02T03:04:05ZZ", KS_EFORMAT},
        {"2024-01-02T03:04:05 Z", KS_EFORMAT},
        {"2024-01-02T03:04:05+24:00", KS_EFORMAT},
        {"2024-01-02T03:04:05+09:60", KS_EFORMAT},
        {"2024-01-02T03:04:05+9", KS_EFORMAT},
        {"2024-01-02T03:04:05+09:", KS_EFORMAT},
        {"2024-01-02T03:04:05+09:0", KS_EFORMAT},
        {"2024-01-02T03:04:05+090", KS_EFORMAT},
        {"2024-01-02T03:04:05UTC", KS_EFORMAT},
        {"2024-01-02T03:04:05Z ", KS_EFORMAT},
        {" 2024-01-02T03:04:05Z", KS_EFORMAT},
        {"2024-01-02T-3:04:05Z", KS_EFORMAT},
        {"garbage garbage garbage", KS_EFORMAT},
        {"1601-01-01T00:00:00Z", KS_ERANGE},
        {"9999-12-31T23:59:59Z", KS_ERANGE},
        {"2262-04-11T23:47:16.854775808Z", KS_ERANGE},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        int64_t ns;
        int rc = ks_time_parse_rfc3339(bad_inputs[i].in, strlen(bad_inputs[i].in), &ns);
        if (rc != bad_inputs[i].rc)
            fail_msg("'%s': rc %d want %d", bad_inputs[i].in, rc, bad_inputs[i].rc);
    }
}

static void test_time_user(void **state)
{
    (void)state;
    const int64_t now = INT64_C(1700000000123456789);
    const int64_t H = 3600 * KS_NS_PER_SEC;
    static const struct {
        const char *in;
        int64_t delta; /* from now, unless absolute */
        bool absolute;
        int64_t abs;
    } cases[] = {
        {"now", 0, false, 0},
        {" now ", 0, false, 0},
        {"-2h", -2 * 3600, false, 0},
        {"-30m", -30 * 60, false, 0},
        {"-90s", -90, false, 0},
        {"-7d", -7 * 86400, false, 0},
        {"-1w", -7 * 86400, false, 0},
        {"+1h", 3600, false, 0},
        {"now-1d", -86400, false, 0},
        {"now+1h", 3600, false, 0},
        {"now-0s", 0, false, 0},
        {"2024-01-02", 0, true, INT64_C(1704153600000000000)},
        {"@1700000000", 0, true, INT64_C(1700000000000000000)},
        {"@1700000000.5", 0, true, INT64_C(1700000000500000000)},
        {"2024-01-02T03:04:05Z", 0, true, INT64_C(1704164645000000000)},
        {"2024-01-02T03:04:05+09:00", 0, true, INT64_C(1704132245000000000)},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        int64_t ns = 0;
        int rc = ks_time_parse_user(cases[i].in, strlen(cases[i].in), now, &ns);
        if (rc != 0)
            fail_msg("rejected '%s' (%d)", cases[i].in, rc);
        int64_t want = cases[i].absolute ? cases[i].abs : now + cases[i].delta * KS_NS_PER_SEC;
        if (ns != want)
            fail_msg("'%s': got %lld want %lld", cases[i].in, (long long)ns, (long long)want);
    }
    (void)H;
    static const struct {
        const char *in;
        int rc;
    } bad_inputs[] = {
        {"", KS_EFORMAT},       {"   ", KS_EFORMAT},       {"nowx", KS_EFORMAT},
        {"now-", KS_EFORMAT},   {"now-1", KS_EFORMAT},     {"-2", KS_EFORMAT},
        {"-h", KS_EFORMAT},     {"-2y", KS_EFORMAT},       {"-2.5h", KS_EFORMAT},
        {"--2h", KS_EFORMAT},   {"2h", KS_EFORMAT},        {"yesterday", KS_EFORMAT},
        {"@", KS_EFORMAT},      {"@abc", KS_EFORMAT},      {"2024-13-01", KS_EFORMAT},
        {"2024-01-32", KS_EFORMAT}, {"1601-01-01", KS_ERANGE},
        {"-99999999999999w", KS_ERANGE}, {"-999999d", KS_ERANGE}, {"now-1 d", KS_EFORMAT},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        int64_t ns;
        int rc = ks_time_parse_user(bad_inputs[i].in, strlen(bad_inputs[i].in), now, &ns);
        if (rc != bad_inputs[i].rc)
            fail_msg("'%s': rc %d want %d", bad_inputs[i].in, rc, bad_inputs[i].rc);
    }
}

static void test_time_format(void **state)
{
    (void)state;
    static const struct {
        int64_t ns;
        const char *out;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z"},
        {INT64_C(1704164645000000000), "2024-01-02T03:04:05Z"},
        {INT64_C(1704164645100000000), "2024-01-02T03:04:05.100Z"},
        {INT64_C(1704164645123000000), "2024-01-02T03:04:05.123Z"},
        {INT64_C(1704164645123400000), "2024-01-02T03:04:05.123400Z"},
        {INT64_C(1704164645000001000), "2024-01-02T03:04:05.000001Z"},
        {INT64_C(1704164645123456789), "2024-01-02T03:04:05.123456789Z"},
        {INT64_C(1704164645000000001), "2024-01-02T03:04:05.000000001Z"},
        {-1, "1969-12-31T23:59:59.999999999Z"},
        {INT64_MIN, "1677-09-21T00:12:43.145224192Z"},
        {INT64_MAX, "2262-04-11T23:47:16.854775807Z"},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        char buf[KS_TIME_STRLEN];
        size_t n = ks_time_format(cases[i].ns, buf, sizeof buf);
        assert_string_equal(buf, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
        int64_t back;
        assert_int_equal(ks_time_parse_rfc3339(buf, n, &back), 0);
        assert_true(back == cases[i].ns);
    }
    char small[5];
    assert_int_equal(ks_time_format(0, small, sizeof small), 20);
    assert_string_equal(small, "1970");
    assert_true(ks_time_now() > INT64_C(1600000000) * KS_NS_PER_SEC);
    int64_t m1 = ks_time_mono(), m2 = ks_time_mono();
    assert_true(m2 >= m1);
}

/* ---------------------------------------------------------------- JSON */

struct want_field {
    const char *key;
    enum ks_json_type type;
    const char *val;
    size_t vlen; /* 0: strlen(val) */
};

static void check_doc(const char *json, const struct want_field *want, size_t nwant)
{
    struct ks_json_doc *d = malloc(sizeof(*d));
    assert_non_null(d);
    ks_json_doc_init(d, 4096);
    /* An exact-size copy so ASan sees reads past the end. */
    size_t n = strlen(json);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, json, n);
    int rc = ks_json_parse(d, copy, n);
    if (rc != 0)
        fail_msg("rejected %s: %s at %zu", json, d->err, d->err_off);
    if (d->n != nwant)
        fail_msg("%s: %u fields, want %zu", json, d->n, nwant);
    for (size_t i = 0; i < nwant; i++) {
        const struct ks_json_field *f = &d->f[i];
        size_t vlen = want[i].vlen ? want[i].vlen : strlen(want[i].val);
        if (!ks_sv_eq_cstr(f->key, want[i].key))
            fail_msg("%s: field %zu key '%.*s' want '%s'", json, i, (int)f->key.n, f->key.p,
                     want[i].key);
        if (f->type != want[i].type)
            fail_msg("%s: field %s type %d want %d", json, want[i].key, f->type, want[i].type);
        if (!ks_sv_eq(f->val, ks_sv_make(want[i].val, vlen)))
            fail_msg("%s: field %s value '%.*s'", json, want[i].key, (int)f->val.n, f->val.p);
        assert_ptr_equal(ks_json_get(d, want[i].key) != NULL, true);
    }
    free(copy);
    ks_json_doc_free(d);
    free(d);
}

static void test_json_good(void **state)
{
    (void)state;
    check_doc("{}", NULL, 0);
    check_doc(" \t\r\n{ } \n", NULL, 0);
    {
        const struct want_field w[] = {{"a", KS_JSON_NUMBER, "1", 0}};
        check_doc("\xEF\xBB\xBF{\"a\":1}", w, 1);
    }
    {
        const struct want_field w[] = {
            {"a", KS_JSON_STRING, "x", 0},  {"b", KS_JSON_NUMBER, "-1.5e+3", 0},
            {"c", KS_JSON_BOOL, "true", 0}, {"d", KS_JSON_BOOL, "false", 0},
            {"e", KS_JSON_NULL, "null", 0}, {"f", KS_JSON_NUMBER, "0", 0},
            {"g", KS_JSON_STRING, "", 0},
        };
        check_doc("{\"a\":\"x\",\"b\":-1.5e+3,\"c\":true,\"d\":false,\"e\":null,\"f\":0,\"g\":\"\"}",
                  w, KS_ARRAY_LEN(w));
        check_doc("{ \"a\" : \"x\" , \"b\" : -1.5e+3 ,\n\"c\":true, \"d\" :false,\"e\":null ,"
                  "\"f\":0,\"g\":\"\" }\n",
                  w, KS_ARRAY_LEN(w));
    }
    {
        const struct want_field w[] = {
            {"EventTime", KS_JSON_STRING, "2024-01-02 03:04:05", 0},
            {"winlog.event_data.TargetUserName", KS_JSON_STRING, "alice", 0},
            {"winlog.event_data.LogonType", KS_JSON_STRING, "3", 0},
            {"winlog.event_id", KS_JSON_NUMBER, "4624", 0},
            {"winlog.x.y.z", KS_JSON_NUMBER, "1", 0},
            {"tags", KS_JSON_RAW, "[\"a\", {\"b\":[1,2,{}]}, [], \"]\\\"\"]", 0},
            {"after", KS_JSON_NULL, "null", 0},
        };
        check_doc("{\"EventTime\":\"2024-01-02 03:04:05\",\"winlog\":{\"event_data\":{"
                  "\"TargetUserName\":\"alice\",\"LogonType\":\"3\"},\"event_id\":4624,"
                  "\"empty\":{},\"x\":{\"y\":{\"z\":1}}},\"tags\":[\"a\", {\"b\":[1,2,{}]}, [], "
                  "\"]\\\"\"],\"after\":null}",
                  w, KS_ARRAY_LEN(w));
    }
    {
        /* Escapes, including surrogate pairs and lone surrogates, and escaped keys. */
        const struct want_field w[] = {
            {"s", KS_JSON_STRING, "a\"b\\c/d\be\ff\ng\rh\ti", 0},
            {"u", KS_JSON_STRING, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0},
            {"lone_hi", KS_JSON_STRING, "x\xef\xbf\xbdy", 0},
            {"lone_lo", KS_JSON_STRING, "\xef\xbf\xbd", 0},
            {"hi_hi", KS_JSON_STRING, "\xef\xbf\xbd\xef\xbf\xbd", 0},
            {"hi_end", KS_JSON_STRING, "\xef\xbf\xbd", 0},
            {"nul", KS_JSON_STRING, "a\0b", 3},
            {"k\"e\"y", KS_JSON_STRING, "v", 0},
            {"o.k\xc3\xa9y", KS_JSON_NUMBER, "1", 0},
            {"raw", KS_JSON_STRING, "caf\xc3\xa9 \xff", 0},
            {"long", KS_JSON_STRING, "0123456789abcdef0123456789abcdef\n0123456789abcdef", 0},
        };
        check_doc("{\"s\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\","
                  "\"u\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\","
                  "\"lone_hi\":\"x\\ud800y\",\"lone_lo\":\"\\udc00\","
                  "\"hi_hi\":\"\\ud800\\ud800\",\"hi_end\":\"\\udbff\","
                  "\"nul\":\"a\\u0000b\",\"k\\\"e\\\"y\":\"v\",\"o\":{\"k\\u00e9y\":1},"
                  "\"raw\":\"caf\xc3\xa9 \xff\","
                  "\"long\":\"0123456789abcdef0123456789abcdef\\n0123456789abcdef\"}",
                  w, KS_ARRAY_LEN(w));
    }
    {
        const struct want_field w[] = {
            {"n1", KS_JSON_NUMBER, "-0", 0},     {"n2", KS_JSON_NUMBER, "0.5", 0},
            {"n3", KS_JSON_NUMBER, "1E5", 0},    {"n4", KS_JSON_NUMBER, "1e-05", 0},
            {"n5", KS_JSON_NUMBER, "123456789012345678901234567890", 0},
        };
        check_doc("{\"n1\":-0,\"n2\":0.5,\"n3\":1E5,\"n4\":1e-05,"
                  "\"n5\":123456789012345678901234567890}",
                  w, KS_ARRAY_LEN(w));
    }
}

static void test_json_bad(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
    } bad_inputs[] = {
        {"", KS_EFORMAT},
        {"   ", KS_EFORMAT},
        {"[]", KS_EFORMAT},
        {"\"x\"", KS_EFORMAT},
        {"1", KS_EFORMAT},
        {"{", KS_EFORMAT},
        {"{\"a\"", KS_EFORMAT},
        {"{\"a\":", KS_EFORMAT},
        {"{\"a\":1", KS_EFORMAT},
        {"{\"a\":1,", KS_EFORMAT},
        {"{\"a\":1,}", KS_EFORMAT},
        {"{,\"a\":1}", KS_EFORMAT},
        {"{\"a\" 1}", KS_EFORMAT},
        {"{\"a\":1 \"b\":2}", KS_EFORMAT},
        {"{a:1}", KS_EFORMAT},
        {"{'a':1}", KS_EFORMAT},
        {"{\"a\":\"x}", KS_EFORMAT},
        {"{\"a\":\"x\\", KS_EFORMAT},
        {"{\"a\":\"\\x\"}", KS_EFORMAT},
        {"{\"a\":\"\\u12\"}", KS_EFORMAT},
        {"{\"a\":\"\\u12g4\"}", KS_EFORMAT},
        {"{\"a\":\"\\u", KS_EFORMAT},
        {"{\"a\":\"tab\there\"}", KS_EFORMAT},
        {"{\"a\":\"nl\nhere\"}", KS_EFORMAT},
        {"{\"a\":01}", KS_EFORMAT},
        {"{\"a\":-}", KS_EFORMAT},
        {"{\"a\":1.}", KS_EFORMAT},
        {"{\"a\":.1}", KS_EFORMAT},
        {"{\"a\":1e}", KS_EFORMAT},
        {"{\"a\":1e+}", KS_EFORMAT},
        {"{\"a\":+1}", KS_EFORMAT},
        {"{\"a\":0x1}", KS_EFORMAT},
        {"{\"a\":NaN}", KS_EFORMAT},
        {"{\"a\":tru}", KS_EFORMAT},
        {"{\"a\":nul}", KS_EFORMAT},
        {"{\"a\":True}", KS_EFORMAT},
        {"{\"a\":truex}", KS_EFORMAT},
        {"{\"a\":[1,2}", KS_EFORMAT},
        {"{\"a\":[1,]}", KS_EFORMAT},
        {"{\"a\":[,1]}", KS_EFORMAT},
        {"{\"a\":[1 2]}", KS_EFORMAT},
        {"{\"a\":[{\"b\"}]}", KS_EFORMAT},
        {"{\"a\":[{\"b\":1,}]}", KS_EFORMAT},
        {"{\"a\":[\"\\q\"]}", KS_EFORMAT},
        {"{\"a\":[", KS_EFORMAT},
        {"{\"a\":{\"b\":1}", KS_EFORMAT},
        {"{\"a\":{\"b\":1}}}", KS_EFORMAT},
        {"{\"a\":1}x", KS_EFORMAT},
        {"{\"a\":1}{}", KS_EFORMAT},
        {"{\"a\":1} \n x", KS_EFORMAT},
        {"\xEF\xBB{\"a\":1}", KS_EFORMAT},
        {"{\"a\":1}\xEF\xBB\xBF", KS_EFORMAT},
        {"{\"a\":1}\0", KS_EFORMAT},
    };
    struct ks_json_doc *d = malloc(sizeof(*d));
    ks_json_doc_init(d, 4096);
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        size_t n = strlen(bad_inputs[i].in);
        if (i == KS_ARRAY_LEN(bad_inputs) - 1)
            n++; /* includes the NUL */
        char *copy = malloc(n ? n : 1);
        memcpy(copy, bad_inputs[i].in, n);
        int rc = ks_json_parse(d, copy, n);
        if (rc != bad_inputs[i].rc)
            fail_msg("'%s': rc %d want %d", bad_inputs[i].in, rc, bad_inputs[i].rc);
        assert_non_null(d->err);
        assert_true(d->err_off <= n);
        assert_int_equal(d->n, 0);
        free(copy);
    }
    /* Error offsets point at the problem. */
    assert_int_equal(JPARSE(d, "{\"a\":1}x"), KS_EFORMAT);
    assert_int_equal(d->err_off, 7);
    assert_int_equal(JPARSE(d, "{\"a\":tru}"), KS_EFORMAT);
    assert_int_equal(d->err_off, 5);
    assert_int_equal(JPARSE(d, "{\"a\":\"tab\there\"}"), KS_EFORMAT);
    assert_string_equal(d->err, "control character in string");
    assert_int_equal(d->err_off, 9);
    assert_int_equal(JPARSE(d, "{\"a\":\"\\x\"}"), KS_EFORMAT);
    assert_string_equal(d->err, "bad escape");
    /* A good parse after a bad one clears the error. */
    assert_int_equal(JPARSE(d, "{\"a\":1}"), 0);
    assert_null(d->err);
    ks_json_doc_free(d);
    free(d);
}

static void test_json_limits(void **state)
{
    (void)state;
    struct ks_json_doc *d = malloc(sizeof(*d));
    ks_json_doc_init(d, 1 << 16);
    struct ks_buf b;
    ks_buf_init(&b, 1 << 20);

    /* Depth: 16 levels of objects are fine, 17 are not; arrays count too. */
    for (int depth = 15; depth <= 17; depth++) {
        ks_buf_reset(&b);
        for (int i = 0; i < depth; i++)
            ks_buf_printf(&b, "%s", i ? "\"k\":{" : "{");
        ks_buf_printf(&b, "\"leaf\":1");
        for (int i = 0; i < depth; i++)
            ks_buf_putc(&b, '}');
        int rc = ks_json_parse(d, b.p, b.len);
        assert_int_equal(rc, depth <= KS_JSON_MAX_DEPTH ? 0 : KS_ETOOBIG);
        if (rc == 0) {
            assert_int_equal(d->n, 1);
            assert_int_equal(d->f[0].key.n, (size_t)(depth - 1) * 2 + 4);
        }
        ks_buf_reset(&b);
        ks_buf_printf(&b, "{\"a\":");
        for (int i = 1; i < depth; i++)
            ks_buf_putc(&b, '[');
        for (int i = 1; i < depth; i++)
            ks_buf_putc(&b, ']');
        ks_buf_putc(&b, '}');
        rc = ks_json_parse(d, b.p, b.len);
        assert_int_equal(rc, depth <= KS_JSON_MAX_DEPTH ? 0 : KS_ETOOBIG);
    }
    /* Very deep input is refused without recursion trouble. */
    ks_buf_reset(&b);
    ks_buf_printf(&b, "{\"a\":");
    for (int i = 0; i < 100000; i++)
        ks_buf_putc(&b, '[');
    assert_int_equal(ks_json_parse(d, b.p, b.len), KS_ETOOBIG);

    /* Field count. */
    for (int nf = KS_JSON_MAX_FIELDS; nf <= KS_JSON_MAX_FIELDS + 1; nf++) {
        ks_buf_reset(&b);
        ks_buf_putc(&b, '{');
        for (int i = 0; i < nf; i++)
            ks_buf_printf(&b, "%s\"f%d\":%d", i ? "," : "", i, i);
        ks_buf_putc(&b, '}');
        int rc = ks_json_parse(d, b.p, b.len);
        assert_int_equal(rc, nf <= KS_JSON_MAX_FIELDS ? 0 : KS_ETOOBIG);
        if (rc == 0) {
            const struct ks_json_field *f = ks_json_get(d, "f511");
            assert_non_null(f);
            assert_true(ks_sv_eq_cstr(f->val, "511"));
        }
    }
    ks_buf_free(&b);
    ks_json_doc_free(d);

    /* Scratch: escapes and dotted keys need room; a small cap refuses them. */
    ks_json_doc_init(d, 8);
    assert_int_equal(JPARSE(d, "{\"a\":\"\\n\"}"), 0);
    assert_int_equal(JPARSE(d, "{\"a\":{\"bcd\":1}}"), 0); /* "a.bcd" */
    assert_int_equal(JPARSE(d, "{\"abcd\":{\"efgh\":1}}"), KS_ETOOBIG);
    assert_int_equal(JPARSE(d, "{\"a\":\"\\n\\n\\n\\n\\n\\n\\n\\n\\n\"}"), KS_ETOOBIG);
    /* No escapes, no nesting: no scratch needed at all. */
    assert_int_equal(JPARSE(d, "{\"abcdefghijkl\":\"mnopqrstuvwxyz\"}"), 0);
    ks_json_doc_free(d);
    ks_json_doc_init(d, 0);
    assert_int_equal(JPARSE(d, "{\"a\":\"\\n\"}"), KS_ETOOBIG);
    assert_int_equal(JPARSE(d, "{\"a\":\"b\"}"), 0);
    ks_json_doc_free(d);
    free(d);
}

static void test_json_get(void **state)
{
    (void)state;
    struct ks_json_doc *d = malloc(sizeof(*d));
    ks_json_doc_init(d, 1024);
    const char *j = "{\"EventID\":4624,\"Event\":{\"System\":{\"Computer\":\"WS1\"}},\"eventid\":1}";
    assert_int_equal(ks_json_parse(d, j, strlen(j)), 0);
    const struct ks_json_field *f = ks_json_get(d, "EventID");
    assert_non_null(f);
    assert_true(ks_sv_eq_cstr(f->val, "4624"));
    f = ks_json_get(d, "eventid");
    assert_true(ks_sv_eq_cstr(f->val, "1"));
    assert_null(ks_json_get(d, "EVENTID"));
    assert_null(ks_json_get(d, "Event"));
    assert_null(ks_json_get(d, "Event.System"));
    f = ks_json_get_ci(d, "EVENTID");
    assert_true(ks_sv_eq_cstr(f->val, "4624")); /* the first match */
    f = ks_json_get_ci(d, "event.system.computer");
    assert_non_null(f);
    assert_true(ks_sv_eq_cstr(f->val, "WS1"));
    assert_null(ks_json_get_ci(d, "event.system.computerx"));
    ks_json_doc_free(d);
    free(d);
}

/* A real NXLog-style Windows event line round-trips through the reader. */
static void test_json_windows_sample(void **state)
{
    (void)state;
    const char *j =
        "{\"EventTime\":\"2019-05-14 14:13:59\",\"Hostname\":\"WIN-DC01.corp.local\","
        "\"Keywords\":-9214364837600034816,\"EventType\":\"AUDIT_SUCCESS\",\"SeverityValue\":2,"
        "\"Severity\":\"INFO\",\"EventID\":4624,\"SourceName\":\"Microsoft-Windows-Security-"
        "Auditing\",\"ProviderGuid\":\"{54849625-5478-4994-A5BA-3E3B0328C30D}\",\"Version\":2,"
        "\"Task\":12544,\"OpcodeValue\":0,\"RecordNumber\":1234567,\"ProcessID\":572,"
        "\"ThreadID\":2260,\"Channel\":\"Security\",\"Message\":\"An account was successfully "
        "logged on.\\r\\n\\r\\nSubject:\\r\\n\\tSecurity ID:\\t\\tS-1-0-0\",\"Category\":\"Logon\","
        "\"Opcode\":\"Info\",\"SubjectUserSid\":\"S-1-0-0\",\"TargetUserName\":\"alice\","
        "\"TargetDomainName\":\"CORP\",\"LogonType\":\"3\",\"IpAddress\":\"10.0.0.5\","
        "\"IpPort\":\"49152\",\"EventReceivedTime\":\"2019-05-14 14:14:00\"}";
    struct ks_json_doc *d = malloc(sizeof(*d));
    ks_json_doc_init(d, 1 << 16);
    assert_int_equal(ks_json_parse(d, j, strlen(j)), 0);
    assert_int_equal(d->n, 26);
    const struct ks_json_field *f = ks_json_get(d, "Message");
    assert_non_null(f);
    assert_true(ks_sv_starts_with(f->val, "An account was successfully logged on.\r\n\r\nSubject"));
    f = ks_json_get(d, "IpAddress");
    assert_ptr_equal(f->val.p, strstr(j, "10.0.0.5")); /* zero-copy */
    ks_json_doc_free(d);
    free(d);
}

/* Reads the first entry of a zip archive into a malloc'd buffer. */
static char *read_zip_first(const char *path, size_t *len)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    assert_non_null(z);
    zip_stat_t st;
    assert_int_equal(zip_stat_index(z, 0, 0, &st), 0);
    char *buf = malloc(st.size + 1);
    assert_non_null(buf);
    zip_file_t *f = zip_fopen_index(z, 0, 0);
    assert_non_null(f);
    assert_int_equal(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    zip_close(z);
    buf[st.size] = '\0';
    *len = st.size;
    return buf;
}

/* Every line of a real Mordor (NXLog JSON) export parses, and its timestamps parse too. */
static void test_json_mordor(void **state)
{
    (void)state;
    char path[4096];
    KS_NEED_DATA(path, "OTRF+Security-Datasets/datasets/atomic/windows/lateral_movement/host/"
                       "empire_psexec_dcerpc_tcp_svcctl.zip");
    size_t len;
    char *buf = read_zip_first(path, &len);
    struct ks_json_doc *d = malloc(sizeof(*d));
    ks_json_doc_init(d, 1 << 20);
    size_t lines = 0, newlines = 0;
    for (size_t i = 0; i < len; i++)
        newlines += buf[i] == '\n';
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 0) {
            lines++;
            if (ks_json_parse(d, p, n) != 0)
                fail_msg("line %zu: %s at %zu", lines, d->err, d->err_off);
            const struct ks_json_field *f = ks_json_get(d, "EventID");
            assert_non_null(f);
            assert_int_equal(f->type, KS_JSON_NUMBER);
            int64_t ts, et;
            f = ks_json_get(d, "@timestamp");
            assert_non_null(f);
            assert_int_equal(ks_time_parse_rfc3339(f->val.p, f->val.n, &ts), 0);
            f = ks_json_get(d, "EventTime");
            assert_non_null(f);
            assert_int_equal(ks_time_parse_rfc3339(f->val.p, f->val.n, &et), 0);
            /* EventTime is local (UTC-4 here) and a few seconds before reception. */
            assert_true(ts - et > 3 * 3600 * KS_NS_PER_SEC && ts - et < 5 * 3600 * KS_NS_PER_SEC);
        }
        p += n + 1;
    }
    assert_int_equal(lines, newlines);
    assert_int_equal(lines, 4348);
    ks_json_doc_free(d);
    free(d);
    free(buf);
}

/* ---------------------------------------------------------------- logging */

static char *capture_stderr(void (*fn)(void))
{
    char path[] = "/tmp/ks_test_log_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    size_t len;
    char *out = ks_test_read_file(path, &len);
    unlink(path);
    return out;
}

static void log_some(void)
{
    ks_log_error("bad %s", "thing");
    ks_log_warn("odd %d", 7);
    ks_log_info("fyi");
    ks_log_set_quiet(true);
    ks_log_info("hidden");
    ks_log_error("still shown");
    ks_log_set_quiet(false);
    struct ks_progress p;
    ks_progress_start(&p, "ingest", 100);
    assert_false(p.enabled); /* stderr is a file here */
    ks_progress_update(&p, 50, 1000);
    ks_progress_finish(&p);
}

static void test_log(void **state)
{
    (void)state;
    char *out = capture_stderr(log_some);
    assert_string_equal(out, "konseki: bad thing\nkonseki: warning: odd 7\nkonseki: fyi\n"
                             "konseki: still shown\n");
    free(out);
}

/* On a terminal the progress line draws at most every 100 ms and is cleared at the end. */
static void test_progress_tty(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0)
        skip();
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(slave, 2);
    struct ks_progress p;
    ks_progress_start(&p, "ingest", 200);
    bool enabled = p.enabled;
    ks_progress_update(&p, 50, 1000);
    int64_t drawn_at = p.last_draw_ns;
    p.last_draw_ns = ks_time_mono(); /* as if just drawn: the next update is too soon */
    ks_progress_update(&p, 60, 1200);
    p.last_draw_ns = drawn_at - 200 * INT64_C(1000000);
    ks_progress_update(&p, 100, 2000);
    ks_log_info("mid");
    ks_progress_finish(&p);
    ks_progress_start(&p, "scan", 0);
    ks_progress_update(&p, 5, 5);
    ks_progress_finish(&p);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(slave);
    /* The pty hands data over asynchronously: read until it stays quiet for 200 ms. */
    char out[1024];
    size_t n = 0;
    struct pollfd pfd = {.fd = master, .events = POLLIN};
    while (n < sizeof out - 1 && poll(&pfd, 1, 200) == 1) {
        ssize_t r = read(master, out + n, sizeof out - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(master);
    assert_true(enabled);
    assert_true(n > 0);
    out[n] = '\0';
    assert_non_null(strstr(out, "\ringest  25.0%"));
    assert_null(strstr(out, "30.0%"));
    assert_non_null(strstr(out, "\ringest  50.0%"));
    assert_non_null(strstr(out, "events/s"));
    const char *scan = strstr(out, "\rscan ");
    assert_non_null(scan);
    assert_null(strchr(scan, '%')); /* unknown total: no percentage */
    /* A message first clears the progress line; each run ends by clearing its line. */
    assert_non_null(strstr(out, "50.0%"));
    assert_non_null(strstr(out, "\r\033[Kkonseki: mid"));
    assert_non_null(strstr(out, "\r\033[K\rscan"));
    size_t len = strlen(out);
    assert_true(len >= 4 && strcmp(out + len - 4, "\r\033[K") == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_sv),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_buf_basic),
        cmocka_unit_test(test_buf_json_escape),
        cmocka_unit_test(test_buf_csv),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_intern),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_addr_misc),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_epoch_frac),
        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_time_user),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_json_good),
        cmocka_unit_test(test_json_bad),
        cmocka_unit_test(test_json_limits),
        cmocka_unit_test(test_json_get),
        cmocka_unit_test(test_json_windows_sample),
        cmocka_unit_test(test_json_mordor),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_progress_tty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
