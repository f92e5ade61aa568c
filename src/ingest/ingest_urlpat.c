/* SPDX-License-Identifier: MIT */
/*
 * ingest_urlpat.c - URL patterns ("/projects/{project}/documents/{doc}/download") that turn a web
 * request's path into a resource kind and key for the inventory, and the process-wide web-log
 * configuration (the pattern list, trusted X-Forwarded-For proxies) the web parsers read when
 * they are created. No regex: a pattern is a list of segments compared one path segment at a
 * time, so ten patterns cost a few short memcmp() calls per request.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_weblog_int.h"

#define URLPAT_MAX_NAME 32
#define URLPAT_MAX_KIND 16
#define URLPAT_MAX_LEN 1024
#define XFF_MAX_TRUSTED 64

enum urlpat_seg_type { SEG_LIT, SEG_CAP, SEG_STAR, SEG_REST };

struct urlpat_seg {
    uint8_t type;
    uint8_t cap; /* SEG_CAP: capture index */
    uint16_t n;  /* SEG_LIT: length */
    const char *p;
};

struct ks_urlpat {
    char *text;   /* the pattern, copied; literal segments point into it */
    char *keys;   /* "url.param.<name>" strings, NUL-separated */
    char kind[URLPAT_MAX_KIND];
    size_t kind_n;
    int key_cap;  /* capture giving the resource key, -1: the whole matched path */
    uint32_t nseg;
    uint32_t ncap;
    struct urlpat_seg seg[KS_URLPAT_MAX_SEGS];
    struct ks_sv cap_key[KS_URLPAT_MAX_CAPS]; /* into keys */
};

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

void ks_urlpat_free(struct ks_urlpat *p)
{
    if (!p)
        return;
    free(p->text);
    free(p->keys);
    free(p);
}

int ks_urlpat_compile(const char *pattern, const char *kind, const char *key,
                      struct ks_urlpat **out)
{
    int rc = KS_EINVAL;
    struct ks_urlpat *p = NULL;
    struct ks_sv names[KS_URLPAT_MAX_CAPS];
    size_t n, kn, i, koff = 0;

    if (out)
        *out = NULL;
    if (!pattern || !kind || !out)
        goto out;
    n = strlen(pattern);
    kn = strlen(kind);
    if (n == 0 || n > URLPAT_MAX_LEN || pattern[0] != '/' || kn == 0 || kn >= URLPAT_MAX_KIND)
        goto out;
    for (i = 0; i < kn; i++)
        if (!name_char(kind[i]))
            goto out;
    rc = KS_ENOMEM;
    p = calloc(1, sizeof *p);
    if (!p || !(p->text = malloc(n + 1)))
        goto out;
    memcpy(p->text, pattern, n + 1);
    memcpy(p->kind, kind, kn);
    p->kind_n = kn;
    rc = KS_EINVAL;
    i = 0;
    while (i < n) {
        /* text[i] == '/' */
        size_t s = i + 1, e = s;
        while (e < n && p->text[e] != '/')
            e++;
        i = e;
        if (e == s) {
            if (e == n)
                break; /* trailing '/' */
            goto out;  /* "//" */
        }
        if (p->nseg == KS_URLPAT_MAX_SEGS)
            goto out;
        if (p->nseg > 0 && p->seg[p->nseg - 1].type == SEG_REST)
            goto out; /* "**" only last */
        struct urlpat_seg *g = &p->seg[p->nseg++];
        const char *t = p->text + s;
        size_t tn = e - s;
        if (tn == 1 && t[0] == '*') {
            g->type = SEG_STAR;
        } else if (tn == 2 && t[0] == '*' && t[1] == '*') {
            g->type = SEG_REST;
        } else if (t[0] == '{') {
            if (tn < 3 || t[tn - 1] != '}' || tn - 2 > URLPAT_MAX_NAME ||
                p->ncap == KS_URLPAT_MAX_CAPS)
                goto out;
            for (size_t k = 1; k + 1 < tn; k++)
                if (!name_char(t[k]))
                    goto out;
            struct ks_sv nm = ks_sv_make(t + 1, tn - 2);
            for (uint32_t c = 0; c < p->ncap; c++)
                if (ks_sv_eq(names[c], nm))
                    goto out; /* duplicate name */
            g->type = SEG_CAP;
            g->cap = (uint8_t)p->ncap;
            names[p->ncap++] = nm;
        } else {
            for (size_t k = 0; k < tn; k++)
                if (t[k] == '{' || t[k] == '}' || t[k] == '*' || t[k] == '?' || t[k] == '#')
                    goto out;
            g->type = SEG_LIT;
            g->n = (uint16_t)tn;
            g->p = t;
        }
    }
    p->key_cap = p->ncap ? 0 : -1;
    if (key) {
        p->key_cap = -2;
        for (uint32_t c = 0; c < p->ncap; c++)
            if (ks_sv_eq_cstr(names[c], key))
                p->key_cap = (int)c;
        if (p->key_cap == -2)
            goto out;
    }
    if (p->ncap) {
        rc = KS_ENOMEM;
        if (!(p->keys = malloc(p->ncap * (10 + URLPAT_MAX_NAME + 1))))
            goto out;
        for (uint32_t c = 0; c < p->ncap; c++) {
            memcpy(p->keys + koff, "url.param.", 10);
            memcpy(p->keys + koff + 10, names[c].p, names[c].n);
            p->cap_key[c] = ks_sv_make(p->keys + koff, 10 + names[c].n);
            koff += 10 + names[c].n;
            p->keys[koff++] = '\0';
        }
    }
    *out = p;
    p = NULL;
    rc = 0;
out:
    ks_urlpat_free(p);
    return rc;
}

bool ks_urlpat_match(const struct ks_urlpat *p, struct ks_sv path, struct ks_urlpat_match *m)
{
    size_t pos = 0;
    const char *s = path.p;
    size_t n = path.n;
    if (!p || n == 0 || s[0] != '/')
        return false;
    for (uint32_t i = 0; i < p->nseg; i++) {
        const struct urlpat_seg *g = &p->seg[i];
        if (g->type == SEG_REST) {
            pos = n;
            break;
        }
        /* s[pos] == '/' here; the segment is s[pos+1 .. e) */
        if (pos >= n)
            return false;
        size_t b = pos + 1;
        const char *slash = b < n ? memchr(s + b, '/', n - b) : NULL;
        size_t e = slash ? (size_t)(slash - s) : n;
        size_t sn = e - b;
        switch (g->type) {
        case SEG_LIT:
            if (sn != g->n || memcmp(s + b, g->p, sn) != 0)
                return false;
            break;
        case SEG_CAP:
            if (sn == 0)
                return false;
            m->cap[g->cap].val = ks_sv_make(s + b, sn);
            break;
        default: /* SEG_STAR */
            if (sn == 0)
                return false;
            break;
        }
        pos = e;
    }
    /* What is left must be nothing or one trailing '/'. */
    if (pos < n && !(pos + 1 == n && s[pos] == '/'))
        return false;
    m->kind = ks_sv_make(p->kind, p->kind_n);
    m->ncap = p->ncap;
    for (uint32_t c = 0; c < p->ncap; c++)
        m->cap[c].key = p->cap_key[c];
    if (p->key_cap >= 0) {
        m->key = m->cap[p->key_cap].val;
    } else {
        size_t kn = n;
        if (kn > 1 && s[kn - 1] == '/')
            kn--;
        m->key = ks_sv_make(s, kn);
    }
    return true;
}

int ks_urlpat_match_first(const struct ks_urlpat *const *pats, size_t n, struct ks_sv path,
                          struct ks_urlpat_match *m)
{
    if (path.n == 0 || path.p[0] != '/')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (ks_urlpat_match(pats[i], path, m))
            return (int)i;
    }
    return -1;
}

/* ---------------------------------------------------------------- process-wide configuration */

static struct ks_urlpat **g_pats;
static size_t g_npats;
static struct ks_addr g_trusted[XFF_MAX_TRUSTED];
static unsigned g_trusted_len[XFF_MAX_TRUSTED];
static size_t g_ntrusted;

int ks_ingest_set_url_patterns(struct ks_urlpat **pats, size_t n)
{
    struct ks_urlpat **copy = NULL;
    if (n > KS_URLPAT_MAX || (n > 0 && !pats))
        return n > KS_URLPAT_MAX ? KS_ETOOBIG : KS_EINVAL;
    if (n > 0) {
        copy = malloc(n * sizeof *copy);
        if (!copy)
            return KS_ENOMEM;
        memcpy(copy, pats, n * sizeof *copy);
    }
    for (size_t i = 0; i < g_npats; i++)
        ks_urlpat_free(g_pats[i]);
    free(g_pats);
    g_pats = copy;
    g_npats = n;
    return 0;
}

const struct ks_urlpat *const *ks_ingest_url_patterns(size_t *n)
{
    *n = g_npats;
    return (const struct ks_urlpat *const *)g_pats;
}

int ks_ingest_set_xff_trust(const char *const *prefixes, size_t n)
{
    struct ks_addr a[XFF_MAX_TRUSTED];
    unsigned len[XFF_MAX_TRUSTED];
    if (n > XFF_MAX_TRUSTED)
        return KS_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        if (!prefixes || !prefixes[i] ||
            ks_prefix_parse(prefixes[i], strlen(prefixes[i]), &a[i], &len[i]) != 0)
            return KS_EINVAL;
    }
    memcpy(g_trusted, a, n * sizeof a[0]);
    memcpy(g_trusted_len, len, n * sizeof len[0]);
    g_ntrusted = n;
    return 0;
}

bool ks_ingest_xff_enabled(void)
{
    return g_ntrusted > 0;
}

static bool trusted(const struct ks_addr *a)
{
    for (size_t i = 0; i < g_ntrusted; i++)
        if (ks_addr_in_prefix(a, &g_trusted[i], g_trusted_len[i]))
            return true;
    return false;
}

bool ks_ingest_xff_client(const struct ks_addr *peer, struct ks_sv xff, struct ks_addr *client)
{
    if (g_ntrusted == 0 || !ks_addr_is_set(peer) || !trusted(peer))
        return false;
    size_t e = xff.n;
    while (e > 0) {
        size_t b = e;
        while (b > 0 && xff.p[b - 1] != ',')
            b--;
        struct ks_sv t = ks_sv_trim(ks_sv_make(xff.p + b, e - b));
        struct ks_addr a;
        if (ks_addr_parse(t.p, t.n, &a) != 0)
            return false; /* garbage or a host name: do not guess further left */
        if (!trusted(&a)) {
            *client = a;
            return true;
        }
        e = b > 0 ? b - 1 : 0;
    }
    return false;
}
