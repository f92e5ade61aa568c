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
 *     then reads those roles. No per-field linear lookups.
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
#define WIN_MAX_OBJECT (128u * 1024u)
#define WIN_HASH 512u
#define WIN_MAX_DATASET 128u
#define WIN_MAX_DOC (16u << 20) /* a pretty-printed document spanning lines */

/* Roles of the keys the mapping reads. */
enum win_role {
    WR_NONE = 0,
    /* record metadata (not under winlog.event_data.) */
    WR_EVENTID,
    WR_EVENTCODE, /* ECS event.code, used when winlog.event_id is absent */
    WR_CHANNEL,
    WR_COMPUTER,
    WR_HOSTNAME, /* ECS host.name, used when winlog.computer_name is absent */
    WR_TS_CREATED,
    WR_TS_AT,
    WR_TS_EVENTTIME,
    /* EventData */
    WR_TS_UTC,
    WR_TARGET_USER,
    WR_SUBJECT_USER,
    WR_SUBJECT_LOGONID,
    WR_TARGET_LOGONID,
    WR_LOGONID,
    WR_LOGON_TYPE,
    WR_IP_ADDRESS,
    WR_IP_PORT,
    WR_WORKSTATION,
    WR_TARGET_SERVER,
    WR_COMMAND_LINE,
    WR_NEW_PROCESS,
    WR_SERVICE_NAME,
    WR_SHARE_NAME,
    WR_RELATIVE_TARGET,
    WR_IMAGE_PATH,
    WR_SERVICE_FILE,
    WR_ACCOUNT_NAME,
    WR_USER,
    WR_SOURCE_IP,
    WR_SOURCE_PORT,
    WR_DEST_IP,
    WR_DEST_PORT,
    WR_PROTOCOL,
    WR_SOURCE_HOST,
    WR_DEST_HOST,
    WR_IMAGE,
    WR_STATUS,
    WR_COUNT
};

#define WR_FIRST_DATA WR_TS_UTC

#define K(s) s, sizeof(s) - 1
static const struct {
    const char *key;
    size_t len;
    uint8_t role;
} win_keys[] = {
    {K("EventID"), WR_EVENTID},
    {K("winlog.event_id"), WR_EVENTID},
    {K("event.code"), WR_EVENTCODE},
    {K("Channel"), WR_CHANNEL},
    {K("winlog.channel"), WR_CHANNEL},
    {K("Hostname"), WR_COMPUTER},
    {K("Computer"), WR_COMPUTER},
    {K("winlog.computer_name"), WR_COMPUTER},
    {K("host.name"), WR_HOSTNAME},
    {K("Event.System.EventID"), WR_EVENTID},
    {K("Event.System.EventID.#text"), WR_EVENTID},
    {K("Event.System.Channel"), WR_CHANNEL},
    {K("Event.System.Computer"), WR_COMPUTER},
    {K("Event.System.TimeCreated.#attributes.SystemTime"), WR_TS_CREATED},
    {K("TimeCreated"), WR_TS_CREATED},
    {K("TimeCreated.SystemTime"), WR_TS_CREATED},
    {K("@timestamp"), WR_TS_AT},
    {K("EventTime"), WR_TS_EVENTTIME},
    {K("UtcTime"), WR_TS_UTC},
    {K("TargetUserName"), WR_TARGET_USER},
    {K("SubjectUserName"), WR_SUBJECT_USER},
    {K("SubjectLogonId"), WR_SUBJECT_LOGONID},
    {K("TargetLogonId"), WR_TARGET_LOGONID},
    {K("LogonId"), WR_LOGONID},
    {K("LogonType"), WR_LOGON_TYPE},
    {K("IpAddress"), WR_IP_ADDRESS},
    {K("IpPort"), WR_IP_PORT},
    {K("WorkstationName"), WR_WORKSTATION},
    {K("TargetServerName"), WR_TARGET_SERVER},
    {K("CommandLine"), WR_COMMAND_LINE},
    {K("NewProcessName"), WR_NEW_PROCESS},
    {K("ServiceName"), WR_SERVICE_NAME},
    {K("ShareName"), WR_SHARE_NAME},
    {K("RelativeTargetName"), WR_RELATIVE_TARGET},
    {K("ImagePath"), WR_IMAGE_PATH},
    {K("ServiceFileName"), WR_SERVICE_FILE},
    {K("AccountName"), WR_ACCOUNT_NAME},
    {K("User"), WR_USER},
    {K("SourceIp"), WR_SOURCE_IP},
    {K("SourcePort"), WR_SOURCE_PORT},
    {K("DestinationIp"), WR_DEST_IP},
    {K("DestinationPort"), WR_DEST_PORT},
    {K("Protocol"), WR_PROTOCOL},
    {K("SourceHostname"), WR_SOURCE_HOST},
    {K("DestinationHostname"), WR_DEST_HOST},
    {K("Image"), WR_IMAGE},
    {K("Status"), WR_STATUS},
};
#undef K

enum win_channel { WC_NONE, WC_OTHER, WC_SECURITY, WC_SYSTEM, WC_SYSMON, WC_POWERSHELL, WC_PS_CLASSIC };

struct win_state {
    uint8_t slot[WIN_HASH]; /* index + 1 into win_keys[], 0 = empty */
    struct ks_json_doc doc;
    struct ks_kv bag[KS_EVENT_MAX_BAG];
    struct ks_sv val[WR_COUNT];
    struct ks_buf object; /* composed objects (5145 share + path) */
    char dataset[WIN_MAX_DATASET];
};

static inline uint32_t win_hash(const char *p, size_t n)
{
    uint32_t h = (uint32_t)n * 0x9E3779B1u;
    h ^= (uint32_t)(unsigned char)p[0] * 0x85EBCA77u;
    h ^= (uint32_t)(unsigned char)p[n - 1] * 0xC2B2AE3Du;
    h ^= (uint32_t)(unsigned char)p[n / 2] * 0x27D4EB2Fu;
    h ^= (uint32_t)(unsigned char)p[n / 3] * 0x165667B1u;
    return (h ^ (h >> 15)) & (WIN_HASH - 1);
}

static void win_build_table(struct win_state *st)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(win_keys); i++) {
        uint32_t h = win_hash(win_keys[i].key, win_keys[i].len);
        while (st->slot[h])
            h = (h + 1) & (WIN_HASH - 1);
        st->slot[h] = (uint8_t)(i + 1);
    }
}

static inline unsigned win_lookup(const struct win_state *st, struct ks_sv k)
{
    if (k.n == 0)
        return WR_NONE;
    uint32_t h = win_hash(k.p, k.n);
    while (st->slot[h]) {
        unsigned i = st->slot[h] - 1u;
        if (win_keys[i].len == k.n && memcmp(win_keys[i].key, k.p, k.n) == 0)
            return win_keys[i].role;
        h = (h + 1) & (WIN_HASH - 1);
    }
    return WR_NONE;
}

/* ---------------------------------------------------------------- value helpers */

/* The value of role r as a string for a normalized field: absent, empty and "-" give NULL. */
static struct ks_sv win_str(const struct win_state *st, unsigned r)
{
    struct ks_sv v = st->val[r];
    if (!v.p || v.n == 0 || (v.n == 1 && v.p[0] == '-'))
        return KS_SV_NULL;
    return v;
}

static void win_addr(const struct win_state *st, unsigned r, struct ks_addr *out)
{
    struct ks_sv v = win_str(st, r);
    if (v.p && ks_addr_parse(v.p, v.n, out) != 0)
        memset(out, 0, sizeof *out); /* the bag keeps the text */
}

static void win_port(const struct win_state *st, unsigned r, uint16_t *out)
{
    struct ks_sv v = win_str(st, r);
    uint64_t x;
    if (v.p && ks_parse_u64(v.p, v.n, &x) == 0 && x <= 65535)
        *out = (uint16_t)x;
}

static enum win_channel win_channel_of(struct ks_sv c)
{
    if (!c.p || c.n == 0)
        return WC_NONE;
    if (ks_sv_ieq_cstr(c, "Security"))
        return WC_SECURITY;
    if (ks_sv_ieq_cstr(c, "System"))
        return WC_SYSTEM;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-Sysmon/Operational"))
        return WC_SYSMON;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-PowerShell/Operational"))
        return WC_POWERSHELL;
    if (ks_sv_ieq_cstr(c, "Windows PowerShell"))
        return WC_PS_CLASSIC;
    return WC_OTHER;
}

static struct ks_sv win_dataset(struct win_state *st, enum win_channel ch, struct ks_sv c)
{
    switch (ch) {
    case WC_NONE: return ks_sv_make("windows", 7);
    case WC_SECURITY: return ks_sv_make("windows.security", 16);
    case WC_SYSTEM: return ks_sv_make("windows.system", 14);
    case WC_SYSMON: return ks_sv_make("windows.sysmon", 14);
    case WC_POWERSHELL: return ks_sv_make("windows.powershell", 18);
    case WC_PS_CLASSIC: return ks_sv_make("windows.powershell-classic", 26);
    case WC_OTHER: break;
    }
    size_t n = KS_MIN(c.n, sizeof st->dataset - 8);
    memcpy(st->dataset, "windows.", 8);
    for (size_t i = 0; i < n; i++) {
        char x = c.p[i];
        st->dataset[8 + i] = (x >= 'A' && x <= 'Z') ? (char)(x + 32) : x;
    }
    return ks_sv_make(st->dataset, 8 + n);
}

static int win_timestamp(const struct win_state *st, struct ks_parse_ctx *ctx, int64_t *ts)
{
    static const uint8_t order[] = {WR_TS_CREATED, WR_TS_AT, WR_TS_UTC, WR_TS_EVENTTIME};
    static const char *const names[] = {"TimeCreated", "@timestamp", "UtcTime", "EventTime"};
    int bad = -1;
    for (size_t i = 0; i < KS_ARRAY_LEN(order); i++) {
        struct ks_sv v = st->val[order[i]];
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

/* ---------------------------------------------------------------- per-EventID mapping */

static void map_logon(struct win_state *st, struct ks_event *ev)
{
    uint64_t lt;
    struct ks_sv v = win_str(st, WR_LOGON_TYPE);
    ev->user = win_str(st, WR_TARGET_USER);
    if (v.p && ks_parse_u64(v.p, v.n, &lt) == 0 && lt <= 255)
        ev->logon_type = (uint8_t)lt;
    win_addr(st, WR_IP_ADDRESS, &ev->src);
    win_port(st, WR_IP_PORT, &ev->src_port);
    ev->src_host = win_str(st, WR_WORKSTATION);
    ev->session = win_str(st, WR_TARGET_LOGONID);
}

static void map_security(struct win_state *st, uint32_t id, struct ks_event *ev)
{
    switch (id) {
    case 4624:
    case 4625:
        ev->kind = KS_KIND_AUTH;
        ev->outcome = id == 4624 ? KS_OUTCOME_SUCCESS : KS_OUTCOME_FAILURE;
        ev->action = id == 4624 ? ks_sv_make("logon", 5) : ks_sv_make("logon-failed", 12);
        map_logon(st, ev);
        break;
    case 4634:
    case 4647:
        ev->kind = KS_KIND_LOGOFF;
        ev->action = ks_sv_make("logoff", 6);
        map_logon(st, ev);
        break;
    case 4648:
        ev->kind = KS_KIND_CRED;
        ev->action = ks_sv_make("explicit-credentials", 20);
        ev->user = win_str(st, WR_TARGET_USER);
        ev->object = win_str(st, WR_TARGET_SERVER);
        win_addr(st, WR_IP_ADDRESS, &ev->src);
        win_port(st, WR_IP_PORT, &ev->src_port);
        ev->session = win_str(st, WR_SUBJECT_LOGONID);
        break;
    case 4672:
        ev->kind = KS_KIND_PRIV;
        ev->action = ks_sv_make("special-privileges", 18);
        ev->user = win_str(st, WR_SUBJECT_USER);
        ev->session = win_str(st, WR_SUBJECT_LOGONID);
        break;
    case 4688:
        ev->kind = KS_KIND_PROCESS;
        ev->action = ks_sv_make("process-start", 13);
        ev->user = win_str(st, WR_TARGET_USER);
        if (!ev->user.p)
            ev->user = win_str(st, WR_SUBJECT_USER);
        ev->object = win_str(st, WR_COMMAND_LINE);
        if (!ev->object.p)
            ev->object = win_str(st, WR_NEW_PROCESS);
        ev->session = win_str(st, WR_SUBJECT_LOGONID);
        break;
    case 4769: {
        struct ks_sv s = win_str(st, WR_STATUS);
        ev->kind = KS_KIND_TICKET;
        ev->action = ks_sv_make("kerberos-service-ticket", 23);
        ev->user = win_str(st, WR_TARGET_USER);
        ev->object = win_str(st, WR_SERVICE_NAME);
        win_addr(st, WR_IP_ADDRESS, &ev->src);
        win_port(st, WR_IP_PORT, &ev->src_port);
        if (s.p)
            ev->outcome = (ks_sv_eq_cstr(s, "0x0") || ks_sv_eq_cstr(s, "0")) ? KS_OUTCOME_SUCCESS
                                                                              : KS_OUTCOME_FAILURE;
        break;
    }
    case 5140:
    case 5145:
        ev->user = win_str(st, WR_SUBJECT_USER);
        win_addr(st, WR_IP_ADDRESS, &ev->src);
        win_port(st, WR_IP_PORT, &ev->src_port);
        ev->session = win_str(st, WR_SUBJECT_LOGONID);
        if (id == 5140) {
            ev->kind = KS_KIND_SHARE;
            ev->action = ks_sv_make("share-access", 12);
            ev->object = win_str(st, WR_SHARE_NAME);
        } else {
            struct ks_sv sh = win_str(st, WR_SHARE_NAME), rel = win_str(st, WR_RELATIVE_TARGET);
            ev->kind = KS_KIND_FILE;
            ev->action = ks_sv_make("share-file-access", 17);
            ks_buf_reset(&st->object);
            if ((!sh.p || ks_buf_append_sv(&st->object, sh) == 0) &&
                (!rel.p || (ks_buf_putc(&st->object, '\\') == 0 &&
                            ks_buf_append_sv(&st->object, rel) == 0)) &&
                st->object.len)
                ev->object = ks_sv_make(st->object.p, st->object.len);
            else
                ev->object = sh;
        }
        break;
    case 4697:
        ev->kind = KS_KIND_SERVICE;
        ev->action = ks_sv_make("service-install", 15);
        ev->object = win_str(st, WR_SERVICE_FILE);
        ev->user = win_str(st, WR_SUBJECT_USER);
        ev->session = win_str(st, WR_SUBJECT_LOGONID);
        break;
    case 1102:
    case 4719:
        ev->kind = KS_KIND_LOGGING;
        ev->action = id == 1102 ? ks_sv_make("log-cleared", 11)
                                : ks_sv_make("audit-policy-changed", 20);
        ev->user = win_str(st, WR_SUBJECT_USER);
        ev->session = win_str(st, WR_SUBJECT_LOGONID);
        break;
    default:
        break;
    }
}

static void map_system(struct win_state *st, uint32_t id, struct ks_event *ev)
{
    if (id == 7045) {
        ev->kind = KS_KIND_SERVICE;
        ev->action = ks_sv_make("service-install", 15);
        ev->object = win_str(st, WR_IMAGE_PATH);
        ev->user = win_str(st, WR_ACCOUNT_NAME);
    } else if (id == 104) {
        ev->kind = KS_KIND_LOGGING;
        ev->action = ks_sv_make("log-cleared", 11);
        ev->user = win_str(st, WR_SUBJECT_USER);
    }
}

static void map_sysmon(struct win_state *st, uint32_t id, struct ks_event *ev)
{
    if (id == 1) {
        ev->kind = KS_KIND_PROCESS;
        ev->action = ks_sv_make("process-start", 13);
        ev->object = win_str(st, WR_COMMAND_LINE);
        if (!ev->object.p)
            ev->object = win_str(st, WR_IMAGE);
        ev->user = win_str(st, WR_USER);
        ev->session = win_str(st, WR_LOGONID);
    } else if (id == 3) {
        struct ks_sv pr = win_str(st, WR_PROTOCOL);
        ev->kind = KS_KIND_NETCONN;
        ev->action = ks_sv_make("network-connection", 18);
        win_addr(st, WR_SOURCE_IP, &ev->src);
        win_port(st, WR_SOURCE_PORT, &ev->src_port);
        win_addr(st, WR_DEST_IP, &ev->dst);
        win_port(st, WR_DEST_PORT, &ev->dst_port);
        if (pr.p && ks_sv_ieq_cstr(pr, "tcp"))
            ev->proto = 6;
        else if (pr.p && ks_sv_ieq_cstr(pr, "udp"))
            ev->proto = 17;
        ev->src_host = win_str(st, WR_SOURCE_HOST);
        ev->dst_host = win_str(st, WR_DEST_HOST);
        ev->object = win_str(st, WR_IMAGE);
        ev->user = win_str(st, WR_USER);
    }
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

    memset(st->val, 0, sizeof st->val);
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
        unsigned role = win_lookup(st, k);
        if (role != WR_NONE && (!data || role >= WR_FIRST_DATA) && f->type != KS_JSON_NULL)
            st->val[role] = v;
    }

    struct ks_sv idv = st->val[WR_EVENTID].p ? st->val[WR_EVENTID] : st->val[WR_EVENTCODE];
    if (!idv.p)
        return ks_ingest_bad(ctx, "no EventID");
    if (ks_parse_u64(idv.p, idv.n, &id) || id > UINT32_MAX)
        return ks_ingest_bad(ctx, "field EventID: bad number '%.*s'", (int)KS_MIN(idv.n, 20),
                             idv.p);
    memset(ev, 0, sizeof *ev);
    if ((r = win_timestamp(st, ctx, &ev->ts)) != 0)
        return r;

    struct ks_sv chv = st->val[WR_CHANNEL];
    enum win_channel ch = win_channel_of(chv);
    struct ks_sv computer = win_str(st, WR_COMPUTER);
    if (!computer.p)
        computer = win_str(st, WR_HOSTNAME);
    ev->kind = KS_KIND_GENERIC;
    ev->code = (uint32_t)id;
    ev->observer = computer;
    ev->dst_host = computer;
    ev->dataset = win_dataset(st, ch, chv);
    if (ch == WC_SECURITY || ch == WC_NONE)
        map_security(st, (uint32_t)id, ev);
    if ((ch == WC_SYSTEM || ch == WC_NONE) && ev->kind == KS_KIND_GENERIC)
        map_system(st, (uint32_t)id, ev);
    if (ch == WC_SYSMON)
        map_sysmon(st, (uint32_t)id, ev);
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
    ks_buf_free(&st->object);
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
    ks_buf_init(&st->object, WIN_MAX_OBJECT);
    win_build_table(st);
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
