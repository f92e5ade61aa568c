/* SPDX-License-Identifier: MIT */
/*
 * store_segread.c - the segment reader of the directory store: opens a sealed segment (from a
 * file with pread, or from memory for the fuzzer), checks header, trailer and footer, and then
 * reads only what a query needs: a dictionary to resolve an entity to its id, the bloom index,
 * and the column blocks of the row groups that can match. Every block is checked against its
 * xxh64 before it is decompressed; every decoded value is bounds-checked, so damaged or hostile
 * bytes give KS_ECORRUPT, never a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "store/store_int.h"

/* Fuzz builds that define this skip checksum comparisons so the fuzzer reaches the decoders
 * (the libFuzzer convention); release and test builds always check. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CHECKSUM_BAD(a, b) ((void)(a), (void)(b), 0)
#else
#define CHECKSUM_BAD(a, b) ((a) != (b))
#endif

static const uint64_t pow10_tab[10] = {1,         10,         100,        1000,      10000,
                                       100000,    1000000,    10000000,   100000000, 1000000000};

static int read_at(struct ks_store_seg_reader *r, uint64_t off, void *buf, size_t n)
{
    if (off > r->size || n > r->size - off)
        return KS_ECORRUPT;
    if (r->fd < 0) {
        if (n)
            memcpy(buf, r->mem + off, n);
        return 0;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(r->fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return KS_EIO;
        if (k == 0)
            return KS_ECORRUPT;
        done += (size_t)k;
    }
    return 0;
}

/* Buffer header: the size class, and the free-list link while cached. */
#define POOL_HDR 16

void *ks_store_seg_palloc(struct ks_store_seg_pool *pool, size_t n)
{
    unsigned cls = 6;
    while (cls < 47 && ((size_t)1 << cls) < n)
        cls++;
    if (((size_t)1 << cls) < n)
        return NULL;
    uint8_t *h;
    if (pool && (h = pool->head[cls])) {
        memcpy(&pool->head[cls], h + 8, sizeof(void *));
        pool->bytes -= (size_t)1 << cls;
        return h + POOL_HDR;
    }
    if (!(h = malloc(POOL_HDR + ((size_t)1 << cls))))
        return NULL;
    *(uint32_t *)h = cls;
    return h + POOL_HDR;
}

void ks_store_seg_pfree(struct ks_store_seg_pool *pool, void *p)
{
    if (!p)
        return;
    uint8_t *h = (uint8_t *)p - POOL_HDR;
    unsigned cls = *(uint32_t *)h;
    size_t cap = (size_t)1 << cls;
    if (pool && cap <= KS_SEG_POOL_MAX_BUF && pool->bytes + cap <= KS_SEG_POOL_MAX_BYTES) {
        memcpy(h + 8, &pool->head[cls], sizeof(void *));
        pool->head[cls] = h;
        pool->bytes += cap;
        return;
    }
    free(h);
}

void ks_store_seg_pool_free(struct ks_store_seg_pool *pool)
{
    for (unsigned c = 0; c < KS_ARRAY_LEN(pool->head); c++) {
        uint8_t *h = pool->head[c];
        while (h) {
            uint8_t *next;
            memcpy(&next, h + 8, sizeof(void *));
            free(h);
            h = next;
        }
        pool->head[c] = NULL;
    }
    pool->bytes = 0;
}

/* Reads, checks and decompresses the block at off/len. OUT *out (caller frees with
 * ks_store_seg_pfree(r->pool, ...)), *rawlen. */
static int load_block(struct ks_store_seg_reader *r, uint64_t off, uint32_t len, uint8_t **out,
                      uint32_t *rawlen)
{
    *out = NULL;
    *rawlen = 0;
    if (len < KS_SEG_BLOCK_HDR)
        return KS_ECORRUPT;
    if (off > r->size || len > r->size - off)
        return KS_ECORRUPT;
    if (r->ccap < len) {
        uint8_t *nb = realloc(r->cbuf, len);
        if (!nb)
            return KS_ENOMEM;
        r->cbuf = nb;
        r->ccap = len;
    }
    uint8_t *buf = r->cbuf, *raw = NULL;
    int rc = read_at(r, off, buf, len);
    if (rc < 0)
        return rc;
    uint32_t clen = ks_get_le32(buf), rl = ks_get_le32(buf + 4), codec = ks_get_le32(buf + 8);
    if (clen != len - KS_SEG_BLOCK_HDR || rl > KS_SEG_MAX_BLOCK || codec > KS_SEG_CODEC_ZSTD)
        return KS_ECORRUPT;
    if (CHECKSUM_BAD(XXH64(buf + KS_SEG_BLOCK_HDR, clen, ks_store_seg_block_seed(clen, rl, codec)),
                     ks_get_le64(buf + 12)))
        return KS_ECORRUPT;
    if (codec == KS_SEG_CODEC_RAW && rl != clen)
        return KS_ECORRUPT;
    if (codec == KS_SEG_CODEC_ZSTD) {
        unsigned long long fcs = ZSTD_getFrameContentSize(buf + KS_SEG_BLOCK_HDR, clen);
        if (fcs != rl)
            return KS_ECORRUPT;
    }
    if (!(raw = ks_store_seg_palloc(r->pool, rl)))
        return KS_ENOMEM;
    if (codec == KS_SEG_CODEC_RAW) {
        if (rl)
            memcpy(raw, buf + KS_SEG_BLOCK_HDR, rl);
    } else {
        if (!r->dctx && !(r->dctx = ZSTD_createDCtx())) {
            ks_store_seg_pfree(r->pool, raw);
            return KS_ENOMEM;
        }
        size_t d = ZSTD_decompressDCtx(r->dctx, raw, rl, buf + KS_SEG_BLOCK_HDR, clen);
        if (ZSTD_isError(d) || d != rl) {
            ks_store_seg_pfree(r->pool, raw);
            return KS_ECORRUPT;
        }
    }
    *out = raw;
    *rawlen = rl;
    return 0;
}

static int add_block_ref(struct ks_store_seg_reader *r, uint64_t off, uint32_t len, uint32_t *cap)
{
    if (r->nblocks == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 64;
        uint64_t *o = realloc(r->block_off, sizeof(*o) * nc);
        if (!o)
            return KS_ENOMEM;
        r->block_off = o;
        uint32_t *l = realloc(r->block_len, sizeof(*l) * nc);
        if (!l)
            return KS_ENOMEM;
        r->block_len = l;
        *cap = nc;
    }
    r->block_off[r->nblocks] = off;
    r->block_len[r->nblocks++] = len;
    return 0;
}

static int parse_footer(struct ks_store_seg_reader *r)
{
    struct ks_cur c = {r->footer, r->footer + r->footer_len, false};
    uint32_t bcap = 0;
    int rc;
    r->ncols = ks_cur_u32(&c);
    if (c.bad || r->ncols == 0 || r->ncols > 4096)
        return KS_ECORRUPT;
    r->file_col_id = calloc(r->ncols, sizeof(*r->file_col_id));
    r->file_col_type = calloc(r->ncols, 1);
    if (!r->file_col_id || !r->file_col_type)
        return KS_ENOMEM;
    for (uint32_t i = 0; i < r->ncols; i++) {
        r->file_col_id[i] = ks_cur_u16(&c);
        r->file_col_type[i] = ks_cur_u8(&c);
        if (ks_cur_u8(&c) != 0 || c.bad)
            return KS_ECORRUPT;
        int col = ks_store_seg_col_from_id(r->file_col_id[i]);
        if (col < 0)
            continue;
        if (r->file_col_type[i] != ks_store_seg_col_type((unsigned)col) || r->file_col[col] >= 0)
            return KS_ECORRUPT;
        r->file_col[col] = (int)i;
    }
    r->nrows = ks_cur_u64(&c);
    r->min_ts = (int64_t)ks_cur_u64(&c);
    r->max_ts = (int64_t)ks_cur_u64(&c);
    r->group_rows = ks_cur_u32(&c);
    uint32_t ndicts = ks_cur_u32(&c);
    if (c.bad || ndicts > r->ncols || r->min_ts > r->max_ts || r->nrows == 0)
        return KS_ECORRUPT;
    for (uint32_t i = 0; i < ndicts; i++) {
        uint16_t id = ks_cur_u16(&c);
        uint16_t pad = ks_cur_u16(&c);
        uint64_t off = ks_cur_u64(&c);
        uint32_t len = ks_cur_u32(&c), count = ks_cur_u32(&c);
        if (c.bad || pad || count == 0)
            return KS_ECORRUPT;
        if ((rc = add_block_ref(r, off, len, &bcap)) < 0)
            return rc;
        int col = ks_store_seg_col_from_id(id);
        if (col < 0)
            continue;
        if (!ks_store_seg_col_has_dict((unsigned)col) || r->file_col[col] < 0 || r->dict_len[col])
            return KS_ECORRUPT;
        r->dict_off[col] = off;
        r->dict_len[col] = len;
        r->dict_count[col] = count;
    }
    for (unsigned col = 0; col < KS_SEG_NCOLS; col++)
        if (ks_store_seg_col_has_dict(col) && r->file_col[col] >= 0 && !r->dict_len[col])
            return KS_ECORRUPT;
    r->index_off = ks_cur_u64(&c);
    r->index_len = ks_cur_u32(&c);
    if ((rc = add_block_ref(r, r->index_off, r->index_len, &bcap)) < 0)
        return rc;
    r->ngroups = ks_cur_u32(&c);
    size_t per_group = 40 + (size_t)r->ncols * 12;
    if (c.bad || r->ngroups == 0 || r->ngroups > (size_t)(c.end - c.p) / per_group)
        return KS_ECORRUPT;
    r->groups = calloc(r->ngroups, sizeof(*r->groups));
    uint64_t *offs = calloc((size_t)r->ngroups * r->ncols, sizeof(*offs));
    uint32_t *lens = calloc((size_t)r->ngroups * r->ncols, sizeof(*lens));
    if (!r->groups || !offs || !lens) {
        free(offs);
        free(lens);
        return KS_ENOMEM;
    }
    r->groups[0].col_off = offs; /* owned through group 0 */
    r->groups[0].col_len = lens;
    uint64_t total = 0;
    for (uint32_t g = 0; g < r->ngroups; g++) {
        struct ks_store_seg_group *gr = &r->groups[g];
        gr->rows = ks_cur_u32(&c);
        gr->min_ts = (int64_t)ks_cur_u64(&c);
        gr->max_ts = (int64_t)ks_cur_u64(&c);
        gr->obs_min = ks_cur_u32(&c);
        gr->obs_max = ks_cur_u32(&c);
        gr->kind_mask = ks_cur_u32(&c);
        gr->bloom_off = ks_cur_u32(&c);
        gr->bloom_words = ks_cur_u32(&c);
        gr->col_off = offs + (size_t)g * r->ncols;
        gr->col_len = lens + (size_t)g * r->ncols;
        for (uint32_t i = 0; i < r->ncols; i++) {
            gr->col_off[i] = ks_cur_u64(&c);
            gr->col_len[i] = ks_cur_u32(&c);
            if ((rc = add_block_ref(r, gr->col_off[i], gr->col_len[i], &bcap)) < 0)
                return rc;
        }
        if (c.bad || gr->rows == 0 || gr->min_ts > gr->max_ts || gr->obs_min > gr->obs_max ||
            gr->min_ts < r->min_ts || gr->max_ts > r->max_ts ||
            (gr->bloom_words & (gr->bloom_words - 1)))
            return KS_ECORRUPT;
        if (r->file_col[KS_F_observer] >= 0 && gr->obs_max >= r->dict_count[KS_F_observer])
            return KS_ECORRUPT;
        total += gr->rows;
    }
    if (total != r->nrows)
        return KS_ECORRUPT;
    uint32_t nk = ks_cur_u32(&c);
    if (c.bad || nk > 256)
        return KS_ECORRUPT;
    for (uint32_t i = 0; i < nk; i++) {
        uint8_t k = ks_cur_u8(&c);
        uint64_t n = ks_cur_u64(&c);
        if (k < KS_KIND_COUNT)
            r->kind_events[k] += n;
    }
    r->ndatasets = ks_cur_u32(&c);
    if (c.bad || r->ndatasets > (size_t)(c.end - c.p) / 10)
        return KS_ECORRUPT;
    r->dataset_name = calloc(r->ndatasets + 1, sizeof(*r->dataset_name));
    r->dataset_events = calloc(r->ndatasets + 1, sizeof(*r->dataset_events));
    if (!r->dataset_name || !r->dataset_events)
        return KS_ENOMEM;
    for (uint32_t i = 0; i < r->ndatasets; i++) {
        uint16_t l = ks_cur_u16(&c);
        const uint8_t *p = ks_cur_take(&c, l);
        r->dataset_name[i] = ks_sv_make((const char *)p, p ? l : 0);
        r->dataset_events[i] = ks_cur_u64(&c);
    }
    r->ndays = ks_cur_u32(&c);
    if (c.bad || r->ndays > (size_t)(c.end - c.p) / 16)
        return KS_ECORRUPT;
    r->day_start = calloc(r->ndays + 1, sizeof(*r->day_start));
    r->day_events = calloc(r->ndays + 1, sizeof(*r->day_events));
    if (!r->day_start || !r->day_events)
        return KS_ENOMEM;
    for (uint32_t i = 0; i < r->ndays; i++) {
        r->day_start[i] = (int64_t)ks_cur_u64(&c);
        r->day_events[i] = ks_cur_u64(&c);
    }
    if (c.bad || c.p != c.end)
        return KS_ECORRUPT;
    return 0;
}

static int open_common(struct ks_store_seg_reader *r)
{
    uint8_t hdr[KS_SEG_HEADER_LEN], tr[KS_SEG_TRAILER_LEN];
    int rc;
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++)
        r->file_col[c] = -1;
    if (r->size < KS_SEG_HEADER_LEN + KS_SEG_TRAILER_LEN)
        return KS_ECORRUPT;
    if ((rc = read_at(r, 0, hdr, sizeof(hdr))) < 0 ||
        (rc = read_at(r, r->size - KS_SEG_TRAILER_LEN, tr, sizeof(tr))) < 0)
        return rc;
    if (memcmp(hdr, KS_SEG_MAGIC, 8) != 0 || memcmp(tr + 24, KS_SEG_END_MAGIC, 8) != 0 ||
        ks_get_le32(hdr + 12) != KS_SEG_BOM)
        return KS_ECORRUPT;
    if (ks_get_le32(hdr + 8) != KS_SEG_VERSION || ks_get_le32(tr + 12) != KS_SEG_VERSION)
        return ks_get_le32(hdr + 8) > KS_SEG_VERSION ? KS_EUNSUPPORTED : KS_ECORRUPT;
    r->footer_off = ks_get_le64(tr);
    r->footer_len = ks_get_le32(tr + 8);
    r->footer_xxh = ks_get_le64(tr + 16);
    if (r->footer_off < KS_SEG_HEADER_LEN || r->footer_len == 0 ||
        r->footer_off + r->footer_len != r->size - KS_SEG_TRAILER_LEN)
        return KS_ECORRUPT;
    r->footer = malloc(r->footer_len);
    if (!r->footer)
        return KS_ENOMEM;
    if ((rc = read_at(r, r->footer_off, r->footer, r->footer_len)) < 0)
        return rc;
    if (CHECKSUM_BAD(XXH64(r->footer, r->footer_len, 0), r->footer_xxh))
        return KS_ECORRUPT;
    return parse_footer(r);
}

int ks_store_seg_reader_open_fd(struct ks_store_seg_reader *r, int fd, const char *name)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
    snprintf(r->name, sizeof(r->name), "%s", name ? name : "?");
    struct stat st;
    if (fstat(fd, &st) < 0)
        return KS_EIO;
    r->size = (uint64_t)st.st_size;
    return open_common(r);
}

int ks_store_seg_reader_open_mem(struct ks_store_seg_reader *r, const uint8_t *p, size_t n,
                                 const char *name)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->mem = p;
    r->size = n;
    snprintf(r->name, sizeof(r->name), "%s", name ? name : "(memory)");
    return open_common(r);
}

void ks_store_seg_reader_close(struct ks_store_seg_reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    free(r->footer);
    free(r->file_col_id);
    free(r->file_col_type);
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
        ks_store_seg_pfree(r->pool, r->dict[c].raw);
        free(r->dict[c].start);
        free(r->dict[c].len);
    }
    free(r->index);
    free(r->block_off);
    free(r->block_len);
    if (r->groups) {
        free(r->groups[0].col_off);
        free(r->groups[0].col_len);
    }
    free(r->groups);
    free(r->dataset_name);
    free(r->dataset_events);
    free(r->day_start);
    free(r->day_events);
    ZSTD_freeDCtx(r->dctx);
    free(r->cbuf);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}

int ks_store_seg_reader_dict(struct ks_store_seg_reader *r, unsigned col,
                             const struct ks_store_seg_dict **out)
{
    *out = NULL;
    if (col >= KS_SEG_NCOLS || !ks_store_seg_col_has_dict(col) || r->file_col[col] < 0)
        return KS_ENOENT;
    struct ks_store_seg_dict *d = &r->dict[col];
    if (r->dict_loaded[col]) {
        *out = d;
        return 0;
    }
    uint32_t rl;
    int rc = load_block(r, r->dict_off[col], r->dict_len[col], &d->raw, &rl);
    if (rc < 0)
        return rc;
    uint32_t n = r->dict_count[col];
    rc = KS_ECORRUPT;
    if (n > rl + 1u)
        goto out;
    d->start = malloc(sizeof(*d->start) * n);
    d->len = malloc(sizeof(*d->len) * n);
    if (!d->start || !d->len) {
        rc = KS_ENOMEM;
        goto out;
    }
    struct ks_cur c = {d->raw, d->raw + rl, false};
    for (uint32_t i = 0; i < n; i++) {
        uint64_t l = ks_cur_varint(&c);
        const uint8_t *p = ks_cur_take(&c, (size_t)l);
        if (c.bad || (i == 0 && l != 0))
            goto out;
        d->start[i] = (uint32_t)(p - d->raw);
        d->len[i] = (uint32_t)l;
    }
    if (c.p != c.end)
        goto out;
    d->count = n;
    r->dict_loaded[col] = true;
    *out = d;
    return 0;
out:
    ks_store_seg_pfree(r->pool, d->raw);
    free(d->start);
    free(d->len);
    memset(d, 0, sizeof(*d));
    return rc;
}

int64_t ks_store_seg_reader_find(struct ks_store_seg_reader *r, unsigned col, struct ks_sv s)
{
    const struct ks_store_seg_dict *d;
    int rc = ks_store_seg_reader_dict(r, col, &d);
    if (rc == KS_ENOENT)
        return s.n == 0 ? 0 : -1;
    if (rc < 0)
        return rc;
    for (uint32_t i = 0; i < d->count; i++)
        if (d->len[i] == s.n && (s.n == 0 || memcmp(d->raw + d->start[i], s.p, s.n) == 0))
            return i;
    return -1;
}

int ks_store_seg_reader_load_index(struct ks_store_seg_reader *r)
{
    if (r->index)
        return 0;
    uint8_t *raw;
    uint32_t rl;
    int rc = load_block(r, r->index_off, r->index_len, &raw, &rl);
    if (rc < 0)
        return rc;
    if (rl % 8) {
        ks_store_seg_pfree(r->pool, raw);
        return KS_ECORRUPT;
    }
    uint32_t nw = rl / 8;
    for (uint32_t g = 0; g < r->ngroups; g++) {
        if (r->groups[g].bloom_off > nw || r->groups[g].bloom_words > nw - r->groups[g].bloom_off) {
            ks_store_seg_pfree(r->pool, raw);
            return KS_ECORRUPT;
        }
    }
    uint64_t *w = malloc(sizeof(*w) * (nw ? nw : 1));
    if (!w) {
        ks_store_seg_pfree(r->pool, raw);
        return KS_ENOMEM;
    }
    for (uint32_t i = 0; i < nw; i++)
        w[i] = ks_get_le64(raw + (size_t)i * 8);
    ks_store_seg_pfree(r->pool, raw);
    r->index = w;
    r->index_words = nw;
    return 0;
}

void ks_store_seg_rows_free(struct ks_store_seg_rows *rows)
{
    struct ks_store_seg_pool *pool = rows->pool;
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++)
        ks_store_seg_pfree(pool, rows->col[c]);
    ks_store_seg_pfree(pool, rows->bag_end);
    ks_store_seg_pfree(pool, rows->bag_key);
    ks_store_seg_pfree(pool, rows->bag_voff);
    ks_store_seg_pfree(pool, rows->bag_vlen);
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++)
        ks_store_seg_pfree(pool, rows->keep[c]);
    memset(rows, 0, sizeof(*rows));
    rows->pool = pool;
}

/* An empty payload: every row of the group is 0 / empty. */
static int decode_zero(unsigned col, uint8_t t, uint32_t n, struct ks_store_seg_rows *rows)
{
    size_t es;
    switch (t) {
    case KS_SEG_CT_TS:
    case KS_SEG_CT_U64:
    case KS_SEG_CT_OFFSET:
    case KS_SEG_CT_STRR:
        es = 8;
        break;
    case KS_SEG_CT_U8:
        es = 1;
        break;
    case KS_SEG_CT_U16:
        es = 2;
        break;
    case KS_SEG_CT_U32:
    case KS_SEG_CT_STR:
        es = 4;
        break;
    case KS_SEG_CT_ADDR:
        es = sizeof(struct ks_addr);
        break;
    case KS_SEG_CT_BAGK: {
        uint32_t *end = ks_store_seg_palloc(rows->pool, sizeof(*end) * n);
        uint32_t *keys = ks_store_seg_palloc(rows->pool, sizeof(*keys));
        ks_store_seg_pfree(rows->pool, rows->bag_end);
        ks_store_seg_pfree(rows->pool, rows->bag_key);
        rows->bag_end = end;
        rows->bag_key = keys;
        rows->nkv = 0;
        if (!end || !keys)
            return KS_ENOMEM;
        memset(end, 0, sizeof(*end) * n);
        return 0;
    }
    case KS_SEG_CT_BAGV:
        if (!rows->bag_end || rows->nkv != 0)
            return KS_ECORRUPT;
        ks_store_seg_pfree(rows->pool, rows->bag_voff);
        ks_store_seg_pfree(rows->pool, rows->bag_vlen);
        rows->bag_voff = ks_store_seg_palloc(rows->pool, sizeof(uint32_t));
        rows->bag_vlen = ks_store_seg_palloc(rows->pool, sizeof(uint32_t));
        return rows->bag_voff && rows->bag_vlen ? 1 : KS_ENOMEM;
    default:
        return KS_ECORRUPT;
    }
    void *arr = ks_store_seg_palloc(rows->pool, es * n);
    if (!arr)
        return KS_ENOMEM;
    memset(arr, 0, es * n);
    ks_store_seg_pfree(rows->pool, rows->col[col]);
    rows->col[col] = arr;
    return t == KS_SEG_CT_STRR ? 1 : 0;
}

static int decode_col(struct ks_store_seg_reader *r, unsigned col, uint32_t n, int64_t base,
                      const uint8_t *raw, uint32_t rl, struct ks_store_seg_rows *rows)
{
    struct ks_cur c = {raw, raw + rl, false};
    uint8_t t = ks_store_seg_col_type(col);
    void *arr = NULL;
    if (rl == 0)
        return decode_zero(col, t, n, rows);
    switch (t) {
    case KS_SEG_CT_TS: {
        int64_t *v = ks_store_seg_palloc(rows->pool, sizeof(*v) * n);
        if (!v)
            return KS_ENOMEM;
        arr = v;
        unsigned e = ks_cur_u8(&c);
        if (e > 9)
            goto bad;
        uint64_t prev = (uint64_t)base;
        for (uint32_t i = 0; i < n; i++) {
            prev += (uint64_t)ks_unzigzag(ks_cur_varint(&c)) * pow10_tab[e];
            v[i] = (int64_t)prev;
        }
        break;
    }
    case KS_SEG_CT_U8: {
        const uint8_t *p = ks_cur_take(&c, n);
        uint8_t *v = ks_store_seg_palloc(rows->pool, n);
        if (!v)
            return KS_ENOMEM;
        arr = v;
        if (p)
            memcpy(v, p, n);
        break;
    }
    case KS_SEG_CT_U16: {
        const uint8_t *p = ks_cur_take(&c, (size_t)n * 2);
        uint16_t *v = ks_store_seg_palloc(rows->pool, sizeof(*v) * n);
        if (!v)
            return KS_ENOMEM;
        arr = v;
        for (uint32_t i = 0; p && i < n; i++)
            v[i] = (uint16_t)(p[i] | p[n + i] << 8);
        break;
    }
    case KS_SEG_CT_U32: {
        uint32_t *v = ks_store_seg_palloc(rows->pool, sizeof(*v) * n);
        if (!v)
            return KS_ENOMEM;
        arr = v;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t x = ks_cur_varint(&c);
            if (x > UINT32_MAX)
                goto bad;
            v[i] = (uint32_t)x;
        }
        break;
    }
    case KS_SEG_CT_U64: {
        uint64_t *v = ks_store_seg_palloc(rows->pool, sizeof(*v) * n);
        if (!v)
            return KS_ENOMEM;
        arr = v;
        unsigned e = ks_cur_u8(&c);
        if (e > 9)
            goto bad;
        for (uint32_t i = 0; i < n; i++)
            v[i] = ks_cur_varint(&c) * pow10_tab[e];
        break;
    }
    case KS_SEG_CT_OFFSET: {
        uint64_t *v = ks_store_seg_palloc(rows->pool, sizeof(*v) * n);
        if (!v)
            return KS_ENOMEM;
        arr = v;
        uint64_t prev = 0;
        for (uint32_t i = 0; i < n; i++) {
            prev += (uint64_t)ks_unzigzag(ks_cur_varint(&c));
            v[i] = prev;
        }
        break;
    }
    case KS_SEG_CT_ADDR: {
        struct ks_addr *v = ks_store_seg_palloc(rows->pool, sizeof(*v) * n);
        if (!v)
            return KS_ENOMEM;
        memset(v, 0, sizeof(*v) * n);
        arr = v;
        const uint8_t *fam = ks_cur_take(&c, n);
        for (uint32_t i = 0; fam && i < n; i++) {
            v[i].family = fam[i];
            if (fam[i] == 4) {
                const uint8_t *p = ks_cur_take(&c, 4);
                if (!p)
                    goto bad;
                v[i].b[10] = v[i].b[11] = 0xff;
                memcpy(v[i].b + 12, p, 4);
            } else if (fam[i] == 6) {
                const uint8_t *p = ks_cur_take(&c, 16);
                if (!p)
                    goto bad;
                memcpy(v[i].b, p, 16);
            } else if (fam[i] != 0) {
                goto bad;
            }
        }
        break;
    }
    case KS_SEG_CT_STR: {
        uint32_t *v = ks_store_seg_palloc(rows->pool, sizeof(*v) * n);
        if (!v)
            return KS_ENOMEM;
        arr = v;
        unsigned wd = ks_cur_u8(&c);
        if (wd != 1 && wd != 2 && wd != 4)
            goto bad;
        const uint8_t *p = ks_cur_take(&c, (size_t)n * wd);
        uint32_t lim = r->dict_count[col];
        for (uint32_t i = 0; p && i < n; i++) {
            uint32_t id = wd == 1 ? p[i] : wd == 2 ? (uint32_t)(p[2 * i] | p[2 * i + 1] << 8)
                                                   : ks_get_le32(p + (size_t)4 * i);
            if (id >= lim)
                goto bad;
            v[i] = id;
        }
        break;
    }
    case KS_SEG_CT_STRR: {
        struct ks_store_seg_sref *v = ks_store_seg_palloc(rows->pool, sizeof(*v) * n);
        if (!v)
            return KS_ENOMEM;
        uint64_t total = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t l = ks_cur_varint(&c);
            if (c.bad || l > (uint64_t)(c.end - c.p)) {
                ks_store_seg_pfree(rows->pool, v);
                return KS_ECORRUPT;
            }
            v[i].len = (uint32_t)l;
            total += l;
        }
        if (total != (uint64_t)(c.end - c.p)) {
            ks_store_seg_pfree(rows->pool, v);
            return KS_ECORRUPT;
        }
        uint32_t pos = (uint32_t)(c.p - raw);
        for (uint32_t i = 0; i < n; i++) {
            v[i].off = pos;
            pos += v[i].len;
        }
        ks_store_seg_pfree(rows->pool, rows->col[col]);
        rows->col[col] = v;
        return 1; /* caller keeps raw */
    }
    case KS_SEG_CT_BAGK: {
        uint32_t *end = ks_store_seg_palloc(rows->pool, sizeof(*end) * n);
        if (!end)
            return KS_ENOMEM;
        ks_store_seg_pfree(rows->pool, rows->bag_end);
        ks_store_seg_pfree(rows->pool, rows->bag_key);
        rows->bag_end = end;
        rows->bag_key = NULL;
        rows->nkv = 0;
        /* at most one key per remaining byte */
        uint32_t *keys = ks_store_seg_palloc(rows->pool, sizeof(*keys) * (rl ? rl : 1));
        if (!keys)
            return KS_ENOMEM;
        rows->bag_key = keys;
        uint32_t nkv = 0, lim = r->dict_count[col];
        for (uint32_t i = 0; i < n; i++) {
            uint64_t k = ks_cur_varint(&c);
            if (c.bad || k > KS_EVENT_MAX_BAG || k > (uint64_t)(c.end - c.p))
                return KS_ECORRUPT;
            for (uint64_t j = 0; j < k; j++) {
                uint64_t id = ks_cur_varint(&c);
                if (c.bad || id >= lim)
                    return KS_ECORRUPT;
                keys[nkv++] = (uint32_t)id;
            }
            end[i] = nkv;
        }
        rows->nkv = nkv;
        if (c.bad || c.p != c.end)
            return KS_ECORRUPT;
        return 0;
    }
    case KS_SEG_CT_BAGV: {
        /* the writer grouped values by key id (stable): recompute that order from BAGK */
        if (!rows->bag_end || !rows->bag_key)
            return KS_ECORRUPT;
        uint32_t nkv = rows->nkv, nkeys = r->dict_count[KS_SEG_COL_BAG_KEYS];
        ks_store_seg_pfree(rows->pool, rows->bag_voff);
        ks_store_seg_pfree(rows->pool, rows->bag_vlen);
        rows->bag_voff = ks_store_seg_palloc(rows->pool, sizeof(uint32_t) * (nkv ? nkv : 1));
        rows->bag_vlen = ks_store_seg_palloc(rows->pool, sizeof(uint32_t) * (nkv ? nkv : 1));
        uint32_t *order = ks_store_seg_palloc(rows->pool, sizeof(*order) * (nkv ? nkv : 1));
        uint32_t *cnt = ks_store_seg_palloc(rows->pool, sizeof(*cnt) * ((size_t)nkeys + 1));
        if (cnt)
            memset(cnt, 0, sizeof(*cnt) * ((size_t)nkeys + 1));
        int rc = KS_ENOMEM;
        if (!rows->bag_voff || !rows->bag_vlen || !order || !cnt)
            goto bagv_out;
        rc = KS_ECORRUPT;
        for (uint32_t k = 0; k < nkv; k++) {
            if (rows->bag_key[k] >= nkeys)
                goto bagv_out;
            cnt[rows->bag_key[k] + 1]++;
        }
        for (uint32_t k = 1; k <= nkeys; k++)
            cnt[k] += cnt[k - 1];
        for (uint32_t k = 0; k < nkv; k++)
            order[cnt[rows->bag_key[k]]++] = k;
        uint64_t total = 0;
        for (uint32_t j = 0; j < nkv; j++) {
            uint64_t l = ks_cur_varint(&c);
            if (c.bad || l > (uint64_t)(c.end - c.p))
                goto bagv_out;
            rows->bag_vlen[order[j]] = (uint32_t)l;
            total += l;
        }
        if (total != (uint64_t)(c.end - c.p))
            goto bagv_out;
        uint32_t pos = (uint32_t)(c.p - raw);
        for (uint32_t j = 0; j < nkv; j++) {
            rows->bag_voff[order[j]] = pos;
            pos += rows->bag_vlen[order[j]];
        }
        rc = 1; /* caller keeps raw */
    bagv_out:
        ks_store_seg_pfree(rows->pool, order);
        ks_store_seg_pfree(rows->pool, cnt);
        return rc;
    }
    default:
        return KS_ECORRUPT;
    }
    if (c.bad || c.p != c.end)
        goto bad;
    ks_store_seg_pfree(rows->pool, rows->col[col]);
    rows->col[col] = arr;
    return 0;
bad:
    ks_store_seg_pfree(rows->pool, arr);
    return KS_ECORRUPT;
}

int ks_store_seg_reader_decode(struct ks_store_seg_reader *r, uint32_t g, uint64_t mask,
                         struct ks_store_seg_rows *rows)
{
    if (g >= r->ngroups)
        return KS_EINVAL;
    const struct ks_store_seg_group *gr = &r->groups[g];
    if (rows->pool != r->pool) {
        ks_store_seg_rows_free(rows);
        rows->pool = r->pool;
    }
    if (rows->rows != gr->rows) {
        ks_store_seg_rows_free(rows);
        rows->rows = gr->rows;
    }
    if (mask & (UINT64_C(1) << KS_SEG_COL_BAG_VALS))
        mask |= UINT64_C(1) << KS_SEG_COL_BAG_KEYS;
    for (unsigned col = 0; col < KS_SEG_NCOLS; col++) {
        if (!(mask & (UINT64_C(1) << col)))
            continue;
        int fc = r->file_col[col];
        if (fc < 0)
            continue; /* absent: zero */
        uint8_t *raw;
        uint32_t rl;
        int rc = load_block(r, gr->col_off[fc], gr->col_len[fc], &raw, &rl);
        if (rc < 0)
            return rc;
        rc = decode_col(r, col, gr->rows, gr->min_ts, raw, rl, rows);
        if (rc == 1) {
            ks_store_seg_pfree(r->pool, rows->keep[col]);
            rows->keep[col] = raw;
            continue;
        }
        ks_store_seg_pfree(r->pool, raw);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static struct ks_sv dict_sv(const struct ks_store_seg_reader *r, unsigned col, uint32_t id)
{
    const struct ks_store_seg_dict *d = &r->dict[col];
    if (!r->dict_loaded[col] || id >= d->count || id == 0)
        return ks_sv_make("", 0);
    return ks_sv_make((const char *)d->raw + d->start[id], d->len[id]);
}

static struct ks_sv strr_sv(const struct ks_store_seg_rows *rows, unsigned col, uint32_t i)
{
    if (!rows->col[col] || !rows->keep[col])
        return ks_sv_make("", 0);
    const struct ks_store_seg_sref *v = &((const struct ks_store_seg_sref *)rows->col[col])[i];
    return ks_sv_make((const char *)rows->keep[col] + v->off, v->len);
}

void ks_store_seg_rows_event(struct ks_store_seg_reader *r, const struct ks_store_seg_rows *rows,
                             uint32_t i, struct ks_event *ev, struct ks_kv *kv)
{
    memset(ev, 0, sizeof(*ev));
#define GET_TS(name) ev->name = rows->col[KS_F_##name] ? ((int64_t *)rows->col[KS_F_##name])[i] : 0;
#define GET_U8(name) ev->name = rows->col[KS_F_##name] ? ((uint8_t *)rows->col[KS_F_##name])[i] : 0;
#define GET_U16(name)                                                                              \
    ev->name = rows->col[KS_F_##name] ? ((uint16_t *)rows->col[KS_F_##name])[i] : 0;
#define GET_U32(name)                                                                              \
    ev->name = rows->col[KS_F_##name] ? ((uint32_t *)rows->col[KS_F_##name])[i] : 0;
#define GET_U64(name)                                                                              \
    ev->name = rows->col[KS_F_##name] ? ((uint64_t *)rows->col[KS_F_##name])[i] : 0;
#define GET_ADDR(name)                                                                             \
    if (rows->col[KS_F_##name])                                                                    \
        ev->name = ((struct ks_addr *)rows->col[KS_F_##name])[i];
#define GET_STR(name)                                                                              \
    if (ks_store_seg_col_is_strr(KS_F_##name))                                                     \
        ev->name = strr_sv(rows, KS_F_##name, i);                                                  \
    else                                                                                           \
        ev->name = dict_sv(r, KS_F_##name,                                                         \
                           rows->col[KS_F_##name] ? ((uint32_t *)rows->col[KS_F_##name])[i] : 0);
#define KS_EVENT_FIELD(name, type, ecs) GET_##type(name)
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    if (rows->col[KS_SEG_COL_SOURCE_ID])
        ev->source_id = ((uint32_t *)rows->col[KS_SEG_COL_SOURCE_ID])[i];
    if (rows->col[KS_SEG_COL_OFFSET])
        ev->offset = ((uint64_t *)rows->col[KS_SEG_COL_OFFSET])[i];
    ev->bag = kv;
    if (rows->bag_end && rows->bag_voff && rows->keep[KS_SEG_COL_BAG_VALS]) {
        uint32_t s = i ? rows->bag_end[i - 1] : 0, e = rows->bag_end[i];
        for (uint32_t k = s; k < e && ev->nbag < KS_EVENT_MAX_BAG; k++) {
            kv[ev->nbag].key = dict_sv(r, KS_SEG_COL_BAG_KEYS, rows->bag_key[k]);
            kv[ev->nbag].val =
                ks_sv_make((const char *)rows->keep[KS_SEG_COL_BAG_VALS] + rows->bag_voff[k],
                           rows->bag_vlen[k]);
            ev->nbag++;
        }
    }
}

static int cmp_range(const void *a, const void *b, void *arg)
{
    const uint64_t *off = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return off[x] < off[y] ? -1 : off[x] > off[y];
}

int ks_store_seg_reader_verify(struct ks_store_seg_reader *r, uint64_t *events)
{
    *events = 0;
    int rc = 0;
    uint32_t *ord = malloc(sizeof(*ord) * (r->nblocks ? r->nblocks : 1));
    struct ks_store_seg_rows rows = {0};
    if (!ord)
        return KS_ENOMEM;
    for (uint32_t i = 0; i < r->nblocks; i++)
        ord[i] = i;
    qsort_r(ord, r->nblocks, sizeof(*ord), cmp_range, r->block_off);
    uint64_t pos = KS_SEG_HEADER_LEN;
    for (uint32_t i = 0; i < r->nblocks; i++) {
        if (r->block_off[ord[i]] != pos) {
            rc = KS_ECORRUPT;
            goto out;
        }
        pos += r->block_len[ord[i]];
    }
    if (pos != r->footer_off) {
        rc = KS_ECORRUPT;
        goto out;
    }
    /* every block's checksum, including columns and dictionaries this build does not know */
    for (uint32_t i = 0; i < r->nblocks; i++) {
        uint8_t *raw;
        uint32_t rl;
        if ((rc = load_block(r, r->block_off[i], r->block_len[i], &raw, &rl)) < 0)
            goto out;
        ks_store_seg_pfree(r->pool, raw);
    }
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
        const struct ks_store_seg_dict *d;
        if (ks_store_seg_col_has_dict(c) && r->file_col[c] >= 0 &&
            (rc = ks_store_seg_reader_dict(r, c, &d)) < 0)
            goto out;
    }
    if ((rc = ks_store_seg_reader_load_index(r)) < 0)
        goto out;
    for (uint32_t g = 0; g < r->ngroups; g++) {
        if ((rc = ks_store_seg_reader_decode(r, g, ~UINT64_C(0), &rows)) < 0)
            goto out;
        const uint32_t *obs = rows.col[KS_F_observer];
        const int64_t *ts = rows.col[KS_F_ts];
        const struct ks_store_seg_group *gr = &r->groups[g];
        for (uint32_t i = 0; i < rows.rows; i++) {
            if ((ts && (ts[i] < gr->min_ts || ts[i] > gr->max_ts)) ||
                (obs && (obs[i] < gr->obs_min || obs[i] > gr->obs_max))) {
                rc = KS_ECORRUPT;
                goto out;
            }
        }
        ks_store_seg_rows_free(&rows);
        *events += gr->rows;
    }
out:
    ks_store_seg_rows_free(&rows);
    free(ord);
    return rc;
}

int ks_store_seg_decode_mem(const uint8_t *p, size_t n, uint64_t *events)
{
    struct ks_store_seg_reader r;
    *events = 0;
    int rc = ks_store_seg_reader_open_mem(&r, p, n, NULL);
    if (rc == 0)
        rc = ks_store_seg_reader_verify(&r, events);
    if (rc == 0) {
        /* emit every row as the scan would */
        struct ks_store_seg_rows rows = {0};
        struct ks_kv *kv = malloc(sizeof(*kv) * KS_EVENT_MAX_BAG);
        struct ks_event ev;
        for (uint32_t g = 0; kv && rc == 0 && g < r.ngroups; g++) {
            rc = ks_store_seg_reader_decode(&r, g, ~UINT64_C(0), &rows);
            for (uint32_t i = 0; rc == 0 && i < rows.rows; i++)
                ks_store_seg_rows_event(&r, &rows, i, &ev, kv);
        }
        ks_store_seg_rows_free(&rows);
        free(kv);
    }
    ks_store_seg_reader_close(&r);
    return rc;
}
