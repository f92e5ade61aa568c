/* SPDX-License-Identifier: MIT */
/*
 * ingest_journald.c - systemd journal exports into normalized events ("journald"): the output of
 * `journalctl -o json`, one JSON object per line. __REALTIME_TIMESTAMP (microseconds since the
 * epoch, a decimal string) is the event time, _HOSTNAME the observer, SYSLOG_IDENTIFIER (else
 * _COMM) the program, _PID (else SYSLOG_PID) the process id, MESSAGE the message; every field
 * goes to the bag under its original name. The message is then classified by the same device
 * classifier the syslog parser uses (ks_ingest_devmsg_classify, ingest_devmsg.c), so an sshd
 * "Failed password" record is the same AUTH event whether it came from a journal or a file.
 *
 * Design:
 *  1. One ks_json_parse() per line and one pass over its fields; nothing is allocated per
 *     record. Views point into the line, the JSON document's scratch or the state.
 *  2. MESSAGE written as an array of byte values (journald does this when the text is not valid
 *     UTF-8) is decoded into the state's buffer; bytes that are not part of valid UTF-8 become
 *     '?' and "journald.invalid_utf8" = "true" is added. An array that is not a plain list of
 *     integers 0..255 is kept as its raw JSON text with "journald.message_raw" = "true".
 *  3. Dataset: the classifier's (e.g. "syslog.linux.sshd") when a rule recognized the message,
 *     so journald and syslog sources of the same program share one dataset; "journald" when it
 *     did not.
 *  4. Malformed: a line that is not one JSON object, a missing or non-numeric
 *     __REALTIME_TIMESTAMP, a line over JD_MAX_LINE, more fields than the bag can hold.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"
#include "ingest/ingest_syslog_int.h"

#define JD_MAX_LINE (1024u * 1024u)
#define JD_JSON_SCRATCH (2u * JD_MAX_LINE)
#define JD_DM_SCRATCH 1024u
#define JD_DM_BAG 32u /* bag entries kept free for the classifier */
#define JD_MAX_FIELDS (KS_EVENT_MAX_BAG - JD_DM_BAG - 2u)

struct jd_state {
    struct ks_json_doc doc;
    struct ks_kv bag[KS_EVENT_MAX_BAG];
    char *msg;      /* decoded MESSAGE byte arrays; JD_MAX_LINE bytes, allocated on first need */
    char dm_scratch[JD_DM_SCRATCH];
};

/* ---------------------------------------------------------------- helpers */

static bool key_is(struct ks_sv k, const char *lit, size_t n)
{
    return k.n == n && memcmp(k.p, lit, n) == 0;
}
#define KEY_IS(k, lit) key_is((k), (lit), sizeof(lit) - 1)

/* "0".."23" as an int, or -1. */
static int small_int(struct ks_sv v, int max)
{
    uint64_t x;
    if (v.n == 0 || v.n > 2 || ks_parse_u64(v.p, v.n, &x) != 0 || x > (uint64_t)max)
        return -1;
    return (int)x;
}

/* Decodes "[72, 105, 255]" into out (at most cap bytes). Returns the length, or -1 when raw is
 * not a flat array of integers 0..255. */
static long decode_bytes(struct ks_sv raw, char *out, size_t cap)
{
    size_t i = 0, n = 0;
    bool need_val = true;
    if (raw.n < 2 || raw.p[0] != '[')
        return -1;
    for (i = 1; i < raw.n; i++) {
        char c = raw.p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == ']')
            return (need_val && n > 0) || i + 1 != raw.n ? -1 : (long)n;
        if (c == ',') {
            if (need_val)
                return -1;
            need_val = true;
            continue;
        }
        if (!need_val || c < '0' || c > '9' || n >= cap)
            return -1;
        unsigned v = 0;
        size_t digits = 0;
        while (i < raw.n && raw.p[i] >= '0' && raw.p[i] <= '9' && digits < 4) {
            v = v * 10u + (unsigned)(raw.p[i] - '0');
            i++;
            digits++;
        }
        i--;
        if (v > 255 || digits > 3)
            return -1;
        out[n++] = (char)v;
        need_val = false;
    }
    return -1;
}

/* Replaces every byte of p[0..n) that is not part of a valid UTF-8 sequence with '?'. Returns
 * true when something was replaced. */
static bool repair_utf8(char *p, size_t n)
{
    bool changed = false;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (k > 1 && i + k <= n && ks_utf8_valid(p + i, k)) {
            i += k;
            continue;
        }
        p[i++] = '?';
        changed = true;
    }
    return changed;
}

/* ---------------------------------------------------------------- plug-in */

static int jd_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                   size_t *consumed, struct ks_event *ev)
{
    struct jd_state *st = state;
    struct ks_json_doc *d = &st->doc;
    struct ks_sv line;
    struct ks_syslog_msg m;
    struct ks_sv comm = KS_SV_NULL, syslog_pid = KS_SV_NULL;
    const struct ks_json_field *msgf = NULL;
    uint32_t nbag = 0;
    int64_t ts = 0;
    bool have_ts = false, bad_ts = false, repaired = false, raw_msg = false;

    int r = ks_ingest_take_line(ctx, buf, len, &line, consumed);
    if (r != KS_PARSE_EVENT)
        return r;
    line = ks_sv_trim(line);
    if (line.n == 0)
        return KS_PARSE_SKIP;
    if (line.n > JD_MAX_LINE)
        return ks_ingest_bad(ctx, "line longer than %u bytes", JD_MAX_LINE);
    if (line.p[0] != '{')
        return ks_ingest_bad(ctx, "not a JSON object");
    int rc = ks_json_parse(d, line.p, line.n);
    if (rc == KS_ETOOBIG)
        return ks_ingest_bad(ctx, "json: %s", d->err ? d->err : "too big");
    if (rc)
        return ks_ingest_bad(ctx, "json: %s at byte %zu", d->err ? d->err : "error", d->err_off);
    if (d->n > JD_MAX_FIELDS)
        return ks_ingest_bad(ctx, "%u fields, more than %u", d->n, JD_MAX_FIELDS);

    memset(&m, 0, sizeof m);
    m.facility = -1;
    m.severity = -1;
    for (uint32_t i = 0; i < d->n; i++) {
        const struct ks_json_field *f = &d->f[i];
        struct ks_sv k = f->key, v = f->val;
        if (k.n == 0)
            continue;
        if (k.p[0] == '_' && k.n > 1 && k.p[1] == '_') {
            if (KEY_IS(k, "__REALTIME_TIMESTAMP")) {
                uint64_t us;
                if ((f->type != KS_JSON_STRING && f->type != KS_JSON_NUMBER) ||
                    ks_parse_u64(v.p, v.n, &us) != 0 ||
                    us > (uint64_t)(INT64_MAX / 1000))
                    bad_ts = true;
                else {
                    ts = (int64_t)us * 1000;
                    have_ts = true;
                }
                continue; /* it is ev->ts, not a bag field */
            }
        } else if (k.p[0] == '_') {
            if (KEY_IS(k, "_HOSTNAME"))
                m.host = v;
            else if (KEY_IS(k, "_COMM"))
                comm = v;
            else if (KEY_IS(k, "_PID"))
                m.pid = v;
        } else if (KEY_IS(k, "MESSAGE")) {
            msgf = f;
            continue; /* bagged below, decoded */
        } else if (KEY_IS(k, "SYSLOG_IDENTIFIER")) {
            m.program = v;
        } else if (KEY_IS(k, "SYSLOG_PID")) {
            syslog_pid = v;
        } else if (KEY_IS(k, "PRIORITY")) {
            m.severity = small_int(v, 7);
        } else if (KEY_IS(k, "SYSLOG_FACILITY")) {
            m.facility = small_int(v, 23);
        }
        if (f->type != KS_JSON_NULL)
            st->bag[nbag++] = (struct ks_kv){k, v};
    }
    if (bad_ts)
        return ks_ingest_bad(ctx, "__REALTIME_TIMESTAMP is not microseconds since the epoch");
    if (!have_ts)
        return ks_ingest_bad(ctx, "no __REALTIME_TIMESTAMP");
    if (!m.program.n)
        m.program = comm;
    if (!m.pid.n)
        m.pid = syslog_pid;
    if (msgf) {
        m.message = msgf->val;
        if (msgf->type == KS_JSON_RAW) {
            if (!st->msg && !(st->msg = malloc(JD_MAX_LINE)))
                return ks_ingest_bad(ctx, "no memory to decode MESSAGE");
            long dn = decode_bytes(msgf->val, st->msg, JD_MAX_LINE);
            if (dn >= 0) {
                repaired = repair_utf8(st->msg, (size_t)dn);
                m.message = ks_sv_make(st->msg, (size_t)dn);
            } else {
                raw_msg = true;
            }
        } else if (msgf->type == KS_JSON_NULL) {
            m.message = ks_sv_make("", 0);
        }
        st->bag[nbag++] = (struct ks_kv){msgf->key, m.message};
    }
    if (repaired)
        st->bag[nbag++] = (struct ks_kv){ks_sv_make("journald.invalid_utf8", 21),
                                         ks_sv_make("true", 4)};
    if (raw_msg)
        st->bag[nbag++] = (struct ks_kv){ks_sv_make("journald.message_raw", 20),
                                         ks_sv_make("true", 4)};

    memset(ev, 0, sizeof *ev);
    ev->ts = ts;
    if (m.host.n)
        ev->observer = m.host;
    struct ks_devmsg_out out = {
        .bag = st->bag + nbag,
        .nbag = 0,
        .cap = KS_EVENT_MAX_BAG - nbag,
        .scratch = st->dm_scratch,
        .scratch_len = 0,
        .scratch_cap = JD_DM_SCRATCH,
    };
    ks_ingest_devmsg_classify(&m, ev, &out);
    if (!ev->dataset.n || ks_sv_eq_cstr(ev->dataset, "syslog.generic"))
        ev->dataset = ks_sv_make("journald", 8);
    ev->bag = st->bag;
    ev->nbag = nbag + out.nbag;
    return KS_PARSE_EVENT;
}

static void jd_destroy(void *state)
{
    struct jd_state *st = state;
    if (!st)
        return;
    ks_json_doc_free(&st->doc);
    free(st->msg);
    free(st);
}

static int jd_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    *state = NULL;
    struct jd_state *st = malloc(sizeof *st);
    if (!st)
        return KS_ENOMEM;
    memset(st, 0, offsetof(struct jd_state, dm_scratch));
    ks_json_doc_init(&st->doc, JD_JSON_SCRATCH);
    *state = st;
    return 0;
}

static int jd_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    if (l.n < 2 || l.p[0] != '{')
        return 0;
    return ks_ingest_sv_contains(l, "\"__REALTIME_TIMESTAMP\"") ? 95 : 0;
}

const struct ks_parser_ops ks_parser_journald = {
    .abi = KS_PARSER_ABI,
    .name = "journald",
    .description = "systemd journal exports (journalctl -o json), classified like syslog",
    .text = true,
    .probe = jd_probe,
    .create = jd_create,
    .next = jd_next,
    .destroy = jd_destroy,
};
