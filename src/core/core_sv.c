/* SPDX-License-Identifier: MIT */
/*
 * core_sv.c - borrowed string views and UTF-8 validation. Parsers hand out views into their
 * input instead of copies; these helpers compare and trim them without allocating.
 */
#include <string.h>

#include "core/core.h"

struct ks_sv ks_sv_cstr(const char *s)
{
    return s ? ks_sv_make(s, strlen(s)) : KS_SV_NULL;
}

bool ks_sv_eq(struct ks_sv a, struct ks_sv b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool ks_sv_eq_cstr(struct ks_sv a, const char *s)
{
    size_t n = strlen(s);
    return a.n == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

bool ks_sv_ieq_cstr(struct ks_sv a, const char *s)
{
    size_t i = 0;
    for (; i < a.n; i++) {
        if (s[i] == '\0' || lower((unsigned char)a.p[i]) != lower((unsigned char)s[i]))
            return false;
    }
    return s[i] == '\0';
}

bool ks_sv_starts_with(struct ks_sv a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.n >= n && (n == 0 || memcmp(a.p, prefix, n) == 0);
}

static inline bool is_trim(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct ks_sv ks_sv_trim(struct ks_sv a)
{
    while (a.n > 0 && is_trim(a.p[0])) {
        a.p++;
        a.n--;
    }
    while (a.n > 0 && is_trim(a.p[a.n - 1]))
        a.n--;
    return a;
}

bool ks_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs 8 bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        }
        i += len;
    }
    return true;
}
