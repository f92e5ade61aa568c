/* SPDX-License-Identifier: MIT */
/*
 * ingest_driver_int.h - private to the ingest framework (ingest_input.c, ingest_merge.c,
 * ingest_driver.c): listing the inputs behind the user's paths, the decompressing reader, and the
 * per-input reorder queue that feeds the k-way merge. Parsers never include this header.
 */
#ifndef KS_INGEST_DRIVER_INT_H
#define KS_INGEST_DRIVER_INT_H

#include "ingest/ingest.h"

#define KS_INGEST_HEAD_MAX (64u * 1024u)          /* identity and format probe */
#define KS_INGEST_BUF_INIT (1u * 1024u * 1024u)   /* first record buffer */
#define KS_INGEST_RECORD_MAX (16u * 1024u * 1024u) /* longest record a parser may ask for */
#define KS_INGEST_READ_CHUNK (256u * 1024u)       /* most bytes one read adds to the buffer */
#define KS_INGEST_MAX_DEPTH 64                    /* directory recursion */
#define KS_INGEST_SPARE_CHUNKS 8                  /* empty 1 MiB event chunks kept per input */

/* ---------------------------------------------------------------- listing inputs */

/* One input behind the user's paths: a file, or one member of a zip archive. */
struct ks_ingest_desc {
    char *path;        /* shown to the user: "dir/a.zip:member.json" */
    char *file;        /* the file on disk */
    bool zip_member;   /* file is a zip archive; read member zip_index */
    uint64_t zip_index;
    uint64_t size;     /* compressed bytes on disk (member's compressed size for zip) */
    int error;         /* the input could not be listed (missing, unreadable, bad zip) */
};

/* Expands paths (files, directories recursed in name order, zip archives into members) into
 * OUT *out[0..*n). Paths that cannot be read become entries with error set (already logged).
 * Returns 0 or KS_ENOMEM. Caller frees with ks_ingest_free_descs(). */
int ks_ingest_list_inputs(const char *const *paths, size_t npaths, struct ks_ingest_desc **out,
                          size_t *n);
void ks_ingest_free_descs(struct ks_ingest_desc *d, size_t n);

/* ---------------------------------------------------------------- the decompressing reader */

/* Opens d for reading; compression (gzip, zstd, none) is chosen by magic bytes, inside zip members
 * too. OUT *out: caller frees with ks_ingest_input_close(). */
int ks_ingest_input_open(const struct ks_ingest_desc *d, struct ks_input **out);
/* Reads up to cap decompressed bytes into dst. OUT *got: 0 only at the end of the input.
 * Returns KS_EIO (read failed) or KS_ECORRUPT (bad or truncated compressed stream) on error; the
 * bytes returned before stay valid. */
int ks_ingest_input_read(struct ks_input *in, char *dst, size_t cap, size_t *got);
/* Compressed bytes consumed so far (for progress). */
uint64_t ks_ingest_input_raw_pos(const struct ks_input *in);
/* "plain", "gzip", "zstd". */
const char *ks_ingest_input_codec(const struct ks_input *in);
void ks_ingest_input_close(struct ks_input *in);

/* ---------------------------------------------------------------- reorder queue */

/* An event waiting in an input's reorder queue: the key (ts, offset) kept beside the pointer so
 * the heap compares without touching the event. */
struct ks_pending {
    int64_t ts;
    uint64_t off;
    uint64_t seq;          /* position in the input's record ring (resume bookkeeping) */
    struct ks_event *ev;   /* owned by the queue's memory; from ks_ingest_reorder_copy() */
};

/* Per-input reorder queue: in-order events go to a FIFO (O(1)), out-of-order ones to a binary
 * min-heap on (ts, offset); the queue's minimum is the smaller of the two heads.
 * Event copies are bump-allocated in 1 MiB chunks (malloc for copies over 128 KiB). A chunk is
 * dropped when its last copy is released: kept as a spare for reuse (up to
 * KS_INGEST_SPARE_CHUNKS, since fresh memory costs page faults) or freed. Copies made together
 * are released within about one reorder window of each other, so the chunks held span the
 * records between the oldest queued event and the newest: bounded by the driver's ring span. */
struct ks_reorder {
    struct ks_pending *fifo; /* ring buffer, capacity a power of two */
    size_t fifo_cap, fifo_head, fifo_len;
    struct ks_pending *heap;
    size_t heap_len, heap_cap;
    size_t held;             /* bytes held for copies: live chunks and malloc'd copies */
    char *chunk;             /* current chunk for FIFO copies, or NULL */
    size_t chunk_used;
    char *spare[KS_INGEST_SPARE_CHUNKS]; /* empty chunks kept for reuse (no page faults) */
    size_t nspare;
};

void ks_ingest_reorder_init(struct ks_reorder *r);
/* Frees the queued events and all memory. */
void ks_ingest_reorder_free(struct ks_reorder *r);
static inline size_t ks_ingest_reorder_len(const struct ks_reorder *r)
{
    return r->fifo_len + r->heap_len;
}
/* Copies ev and its strings and bag into the queue's memory. rec[0..rec_len) is the record's
 * bytes: strings that lie in it are copied with it in one piece. Returns NULL when out of memory;
 * OUT *held: memory newly held for it (0, a chunk, or its malloc'd size). The copy is released
 * with ks_ingest_reorder_release(). */
struct ks_event *ks_ingest_reorder_copy(struct ks_reorder *r, const struct ks_event *ev,
                                        const char *rec, size_t rec_len, size_t *held);
/* Releases a copy taken out of the queue; returns the memory no longer held. */
size_t ks_ingest_reorder_release(struct ks_reorder *r, struct ks_event *ev);
/* Queues p (p->ev from ks_ingest_reorder_copy()); in_order tells that no queued event is newer. */
int ks_ingest_reorder_push(struct ks_reorder *r, const struct ks_pending *p, bool in_order);
/* The minimum; NULL when empty. Borrowed until the next call. */
const struct ks_pending *ks_ingest_reorder_top(const struct ks_reorder *r);
/* Removes the minimum into OUT *p (the caller releases p->ev). */
void ks_ingest_reorder_pop(struct ks_reorder *r, struct ks_pending *p);
/* Removes the entry with sequence number seq into OUT *p; KS_ENOENT when absent. O(n). */
int ks_ingest_reorder_take_seq(struct ks_reorder *r, uint64_t seq, struct ks_pending *p);

#endif /* KS_INGEST_DRIVER_INT_H */
