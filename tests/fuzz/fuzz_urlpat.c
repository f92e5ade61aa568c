/* SPDX-License-Identifier: MIT */
/*
 * fuzz_urlpat.c - libFuzzer target for URL patterns: the first line of the input is a pattern,
 * the second the capture named as key (empty: default), every further line a path. Compiling
 * must not crash, and every match must return views that lie inside the path (the key and each
 * capture) and capture keys that start with "url.param.".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

static bool inside(struct ks_sv v, struct ks_sv outer)
{
    return v.n == 0 || (v.p >= outer.p && v.p + v.n <= outer.p + outer.n);
}

/* Copies line [b, e) of data into a NUL-terminated string (at most cap-1 bytes). */
static void cstr(const uint8_t *b, size_t n, char *out, size_t cap)
{
    n = n < cap - 1 ? n : cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char pat[2048], key[64];
    const uint8_t *p = data, *end = data + size;
    const uint8_t *nl = memchr(p, '\n', size);
    struct ks_urlpat *u = NULL;
    if (!nl)
        nl = end;
    cstr(p, (size_t)(nl - p), pat, sizeof pat);
    p = nl < end ? nl + 1 : end;
    nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
        nl = end;
    cstr(p, (size_t)(nl - p), key, sizeof key);
    p = nl < end ? nl + 1 : end;
    if (ks_urlpat_compile(pat, "project", key[0] ? key : NULL, &u) != 0) {
        if (u)
            abort();
        return 0;
    }
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        struct ks_sv path = ks_sv_make((const char *)p, (size_t)((nl ? nl : end) - p));
        struct ks_urlpat_match m;
        const struct ks_urlpat *one[1] = {u};
        bool got = ks_urlpat_match(u, path, &m);
        if (got != (ks_urlpat_match_first(one, 1, path, &m) == 0))
            abort();
        if (got) {
            if (!inside(m.key, path) || m.ncap > KS_URLPAT_MAX_CAPS)
                abort();
            for (uint32_t i = 0; i < m.ncap; i++)
                if (!inside(m.cap[i].val, path) || m.cap[i].val.n == 0 ||
                    !ks_sv_starts_with(m.cap[i].key, "url.param.") ||
                    memchr(m.cap[i].val.p, '/', m.cap[i].val.n))
                    abort();
        }
        p = nl ? nl + 1 : end;
    }
    ks_urlpat_free(u);
    return 0;
}
