/* SPDX-License-Identifier: MIT */
/*
 * ingest.h - from bytes to one time-ordered stream of normalized events.
 *
 * A parser is a plug-in table (struct ks_parser_ops) listed in ingest_registry.c. The framework
 * opens each input (directories recursed; gzip, zstd and zip read transparently), picks a parser
 * by probing the first bytes, feeds it the decompressed bytes, and merges all inputs in time
 * order through a bounded reorder window before handing each event to the sink.
 *
 * Partial input is an explicit protocol (Suricata's APP_LAYER_INCOMPLETE): the framework calls
 * next() with the unconsumed bytes of the input; the parser answers with one of enum
 * ks_parse_result and sets *consumed. Bad records are consumed and reported, never fatal.
 */
#ifndef KS_INGEST_H
#define KS_INGEST_H

#include "event/event.h"

#define KS_PARSER_ABI 1

enum ks_parse_result {
    KS_PARSE_EVENT = 0,      /* *ev filled; *consumed bytes used (the record) */
    KS_PARSE_SKIP = 1,       /* *consumed bytes were not an event (header, comment, blank line) */
    KS_PARSE_MALFORMED = 2,  /* *consumed bytes were a bad record; ctx->err says why */
    KS_PARSE_INCOMPLETE = 3, /* no whole record in the buffer; give more bytes (consumed = 0) */
    KS_PARSE_END = 4,        /* the parser will produce nothing more from this input */
};

/* Per-input context the framework gives a parser. */
struct ks_parse_ctx {
    const char *path;     /* borrowed; for messages */
    uint32_t source_id;   /* copied into every event */
    uint64_t base_offset; /* offset of buf[0] in the decompressed input */
    bool eof;             /* buf holds the input's last bytes: a partial record is malformed */
    char err[256];        /* why the last record was MALFORMED (no file/position: the framework adds them) */
};

struct ks_parser_ops {
    int abi;                 /* KS_PARSER_ABI */
    const char *name;        /* "zeek-conn", also what --format accepts */
    const char *description;
    bool text;               /* line-oriented: positions are reported as lines, else byte offsets */
    /* How likely head[0..n) (the input's first bytes) is this format: 0 (no) to 100 (certain). */
    int (*probe)(const char *head, size_t n);
    /* OUT *state: the parser's per-input state; freed with destroy(). */
    int (*create)(struct ks_parse_ctx *ctx, void **state);
    /* Reads at most one record from buf[0..len), see enum ks_parse_result. Strings put in *ev
     * point into buf or into state and stay valid until the next call. The framework sets
     * ev->source_id and ev->offset (base_offset of the record) after an EVENT. */
    int (*next)(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                size_t *consumed, struct ks_event *ev);
    void (*destroy)(void *state);
};

/* All parsers, in probe order; NULL-terminated. */
extern const struct ks_parser_ops *const ks_parsers[];
const struct ks_parser_ops *ks_parser_find(const char *name);
/* Best parser for head[0..n), or NULL when none scores above zero. */
const struct ks_parser_ops *ks_parser_detect(const char *head, size_t n);

/* ---------------------------------------------------------------- reading inputs */

/* A decompressing reader over one file (plain, gzip, zstd; zip members are separate inputs). */
struct ks_input;

struct ks_input_info {
    char *path;          /* what to show the user: "dir/a.zip:member.json" */
    uint64_t size;       /* compressed bytes on disk (member size for zip) */
    uint64_t identity;   /* hash of the first identity_len decompressed bytes */
    uint32_t identity_len;
};

/* ---------------------------------------------------------------- the ingest driver */

/* Per-input counters printed at the end of an ingest. */
struct ks_ingest_file_stats {
    char *path;
    const char *format;  /* parser name, or NULL when the format was not recognized */
    uint64_t identity;
    uint32_t identity_len;
    uint64_t bytes;      /* decompressed bytes read */
    uint64_t records;    /* records seen (events + malformed; not headers/comments) */
    uint64_t events;     /* events emitted */
    uint64_t malformed;
    uint64_t late;       /* emitted later than the reorder window allowed (out of order downstream) */
    uint64_t skipped_dup;/* already in the store (re-ingest) */
    int error;           /* 0, or why the input could not be read at all */
};

struct ks_ingest_report {
    struct ks_ingest_file_stats *files;
    size_t nfiles;
    uint64_t events;
    uint64_t malformed;
    uint64_t late;
    uint64_t skipped_dup;
};

/* The consumer of the merged stream. ev and its strings are borrowed for the call only.
 * A negative return stops the ingest with that error. */
typedef int (*ks_ingest_sink_fn)(void *arg, const struct ks_event *ev);

struct ks_ingest_opts {
    const char *format;          /* force this parser by name (NULL: detect per input) */
    const struct ks_parser_ops *parser; /* force this parser table (embedders, tests); wins over format */
    int64_t reorder_window_ns;   /* events up to this much older than the newest are reordered */
    size_t reorder_max_events;   /* hard cap on buffered events per input */
    bool progress;               /* draw a progress line (only when stderr is a terminal) */
    size_t max_errors_shown;     /* per input; the rest are counted */
    /* Resume entries already stored (borrowed), consulted to skip records ingested before. */
    const struct ks_resume_entry *resume;
    size_t nresume;
    size_t max_open;             /* inputs open at once; more are merged in batches of this many */
};

void ks_ingest_opts_default(struct ks_ingest_opts *o);

struct ks_ingest;

/* Opens every path (files, directories recursed) and prepares the merge. Inputs that cannot be
 * opened are reported and counted in the report, not fatal.
 * OUT *out: caller frees with ks_ingest_free(). */
int ks_ingest_open(const char *const *paths, size_t npaths, const struct ks_ingest_opts *opts,
                   struct ks_ingest **out);
/* Runs to the end of all inputs, calling sink for each event in time order (within the window).
 * Returns 0, or the sink's negative error. */
int ks_ingest_run(struct ks_ingest *in, ks_ingest_sink_fn sink, void *arg);
/* The resume state for every input as of the events handed to the sink so far (for the store's
 * checkpoint). May be called from inside the sink: the event being handed counts as handed, so a
 * sink can append it to the store and then commit with this state. Borrowed; valid until the
 * next call on in or the sink's return. */
int ks_ingest_resume_state(struct ks_ingest *in, const struct ks_resume_entry **entries, size_t *n);
/* Borrowed; valid until ks_ingest_free(). */
const struct ks_ingest_report *ks_ingest_get_report(const struct ks_ingest *in);
void ks_ingest_free(struct ks_ingest *in);

/* Parses one whole buffer with one parser (tests, fuzzing, benchmarks): calls sink per event and
 * counts malformed records in *malformed. */
int ks_ingest_parse_buffer(const struct ks_parser_ops *ops, const char *path, const char *buf,
                           size_t len, ks_ingest_sink_fn sink, void *arg, uint64_t *malformed);


/* ---------------------------------------------------------------- web access logs: URL patterns */

/* A URL pattern turns a request path into a resource id, so the inventory's resources can map
 * web requests to customers. Syntax: "/projects/{project}/documents/{doc}/download", segments
 * separated by '/': "{name}" captures one non-empty segment, "*" matches one non-empty segment,
 * "**" (last segment only) matches the rest (zero or more segments), anything else matches
 * itself byte for byte (case-sensitive). Paths are matched as logged: percent-escapes are NOT
 * decoded (an encoded "%2F" never splits a segment), a trailing '/' on the path or the pattern
 * is ignored, and the query is not part of the path. docs/formats.md has examples. */
struct ks_urlpat;

#define KS_URLPAT_MAX_SEGS 32
#define KS_URLPAT_MAX_CAPS 8
#define KS_URLPAT_MAX 256 /* patterns per configuration */

/* Compiles pattern. kind is the resource kind the match yields ("project", "path", "url": the
 * inventory's resource kinds); key names the capture whose value is the resource key (NULL: the
 * first capture, or the whole matched path when the pattern has none). Returns KS_EINVAL for a
 * bad pattern, kind or key. OUT *out: caller frees with ks_urlpat_free(). */
int ks_urlpat_compile(const char *pattern, const char *kind, const char *key,
                      struct ks_urlpat **out);
void ks_urlpat_free(struct ks_urlpat *p);

struct ks_urlpat_match {
    struct ks_sv kind;  /* "project" (borrowed from the pattern) */
    struct ks_sv key;   /* the resource key (borrowed from the path) */
    uint32_t ncap;
    struct ks_kv cap[KS_URLPAT_MAX_CAPS]; /* key "url.param.<name>" (pattern), value (path) */
};

/* True when path matches p; then OUT *m (views into p and path, valid while both are). */
bool ks_urlpat_match(const struct ks_urlpat *p, struct ks_sv path, struct ks_urlpat_match *m);
/* Index of the first of pats[0..n) that matches path (OUT *m as above), or -1. */
int ks_urlpat_match_first(const struct ks_urlpat *const *pats, size_t n, struct ks_sv path,
                          struct ks_urlpat_match *m);

/* Process-wide web-log configuration (from konseki.yaml), read by the web parsers when they are
 * created: set it before ks_ingest_open(), never while an ingest runs (not thread-safe).
 * Takes ownership of pats[0..n) (the array is copied; the patterns are freed by the next call);
 * (NULL, 0) clears. KS_ETOOBIG above KS_URLPAT_MAX; on any error nothing is taken and the
 * previous configuration stays. */
int ks_ingest_set_url_patterns(struct ks_urlpat **pats, size_t n);
/* Borrowed; valid until the next ks_ingest_set_url_patterns(). OUT *n the count. */
const struct ks_urlpat *const *ks_ingest_url_patterns(size_t *n);
/* X-Forwarded-For is not trusted by default (src is the connecting address). With n > 0
 * prefixes ("10.0.0.0/8", "192.0.2.7"), a request whose connecting address is in one of them
 * takes as src the right-most X-Forwarded-For address that is not; the raw header stays in the
 * bag. (NULL, 0) turns it off again. KS_EINVAL names no prefix; at most 64. Not thread-safe. */
int ks_ingest_set_xff_trust(const char *const *prefixes, size_t n);

#endif /* KS_INGEST_H */
