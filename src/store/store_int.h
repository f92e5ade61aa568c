/* SPDX-License-Identifier: MIT */
/*
 * store_int.h - private interface between the files of the directory store: the segment writer
 * (store_segment.c: open-segment buffers, seal into the format of format.h), the segment reader
 * (store_segread.c: footer, blocks, row-group decoding, predicate checks) and the directory
 * backend (store_dir.c: manifest, lock, publish, scan/stats/verify). Nothing outside src/store
 * includes it, except the store's tests and fuzz target.
 */
#ifndef KS_STORE_INT_H
#define KS_STORE_INT_H

#include <string.h>

#include "store/format.h"
#include "store/store.h"

/* Internal column index: the event fields in event_fields.def order, then the extras. */
enum {
    KS_SEG_COL_SOURCE_ID = KS_F_COUNT,
    KS_SEG_COL_OFFSET,
    KS_SEG_COL_BAG_KEYS,
    KS_SEG_COL_BAG_VALS,
    KS_SEG_NCOLS
};

/* Default sizes (a segment is also cut when it holds at least one row group and its rows span
 * more than KS_SEG_TARGET_SPAN). */
#define KS_SEG_TARGET_ROWS (256u * 1024u)
#define KS_SEG_TARGET_BYTES ((size_t)48 << 20)
#define KS_SEG_TARGET_SPAN (3600 * KS_NS_PER_SEC)
#define KS_SEG_GROUP_ROWS 16384u
/* zstd level of column blocks (ClickHouse's ZSTD codec defaults to 1 too). */
#define KS_SEG_ZSTD_LEVEL 1
#define KS_SEG_MAX_BLOCK ((uint32_t)1 << 30)
#define KS_SEG_MAX_STRING ((size_t)16 << 20)

extern const struct ks_store_ops ks_store_dir_ops;

/* Changes the open segment's target sizes of a writable directory store with nothing appended
 * (tests and benchmarks; 0 keeps the default). */
int ks_store_dir_set_target(struct ks_store *st, uint32_t rows, size_t bytes);

/* ---------------------------------------------------------------- byte buffer */

/* A growable byte vector for encoding; max bounds it (KS_ETOOBIG). */
struct ks_store_sbuf {
    uint8_t *p;
    size_t len, cap, max;
};

int ks_store_sbuf_grow(struct ks_store_sbuf *b, size_t extra);
static inline int ks_store_sbuf_reserve(struct ks_store_sbuf *b, size_t extra)
{
    return b->cap - b->len >= extra ? 0 : ks_store_sbuf_grow(b, extra);
}
void ks_store_sbuf_free(struct ks_store_sbuf *b);

static inline uint8_t *ks_put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline void ks_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void ks_put_le64(uint8_t *p, uint64_t v)
{
    ks_put_le32(p, (uint32_t)v);
    ks_put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t ks_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ks_get_le64(const uint8_t *p)
{
    return (uint64_t)ks_get_le32(p) | (uint64_t)ks_get_le32(p + 4) << 32;
}

static inline uint64_t ks_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t ks_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* A bounds-checked reader over bytes: every get fails once past the end (c->bad set). */
struct ks_cur {
    const uint8_t *p, *end;
    bool bad;
};

static inline uint64_t ks_cur_varint(struct ks_cur *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (c->p >= c->end) {
            c->bad = true;
            return 0;
        }
        uint8_t b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    c->bad = true;
    return 0;
}

static inline const uint8_t *ks_cur_take(struct ks_cur *c, size_t n)
{
    if ((size_t)(c->end - c->p) < n) {
        c->bad = true;
        c->p = c->end;
        return NULL;
    }
    const uint8_t *r = c->p;
    c->p += n;
    return r;
}

static inline uint8_t ks_cur_u8(struct ks_cur *c)
{
    const uint8_t *p = ks_cur_take(c, 1);
    return p ? p[0] : 0;
}
static inline uint16_t ks_cur_u16(struct ks_cur *c)
{
    const uint8_t *p = ks_cur_take(c, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}
static inline uint32_t ks_cur_u32(struct ks_cur *c)
{
    const uint8_t *p = ks_cur_take(c, 4);
    return p ? ks_get_le32(p) : 0;
}
static inline uint64_t ks_cur_u64(struct ks_cur *c)
{
    const uint8_t *p = ks_cur_take(c, 8);
    return p ? ks_get_le64(p) : 0;
}

/* String columns of high cardinality stored inline (STRR) instead of dictionary-encoded: a
 * dictionary would be as large as the column, and every scan emitting a row of the segment
 * would have to load it. */
static inline bool ks_store_seg_col_is_strr(unsigned col)
{
    return col == KS_F_session || col == KS_F_object;
}

/* Column metadata: on-disk id and type of internal column i. */
uint16_t ks_store_seg_col_id(unsigned col);
uint8_t ks_store_seg_col_type(unsigned col);
/* Internal column of an on-disk id, or -1 when unknown to this build. */
int ks_store_seg_col_from_id(uint32_t id);
/* True for the columns with a segment dictionary (STR fields and bag keys). */
bool ks_store_seg_col_has_dict(unsigned col);

uint64_t ks_store_seg_block_seed(uint32_t clen, uint32_t rawlen, uint32_t codec);
uint64_t ks_store_seg_bloom_key_addr(const struct ks_addr *a);
uint64_t ks_store_seg_bloom_key_id(unsigned col, uint32_t id);
bool ks_store_seg_bloom_test(const uint64_t *words, uint32_t nwords, uint64_t key);
int64_t ks_store_seg_day_start(int64_t ts);

/* ---------------------------------------------------------------- segment writer */

struct ks_store_seg_writer;

/* OUT *out: caller frees with ks_store_seg_writer_free(). target_rows/target_bytes: the soft
 * target; appends fail with KS_ETOOBIG at twice either. */
int ks_store_seg_writer_new(uint32_t target_rows, size_t target_bytes,
                            struct ks_store_seg_writer **out);
void ks_store_seg_writer_free(struct ks_store_seg_writer *w);
int ks_store_seg_writer_append(struct ks_store_seg_writer *w, const struct ks_event *ev);
bool ks_store_seg_writer_full(const struct ks_store_seg_writer *w);
uint32_t ks_store_seg_writer_rows(const struct ks_store_seg_writer *w);
void ks_store_seg_writer_reset(struct ks_store_seg_writer *w);

struct ks_store_seg_meta {
    uint64_t rows;
    int64_t min_ts, max_ts;
    uint64_t footer_xxh;
};

/* Encodes the open segment into out (appended; a whole file image). Does not reset w. */
int ks_store_seg_writer_seal(struct ks_store_seg_writer *w, struct ks_store_sbuf *out,
                             struct ks_store_seg_meta *meta);

/* ---------------------------------------------------------------- segment reader */

/* A cache of freed decode buffers in power-of-two size classes, so a scan that decodes
 * thousands of row groups reuses memory instead of faulting fresh pages in for every block.
 * Bounded: at most KS_SEG_POOL_MAX_BYTES cached, buffers over KS_SEG_POOL_MAX_BUF never. */
#define KS_SEG_POOL_MAX_BYTES ((size_t)256 << 20)
#define KS_SEG_POOL_MAX_BUF ((size_t)16 << 20)
struct ks_store_seg_pool {
    void *head[48]; /* free list per size class */
    size_t bytes;
};

/* Buffers carry their size in a hidden header: allocate with ks_store_seg_palloc(), release with
 * ks_store_seg_pfree() (pool may be NULL: plain malloc/free). */
void *ks_store_seg_palloc(struct ks_store_seg_pool *pool, size_t n);
void ks_store_seg_pfree(struct ks_store_seg_pool *pool, void *p);
void ks_store_seg_pool_free(struct ks_store_seg_pool *pool);

struct ks_store_seg_dict {
    uint32_t count;
    uint8_t *raw;       /* the decompressed block the entries point into */
    uint32_t *start, *len;
};

struct ks_store_seg_group {
    uint32_t rows;
    int64_t min_ts, max_ts;
    uint32_t obs_min, obs_max, kind_mask;
    uint32_t bloom_off, bloom_words;
    uint64_t *col_off;  /* per file column */
    uint32_t *col_len;
};

/* One decoded row group: arrays indexed by row, one per internal column (NULL: absent, zero). */
struct ks_store_seg_rows {
    struct ks_store_seg_pool *pool; /* set by ks_store_seg_reader_decode() from the reader */
    uint32_t rows;
    void *col[KS_SEG_NCOLS];
    uint32_t *bag_end;   /* rows entries: kv index after the row */
    uint32_t *bag_key;
    uint32_t *bag_voff, *bag_vlen;
    uint32_t nkv;
    uint8_t *keep[KS_SEG_NCOLS]; /* decompressed payloads that STRR and BAGV values point into */
};

/* A STRR value in a decoded group: a range of rows->keep[col]. */
struct ks_store_seg_sref {
    uint32_t off, len;
};

struct ks_store_seg_reader {
    char name[512];
    int fd;                 /* -1 when reading from memory */
    const uint8_t *mem;
    uint64_t size;
    uint8_t *footer;
    uint32_t footer_len;
    uint64_t footer_xxh, footer_off;
    uint32_t ncols;
    uint16_t *file_col_id;
    uint8_t *file_col_type;
    int file_col[KS_SEG_NCOLS]; /* file column of an internal one, or -1 */
    uint64_t nrows;
    int64_t min_ts, max_ts;
    uint32_t group_rows;
    uint64_t dict_off[KS_SEG_NCOLS];
    uint32_t dict_len[KS_SEG_NCOLS], dict_count[KS_SEG_NCOLS];
    struct ks_store_seg_dict dict[KS_SEG_NCOLS];
    bool dict_loaded[KS_SEG_NCOLS];
    uint64_t index_off;
    uint32_t index_len;
    uint32_t nblocks;       /* every block the footer references, for verify's tiling check */
    uint64_t *block_off;
    uint32_t *block_len;
    uint64_t *index;        /* loaded bloom words (NULL until needed) */
    uint32_t index_words;
    uint32_t ngroups;
    struct ks_store_seg_group *groups;
    uint64_t kind_events[KS_KIND_COUNT];
    uint32_t ndatasets;
    struct ks_sv *dataset_name;
    uint64_t *dataset_events;
    uint32_t ndays;
    int64_t *day_start;
    uint64_t *day_events;
    void *dctx;             /* ZSTD_DCtx */
    uint8_t *cbuf;          /* compressed-block read buffer */
    size_t ccap;
    struct ks_store_seg_pool *pool; /* borrowed; may be NULL */
};

/* Opens a segment from a file (fd is taken over and closed by ks_store_seg_reader_close()) or from
 * memory (borrowed; must outlive the reader). Reads and checks header, trailer and footer.
 * Returns KS_ECORRUPT for any damage. */
int ks_store_seg_reader_open_fd(struct ks_store_seg_reader *r, int fd, const char *name);
int ks_store_seg_reader_open_mem(struct ks_store_seg_reader *r, const uint8_t *p, size_t n,
                                 const char *name);
void ks_store_seg_reader_close(struct ks_store_seg_reader *r);
/* Loads the dictionary of internal column col (KS_ENOENT when the segment has none). */
int ks_store_seg_reader_dict(struct ks_store_seg_reader *r, unsigned col,
                             const struct ks_store_seg_dict **out);
/* Returns the id of s in col's dictionary, -1 when absent, or a negative KS_E* below -1. */
int64_t ks_store_seg_reader_find(struct ks_store_seg_reader *r, unsigned col, struct ks_sv s);
int ks_store_seg_reader_load_index(struct ks_store_seg_reader *r);
/* Decodes the columns of group g whose bit is set in mask (bit = internal column) into rows;
 * rows must be empty or hold earlier columns of the same group. */
int ks_store_seg_reader_decode(struct ks_store_seg_reader *r, uint32_t g, uint64_t mask,
                         struct ks_store_seg_rows *rows);
void ks_store_seg_rows_free(struct ks_store_seg_rows *rows);
/* Fills ev from row i of rows (strings borrowed from r's dictionaries and rows; bag into
 * kv[KS_EVENT_MAX_BAG]). */
void ks_store_seg_rows_event(struct ks_store_seg_reader *r, const struct ks_store_seg_rows *rows,
                             uint32_t i, struct ks_event *ev, struct ks_kv *kv);
/* Checks every block, dictionary and group, and that blocks tile the file. OUT *events. */
int ks_store_seg_reader_verify(struct ks_store_seg_reader *r, uint64_t *events);

/* Decodes a whole segment image from memory (the fuzz entry point); returns 0 or KS_E*. */
int ks_store_seg_decode_mem(const uint8_t *p, size_t n, uint64_t *events);

#endif /* KS_STORE_INT_H */
