/* SPDX-License-Identifier: MIT */
/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

int ks_test_data_path(const char *rel, char *out, size_t cap)
{
    const char *base = getenv("KS_SHARED_DATA");
    if (!base)
        base = "../shared/data";
    int n = snprintf(out, cap, "%s/%s", base, rel);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    struct stat st;
    if (stat(out, &st) == 0)
        return 0;
    if (getenv("CI")) {
        fprintf(stderr, "FAIL: sample data %s is missing in CI\n", out);
        return -1;
    }
    fprintf(stderr, "SKIP: sample data %s not found (needs ../shared/data beside the checkout)\n",
            out);
    return 1;
}

void ks_test_tmpdir(char *out, size_t cap)
{
    const char *t = getenv("TMPDIR");
    snprintf(out, cap, "%s/ks-test-XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        abort();
    }
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

void ks_test_rmtree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *ks_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap + 1);
        }
        size_t r = fread(p + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    p[n] = 0;
    if (len)
        *len = n;
    return p;
}

void ks_test_write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        perror(path);
        abort();
    }
    fclose(f);
}

uint64_t ks_test_count_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char buf[1 << 16];
    uint64_t lines = 0;
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < r; i++)
            lines += buf[i] == '\n';
    fclose(f);
    return lines;
}

void ks_test_parse_chunked(const struct ks_parser_ops *ops, const char *text, size_t len,
                           size_t chunk, uint64_t *events, uint64_t *bad)
{
    struct ks_parse_ctx ctx;
    void *st;
    size_t off = 0, avail = 0;
    memset(&ctx, 0, sizeof ctx);
    ctx.path = "t";
    assert_non_null(ops);
    assert_int_equal(ops->create(&ctx, &st), 0);
    *events = *bad = 0;
    for (;;) {
        struct ks_event ev;
        size_t consumed = 12345;
        ctx.eof = avail == len;
        ctx.base_offset = off;
        int r = ops->next(st, &ctx, text + off, avail - off, &consumed, &ev);
        if (r == KS_PARSE_END)
            break;
        if (r == KS_PARSE_INCOMPLETE) {
            assert_int_equal(consumed, 0);
            assert_false(ctx.eof);
            avail = KS_MIN(len, avail + chunk);
            continue;
        }
        assert_true(consumed > 0 && consumed <= avail - off);
        if (r == KS_PARSE_EVENT)
            (*events)++;
        else if (r == KS_PARSE_MALFORMED)
            (*bad)++;
        off += consumed;
        if (off == len && ctx.eof)
            break;
    }
    ops->destroy(st);
}

int ks_collect_sink(void *arg, const struct ks_event *ev)
{
    struct ks_collect *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->ev = realloc(c->ev, c->cap * sizeof *c->ev);
        assert_non_null(c->ev);
    }
    c->ev[c->n] = ks_event_clone(ev);
    assert_non_null(c->ev[c->n]);
    c->n++;
    return 0;
}

void ks_collect_free(struct ks_collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->ev[i]);
    free(c->ev);
    memset(c, 0, sizeof *c);
}

int ks_count_sink(void *arg, const struct ks_event *ev)
{
    (void)ev;
    (*(uint64_t *)arg)++;
    return 0;
}

bool ks_test_sv_is(struct ks_sv s, const char *lit)
{
    return s.p && s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

void assert_addr(const struct ks_addr *a, const char *want)
{
    char buf[KS_ADDR_STRLEN];
    size_t n = ks_addr_format(a, buf, sizeof buf);
    if (n != strlen(want) || memcmp(buf, want, n) != 0)
        fail_msg("address %.*s, want %s", (int)n, buf, want);
}
