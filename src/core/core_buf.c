/* SPDX-License-Identifier: MIT */
/*
 * core_buf.c - the bounded growable buffer every stage uses to build output (JSON lines, CSV,
 * store pages). Each buffer has a hard cap fixed at init; appends past it fail with KS_ETOOBIG
 * instead of growing without bound. Also the JSON-string and CSV-field encoders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

void ks_buf_init(struct ks_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

int ks_buf_reserve(struct ks_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return KS_ETOOBIG;
    size_t need = b->len + extra + 1; /* +1 for the NUL */
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    char *np = realloc(b->p, ncap);
    if (!np)
        return KS_ENOMEM;
    b->p = np;
    b->cap = ncap;
    return 0;
}

int ks_buf_append(struct ks_buf *b, const void *p, size_t n)
{
    if (!b->p || b->cap - b->len <= n) { /* cap never exceeds max + 1 */
        int rc = ks_buf_reserve(b, n);
        if (rc)
            return rc;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int ks_buf_append_sv(struct ks_buf *b, struct ks_sv s)
{
    return ks_buf_append(b, s.p, s.n);
}

int ks_buf_putc(struct ks_buf *b, char c)
{
    return ks_buf_append(b, &c, 1);
}

int ks_buf_vprintf(struct ks_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->p ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return KS_EINVAL;
    if ((size_t)n >= room) {
        int rc = ks_buf_reserve(b, (size_t)n);
        if (rc) {
            if (b->p)
                b->p[b->len] = '\0';
            return rc;
        }
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    }
    b->len += (size_t)n;
    return 0;
}

int ks_buf_printf(struct ks_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ks_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Length of the valid UTF-8 sequence starting at s[0] (non-ASCII lead), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    }
    return len;
}

int ks_buf_json_escape(struct ks_buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0; /* run: start of the pending span copied verbatim */
    int rc;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t len = utf8_seq(s + i, n - i);
            if (len) {
                i += len;
                continue;
            }
        }
        if ((rc = ks_buf_append(b, s + run, i - run)))
            return rc;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            if (c >= 0x80) {
                memcpy(esc, "\\ufffd", 6);
            } else {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
            }
            elen = 6;
        }
        if ((rc = ks_buf_append(b, esc, elen)))
            return rc;
        i++;
        run = i;
    }
    if (run < n || !b->p)
        return ks_buf_append(b, s + run, n - run);
    return 0;
}

int ks_buf_csv_field(struct ks_buf *b, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote)
        return ks_buf_append(b, s, n);
    int rc;
    if ((rc = ks_buf_putc(b, '"')))
        return rc;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '"')
            continue;
        /* Copy through this quote, then emit it a second time. */
        if ((rc = ks_buf_append(b, s + run, i + 1 - run)))
            return rc;
        run = i;
    }
    if ((rc = ks_buf_append(b, s + run, n - run)))
        return rc;
    return ks_buf_putc(b, '"');
}

void ks_buf_reset(struct ks_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

void ks_buf_free(struct ks_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}
