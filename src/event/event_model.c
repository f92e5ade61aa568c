/* SPDX-License-Identifier: MIT */
/*
 * event_model.c - the normalized event's metadata (field table, kind and outcome names) and the
 * operations every stage shares: clear, bag lookup, and cloning an event with all its strings
 * into one heap block for stages that keep events beyond the parser's next call.
 */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"

const struct ks_field_info ks_event_fields[KS_F_COUNT] = {
#define KS_EVENT_FIELD(name, type, ecs) {#name, ecs, KS_FT_##type, offsetof(struct ks_event, name)},
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
};

static const char *const kind_names[KS_KIND_COUNT] = {
#define KS_EVENT_KIND(name, str) str,
#include "event/event_kinds.def"
#undef KS_EVENT_KIND
};

const char *ks_event_kind_name(unsigned kind)
{
    return kind < KS_KIND_COUNT ? kind_names[kind] : "?";
}

int ks_event_kind_parse(struct ks_sv name)
{
    for (unsigned k = 0; k < KS_KIND_COUNT; k++) {
        if (ks_sv_eq_cstr(name, kind_names[k]))
            return (int)k;
    }
    return -1;
}

const char *ks_outcome_name(unsigned outcome)
{
    switch (outcome) {
    case KS_OUTCOME_SUCCESS: return "success";
    case KS_OUTCOME_FAILURE: return "failure";
    default: return "unknown";
    }
}

int ks_event_field_find(struct ks_sv s)
{
    for (int f = 0; f < KS_F_COUNT; f++) {
        if (ks_sv_eq_cstr(s, ks_event_fields[f].name) || ks_sv_eq_cstr(s, ks_event_fields[f].ecs))
            return f;
    }
    return -1;
}

void ks_event_clear(struct ks_event *ev)
{
    memset(ev, 0, sizeof(*ev));
}

struct ks_sv ks_event_bag_get(const struct ks_event *ev, const char *key)
{
    for (uint32_t i = 0; i < ev->nbag; i++) {
        if (ks_sv_eq_cstr(ev->bag[i].key, key))
            return ev->bag[i].val;
    }
    return KS_SV_NULL;
}

static inline struct ks_sv *str_field(struct ks_event *ev, int f)
{
    return (struct ks_sv *)(void *)((char *)ev + ks_event_fields[f].offset);
}

static inline size_t str_size(struct ks_sv s)
{
    return s.p ? s.n + 1 : 0;
}

size_t ks_event_clone_size(const struct ks_event *ev)
{
    size_t size = sizeof(*ev) + (size_t)ev->nbag * sizeof(struct ks_kv);
    for (int f = 0; f < KS_F_COUNT; f++) {
        if (ks_event_fields[f].type == KS_FT_STR)
            size += str_size(*str_field((struct ks_event *)ev, f));
    }
    for (uint32_t i = 0; i < ev->nbag; i++)
        size += str_size(ev->bag[i].key) + str_size(ev->bag[i].val);
    return size;
}

/* Copies s to *cursor (NUL-terminated) and returns the copy's view. */
static struct ks_sv copy_str(struct ks_sv s, char **cursor)
{
    if (!s.p)
        return s;
    char *dst = *cursor;
    if (s.n)
        memcpy(dst, s.p, s.n);
    dst[s.n] = '\0';
    *cursor += s.n + 1;
    return ks_sv_make(dst, s.n);
}

struct ks_event *ks_event_clone(const struct ks_event *ev)
{
    size_t size = ks_event_clone_size(ev);
    struct ks_event *c = malloc(size);
    if (!c)
        return NULL;
    *c = *ev;
    struct ks_kv *bag = (struct ks_kv *)(void *)(c + 1);
    char *cursor = (char *)(bag + ev->nbag);
    for (int f = 0; f < KS_F_COUNT; f++) {
        if (ks_event_fields[f].type == KS_FT_STR) {
            struct ks_sv *s = str_field(c, f);
            *s = copy_str(*s, &cursor);
        }
    }
    for (uint32_t i = 0; i < ev->nbag; i++) {
        bag[i].key = copy_str(ev->bag[i].key, &cursor);
        bag[i].val = copy_str(ev->bag[i].val, &cursor);
    }
    c->bag = ev->nbag ? bag : NULL;
    assert((size_t)(cursor - (char *)c) == size);
    return c;
}
