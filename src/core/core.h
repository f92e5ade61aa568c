/* SPDX-License-Identifier: MIT */
/*
 * core.h - the bottom of konseki's pipeline: errors, string views, bounded buffers, arenas,
 * hashing, addresses, time, number parsing, a zero-copy JSON reader, and terminal logging.
 * Every other stage includes this header and nothing here includes any other stage.
 */
#ifndef KS_CORE_H
#define KS_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- errors */

/* Functions return 0 on success or a negative KS_E* code; ks_strerror() describes it. */
enum ks_err {
    KS_OK = 0,
    KS_EINVAL = -1,      /* bad argument or usage */
    KS_ENOMEM = -2,      /* allocation failed */
    KS_EIO = -3,         /* read/write/fsync failed (errno kept by caller) */
    KS_EFORMAT = -4,     /* input does not follow its format */
    KS_ENOENT = -5,      /* no such file, entity or id */
    KS_ECORRUPT = -6,    /* stored data fails its checksum or structure */
    KS_ETOOBIG = -7,     /* a hard cap was reached */
    KS_EAGAIN = -8,      /* more input needed */
    KS_EEXIST = -9,      /* already exists */
    KS_EUNSUPPORTED = -10, /* valid but not supported (format version, feature) */
    KS_ELOCKED = -11,    /* another process holds the lock */
    KS_ERANGE = -12,     /* number or time out of range */
};

const char *ks_strerror(int err);

/* "Cannot happen" checks on internal invariants (SQLite's ALWAYS/NEVER): they assert in debug
 * builds and evaluate to the condition in release builds, so the error path stays compiled. */
#ifdef NDEBUG
/* Through a function so that a bare KS_NEVER(x); statement does not warn "no effect". */
static inline int ks_cond_(int x) { return x; }
#define KS_ALWAYS(x) ks_cond_((x) != 0)
#define KS_NEVER(x) ks_cond_((x) != 0)
#else
#include <assert.h>
#define KS_ALWAYS(x) ((x) ? 1 : (assert(0 && #x), 0))
#define KS_NEVER(x) ((x) ? (assert(0 && #x), 1) : 0)
#endif

#define KS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KS_MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---------------------------------------------------------------- string views */

/* A borrowed byte range; not NUL-terminated. The owner of the bytes states how long it is valid. */
struct ks_sv {
    const char *p;
    size_t n;
};

#define KS_SV_NULL ((struct ks_sv){NULL, 0})
static inline struct ks_sv ks_sv_make(const char *p, size_t n) { return (struct ks_sv){p, n}; }
struct ks_sv ks_sv_cstr(const char *s);
bool ks_sv_eq(struct ks_sv a, struct ks_sv b);
bool ks_sv_eq_cstr(struct ks_sv a, const char *s);
bool ks_sv_ieq_cstr(struct ks_sv a, const char *s); /* ASCII case-insensitive */
bool ks_sv_starts_with(struct ks_sv a, const char *prefix);
struct ks_sv ks_sv_trim(struct ks_sv a); /* strips ASCII spaces, tabs, CR, LF at both ends */
/* True when the bytes are valid UTF-8 (no overlongs, no surrogates). */
bool ks_utf8_valid(const char *p, size_t n);

/* ---------------------------------------------------------------- bounded buffer */

/* A growable byte buffer with a hard cap set at creation (curl's dynbuf). p is NUL-terminated
 * whenever len > 0 or after any append. */
struct ks_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max; /* appends that would exceed max fail with KS_ETOOBIG */
};

void ks_buf_init(struct ks_buf *b, size_t max);
int ks_buf_reserve(struct ks_buf *b, size_t extra);
int ks_buf_append(struct ks_buf *b, const void *p, size_t n);
int ks_buf_append_sv(struct ks_buf *b, struct ks_sv s);
int ks_buf_putc(struct ks_buf *b, char c);
int ks_buf_printf(struct ks_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ks_buf_vprintf(struct ks_buf *b, const char *fmt, va_list ap);
/* Appends s as the body of a JSON string (escapes quotes, backslash, controls, invalid UTF-8). */
int ks_buf_json_escape(struct ks_buf *b, const char *s, size_t n);
/* Appends s as one CSV field (RFC 4180 quoting when needed). */
int ks_buf_csv_field(struct ks_buf *b, const char *s, size_t n);
void ks_buf_reset(struct ks_buf *b);
void ks_buf_free(struct ks_buf *b);

/* ---------------------------------------------------------------- arena */

/* Bump allocator in chunks; ks_arena_reset() frees everything at once but keeps the first chunk.
 * cap bounds the total bytes it may hold (0 = unbounded; use only for short-lived arenas). */
struct ks_arena_chunk;
struct ks_arena {
    struct ks_arena_chunk *head;
    size_t chunk_size;
    size_t used_total;
    size_t cap;
};

void ks_arena_init(struct ks_arena *a, size_t chunk_size, size_t cap);
/* Returns 8-byte aligned memory owned by the arena, or NULL when out of memory or over cap. */
void *ks_arena_alloc(struct ks_arena *a, size_t n);
/* Copies s into the arena; returns a view of the copy (NUL-terminated), p == NULL on failure. */
struct ks_sv ks_arena_dup(struct ks_arena *a, const char *s, size_t n);
void ks_arena_reset(struct ks_arena *a);
void ks_arena_free(struct ks_arena *a);

/* ---------------------------------------------------------------- interning */

/* Maps each distinct string to a dense id (0, 1, 2, ...) and back. The table owns copies of its
 * strings. max_bytes bounds the copies (0 = no cap); ks_intern_put() returns KS_ETOOBIG when it
 * is reached, and the caller decides (seal a segment, evict a baseline). */
struct ks_intern;

int ks_intern_new(size_t max_bytes, struct ks_intern **out); /* OUT: caller frees with ks_intern_free() */
void ks_intern_free(struct ks_intern *t);
/* OUT *id: the string's id, new or existing. */
int ks_intern_put(struct ks_intern *t, const char *s, size_t n, uint32_t *id);
/* Returns the id of s or -1 when absent. */
int64_t ks_intern_find(const struct ks_intern *t, const char *s, size_t n);
/* Borrowed; valid until ks_intern_reset() or ks_intern_free(). */
struct ks_sv ks_intern_get(const struct ks_intern *t, uint32_t id);
uint32_t ks_intern_count(const struct ks_intern *t);
size_t ks_intern_bytes(const struct ks_intern *t);
void ks_intern_reset(struct ks_intern *t);

/* ---------------------------------------------------------------- hashing */

uint64_t ks_hash64(const void *p, size_t n, uint64_t seed); /* XXH3-64 */
uint32_t ks_crc32c(const void *p, size_t n);                 /* not used on disk; for tests */

/* ---------------------------------------------------------------- addresses */

/* An IPv4 or IPv6 address. IPv4 is stored as the IPv4-mapped IPv6 form ::ffff:a.b.c.d so that
 * both families share one 16-byte column and one prefix tree; family tells which was parsed.
 * family == 0 means "no address" and all bytes are zero. */
struct ks_addr {
    uint8_t b[16];
    uint8_t family; /* 0, 4 or 6 */
};

#define KS_ADDR_STRLEN 46
int ks_addr_parse(const char *p, size_t n, struct ks_addr *out); /* KS_EFORMAT if not an address */
/* Parses "ADDR/LEN" or "ADDR" (full length). OUT *len is the prefix length in the 128-bit space
 * (IPv4 /24 becomes 96+24 = 120). */
int ks_prefix_parse(const char *p, size_t n, struct ks_addr *addr, unsigned *len);
size_t ks_addr_format(const struct ks_addr *a, char *buf, size_t cap); /* returns length */
bool ks_addr_eq(const struct ks_addr *a, const struct ks_addr *b);
bool ks_addr_is_set(const struct ks_addr *a);
/* True when a lies in prefix/len (len in the 128-bit space, as from ks_prefix_parse()). */
bool ks_addr_in_prefix(const struct ks_addr *a, const struct ks_addr *prefix, unsigned len);
void ks_addr_from_v4(uint32_t host_order, struct ks_addr *out);

/* Longest-prefix match over IPv4 and IPv6 (one 128-bit space, IPv4 mapped) for up to millions of
 * prefixes. Values are caller-defined 32-bit ids. */
struct ks_lpm;

int ks_lpm_new(struct ks_lpm **out); /* OUT: caller frees with ks_lpm_free() */
void ks_lpm_free(struct ks_lpm *t);
/* Adds prefix/len (len in the 128-bit space) -> value; an existing equal prefix is replaced. */
int ks_lpm_insert(struct ks_lpm *t, const struct ks_addr *prefix, unsigned len, uint32_t value);
/* OUT *value (and *len when not NULL): the longest prefix containing a. KS_ENOENT when none. */
int ks_lpm_lookup(const struct ks_lpm *t, const struct ks_addr *a, uint32_t *value, unsigned *len);
size_t ks_lpm_count(const struct ks_lpm *t);
size_t ks_lpm_memory(const struct ks_lpm *t); /* bytes held */

/* ---------------------------------------------------------------- numbers */

/* Bounded cursor parsers: the whole range must be the number (no leading/trailing bytes). */
int ks_parse_u64(const char *p, size_t n, uint64_t *out);
int ks_parse_i64(const char *p, size_t n, int64_t *out);
int ks_parse_double(const char *p, size_t n, double *out);
/* Parses "1699999999.123456" (seconds with up to 9 decimals) into ns. */
int ks_parse_epoch_frac(const char *p, size_t n, int64_t *ns);

/* ---------------------------------------------------------------- time */

#define KS_NS_PER_SEC INT64_C(1000000000)
#define KS_TIME_STRLEN 36

/* Nanoseconds since 1970-01-01T00:00:00Z for a proleptic Gregorian civil date-time (UTC). */
int64_t ks_time_from_civil(int year, int mon, int day, int hour, int min, int sec, int64_t nsec);
void ks_time_to_civil(int64_t ns, int *year, int *mon, int *day, int *hour, int *min, int *sec,
                      int64_t *nsec);
/* Parses an RFC 3339 / ISO 8601 timestamp ("2024-01-02T03:04:05.123Z", "+09:00" offsets, a space
 * instead of T, and no zone meaning UTC) into ns. */
int ks_time_parse_rfc3339(const char *p, size_t n, int64_t *ns);
/* Parses what a user types after --from/--to: RFC 3339, a date "2024-01-02", epoch seconds
 * "@1700000000", "now", or a relative form "-2h", "-30m", "-7d", "now-1d" against now_ns. */
int ks_time_parse_user(const char *p, size_t n, int64_t now_ns, int64_t *ns);
/* Writes "2024-01-02T03:04:05.123456789Z" (fraction trimmed to ms/us/ns as needed). */
size_t ks_time_format(int64_t ns, char *buf, size_t cap);
int64_t ks_time_now(void); /* CLOCK_REALTIME in ns */
int64_t ks_time_mono(void); /* CLOCK_MONOTONIC in ns */

/* ---------------------------------------------------------------- JSON reader */

/* A zero-copy reader for one JSON document (one line of JSON-lines input). Nested objects are
 * flattened into dotted keys ("winlog.event_data.TargetUserName"); arrays are kept as their raw
 * JSON text with type KS_JSON_RAW. Strings are unescaped into the document's scratch space only
 * when they contain escapes; otherwise key and value point into the input. */
enum ks_json_type {
    KS_JSON_NULL,
    KS_JSON_BOOL,
    KS_JSON_NUMBER,
    KS_JSON_STRING,
    KS_JSON_RAW, /* array, kept verbatim */
};

struct ks_json_field {
    struct ks_sv key;
    struct ks_sv val; /* for BOOL "true"/"false"; for NUMBER the literal */
    enum ks_json_type type;
};

#define KS_JSON_MAX_FIELDS 512
#define KS_JSON_MAX_DEPTH 16

struct ks_json_doc {
    struct ks_json_field f[KS_JSON_MAX_FIELDS];
    uint32_t n;
    struct ks_buf scratch; /* unescaped strings and dotted keys; bounded */
    size_t err_off;        /* offset of the first error, when ks_json_parse() fails */
    const char *err;       /* static description of the first error */
};

void ks_json_doc_init(struct ks_json_doc *d, size_t max_scratch);
void ks_json_doc_free(struct ks_json_doc *d);
/* Parses one JSON object in p[0..n). Returns 0, or KS_EFORMAT with d->err and d->err_off set,
 * or KS_ETOOBIG when it has more than KS_JSON_MAX_FIELDS fields or exceeds the depth or scratch.
 * Fields stay valid until the next ks_json_parse() on d, or until p is released. */
int ks_json_parse(struct ks_json_doc *d, const char *p, size_t n);
/* Returns the field with exactly this key, or NULL (linear scan; keys are few). */
const struct ks_json_field *ks_json_get(const struct ks_json_doc *d, const char *key);
/* Case-insensitive key lookup, for exports whose field names vary in case. */
const struct ks_json_field *ks_json_get_ci(const struct ks_json_doc *d, const char *key);

/* ---------------------------------------------------------------- logging and progress */

/* Errors and warnings go to stderr as one line: "konseki: <msg>". */
void ks_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ks_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ks_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* quiet == true suppresses ks_log_info() (errors and warnings still print). */
void ks_log_set_quiet(bool quiet);

/* A progress line on stderr, drawn only when stderr is a terminal and at most 10 times a second;
 * silent when piped. total == 0 means unknown. */
struct ks_progress {
    const char *label;
    uint64_t total;
    uint64_t done;
    int64_t last_draw_ns;
    int64_t start_ns;
    bool enabled;
    bool drawn;
};

void ks_progress_start(struct ks_progress *p, const char *label, uint64_t total);
void ks_progress_update(struct ks_progress *p, uint64_t done, uint64_t events);
void ks_progress_finish(struct ks_progress *p);

#endif /* KS_CORE_H */
