/* SPDX-License-Identifier: MIT */
/*
 * core_json.c - the JSON-lines reader behind every JSON ingest (Windows event exports, Zeek
 * JSON, Suricata EVE). It parses one object per call into a flat field list: nested objects
 * become dotted keys, arrays stay raw text, strings point into the input unless they contain
 * escapes. It runs once per input line, so strings are scanned 16 bytes at a time (SSE2) and
 * nothing is allocated per document once the scratch space exists.
 *
 * Design:
 *  1. The scratch buffer is allocated at its full cap on first use and never moves, so fields
 *     can point into it while parsing continues.
 *  2. Raw bytes >= 0x80 are passed through unvalidated (output escaping replaces invalid
 *     UTF-8); \u escapes always produce valid UTF-8, lone surrogates become U+FFFD.
 *  3. Depth counts every object and array level, the top-level object being depth 1.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/core.h"

#define SCRATCH_HARD_MAX ((size_t)64 << 20)

struct parser {
    struct ks_json_doc *d;
    const char *p;
    size_t n, i;
};

void ks_json_doc_init(struct ks_json_doc *d, size_t max_scratch)
{
    d->n = 0;
    d->err = NULL;
    d->err_off = 0;
    ks_buf_init(&d->scratch, KS_MIN(max_scratch, SCRATCH_HARD_MAX));
}

void ks_json_doc_free(struct ks_json_doc *d)
{
    ks_buf_free(&d->scratch);
    d->n = 0;
}

static int fail(struct parser *ps, int rc, const char *msg)
{
    ps->d->err = msg;
    ps->d->err_off = ps->i;
    return rc;
}

static inline void skip_ws(struct parser *ps)
{
    while (ps->i < ps->n) {
        char c = ps->p[ps->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        ps->i++;
    }
}

/* Index of the first byte at or after i that is '"', '\\' or a control character, or n. */
static inline size_t scan_str(const char *p, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f);
    while (n - i >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\' || c < 0x20)
            break;
    }
    return i;
}

static int scratch_ready(struct parser *ps)
{
    struct ks_buf *b = &ps->d->scratch;
    if (b->cap == b->max + 1)
        return 0;
    int rc = ks_buf_reserve(b, b->max - b->len);
    return rc ? fail(ps, rc, "out of scratch space") : 0;
}

/* Appends n bytes to scratch; it has its full size, so this is a bounds check and memcpy. */
static inline int scratch_put(struct parser *ps, const void *src, size_t n)
{
    struct ks_buf *b = &ps->d->scratch;
    if (b->max - b->len < n)
        return fail(ps, KS_ETOOBIG, "out of scratch space");
    memcpy(b->p + b->len, src, n);
    b->len += n;
    return 0;
}

static inline int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = (unsigned char)p[k];
        unsigned h;
        if (c >= '0' && c <= '9')
            h = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            h = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | h;
    }
    *out = v;
    return 0;
}

static size_t utf8_put(unsigned cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The one-character escapes and what they stand for; 0 for everything else. */
static const char simple_escape[256] = {
    ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
    ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
};

/* Decodes the \uXXXX escape (a surrogate pair takes two) at ps->i == '\\'; appends its UTF-8 to
 * scratch when emit. Advances ps->i. */
static int unicode_escape(struct parser *ps, bool emit)
{
    const char *p = ps->p;
    size_t i = ps->i + 1;
    unsigned cp, lo;
    if (i >= ps->n || p[i] != 'u') {
        ps->i = i;
        return fail(ps, KS_EFORMAT, i >= ps->n ? "truncated string" : "bad escape");
    }
    if (ps->n - i < 5 || hex4(p + i + 1, &cp))
        return fail(ps, KS_EFORMAT, "bad \\u escape");
    i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (ps->n - i >= 7 && p[i + 1] == '\\' && p[i + 2] == 'u' && hex4(p + i + 3, &lo) == 0 &&
            lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        } else {
            cp = 0xFFFD;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    ps->i = i + 1;
    char out[4];
    size_t len = utf8_put(cp, out);
    return emit ? scratch_put(ps, out, len) : 0;
}

/* Parses the string whose opening quote is at ps->i. OUT *out: a view into the input, or into
 * scratch when it had escapes (only when emit; otherwise the string is only validated). */
static int parse_string(struct parser *ps, struct ks_sv *out, bool emit)
{
    const char *p = ps->p;
    size_t start = ++ps->i;
    size_t j = scan_str(p, start, ps->n);
    if (j < ps->n && p[j] == '"') {
        *out = ks_sv_make(p + start, j - start);
        ps->i = j + 1;
        return 0;
    }
    int rc;
    size_t sstart = ps->d->scratch.len;
    if (emit && (rc = scratch_ready(ps)))
        return rc;
    for (;;) {
        if (j >= ps->n) {
            ps->i = j;
            return fail(ps, KS_EFORMAT, "unterminated string");
        }
        unsigned char c = (unsigned char)p[j];
        if (emit && (rc = scratch_put(ps, p + start, j - start)))
            return rc;
        if (c == '"') {
            ps->i = j + 1;
            break;
        }
        if (c < 0x20) {
            ps->i = j;
            return fail(ps, KS_EFORMAT, "control character in string");
        }
        char e = j + 1 < ps->n ? simple_escape[(unsigned char)p[j + 1]] : 0;
        if (e) {
            if (emit && (rc = scratch_put(ps, &e, 1)))
                return rc;
            start = j + 2;
        } else {
            ps->i = j;
            if ((rc = unicode_escape(ps, emit)))
                return rc;
            start = ps->i;
        }
        j = scan_str(p, start, ps->n);
    }
    if (emit)
        *out = ks_sv_make(ps->d->scratch.p + sstart, ps->d->scratch.len - sstart);
    return 0;
}

static int parse_number(struct parser *ps)
{
    const char *p = ps->p;
    size_t i = ps->i, n = ps->n;
    if (i < n && p[i] == '-')
        i++;
    if (i < n && p[i] == '0') {
        i++;
    } else if (i < n && p[i] >= '1' && p[i] <= '9') {
        while (i < n && (unsigned)(p[i] - '0') <= 9)
            i++;
    } else {
        ps->i = i;
        return fail(ps, KS_EFORMAT, "bad number");
    }
    if (i < n && p[i] == '.') {
        size_t s = ++i;
        while (i < n && (unsigned)(p[i] - '0') <= 9)
            i++;
        if (i == s) {
            ps->i = i;
            return fail(ps, KS_EFORMAT, "bad number");
        }
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t s = i;
        while (i < n && (unsigned)(p[i] - '0') <= 9)
            i++;
        if (i == s) {
            ps->i = i;
            return fail(ps, KS_EFORMAT, "bad number");
        }
    }
    ps->i = i;
    return 0;
}

static int parse_literal(struct parser *ps, enum ks_json_type *type)
{
    const char *p = ps->p + ps->i;
    size_t left = ps->n - ps->i;
    if (left >= 4 && memcmp(p, "true", 4) == 0) {
        *type = KS_JSON_BOOL;
        ps->i += 4;
    } else if (left >= 5 && memcmp(p, "false", 5) == 0) {
        *type = KS_JSON_BOOL;
        ps->i += 5;
    } else if (left >= 4 && memcmp(p, "null", 4) == 0) {
        *type = KS_JSON_NULL;
        ps->i += 4;
    } else {
        return fail(ps, KS_EFORMAT, "unexpected character");
    }
    return 0;
}

/* Validates the value at ps->i without recording it (array contents). */
static int skip_value(struct parser *ps, int depth)
{
    struct ks_sv sv;
    enum ks_json_type t;
    if (ps->i >= ps->n)
        return fail(ps, KS_EFORMAT, "truncated document");
    char c = ps->p[ps->i];
    if (c == '"')
        return parse_string(ps, &sv, false);
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(ps);
    if (c != '[' && c != '{')
        return parse_literal(ps, &t);
    if (depth > KS_JSON_MAX_DEPTH)
        return fail(ps, KS_ETOOBIG, "nested too deeply");
    char close = c == '[' ? ']' : '}';
    int rc;
    ps->i++;
    skip_ws(ps);
    if (ps->i < ps->n && ps->p[ps->i] == close) {
        ps->i++;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            if (ps->i >= ps->n || ps->p[ps->i] != '"')
                return fail(ps, KS_EFORMAT, "expected key");
            if ((rc = parse_string(ps, &sv, false)))
                return rc;
            skip_ws(ps);
            if (ps->i >= ps->n || ps->p[ps->i] != ':')
                return fail(ps, KS_EFORMAT, "expected ':'");
            ps->i++;
            skip_ws(ps);
        }
        if ((rc = skip_value(ps, depth + 1)))
            return rc;
        skip_ws(ps);
        if (ps->i >= ps->n)
            return fail(ps, KS_EFORMAT, "truncated document");
        c = ps->p[ps->i++];
        if (c == close)
            return 0;
        if (c != ',') {
            ps->i--;
            return fail(ps, KS_EFORMAT, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
        }
        skip_ws(ps);
    }
}

static inline int add_field(struct parser *ps, struct ks_sv key, struct ks_sv val,
                            enum ks_json_type type)
{
    struct ks_json_doc *d = ps->d;
    if (d->n >= KS_JSON_MAX_FIELDS)
        return fail(ps, KS_ETOOBIG, "too many fields");
    struct ks_json_field *f = &d->f[d->n++];
    f->key = key;
    f->val = val;
    f->type = type;
    return 0;
}

/* Parses the object at ps->i == '{'; prefix is the dotted key of this object (NULL at the top). */
static int parse_object(struct parser *ps, struct ks_sv prefix, int depth)
{
    const char *p = ps->p;
    int rc;
    ps->i++;
    skip_ws(ps);
    if (ps->i < ps->n && p[ps->i] == '}') {
        ps->i++;
        return 0;
    }
    for (;;) {
        struct ks_sv key, val;
        if (ps->i >= ps->n || p[ps->i] != '"')
            return fail(ps, KS_EFORMAT, "expected key");
        if ((rc = parse_string(ps, &key, true)))
            return rc;
        if (ps->i < ps->n && p[ps->i] == ':') {
            ps->i++;
        } else {
            skip_ws(ps);
            if (ps->i >= ps->n || p[ps->i] != ':')
                return fail(ps, KS_EFORMAT, "expected ':'");
            ps->i++;
        }
        skip_ws(ps);
        if (prefix.p) {
            /* Dotted key "prefix.key", built in scratch (the prefix may already be there). */
            if ((rc = scratch_ready(ps)))
                return rc;
            struct ks_buf *b = &ps->d->scratch;
            size_t kstart = b->len;
            if ((rc = scratch_put(ps, prefix.p, prefix.n)) || (rc = scratch_put(ps, ".", 1)) ||
                (rc = scratch_put(ps, key.p, key.n)))
                return rc;
            key = ks_sv_make(b->p + kstart, b->len - kstart);
        }
        if (ps->i >= ps->n)
            return fail(ps, KS_EFORMAT, "truncated document");
        char c = p[ps->i];
        size_t vstart = ps->i;
        enum ks_json_type type;
        if (c == '"') {
            if ((rc = parse_string(ps, &val, true)))
                return rc;
            type = KS_JSON_STRING;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if ((rc = parse_number(ps)))
                return rc;
            val = ks_sv_make(p + vstart, ps->i - vstart);
            type = KS_JSON_NUMBER;
        } else if (c == '{') {
            if (depth >= KS_JSON_MAX_DEPTH)
                return fail(ps, KS_ETOOBIG, "nested too deeply");
            if ((rc = parse_object(ps, key, depth + 1)))
                return rc;
            goto next;
        } else if (c == '[') {
            if ((rc = skip_value(ps, depth + 1)))
                return rc;
            val = ks_sv_make(p + vstart, ps->i - vstart);
            type = KS_JSON_RAW;
        } else {
            if ((rc = parse_literal(ps, &type)))
                return rc;
            val = ks_sv_make(p + vstart, ps->i - vstart);
        }
        if ((rc = add_field(ps, key, val, type)))
            return rc;
    next:
        if (ps->i < ps->n && p[ps->i] == ',') {
            ps->i++;
        } else {
            skip_ws(ps);
            if (ps->i >= ps->n)
                return fail(ps, KS_EFORMAT, "truncated document");
            c = p[ps->i++];
            if (c == '}')
                return 0;
            if (c != ',') {
                ps->i--;
                return fail(ps, KS_EFORMAT, "expected ',' or '}'");
            }
        }
        skip_ws(ps);
    }
}

int ks_json_parse(struct ks_json_doc *d, const char *p, size_t n)
{
    struct parser ps = {d, p, n, 0};
    d->n = 0;
    d->err = NULL;
    d->err_off = 0;
    d->scratch.len = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        ps.i = 3; /* a UTF-8 byte order mark, as Windows tools write on the first line */
    skip_ws(&ps);
    if (ps.i >= n || p[ps.i] != '{')
        return fail(&ps, KS_EFORMAT, "expected '{'");
    int rc = parse_object(&ps, KS_SV_NULL, 1);
    if (rc) {
        d->n = 0;
        return rc;
    }
    skip_ws(&ps);
    if (ps.i != n)
        return d->n = 0, fail(&ps, KS_EFORMAT, "data after the object");
    return 0;
}

const struct ks_json_field *ks_json_get(const struct ks_json_doc *d, const char *key)
{
    size_t n = strlen(key);
    for (uint32_t i = 0; i < d->n; i++) {
        const struct ks_json_field *f = &d->f[i];
        if (f->key.n == n && (n == 0 || (f->key.p[0] == key[0] && memcmp(f->key.p, key, n) == 0)))
            return f;
    }
    return NULL;
}

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

const struct ks_json_field *ks_json_get_ci(const struct ks_json_doc *d, const char *key)
{
    size_t n = strlen(key);
    for (uint32_t i = 0; i < d->n; i++) {
        const struct ks_json_field *f = &d->f[i];
        if (f->key.n != n)
            continue;
        size_t k = 0;
        while (k < n && lower((unsigned char)f->key.p[k]) == lower((unsigned char)key[k]))
            k++;
        if (k == n)
            return f;
    }
    return NULL;
}
