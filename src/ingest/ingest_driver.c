/* SPDX-License-Identifier: MIT */
/*
 * ingest_driver.c - the ingest driver: opens the inputs listed by ingest_input.c, picks a parser
 * per input, feeds it decompressed bytes, and merges all inputs into one time-ordered stream for
 * the sink, keeping the resume state the store publishes with each commit.
 *
 * NOTES ON THE DESIGN
 *
 * Each input (struct src) moves WAITING -> OPEN -> DONE. Inputs are opened in batches of at most
 * opts.max_open, in listing (name) order; time order is exact within a batch, and a later batch's
 * events older than what an earlier batch emitted reach the sink as "late".
 *
 * Per input, records flow: reader -> record buffer (buf[start..end), base = offset of buf[0]) ->
 * parser -> reorder queue (ingest_merge.c) -> k-way merge heap over inputs -> VPN attribution
 * (ingest_vpnmap.c, on the copy handed over) -> sink.
 *
 * Invariants:
 *  1. An input is in the merge heap only while its queue's minimum is releasable: its ts is at
 *     least reorder_window_ns older than the newest ts the input produced, or the queue holds
 *     reorder_max_events, or all queues together hold more than KS_INGEST_QUEUE_BYTES of memory
 *     (chunks and copies, ingest_merge.c), or the input has no more records. A queue only
 *     changes while its input is out of the heap, so the heap's keys never go stale.
 *  2. Every event record read is given a sequence number and a slot in the input's record ring
 *     (offset + done bit). A slot is done once its event was handed to the sink or skipped as
 *     already stored. ring_tail is the first slot not done, so the resume watermark is its
 *     offset; the done slots after it are the "above" offsets.
 *  3. The ring spans at most span_max = 2 * clamp(reorder_max_events, 512, 32768) slots: when a
 *     far-future event pins the tail, it is handed to the sink early (counted late) so that the
 *     resume state stays bounded.
 *  4. An event is marked done before the sink sees it, so a commit made from inside the sink
 *     covers the event being appended.
 *  5. Malformed records count as handed over (they are reported once), except a cut-off last
 *     record: a log still being written ends in a partial line, and the watermark stays before
 *     it so that the next ingest reads the completed record.
 */
#include "ingest/ingest_driver_int.h"
#include "ingest/ingest_vpnmap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define KS_INGEST_QUEUE_BYTES ((size_t)1 << 30) /* all reorder queues together */
#define RING_DONE (UINT64_C(1) << 63)

enum src_phase {
    SRC_WAITING,
    SRC_OPEN,
    SRC_DONE,
};

struct src {
    const struct ks_ingest_desc *desc;
    struct ks_ingest_file_stats *st;
    uint32_t id;
    enum src_phase phase;
    bool in_merge;
    bool has_entry;  /* identity known and records were read: publishes a resume entry */
    /* reading */
    struct ks_input *rd;
    const struct ks_parser_ops *ops;
    void *pstate;
    struct ks_parse_ctx ctx;
    char *buf;
    size_t cap, start, end;
    uint64_t base;   /* offset of buf[0] in the decompressed input */
    uint64_t line;     /* '\n' in the input before offset line_pos (counted lazily) */
    uint64_t line_pos;
    bool rd_eof;
    bool rd_error;   /* the input ended on a read or decompression error */
    bool parse_done;
    bool skip_to_nl; /* discarding the rest of an oversized text record */
    uint64_t shown;  /* malformed records printed */
    uint64_t raw_pos;
    /* ordering */
    struct ks_reorder q;
    int64_t max_ts;
    bool have_ts;
    /* resume */
    const struct ks_resume_entry *old; /* matched entry from opts.resume or own_old, or NULL */
    struct ks_resume_entry own_old;    /* the entry of an earlier copy read in this ingest */
    bool superseded;                   /* a later copy carries this input's resume entry */
    uint64_t *ring;
    size_t ring_cap;                   /* power of two */
    uint64_t ring_head, ring_tail;     /* sequence numbers */
    uint64_t final_pos;                /* consumed bytes once DONE */
    uint64_t tail_off;                 /* offset of a cut-off last record, else UINT64_MAX */
};

struct ks_ingest {
    struct ks_ingest_opts opts;
    struct ks_ingest_desc *descs;
    size_t ndescs;
    struct src *srcs;
    struct ks_ingest_report report;
    size_t span_max;
    /* the current batch: indexes into srcs */
    size_t *batch;
    size_t nbatch;
    bool batch_active;
    struct src **mheap;
    size_t mlen;
    int64_t last_ts;
    bool have_last;
    size_t queued_bytes;
    /* opts.resume sorted by identity_len descending, then identity */
    const struct ks_resume_entry **rsorted;
    bool *rused;
    struct ks_resume_entry *rout;
    size_t nrout;
    /* progress */
    struct ks_progress prog;
    bool prog_started;
    uint64_t raw_closed;
    uint64_t emitted_since_draw;
    struct ks_vpnmap *vpn; /* VPN attribution (ingest_vpnmap.c) */
};

void ks_ingest_opts_default(struct ks_ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->reorder_window_ns = 300 * KS_NS_PER_SEC;
    o->reorder_max_events = 1000000;
    o->progress = true;
    o->max_errors_shown = 10;
    o->max_open = 64;
}

/* ---------------------------------------------------------------- resume lookup */

static int cmp_resume(const void *a, const void *b)
{
    const struct ks_resume_entry *x = *(const struct ks_resume_entry *const *)a;
    const struct ks_resume_entry *y = *(const struct ks_resume_entry *const *)b;
    if (x->identity_len != y->identity_len)
        return x->identity_len > y->identity_len ? -1 : 1;
    if (x->identity != y->identity)
        return x->identity < y->identity ? -1 : 1;
    if (x->watermark != y->watermark)
        return x->watermark > y->watermark ? -1 : 1;
    return 0;
}

/* The stored entry for the input whose first bytes are head[0..n), or NULL. Entries with a
 * shorter identity_len match a log that has grown since; the longest match wins. */
static const struct ks_resume_entry *resume_match(struct ks_ingest *in, const char *head,
                                                  size_t n, size_t *index)
{
    const struct ks_resume_entry *const *e = in->rsorted;
    size_t i = 0, cnt = in->opts.nresume;
    while (i < cnt) {
        uint32_t len = e[i]->identity_len;
        size_t j = i;
        while (j < cnt && e[j]->identity_len == len)
            j++;
        if (len > 0 && len <= n) {
            uint64_t h = ks_hash64(head, len, 0);
            size_t lo = i, hi = j;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (e[mid]->identity < h)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < j && e[lo]->identity == h) {
                *index = (size_t)(e[lo] - in->opts.resume);
                return e[lo];
            }
        }
        i = j;
    }
    return NULL;
}

static bool above_contains(const struct ks_resume_entry *e, uint64_t off)
{
    size_t lo = 0, hi = e->nabove;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->above[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < e->nabove && e->above[lo] == off;
}

/* ---------------------------------------------------------------- record ring */

static int ring_push(struct src *s, uint64_t off, bool done, uint64_t *seq)
{
    if (s->ring_head - s->ring_tail == s->ring_cap) {
        size_t cap = s->ring_cap ? s->ring_cap * 2 : 1024;
        uint64_t *r = malloc(cap * sizeof *r);
        if (!r)
            return KS_ENOMEM;
        for (uint64_t q = s->ring_tail; q < s->ring_head; q++)
            r[q & (cap - 1)] = s->ring[q & (s->ring_cap - 1)];
        free(s->ring);
        s->ring = r;
        s->ring_cap = cap;
    }
    *seq = s->ring_head;
    s->ring[s->ring_head & (s->ring_cap - 1)] = off | (done ? RING_DONE : 0);
    s->ring_head++;
    if (done && *seq == s->ring_tail)
        s->ring_tail++;
    return 0;
}

static void ring_done(struct src *s, uint64_t seq)
{
    size_t mask = s->ring_cap - 1;
    s->ring[seq & mask] |= RING_DONE;
    while (s->ring_tail < s->ring_head && (s->ring[s->ring_tail & mask] & RING_DONE))
        s->ring_tail++;
}

/* ---------------------------------------------------------------- merge heap over inputs */

static bool src_less(const struct src *a, const struct src *b)
{
    const struct ks_pending *x = ks_ingest_reorder_top(&a->q);
    const struct ks_pending *y = ks_ingest_reorder_top(&b->q);
    if (x->ts != y->ts)
        return x->ts < y->ts;
    if (a->id != b->id)
        return a->id < b->id;
    return x->off < y->off;
}

static void merge_push(struct ks_ingest *in, struct src *s)
{
    size_t i = in->mlen++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!src_less(s, in->mheap[p]))
            break;
        in->mheap[i] = in->mheap[p];
        i = p;
    }
    in->mheap[i] = s;
    s->in_merge = true;
}

static struct src *merge_pop(struct ks_ingest *in)
{
    struct src *top = in->mheap[0];
    struct src *x = in->mheap[--in->mlen];
    size_t i = 0, n = in->mlen;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && src_less(in->mheap[c + 1], in->mheap[c]))
            c++;
        if (!src_less(in->mheap[c], x))
            break;
        in->mheap[i] = in->mheap[c];
        i = c;
    }
    if (n > 0)
        in->mheap[i] = x;
    top->in_merge = false;
    return top;
}

/* ---------------------------------------------------------------- opening and closing inputs */

static void src_release(struct ks_ingest *in, struct src *s)
{
    if (s->pstate && s->ops->destroy)
        s->ops->destroy(s->pstate);
    s->pstate = NULL;
    if (s->rd) {
        in->raw_closed += s->desc->size;
        ks_ingest_input_close(s->rd);
        s->rd = NULL;
    }
    free(s->buf);
    s->buf = NULL;
    s->cap = s->start = s->end = 0;
}

/* Ends an input: reports what was not shown and frees everything but the resume state. */
static void src_finish(struct ks_ingest *in, struct src *s)
{
    if (s->phase != SRC_OPEN)
        return;
    if (s->st->malformed > s->shown)
        ks_log_warn("... %" PRIu64 " more malformed records in %s", s->st->malformed - s->shown,
                    s->desc->path);
    s->final_pos = s->base + s->start;
    src_release(in, s);
    in->queued_bytes -= KS_MIN(in->queued_bytes, s->q.held);
    ks_ingest_reorder_free(&s->q);
    if (s->ring_tail == s->ring_head) {
        free(s->ring);
        s->ring = NULL;
        s->ring_cap = 0;
    }
    s->phase = SRC_DONE;
}

static void src_fail(struct src *s, int err, const char *what)
{
    if (!s->st->error)
        s->st->error = err;
    ks_log_warn("%s: %s: %s", s->desc->path, what, ks_strerror(err));
}

/* Reads more bytes into buf[end..cap); a read error is reported and ends the input. */
static void src_fill(struct src *s)
{
    size_t got = 0;
    size_t room = KS_MIN(s->cap - s->end, (size_t)KS_INGEST_READ_CHUNK);
    int rc = ks_ingest_input_read(s->rd, s->buf + s->end, room, &got);
    if (rc != 0) {
        src_fail(s, rc, "read error");
        s->rd_eof = true;
        s->rd_error = true;
        return;
    }
    if (got == 0)
        s->rd_eof = true;
    s->end += got;
    s->st->bytes += got;
    s->raw_pos = ks_ingest_input_raw_pos(s->rd);
}

/* Counts '\n' in p[0..n): with SSE2 16 bytes at a time into byte counters summed every 255
 * rounds, elsewhere 8 bytes at a time (exact per-byte zero test, no carries between bytes). */
static uint64_t count_nl(const char *p, size_t n)
{
    uint64_t c = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n');
    while (i + 16 <= n) {
        __m128i acc = _mm_setzero_si128();
        size_t end = i + KS_MIN((n - i) / 16, (size_t)255) * 16;
        for (; i < end; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
        }
        __m128i sum = _mm_sad_epu8(acc, _mm_setzero_si128());
        c += (uint64_t)_mm_cvtsi128_si64(sum) +
             (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum));
    }
#else
    const uint64_t lo7 = UINT64_C(0x7f7f7f7f7f7f7f7f), nl = UINT64_C(0x0a0a0a0a0a0a0a0a);
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        v ^= nl;
        uint64_t t = ~(((v & lo7) + lo7) | v) & ~lo7; /* 0x80 in each byte that was '\n' */
        c += ((t >> 7) * UINT64_C(0x0101010101010101)) >> 56;
    }
#endif
    for (; i < n; i++)
        c += p[i] == '\n';
    return c;
}

/* Line numbers are counted lazily, in bulk: before bytes leave the buffer (reads are at most
 * KS_INGEST_READ_CHUNK, so they are still in cache) and when a message names a line. Brings
 * s->line up to absolute offset off (within the buffer). Binary inputs never count. */
static void line_sync(struct src *s, uint64_t off)
{
    if (!s->ops || !s->ops->text || off <= s->line_pos)
        return;
    s->line += count_nl(s->buf + (s->line_pos - s->base), (size_t)(off - s->line_pos));
    s->line_pos = off;
}

/* Moves the unconsumed bytes to the front of buf. */
static void src_compact(struct src *s)
{
    if (s->start == 0)
        return;
    line_sync(s, s->base + s->start);
    if (s->end > s->start)
        memmove(s->buf, s->buf + s->start, s->end - s->start);
    s->base += s->start;
    s->end -= s->start;
    s->start = 0;
}

static int src_entry(const struct src *s, struct ks_resume_entry *e);

/* An earlier input of this ingest with the same identity (the same file named twice, or a copy),
 * or NULL. */
static struct src *src_twin(struct ks_ingest *in, const struct src *s)
{
    for (size_t i = 0; i < in->ndescs; i++) {
        struct src *t = &in->srcs[i];
        if (t != s && t->has_entry && !t->superseded && t->st->identity == s->st->identity &&
            t->st->identity_len == s->st->identity_len)
            return t;
    }
    return NULL;
}

/* Puts s back to WAITING (its twin is still being read; it is reopened in a later batch). */
static void src_defer(struct src *s)
{
    ks_ingest_input_close(s->rd);
    s->rd = NULL;
    free(s->buf);
    s->buf = NULL;
    s->cap = s->start = s->end = 0;
    s->base = 0;
    s->rd_eof = s->rd_error = false;
    s->raw_pos = 0;
    s->st->bytes = 0;
    s->phase = SRC_WAITING;
}

static int src_open(struct ks_ingest *in, struct src *s)
{
    int rc = ks_ingest_input_open(s->desc, &s->rd);
    s->phase = SRC_OPEN;
    if (rc != 0) {
        src_fail(s, rc, "cannot open");
        goto fail;
    }
    s->cap = KS_INGEST_BUF_INIT;
    s->buf = malloc(s->cap);
    if (!s->buf)
        return KS_ENOMEM;
    while (s->end < KS_INGEST_HEAD_MAX && !s->rd_eof)
        src_fill(s);
    size_t head = KS_MIN(s->end, (size_t)KS_INGEST_HEAD_MAX);
    s->st->identity = ks_hash64(s->buf, head, 0);
    s->st->identity_len = (uint32_t)head;
    if (head == 0)
        goto fail; /* empty input: nothing to parse, nothing to resume */
    s->ops = in->opts.parser;
    if (!s->ops && in->opts.format)
        s->ops = ks_parser_find(in->opts.format);
    if (!s->ops)
        s->ops = ks_parser_detect(s->buf, head);
    if (!s->ops || s->ops->abi != KS_PARSER_ABI) {
        if (!s->st->error)
            s->st->error = s->ops ? KS_EUNSUPPORTED : KS_EFORMAT;
        ks_log_warn("%s: %s", s->desc->path,
                    s->ops ? "parser ABI mismatch" : "unrecognized format");
        s->ops = NULL;
        goto fail;
    }
    s->st->format = s->ops->name;
    /* A copy of an input read in this ingest skips what its twin handed over: the twin's
     * records are the same records at the same offsets. */
    struct src *twin = src_twin(in, s);
    if (twin && twin->phase != SRC_DONE) {
        src_defer(s);
        return 0;
    }
    if (twin) {
        rc = src_entry(twin, &s->own_old);
        if (rc != 0)
            return rc;
        twin->superseded = true;
        s->old = &s->own_old;
    } else {
        size_t ri = 0;
        s->old = resume_match(in, s->buf, head, &ri);
        if (s->old)
            in->rused[ri] = true;
    }
    s->has_entry = true;
    s->ctx.path = s->desc->path;
    s->ctx.source_id = s->id;
    rc = s->ops->create(&s->ctx, &s->pstate);
    if (rc != 0) {
        s->pstate = NULL;
        if (rc == KS_ENOMEM)
            return rc;
        src_fail(s, rc, "parser setup failed");
        goto fail;
    }
    return 0;
fail:
    s->parse_done = true;
    return 0;
}

/* ---------------------------------------------------------------- reading records */

/* Counts a bad record at absolute offset off (still in the buffer) and reports it. */
static void report_bad(struct ks_ingest *in, struct src *s, uint64_t off, const char *why)
{
    s->st->records++;
    s->st->malformed++;
    in->report.malformed++;
    if (s->shown >= in->opts.max_errors_shown)
        return;
    s->shown++;
    if (s->ops->text) {
        line_sync(s, off);
        ks_log_warn("%s:%" PRIu64 ": %s", s->desc->path, s->line + 1, why);
    }
    else
        ks_log_warn("%s@%" PRIu64 ": %s", s->desc->path, off, why);
}

/* The parser asked for more bytes: make room (growing up to the record cap) and read. */
static void src_need_more(struct ks_ingest *in, struct src *s)
{
    src_compact(s);
    if (s->end == s->cap) {
        if (s->cap < KS_INGEST_RECORD_MAX) {
            size_t cap = KS_MIN(s->cap * 2, (size_t)KS_INGEST_RECORD_MAX);
            char *b = realloc(s->buf, cap);
            if (b) {
                s->buf = b;
                s->cap = cap;
            }
        }
        if (s->end == s->cap) {
            /* One record fills the largest buffer (or memory ran out growing it). */
            if (!s->ops->text) {
                src_fail(s, KS_ETOOBIG, "record longer than 16 MiB, input abandoned");
                s->parse_done = true;
                return;
            }
            report_bad(in, s, s->base, "record longer than 16 MiB");
            const char *nl = memchr(s->buf, '\n', s->end);
            size_t drop = nl ? (size_t)(nl - s->buf) + 1 : s->end;
            s->start = drop;
            s->skip_to_nl = nl == NULL;
            src_compact(s);
        }
    }
    src_fill(s);
}

/* Handles one event the parser produced: skips it when already stored, else queues a copy. */
static int src_take_event(struct ks_ingest *in, struct src *s, struct ks_event *ev,
                          const char *rec, size_t rec_len)
{
    uint64_t seq;
    s->st->records++;
    if (s->old && (ev->offset < s->old->watermark || above_contains(s->old, ev->offset))) {
        s->st->skipped_dup++;
        in->report.skipped_dup++;
        return ring_push(s, ev->offset, true, &seq);
    }
    size_t bytes;
    bool in_order = !s->have_ts || ev->ts >= s->max_ts;
    struct ks_pending p = {.ts = ev->ts, .off = ev->offset};
    p.ev = ks_ingest_reorder_copy(&s->q, ev, rec, rec_len, &bytes);
    if (!p.ev)
        return KS_ENOMEM;
    in->queued_bytes += bytes;
    int rc = ring_push(s, ev->offset, false, &p.seq);
    if (rc == 0)
        rc = ks_ingest_reorder_push(&s->q, &p, in_order);
    if (rc != 0) {
        bytes = ks_ingest_reorder_release(&s->q, p.ev);
        in->queued_bytes -= KS_MIN(in->queued_bytes, bytes);
        return rc;
    }
    if (!s->have_ts || ev->ts > s->max_ts)
        s->max_ts = ev->ts;
    s->have_ts = true;
    return 0;
}

/* Reads records until one event is queued or skipped, or the input ends. Returns KS_ENOMEM only;
 * everything wrong with the input itself is counted and reported. */
static int src_advance(struct ks_ingest *in, struct src *s)
{
    struct ks_event ev;
    while (!s->parse_done) {
        size_t len = s->end - s->start;
        if (s->skip_to_nl) {
            const char *nl = memchr(s->buf + s->start, '\n', len);
            size_t drop = nl ? (size_t)(nl - (s->buf + s->start)) + 1 : len;
            s->start += drop;
            s->skip_to_nl = nl == NULL;
            if (!s->skip_to_nl)
                continue;
            if (s->rd_eof) {
                s->parse_done = true;
                break;
            }
            src_compact(s);
            src_fill(s);
            continue;
        }
        if (len == 0) {
            if (s->rd_eof) {
                s->parse_done = true;
                break;
            }
            src_compact(s);
            src_fill(s);
            continue;
        }
        s->ctx.base_offset = s->base + s->start;
        /* After a read error the last bytes are cut short, not a whole last record. */
        s->ctx.eof = s->rd_eof && !s->rd_error;
        s->ctx.err[0] = '\0';
        memset(&ev, 0, sizeof ev);
        size_t consumed = 0;
        int r = s->ops->next(s->pstate, &s->ctx, s->buf + s->start, len, &consumed, &ev);
        if (r == KS_PARSE_INCOMPLETE) {
            if (s->rd_eof) {
                s->tail_off = s->base + s->start;
                report_bad(in, s, s->base + s->start, "truncated record at end of input");
                s->start = s->end;
                s->parse_done = true;
                break;
            }
            src_need_more(in, s);
            continue;
        }
        if (r == KS_PARSE_END) {
            s->parse_done = true;
            break;
        }
        if ((r != KS_PARSE_EVENT && r != KS_PARSE_SKIP && r != KS_PARSE_MALFORMED) ||
            consumed == 0 || consumed > len) {
            src_fail(s, KS_EINVAL, "parser made no progress, input abandoned");
            s->parse_done = true;
            break;
        }
        uint64_t off = s->base + s->start;
        s->start += consumed;
        if (r == KS_PARSE_SKIP)
            continue;
        if (r == KS_PARSE_MALFORMED) {
            /* A bad last line without its '\n' may be one still being written: resume states
             * keep it unread so that the next ingest reads it again (invariant 5). */
            if (s->ops->text && s->rd_eof && s->start == s->end && s->buf[s->end - 1] != '\n')
                s->tail_off = off;
            report_bad(in, s, off, s->ctx.err[0] ? s->ctx.err : "malformed record");
            continue;
        }
        ev.source_id = s->id;
        ev.offset = off;
        return src_take_event(in, s, &ev, s->buf + s->start - consumed, consumed);
    }
    return 0;
}

/* ---------------------------------------------------------------- emitting */

static bool src_releasable(const struct ks_ingest *in, const struct src *s)
{
    const struct ks_pending *top = ks_ingest_reorder_top(&s->q);
    if (!top)
        return false;
    if (s->parse_done || ks_ingest_reorder_len(&s->q) >= in->opts.reorder_max_events ||
        in->queued_bytes > KS_INGEST_QUEUE_BYTES)
        return true;
    int64_t w = in->opts.reorder_window_ns;
    if (s->max_ts < INT64_MIN + w)
        return false;
    return top->ts <= s->max_ts - w;
}

static void progress_tick(struct ks_ingest *in)
{
    if (!in->prog_started || ++in->emitted_since_draw < 4096)
        return;
    in->emitted_since_draw = 0;
    uint64_t done = in->raw_closed;
    for (size_t i = 0; i < in->nbatch; i++)
        if (in->srcs[in->batch[i]].rd)
            done += in->srcs[in->batch[i]].raw_pos;
    ks_progress_update(&in->prog, done, in->report.events);
}

/* Hands p's event to the sink and frees it. forced: emitted ahead of its time (invariant 3). */
static int emit(struct ks_ingest *in, struct src *s, struct ks_pending *p, ks_ingest_sink_fn sink,
                void *arg, bool forced)
{
    if (forced || (in->have_last && p->ts < in->last_ts)) {
        s->st->late++;
        in->report.late++;
    } else {
        in->last_ts = p->ts;
        in->have_last = true;
    }
    ring_done(s, p->seq);
    s->st->events++;
    in->report.events++;
    struct ks_vpnmap_saved vs;
    int vrc = ks_ingest_vpnmap_apply(in->vpn, p->ev, &vs);
    int rc = sink(arg, p->ev);
    ks_ingest_vpnmap_restore(p->ev, &vs);
    if (rc >= 0)
        rc = vrc;
    size_t bytes = ks_ingest_reorder_release(&s->q, p->ev);
    in->queued_bytes -= KS_MIN(in->queued_bytes, bytes);
    p->ev = NULL;
    progress_tick(in);
    return rc < 0 ? rc : 0;
}

/* Reads input s until its queue's minimum is releasable or the input is exhausted (then it is
 * finished). Returns KS_ENOMEM or a sink error (from a forced emit). */
static int src_refill(struct ks_ingest *in, struct src *s, ks_ingest_sink_fn sink, void *arg)
{
    while (s->phase == SRC_OPEN) {
        if (s->ring_head - s->ring_tail > in->span_max) {
            struct ks_pending p;
            if (KS_ALWAYS(ks_ingest_reorder_take_seq(&s->q, s->ring_tail, &p) == 0)) {
                int rc = emit(in, s, &p, sink, arg, true);
                if (rc != 0)
                    return rc;
                continue;
            }
        }
        if (src_releasable(in, s))
            return 0;
        if (s->parse_done) {
            src_finish(in, s); /* queue empty and nothing left to read */
            return 0;
        }
        int rc = src_advance(in, s);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- public API */

int ks_ingest_open(const char *const *paths, size_t npaths, const struct ks_ingest_opts *opts,
                   struct ks_ingest **out)
{
    int rc = 0;
    *out = NULL;
    struct ks_ingest *in = calloc(1, sizeof *in);
    if (!in)
        return KS_ENOMEM;
    if (opts)
        in->opts = *opts;
    else
        ks_ingest_opts_default(&in->opts);
    if (in->opts.reorder_window_ns < 0 || (in->opts.nresume && !in->opts.resume)) {
        rc = KS_EINVAL;
        goto out;
    }
    if (in->opts.max_open == 0)
        in->opts.max_open = 64;
    if (!in->opts.parser && in->opts.format && !ks_parser_find(in->opts.format)) {
        ks_log_error("unknown format '%s'", in->opts.format);
        rc = KS_EINVAL;
        goto out;
    }
    /* The ring bounds the resume state every commit writes ("above" offsets): at most 64K
     * records for large reorder caps, so an input whose time runs backwards (concatenated logs)
     * cannot make each commit rewrite megabytes. */
    in->span_max = KS_MAX(KS_MIN(in->opts.reorder_max_events, (size_t)32768), (size_t)512) * 2;
    rc = ks_ingest_vpnmap_create(0, 0, &in->vpn);
    if (rc != 0)
        goto out;
    rc = ks_ingest_list_inputs(paths, npaths, &in->descs, &in->ndescs);
    if (rc != 0)
        goto out;
    size_t n = in->ndescs;
    in->srcs = calloc(n ? n : 1, sizeof *in->srcs);
    in->report.files = calloc(n ? n : 1, sizeof *in->report.files);
    in->mheap = calloc(KS_MIN(n, in->opts.max_open) + 1, sizeof *in->mheap);
    in->batch = calloc(KS_MIN(n, in->opts.max_open) + 1, sizeof *in->batch);
    in->rsorted = calloc(in->opts.nresume + 1, sizeof *in->rsorted);
    in->rused = calloc(in->opts.nresume + 1, sizeof *in->rused);
    if (!in->srcs || !in->report.files || !in->mheap || !in->batch || !in->rsorted ||
        !in->rused) {
        rc = KS_ENOMEM;
        goto out;
    }
    in->report.nfiles = n;
    for (size_t i = 0; i < n; i++) {
        struct src *s = &in->srcs[i];
        s->desc = &in->descs[i];
        s->st = &in->report.files[i];
        s->st->path = in->descs[i].path;
        s->st->error = in->descs[i].error;
        s->id = (uint32_t)i;
        s->tail_off = UINT64_MAX;
        s->phase = in->descs[i].error ? SRC_DONE : SRC_WAITING;
        ks_ingest_reorder_init(&s->q);
    }
    for (size_t i = 0; i < in->opts.nresume; i++)
        in->rsorted[i] = &in->opts.resume[i];
    if (in->opts.nresume > 1)
        qsort(in->rsorted, in->opts.nresume, sizeof *in->rsorted, cmp_resume);
out:
    if (rc != 0) {
        ks_ingest_free(in);
        return rc;
    }
    *out = in;
    return 0;
}

/* Opens the next batch of inputs, in listing order; *started is false when none is left. An
 * input deferred by src_open() (a copy of one still open) waits for a later batch. */
static int batch_start(struct ks_ingest *in, bool *started)
{
    *started = false;
    in->nbatch = 0;
    for (size_t i = 0; i < in->ndescs && in->nbatch < in->opts.max_open; i++) {
        if (in->srcs[i].phase != SRC_WAITING)
            continue;
        int rc = src_open(in, &in->srcs[i]);
        if (rc != 0)
            return rc;
        if (in->srcs[i].phase == SRC_OPEN)
            in->batch[in->nbatch++] = i;
    }
    if (in->nbatch == 0)
        return 0;
    in->batch_active = true;
    *started = true;
    return 0;
}

int ks_ingest_run(struct ks_ingest *in, ks_ingest_sink_fn sink, void *arg)
{
    int rc = 0;
    if (in->opts.progress && !in->prog_started) {
        uint64_t total = 0;
        for (size_t i = 0; i < in->ndescs; i++)
            total += in->descs[i].size;
        ks_progress_start(&in->prog, "ingest", total);
        in->prog_started = true;
    }
    for (;;) {
        if (!in->batch_active) {
            bool started;
            rc = batch_start(in, &started);
            if (rc != 0 || !started)
                break;
        }
        /* Prime: every open input of the batch not in the heap gets a releasable minimum. */
        for (size_t i = 0; i < in->nbatch; i++) {
            struct src *s = &in->srcs[in->batch[i]];
            if (s->phase != SRC_OPEN || s->in_merge)
                continue;
            rc = src_refill(in, s, sink, arg);
            if (rc != 0)
                goto out;
            if (s->phase == SRC_OPEN)
                merge_push(in, s);
        }
        while (in->mlen > 0) {
            struct src *s = merge_pop(in);
            struct ks_pending p;
            ks_ingest_reorder_pop(&s->q, &p);
            rc = emit(in, s, &p, sink, arg, false);
            if (rc != 0)
                goto out;
            rc = src_refill(in, s, sink, arg);
            if (rc != 0)
                goto out;
            if (s->phase == SRC_OPEN)
                merge_push(in, s);
        }
        in->batch_active = false;
    }
out:
    if (in->prog_started && rc == 0) {
        ks_progress_update(&in->prog, in->raw_closed, in->report.events);
        ks_progress_finish(&in->prog);
        in->prog_started = false;
    }
    return rc;
}

/* The resume entry of an opened input (invariant 2): watermark = first record not yet handed
 * over; above = records handed over (or already stored) past it. */
static int src_entry(const struct src *s, struct ks_resume_entry *e)
{
    uint64_t pos = s->phase == SRC_DONE ? s->final_pos : s->base + s->start;
    pos = KS_MIN(pos, s->tail_off);
    uint64_t wold = s->old ? s->old->watermark : 0;
    size_t mask = s->ring_cap ? s->ring_cap - 1 : 0;
    bool pending = s->ring_tail < s->ring_head;
    uint64_t w = pending ? (s->ring[s->ring_tail & mask] & ~RING_DONE) : KS_MAX(pos, wold);
    uint64_t from = KS_MAX(pos, w);
    size_t n = 0, cap = 0;
    if (pending)
        cap += (size_t)(s->ring_head - s->ring_tail);
    if (s->old)
        cap += s->old->nabove;
    memset(e, 0, sizeof *e);
    e->identity = s->st->identity;
    e->identity_len = s->st->identity_len;
    e->watermark = w;
    if (cap == 0)
        return 0;
    e->above = malloc(cap * sizeof *e->above);
    if (!e->above)
        return KS_ENOMEM;
    for (uint64_t q = s->ring_tail; pending && q < s->ring_head; q++) {
        uint64_t v = s->ring[q & mask];
        if ((v & RING_DONE) && (v & ~RING_DONE) > w)
            e->above[n++] = v & ~RING_DONE;
    }
    for (uint32_t i = 0; s->old && i < s->old->nabove; i++)
        if (s->old->above[i] >= from)
            e->above[n++] = s->old->above[i];
    /* Ring slots are in read (offset) order and the old offsets kept all lie beyond them. */
    e->nabove = (uint32_t)n;
    return 0;
}

static void free_rout(struct ks_ingest *in)
{
    for (size_t i = 0; i < in->nrout; i++)
        free(in->rout[i].above);
    free(in->rout);
    in->rout = NULL;
    in->nrout = 0;
}

int ks_ingest_resume_state(struct ks_ingest *in, const struct ks_resume_entry **entries, size_t *n)
{
    int rc = 0;
    free_rout(in);
    *entries = NULL;
    *n = 0;
    size_t cap = in->opts.nresume;
    for (size_t i = 0; i < in->ndescs; i++)
        cap += in->srcs[i].has_entry && !in->srcs[i].superseded;
    if (cap == 0)
        return 0;
    in->rout = calloc(cap, sizeof *in->rout);
    if (!in->rout)
        return KS_ENOMEM;
    for (size_t i = 0; i < in->ndescs; i++) {
        if (!in->srcs[i].has_entry || in->srcs[i].superseded)
            continue;
        rc = src_entry(&in->srcs[i], &in->rout[in->nrout]);
        if (rc != 0)
            goto out;
        in->nrout++;
    }
    /* Entries of inputs not read in this ingest are carried over unchanged. */
    for (size_t i = 0; i < in->opts.nresume; i++) {
        if (in->rused[i])
            continue;
        const struct ks_resume_entry *o = &in->opts.resume[i];
        struct ks_resume_entry *e = &in->rout[in->nrout];
        *e = *o;
        e->above = NULL;
        if (o->nabove) {
            e->above = malloc((size_t)o->nabove * sizeof *e->above);
            if (!e->above) {
                e->nabove = 0;
                rc = KS_ENOMEM;
                goto out;
            }
            memcpy(e->above, o->above, (size_t)o->nabove * sizeof *e->above);
        }
        in->nrout++;
    }
out:
    if (rc != 0) {
        free_rout(in);
        return rc;
    }
    *entries = in->rout;
    *n = in->nrout;
    return 0;
}

const struct ks_ingest_report *ks_ingest_get_report(const struct ks_ingest *in)
{
    return &in->report;
}

void ks_ingest_free(struct ks_ingest *in)
{
    if (!in)
        return;
    for (size_t i = 0; in->srcs && i < in->ndescs; i++) {
        struct src *s = &in->srcs[i];
        src_release(in, s);
        ks_ingest_reorder_free(&s->q);
        free(s->ring);
        free(s->own_old.above);
    }
    if (in->prog_started)
        ks_progress_finish(&in->prog);
    free_rout(in);
    ks_ingest_vpnmap_free(in->vpn);
    free(in->srcs);
    free(in->report.files);
    free(in->mheap);
    free(in->batch);
    free(in->rsorted);
    free(in->rused);
    ks_ingest_free_descs(in->descs, in->ndescs);
    free(in);
}
