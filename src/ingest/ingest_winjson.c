/* SPDX-License-Identifier: MIT */
/*
 * ingest_winjson.c - Windows event log records exported as JSON lines into normalized events.
 * Two shapes are read by one parser ("winjson"): NXLog/Mordor flat records (EventID, Channel,
 * Hostname and the EventData fields at the top level) and Winlogbeat ECS records (winlog.*,
 * with EventData under winlog.event_data.*, nested objects flattened by the JSON reader).
 * Security, System and Sysmon EventIDs that later stages reason about (logons, explicit
 * credentials, privileges, processes, Kerberos tickets, shares, services, log clearing, network
 * connections) get a kind and normalized fields; every record keeps all its fields in the bag
 * under their original names (EventData names without the winlog.event_data. prefix), so Sigma
 * rules see what they expect. docs/formats.md lists the mapping.
 *
 * Design:
 *  1. One pass over the parsed fields: each key is looked up once in a small open-addressing
 *     table (built per parser state) and its value remembered by role; the per-EventID mapping
 *     then reads those roles. No per-field linear lookups. The table and the mapping live in
 *     ingest_winmap.c, shared with the EVTX parser so both map a record the same way.
 *  2. A mapped value that does not parse (an address "fe80::1%3", a port "-") leaves the
 *     normalized field unset; the record stays an event and the bag keeps the text. A record is
 *     malformed only when it is not a JSON object, has no EventID or no usable timestamp, or has
 *     more fields than the bag holds. Invalid UTF-8 is kept, not malformed: exports written in a
 *     legacy code page carry it, dropping a security event for one byte would be worse, and
 *     every output escapes it (core_json.c design note 2).
 *  3. Timestamps, in order of preference: TimeCreated (event creation, UTC), @timestamp (the
 *     shipper's; Winlogbeat sets it to the creation time, NXLog/logstash to the receive time),
 *     Sysmon's UtcTime, and NXLog's EventTime (local time without zone: read as UTC).
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"

#define WIN_JSON_SCRATCH (1u << 20)
#define WIN_MAX_DOC (16u << 20) /* a pretty-printed document spanning lines */

struct win_state {
    struct ks_json_doc doc;
    struct ks_kv bag[KS_EVENT_MAX_BAG];
    struct ks_winmap map; /* roles, values and the EventID mapping (ingest_winmap.c) */
};

static int win_timestamp(const struct ks_winmap *m, struct ks_parse_ctx *ctx, int64_t *ts)
{
    static const uint8_t order[] = {KS_WR_TS_CREATED, KS_WR_TS_AT, KS_WR_TS_UTC,
                                    KS_WR_TS_EVENTTIME};
    static const char *const names[] = {"TimeCreated", "@timestamp", "UtcTime", "EventTime"};
    int bad = -1;
    for (size_t i = 0; i < KS_ARRAY_LEN(order); i++) {
        struct ks_sv v = m->val[order[i]];
        if (!v.p)
            continue;
        if (ks_time_parse_rfc3339(v.p, v.n, ts) == 0)
            return 0;
        if (bad < 0)
            bad = (int)i;
    }
    if (bad >= 0)
        return ks_ingest_bad(ctx, "field %s: bad timestamp", names[bad]);
    return ks_ingest_bad(ctx, "no timestamp (TimeCreated, @timestamp, UtcTime or EventTime)");
}

/* ---------------------------------------------------------------- the parser */

/* Length of the JSON object starting at p[0] == '{' (brackets matched outside strings), or 0
 * when p[0..n) ends before it does. */
static size_t json_object_end(const char *p, size_t n)
{
    size_t depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0 || --depth == 0)
                return i + 1;
        }
    }
    return 0;
}

static int win_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                    size_t *consumed, struct ks_event *ev)
{
    struct win_state *st = state;
    struct ks_json_doc *d = &st->doc;
    struct ks_sv line;
    uint32_t nbag = 0;
    uint64_t id;
    int r = ks_ingest_take_line(ctx, buf, len, &line, consumed);
    if (r != KS_PARSE_EVENT)
        return r;
    line = ks_sv_trim(line);
    if (line.n == 0)
        return KS_PARSE_SKIP;
    if (line.n == 1 && line.p[0] == '{') {
        /* A pretty-printed document (evtx_dump, jq): "{" alone on its line, the object spans
         * lines. JSON-lines records never look like this, so a damaged line cannot swallow the
         * records after it. */
        size_t lead = (size_t)(line.p - buf);
        size_t end = json_object_end(line.p, len - lead);
        if (end == 0 && !ctx->eof && len - lead < WIN_MAX_DOC) {
            *consumed = 0;
            return KS_PARSE_INCOMPLETE;
        }
        if (end == 0) {
            *consumed = len;
            return ks_ingest_bad(ctx, "json: document not closed");
        }
        *consumed = lead + end;
        line = ks_sv_make(line.p, end);
    }
    int rc = ks_json_parse(d, line.p, line.n);
    if (rc == KS_ETOOBIG)
        return ks_ingest_bad(ctx, "json: %s", d->err ? d->err : "too big");
    if (rc)
        return ks_ingest_bad(ctx, "json: %s at byte %zu", d->err ? d->err : "error", d->err_off);
    if (d->n > KS_EVENT_MAX_BAG)
        return ks_ingest_bad(ctx, "%u fields, more than %u", d->n, KS_EVENT_MAX_BAG);

    memset(st->map.val, 0, sizeof st->map.val);
    for (uint32_t i = 0; i < d->n; i++) {
        const struct ks_json_field *f = &d->f[i];
        struct ks_sv k = f->key;
        bool data = false;
        if (k.n > 18 && memcmp(k.p, "winlog.event_data.", 18) == 0) {
            k = ks_sv_make(k.p + 18, k.n - 18);
            data = true;
        } else if (k.n > 17 && memcmp(k.p, "winlog.user_data.", 17) == 0) {
            k = ks_sv_make(k.p + 17, k.n - 17);
            data = true;
        } else if (k.n > 16 && memcmp(k.p, "Event.EventData.", 16) == 0) {
            k = ks_sv_make(k.p + 16, k.n - 16);
            data = true;
        } else if (k.n > 15 && memcmp(k.p, "Event.UserData.", 15) == 0) {
            /* Event.UserData.<Element>.<Name> */
            const char *dot = memchr(k.p + 15, '.', k.n - 15);
            if (dot && (size_t)(dot - k.p) + 1 < k.n) {
                k = ks_sv_make(dot + 1, k.n - (size_t)(dot - k.p) - 1);
                data = true;
            }
        }
        struct ks_sv v = f->type == KS_JSON_NULL ? ks_sv_make(f->val.p, 0) : f->val;
        st->bag[nbag++] = (struct ks_kv){k, v};
        unsigned role = ks_ingest_winmap_role(&st->map, k);
        if (role != KS_WR_NONE && (!data || role >= KS_WR_FIRST_DATA) && f->type != KS_JSON_NULL)
            st->map.val[role] = v;
    }

    struct ks_sv idv = st->map.val[KS_WR_EVENTID].p ? st->map.val[KS_WR_EVENTID]
                                                    : st->map.val[KS_WR_EVENTCODE];
    if (!idv.p)
        return ks_ingest_bad(ctx, "no EventID");
    if (ks_parse_u64(idv.p, idv.n, &id) || id > UINT32_MAX)
        return ks_ingest_bad(ctx, "field EventID: bad number '%.*s'", (int)KS_MIN(idv.n, 20),
                             idv.p);
    memset(ev, 0, sizeof *ev);
    if ((r = win_timestamp(&st->map, ctx, &ev->ts)) != 0)
        return r;

    struct ks_sv computer = st->map.val[KS_WR_COMPUTER];
    if (!computer.p || computer.n == 0 || (computer.n == 1 && computer.p[0] == '-'))
        computer = st->map.val[KS_WR_HOSTNAME];
    if (!computer.p || computer.n == 0 || (computer.n == 1 && computer.p[0] == '-'))
        computer = KS_SV_NULL;
    ks_ingest_winmap_apply(&st->map, (uint32_t)id, st->map.val[KS_WR_CHANNEL], computer, ev);
    ev->bag = st->bag;
    ev->nbag = nbag;
    return KS_PARSE_EVENT;
}

static void win_destroy(void *state)
{
    struct win_state *st = state;
    if (!st)
        return;
    ks_json_doc_free(&st->doc);
    ks_ingest_winmap_free(&st->map);
    free(st);
}

static int win_create(struct ks_parse_ctx *ctx, void **state)
{
    struct win_state *st = calloc(1, sizeof *st);
    (void)ctx;
    *state = NULL;
    if (!st)
        return KS_ENOMEM;
    ks_json_doc_init(&st->doc, WIN_JSON_SCRATCH);
    ks_ingest_winmap_init(&st->map);
    *state = st;
    return 0;
}

static int win_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    if (l.n == 1 && l.p[0] == '{') {
        /* pretty-printed: look at the whole head */
        l = ks_sv_make(l.p, n - (size_t)(l.p - head));
        return ks_ingest_sv_contains(l, "\"EventID\"") && ks_ingest_sv_contains(l, "\"System\"")
                   ? 85
                   : 0;
    }
    if (l.n < 2 || l.p[0] != '{')
        return 0;
    if (ks_ingest_sv_contains(l, "\"EventID\""))
        return 95;
    if (ks_ingest_sv_contains(l, "\"winlog\"") || ks_ingest_sv_contains(l, "\"winlog.event_id\""))
        return 90;
    return 0;
}

const struct ks_parser_ops ks_parser_winjson = {
    .abi = KS_PARSER_ABI,
    .name = "winjson",
    .description = "Windows events as JSON lines (NXLog/Mordor flat or Winlogbeat ECS)",
    .text = true,
    .probe = win_probe,
    .create = win_create,
    .next = win_next,
    .destroy = win_destroy,
};
