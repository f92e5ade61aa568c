/* SPDX-License-Identifier: MIT */
/*
 * core_lpm.c - longest-prefix match over one 128-bit address space (IPv4 mapped into
 * ::ffff:0:0/96), used by the inventory for assets, customer prefixes, network classes and
 * allowlists, and by anything else that maps addresses to ids at event rate.
 *
 * NOTES ON THE DESIGN
 * Two structures share the work, chosen by the looked-up address:
 *   - IPv4-mapped addresses use a multibit trie with strides 16/8/8 and leaf pushing: each entry
 *     holds the best (value, length) for its range or points to a 256-entry child table, so a
 *     lookup is one to three array reads. Entries are 8 bytes; the root (512 KiB) is allocated on
 *     the first IPv4 insert.
 *   - Everything else uses path-compressed binary tries (PATRICIA) of 32-byte nodes, in three
 *     tiers so that walks stay short: prefixes of /32 or longer in one trie per distinct first
 *     32 bits (found through a hash table), /16 to /31 in one trie per first 16 bits (a
 *     65536-slot array), and the few shorter ones in one trie. A lookup tries the tiers from
 *     the longest down and stops at the first match, which is then the longest.
 * Invariants:
 *   1. Stored lengths are in the 128-bit space (an IPv4 /24 is 120).
 *   2. A leaf entry in the IPv4 trie holds the longest inserted prefix covering its whole range;
 *      inserting prefix P of length L overwrites every entry in P's range whose length is <= L
 *      (equal length means P itself, so that is the replace case) and recurses into children.
 *   3. Prefixes shorter than /96 that contain ::ffff:0:0/96 live in the PATRICIA tries; the
 *      longest of them is also kept as the cover (cover_value), the answer for IPv4 addresses
 *      the IPv4 trie misses.
 *   4. An entry's orig bits record which prefix lengths were inserted starting exactly at that
 *      entry (bit k = length level_start + k + 1), so ks_lpm_count() counts distinct prefixes.
 *   5. Table and node arrays grow by doubling and are addressed by index (never by pointer
 *      across an insert), node index 0 is a sentinel meaning "none".
 *   6. The root and the child tables are mmap'ed and advised to use transparent huge pages, so
 *      random lookups take few TLB misses and a million inserts few page faults. Growth uses
 *      mremap, so it does not copy.
 * Memory: a table costs 2 KiB per /16 that holds anything longer than /16, and per /24 that holds
 * anything longer than /24; one million random prefixes (bench/bench_lpm.c) take ~265 MiB, a
 * small inventory well under 1 MiB.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/core.h"

enum { E_EMPTY = 0, E_LEAF = 1, E_CHILD = 2 };

struct lpm_entry {
    uint32_t v;    /* value (leaf) or child table index (child) */
    uint8_t len;   /* stored length of the leaf, 128-bit space */
    uint8_t kind;  /* E_* */
    uint16_t orig; /* invariant 4 */
};

struct lpm_node6 {
    uint64_t hi, lo;   /* prefix bits, host order, bits past len are zero */
    uint32_t child[2]; /* 0 = none */
    uint32_t value;
    uint8_t len;
    uint8_t has_value;
};

#define ROOT_BITS 16
#define ROOT_SIZE (1u << ROOT_BITS)
#define TBL_SIZE 256u

struct ks_lpm {
    struct lpm_entry *root; /* ROOT_SIZE entries, NULL until the first IPv4 prefix */
    struct lpm_entry *tbl;  /* child tables, TBL_SIZE entries each */
    uint32_t ntbl, captbl;
    bool v4_default; /* ::ffff:0:0/96 itself was inserted */
    struct lpm_node6 *n6;
    uint32_t nn6, capn6; /* n6[0] is the sentinel */
    uint32_t *slots6; /* ROOT_SIZE PATRICIA roots by the top 16 bits, for /16 to /31 */
    /* PATRICIA roots by the top 32 bits, for prefixes of /32 or longer: open addressing,
     * key32[i] valid when root32[i] != 0. */
    uint32_t *key32, *root32;
    uint32_t n32, cap32; /* cap32 is 0 or a power of two */
    uint32_t short6;  /* PATRICIA root for prefixes shorter than /16 */
    bool has_cover;
    uint8_t cover_len;
    uint32_t cover_value;
    size_t count;
};

/* Anonymous zeroed memory for the big arrays; MAP_FAILED-free API (NULL on failure). */
static void *big_alloc(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

static void *big_grow(void *p, size_t old, size_t n)
{
    if (!p)
        return big_alloc(n);
    void *q = mremap(p, old, n, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(q, n, MADV_HUGEPAGE);
#endif
    return q;
}

static void big_free(void *p, size_t n)
{
    if (p)
        munmap(p, n);
}

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define KS_LPM_BIG_ENDIAN 1
#define v4_mapped_w1 UINT32_C(0x0000ffff) /* bytes 8..11 of ::ffff:0:0 as a native word */
#else
#define KS_LPM_BIG_ENDIAN 0
#define v4_mapped_w1 UINT32_C(0xffff0000)
#endif

int ks_lpm_new(struct ks_lpm **out)
{
    *out = NULL;
    struct ks_lpm *t = calloc(1, sizeof(*t));
    if (!t)
        return KS_ENOMEM;
    t->n6 = calloc(16, sizeof(*t->n6));
    if (!t->n6) {
        free(t);
        return KS_ENOMEM;
    }
    t->capn6 = 16;
    t->nn6 = 1;
    *out = t;
    return 0;
}

void ks_lpm_free(struct ks_lpm *t)
{
    if (!t)
        return;
    big_free(t->root, (size_t)ROOT_SIZE * sizeof(struct lpm_entry));
    big_free(t->tbl, (size_t)t->captbl * TBL_SIZE * sizeof(struct lpm_entry));
    big_free(t->slots6, (size_t)ROOT_SIZE * sizeof(*t->slots6));
    free(t->key32);
    free(t->root32);
    free(t->n6);
    free(t);
}

size_t ks_lpm_count(const struct ks_lpm *t)
{
    return t->count;
}

size_t ks_lpm_memory(const struct ks_lpm *t)
{
    size_t m = sizeof(*t);
    if (t->root)
        m += (size_t)ROOT_SIZE * sizeof(struct lpm_entry);
    m += (size_t)t->captbl * TBL_SIZE * sizeof(struct lpm_entry);
    m += (size_t)t->capn6 * sizeof(struct lpm_node6);
    if (t->slots6)
        m += (size_t)ROOT_SIZE * sizeof(*t->slots6);
    m += (size_t)t->cap32 * 2 * sizeof(uint32_t);
    return m;
}

/* ------------------------------------------------------------------ IPv4 multibit trie */

/* Returns the index of a new child table initialised from entry e, or UINT32_MAX. */
static uint32_t tbl_new(struct ks_lpm *t, struct lpm_entry e)
{
    if (t->ntbl == t->captbl) {
        uint32_t ncap = t->captbl ? t->captbl * 2 : 64;
        if (ncap > UINT32_MAX / TBL_SIZE)
            return UINT32_MAX;
        struct lpm_entry *p = big_grow(t->tbl, (size_t)t->captbl * TBL_SIZE * sizeof(*p),
                                       (size_t)ncap * TBL_SIZE * sizeof(*p));
        if (!p)
            return UINT32_MAX;
        t->tbl = p;
        t->captbl = ncap;
    }
    uint32_t idx = t->ntbl++;
    struct lpm_entry *c = t->tbl + (size_t)idx * TBL_SIZE;
    e.orig = 0;
    for (unsigned i = 0; i < TBL_SIZE; i++)
        c[i] = e;
    return idx;
}

static void entry_update(struct ks_lpm *t, struct lpm_entry *e, uint8_t len, uint32_t value)
{
    if (e->kind == E_CHILD) {
        struct lpm_entry *c = t->tbl + (size_t)e->v * TBL_SIZE;
        for (unsigned i = 0; i < TBL_SIZE; i++)
            entry_update(t, &c[i], len, value);
        return;
    }
    if (e->kind == E_EMPTY || e->len <= len) {
        e->kind = E_LEAF;
        e->len = len;
        e->v = value;
    }
}

/* Makes *slot (an entry of the root or of table index owner) a child; returns its table index. */
static int ensure_child(struct ks_lpm *t, bool in_root, size_t pos, uint32_t *child)
{
    struct lpm_entry *e = in_root ? &t->root[pos] : &t->tbl[pos];
    if (e->kind == E_CHILD) {
        *child = e->v;
        return 0;
    }
    uint32_t idx = tbl_new(t, *e); /* may move t->tbl */
    if (idx == UINT32_MAX)
        return KS_ENOMEM;
    e = in_root ? &t->root[pos] : &t->tbl[pos];
    e->kind = E_CHILD;
    e->v = idx;
    *child = idx;
    return 0;
}

static int insert4(struct ks_lpm *t, uint32_t a, unsigned l, uint32_t value)
{
    if (!t->root) {
        t->root = big_alloc((size_t)ROOT_SIZE * sizeof(*t->root));
        if (!t->root)
            return KS_ENOMEM;
    }
    uint8_t len = (uint8_t)(96 + l);
    struct lpm_entry *base;
    size_t first, n;
    unsigned bit;
    bool fresh;
    if (l == 0) {
        fresh = !t->v4_default;
        t->v4_default = true;
        for (size_t i = 0; i < ROOT_SIZE; i++)
            entry_update(t, &t->root[i], len, value);
        goto done;
    }
    if (l <= 16) {
        base = t->root;
        first = a >> 16;
        n = (size_t)1 << (16 - l);
        bit = l - 1;
    } else {
        uint32_t c1;
        int rc = ensure_child(t, true, a >> 16, &c1);
        if (rc)
            return rc;
        if (l <= 24) {
            base = t->tbl + (size_t)c1 * TBL_SIZE;
            first = (a >> 8) & 0xff;
            n = (size_t)1 << (24 - l);
            bit = l - 17;
        } else {
            uint32_t c2;
            rc = ensure_child(t, false, (size_t)c1 * TBL_SIZE + ((a >> 8) & 0xff), &c2);
            if (rc)
                return rc;
            base = t->tbl + (size_t)c2 * TBL_SIZE;
            first = a & 0xff;
            n = (size_t)1 << (32 - l);
            bit = l - 25;
        }
    }
    fresh = !(base[first].orig & (1u << bit));
    base[first].orig |= (uint16_t)(1u << bit);
    for (size_t i = 0; i < n; i++)
        entry_update(t, &base[first + i], len, value);
done:
    if (fresh)
        t->count++;
    return 0;
}

static inline int lookup4(const struct ks_lpm *t, uint32_t a, uint32_t *value, unsigned *len)
{
    if (!t->root)
        goto miss;
    const struct lpm_entry *e = &t->root[a >> 16];
    if (e->kind == E_CHILD) {
        e = &t->tbl[(size_t)e->v * TBL_SIZE + ((a >> 8) & 0xff)];
        if (e->kind == E_CHILD)
            e = &t->tbl[(size_t)e->v * TBL_SIZE + (a & 0xff)];
    }
    if (e->kind == E_LEAF) {
        *value = e->v;
        if (len)
            *len = e->len;
        return 0;
    }
miss:
    if (t->has_cover) {
        *value = t->cover_value;
        if (len)
            *len = t->cover_len;
        return 0;
    }
    return KS_ENOENT;
}

/* ------------------------------------------------------------------ PATRICIA for the rest */

static inline unsigned bit6(uint64_t hi, uint64_t lo, unsigned i)
{
    return i < 64 ? (unsigned)(hi >> (63 - i)) & 1u : (unsigned)(lo >> (127 - i)) & 1u;
}

static inline unsigned common6(uint64_t ahi, uint64_t alo, uint64_t bhi, uint64_t blo)
{
    uint64_t x = ahi ^ bhi;
    if (x)
        return (unsigned)__builtin_clzll(x);
    x = alo ^ blo;
    return x ? 64 + (unsigned)__builtin_clzll(x) : 128;
}

static void mask6(uint64_t *hi, uint64_t *lo, unsigned len)
{
    if (len == 0) {
        *hi = *lo = 0;
    } else if (len < 64) {
        *hi &= ~UINT64_C(0) << (64 - len);
        *lo = 0;
    } else if (len == 64) {
        *lo = 0;
    } else if (len < 128) {
        *lo &= ~UINT64_C(0) << (128 - len);
    }
}

static uint32_t node6_new(struct ks_lpm *t, uint64_t hi, uint64_t lo, unsigned len)
{
    if (t->nn6 == t->capn6) {
        if (t->capn6 > UINT32_MAX / 2)
            return 0;
        uint32_t ncap = t->capn6 * 2;
        struct lpm_node6 *p = realloc(t->n6, (size_t)ncap * sizeof(*p));
        if (!p)
            return 0;
        t->n6 = p;
        t->capn6 = ncap;
    }
    uint32_t idx = t->nn6++;
    struct lpm_node6 *n = &t->n6[idx];
    memset(n, 0, sizeof(*n));
    mask6(&hi, &lo, len);
    n->hi = hi;
    n->lo = lo;
    n->len = (uint8_t)len;
    return idx;
}

static int insert6(struct ks_lpm *t, uint32_t *rootp, uint64_t hi, uint64_t lo, unsigned len,
                   uint32_t value)
{
    uint32_t parent = 0, cur = *rootp;
    unsigned dir = 0;
    uint32_t nw;
    while (cur) {
        struct lpm_node6 *n = &t->n6[cur];
        unsigned c = KS_MIN(common6(hi, lo, n->hi, n->lo), KS_MIN(len, (unsigned)n->len));
        if (c == n->len) {
            if (n->len == len) {
                if (!n->has_value)
                    t->count++;
                n->has_value = 1;
                n->value = value;
                return 0;
            }
            parent = cur;
            dir = bit6(hi, lo, n->len);
            cur = n->child[dir];
            continue;
        }
        /* The new prefix diverges from n above n's length: insert above n. */
        unsigned nbit = bit6(n->hi, n->lo, c);
        if (c == len) {
            nw = node6_new(t, hi, lo, len);
            if (!nw)
                return KS_ENOMEM;
            t->n6[nw].child[nbit] = cur;
        } else {
            uint32_t br = node6_new(t, hi, lo, c);
            if (!br)
                return KS_ENOMEM;
            nw = node6_new(t, hi, lo, len);
            if (!nw)
                return KS_ENOMEM; /* br stays unreachable; harmless */
            t->n6[br].child[nbit] = cur;
            t->n6[br].child[!nbit] = nw;
            t->n6[nw].has_value = 1;
            t->n6[nw].value = value;
            nw = br;
            goto link;
        }
        t->n6[nw].has_value = 1;
        t->n6[nw].value = value;
        goto link;
    }
    nw = node6_new(t, hi, lo, len);
    if (!nw)
        return KS_ENOMEM;
    t->n6[nw].has_value = 1;
    t->n6[nw].value = value;
link:
    if (parent)
        t->n6[parent].child[dir] = nw;
    else
        *rootp = nw;
    t->count++;
    return 0;
}

static uint32_t walk6(const struct ks_lpm *t, uint32_t cur, uint64_t hi, uint64_t lo)
{
    uint32_t best = 0;
    while (cur) {
        const struct lpm_node6 *n = &t->n6[cur];
        if (common6(hi, lo, n->hi, n->lo) < n->len)
            break;
        if (n->has_value)
            best = cur;
        if (n->len == 128)
            break;
        cur = n->child[bit6(hi, lo, n->len)];
    }
    return best;
}

static inline uint32_t hash32(uint32_t k)
{
    return (uint32_t)(((uint64_t)k * UINT64_C(0x9E3779B97F4A7C15)) >> 32);
}

/* Returns the slot of key k in the /32 table (its root is 0 when absent); cap32 must be > 0. */
static inline uint32_t find32(const struct ks_lpm *t, uint32_t k)
{
    uint32_t mask = t->cap32 - 1, i = hash32(k) & mask;
    while (t->root32[i] && t->key32[i] != k)
        i = (i + 1) & mask;
    return i;
}

static int grow32(struct ks_lpm *t)
{
    uint32_t ncap = t->cap32 ? t->cap32 * 2 : 64;
    uint32_t *nk = calloc(ncap, sizeof(*nk)), *nr = calloc(ncap, sizeof(*nr));
    if (!nk || !nr) {
        free(nk);
        free(nr);
        return KS_ENOMEM;
    }
    uint32_t *ok = t->key32, *orr = t->root32, ocap = t->cap32;
    t->key32 = nk;
    t->root32 = nr;
    t->cap32 = ncap;
    for (uint32_t i = 0; i < ocap; i++) {
        if (!orr[i])
            continue;
        uint32_t j = find32(t, ok[i]);
        nk[j] = ok[i];
        nr[j] = orr[i];
    }
    free(ok);
    free(orr);
    return 0;
}

static int lookup6(const struct ks_lpm *t, uint64_t hi, uint64_t lo, uint32_t *value, unsigned *len)
{
    uint32_t best = 0;
    if (t->n32) {
        uint32_t r = t->root32[find32(t, (uint32_t)(hi >> 32))];
        if (r)
            best = walk6(t, r, hi, lo);
    }
    if (!best && t->slots6)
        best = walk6(t, t->slots6[hi >> 48], hi, lo);
    if (!best && t->short6)
        best = walk6(t, t->short6, hi, lo);
    if (!best)
        return KS_ENOENT;
    *value = t->n6[best].value;
    if (len)
        *len = t->n6[best].len;
    return 0;
}

/* ------------------------------------------------------------------ public */

static inline uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static inline uint32_t load_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return KS_LPM_BIG_ENDIAN ? v : __builtin_bswap32(v);
}

int ks_lpm_insert(struct ks_lpm *t, const struct ks_addr *prefix, unsigned len, uint32_t value)
{
    if (len > 128)
        return KS_EINVAL;
    if (len >= 96 && memcmp(prefix->b, v4_mapped, 12) == 0) {
        unsigned l = len - 96;
        uint32_t a = load_be32(prefix->b + 12);
        if (l < 32)
            a &= l ? ~UINT32_C(0) << (32 - l) : 0;
        return insert4(t, a, l, value);
    }
    uint64_t hi = load_be64(prefix->b), lo = load_be64(prefix->b + 8);
    mask6(&hi, &lo, len);
    uint32_t *rootp = &t->short6;
    if (len >= 32) {
        if ((t->n32 + 1) * 2 > t->cap32 && grow32(t) != 0)
            return KS_ENOMEM;
        uint32_t i = find32(t, (uint32_t)(hi >> 32));
        if (!t->root32[i]) {
            t->key32[i] = (uint32_t)(hi >> 32);
            t->n32++; /* the root is set by insert6() below */
        }
        rootp = &t->root32[i];
    } else if (len >= 16) {
        if (!t->slots6) {
            t->slots6 = big_alloc((size_t)ROOT_SIZE * sizeof(*t->slots6));
            if (!t->slots6)
                return KS_ENOMEM;
        }
        rootp = &t->slots6[hi >> 48];
    }
    int rc = insert6(t, rootp, hi, lo, len, value);
    if (rc)
        return rc;
    /* Invariant 3: a shorter prefix containing the whole IPv4-mapped space. */
    if (len < 96) {
        uint64_t chi = 0, clo = UINT64_C(0x0000ffff00000000);
        mask6(&chi, &clo, len);
        if (chi == hi && clo == lo && (!t->has_cover || t->cover_len <= len)) {
            t->has_cover = true;
            t->cover_len = (uint8_t)len;
            t->cover_value = value;
        }
    }
    return 0;
}

int ks_lpm_lookup(const struct ks_lpm *t, const struct ks_addr *a, uint32_t *value, unsigned *len)
{
    if (a->family == 0)
        return KS_ENOENT;
    uint64_t w0;
    uint32_t w1;
    memcpy(&w0, a->b, 8);
    memcpy(&w1, a->b + 8, 4);
    if (w0 == 0 && w1 == v4_mapped_w1)
        return lookup4(t, load_be32(a->b + 12), value, len);
    return lookup6(t, load_be64(a->b), load_be64(a->b + 8), value, len);
}
