/* SPDX-License-Identifier: MIT */
/*
 * core_addr.c - IPv4/IPv6 addresses in one 16-byte form (IPv4 mapped into ::ffff:0:0/96), so
 * flows, logons and inventory prefixes share one column type and one prefix tree. Parsing is
 * strict (no leading-zero octets, no zone ids); formatting follows RFC 5952.
 */
#include <string.h>

#include "core/core.h"

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static inline int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses a dotted quad filling all of p[0..n) into out[4]. */
static bool parse_v4(const char *p, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            if (i >= n || p[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && i - start < 3 && (unsigned)(p[i] - '0') <= 9)
            v = v * 10 + (unsigned)(p[i++] - '0');
        size_t len = i - start;
        if (len == 0 || v > 255 || (len > 1 && p[start] == '0'))
            return false;
        out[k] = (uint8_t)v;
    }
    return i == n;
}

static bool parse_v6(const char *p, size_t n, uint8_t out[16])
{
    uint16_t g[8];
    int ng = 0, gap = -1; /* gap: index in g where "::" stands */
    size_t i = 0;
    if (n >= 2 && p[0] == ':' && p[1] == ':') {
        gap = 0;
        i = 2;
        if (i == n)
            goto done;
    } else if (n >= 1 && p[0] == ':') {
        return false;
    }
    for (;;) {
        size_t start = i;
        unsigned v = 0;
        int h;
        while (i < n && i - start < 4 && (h = hexval((unsigned char)p[i])) >= 0) {
            v = (v << 4) | (unsigned)h;
            i++;
        }
        if (i < n && p[i] == '.') {
            /* Embedded IPv4 in the last 32 bits. */
            if (ng > 6 || (gap < 0 && ng != 6))
                return false;
            uint8_t q[4];
            if (!parse_v4(p + start, n - start, q))
                return false;
            g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
            g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
            break;
        }
        if (i == start || ng == 8)
            return false;
        g[ng++] = (uint16_t)v;
        if (i == n)
            break;
        if (p[i] != ':')
            return false;
        i++;
        if (i < n && p[i] == ':') {
            if (gap >= 0)
                return false;
            gap = ng;
            i++;
            if (i == n)
                break;
        } else if (i == n) {
            return false; /* trailing single ':' */
        }
    }
done:
    if (gap < 0 ? ng != 8 : ng > 7)
        return false;
    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : ng - gap;
    int head = ng - tail;
    for (int k = 0; k < head; k++) {
        out[2 * k] = (uint8_t)(g[k] >> 8);
        out[2 * k + 1] = (uint8_t)g[k];
    }
    for (int k = 0; k < tail; k++) {
        int pos = 8 - tail + k;
        out[2 * pos] = (uint8_t)(g[head + k] >> 8);
        out[2 * pos + 1] = (uint8_t)g[head + k];
    }
    return true;
}

int ks_addr_parse(const char *p, size_t n, struct ks_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (n >= 7 && n <= 15 && parse_v4(p, n, out->b + 12)) {
        memcpy(out->b, v4_mapped, 12);
        out->family = 4;
        return 0;
    }
    if (n < 2 || n > 45 || !parse_v6(p, n, out->b))
        goto bad;
    out->family = 6;
    return 0;
bad:
    memset(out, 0, sizeof(*out));
    return KS_EFORMAT;
}

int ks_prefix_parse(const char *p, size_t n, struct ks_addr *addr, unsigned *len)
{
    const char *slash = memchr(p, '/', n);
    size_t alen = slash ? (size_t)(slash - p) : n;
    int rc = ks_addr_parse(p, alen, addr);
    if (rc)
        return rc;
    unsigned maxlen = addr->family == 4 ? 32 : 128;
    unsigned l = maxlen;
    if (slash) {
        size_t i = alen + 1;
        if (i == n || n - i > 3)
            goto bad;
        l = 0;
        for (; i < n; i++) {
            if ((unsigned)(p[i] - '0') > 9)
                goto bad;
            l = l * 10 + (unsigned)(p[i] - '0');
        }
        if (l > maxlen || (n - alen - 1 > 1 && p[alen + 1] == '0'))
            goto bad;
    }
    if (addr->family == 4)
        l += 96;
    for (unsigned bit = l; bit < 128; bit++)
        addr->b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
    *len = l;
    return 0;
bad:
    memset(addr, 0, sizeof(*addr));
    return KS_EFORMAT;
}

static size_t fmt_v4(const uint8_t *q, char *out)
{
    size_t o = 0;
    for (int k = 0; k < 4; k++) {
        unsigned v = q[k];
        if (k)
            out[o++] = '.';
        if (v >= 100)
            out[o++] = (char)('0' + v / 100);
        if (v >= 10)
            out[o++] = (char)('0' + v / 10 % 10);
        out[o++] = (char)('0' + v % 10);
    }
    return o;
}

size_t ks_addr_format(const struct ks_addr *a, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[KS_ADDR_STRLEN];
    size_t o = 0;
    if (a->family == 4) {
        o = fmt_v4(a->b + 12, tmp);
    } else if (a->family == 6) {
        uint16_t g[8];
        for (int k = 0; k < 8; k++)
            g[k] = (uint16_t)(a->b[2 * k] << 8 | a->b[2 * k + 1]);
        bool mapped = memcmp(a->b, v4_mapped, 12) == 0;
        int ngroups = mapped ? 6 : 8;
        int best = -1, bestlen = 1; /* a single zero group is never compressed */
        for (int k = 0; k < ngroups;) {
            if (g[k]) {
                k++;
                continue;
            }
            int s = k;
            while (k < ngroups && g[k] == 0)
                k++;
            if (k - s > bestlen) {
                best = s;
                bestlen = k - s;
            }
        }
        for (int k = 0; k < ngroups; k++) {
            if (k == best) {
                tmp[o++] = ':';
                tmp[o++] = ':';
                k += bestlen - 1;
                continue;
            }
            if (k > 0 && k != best + bestlen)
                tmp[o++] = ':';
            unsigned v = g[k];
            int shift = 12;
            while (shift > 0 && ((v >> shift) & 15) == 0)
                shift -= 4;
            for (; shift >= 0; shift -= 4)
                tmp[o++] = hex[(v >> shift) & 15];
        }
        if (mapped) {
            if (best + bestlen != 6)
                tmp[o++] = ':';
            o += fmt_v4(a->b + 12, tmp + o);
        }
    }
    if (cap == 0)
        return o;
    size_t w = o < cap ? o : cap - 1;
    memcpy(buf, tmp, w);
    buf[w] = '\0';
    return o;
}

bool ks_addr_eq(const struct ks_addr *a, const struct ks_addr *b)
{
    return (a->family == 0) == (b->family == 0) && memcmp(a->b, b->b, 16) == 0;
}

bool ks_addr_is_set(const struct ks_addr *a)
{
    return a->family != 0;
}

bool ks_addr_in_prefix(const struct ks_addr *a, const struct ks_addr *prefix, unsigned len)
{
    if (len > 128)
        return false;
    size_t full = len / 8;
    if (memcmp(a->b, prefix->b, full) != 0)
        return false;
    unsigned rest = len % 8;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
    return ((a->b[full] ^ prefix->b[full]) & mask) == 0;
}

void ks_addr_from_v4(uint32_t host_order, struct ks_addr *out)
{
    memcpy(out->b, v4_mapped, 12);
    out->b[12] = (uint8_t)(host_order >> 24);
    out->b[13] = (uint8_t)(host_order >> 16);
    out->b[14] = (uint8_t)(host_order >> 8);
    out->b[15] = (uint8_t)host_order;
    out->family = 4;
}
