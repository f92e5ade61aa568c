/* SPDX-License-Identifier: MIT */
/*
 * ingest_merge.c - the per-input reorder queue behind ingest's time-ordered merge. Events an input
 * yields in time order (the common case) are appended to a FIFO in O(1); events older than the
 * newest one seen go to a binary min-heap on (ts, offset). The queue's minimum is the smaller of
 * the FIFO's head and the heap's top, so a well-ordered input never pays for the heap. Queued
 * events are self-contained copies (ks_ingest_reorder_copy()) because a parser's strings live
 * only until its next call.
 */
#include "ingest/ingest_driver_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline bool less(const struct ks_pending *a, const struct ks_pending *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->off < b->off);
}

void ks_ingest_reorder_init(struct ks_reorder *r)
{
    memset(r, 0, sizeof *r);
}

void ks_ingest_reorder_free(struct ks_reorder *r)
{
    for (size_t i = 0; i < r->fifo_len; i++)
        ks_ingest_reorder_release(r, r->fifo[(r->fifo_head + i) & (r->fifo_cap - 1)].ev);
    for (size_t i = 0; i < r->heap_len; i++)
        ks_ingest_reorder_release(r, r->heap[i].ev);
    free(r->fifo);
    free(r->heap);
    free(r->chunk);
    for (size_t i = 0; i < r->nspare; i++)
        free(r->spare[i]);
    memset(r, 0, sizeof *r);
}

static int fifo_grow(struct ks_reorder *r)
{
    size_t cap = r->fifo_cap ? r->fifo_cap * 2 : 256;
    struct ks_pending *v = malloc(cap * sizeof *v);
    if (!v)
        return KS_ENOMEM;
    for (size_t i = 0; i < r->fifo_len; i++)
        v[i] = r->fifo[(r->fifo_head + i) & (r->fifo_cap - 1)];
    free(r->fifo);
    r->fifo = v;
    r->fifo_cap = cap;
    r->fifo_head = 0;
    return 0;
}

static void sift_up(struct ks_pending *h, size_t i)
{
    struct ks_pending x = h[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!less(&x, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}

static void sift_down(struct ks_pending *h, size_t n, size_t i)
{
    struct ks_pending x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && less(&h[c + 1], &h[c]))
            c++;
        if (!less(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

int ks_ingest_reorder_push(struct ks_reorder *r, const struct ks_pending *p, bool in_order)
{
    /* The FIFO stays sorted: only append what is not older than its tail. */
    if (in_order && r->fifo_len > 0 &&
        less(p, &r->fifo[(r->fifo_head + r->fifo_len - 1) & (r->fifo_cap - 1)]))
        in_order = false;
    if (in_order) {
        if (r->fifo_len == r->fifo_cap && fifo_grow(r) != 0)
            return KS_ENOMEM;
        r->fifo[(r->fifo_head + r->fifo_len) & (r->fifo_cap - 1)] = *p;
        r->fifo_len++;
        return 0;
    }
    if (r->heap_len == r->heap_cap) {
        size_t cap = r->heap_cap ? r->heap_cap * 2 : 64;
        struct ks_pending *v = realloc(r->heap, cap * sizeof *v);
        if (!v)
            return KS_ENOMEM;
        r->heap = v;
        r->heap_cap = cap;
    }
    r->heap[r->heap_len] = *p;
    sift_up(r->heap, r->heap_len);
    r->heap_len++;
    return 0;
}

const struct ks_pending *ks_ingest_reorder_top(const struct ks_reorder *r)
{
    const struct ks_pending *f = r->fifo_len ? &r->fifo[r->fifo_head] : NULL;
    const struct ks_pending *h = r->heap_len ? &r->heap[0] : NULL;
    if (!f)
        return h;
    if (!h)
        return f;
    return less(h, f) ? h : f;
}

static void heap_remove(struct ks_reorder *r, size_t i, struct ks_pending *p)
{
    *p = r->heap[i];
    r->heap_len--;
    if (i == r->heap_len)
        return;
    r->heap[i] = r->heap[r->heap_len];
    if (i > 0 && less(&r->heap[i], &r->heap[(i - 1) / 2]))
        sift_up(r->heap, i);
    else
        sift_down(r->heap, r->heap_len, i);
}

void ks_ingest_reorder_pop(struct ks_reorder *r, struct ks_pending *p)
{
    const struct ks_pending *top = ks_ingest_reorder_top(r);
    if (KS_NEVER(top == NULL)) {
        memset(p, 0, sizeof *p);
        return;
    }
    if (r->fifo_len && top == &r->fifo[r->fifo_head]) {
        *p = *top;
        r->fifo_head = (r->fifo_head + 1) & (r->fifo_cap - 1);
        r->fifo_len--;
        return;
    }
    heap_remove(r, 0, p);
}

int ks_ingest_reorder_take_seq(struct ks_reorder *r, uint64_t seq, struct ks_pending *p)
{
    for (size_t i = 0; i < r->fifo_len; i++) {
        size_t k = (r->fifo_head + i) & (r->fifo_cap - 1);
        if (r->fifo[k].seq != seq)
            continue;
        *p = r->fifo[k];
        /* Close the gap by shifting the entries before it one step towards the tail. */
        for (size_t j = i; j > 0; j--)
            r->fifo[(r->fifo_head + j) & (r->fifo_cap - 1)] =
                r->fifo[(r->fifo_head + j - 1) & (r->fifo_cap - 1)];
        r->fifo_head = (r->fifo_head + 1) & (r->fifo_cap - 1);
        r->fifo_len--;
        return 0;
    }
    for (size_t i = 0; i < r->heap_len; i++) {
        if (r->heap[i].seq == seq) {
            heap_remove(r, i, p);
            return 0;
        }
    }
    return KS_ENOENT;
}

/* ---------------------------------------------------------------- event copies */

#define CHUNK_SIZE ((size_t)1 << 20)
#define CHUNK_HDR 16                  /* struct chunk, padded */
#define CHUNK_MAX_EVENT (CHUNK_SIZE / 8) /* bigger copies use malloc */

struct chunk {
    uint32_t live; /* copies not yet released */
};

/* Precedes every copy: its size and where it lives. */
struct blk {
    uint32_t size;     /* including this header */
    uint32_t in_chunk;
};

/* Strings inside the record are rebased into the copied record; others are copied one by one. */
struct pack {
    uintptr_t rec;  /* the record's bytes in the parser's buffer */
    size_t rec_len;
    char *rec_copy; /* where they were copied, or NULL */
    char *s;        /* next free byte for other strings */
    size_t extra;   /* bytes of strings outside the record */
    bool uses_rec;
};

static inline bool in_rec(uintptr_t rec, size_t rec_len, const struct ks_sv *v)
{
    uintptr_t d = (uintptr_t)v->p - rec; /* wraps around when p < rec */
    return d <= rec_len && v->n <= rec_len - d;
}

static inline void size_sv(struct pack *k, const struct ks_sv *v)
{
    if (!v->p)
        return;
    if (in_rec(k->rec, k->rec_len, v))
        k->uses_rec = true;
    else
        k->extra += v->n;
}

static inline void copy_sv(struct pack *k, struct ks_sv *v)
{
    if (!v->p)
        return;
    if (k->rec_copy && in_rec(k->rec, k->rec_len, v)) {
        v->p = k->rec_copy + ((uintptr_t)v->p - k->rec);
        return;
    }
    if (v->n)
        memcpy(k->s, v->p, v->n);
    v->p = k->s;
    k->s += v->n;
}

#define PACK_TS(f, op, obj)
#define PACK_U8(f, op, obj)
#define PACK_U16(f, op, obj)
#define PACK_U32(f, op, obj)
#define PACK_U64(f, op, obj)
#define PACK_ADDR(f, op, obj)
#define PACK_STR(f, op, obj) op(&k, &(obj)->f);

static void chunk_drop(struct ks_reorder *r, char *c)
{
    if (r->nspare < KS_INGEST_SPARE_CHUNKS) {
        r->spare[r->nspare++] = c;
        return;
    }
    free(c);
}

/* Bump-allocates size bytes; OUT *added: memory newly held (a fresh current chunk). */
static void *chunk_alloc(struct ks_reorder *r, size_t size, size_t *added)
{
    if (!r->chunk || CHUNK_SIZE - r->chunk_used < size) {
        if (r->chunk && ((struct chunk *)r->chunk)->live == 0) {
            chunk_drop(r, r->chunk); /* empty: swapped for another, nothing newly held */
            r->held -= CHUNK_SIZE;
        }
        r->chunk = r->nspare ? r->spare[--r->nspare] : aligned_alloc(CHUNK_SIZE, CHUNK_SIZE);
        if (!r->chunk)
            return NULL;
        ((struct chunk *)r->chunk)->live = 0;
        r->chunk_used = CHUNK_HDR;
        r->held += CHUNK_SIZE;
        *added += CHUNK_SIZE;
    }
    void *p = r->chunk + r->chunk_used;
    r->chunk_used += size;
    ((struct chunk *)r->chunk)->live++;
    return p;
}

struct ks_event *ks_ingest_reorder_copy(struct ks_reorder *r, const struct ks_event *ev,
                                        const char *rec, size_t rec_len, size_t *held)
{
    size_t before = r->held;
    struct pack k = {.rec = (uintptr_t)rec, .rec_len = rec_len};
#define KS_EVENT_FIELD(name, type, ecs) PACK_##type(name, size_sv, ev)
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    for (uint32_t i = 0; i < ev->nbag; i++) {
        size_sv(&k, &ev->bag[i].key);
        size_sv(&k, &ev->bag[i].val);
    }
    size_t size = sizeof(struct blk) + sizeof(struct ks_event) +
                  (size_t)ev->nbag * sizeof(struct ks_kv) + (k.uses_rec ? rec_len : 0) + k.extra;
    size = (size + 7) & ~(size_t)7;
    if (size > UINT32_MAX)
        return NULL;
    bool in_chunk = size <= CHUNK_MAX_EVENT;
    size_t added = 0;
    struct blk *b = in_chunk ? chunk_alloc(r, size, &added) : malloc(size);
    if (!b)
        return NULL;
    if (!in_chunk)
        r->held += size;
    b->size = (uint32_t)size;
    b->in_chunk = in_chunk;
    struct ks_event *e = (struct ks_event *)(b + 1);
    *e = *ev;
    char *s = (char *)(e + 1);
    if (ev->nbag) {
        e->bag = (struct ks_kv *)s;
        memcpy(e->bag, ev->bag, (size_t)ev->nbag * sizeof(struct ks_kv));
        s += (size_t)ev->nbag * sizeof(struct ks_kv);
    } else {
        e->bag = NULL;
    }
    if (k.uses_rec) {
        memcpy(s, rec, rec_len);
        k.rec_copy = s;
        s += rec_len;
    }
    k.s = s;
#define KS_EVENT_FIELD(name, type, ecs) PACK_##type(name, copy_sv, e)
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    for (uint32_t i = 0; i < e->nbag; i++) {
        copy_sv(&k, &e->bag[i].key);
        copy_sv(&k, &e->bag[i].val);
    }
    *held = r->held - KS_MIN(r->held, before);
    return e;
}

size_t ks_ingest_reorder_release(struct ks_reorder *r, struct ks_event *ev)
{
    struct blk *b = (struct blk *)ev - 1;
    size_t size = b->size;
    if (!b->in_chunk) {
        free(b);
        r->held -= KS_MIN(r->held, size);
        return size;
    }
    char *c = (char *)((uintptr_t)b & ~(uintptr_t)(CHUNK_SIZE - 1));
    if (--((struct chunk *)c)->live == 0) {
        if (c == r->chunk) {
            r->chunk_used = CHUNK_HDR; /* empty: start over in place */
        } else {
            chunk_drop(r, c);
            r->held -= KS_MIN(r->held, CHUNK_SIZE);
            return CHUNK_SIZE;
        }
    }
    return 0;
}
