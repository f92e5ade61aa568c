/* SPDX-License-Identifier: MIT */
/*
 * ingest_merge.c - the per-input reorder queue behind ingest's time-ordered merge. Events an input
 * yields in time order (the common case) are appended to a FIFO in O(1); events older than the
 * newest one seen go to a binary min-heap on (ts, offset). The queue's minimum is the smaller of
 * the FIFO's head and the heap's top, so a well-ordered input never pays for the heap. Queued
 * events are self-contained copies (ks_ingest_pack_event()) because a parser's strings live only
 * until its next call.
 */
#include "ingest/ingest_driver_int.h"

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
        free(r->fifo[(r->fifo_head + i) & (r->fifo_cap - 1)].ev);
    for (size_t i = 0; i < r->heap_len; i++)
        free(r->heap[i].ev);
    free(r->fifo);
    free(r->heap);
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

/* ---------------------------------------------------------------- packing events */

#define PACK_SIZE_TS(f)
#define PACK_SIZE_U8(f)
#define PACK_SIZE_U16(f)
#define PACK_SIZE_U32(f)
#define PACK_SIZE_U64(f)
#define PACK_SIZE_ADDR(f)
#define PACK_SIZE_STR(f) size += ev->f.n;

#define PACK_COPY_TS(f)
#define PACK_COPY_U8(f)
#define PACK_COPY_U16(f)
#define PACK_COPY_U32(f)
#define PACK_COPY_U64(f)
#define PACK_COPY_ADDR(f)
#define PACK_COPY_STR(f) copy_sv(&c->f, &s);

static inline void copy_sv(struct ks_sv *v, char **s)
{
    if (!v->p)
        return;
    if (v->n)
        memcpy(*s, v->p, v->n);
    v->p = *s;
    *s += v->n;
}

size_t ks_ingest_pack_size(const struct ks_event *ev)
{
    size_t size = sizeof(struct ks_event) + (size_t)ev->nbag * sizeof(struct ks_kv);
#define KS_EVENT_FIELD(name, type, ecs) PACK_SIZE_##type(name)
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    for (uint32_t i = 0; i < ev->nbag; i++)
        size += ev->bag[i].key.n + ev->bag[i].val.n;
    return size;
}

struct ks_event *ks_ingest_pack_event(const struct ks_event *ev, size_t *bytes)
{
    size_t size = ks_ingest_pack_size(ev);
    struct ks_event *c = malloc(size);
    if (!c)
        return NULL;
    *c = *ev;
    char *s = (char *)(c + 1);
    if (ev->nbag) {
        c->bag = (struct ks_kv *)s;
        memcpy(c->bag, ev->bag, (size_t)ev->nbag * sizeof(struct ks_kv));
        s += (size_t)ev->nbag * sizeof(struct ks_kv);
    } else {
        c->bag = NULL;
    }
#define KS_EVENT_FIELD(name, type, ecs) PACK_COPY_##type(name)
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    for (uint32_t i = 0; i < c->nbag; i++) {
        copy_sv(&c->bag[i].key, &s);
        copy_sv(&c->bag[i].val, &s);
    }
    *bytes = size;
    return c;
}
