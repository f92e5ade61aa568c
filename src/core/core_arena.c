/* SPDX-License-Identifier: MIT */
/*
 * core_arena.c - a bump allocator in chunks for data that dies together (one parsed batch, one
 * query). Reset keeps the first chunk so a reused arena stops calling malloc; cap bounds it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

struct ks_arena_chunk {
    struct ks_arena_chunk *next;
    size_t size; /* usable bytes in data[] */
    size_t used;
    _Alignas(8) unsigned char data[];
};

void ks_arena_init(struct ks_arena *a, size_t chunk_size, size_t cap)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->used_total = 0;
    a->cap = cap;
}

void *ks_arena_alloc(struct ks_arena *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (need < n)
        return NULL;
    if (a->cap && (need > a->cap || a->used_total > a->cap - need))
        return NULL;
    struct ks_arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = need > a->chunk_size ? need : a->chunk_size;
        if (size > SIZE_MAX - sizeof(*c))
            return NULL;
        c = malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        /* An oversized block goes behind the head so the head's free space stays usable. */
        if (a->head && size > a->chunk_size) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used_total += need;
    return p;
}

struct ks_sv ks_arena_dup(struct ks_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return KS_SV_NULL;
    char *p = ks_arena_alloc(a, n + 1);
    if (!p)
        return KS_SV_NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return ks_sv_make(p, n);
}

void ks_arena_reset(struct ks_arena *a)
{
    struct ks_arena_chunk *keep = NULL, *c = a->head;
    /* Keep one chunk of the normal size (the oldest one is the last in the list). */
    while (c) {
        struct ks_arena_chunk *next = c->next;
        if (!keep && !next && c->size == a->chunk_size) {
            keep = c;
        } else {
            free(c);
        }
        c = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->used_total = 0;
}

void ks_arena_free(struct ks_arena *a)
{
    struct ks_arena_chunk *c = a->head;
    while (c) {
        struct ks_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used_total = 0;
}
