/* SPDX-License-Identifier: MIT */
/*
 * store.h - where events live after ingest, and how later stages read them back.
 *
 * One interface, several backends (struct ks_store_ops): the embedded directory store
 * (store_dir.c, format in format.h) and, later, ClickHouse. Callers never see which.
 *
 * Writing: ks_store_append() copies events into the open segment; ks_store_commit() seals and
 * publishes it together with the caller's resume state, atomically (write-to-temp, fsync,
 * rename, then the manifest the same way). A crash loses at most what was not yet committed;
 * published data is never damaged.
 * Reading: ks_store_scan() returns the events matching a query (time range + entity predicates)
 * in time order, reading only segments and blocks whose indexes can match.
 */
#ifndef KS_STORE_H
#define KS_STORE_H

#include "event/event.h"

#define KS_STORE_ABI 1

enum ks_store_flags {
    KS_STORE_RDONLY = 0,
    KS_STORE_CREATE = 1 << 0, /* create the store if it does not exist (implies write) */
    KS_STORE_WRITE = 1 << 1,
};

/* A query: all set predicates must hold (AND); within one predicate, any listed field may match
 * (an address matches src or dst; a host matches src_host, dst_host or observer). */
struct ks_query {
    int64_t from; /* inclusive, ns; INT64_MIN for unbounded */
    int64_t to;   /* exclusive, ns; INT64_MAX for unbounded */
    struct ks_sv observer;  /* p == NULL: any */
    struct ks_addr addr;    /* family == 0: any */
    struct ks_sv user;
    struct ks_sv host;
    uint32_t kind_mask;     /* 0: any; else bit (1u << kind) */
    uint64_t limit;         /* 0: no limit */
};

void ks_query_init(struct ks_query *q); /* everything unbounded */

/* Called per matching event; ev and its strings are borrowed for the call. Non-zero stops the
 * scan and is returned by ks_store_scan(). */
typedef int (*ks_scan_fn)(void *arg, const struct ks_event *ev);

struct ks_store_stats {
    uint64_t events;
    uint64_t segments;
    uint64_t bytes_on_disk;
    int64_t min_ts, max_ts;
    uint64_t per_kind[KS_KIND_COUNT];
    /* per dataset and per day: filled as parallel arrays; caller frees with ks_store_stats_free() */
    size_t ndatasets;
    char **dataset_names;
    uint64_t *dataset_events;
    size_t ndays;
    int64_t *day_start;     /* ns at 00:00 UTC */
    uint64_t *day_events;
};

struct ks_verify_report {
    uint64_t segments_ok;
    uint64_t segments_bad;
    uint64_t events;
    uint64_t orphans; /* temp files left by a crash (removed when opened for writing) */
};

struct ks_store;

struct ks_store_ops {
    int abi; /* KS_STORE_ABI */
    const char *scheme; /* "dir" for paths, "clickhouse" for clickhouse://... */
    int (*open)(const char *uri, int flags, struct ks_store **out);
    int (*append)(struct ks_store *st, const struct ks_event *ev);
    bool (*want_commit)(const struct ks_store *st);
    int (*commit)(struct ks_store *st, const struct ks_resume_entry *resume, size_t nresume);
    int (*resume_state)(struct ks_store *st, const struct ks_resume_entry **entries, size_t *n);
    int (*scan)(struct ks_store *st, const struct ks_query *q, ks_scan_fn fn, void *arg);
    int (*stats)(struct ks_store *st, struct ks_store_stats *out);
    int (*verify)(struct ks_store *st, struct ks_verify_report *out);
    void (*close)(struct ks_store *st);
};

/* Every backend struct starts with this. */
struct ks_store {
    const struct ks_store_ops *ops;
};

/* Opens the store named by uri (a directory path, or scheme://...).
 * OUT *out: caller closes with ks_store_close(). */
int ks_store_open(const char *uri, int flags, struct ks_store **out);
/* Copies ev (and its strings) into the store's open segment. Never publishes on its own: when
 * ks_store_want_commit() turns true the caller commits with its current resume state. Returns
 * KS_ETOOBIG when the open segment is at its hard cap (twice the target) and was not committed. */
int ks_store_append(struct ks_store *st, const struct ks_event *ev);
/* True when the open segment reached its target size (rows or bytes) and should be committed. */
bool ks_store_want_commit(const struct ks_store *st);
/* Seals what was appended and publishes it with resume (borrowed) atomically. */
int ks_store_commit(struct ks_store *st, const struct ks_resume_entry *resume, size_t nresume);
/* The resume state of the last publish. Borrowed; valid until the next write call on st. */
int ks_store_resume_state(struct ks_store *st, const struct ks_resume_entry **entries, size_t *n);
int ks_store_scan(struct ks_store *st, const struct ks_query *q, ks_scan_fn fn, void *arg);
int ks_store_stats(struct ks_store *st, struct ks_store_stats *out);
void ks_store_stats_free(struct ks_store_stats *s);
/* Reads every published segment and checks every checksum and structure. */
int ks_store_verify(struct ks_store *st, struct ks_verify_report *out);
/* Discards uncommitted appends and releases everything. */
void ks_store_close(struct ks_store *st);

#endif /* KS_STORE_H */
