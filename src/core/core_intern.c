/* SPDX-License-Identifier: MIT */
/*
 * core_intern.c - string interning: each distinct string gets a dense id. The store builds one
 * table per segment dictionary, detectors one per baseline, so put/find are on the hot path.
 *
 * Design: open addressing with linear probing over a power-of-two slot array (load <= 1/2).
 * A slot holds id+1 (0 = empty) and the high 32 bits of the XXH3 hash, which also pick the slot:
 * most probes that miss never touch the string, and growing never rehashes a string. Strings are copied NUL-terminated into chunks that never move, so views
 * returned by ks_intern_get() stay valid while the table grows.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define CHUNK_SIZE (64 * 1024)
#define MAX_COUNT (UINT32_C(1) << 31) /* slots stay <= 2^32, all addressable by a tag */
#define HASH_SEED UINT64_C(0x6b6f6e73656b69) /* "konseki" */

struct slot {
    uint32_t id1; /* id + 1; 0 = empty */
    uint32_t tag; /* high 32 bits of the hash; tag & mask is the home slot */
};

struct chunk {
    struct chunk *next;
    size_t size, used;
    char data[];
};

struct ks_intern {
    struct slot *slots;
    size_t mask; /* nslots - 1 */
    struct ks_sv *strs; /* by id */
    uint32_t count, strs_cap;
    size_t bytes, max_bytes;
    struct chunk *chunks; /* newest first */
};

int ks_intern_new(size_t max_bytes, struct ks_intern **out)
{
    *out = NULL;
    struct ks_intern *t = calloc(1, sizeof(*t));
    if (!t)
        return KS_ENOMEM;
    t->max_bytes = max_bytes ? max_bytes : SIZE_MAX;
    t->mask = 1023;
    t->slots = calloc(t->mask + 1, sizeof(*t->slots));
    if (!t->slots) {
        free(t);
        return KS_ENOMEM;
    }
    *out = t;
    return 0;
}

static void free_chunks(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
}

void ks_intern_free(struct ks_intern *t)
{
    if (!t)
        return;
    free_chunks(t->chunks);
    free(t->slots);
    free(t->strs);
    free(t);
}

static inline size_t lookup(const struct ks_intern *t, const char *s, size_t n, uint64_t h,
                            bool *found)
{
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = tag & t->mask;
    for (;;) {
        const struct slot *sl = &t->slots[i];
        if (sl->id1 == 0) {
            *found = false;
            return i;
        }
        if (sl->tag == tag) {
            struct ks_sv v = t->strs[sl->id1 - 1];
            if (v.n == n && (n == 0 || memcmp(v.p, s, n) == 0)) {
                *found = true;
                return i;
            }
        }
        i = (i + 1) & t->mask;
    }
}

static int grow_slots(struct ks_intern *t)
{
    size_t nslots = (t->mask + 1) * 2;
    struct slot *ns = calloc(nslots, sizeof(*ns));
    if (!ns)
        return KS_ENOMEM;
    for (size_t i = 0; i <= t->mask; i++) {
        struct slot sl = t->slots[i];
        if (!sl.id1)
            continue;
        size_t j = sl.tag & (nslots - 1);
        while (ns[j].id1)
            j = (j + 1) & (nslots - 1);
        ns[j] = sl;
    }
    free(t->slots);
    t->slots = ns;
    t->mask = nslots - 1;
    return 0;
}

static char *store_copy(struct ks_intern *t, const char *s, size_t n)
{
    struct chunk *c = t->chunks;
    if (!c || c->size - c->used < n + 1) {
        size_t size = n + 1 > CHUNK_SIZE ? n + 1 : CHUNK_SIZE;
        if (c && n + 1 > CHUNK_SIZE / 4) {
            /* A large string gets its own chunk behind the head, so the head stays in use. */
            struct chunk *big = malloc(sizeof(*big) + size);
            if (!big)
                return NULL;
            big->size = big->used = size;
            big->next = c->next;
            c->next = big;
            memcpy(big->data, s, n);
            big->data[n] = '\0';
            return big->data;
        }
        c = malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = t->chunks;
        t->chunks = c;
    }
    char *p = c->data + c->used;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    c->used += n + 1;
    return p;
}

int ks_intern_put(struct ks_intern *t, const char *s, size_t n, uint32_t *id)
{
    uint64_t h = ks_hash64(s, n, HASH_SEED);
    bool found;
    size_t i = lookup(t, s, n, h, &found);
    if (found) {
        *id = t->slots[i].id1 - 1;
        return 0;
    }
    if (n > t->max_bytes - t->bytes)
        return KS_ETOOBIG;
    if (t->count >= MAX_COUNT || n >= SIZE_MAX - 1)
        return KS_ETOOBIG;
    if (t->count == t->strs_cap) {
        uint32_t ncap = t->strs_cap ? t->strs_cap * 2 : 256;
        if (ncap < t->strs_cap)
            ncap = UINT32_MAX;
        struct ks_sv *ns = realloc(t->strs, (size_t)ncap * sizeof(*ns));
        if (!ns)
            return KS_ENOMEM;
        t->strs = ns;
        t->strs_cap = ncap;
    }
    if ((size_t)t->count + 1 > (t->mask + 1) / 2) {
        int rc = grow_slots(t);
        if (rc)
            return rc;
        i = lookup(t, s, n, h, &found);
    }
    char *copy = store_copy(t, s, n);
    if (!copy)
        return KS_ENOMEM;
    t->strs[t->count] = ks_sv_make(copy, n);
    t->slots[i].id1 = t->count + 1;
    t->slots[i].tag = (uint32_t)(h >> 32);
    *id = t->count++;
    t->bytes += n;
    return 0;
}

int64_t ks_intern_find(const struct ks_intern *t, const char *s, size_t n)
{
    bool found;
    size_t i = lookup(t, s, n, ks_hash64(s, n, HASH_SEED), &found);
    return found ? (int64_t)t->slots[i].id1 - 1 : -1;
}

struct ks_sv ks_intern_get(const struct ks_intern *t, uint32_t id)
{
    return id < t->count ? t->strs[id] : KS_SV_NULL;
}

uint32_t ks_intern_count(const struct ks_intern *t)
{
    return t->count;
}

size_t ks_intern_bytes(const struct ks_intern *t)
{
    return t->bytes;
}

void ks_intern_reset(struct ks_intern *t)
{
    /* Keep the newest chunk if it is a regular one; drop the rest. */
    struct chunk *keep = t->chunks;
    if (keep && keep->size == CHUNK_SIZE) {
        free_chunks(keep->next);
        keep->next = NULL;
        keep->used = 0;
    } else {
        free_chunks(keep);
        keep = NULL;
    }
    t->chunks = keep;
    memset(t->slots, 0, (t->mask + 1) * sizeof(*t->slots));
    t->count = 0;
    t->bytes = 0;
}
