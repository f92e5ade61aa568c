/* SPDX-License-Identifier: MIT */
/*
 * ingest_evtx.c - the "evtx" parser: Windows XML Event Log files (.evtx) read with Debian's
 * libevtx, every record turned into a normalized event through the Windows mapping shared with
 * the JSON parser (ingest_winmap.c), and every EventData/UserData name and value kept in the bag
 * under its original name, next to the System fields (EventID, Channel, Computer,
 * Provider_Name, EventRecordID, TimeCreated, ...).
 *
 * Design:
 *  1. Streaming by chunk. An EVTX file is a 4096-byte file header and 65536-byte chunks, each
 *     self-contained (its own string and template tables). The parser keeps the header and, per
 *     chunk, opens "header + that one chunk" in memory with libevtx through a libbfio memory
 *     range: memory is bounded to one chunk, and a damaged chunk costs only its own records. On
 *     all 329 sample files this gives exactly evtxexport's records (tests/unit/test_ingest_evtx.c).
 *  2. One event per next() call, like ingest_pcap.c: a chunk's records are read lazily; every
 *     record but the chunk's last consumes one byte, the last the rest of the chunk, so each
 *     record has its own offset (chunk offset + index) for resume and evidence.
 *  3. Damage: a record libevtx cannot read or render is MALFORMED (named by chunk and index);
 *     a chunk libevtx cannot open is one MALFORMED; a chunk whose header is damaged (libevtx
 *     finds no allocated records) gives its records through libevtx's recovery scan, counted; an
 *     all-zero chunk (preallocated, never written) is skipped; a file cut inside a chunk has that
 *     chunk padded with zeros and whatever records are whole in it read. Counts are reported as
 *     warnings naming the file when it ends. The file is never abandoned after its header.
 *  4. Fields come from the record's XML rendering (libevtx_record_get_utf8_xml_string), read by
 *     a small bounded scanner written for that rendering (elements, attributes, the five named
 *     entities and numeric references), unescaped in place in the parser's buffer.
 *  5. Time is <TimeCreated SystemTime>, else the record's written FILETIME. Times that do not fit
 *     int64 nanoseconds since 1970 (FILETIME 0, i.e. 1601-01-01, seen in real samples) keep the
 *     record with ts = INT64_MIN (what ks_time_from_civil saturates to: "before any real time",
 *     so it sorts first and no --from range selects it by accident); the original text stays in
 *     the bag under TimeCreated, and the count is reported.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbfio.h>
#include <libevtx.h>

#include "ingest/ingest_int.h"

#define EVTX_HEADER 4096u
#define EVTX_CHUNK 65536u
#define EVTX_MAX_XML (16u << 20)
#define FILETIME_UNIX_EPOCH UINT64_C(116444736000000000) /* 100 ns ticks 1601 -> 1970 */

enum evtx_mode { XM_HEADER, XM_CHUNKS, XM_DEAD };
enum evtx_section { XS_NONE, XS_SYSTEM, XS_DATA };

struct evtx_state {
    enum evtx_mode mode;
    uint8_t img[EVTX_HEADER + EVTX_CHUNK]; /* the file header + the current chunk */
    libbfio_handle_t *bfio;
    libevtx_file_t *file;
    bool open;
    bool recovered; /* this chunk's records come from libevtx's recovery scan */
    int nrec, irec;
    size_t chunk_left; /* bytes of the current chunk not consumed yet */
    uint64_t chunk_no;
    struct ks_buf xml;
    struct ks_kv bag[KS_EVENT_MAX_BAG];
    uint32_t nbag;
    struct ks_winmap map;
    /* counters reported at the end */
    uint64_t chunks, empty_chunks, bad_chunks, recovered_chunks, recovered_records;
    uint64_t bad_records, early_ts, dropped_fields, truncated_chunks;
    bool reported;
    char path[256];
};

/* ---------------------------------------------------------------- libevtx errors */

/* Sets ctx->err to what (and libevtx's message when there is one) and returns MALFORMED.
 * Chunks and records are numbered from 1 in messages. */
static int evtx_fail(struct ks_parse_ctx *ctx, libevtx_error_t **err, const char *what)
{
    char msg[160] = "";
    if (err && *err) {
        libevtx_error_sprint(*err, msg, sizeof msg);
        libevtx_error_free(err);
        for (char *p = msg; *p; p++)
            if (*p == '\n')
                *p = ' ';
    }
    return ks_ingest_bad(ctx, "%s%s%s", what, msg[0] ? ": libevtx: " : "", msg);
}

static int evtx_record_fail(struct evtx_state *st, struct ks_parse_ctx *ctx,
                            libevtx_error_t **err, int idx, const char *what)
{
    char head[96];
    st->bad_records++;
    snprintf(head, sizeof head, "chunk %" PRIu64 " record %d: %s", st->chunk_no, idx + 1, what);
    return evtx_fail(ctx, err, head);
}

static void evtx_report(struct evtx_state *st)
{
    if (st->reported)
        return;
    st->reported = true;
    if (st->bad_chunks)
        ks_log_warn("evtx: %s: %" PRIu64 " of %" PRIu64 " chunks unreadable, skipped", st->path,
                    st->bad_chunks, st->chunks);
    if (st->recovered_chunks)
        ks_log_warn("evtx: %s: %" PRIu64 " chunks with a damaged header: %" PRIu64
                    " records read by recovery scan",
                    st->path, st->recovered_chunks, st->recovered_records);
    if (st->truncated_chunks)
        ks_log_warn("evtx: %s: file ends inside a chunk (read what was whole)", st->path);
    if (st->bad_records)
        ks_log_warn("evtx: %s: %" PRIu64 " records unreadable, skipped", st->path,
                    st->bad_records);
    if (st->early_ts)
        ks_log_warn("evtx: %s: %" PRIu64 " records dated before 1677 (e.g. FILETIME 0 = 1601): "
                    "kept with the earliest time",
                    st->path, st->early_ts);
    if (st->dropped_fields)
        ks_log_warn("evtx: %s: %" PRIu64 " fields beyond %u per record not kept", st->path,
                    st->dropped_fields, KS_EVENT_MAX_BAG);
}

/* ---------------------------------------------------------------- the XML scanner */

static void bag_add(struct evtx_state *st, const char *k, size_t kn, const char *v, size_t vn,
                    enum evtx_section sec)
{
    if (st->nbag >= KS_EVENT_MAX_BAG) {
        st->dropped_fields++;
        return;
    }
    struct ks_sv key = ks_sv_make(k, kn), val = ks_sv_make(v, vn);
    st->bag[st->nbag++] = (struct ks_kv){key, val};
    unsigned role = ks_ingest_winmap_role(&st->map, key);
    if (role == KS_WR_NONE)
        return;
    if ((sec == XS_SYSTEM) != (role < KS_WR_FIRST_DATA))
        return;
    if (!st->map.val[role].p)
        st->map.val[role] = val;
}

/* The value of a decimal or hex digit, 99 for anything else. */
static unsigned digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if ((c | 32) >= 'a' && (c | 32) <= 'f')
        return (unsigned)((c | 32) - 'a' + 10);
    return 99u;
}

/* Unescapes p[0..n) in place (entities never grow). Returns the new length. */
static size_t xml_unescape(char *p, size_t n)
{
    char *amp = memchr(p, '&', n);
    if (!amp)
        return n;
    size_t o = (size_t)(amp - p);
    for (size_t i = o; i < n;) {
        if (p[i] != '&') {
            p[o++] = p[i++];
            continue;
        }
        const char *semi = memchr(p + i, ';', KS_MIN(n - i, 12));
        size_t el = semi ? (size_t)(semi - (p + i)) + 1 : 0;
        struct ks_sv ent = ks_sv_make(p + i, el);
        uint32_t cp = 0;
        if (el && ks_sv_eq_cstr(ent, "&amp;"))
            cp = '&';
        else if (el && ks_sv_eq_cstr(ent, "&lt;"))
            cp = '<';
        else if (el && ks_sv_eq_cstr(ent, "&gt;"))
            cp = '>';
        else if (el && ks_sv_eq_cstr(ent, "&quot;"))
            cp = '"';
        else if (el && ks_sv_eq_cstr(ent, "&apos;"))
            cp = '\'';
        else if (el > 3 && p[i + 1] == '#') {
            bool hex = p[i + 2] == 'x' || p[i + 2] == 'X';
            for (size_t j = i + (hex ? 3 : 2); j < i + el - 1; j++) {
                unsigned d = digit_value(p[j]);
                if (d > (hex ? 15u : 9u) || cp > 0x10FFFF) {
                    cp = 0x110000;
                    break;
                }
                cp = cp * (hex ? 16u : 10u) + d;
            }
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                cp = 0;
        }
        if (cp == 0) { /* not an entity we know: keep the text */
            p[o++] = p[i++];
            continue;
        }
        /* UTF-8 encode; the reference is at least as long as its encoding */
        if (cp < 0x80) {
            p[o++] = (char)cp;
        } else if (cp < 0x800) {
            p[o++] = (char)(0xC0 | (cp >> 6));
            p[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            p[o++] = (char)(0xE0 | (cp >> 12));
            p[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            p[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            p[o++] = (char)(0xF0 | (cp >> 18));
            p[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            p[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            p[o++] = (char)(0x80 | (cp & 0x3F));
        }
        i += el;
    }
    return o;
}

static bool xml_name_char(char c)
{
    return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '/' && c != '>' && c != '=';
}

/* The System attribute names that get a qualified bag key. */
static struct ks_sv system_attr_key(struct ks_sv elem, struct ks_sv attr)
{
    if (ks_sv_eq_cstr(elem, "Provider")) {
        if (ks_sv_eq_cstr(attr, "Name"))
            return ks_sv_make("Provider_Name", 13);
        if (ks_sv_eq_cstr(attr, "Guid"))
            return ks_sv_make("Provider_Guid", 13);
        if (ks_sv_eq_cstr(attr, "EventSourceName"))
            return ks_sv_make("Provider_EventSourceName", 24);
    }
    if (ks_sv_eq_cstr(elem, "TimeCreated") && ks_sv_eq_cstr(attr, "SystemTime"))
        return ks_sv_make("TimeCreated", 11);
    return attr;
}

static enum evtx_section section_of(struct ks_sv elem)
{
    if (ks_sv_eq_cstr(elem, "System"))
        return XS_SYSTEM;
    if (ks_sv_eq_cstr(elem, "EventData") || ks_sv_eq_cstr(elem, "UserData") ||
        ks_sv_eq_cstr(elem, "ProcessingErrorData"))
        return XS_DATA;
    return XS_NONE;
}

/* Reads the fields of one record's XML (p[0..n), modified in place) into st->bag and
 * st->map.val. Depth 1 is <Event>, 2 its sections, 3+ their children; in EventData/UserData
 * every leaf element is a field (a <Data Name="x"> is named x, an unnamed <Data> "Data"); so
 * in <ProcessingErrorData> (a record whose provider data did not parse: ErrorCode, DataItemName,
 * EventPayload in hex). */
static void xml_scan(struct evtx_state *st, char *p, size_t n)
{
    size_t i = 0;
    int depth = 0;
    enum evtx_section sec = XS_NONE;
    while (i < n) {
        char *lt = memchr(p + i, '<', n - i);
        if (!lt)
            break;
        i = (size_t)(lt - p) + 1;
        if (i >= n)
            break;
        if (p[i] == '/') { /* closing tag */
            char *gt = memchr(p + i, '>', n - i);
            if (!gt)
                break;
            i = (size_t)(gt - p) + 1;
            if (--depth <= 1)
                sec = XS_NONE;
            continue;
        }
        if (p[i] == '?' || p[i] == '!') {
            char *gt = memchr(p + i, '>', n - i);
            if (!gt)
                break;
            i = (size_t)(gt - p) + 1;
            continue;
        }
        /* open tag: name, attributes */
        size_t ns = i;
        while (i < n && xml_name_char(p[i]))
            i++;
        struct ks_sv elem = ks_sv_make(p + ns, i - ns);
        struct ks_sv name_attr = KS_SV_NULL;
        bool self_close = false;
        depth++;
        if (depth == 2)
            sec = section_of(elem);
        for (;;) {
            while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
                i++;
            if (i >= n)
                return;
            if (p[i] == '>') {
                i++;
                break;
            }
            if (p[i] == '/') {
                self_close = true;
                i++;
                continue;
            }
            size_t as = i;
            while (i < n && xml_name_char(p[i]))
                i++;
            struct ks_sv attr = ks_sv_make(p + as, i - as);
            if (i >= n || p[i] != '=' || i + 1 >= n || (p[i + 1] != '"' && p[i + 1] != '\''))
                return; /* not the rendering we know: keep what was read */
            char q = p[i + 1];
            size_t vs = i + 2;
            char *qe = memchr(p + vs, q, n - vs);
            if (!qe)
                return;
            size_t vn = xml_unescape(p + vs, (size_t)(qe - (p + vs)));
            i = (size_t)(qe - p) + 1;
            if (sec == XS_SYSTEM && depth == 3 && attr.n) {
                struct ks_sv k = system_attr_key(elem, attr);
                bag_add(st, k.p, k.n, p + vs, vn, XS_SYSTEM);
            } else if (sec == XS_DATA && ks_sv_eq_cstr(attr, "Name")) {
                name_attr = ks_sv_make(p + vs, vn);
            }
        }
        struct ks_sv key = name_attr.p ? name_attr : elem;
        if (self_close) {
            depth--;
            if (sec == XS_DATA && depth >= 2)
                bag_add(st, key.p, key.n, p + i, 0, XS_DATA);
            if (depth <= 1)
                sec = XS_NONE;
            continue;
        }
        /* text up to the next tag: a leaf when that tag closes this element */
        char *nx = memchr(p + i, '<', n - i);
        if (!nx)
            break;
        size_t te = (size_t)(nx - p);
        if (te + 1 < n && p[te + 1] == '/' && depth >= 3 && sec != XS_NONE) {
            size_t tn = xml_unescape(p + i, te - i);
            bag_add(st, key.p, key.n, p + i, tn, sec);
        }
        i = te;
    }
}

/* ---------------------------------------------------------------- one record */

static int64_t filetime_ns(uint64_t ft, bool *early)
{
    /* int64 ns covers FILETIME in [EPOCH - 2^63/100, EPOCH + 2^63/100) */
    const uint64_t span = (uint64_t)(INT64_MAX / 100);
    if (ft < FILETIME_UNIX_EPOCH && FILETIME_UNIX_EPOCH - ft > span) {
        *early = true;
        return INT64_MIN;
    }
    if (ft >= FILETIME_UNIX_EPOCH && ft - FILETIME_UNIX_EPOCH > span)
        return INT64_MAX;
    return ft >= FILETIME_UNIX_EPOCH ? (int64_t)(ft - FILETIME_UNIX_EPOCH) * 100
                                     : -(int64_t)(FILETIME_UNIX_EPOCH - ft) * 100;
}

static int evtx_record(struct evtx_state *st, struct ks_parse_ctx *ctx, struct ks_event *ev)
{
    libevtx_record_t *rec = NULL;
    libevtx_error_t *err = NULL;
    size_t xn = 0;
    int idx = st->irec++;
    int r;

    if ((st->recovered ? libevtx_file_get_recovered_record_by_index(st->file, idx, &rec, &err)
                       : libevtx_file_get_record_by_index(st->file, idx, &rec, &err)) != 1) {
        return evtx_record_fail(st, ctx, &err, idx, "unreadable");
    }
    if (libevtx_record_get_utf8_xml_string_size(rec, &xn, &err) != 1 || xn == 0 ||
        xn > EVTX_MAX_XML) {
        r = evtx_record_fail(st, ctx, &err, idx, "cannot render");
        goto out;
    }
    ks_buf_reset(&st->xml);
    if (ks_buf_reserve(&st->xml, xn + 1) != 0 ||
        libevtx_record_get_utf8_xml_string(rec, (uint8_t *)st->xml.p, xn, &err) != 1) {
        r = evtx_record_fail(st, ctx, &err, idx, "cannot render");
        goto out;
    }
    st->xml.len = strnlen(st->xml.p, xn);

    memset(st->map.val, 0, sizeof st->map.val);
    st->nbag = 0;
    xml_scan(st, st->xml.p, st->xml.len);

    memset(ev, 0, sizeof *ev);
    uint64_t id = UINT64_MAX;
    struct ks_sv idv = st->map.val[KS_WR_EVENTID];
    if (!idv.p || ks_parse_u64(idv.p, idv.n, &id) != 0 || id > UINT32_MAX) {
        uint32_t eid = 0;
        if (libevtx_record_get_event_identifier(rec, &eid, &err) != 1)
            libevtx_error_free(&err);
        id = eid & 0xFFFFu;
    }
    struct ks_sv tc = st->map.val[KS_WR_TS_CREATED];
    if (!tc.p || ks_time_parse_rfc3339(tc.p, tc.n, &ev->ts) != 0) {
        uint64_t ft = 0;
        bool early = false;
        if (libevtx_record_get_written_time(rec, &ft, &err) != 1)
            libevtx_error_free(&err);
        ev->ts = filetime_ns(ft, &early);
        if (early)
            st->early_ts++;
    }
    struct ks_sv computer = st->map.val[KS_WR_COMPUTER];
    if (computer.n == 0)
        computer = KS_SV_NULL;
    ks_ingest_winmap_apply(&st->map, (uint32_t)id, st->map.val[KS_WR_CHANNEL], computer, ev);
    ev->bag = st->bag;
    ev->nbag = st->nbag;
    r = KS_PARSE_EVENT;
out:
    libevtx_record_free(&rec, NULL);
    return r;
}

/* ---------------------------------------------------------------- chunks */

static void evtx_close_chunk(struct evtx_state *st)
{
    if (st->open)
        libevtx_file_close(st->file, NULL);
    st->open = false;
    st->nrec = st->irec = 0;
    st->recovered = false;
}

static bool all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A chunk header libevtx can be given as such: header size 128 and the free space offset
 * (where the records end) inside the chunk after the header area. libevtx 20181227 leaks memory
 * on the error path of a chunk signed "ElfChnk" whose header is otherwise wrong (found by
 * fuzzing), so such a chunk has its signature cleared and is read through the recovery scan,
 * as a chunk with a damaged signature is. */
static bool chunk_header_sane(const uint8_t *c)
{
    uint32_t hsize = rd32le(c + 0x28), free_off = rd32le(c + 0x30);
    return memcmp(c, "ElfChnk", 8) != 0 ||
           (hsize == 0x80 && free_off >= 0x200 && free_off <= EVTX_CHUNK);
}

/* Opens chunk bytes p[0..n) (n < EVTX_CHUNK only at the end of the input). Returns 0 with
 * st->nrec records ready (possibly none), or a parse result for the whole chunk. */
static int evtx_open_chunk(struct evtx_state *st, struct ks_parse_ctx *ctx, const char *p,
                           size_t n)
{
    libevtx_error_t *err = NULL;
    libbfio_error_t *berr = NULL;
    st->chunk_no++;
    st->chunks++;
    if (all_zero(p, n)) {
        st->empty_chunks++;
        return KS_PARSE_SKIP;
    }
    memcpy(st->img + EVTX_HEADER, p, n);
    if (n < EVTX_CHUNK) {
        memset(st->img + EVTX_HEADER + n, 0, EVTX_CHUNK - n);
        st->truncated_chunks++;
    }
    if (!chunk_header_sane(st->img + EVTX_HEADER))
        memset(st->img + EVTX_HEADER, 0, 8); /* design note 3: recovery scan */
    if (libbfio_memory_range_set(st->bfio, st->img, sizeof st->img, &berr) != 1) {
        libbfio_error_free(&berr);
        st->bad_chunks++;
        return ks_ingest_bad(ctx, "chunk %" PRIu64 ": libbfio memory range failed", st->chunk_no);
    }
    if (libevtx_file_open_file_io_handle(st->file, st->bfio, LIBEVTX_OPEN_READ, &err) != 1) {
        char head[64];
        st->bad_chunks++;
        snprintf(head, sizeof head, "chunk %" PRIu64 ": cannot open", st->chunk_no);
        return evtx_fail(ctx, &err, head);
    }
    st->open = true;
    if (libevtx_file_get_number_of_records(st->file, &st->nrec, &err) != 1) {
        libevtx_error_free(&err);
        st->nrec = 0;
    }
    if (st->nrec <= 0) {
        int nr = 0;
        if (libevtx_file_get_number_of_recovered_records(st->file, &nr, &err) != 1) {
            libevtx_error_free(&err);
            nr = 0;
        }
        if (nr > 0) {
            st->recovered = true;
            st->nrec = nr;
            st->recovered_chunks++;
            st->recovered_records += (uint64_t)nr;
        }
    }
    if (st->nrec <= 0) {
        bool corrupt = libevtx_file_is_corrupted(st->file, NULL) == 1;
        evtx_close_chunk(st);
        if (corrupt || n < 8 || memcmp(p, "ElfChnk", 8) != 0) {
            st->bad_chunks++;
            return ks_ingest_bad(ctx, "chunk %" PRIu64 ": damaged, no records found",
                                 st->chunk_no);
        }
        return KS_PARSE_SKIP;
    }
    if ((size_t)st->nrec > n) /* each record takes one byte of the chunk (design note 2) */
        st->nrec = (int)n;
    st->irec = 0;
    st->chunk_left = n;
    return 0;
}

/* ---------------------------------------------------------------- the parser */

static int evtx_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                     size_t *consumed, struct ks_event *ev)
{
    struct evtx_state *st = state;
    *consumed = 0;
    switch (st->mode) {
    case XM_DEAD:
        return KS_PARSE_END;
    case XM_HEADER:
        if (len < EVTX_HEADER) {
            if (!ctx->eof)
                return KS_PARSE_INCOMPLETE;
            st->mode = XM_DEAD;
            if (len == 0)
                return KS_PARSE_END;
            *consumed = len;
            return ks_ingest_bad(ctx, "file header cut short (%zu of %u bytes)", len,
                                 EVTX_HEADER);
        }
        if (memcmp(buf, "ElfFile", 8) != 0) {
            st->mode = XM_DEAD;
            *consumed = len;
            return ks_ingest_bad(ctx, "not an EVTX file (no ElfFile signature)");
        }
        memcpy(st->img, buf, EVTX_HEADER);
        st->mode = XM_CHUNKS;
        *consumed = EVTX_HEADER;
        return KS_PARSE_SKIP;
    case XM_CHUNKS:
        break;
    }
    if (!st->open || st->irec >= st->nrec) {
        evtx_close_chunk(st);
        if (len == 0) {
            if (!ctx->eof)
                return KS_PARSE_INCOMPLETE;
            evtx_report(st);
            return KS_PARSE_END;
        }
        if (len < EVTX_CHUNK && !ctx->eof)
            return KS_PARSE_INCOMPLETE;
        size_t n = KS_MIN(len, (size_t)EVTX_CHUNK);
        int r = evtx_open_chunk(st, ctx, buf, n);
        if (r != 0) {
            *consumed = n;
            return r;
        }
    }
    /* one record (design note 2) */
    size_t left = (size_t)(st->nrec - st->irec);
    if ((left == 1 || st->chunk_left <= 1) && len < st->chunk_left) {
        /* the last record consumes the rest of the chunk: wait until it is all in buf */
        if (!ctx->eof)
            return KS_PARSE_INCOMPLETE;
        st->chunk_left = len;
    }
    if (left == 1 || st->chunk_left <= 1) {
        *consumed = st->chunk_left;
        st->chunk_left = 0;
    } else {
        *consumed = 1;
        st->chunk_left--;
    }
    int r = evtx_record(st, ctx, ev);
    if (st->chunk_left == 0)
        st->irec = st->nrec; /* the chunk is consumed: the next call opens the next one */
    return r;
}

static void evtx_destroy(void *state)
{
    struct evtx_state *st = state;
    if (!st)
        return;
    if (st->mode == XM_CHUNKS)
        evtx_report(st);
    evtx_close_chunk(st);
    if (st->file)
        libevtx_file_free(&st->file, NULL);
    if (st->bfio)
        libbfio_handle_free(&st->bfio, NULL);
    ks_buf_free(&st->xml);
    ks_ingest_winmap_free(&st->map);
    free(st);
}

static int evtx_create(struct ks_parse_ctx *ctx, void **state)
{
    struct evtx_state *st = calloc(1, sizeof *st);
    *state = NULL;
    if (!st)
        return KS_ENOMEM;
    ks_buf_init(&st->xml, EVTX_MAX_XML + 1);
    ks_ingest_winmap_init(&st->map);
    snprintf(st->path, sizeof st->path, "%s", ctx && ctx->path ? ctx->path : "-");
    if (libbfio_memory_range_initialize(&st->bfio, NULL) != 1 ||
        libevtx_file_initialize(&st->file, NULL) != 1) {
        evtx_destroy(st);
        return KS_ENOMEM;
    }
    *state = st;
    return 0;
}

static int evtx_probe(const char *head, size_t n)
{
    return n >= 8 && memcmp(head, "ElfFile", 8) == 0 ? 100 : 0;
}

const struct ks_parser_ops ks_parser_evtx = {
    .abi = KS_PARSER_ABI,
    .name = "evtx",
    .description = "Windows XML Event Log files (.evtx), through libevtx",
    .text = false,
    .probe = evtx_probe,
    .create = evtx_create,
    .next = evtx_next,
    .destroy = evtx_destroy,
};
