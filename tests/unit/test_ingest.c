/* SPDX-License-Identifier: MIT */
/*
 * test_ingest.c - unit tests of the ingest framework (ingest_input.c, ingest_merge.c,
 * ingest_driver.c): compressed and archived inputs, directory recursion, format detection, the
 * time-ordered merge with its reorder window and caps, malformed and oversized records, and the
 * resume state that makes a stopped ingest continue without losing or duplicating a record.
 * Most tests drive a tiny line parser defined here ("TS,ID" per line; anything else malformed).
 */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>
#include <zlib.h>
#include <zstd.h>

#include "ingest/ingest.h"

/* ---------------------------------------------------------------- the test parsers */

/* "TS,ID\n": ts in ns, ID a record number kept in ev->object. '#' lines and blank lines are
 * skipped. strict: a last line without '\n' stays INCOMPLETE (the framework reports it). */
static int line_next(bool strict, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                     size_t *consumed, struct ks_event *ev)
{
    const char *nl = memchr(buf, '\n', len);
    size_t n;
    if (!nl) {
        if (!ctx->eof || strict) {
            *consumed = 0;
            return KS_PARSE_INCOMPLETE;
        }
        n = len;
        *consumed = len;
    } else {
        n = (size_t)(nl - buf);
        *consumed = n + 1;
    }
    if (n == 0 || buf[0] == '#')
        return KS_PARSE_SKIP;
    const char *comma = memchr(buf, ',', n);
    int64_t ts;
    if (!comma || ks_parse_i64(buf, (size_t)(comma - buf), &ts) != 0) {
        snprintf(ctx->err, sizeof ctx->err, "not TS,ID");
        return KS_PARSE_MALFORMED;
    }
    ev->ts = ts;
    ev->object = ks_sv_make(comma + 1, n - (size_t)(comma + 1 - buf));
    return KS_PARSE_EVENT;
}

static int tp_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    *state = malloc(1); /* so that leaks of parser state would show */
    return *state ? 0 : KS_ENOMEM;
}

static void tp_destroy(void *state)
{
    free(state);
}

static int tp_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                   size_t *consumed, struct ks_event *ev)
{
    (void)state;
    return line_next(false, ctx, buf, len, consumed, ev);
}

static int tp_next_strict(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                          size_t *consumed, struct ks_event *ev)
{
    (void)state;
    return line_next(true, ctx, buf, len, consumed, ev);
}

static int tp_probe(const char *head, size_t n)
{
    (void)head, (void)n;
    return 0;
}

static const struct ks_parser_ops tp_lines = {
    .abi = KS_PARSER_ABI,
    .name = "test-lines",
    .description = "TS,ID lines",
    .text = true,
    .probe = tp_probe,
    .create = tp_create,
    .next = tp_next,
    .destroy = tp_destroy,
};

static const struct ks_parser_ops tp_strict = {
    .abi = KS_PARSER_ABI,
    .name = "test-strict",
    .description = "TS,ID lines, last line needs its newline",
    .text = true,
    .probe = tp_probe,
    .create = tp_create,
    .next = tp_next_strict,
    .destroy = tp_destroy,
};

/* Binary: 4-byte little-endian length, then that many bytes; ts = record number. */
static int bin_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                    size_t *consumed, struct ks_event *ev)
{
    (void)state;
    (void)ctx;
    *consumed = 0;
    if (len < 4)
        return KS_PARSE_INCOMPLETE;
    uint32_t n = (uint32_t)(unsigned char)buf[0] | (uint32_t)(unsigned char)buf[1] << 8 |
                 (uint32_t)(unsigned char)buf[2] << 16 | (uint32_t)(unsigned char)buf[3] << 24;
    if (len - 4 < n)
        return KS_PARSE_INCOMPLETE;
    *consumed = 4 + (size_t)n;
    ev->ts = (int64_t)ctx->base_offset;
    return KS_PARSE_EVENT;
}

static const struct ks_parser_ops tp_bin = {
    .abi = KS_PARSER_ABI,
    .name = "test-bin",
    .description = "length-prefixed records",
    .text = false,
    .probe = tp_probe,
    .create = tp_create,
    .next = bin_next,
    .destroy = tp_destroy,
};

/* ---------------------------------------------------------------- sink and helpers */

struct rec {
    int64_t ts;
    uint64_t id;
    uint32_t source;
    uint64_t offset;
};

struct sink {
    struct rec *v;
    size_t n, cap;
    size_t stop_after; /* return an error once this many were received (0: never) */
};

static int collect(void *arg, const struct ks_event *ev)
{
    struct sink *s = arg;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    uint64_t id = 0;
    if (ev->object.n)
        assert_int_equal(ks_parse_u64(ev->object.p, ev->object.n, &id), 0);
    s->v[s->n++] = (struct rec){ev->ts, id, ev->source_id, ev->offset};
    if (s->stop_after && s->n >= s->stop_after)
        return KS_EIO;
    return 0;
}

static void sink_free(struct sink *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

static void path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Appends "ts,id\n" lines to a growing string. */
struct text {
    char *p;
    size_t n, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static void text_line(struct text *t, int64_t ts, uint64_t id)
{
    char line[64];
    int n = snprintf(line, sizeof line, "%lld,%llu\n", (long long)ts, (unsigned long long)id);
    text_add(t, line, (size_t)n);
}

static void write_gzip(const char *path, const char *p, size_t n, bool append)
{
    gzFile g = gzopen(path, append ? "ab" : "wb");
    assert_non_null(g);
    if (n)
        assert_int_equal(gzwrite(g, p, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
}

static void write_zstd(const char *path, const char *p, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    char *z = malloc(cap);
    assert_non_null(z);
    size_t zn = ZSTD_compress(z, cap, p, n, 3);
    assert_false(ZSTD_isError(zn));
    ks_test_write_file(path, z, zn);
    free(z);
}

static void zip_put(zip_t *za, const char *name, const char *p, size_t n)
{
    zip_source_t *src = zip_source_buffer(za, p, n, 0);
    assert_non_null(src);
    assert_true(zip_file_add(za, name, src, ZIP_FL_OVERWRITE) >= 0);
}

/* Runs one ingest of paths with opts; fills sink, returns the run's rc. OUT *in if wanted. */
static int ingest(const char *const *paths, size_t n, const struct ks_ingest_opts *o,
                  struct sink *s, struct ks_ingest **keep)
{
    struct ks_ingest *in = NULL;
    assert_int_equal(ks_ingest_open(paths, n, o, &in), 0);
    int rc = ks_ingest_run(in, collect, s);
    if (keep)
        *keep = in;
    else
        ks_ingest_free(in);
    return rc;
}

static void opts_lines(struct ks_ingest_opts *o)
{
    ks_ingest_opts_default(o);
    o->parser = &tp_lines;
    o->progress = false;
}

/* Captures stderr (the warnings) into a file while a test runs. */
struct capture {
    int saved;
    char path[4096];
};

static void capture_start(struct capture *c, const char *dir)
{
    path_join(c->path, sizeof c->path, dir, "stderr.txt");
    fflush(stderr);
    c->saved = dup(2);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0 && c->saved >= 0);
    dup2(fd, 2);
    close(fd);
}

static char *capture_end(struct capture *c)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    size_t n;
    return ks_test_read_file(c->path, &n);
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void assert_sorted(const struct sink *s)
{
    for (size_t i = 1; i < s->n; i++)
        assert_true(s->v[i - 1].ts <= s->v[i].ts);
}

/* ---------------------------------------------------------------- codecs and archives */

enum codec { C_PLAIN, C_GZIP, C_ZSTD, C_GZIP_MULTI, C_GZIP_EMPTY_MEMBER };

static const struct {
    const char *name;
    enum codec codec;
} codec_cases[] = {
    {"plain.log", C_PLAIN},
    {"a.gz.weird-extension", C_GZIP},
    {"b.zst", C_ZSTD},
    {"multi.gz", C_GZIP_MULTI},
    {"empty-member.gz", C_GZIP_EMPTY_MEMBER},
};

static void test_codecs(void **state)
{
    (void)state;
    char dir[4096], path[4096];
    ks_test_tmpdir(dir, sizeof dir);
    struct text t = {0};
    text_add(&t, "# header\n", 9);
    for (uint64_t i = 0; i < 50000; i++)
        text_line(&t, (int64_t)(1000 + i * 3), i);
    for (size_t c = 0; c < KS_ARRAY_LEN(codec_cases); c++) {
        path_join(path, sizeof path, dir, codec_cases[c].name);
        switch (codec_cases[c].codec) {
        case C_PLAIN:
            ks_test_write_file(path, t.p, t.n);
            break;
        case C_GZIP:
            write_gzip(path, t.p, t.n, false);
            break;
        case C_ZSTD: {
            /* two concatenated frames */
            write_zstd(path, t.p, t.n / 2);
            size_t n1;
            char *f1 = ks_test_read_file(path, &n1);
            write_zstd(path, t.p + t.n / 2, t.n - t.n / 2);
            size_t n2;
            char *f2 = ks_test_read_file(path, &n2);
            f1 = realloc(f1, n1 + n2);
            memcpy(f1 + n1, f2, n2);
            ks_test_write_file(path, f1, n1 + n2);
            free(f1);
            free(f2);
            break;
        }
        case C_GZIP_MULTI:
            write_gzip(path, t.p, 1000, false);
            write_gzip(path, t.p + 1000, t.n - 1000, true);
            break;
        case C_GZIP_EMPTY_MEMBER:
            write_gzip(path, t.p, 0, false);
            write_gzip(path, t.p, t.n, true);
            write_gzip(path, t.p, 0, true);
            break;
        }
        struct ks_ingest_opts o;
        opts_lines(&o);
        struct sink s = {0};
        const char *paths[] = {path};
        struct ks_ingest *in;
        assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
        const struct ks_ingest_report *r = ks_ingest_get_report(in);
        assert_int_equal(r->nfiles, 1);
        assert_int_equal(r->files[0].error, 0);
        assert_int_equal(r->files[0].bytes, t.n);
        assert_int_equal(r->files[0].events, 50000);
        assert_int_equal(r->files[0].records, 50000);
        assert_int_equal(r->files[0].identity_len, 64 * 1024);
        assert_true(r->files[0].identity == ks_hash64(t.p, 64 * 1024, 0));
        assert_string_equal(r->files[0].format, "test-lines");
        assert_int_equal(s.n, 50000);
        size_t off = 9;
        for (size_t i = 0; i < s.n; i++) {
            assert_int_equal(s.v[i].id, i);
            assert_int_equal(s.v[i].offset, off); /* decompressed offsets, same for every codec */
            off = (size_t)((const char *)memchr(t.p + off, '\n', t.n - off) - t.p) + 1;
        }
        ks_ingest_free(in);
        sink_free(&s);
    }
    free(t.p);
    ks_test_rmtree(dir);
}

static void test_zip(void **state)
{
    (void)state;
    char dir[4096], path[4096];
    ks_test_tmpdir(dir, sizeof dir);
    struct text a = {0}, b = {0};
    for (uint64_t i = 0; i < 1000; i++) {
        text_line(&a, (int64_t)(i * 2), i * 2);
        text_line(&b, (int64_t)(i * 2 + 1), i * 2 + 1);
    }
    path_join(path, sizeof path, dir, "logs.zip");
    int err = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    assert_non_null(za);
    assert_true(zip_dir_add(za, "sub", 0) >= 0);
    zip_put(za, "sub/a.log", a.p, a.n);
    zip_put(za, "b.log", b.p, b.n);
    zip_put(za, "__MACOSX/._b.log", "junk", 4);
    zip_put(za, ".DS_Store", "junk", 4);
    assert_int_equal(zip_close(za), 0);

    struct ks_ingest_opts o;
    opts_lines(&o);
    struct sink s = {0};
    const char *paths[] = {path};
    struct ks_ingest *in;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    const struct ks_ingest_report *r = ks_ingest_get_report(in);
    assert_int_equal(r->nfiles, 2);
    char want[4200];
    snprintf(want, sizeof want, "%s:sub/a.log", path);
    assert_string_equal(r->files[0].path, want);
    snprintf(want, sizeof want, "%s:b.log", path);
    assert_string_equal(r->files[1].path, want);
    assert_int_equal(r->events, 2000);
    assert_int_equal(s.n, 2000);
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(s.v[i].id, i); /* the two members interleave in time */
        assert_int_equal(s.v[i].source, i % 2 ? 1 : 0);
    }
    ks_ingest_free(in);
    sink_free(&s);
    free(a.p);
    free(b.p);
    ks_test_rmtree(dir);
}

/* Broken compressed streams: the error is reported on the input, the records decoded before
 * the damage are still delivered, and nothing crashes. */
static void test_bad_inputs(void **state)
{
    (void)state;
    char dir[4096], path[4096];
    ks_test_tmpdir(dir, sizeof dir);
    struct text t = {0};
    for (uint64_t i = 0; i < 200000; i++)
        text_line(&t, (int64_t)i, i);
    path_join(path, sizeof path, dir, "x");
    write_gzip(path, t.p, t.n, false);
    size_t gzn;
    char *gz = ks_test_read_file(path, &gzn);
    write_zstd(path, t.p, t.n);
    size_t zn;
    char *zs = ks_test_read_file(path, &zn);
    char corrupt_gz[64] = {0x1f, (char)0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 'g', 'a', 'r', 'b'};
    static const unsigned char zip_head[] = {'P', 'K', 3, 4, 0, 0, 0};
    const struct {
        const char *name;
        const char *p;
        size_t n;
        int error;      /* expected in the report */
        bool some_events;
    } bad_inputs[] = {
        {"truncated gzip", gz, gzn / 2, KS_ECORRUPT, true},
        {"gzip missing trailer", gz, gzn - 4, KS_ECORRUPT, true},
        {"truncated zstd", zs, zn / 2, KS_ECORRUPT, true},
        {"gzip garbage", corrupt_gz, 14, KS_ECORRUPT, false},
        {"gzip magic only", corrupt_gz, 2, KS_ECORRUPT, false},
        {"zstd magic only", zs, 4, KS_ECORRUPT, false},
        {"broken zip", (const char *)zip_head, sizeof zip_head, KS_ECORRUPT, false},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        ks_test_write_file(path, bad_inputs[i].p, bad_inputs[i].n);
        struct ks_ingest_opts o;
        opts_lines(&o);
        struct sink s = {0};
        const char *paths[] = {path};
        struct ks_ingest *in;
        struct capture cap;
        capture_start(&cap, dir);
        int rc = ingest(paths, 1, &o, &s, &in);
        free(capture_end(&cap));
        assert_int_equal(rc, 0);
        const struct ks_ingest_report *r = ks_ingest_get_report(in);
        assert_int_equal(r->nfiles, 1);
        if (r->files[0].error != bad_inputs[i].error)
            fail_msg("%s: error %d, want %d", bad_inputs[i].name, r->files[0].error,
                     bad_inputs[i].error);
        if (bad_inputs[i].some_events ? s.n == 0 : s.n > 0)
            fail_msg("%s: %zu events", bad_inputs[i].name, s.n);
        for (size_t k = 0; k < s.n; k++)
            assert_int_equal(s.v[k].id, k);
        ks_ingest_free(in);
        sink_free(&s);
    }
    free(gz);
    free(zs);
    free(t.p);
    ks_test_rmtree(dir);
}

/* ---------------------------------------------------------------- inputs and detection */

static void test_directory(void **state)
{
    (void)state;
    char dir[4096], p[4096];
    ks_test_tmpdir(dir, sizeof dir);
    static const char *const dirs[] = {"b", "b/c", ".git"};
    for (size_t i = 0; i < KS_ARRAY_LEN(dirs); i++) {
        path_join(p, sizeof p, dir, dirs[i]);
        assert_int_equal(mkdir(p, 0700), 0);
    }
    static const struct {
        const char *name;
        const char *body;
    } files[] = {
        {"z.log", "5,5\n"},       {"b/c/y.log", "3,3\n"}, {"b/a.log", "2,2\n"},
        {"a.log", "1,1\n"},       {".hidden", "9,9\n"},   {".git/x", "9,9\n"},
        {"b/b.log", "4,4\n"},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(files); i++) {
        path_join(p, sizeof p, dir, files[i].name);
        ks_test_write_file(p, files[i].body, strlen(files[i].body));
    }
    /* A directory symlink loop and a file symlink. */
    path_join(p, sizeof p, dir, "b/c/loop");
    assert_int_equal(symlink("..", p), 0);
    char target[4096];
    path_join(target, sizeof target, dir, "a.log");
    path_join(p, sizeof p, dir, "b/link.log");
    assert_int_equal(symlink(target, p), 0);

    struct ks_ingest_opts o;
    opts_lines(&o);
    struct sink s = {0};
    const char *paths[] = {dir};
    struct ks_ingest *in;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    const struct ks_ingest_report *r = ks_ingest_get_report(in);
    static const char *const want[] = {"a.log", "b/a.log", "b/b.log", "b/c/y.log", "b/link.log",
                                       "z.log"};
    assert_int_equal(r->nfiles, KS_ARRAY_LEN(want));
    for (size_t i = 0; i < KS_ARRAY_LEN(want); i++) {
        path_join(p, sizeof p, dir, want[i]);
        assert_string_equal(r->files[i].path, p);
        assert_int_equal(r->files[i].error, 0);
    }
    /* b/link.log is a.log again: recognized by its identity, its record is not repeated. */
    assert_int_equal(s.n, 5);
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(s.v[i].id, i + 1);
    assert_int_equal(r->files[4].skipped_dup, 1);
    assert_int_equal(r->skipped_dup, 1);
    ks_ingest_free(in);
    sink_free(&s);
    ks_test_rmtree(dir);
}

static void test_detect_and_errors(void **state)
{
    (void)state;
    char dir[4096], junk[4096], zeek[4096], empty[4096], missing[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(junk, sizeof junk, dir, "junk.txt");
    ks_test_write_file(junk, "hello world\nnot a log\n", 22);
    path_join(zeek, sizeof zeek, dir, "conn.json");
    static const char zj[] =
        "{\"ts\":1700000000.5,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1234,"
        "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80,\"proto\":\"tcp\"}\n";
    ks_test_write_file(zeek, zj, sizeof zj - 1);
    path_join(empty, sizeof empty, dir, "empty.log");
    ks_test_write_file(empty, "", 0);
    path_join(missing, sizeof missing, dir, "missing.log");

    struct ks_ingest_opts o;
    ks_ingest_opts_default(&o);
    o.progress = false;
    struct sink s = {0};
    const char *paths[] = {junk, zeek, empty, missing};
    struct ks_ingest *in;
    struct capture cap;
    capture_start(&cap, dir);
    int rc = ingest(paths, 4, &o, &s, &in);
    char *err = capture_end(&cap);
    assert_int_equal(rc, 0);
    const struct ks_ingest_report *r = ks_ingest_get_report(in);
    assert_int_equal(r->nfiles, 4);
    assert_int_equal(r->files[0].error, KS_EFORMAT);
    assert_null(r->files[0].format);
    assert_non_null(strstr(err, "junk.txt: unrecognized format"));
    assert_int_equal(r->files[1].error, 0);
    assert_string_equal(r->files[1].format, "zeek-json");
    assert_int_equal(r->files[1].records, 1);
    assert_int_equal(r->files[2].error, 0); /* empty: nothing to do, not an error */
    assert_int_equal(r->files[2].records, 0);
    assert_int_equal(r->files[3].error, KS_ENOENT);
    assert_int_equal(s.n, r->files[1].events);
    free(err);
    ks_ingest_free(in);
    sink_free(&s);

    /* An unknown forced format is a usage error. */
    o.format = "no-such-format";
    in = NULL;
    capture_start(&cap, dir);
    rc = ks_ingest_open(paths, 1, &o, &in);
    free(capture_end(&cap));
    assert_int_equal(rc, KS_EINVAL);
    assert_null(in);
    ks_test_rmtree(dir);
}

static void test_partial_and_empty(void **state)
{
    (void)state;
    char dir[4096], p[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(p, sizeof p, dir, "partial.log");
    ks_test_write_file(p, "1,1\n2,2\n77,3", 12);
    const char *paths[] = {p};
    struct ks_ingest_opts o;
    opts_lines(&o);
    struct sink s = {0};
    assert_int_equal(ingest(paths, 1, &o, &s, NULL), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.v[2].ts, 77);
    sink_free(&s);

    /* A parser that never accepts a partial record: the framework reports it. */
    o.parser = &tp_strict;
    struct ks_ingest *in;
    struct capture cap;
    capture_start(&cap, dir);
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    char *err = capture_end(&cap);
    assert_int_equal(s.n, 2);
    assert_int_equal(ks_ingest_get_report(in)->files[0].malformed, 1);
    assert_non_null(strstr(err, "partial.log:3: truncated record at end of input"));
    free(err);
    ks_ingest_free(in);
    sink_free(&s);

    /* Only a partial line. */
    ks_test_write_file(p, "123", 3);
    capture_start(&cap, dir);
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    free(capture_end(&cap));
    assert_int_equal(s.n, 0);
    assert_int_equal(ks_ingest_get_report(in)->files[0].malformed, 1);
    ks_ingest_free(in);
    o.parser = &tp_lines;
    capture_start(&cap, dir);
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    free(capture_end(&cap));
    assert_int_equal(s.n, 0);
    assert_int_equal(ks_ingest_get_report(in)->files[0].malformed, 1); /* "123" has no comma */
    ks_ingest_free(in);

    /* Empty, plain and gzip. */
    ks_test_write_file(p, "", 0);
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(ks_ingest_get_report(in)->files[0].error, 0);
    ks_ingest_free(in);
    write_gzip(p, "", 0, false);
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(ks_ingest_get_report(in)->files[0].error, 0);
    ks_ingest_free(in);
    sink_free(&s);
    ks_test_rmtree(dir);
}

/* ---------------------------------------------------------------- malformed and oversized */

static void test_malformed_lines(void **state)
{
    (void)state;
    char dir[4096], p[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(p, sizeof p, dir, "m.log");
    static const char body[] = "# comment\n1,1\n2,2\nbad\n3,3\n\n4,4\nworse,\n5,5\nbad again\n6,6\n";
    ks_test_write_file(p, body, sizeof body - 1);
    const char *paths[] = {p};
    struct ks_ingest_opts o;
    opts_lines(&o);
    o.max_errors_shown = 2;
    struct sink s = {0};
    struct ks_ingest *in;
    struct capture cap;
    capture_start(&cap, dir);
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    char *err = capture_end(&cap);
    char want[4200];
    snprintf(want, sizeof want, "%s:4: not TS,ID", p);
    assert_non_null(strstr(err, want));
    snprintf(want, sizeof want, "%s:8: not TS,ID", p);
    assert_non_null(strstr(err, want));
    snprintf(want, sizeof want, "%s:10:", p);
    assert_null(strstr(err, want)); /* over max_errors_shown: counted, not printed */
    snprintf(want, sizeof want, "... 1 more malformed records in %s", p);
    assert_non_null(strstr(err, want));
    const struct ks_ingest_report *r = ks_ingest_get_report(in);
    assert_int_equal(r->files[0].malformed, 3);
    assert_int_equal(r->files[0].records, 9);
    assert_int_equal(r->malformed, 3);
    assert_int_equal(s.n, 6);
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(s.v[i].id, i + 1);
    free(err);
    ks_ingest_free(in);
    sink_free(&s);
    ks_test_rmtree(dir);
}

static void test_oversized_record(void **state)
{
    (void)state;
    char dir[4096], p[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(p, sizeof p, dir, "long.log");
    size_t big = 17u << 20;
    struct text t = {0};
    text_add(&t, "1,1\n", 4);
    char *x = malloc(big);
    memset(x, 'x', big);
    text_add(&t, x, big);
    text_add(&t, "\n2,2\n", 5);
    text_add(&t, x, big); /* and one more, unterminated, at the end */
    free(x);
    ks_test_write_file(p, t.p, t.n);
    const char *paths[] = {p};
    struct ks_ingest_opts o;
    opts_lines(&o);
    struct sink s = {0};
    struct ks_ingest *in;
    struct capture cap;
    capture_start(&cap, dir);
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    char *err = capture_end(&cap);
    char want[4200];
    snprintf(want, sizeof want, "%s:2: record longer than 16 MiB", p);
    assert_non_null(strstr(err, want));
    snprintf(want, sizeof want, "%s:4: record longer than 16 MiB", p);
    assert_non_null(strstr(err, want));
    const struct ks_ingest_report *r = ks_ingest_get_report(in);
    assert_int_equal(r->files[0].malformed, 2);
    assert_int_equal(r->files[0].error, 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.v[1].id, 2);
    assert_int_equal(s.v[1].offset, 4 + big + 1);
    free(err);
    ks_ingest_free(in);
    sink_free(&s);

    /* Binary: the input is abandoned with an error, records before it kept. */
    unsigned char rec[8] = {4, 0, 0, 0, 'a', 'b', 'c', 'd'};
    unsigned char hugehdr[4] = {0, 0, 0, 2}; /* 32 MiB */
    FILE *f = fopen(p, "wb");
    fwrite(rec, 1, sizeof rec, f);
    fwrite(hugehdr, 1, sizeof hugehdr, f);
    for (int i = 0; i < 20; i++)
        fwrite(t.p, 1, 1u << 20, f);
    fclose(f);
    o.parser = &tp_bin;
    capture_start(&cap, dir);
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    free(capture_end(&cap));
    r = ks_ingest_get_report(in);
    assert_int_equal(r->files[0].error, KS_ETOOBIG);
    assert_int_equal(s.n, 1);
    ks_ingest_free(in);
    sink_free(&s);
    free(t.p);
    ks_test_rmtree(dir);
}

/* ---------------------------------------------------------------- merge and reorder */

/* Writes one file per ts list; ids are the position in the file plus base_id. */
static void write_ts_file(const char *path, const int64_t *ts, size_t n, uint64_t base_id)
{
    struct text t = {0};
    text_add(&t, "", 0);
    for (size_t i = 0; i < n; i++)
        text_line(&t, ts[i], base_id + i);
    ks_test_write_file(path, t.p, t.n);
    free(t.p);
}

static void test_merge_interleaved(void **state)
{
    (void)state;
    char dir[4096], a[4096], b[4096], c[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(a, sizeof a, dir, "a.log");
    path_join(b, sizeof b, dir, "b.log");
    path_join(c, sizeof c, dir, "c.log");
    int64_t ta[3000], tb[3000], tc[10];
    for (int i = 0; i < 3000; i++) {
        ta[i] = i * 2;
        tb[i] = i * 2 + 1;
    }
    for (int i = 0; i < 10; i++)
        tc[i] = 100 + i * 1000; /* sparse input that ends early */
    write_ts_file(a, ta, 3000, 0);
    write_ts_file(b, tb, 3000, 10000);
    write_ts_file(c, tc, 10, 20000);
    const char *paths[] = {a, b, c};
    struct ks_ingest_opts o;
    opts_lines(&o);
    o.reorder_window_ns = 10;
    struct sink s = {0};
    struct ks_ingest *in;
    assert_int_equal(ingest(paths, 3, &o, &s, &in), 0);
    assert_int_equal(s.n, 6010);
    assert_sorted(&s);
    assert_int_equal(ks_ingest_get_report(in)->late, 0);
    ks_ingest_free(in);
    sink_free(&s);

    /* Batches of two open inputs: all events, sorted within each batch. */
    o.max_open = 2;
    assert_int_equal(ingest(paths, 3, &o, &s, &in), 0);
    assert_int_equal(s.n, 6010);
    for (size_t i = 1; i < 6000; i++)
        assert_true(s.v[i - 1].ts <= s.v[i].ts);
    assert_int_equal(s.v[6000].source, 2);
    /* c is merged after a and b ended (ts 5999): its events before 5999 arrive late. */
    assert_int_equal(ks_ingest_get_report(in)->late, 6);
    ks_ingest_free(in);
    sink_free(&s);
    ks_test_rmtree(dir);
}

static void test_reorder_window(void **state)
{
    (void)state;
    char dir[4096], p[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(p, sizeof p, dir, "r.log");
    const char *paths[] = {p};
    struct ks_ingest_opts o;
    opts_lines(&o);
    struct sink s = {0};
    struct ks_ingest *in;

    /* Jitter up to 90 with a window of 100: sorted, nothing late. */
    int64_t ts[5000];
    uint64_t rnd = 88172645463325252ull;
    for (int i = 0; i < 5000; i++)
        ts[i] = 1000 + i * 10 + (int64_t)(xorshift(&rnd) % 90);
    write_ts_file(p, ts, 5000, 0);
    o.reorder_window_ns = 100;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, 5000);
    assert_sorted(&s);
    assert_int_equal(ks_ingest_get_report(in)->late, 0);
    ks_ingest_free(in);
    sink_free(&s);

    /* The same with no window: out of order events reach the sink and are counted late. */
    o.reorder_window_ns = 0;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, 5000);
    assert_true(ks_ingest_get_report(in)->late > 0);
    ks_ingest_free(in);
    sink_free(&s);

    /* One event far older than the window: emitted, counted late. */
    static const int64_t old[] = {100, 200, 300, 400, 500, 600, 50, 700, 800};
    write_ts_file(p, old, KS_ARRAY_LEN(old), 0);
    o.reorder_window_ns = 100;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, KS_ARRAY_LEN(old));
    static const int64_t want_old[] = {100, 200, 300, 400, 500, 50, 600, 700, 800};
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(s.v[i].ts, want_old[i]);
    assert_int_equal(ks_ingest_get_report(in)->late, 1);
    assert_int_equal(ks_ingest_get_report(in)->files[0].late, 1);
    ks_ingest_free(in);
    sink_free(&s);

    /* reorder_max_events caps the queue: at most 3 events wait. */
    static const int64_t rev[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    write_ts_file(p, rev, KS_ARRAY_LEN(rev), 0);
    o.reorder_window_ns = 1000000;
    o.reorder_max_events = 3;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    static const int64_t want_rev[] = {8, 7, 6, 5, 4, 3, 2, 1, 9, 10};
    assert_int_equal(s.n, KS_ARRAY_LEN(want_rev));
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(s.v[i].ts, want_rev[i]);
    assert_int_equal(ks_ingest_get_report(in)->late, 7);
    ks_ingest_free(in);
    sink_free(&s);

    /* A far-future event pins the resume watermark: it is let out early once the ring of
     * records since it spans 2 * clamp(reorder_max_events, 512, 32768) records. */
    int64_t fut[3000];
    fut[0] = INT64_C(1) << 60;
    for (int i = 1; i < 3000; i++)
        fut[i] = i;
    write_ts_file(p, fut, 3000, 0);
    o.reorder_window_ns = 10;
    o.reorder_max_events = 100;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, 3000);
    /* F is let out when the 1025th record is read: after ts 1..1023 */
    assert_int_equal(s.v[1023].ts, INT64_C(1) << 60);
    assert_int_equal(s.v[1022].ts, 1023);
    assert_int_equal(s.v[1024].ts, 1024);
    assert_int_equal(ks_ingest_get_report(in)->late, 1);
    ks_ingest_free(in);
    sink_free(&s);
    ks_test_rmtree(dir);
}

/* ---------------------------------------------------------------- resume */

static void copy_state(struct ks_ingest *in, struct ks_resume_entry **out, size_t *n)
{
    const struct ks_resume_entry *e;
    assert_int_equal(ks_ingest_resume_state(in, &e, n), 0);
    *out = calloc(*n + 1, sizeof **out);
    assert_non_null(*out);
    for (size_t i = 0; i < *n; i++) {
        (*out)[i] = e[i];
        (*out)[i].above = NULL;
        if (e[i].nabove) {
            (*out)[i].above = malloc(e[i].nabove * sizeof(uint64_t));
            memcpy((*out)[i].above, e[i].above, e[i].nabove * sizeof(uint64_t));
            for (uint32_t k = 1; k < e[i].nabove; k++)
                assert_true(e[i].above[k - 1] < e[i].above[k]);
            assert_true(e[i].above[0] > e[i].watermark);
        }
    }
}

static void free_state(struct ks_resume_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].above);
    free(e);
}

/* Ingests paths in several stopped runs, each resuming from the previous run's state; checks
 * that every record of the inputs arrives exactly once. */
static void resume_chain(const char *const *paths, size_t npaths, size_t nrec, int64_t window,
                         size_t max_events, const size_t *stops, size_t nstops)
{
    uint32_t *seen = calloc(nrec, sizeof *seen);
    struct ks_resume_entry *state = NULL;
    size_t nstate = 0;
    size_t total = 0;
    for (size_t run = 0; run <= nstops; run++) {
        struct ks_ingest_opts o;
        opts_lines(&o);
        o.reorder_window_ns = window;
        o.reorder_max_events = max_events;
        o.resume = state;
        o.nresume = nstate;
        struct sink s = {0};
        s.stop_after = run < nstops ? stops[run] : 0;
        struct ks_ingest *in;
        int rc = ingest(paths, npaths, &o, &s, &in);
        assert_int_equal(rc, run < nstops && s.n == stops[run] ? KS_EIO : 0);
        const struct ks_ingest_report *r = ks_ingest_get_report(in);
        assert_int_equal(r->skipped_dup + r->events, 0 + r->skipped_dup + s.n);
        for (size_t i = 0; i < s.n; i++) {
            assert_true(s.v[i].id < nrec);
            seen[s.v[i].id]++;
        }
        total += s.n;
        struct ks_resume_entry *next;
        size_t nnext;
        copy_state(in, &next, &nnext);
        free_state(state, nstate);
        state = next;
        nstate = nnext;
        ks_ingest_free(in);
        sink_free(&s);
    }
    for (size_t i = 0; i < nrec; i++)
        if (seen[i] != 1)
            fail_msg("record %zu seen %u times (window %lld, stops[0] %zu)", i, seen[i],
                     (long long)window, nstops ? stops[0] : 0);
    assert_int_equal(total, nrec);
    /* A last run with the final state adds nothing. */
    struct ks_ingest_opts o;
    opts_lines(&o);
    o.reorder_window_ns = window;
    o.resume = state;
    o.nresume = nstate;
    struct sink s = {0};
    struct ks_ingest *in;
    assert_int_equal(ingest(paths, npaths, &o, &s, &in), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(ks_ingest_get_report(in)->skipped_dup, nrec);
    ks_ingest_free(in);
    free_state(state, nstate);
    free(seen);
}

static void test_resume(void **state)
{
    (void)state;
    char dir[4096], a[4096], b[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(a, sizeof a, dir, "a.log");
    path_join(b, sizeof b, dir, "b.log.gz");
    enum { N = 2000 };
    uint64_t rnd = 0x9E3779B97F4A7C15ull;
    struct text ta = {0}, tb = {0};
    text_add(&ta, "# header\n", 9);
    for (uint64_t i = 0; i < N; i++) {
        text_line(&ta, (int64_t)(i * 10 + xorshift(&rnd) % 300), i);
        if (i % 97 == 5)
            text_add(&ta, "bad\n", 4);
        text_line(&tb, (int64_t)(i * 10 + xorshift(&rnd) % 50), N + i);
    }
    ks_test_write_file(a, ta.p, ta.n);
    write_gzip(b, tb.p, tb.n, false);
    static const int64_t windows[] = {0, 40, 200, 1000000};
    static const size_t max_events[] = {1000000, 7};
    static const size_t stops[][3] = {{1, 0, 0}, {7, 0, 0}, {100, 0, 0}, {999, 0, 0},
                                      {1999, 0, 0}, {2000, 0, 0}, {3, 500, 0}, {250, 250, 250}};
    static const size_t nstops[] = {1, 1, 1, 1, 1, 1, 2, 3};
    const char *one[] = {a};
    const char *two[] = {a, b};
    struct capture cap;
    capture_start(&cap, dir); /* the malformed lines are reported on every run */
    for (size_t w = 0; w < KS_ARRAY_LEN(windows); w++) {
        for (size_t m = 0; m < KS_ARRAY_LEN(max_events); m++) {
            for (size_t k = 0; k < KS_ARRAY_LEN(stops); k++) {
                resume_chain(one, 1, N, windows[w], max_events[m], stops[k], nstops[k]);
                resume_chain(two, 2, 2 * N, windows[w], max_events[m], stops[k], nstops[k]);
            }
        }
    }
    free(capture_end(&cap));
    free(ta.p);
    free(tb.p);
    ks_test_rmtree(dir);
}

/* A log that grew after the first ingest keeps its identity: the second ingest adds only the
 * new records; entries of inputs not read are carried over. */
static void test_resume_growing(void **state)
{
    (void)state;
    char dir[4096], p[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(p, sizeof p, dir, "grow.log");
    struct text t = {0};
    for (uint64_t i = 0; i < 100; i++)
        text_line(&t, (int64_t)i, i);
    ks_test_write_file(p, t.p, t.n);
    const char *paths[] = {p};
    struct ks_ingest_opts o;
    opts_lines(&o);
    struct sink s = {0};
    struct ks_ingest *in;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, 100);
    struct ks_resume_entry *st;
    size_t nst;
    copy_state(in, &st, &nst);
    ks_ingest_free(in);
    sink_free(&s);
    assert_int_equal(nst, 1);
    assert_int_equal(st[0].watermark, t.n);
    assert_int_equal(st[0].identity_len, t.n);

    /* Add an unrelated entry that must be carried over unchanged. */
    st = realloc(st, 2 * sizeof *st);
    uint64_t above[] = {7, 9};
    st[1] = (struct ks_resume_entry){.identity = 42, .identity_len = 10, .watermark = 5,
                                     .nabove = 2, .above = above};
    for (uint64_t i = 100; i < 30000; i++)
        text_line(&t, (int64_t)i, i);
    ks_test_write_file(p, t.p, t.n);
    o.resume = st;
    o.nresume = 2;
    assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, 29900);
    assert_int_equal(s.v[0].id, 100);
    assert_int_equal(ks_ingest_get_report(in)->skipped_dup, 100);
    const struct ks_resume_entry *e;
    size_t ne;
    assert_int_equal(ks_ingest_resume_state(in, &e, &ne), 0);
    assert_int_equal(ks_ingest_resume_state(in, &e, &ne), 0); /* twice: the first is freed */
    assert_int_equal(ne, 2);
    assert_int_equal(e[0].identity_len, 64 * 1024);
    assert_int_equal(e[0].watermark, t.n);
    assert_int_equal(e[1].identity, 42);
    assert_int_equal(e[1].nabove, 2);
    assert_int_equal(e[1].above[1], 9);
    struct ks_resume_entry *st2;
    size_t nst2;
    copy_state(in, &st2, &nst2);
    ks_ingest_free(in);
    sink_free(&s);
    st[1].above = NULL;
    free_state(st, 2);

    /* A gzip copy of the file under another name is recognized as already stored. */
    char p2[4096];
    path_join(p2, sizeof p2, dir, "copy.gz");
    write_gzip(p2, t.p, t.n, false);
    const char *paths2[] = {p2};
    o.resume = st2;
    o.nresume = nst2;
    assert_int_equal(ingest(paths2, 1, &o, &s, &in), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(ks_ingest_get_report(in)->skipped_dup, 30000);
    ks_ingest_free(in);
    free_state(st2, nst2);
    free(t.p);
    ks_test_rmtree(dir);
}

/* ks_ingest_run() after the sink stopped it goes on where it stopped; the resume state before
 * any run carries the stored entries over. */
static void test_run_again(void **state)
{
    (void)state;
    char dir[4096], a[4096], b[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(a, sizeof a, dir, "a.log");
    path_join(b, sizeof b, dir, "b.log");
    int64_t ta[500], tb[500];
    uint64_t rnd = 99;
    for (int i = 0; i < 500; i++) {
        ta[i] = i * 10 + (int64_t)(xorshift(&rnd) % 40);
        tb[i] = i * 10 + (int64_t)(xorshift(&rnd) % 40);
    }
    write_ts_file(a, ta, 500, 0);
    write_ts_file(b, tb, 500, 500);
    const char *paths[] = {a, b};
    uint64_t above[] = {11, 12};
    struct ks_resume_entry other = {.identity = 1, .identity_len = 3, .watermark = 10,
                                    .nabove = 2, .above = above};
    struct ks_ingest_opts o;
    opts_lines(&o);
    o.reorder_window_ns = 30;
    o.resume = &other;
    o.nresume = 1;
    struct ks_ingest *in;
    assert_int_equal(ks_ingest_open(paths, 2, &o, &in), 0);
    const struct ks_resume_entry *e;
    size_t ne;
    assert_int_equal(ks_ingest_resume_state(in, &e, &ne), 0);
    assert_int_equal(ne, 1);
    assert_int_equal(e[0].identity, 1);
    assert_int_equal(e[0].above[1], 12);
    struct sink s = {0};
    s.stop_after = 333;
    assert_int_equal(ks_ingest_run(in, collect, &s), KS_EIO);
    assert_int_equal(s.n, 333);
    s.stop_after = 0;
    assert_int_equal(ks_ingest_run(in, collect, &s), 0);
    assert_int_equal(s.n, 1000);
    assert_sorted(&s);
    uint32_t seen[1000] = {0};
    for (size_t i = 0; i < s.n; i++)
        seen[s.v[i].id]++;
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(ks_ingest_run(in, collect, &s), 0); /* nothing left */
    assert_int_equal(s.n, 1000);
    assert_int_equal(ks_ingest_resume_state(in, &e, &ne), 0);
    assert_int_equal(ne, 3);
    ks_ingest_free(in);
    sink_free(&s);
    ks_test_rmtree(dir);
}

/* A log being written ends in a partial line: it is reported, and the next ingest of the grown
 * log reads the completed record (the watermark stays before it). */
static void test_resume_partial_tail(void **state)
{
    (void)state;
    char dir[4096], p[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(p, sizeof p, dir, "live.log");
    static const struct ks_parser_ops *const parsers[] = {&tp_lines, &tp_strict};
    for (size_t k = 0; k < KS_ARRAY_LEN(parsers); k++) {
        const char *paths[] = {p};
        ks_test_write_file(p, "1,1\n2,2\n33", 10);
        struct ks_ingest_opts o;
        opts_lines(&o);
        o.parser = parsers[k];
        struct sink s = {0};
        struct ks_ingest *in;
        struct capture cap;
        capture_start(&cap, dir);
        assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
        free(capture_end(&cap));
        assert_int_equal(s.n, 2);
        assert_int_equal(ks_ingest_get_report(in)->malformed, 1);
        struct ks_resume_entry *st;
        size_t nst;
        copy_state(in, &st, &nst);
        assert_int_equal(st[0].watermark, 8);
        ks_ingest_free(in);
        sink_free(&s);
        ks_test_write_file(p, "1,1\n2,2\n33,3\n4,4\n", 18);
        o.resume = st;
        o.nresume = nst;
        assert_int_equal(ingest(paths, 1, &o, &s, &in), 0);
        assert_int_equal(s.n, 2);
        assert_int_equal(s.v[0].id, 4); /* in time order */
        assert_int_equal(s.v[1].id, 3);
        assert_int_equal(ks_ingest_get_report(in)->skipped_dup, 2);
        ks_ingest_free(in);
        sink_free(&s);
        free_state(st, nst);
    }
    ks_test_rmtree(dir);
}

/* A run over a shorter copy of a log (cut before the offsets the first run handed over out of
 * order) must keep those offsets in its state, or the third run over the whole log repeats
 * them. */
static void test_resume_shorter_copy(void **state)
{
    (void)state;
    char dir[4096], p[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(p, sizeof p, dir, "x.log");
    struct text t = {0};
    uint64_t rnd = 777;
    enum { N = 20000 };
    for (uint64_t i = 0; i < N; i++)
        text_line(&t, (int64_t)(i * 10 + xorshift(&rnd) % 500), i);
    const char *paths[] = {p};
    uint32_t *seen = calloc(N, sizeof *seen);
    struct ks_resume_entry *st = NULL;
    size_t nst = 0;
    for (int run = 0; run < 3; run++) {
        size_t len = t.n;
        if (run == 1) {
            /* cut just after the first run's watermark, before its "above" offsets */
            assert_int_equal(nst, 1);
            assert_true(st[0].nabove > 0);
            len = (size_t)st[0].watermark + 1;
            assert_true(len < st[0].above[0]);
        }
        ks_test_write_file(p, t.p, len);
        struct ks_ingest_opts o;
        opts_lines(&o);
        o.reorder_window_ns = 600;
        o.resume = st;
        o.nresume = nst;
        struct sink s = {0};
        s.stop_after = run == 0 ? 9000 : 0;
        struct ks_ingest *in;
        struct capture cap;
        capture_start(&cap, dir);
        ingest(paths, 1, &o, &s, &in);
        free(capture_end(&cap));
        for (size_t i = 0; i < s.n; i++)
            seen[s.v[i].id]++;
        struct ks_resume_entry *next;
        size_t nnext;
        copy_state(in, &next, &nnext);
        if (run == 1) {
            assert_int_equal(next[0].watermark, st[0].watermark);
            assert_int_equal(next[0].nabove, st[0].nabove);
        }
        free_state(st, nst);
        st = next;
        nst = nnext;
        ks_ingest_free(in);
        sink_free(&s);
    }
    for (size_t i = 0; i < N; i++)
        if (seen[i] != 1)
            fail_msg("record %zu seen %u times", i, seen[i]);
    free_state(st, nst);
    free(seen);
    free(t.p);
    ks_test_rmtree(dir);
}

/* The same input named twice, and a compressed copy, in one ingest: each record once, whether
 * the copies are open together (deferred) or in different batches. */
static void test_copies_in_one_ingest(void **state)
{
    (void)state;
    char dir[4096], a[4096], gz[4096];
    ks_test_tmpdir(dir, sizeof dir);
    path_join(a, sizeof a, dir, "a.log");
    path_join(gz, sizeof gz, dir, "a-copy.gz");
    struct text t = {0};
    uint64_t rnd = 12345;
    for (uint64_t i = 0; i < 20000; i++)
        text_line(&t, (int64_t)(i * 10 + xorshift(&rnd) % 100), i);
    ks_test_write_file(a, t.p, t.n);
    write_gzip(gz, t.p, t.n, false);
    const char *paths[] = {a, gz, a};
    static const size_t max_open[] = {64, 1, 2};
    static const size_t stops[] = {0, 1, 5000, 19999};
    for (size_t m = 0; m < KS_ARRAY_LEN(max_open); m++) {
        for (size_t k = 0; k < KS_ARRAY_LEN(stops); k++) {
            uint32_t *seen = calloc(20000, sizeof *seen);
            struct ks_resume_entry *st = NULL;
            size_t nst = 0;
            for (int run = 0; run < 2; run++) {
                struct ks_ingest_opts o;
                opts_lines(&o);
                o.reorder_window_ns = 50;
                o.max_open = max_open[m];
                o.resume = st;
                o.nresume = nst;
                struct sink s = {0};
                s.stop_after = run == 0 ? stops[k] : 0;
                struct ks_ingest *in;
                ingest(paths, 3, &o, &s, &in);
                for (size_t i = 0; i < s.n; i++)
                    seen[s.v[i].id]++;
                struct ks_resume_entry *next;
                size_t nnext;
                copy_state(in, &next, &nnext);
                assert_int_equal(nnext, 1); /* one identity, one entry */
                free_state(st, nst);
                st = next;
                nst = nnext;
                if (run == 0 && stops[k] == 0) {
                    const struct ks_ingest_report *r = ks_ingest_get_report(in);
                    assert_int_equal(r->events, 20000);
                    assert_int_equal(r->skipped_dup, 40000);
                    assert_int_equal(r->files[1].bytes, t.n);
                }
                ks_ingest_free(in);
                sink_free(&s);
            }
            for (size_t i = 0; i < 20000; i++)
                if (seen[i] != 1)
                    fail_msg("record %zu seen %u times (max_open %zu, stop %zu)", i, seen[i],
                             max_open[m], stops[k]);
            free_state(st, nst);
            free(seen);
        }
    }
    free(t.p);
    ks_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_zip),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_detect_and_errors),
        cmocka_unit_test(test_partial_and_empty),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_oversized_record),
        cmocka_unit_test(test_merge_interleaved),
        cmocka_unit_test(test_reorder_window),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_resume_growing),
        cmocka_unit_test(test_run_again),
        cmocka_unit_test(test_resume_partial_tail),
        cmocka_unit_test(test_resume_shorter_copy),
        cmocka_unit_test(test_copies_in_one_ingest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
