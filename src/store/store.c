/* SPDX-License-Identifier: MIT */
/*
 * store.c - the store's public entry points: picks the backend by URI scheme (a plain path is
 * the embedded directory store; "scheme://..." names another backend) and forwards every call
 * through the backend's ops table, so callers never see which backend answers.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* One row per backend; a backend that is not built is a missing row. */
static const struct ks_store_ops *const backends[] = {
    &ks_store_dir_ops,
};

void ks_query_init(struct ks_query *q)
{
    memset(q, 0, sizeof(*q));
    q->from = INT64_MIN;
    q->to = INT64_MAX;
}

int ks_store_open(const char *uri, int flags, struct ks_store **out)
{
    *out = NULL;
    if (!uri || !*uri)
        return KS_EINVAL;
    const char *sep = strstr(uri, "://");
    size_t slen = sep ? (size_t)(sep - uri) : 0;
    for (size_t i = 0; i < KS_ARRAY_LEN(backends); i++) {
        const struct ks_store_ops *ops = backends[i];
        if (ops->abi != KS_STORE_ABI)
            continue;
        bool match = sep ? strlen(ops->scheme) == slen && memcmp(ops->scheme, uri, slen) == 0
                         : strcmp(ops->scheme, "dir") == 0;
        if (match)
            return ops->open(uri, flags, out);
    }
    return KS_EUNSUPPORTED;
}

int ks_store_append(struct ks_store *st, const struct ks_event *ev)
{
    return st->ops->append(st, ev);
}

bool ks_store_want_commit(const struct ks_store *st) { return st->ops->want_commit(st); }

int ks_store_commit(struct ks_store *st, const struct ks_resume_entry *resume, size_t nresume)
{
    return st->ops->commit(st, resume, nresume);
}

int ks_store_resume_state(struct ks_store *st, const struct ks_resume_entry **entries, size_t *n)
{
    return st->ops->resume_state(st, entries, n);
}

int ks_store_scan(struct ks_store *st, const struct ks_query *q, ks_scan_fn fn, void *arg)
{
    return st->ops->scan(st, q, fn, arg);
}

int ks_store_stats(struct ks_store *st, struct ks_store_stats *out)
{
    return st->ops->stats(st, out);
}

void ks_store_stats_free(struct ks_store_stats *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndatasets; i++)
        free(s->dataset_names[i]);
    free(s->dataset_names);
    free(s->dataset_events);
    free(s->day_start);
    free(s->day_events);
    s->dataset_names = NULL;
    s->dataset_events = NULL;
    s->day_start = NULL;
    s->day_events = NULL;
    s->ndatasets = s->ndays = 0;
}

int ks_store_verify(struct ks_store *st, struct ks_verify_report *out)
{
    return st->ops->verify(st, out);
}

void ks_store_close(struct ks_store *st)
{
    if (st)
        st->ops->close(st);
}
