/* SPDX-License-Identifier: MIT */
/*
 * core_num.c - bounded number parsers over (pointer, length) ranges, used by every ingest
 * parser instead of atoi/strtol on NUL-terminated copies. The whole range must be the number.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int ks_parse_u64(const char *p, size_t n, uint64_t *out)
{
    if (n == 0)
        return KS_EFORMAT;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)p[i] - '0';
        if (d > 9)
            return KS_EFORMAT;
        if (v > (UINT64_MAX - d) / 10) {
            /* Keep scanning so "12x" with overflow still reports the format error. */
            for (; i < n; i++) {
                if ((unsigned)(unsigned char)p[i] - '0' > 9)
                    return KS_EFORMAT;
            }
            return KS_ERANGE;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int ks_parse_i64(const char *p, size_t n, int64_t *out)
{
    bool neg = false;
    if (n > 0 && (p[0] == '-' || p[0] == '+')) {
        neg = p[0] == '-';
        p++;
        n--;
    }
    uint64_t v;
    int rc = ks_parse_u64(p, n, &v);
    if (rc)
        return rc;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return KS_ERANGE;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return KS_ERANGE;
        *out = (int64_t)v;
    }
    return 0;
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int ks_parse_double(const char *p, size_t n, double *out)
{
    /* Grammar: [+-] digits [. digits] [(e|E) [+-] digits], or [+-] . digits ... */
    size_t i = 0;
    bool neg = false;
    if (i < n && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    uint64_t mant = 0;
    int ndig = 0, exp10 = 0;
    size_t intdigits = 0, fracdigits = 0;
    for (; i < n && (unsigned)(p[i] - '0') <= 9; i++, intdigits++) {
        if (ndig < 19) {
            mant = mant * 10 + (unsigned)(p[i] - '0');
            if (mant)
                ndig++;
        } else {
            exp10++;
        }
    }
    if (i < n && p[i] == '.') {
        i++;
        for (; i < n && (unsigned)(p[i] - '0') <= 9; i++, fracdigits++) {
            if (ndig < 19) {
                mant = mant * 10 + (unsigned)(p[i] - '0');
                if (mant)
                    ndig++;
                exp10--;
            }
        }
    }
    if (intdigits + fracdigits == 0)
        return KS_EFORMAT;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (p[i] == '-' || p[i] == '+'))
            eneg = p[i++] == '-';
        size_t start = i;
        int e = 0;
        for (; i < n && (unsigned)(p[i] - '0') <= 9; i++) {
            if (e < 100000)
                e = e * 10 + (p[i] - '0');
        }
        if (i == start)
            return KS_EFORMAT;
        exp10 += eneg ? -e : e;
    }
    if (i != n)
        return KS_EFORMAT;
    /* Exact fast path (Clinger): mantissa and power of ten are both exact doubles. */
    if (ndig <= 15 && exp10 >= -22 && exp10 <= 22) {
        double d = (double)mant;
        d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
        *out = neg ? -d : d;
        return 0;
    }
    char tmp[512];
    if (n >= sizeof tmp)
        return KS_ERANGE;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    return 0;
}

int ks_parse_epoch_frac(const char *p, size_t n, int64_t *ns)
{
    const char *dot = memchr(p, '.', n);
    size_t ilen = dot ? (size_t)(dot - p) : n;
    bool neg = ilen > 0 && p[0] == '-';
    uint64_t sec;
    int rc = ks_parse_u64(p + neg, ilen - neg, &sec);
    if (rc)
        return rc;
    if (sec > (uint64_t)(INT64_MAX / KS_NS_PER_SEC) - 1)
        return KS_ERANGE;
    int64_t frac = 0;
    if (dot) {
        size_t i = ilen + 1, k = 0;
        if (i == n)
            return KS_EFORMAT;
        for (; i < n; i++, k++) {
            unsigned d = (unsigned)(unsigned char)p[i] - '0';
            if (d > 9)
                return KS_EFORMAT;
            if (k < 9)
                frac = frac * 10 + d; /* digits past ns are dropped */
        }
        for (; k < 9; k++)
            frac *= 10;
    }
    int64_t v = (int64_t)sec * KS_NS_PER_SEC + frac;
    *ns = neg ? -v : v;
    return 0;
}
