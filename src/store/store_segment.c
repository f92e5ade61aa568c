/* SPDX-License-Identifier: MIT */
/*
 * store_segment.c - the segment writer of the directory store: ks_store_append() lands here,
 * copying each event into columnar arrays of the open segment (strings interned into one
 * dictionary per column, bag values into one byte arena), and ks_store_commit() seals those
 * arrays into one segment file image (format.h) that store_dir.c publishes.
 *
 * Design notes:
 *   States: EMPTY -(append)-> OPEN -(seal)-> SEALED image in a caller buffer; reset -> EMPTY.
 *   1. Memory is bounded: rows <= 2 x target_rows and counted bytes <= 2 x target_bytes; an
 *      append that would pass either fails with KS_ETOOBIG and leaves the segment unchanged
 *      (rows), so the caller commits and retries.
 *   2. Dictionary id 0 of every string column is "", so empty strings cost no lookup.
 *   3. Sealing sorts rows by (observer id, ts) - a stable counting sort when the input is in
 *      time order - and cuts them into row groups of KS_SEG_GROUP_ROWS; every group records its
 *      time range, observer id range, kind mask and a bloom filter of its entities, so a scan
 *      decodes only groups that can match.
 *   4. Sealing does not modify the open segment: a failed publish can be retried.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "store/store_int.h"

#define CT_OF_TS KS_SEG_CT_TS
#define CT_OF_U8 KS_SEG_CT_U8
#define CT_OF_U16 KS_SEG_CT_U16
#define CT_OF_U32 KS_SEG_CT_U32
#define CT_OF_U64 KS_SEG_CT_U64
#define CT_OF_ADDR KS_SEG_CT_ADDR
#define CT_OF_STR KS_SEG_CT_STR

static const uint8_t col_types[KS_SEG_NCOLS] = {
#define KS_EVENT_FIELD(name, type, ecs) [KS_F_##name] = CT_OF_##type,
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    [KS_SEG_COL_SOURCE_ID] = KS_SEG_CT_U32,
    [KS_SEG_COL_OFFSET] = KS_SEG_CT_OFFSET,
    [KS_SEG_COL_BAG_KEYS] = KS_SEG_CT_BAGK,
    [KS_SEG_COL_BAG_VALS] = KS_SEG_CT_BAGV,
};

#define BAG_POS_CACHE 32
#define DAY_NS (86400 * KS_NS_PER_SEC)

#define pow10_tab_0 1u
#define pow10_tab_1 10u
#define pow10_tab_2 100u
#define pow10_tab_3 1000u
#define pow10_tab_4 10000u
#define pow10_tab_5 100000u
#define pow10_tab_6 1000000u
#define pow10_tab_7 10000000u
#define pow10_tab_8 100000000u
#define pow10_tab_9 1000000000u
static const uint64_t pow10_tab[10] = {1,         10,         100,        1000,      10000,
                                       100000,    1000000,    10000000,   100000000, 1000000000};

/* ---------------------------------------------------------------- shared helpers */

uint16_t ks_store_seg_col_id(unsigned col)
{
    return col < KS_F_COUNT ? (uint16_t)col : (uint16_t)(0x8000u + (col - KS_F_COUNT));
}

static inline uint8_t coltype(unsigned col)
{
    if (ks_store_seg_col_is_strr(col))
        return KS_SEG_CT_STRR;
    return col_types[col];
}

uint8_t ks_store_seg_col_type(unsigned col) { return col < KS_SEG_NCOLS ? coltype(col) : 0; }

int ks_store_seg_col_from_id(uint32_t id)
{
    if (id < KS_F_COUNT)
        return (int)id;
    if (id >= 0x8000u && id < 0x8000u + (KS_SEG_NCOLS - KS_F_COUNT))
        return (int)(KS_F_COUNT + (id - 0x8000u));
    return -1;
}

bool ks_store_seg_col_has_dict(unsigned col)
{
    return col < KS_SEG_NCOLS &&
           (coltype(col) == KS_SEG_CT_STR || coltype(col) == KS_SEG_CT_BAGK);
}

uint64_t ks_store_seg_block_seed(uint32_t clen, uint32_t rawlen, uint32_t codec)
{
    return ((uint64_t)rawlen << 32 | clen) ^ ((uint64_t)codec << 60);
}

/* Bloom keys are never 0 (0 marks an empty slot of the writer's distinct set). */
uint64_t ks_store_seg_bloom_key_addr(const struct ks_addr *a)
{
    uint64_t h = XXH3_64bits(a->b, 16);
    return h ? h : 1;
}

uint64_t ks_store_seg_bloom_key_id(unsigned col, uint32_t id)
{
    uint8_t k[8];
    ks_put_le64(k, (uint64_t)ks_store_seg_col_id(col) << 32 | id);
    uint64_t h = XXH3_64bits(k, 8);
    return h ? h : 1;
}

static inline uint64_t rotl64(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }

bool ks_store_seg_bloom_test(const uint64_t *words, uint32_t nwords, uint64_t key)
{
    if (nwords == 0)
        return true; /* no filter: cannot exclude */
    uint64_t mask = (uint64_t)nwords * 64 - 1, h2 = rotl64(key, 32) | 1, h = key;
    for (unsigned i = 0; i < KS_SEG_BLOOM_K; i++, h += h2) {
        uint64_t bit = h & mask;
        if (!(words[bit >> 6] & (UINT64_C(1) << (bit & 63))))
            return false;
    }
    return true;
}

static void bloom_set(uint64_t *words, uint32_t nwords, uint64_t key)
{
    uint64_t mask = (uint64_t)nwords * 64 - 1, h2 = rotl64(key, 32) | 1, h = key;
    for (unsigned i = 0; i < KS_SEG_BLOOM_K; i++, h += h2) {
        uint64_t bit = h & mask;
        words[bit >> 6] |= UINT64_C(1) << (bit & 63);
    }
}

int64_t ks_store_seg_day_start(int64_t ts)
{
    const int64_t day = 86400 * KS_NS_PER_SEC;
    int64_t d = ts / day;
    if (ts % day < 0)
        d--;
    return d * day;
}

int ks_store_sbuf_grow(struct ks_store_sbuf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return KS_ETOOBIG;
    size_t need = b->len + extra;
    if (b->max && need > b->max)
        return KS_ETOOBIG;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    if (b->max && cap > b->max)
        cap = b->max;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return KS_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

void ks_store_sbuf_free(struct ks_store_sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---------------------------------------------------------------- writer */

struct day_count {
    int64_t day;
    uint64_t n;
};

struct ks_store_seg_writer {
    uint32_t n, cap, target_rows, max_rows;
    size_t bytes, target_bytes, max_bytes, row_bytes;
    void *col[KS_SEG_NCOLS];
    uint32_t *bag_end;
    uint32_t *kv_key, *kv_voff, *kv_vlen;
    uint32_t nkv, kv_cap;
    struct ks_store_sbuf vals;
    struct ks_intern *dict[KS_SEG_NCOLS];
    uint32_t last_id[KS_SEG_NCOLS];
    uint32_t bag_last[BAG_POS_CACHE];
    int64_t min_ts, max_ts;
    ZSTD_CCtx *cctx;
    int level;
    /* seal scratch */
    uint32_t *perm;
    struct ks_store_sbuf raw;
    uint64_t *set;
    uint32_t set_mask;
    uint64_t *keys;
    uint64_t *bloom;
    uint32_t *order;
    uint32_t order_cap;
};

static size_t elem_size(unsigned col)
{
    switch (coltype(col)) {
    case KS_SEG_CT_TS:
    case KS_SEG_CT_U64:
    case KS_SEG_CT_OFFSET:
    case KS_SEG_CT_STRR:
        return 8;
    case KS_SEG_CT_U8:
        return 1;
    case KS_SEG_CT_U16:
        return 2;
    case KS_SEG_CT_U32:
    case KS_SEG_CT_STR:
        return 4;
    case KS_SEG_CT_ADDR:
        return sizeof(struct ks_addr);
    default:
        return 0;
    }
}

static size_t row_bytes(void)
{
    size_t s = 4; /* bag_end */
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++)
        s += elem_size(c);
    return s;
}

int ks_store_seg_writer_new(uint32_t target_rows, size_t target_bytes,
                            struct ks_store_seg_writer **out)
{
    *out = NULL;
    int rc = KS_ENOMEM;
    struct ks_store_seg_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return KS_ENOMEM;
    w->target_rows = target_rows ? target_rows : KS_SEG_TARGET_ROWS;
    w->target_bytes = target_bytes ? target_bytes : KS_SEG_TARGET_BYTES;
    if (w->target_rows > (1u << 30) || w->target_bytes > ((size_t)1 << 30)) {
        rc = KS_EINVAL;
        goto out;
    }
    w->max_rows = w->target_rows * 2;
    w->row_bytes = row_bytes();
    w->max_bytes = w->target_bytes * 2;
    w->vals.max = w->max_bytes;
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
        if (!ks_store_seg_col_has_dict(c))
            continue;
        uint32_t id;
        if ((rc = ks_intern_new(w->max_bytes, &w->dict[c])) < 0)
            goto out;
        if ((rc = ks_intern_put(w->dict[c], "", 0, &id)) < 0)
            goto out;
    }
    w->level = KS_SEG_ZSTD_LEVEL;
    w->cctx = ZSTD_createCCtx();
    if (!w->cctx) {
        rc = KS_ENOMEM;
        goto out;
    }
    ks_store_seg_writer_reset(w);
    *out = w;
    return 0;
out:
    ks_store_seg_writer_free(w);
    return rc;
}

void ks_store_seg_writer_free(struct ks_store_seg_writer *w)
{
    if (!w)
        return;
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
        free(w->col[c]);
        if (w->dict[c])
            ks_intern_free(w->dict[c]);
    }
    free(w->bag_end);
    free(w->kv_key);
    free(w->kv_voff);
    free(w->kv_vlen);
    ks_store_sbuf_free(&w->vals);
    ks_store_sbuf_free(&w->raw);
    free(w->perm);
    free(w->set);
    free(w->keys);
    free(w->bloom);
    free(w->order);
    ZSTD_freeCCtx(w->cctx);
    free(w);
}

void ks_store_seg_writer_reset(struct ks_store_seg_writer *w)
{
    w->n = 0;
    w->nkv = 0;
    w->vals.len = 0;
    w->bytes = 0;
    w->min_ts = INT64_MAX;
    w->max_ts = INT64_MIN;
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
        if (w->dict[c]) {
            uint32_t id;
            ks_intern_reset(w->dict[c]);
            (void)ks_intern_put(w->dict[c], "", 0, &id); /* cannot fail: first chunk is kept */
        }
        w->last_id[c] = 0;
    }
    memset(w->bag_last, 0, sizeof(w->bag_last));
}

uint32_t ks_store_seg_writer_rows(const struct ks_store_seg_writer *w) { return w->n; }

bool ks_store_seg_writer_full(const struct ks_store_seg_writer *w)
{
    if (w->n >= w->target_rows || w->bytes >= w->target_bytes)
        return true;
    /* Time partitions, but never segments smaller than one row group: input whose time runs
     * backwards (concatenated logs, late records) would otherwise publish a tiny segment, with
     * its fsyncs, at every jump. */
    return w->n >= KS_SEG_GROUP_ROWS &&
           (uint64_t)w->max_ts - (uint64_t)w->min_ts >= (uint64_t)KS_SEG_TARGET_SPAN;
}

static int grow_rows(struct ks_store_seg_writer *w)
{
    uint32_t cap = w->cap ? w->cap * 2 : 4096;
    if (cap > w->max_rows)
        cap = w->max_rows;
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
        size_t es = elem_size(c);
        if (!es)
            continue;
        void *p = realloc(w->col[c], es * cap);
        if (!p)
            return KS_ENOMEM;
        w->col[c] = p;
    }
    uint32_t *be = realloc(w->bag_end, sizeof(*be) * cap);
    if (!be)
        return KS_ENOMEM;
    w->bag_end = be;
    w->cap = cap;
    return 0;
}

static int grow_kv(struct ks_store_seg_writer *w, uint32_t need)
{
    uint64_t cap = w->kv_cap ? w->kv_cap : 4096;
    while (cap < (uint64_t)w->nkv + need)
        cap *= 2;
    if (cap > UINT32_MAX)
        return KS_ETOOBIG;
    uint32_t *a = realloc(w->kv_key, sizeof(*a) * cap);
    if (!a)
        return KS_ENOMEM;
    w->kv_key = a;
    a = realloc(w->kv_voff, sizeof(*a) * cap);
    if (!a)
        return KS_ENOMEM;
    w->kv_voff = a;
    a = realloc(w->kv_vlen, sizeof(*a) * cap);
    if (!a)
        return KS_ENOMEM;
    w->kv_vlen = a;
    w->kv_cap = (uint32_t)cap;
    return 0;
}

/* Interns s into col's dictionary, with a one-entry cache of the column's last string. */
static inline int put_str(struct ks_store_seg_writer *w, unsigned col, uint32_t *last,
                          struct ks_sv s, uint32_t *id)
{
    if (s.n == 0) {
        *id = 0;
        return 0;
    }
    struct ks_intern *d = w->dict[col];
    struct ks_sv prev = ks_intern_get(d, *last);
    if (prev.n == s.n && memcmp(prev.p, s.p, s.n) == 0) {
        *id = *last;
        return 0;
    }
    uint32_t before = ks_intern_count(d);
    int rc = ks_intern_put(d, s.p, s.n, id);
    if (rc < 0)
        return rc;
    if (ks_intern_count(d) != before)
        w->bytes += s.n + 16;
    *last = *id;
    return 0;
}

int ks_store_seg_writer_append(struct ks_store_seg_writer *w, const struct ks_event *ev)
{
    int rc;
    if (w->n >= w->max_rows)
        return KS_ETOOBIG;
    size_t add = w->row_bytes + (size_t)ev->nbag * 12;
    for (uint32_t k = 0; k < ev->nbag; k++) {
        if (ev->bag[k].val.n > KS_SEG_MAX_STRING || ev->bag[k].key.n > KS_SEG_MAX_STRING)
            return KS_ETOOBIG;
        add += ev->bag[k].val.n;
    }
    if (ev->nbag > KS_EVENT_MAX_BAG)
        return KS_EINVAL;
    if (ev->session.n > KS_SEG_MAX_STRING || ev->object.n > KS_SEG_MAX_STRING)
        return KS_ETOOBIG;
    add += ev->session.n + ev->object.n;
    if (w->bytes + add > w->max_bytes)
        return KS_ETOOBIG;
    if (w->n == w->cap && (rc = grow_rows(w)) < 0)
        return rc;
    if (w->nkv + ev->nbag > w->kv_cap && (rc = grow_kv(w, ev->nbag)) < 0)
        return rc;
    if ((rc = ks_store_sbuf_reserve(&w->vals, add)) < 0)
        return rc;

    uint32_t i = w->n;
#define PUT_TS(name) ((int64_t *)w->col[KS_F_##name])[i] = ev->name;
#define PUT_U8(name) ((uint8_t *)w->col[KS_F_##name])[i] = ev->name;
#define PUT_U16(name) ((uint16_t *)w->col[KS_F_##name])[i] = ev->name;
#define PUT_U32(name) ((uint32_t *)w->col[KS_F_##name])[i] = ev->name;
#define PUT_U64(name) ((uint64_t *)w->col[KS_F_##name])[i] = ev->name;
#define PUT_ADDR(name) ((struct ks_addr *)w->col[KS_F_##name])[i] = ev->name;
#define PUT_STR(name)                                                                              \
    if (coltype(KS_F_##name) == KS_SEG_CT_STRR) {                                                  \
        struct ks_sv v_ = ev->name;                                                                \
        uint32_t *ref_ = &((uint32_t *)w->col[KS_F_##name])[2 * (size_t)i];                        \
        ref_[0] = (uint32_t)w->vals.len;                                                           \
        ref_[1] = (uint32_t)v_.n;                                                                  \
        if (v_.n)                                                                                  \
            memcpy(w->vals.p + w->vals.len, v_.p, v_.n);                                           \
        w->vals.len += v_.n;                                                                       \
    } else if ((rc = put_str(w, KS_F_##name, &w->last_id[KS_F_##name], ev->name,                   \
                             &((uint32_t *)w->col[KS_F_##name])[i])) < 0) {                        \
        return rc;                                                                                 \
    }
#define KS_EVENT_FIELD(name, type, ecs) PUT_##type(name)
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    ((uint32_t *)w->col[KS_SEG_COL_SOURCE_ID])[i] = ev->source_id;
    ((uint64_t *)w->col[KS_SEG_COL_OFFSET])[i] = ev->offset;
    for (uint32_t k = 0; k < ev->nbag; k++) {
        uint32_t slot = k < BAG_POS_CACHE ? k : BAG_POS_CACHE - 1, id;
        if ((rc = put_str(w, KS_SEG_COL_BAG_KEYS, &w->bag_last[slot], ev->bag[k].key, &id)) < 0)
            return rc;
        struct ks_sv v = ev->bag[k].val;
        w->kv_key[w->nkv] = id;
        w->kv_voff[w->nkv] = (uint32_t)w->vals.len;
        w->kv_vlen[w->nkv] = (uint32_t)v.n;
        if (v.n)
            memcpy(w->vals.p + w->vals.len, v.p, v.n);
        w->vals.len += v.n;
        w->nkv++;
    }
    w->bag_end[i] = w->nkv;
    if (ev->ts < w->min_ts)
        w->min_ts = ev->ts;
    if (ev->ts > w->max_ts)
        w->max_ts = ev->ts;
    w->bytes += add;
    w->n++;
    return 0;
}

/* ---------------------------------------------------------------- seal */

struct sort_ctx {
    const uint32_t *obs;
    const int64_t *ts;
};

static int cmp_row(const void *a, const void *b, void *arg)
{
    const struct sort_ctx *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (c->obs[x] != c->obs[y])
        return c->obs[x] < c->obs[y] ? -1 : 1;
    if (c->ts[x] != c->ts[y])
        return c->ts[x] < c->ts[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int sort_rows(struct ks_store_seg_writer *w)
{
    uint32_t n = w->n;
    const uint32_t *obs = w->col[KS_F_observer];
    const int64_t *ts = w->col[KS_F_ts];
    uint32_t *perm = realloc(w->perm, sizeof(*perm) * (n ? n : 1));
    if (!perm)
        return KS_ENOMEM;
    w->perm = perm;
    bool sorted = true;
    for (uint32_t i = 1; i < n && sorted; i++)
        sorted = ts[i - 1] <= ts[i];
    if (sorted) {
        uint32_t nobs = ks_intern_count(w->dict[KS_F_observer]);
        uint32_t *cnt = calloc((size_t)nobs + 1, sizeof(*cnt));
        if (!cnt)
            return KS_ENOMEM;
        for (uint32_t i = 0; i < n; i++)
            cnt[obs[i] + 1]++;
        for (uint32_t o = 1; o <= nobs; o++)
            cnt[o] += cnt[o - 1];
        for (uint32_t i = 0; i < n; i++)
            perm[cnt[obs[i]]++] = i;
        free(cnt);
        return 0;
    }
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    struct sort_ctx c = {obs, ts};
    qsort_r(perm, n, sizeof(*perm), cmp_row, &c);
    return 0;
}

/* Appends one block (header + payload) holding raw[0..rawlen) to out. */
static int put_block(struct ks_store_seg_writer *w, struct ks_store_sbuf *out, const uint8_t *raw,
                     size_t rawlen, bool compress, uint64_t *off, uint32_t *len)
{
    if (rawlen > KS_SEG_MAX_BLOCK)
        return KS_ETOOBIG;
    size_t bound = ZSTD_compressBound(rawlen);
    int rc = ks_store_sbuf_reserve(out, KS_SEG_BLOCK_HDR + KS_MAX(bound, rawlen));
    if (rc < 0)
        return rc;
    uint8_t *h = out->p + out->len, *dst = h + KS_SEG_BLOCK_HDR;
    uint32_t codec = KS_SEG_CODEC_RAW;
    size_t clen = rawlen;
    if (compress && rawlen >= 64) {
        size_t r = ZSTD_compressCCtx(w->cctx, dst, bound, raw, rawlen, w->level);
        if (!ZSTD_isError(r) && r < rawlen) {
            codec = KS_SEG_CODEC_ZSTD;
            clen = r;
        }
    }
    if (codec == KS_SEG_CODEC_RAW && rawlen)
        memcpy(dst, raw, rawlen);
    ks_put_le32(h, (uint32_t)clen);
    ks_put_le32(h + 4, (uint32_t)rawlen);
    ks_put_le32(h + 8, codec);
    ks_put_le64(h + 12,
                XXH64(dst, clen, ks_store_seg_block_seed((uint32_t)clen, (uint32_t)rawlen, codec)));
    *off = out->len;
    *len = (uint32_t)(KS_SEG_BLOCK_HDR + clen);
    out->len += KS_SEG_BLOCK_HDR + clen;
    return 0;
}

/* Division and divisibility by 10^e with constant divisors (multiply-shift, not div). */
#define P10_CASES(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9)
static inline uint64_t udiv10e(uint64_t v, unsigned e)
{
    switch (e) {
#define X(k) case k: return v / (uint64_t)pow10_tab_##k;
        P10_CASES(X)
#undef X
    }
    return v;
}

static inline int64_t sdiv10e(int64_t v, unsigned e)
{
    switch (e) {
#define X(k) case k: return v / (int64_t)pow10_tab_##k;
        P10_CASES(X)
#undef X
    }
    return v;
}

static unsigned pow10_divisor(const uint64_t *v, uint32_t n)
{
    unsigned e = 9;
    for (uint32_t i = 0; i < n && e; i++)
        while (e && udiv10e(v[i], e) * pow10_tab[e] != v[i])
            e--;
    return e;
}

/* Encodes column col of rows perm[0..n) into w->raw. */
static int encode_col(struct ks_store_seg_writer *w, unsigned col, const uint32_t *perm, uint32_t n,
                      int64_t base)
{
    struct ks_store_sbuf *b = &w->raw;
    b->len = 0;
    int rc = 0;
    uint8_t *p;
    switch (coltype(col)) {
    case KS_SEG_CT_TS: {
        const int64_t *ts = w->col[col];
        uint64_t *d = (uint64_t *)w->keys; /* scratch: n entries */
        uint64_t prev = (uint64_t)base;
        unsigned e = 9;
        for (uint32_t i = 0; i < n; i++) {
            int64_t delta = (int64_t)((uint64_t)ts[perm[i]] - prev);
            prev = (uint64_t)ts[perm[i]];
            d[i] = (uint64_t)delta;
            while (e && sdiv10e(delta, e) * (int64_t)pow10_tab[e] != delta)
                e--;
        }
        if ((rc = ks_store_sbuf_reserve(b, 1 + (size_t)n * 10)) < 0)
            return rc;
        p = b->p;
        *p++ = (uint8_t)e;
        for (uint32_t i = 0; i < n; i++)
            p = ks_put_varint(p, ks_zigzag(sdiv10e((int64_t)d[i], e)));
        break;
    }
    case KS_SEG_CT_U8: {
        const uint8_t *v = w->col[col];
        if ((rc = ks_store_sbuf_reserve(b, n)) < 0)
            return rc;
        p = b->p;
        for (uint32_t i = 0; i < n; i++)
            *p++ = v[perm[i]];
        break;
    }
    case KS_SEG_CT_U16: {
        const uint16_t *v = w->col[col];
        if ((rc = ks_store_sbuf_reserve(b, (size_t)n * 2)) < 0)
            return rc;
        p = b->p;
        for (uint32_t i = 0; i < n; i++) {
            p[i] = (uint8_t)v[perm[i]];
            p[n + i] = (uint8_t)(v[perm[i]] >> 8);
        }
        p += (size_t)n * 2;
        break;
    }
    case KS_SEG_CT_U32: {
        const uint32_t *v = w->col[col];
        if ((rc = ks_store_sbuf_reserve(b, (size_t)n * 5)) < 0)
            return rc;
        p = b->p;
        for (uint32_t i = 0; i < n; i++)
            p = ks_put_varint(p, v[perm[i]]);
        break;
    }
    case KS_SEG_CT_U64: {
        const uint64_t *v = w->col[col];
        uint64_t *d = w->keys;
        for (uint32_t i = 0; i < n; i++)
            d[i] = v[perm[i]];
        unsigned e = pow10_divisor(d, n);
        if ((rc = ks_store_sbuf_reserve(b, 1 + (size_t)n * 10)) < 0)
            return rc;
        p = b->p;
        *p++ = (uint8_t)e;
        for (uint32_t i = 0; i < n; i++)
            p = ks_put_varint(p, udiv10e(d[i], e));
        break;
    }
    case KS_SEG_CT_OFFSET: {
        const uint64_t *v = w->col[col];
        if ((rc = ks_store_sbuf_reserve(b, (size_t)n * 10)) < 0)
            return rc;
        p = b->p;
        uint64_t prev = 0;
        for (uint32_t i = 0; i < n; i++) {
            p = ks_put_varint(p, ks_zigzag((int64_t)(v[perm[i]] - prev)));
            prev = v[perm[i]];
        }
        break;
    }
    case KS_SEG_CT_ADDR: {
        const struct ks_addr *v = w->col[col];
        if ((rc = ks_store_sbuf_reserve(b, (size_t)n * 17)) < 0)
            return rc;
        p = b->p;
        uint8_t *q = p + n;
        for (uint32_t i = 0; i < n; i++) {
            const struct ks_addr *a = &v[perm[i]];
            if (a->family == 0) {
                p[i] = 0;
            } else if (a->family == 4) {
                p[i] = 4;
                memcpy(q, a->b + 12, 4);
                q += 4;
            } else {
                p[i] = 6;
                memcpy(q, a->b, 16);
                q += 16;
            }
        }
        p = q;
        break;
    }
    case KS_SEG_CT_STR: {
        const uint32_t *v = w->col[col];
        uint32_t mx = 0;
        for (uint32_t i = 0; i < n; i++)
            mx = KS_MAX(mx, v[perm[i]]);
        unsigned wd = mx < 256 ? 1 : mx < 65536 ? 2 : 4;
        if ((rc = ks_store_sbuf_reserve(b, 1 + (size_t)n * wd)) < 0)
            return rc;
        p = b->p;
        *p++ = (uint8_t)wd;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = v[perm[i]];
            if (wd == 1) {
                *p++ = (uint8_t)id;
            } else if (wd == 2) {
                *p++ = (uint8_t)id;
                *p++ = (uint8_t)(id >> 8);
            } else {
                ks_put_le32(p, id);
                p += 4;
            }
        }
        break;
    }
    case KS_SEG_CT_STRR: {
        const uint32_t *ref = w->col[col];
        size_t need = 0;
        for (uint32_t i = 0; i < n; i++)
            need += 5 + ref[2 * (size_t)perm[i] + 1];
        if ((rc = ks_store_sbuf_reserve(b, need)) < 0)
            return rc;
        p = b->p;
        for (uint32_t i = 0; i < n; i++)
            p = ks_put_varint(p, ref[2 * (size_t)perm[i] + 1]);
        for (uint32_t i = 0; i < n; i++) {
            const uint32_t *r2 = &ref[2 * (size_t)perm[i]];
            memcpy(p, w->vals.p + r2[0], r2[1]);
            p += r2[1];
        }
        break;
    }
    case KS_SEG_CT_BAGK: {
        size_t need = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = perm[i], s = r ? w->bag_end[r - 1] : 0;
            need += 5 + (size_t)(w->bag_end[r] - s) * 5;
        }
        if ((rc = ks_store_sbuf_reserve(b, need)) < 0)
            return rc;
        p = b->p;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = perm[i], s = r ? w->bag_end[r - 1] : 0, e = w->bag_end[r];
            p = ks_put_varint(p, e - s);
            for (uint32_t k = s; k < e; k++)
                p = ks_put_varint(p, w->kv_key[k]);
        }
        break;
    }
    case KS_SEG_CT_BAGV: {
        /* values grouped by key (a stable counting sort of the group's kvs by key id), all
         * lengths first, then all bytes: each key's values end up side by side for zstd */
        size_t need = 0;
        uint32_t total = 0, nkeys = ks_intern_count(w->dict[KS_SEG_COL_BAG_KEYS]);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = perm[i], s = r ? w->bag_end[r - 1] : 0;
            total += w->bag_end[r] - s;
            for (uint32_t k = s; k < w->bag_end[r]; k++)
                need += 5 + w->kv_vlen[k];
        }
        if (w->order_cap < total) {
            uint32_t *o = realloc(w->order, sizeof(*o) * total);
            if (!o)
                return KS_ENOMEM;
            w->order = o;
            w->order_cap = total;
        }
        uint32_t *order = w->order;
        uint32_t *cnt = calloc((size_t)nkeys + 1, sizeof(*cnt));
        if (!cnt || (rc = ks_store_sbuf_reserve(b, need)) < 0) {
            free(cnt);
            return cnt ? rc : KS_ENOMEM;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = perm[i], s = r ? w->bag_end[r - 1] : 0;
            for (uint32_t k = s; k < w->bag_end[r]; k++)
                cnt[w->kv_key[k] + 1]++;
        }
        for (uint32_t k = 1; k <= nkeys; k++)
            cnt[k] += cnt[k - 1];
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = perm[i], s = r ? w->bag_end[r - 1] : 0;
            for (uint32_t k = s; k < w->bag_end[r]; k++)
                order[cnt[w->kv_key[k]]++] = k;
        }
        p = b->p;
        for (uint32_t j = 0; j < total; j++)
            p = ks_put_varint(p, w->kv_vlen[order[j]]);
        for (uint32_t j = 0; j < total; j++) {
            uint32_t k = order[j];
            memcpy(p, w->vals.p + w->kv_voff[k], w->kv_vlen[k]);
            p += w->kv_vlen[k];
        }
        free(cnt);
        break;
    }
    default:
        return KS_EINVAL;
    }
    b->len = (size_t)(p - b->p);
    return 0;
}

/* Distinct-key set for sizing a group's bloom filter: open addressing over w->set, the keys
 * also listed in w->keys (so clearing touches only used slots). Grows when half full. */
static int set_grow(struct ks_store_seg_writer *w, uint32_t nkeys)
{
    size_t slots = ((size_t)w->set_mask + 1) * 2;
    uint64_t *ns = calloc(slots, sizeof(*ns));
    if (!ns)
        return KS_ENOMEM;
    for (uint32_t k = 0; k < nkeys; k++) {
        uint32_t i = (uint32_t)(w->keys[k] >> 20) & (uint32_t)(slots - 1);
        while (ns[i])
            i = (i + 1) & (uint32_t)(slots - 1);
        ns[i] = w->keys[k];
    }
    free(w->set);
    w->set = ns;
    w->set_mask = (uint32_t)(slots - 1);
    return 0;
}

static inline int set_add(struct ks_store_seg_writer *w, uint32_t *nkeys, uint64_t key)
{
    uint32_t i = (uint32_t)(key >> 20) & w->set_mask;
    while (w->set[i]) {
        if (w->set[i] == key)
            return 0;
        i = (i + 1) & w->set_mask;
    }
    w->set[i] = key;
    w->keys[(*nkeys)++] = key;
    if ((uint64_t)*nkeys * 2 > (uint64_t)w->set_mask + 1)
        return set_grow(w, *nkeys);
    return 0;
}

static void set_clear(struct ks_store_seg_writer *w, uint32_t nkeys)
{
    for (uint32_t k = 0; k < nkeys; k++) {
        uint32_t i = (uint32_t)(w->keys[k] >> 20) & w->set_mask;
        while (w->set[i]) {
            w->set[i] = 0;
            i = (i + 1) & w->set_mask;
        }
    }
}

static const unsigned bloom_str_cols[] = {KS_F_user, KS_F_src_host, KS_F_dst_host, KS_F_observer};

/* Builds the bloom filter of rows perm[0..n) into index (u64 words). OUT *words. */
static int build_bloom(struct ks_store_seg_writer *w, const uint32_t *perm, uint32_t n,
                       struct ks_store_sbuf *index, uint32_t *words)
{
    uint32_t nkeys = 0, prev[KS_ARRAY_LEN(bloom_str_cols)] = {0};
    int rc = 0;
    const struct ks_addr *src = w->col[KS_F_src], *dst = w->col[KS_F_dst];
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        uint32_t r = perm[i];
        if (src[r].family)
            rc = set_add(w, &nkeys, ks_store_seg_bloom_key_addr(&src[r]));
        if (dst[r].family && rc == 0)
            rc = set_add(w, &nkeys, ks_store_seg_bloom_key_addr(&dst[r]));
        for (unsigned c = 0; c < KS_ARRAY_LEN(bloom_str_cols) && rc == 0; c++) {
            uint32_t id = ((const uint32_t *)w->col[bloom_str_cols[c]])[r];
            if (id && id != prev[c]) /* runs of one id (rows are sorted by observer) */
                rc = set_add(w, &nkeys, ks_store_seg_bloom_key_id(bloom_str_cols[c], id));
            prev[c] = id;
        }
    }
    if (rc < 0) {
        set_clear(w, nkeys);
        return rc;
    }
    uint64_t bits = 64;
    while (bits < (uint64_t)nkeys * 10)
        bits *= 2;
    uint32_t nw = (uint32_t)(bits / 64);
    uint64_t *wd = NULL; /* realloc into a temporary: on failure w->bloom stays owned */
    if ((rc = ks_store_sbuf_reserve(index, (size_t)nw * 8)) < 0 ||
        !(wd = realloc(w->bloom, (size_t)nw * 8))) {
        set_clear(w, nkeys);
        return rc < 0 ? rc : KS_ENOMEM;
    }
    w->bloom = wd;
    memset(wd, 0, (size_t)nw * 8);
    for (uint32_t k = 0; k < nkeys; k++)
        bloom_set(wd, nw, w->keys[k]);
    for (uint32_t k = 0; k < nw; k++)
        ks_put_le64(index->p + index->len + (size_t)k * 8, wd[k]);
    index->len += (size_t)nw * 8;
    *words = nw;
    set_clear(w, nkeys);
    return 0;
}

struct group_meta {
    uint32_t rows;
    int64_t min_ts, max_ts;
    uint32_t obs_min, obs_max, kind_mask, bloom_off, bloom_words;
    uint64_t off[KS_SEG_NCOLS];
    uint32_t len[KS_SEG_NCOLS];
};

static int sb_put(struct ks_store_sbuf *b, const void *p, size_t n)
{
    int rc = ks_store_sbuf_reserve(b, n);
    if (rc < 0)
        return rc;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}
static int sb_u8(struct ks_store_sbuf *b, uint8_t v) { return sb_put(b, &v, 1); }
static int sb_u16(struct ks_store_sbuf *b, uint16_t v)
{
    uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return sb_put(b, t, 2);
}
static int sb_u32(struct ks_store_sbuf *b, uint32_t v)
{
    uint8_t t[4];
    ks_put_le32(t, v);
    return sb_put(b, t, 4);
}
static int sb_u64(struct ks_store_sbuf *b, uint64_t v)
{
    uint8_t t[8];
    ks_put_le64(t, v);
    return sb_put(b, t, 8);
}

static bool bytes_zero(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 256 <= n; i += 256) {
        for (size_t k = 0; k < 256; k += 8) {
            uint64_t x;
            memcpy(&x, p + i + k, 8);
            acc |= x;
        }
        if (acc)
            return false;
    }
    for (; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* True when every row of the open segment holds 0 / empty in col (empty flow fields such as
 * user or code): such columns are written as empty payloads and cost nothing to encode. */
static bool column_is_zero(const struct ks_store_seg_writer *w, unsigned col)
{
    uint8_t t = coltype(col);
    if (t == KS_SEG_CT_BAGK || t == KS_SEG_CT_BAGV)
        return w->nkv == 0;
    if (t == KS_SEG_CT_STRR) {
        const uint32_t *ref = w->col[col];
        for (uint32_t i = 0; i < w->n; i++)
            if (ref[2 * (size_t)i + 1])
                return false;
        return true;
    }
    return bytes_zero(w->col[col], (size_t)w->n * elem_size(col));
}

int ks_store_seg_writer_seal(struct ks_store_seg_writer *w, struct ks_store_sbuf *out,
                             struct ks_store_seg_meta *meta)
{
    int rc;
    uint32_t n = w->n, ngroups = (n + KS_SEG_GROUP_ROWS - 1) / KS_SEG_GROUP_ROWS;
    struct group_meta *gm = NULL;
    struct ks_store_sbuf index = {0}, foot = {0};
    uint64_t *ds_count = NULL;
    struct day_count *days = NULL;
    size_t ndays = 0, days_cap = 0;
    uint64_t kinds[256] = {0};
    uint64_t dict_off[KS_SEG_NCOLS] = {0};
    uint32_t dict_len[KS_SEG_NCOLS] = {0};
    uint64_t index_off;
    uint32_t index_len;
    size_t base = out->len;

    if (n == 0)
        return KS_EINVAL;
    if ((rc = sort_rows(w)) < 0)
        return rc;
    /* scratch sized for one group: keys (distinct set + u64 staging), the set */
    size_t nkeys_max = (size_t)KS_SEG_GROUP_ROWS * (2 + KS_ARRAY_LEN(bloom_str_cols));
    if (!w->keys)
        w->keys = malloc(sizeof(*w->keys) * nkeys_max);
    if (!w->set) {
        w->set = calloc(16384, sizeof(*w->set));
        w->set_mask = 16383;
    }
    gm = calloc(ngroups, sizeof(*gm));
    uint32_t nds = ks_intern_count(w->dict[KS_F_dataset]);
    ds_count = calloc(nds, sizeof(*ds_count));
    if (!w->keys || !w->set || !gm || !ds_count) {
        rc = KS_ENOMEM;
        goto out;
    }

    static const uint8_t hdr[KS_SEG_HEADER_LEN] = {'K', 'S', 'S', 'E', 'G', 0, 0, 0,
                                                   KS_SEG_VERSION, 0, 0, 0, 4, 3, 2, 1};
    if ((rc = sb_put(out, hdr, sizeof(hdr))) < 0)
        goto out;

    bool zero[KS_SEG_NCOLS];
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++)
        zero[c] = column_is_zero(w, c);
    const int64_t *ts = w->col[KS_F_ts];
    const uint32_t *obs = w->col[KS_F_observer];
    const uint8_t *kind = w->col[KS_F_kind];
    const uint32_t *dsid = w->col[KS_F_dataset];
    for (uint32_t g = 0; g < ngroups; g++) {
        const uint32_t *perm = w->perm + (size_t)g * KS_SEG_GROUP_ROWS;
        uint32_t gn = KS_MIN(KS_SEG_GROUP_ROWS, n - g * KS_SEG_GROUP_ROWS);
        struct group_meta *m = &gm[g];
        m->rows = gn;
        m->min_ts = INT64_MAX;
        m->max_ts = INT64_MIN;
        m->obs_min = UINT32_MAX;
        for (uint32_t i = 0; i < gn; i++) {
            uint32_t r = perm[i];
            m->min_ts = KS_MIN(m->min_ts, ts[r]);
            m->max_ts = KS_MAX(m->max_ts, ts[r]);
            m->obs_min = KS_MIN(m->obs_min, obs[r]);
            m->obs_max = KS_MAX(m->obs_max, obs[r]);
            m->kind_mask |= kind[r] < 32 ? 1u << kind[r] : 0;
            kinds[kind[r]]++;
            ds_count[dsid[r]]++;
            if (ndays && ts[r] >= days[ndays - 1].day &&
                (uint64_t)ts[r] - (uint64_t)days[ndays - 1].day < (uint64_t)DAY_NS) {
                days[ndays - 1].n++;
                continue;
            }
            int64_t day = ks_store_seg_day_start(ts[r]);
            if (!ndays || days[ndays - 1].day != day) {
                size_t k = 0;
                while (k < ndays && days[k].day != day)
                    k++;
                if (k == ndays) {
                    if (ndays == days_cap) {
                        size_t nc = days_cap ? days_cap * 2 : 8;
                        struct day_count *d2 = realloc(days, sizeof(*d2) * nc);
                        if (!d2) {
                            rc = KS_ENOMEM;
                            goto out;
                        }
                        days = d2;
                        days_cap = nc;
                    }
                    days[ndays++] = (struct day_count){day, 0};
                } else if (k != ndays - 1) {
                    struct day_count t = days[k]; /* keep the hot day last */
                    days[k] = days[ndays - 1];
                    days[ndays - 1] = t;
                }
            }
            days[ndays - 1].n++;
        }
        for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
            if (zero[c])
                w->raw.len = 0; /* an empty payload: every row is 0 / empty */
            else if ((rc = encode_col(w, c, perm, gn, m->min_ts)) < 0)
                goto out;
            if ((rc = put_block(w, out, w->raw.p, w->raw.len, true, &m->off[c], &m->len[c])) < 0)
                goto out;
            m->off[c] -= base;
        }
        m->bloom_off = (uint32_t)(index.len / 8);
        if ((rc = build_bloom(w, perm, gn, &index, &m->bloom_words)) < 0)
            goto out;
    }
    /* dictionaries */
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
        if (!w->dict[c])
            continue;
        struct ks_intern *d = w->dict[c];
        uint32_t cnt = ks_intern_count(d);
        w->raw.len = 0;
        if ((rc = ks_store_sbuf_reserve(&w->raw, ks_intern_bytes(d) + (size_t)cnt * 5 + 16)) < 0)
            goto out;
        uint8_t *p = w->raw.p;
        for (uint32_t id = 0; id < cnt; id++) {
            struct ks_sv s = ks_intern_get(d, id);
            if ((size_t)(w->raw.p + w->raw.cap - p) < s.n + 10) {
                size_t used = (size_t)(p - w->raw.p);
                w->raw.len = used;
                if ((rc = ks_store_sbuf_reserve(&w->raw, s.n + 10)) < 0)
                    goto out;
                p = w->raw.p + used;
            }
            p = ks_put_varint(p, s.n);
            memcpy(p, s.p, s.n);
            p += s.n;
        }
        w->raw.len = (size_t)(p - w->raw.p);
        if ((rc = put_block(w, out, w->raw.p, w->raw.len, true, &dict_off[c], &dict_len[c])) < 0)
            goto out;
        dict_off[c] -= base;
    }
    if ((rc = put_block(w, out, index.p, index.len, false, &index_off, &index_len)) < 0)
        goto out;
    index_off -= base;

    /* footer */
    uint64_t foot_off = out->len - base;
    rc = sb_u32(&foot, KS_SEG_NCOLS);
    for (unsigned c = 0; c < KS_SEG_NCOLS && rc == 0; c++) {
        rc = sb_u16(&foot, ks_store_seg_col_id(c));
        rc = rc ? rc : sb_u8(&foot, coltype(c));
        rc = rc ? rc : sb_u8(&foot, 0);
    }
    rc = rc ? rc : sb_u64(&foot, n);
    rc = rc ? rc : sb_u64(&foot, (uint64_t)w->min_ts);
    rc = rc ? rc : sb_u64(&foot, (uint64_t)w->max_ts);
    rc = rc ? rc : sb_u32(&foot, KS_SEG_GROUP_ROWS);
    uint32_t ndicts = 0;
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++)
        ndicts += w->dict[c] != NULL;
    rc = rc ? rc : sb_u32(&foot, ndicts);
    for (unsigned c = 0; c < KS_SEG_NCOLS && rc == 0; c++) {
        if (!w->dict[c])
            continue;
        rc = sb_u16(&foot, ks_store_seg_col_id(c));
        rc = rc ? rc : sb_u16(&foot, 0);
        rc = rc ? rc : sb_u64(&foot, dict_off[c]);
        rc = rc ? rc : sb_u32(&foot, dict_len[c]);
        rc = rc ? rc : sb_u32(&foot, ks_intern_count(w->dict[c]));
    }
    rc = rc ? rc : sb_u64(&foot, index_off);
    rc = rc ? rc : sb_u32(&foot, index_len);
    rc = rc ? rc : sb_u32(&foot, ngroups);
    for (uint32_t g = 0; g < ngroups && rc == 0; g++) {
        struct group_meta *m = &gm[g];
        rc = sb_u32(&foot, m->rows);
        rc = rc ? rc : sb_u64(&foot, (uint64_t)m->min_ts);
        rc = rc ? rc : sb_u64(&foot, (uint64_t)m->max_ts);
        rc = rc ? rc : sb_u32(&foot, m->obs_min);
        rc = rc ? rc : sb_u32(&foot, m->obs_max);
        rc = rc ? rc : sb_u32(&foot, m->kind_mask);
        rc = rc ? rc : sb_u32(&foot, m->bloom_off);
        rc = rc ? rc : sb_u32(&foot, m->bloom_words);
        for (unsigned c = 0; c < KS_SEG_NCOLS && rc == 0; c++) {
            rc = sb_u64(&foot, m->off[c]);
            rc = rc ? rc : sb_u32(&foot, m->len[c]);
        }
    }
    uint32_t nk = 0;
    for (unsigned k = 0; k < 256; k++)
        nk += kinds[k] != 0;
    rc = rc ? rc : sb_u32(&foot, nk);
    for (unsigned k = 0; k < 256 && rc == 0; k++) {
        if (!kinds[k])
            continue;
        rc = sb_u8(&foot, (uint8_t)k);
        rc = rc ? rc : sb_u64(&foot, kinds[k]);
    }
    uint32_t ndsn = 0;
    for (uint32_t d = 0; d < nds; d++)
        ndsn += ds_count[d] != 0;
    rc = rc ? rc : sb_u32(&foot, ndsn);
    for (uint32_t d = 0; d < nds && rc == 0; d++) {
        if (!ds_count[d])
            continue;
        struct ks_sv s = ks_intern_get(w->dict[KS_F_dataset], d);
        uint16_t l = (uint16_t)KS_MIN(s.n, 65535u);
        rc = sb_u16(&foot, l);
        rc = rc ? rc : sb_put(&foot, s.p, l);
        rc = rc ? rc : sb_u64(&foot, ds_count[d]);
    }
    rc = rc ? rc : sb_u32(&foot, (uint32_t)ndays);
    for (size_t d = 0; d < ndays && rc == 0; d++) {
        rc = sb_u64(&foot, (uint64_t)days[d].day);
        rc = rc ? rc : sb_u64(&foot, days[d].n);
    }
    if (rc < 0)
        goto out;
    uint64_t fx = XXH64(foot.p, foot.len, 0);
    if ((rc = sb_put(out, foot.p, foot.len)) < 0)
        goto out;
    uint8_t tr[KS_SEG_TRAILER_LEN];
    ks_put_le64(tr, foot_off);
    ks_put_le32(tr + 8, (uint32_t)foot.len);
    ks_put_le32(tr + 12, KS_SEG_VERSION);
    ks_put_le64(tr + 16, fx);
    memcpy(tr + 24, KS_SEG_END_MAGIC, 8);
    if ((rc = sb_put(out, tr, sizeof(tr))) < 0)
        goto out;
    meta->rows = n;
    meta->min_ts = w->min_ts;
    meta->max_ts = w->max_ts;
    meta->footer_xxh = fx;
    rc = 0;
out:
    if (rc < 0)
        out->len = base;
    free(gm);
    free(ds_count);
    free(days);
    ks_store_sbuf_free(&index);
    ks_store_sbuf_free(&foot);
    return rc;
}
