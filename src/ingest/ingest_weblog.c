/* SPDX-License-Identifier: MIT */
/*
 * ingest_weblog.c - web server access logs into HTTP events: "apache" (Apache common, combined
 * and vhost_combined, nginx's combined and "main" with X-Forwarded-For, Tomcat's access log),
 * "iis" (W3C extended, columns mapped by the #Fields header) and "weblog-json" (JSON lines from
 * nginx/Apache JSON log formats and ECS-shaped exporters). All three fill one intermediate record
 * and share the mapping into the event: client address (X-Forwarded-For only when trusted
 * proxies are configured), method, path and query, status and outcome, bytes, user agent, and
 * the configured URL patterns (ingest_urlpat.c) that add resource.kind/resource.id to the bag.
 * docs/formats.md lists the mapping.
 *
 * Design:
 *  1. One line per call (ks_ingest_take_line); nothing is allocated per record: bag entries and
 *     strings point into the line or into the parser state.
 *  2. Text formats: a line that is not valid UTF-8 is not rejected (attack traffic is exactly what
 *     must be kept): it is re-encoded into the state with every invalid byte written as "\xHH",
 *     the escape Apache itself uses, and the copy is parsed. JSON input must be UTF-8.
 *  3. A record is malformed when its structure is broken (no [time], an unbalanced quote, an IIS
 *     column count that differs from #Fields), a mapped value does not parse (time, status,
 *     bytes, port, server address) or the line exceeds WEB_MAX_LINE.
 *  4. Apache dates ("10/Oct/2000:13:55:36 -0700") cache the day of the previous record, so a
 *     timestamp costs a 11-byte compare and a few digit conversions.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"
#include "ingest/ingest_weblog_int.h"

#define WEB_MAX_LINE (128u * 1024u)
#define WEB_MAX_COLS 64
#define WEB_MAX_HEADER (16u * 1024u)
#define WEB_JSON_SCRATCH (1u << 20)
#define WEB_JROLE_SLOTS 256

enum web_fmt { WF_APACHE, WF_IIS, WF_JSON };

/* The mapped values of one record; p == NULL (or "-") means absent. */
struct web_rec {
    struct ks_sv remote, rport, sip, sport, user, vhost, host, request, method, target, path,
        query, proto, status, bytes, bytes_total, req_bytes, ua, ref, xff, observer;
    int64_t ts;
    uint64_t duration;
    bool has_duration;
};

/* IIS columns and JSON keys that map to a record slot. */
enum web_role {
    WR_BAG = 0,
    WR_DATE,
    WR_TIME,
    WR_TS,
    WR_REMOTE,
    WR_RPORT,
    WR_SIP,
    WR_SPORT,
    WR_USER,
    WR_HOST,
    WR_REQUEST,
    WR_METHOD,
    WR_TARGET,
    WR_QUERY,
    WR_PROTO,
    WR_STATUS,
    WR_BYTES,
    WR_BYTES_TOTAL,
    WR_REQ_BYTES,
    WR_UA,
    WR_REF,
    WR_XFF,
    WR_OBSERVER,
    WR_MS,      /* IIS time-taken (milliseconds) */
    WR_SECS,    /* nginx request_time (seconds with fraction) */
    WR_NS,      /* ECS event.duration (nanoseconds) */
};

struct jrole_slot {
    const char *key;
    uint8_t n;
    uint8_t role;
};

struct web_state {
    enum web_fmt fmt;
    uint32_t nbag;
    uint32_t bag_dropped; /* fields that did not fit: the record is reported, not cut */
    struct ks_kv bag[KS_EVENT_MAX_BAG];
    struct ks_buf esc;       /* a line with invalid UTF-8 re-encoded */
    const struct ks_urlpat *const *pats;
    size_t npats;
    struct ks_urlpat_match m;
    char peer[KS_ADDR_STRLEN];
    /* day cache: Apache "10/Oct/2000" or IIS "2019-09-03" */
    char day_key[11];
    int64_t day_ns;
    /* IIS header state */
    bool have_fields;
    bool has_date;
    int64_t header_day_ns; /* from #Date, for logs without a date column */
    bool have_header_day;
    uint32_t ncols;
    struct ks_buf names_buf;
    struct ks_sv names[WEB_MAX_COLS];
    uint8_t role[WEB_MAX_COLS];
    /* JSON */
    struct ks_json_doc *doc;
    struct jrole_slot jroles[WEB_JROLE_SLOTS];
};

/* ---------------------------------------------------------------- small helpers */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool absent(struct ks_sv v)
{
    return !v.p || v.n == 0 || (v.n == 1 && v.p[0] == '-');
}

/* A printable copy of v for messages: at most 40 bytes, others as '?'. */
static const char *show(struct ks_sv v, char out[48])
{
    size_t n = KS_MIN(v.n, (size_t)40);
    for (size_t i = 0; i < n; i++)
        out[i] = (v.p[i] >= 0x20 && v.p[i] < 0x7f) ? v.p[i] : '?';
    if (v.n > n) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

static void bag_add(struct web_state *st, const char *k, size_t kn, struct ks_sv v)
{
    if (st->nbag < KS_EVENT_MAX_BAG)
        st->bag[st->nbag++] = (struct ks_kv){ks_sv_make(k, kn), v};
    else
        st->bag_dropped++;
}
#define BAG(st, lit, v) bag_add((st), (lit), sizeof(lit) - 1, (v))

static int num2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

static bool digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return false;
    return true;
}

/* Re-encodes line with invalid UTF-8 bytes as "\xHH" into st->esc. */
static int escape_line(struct web_state *st, struct ks_sv line, struct ks_sv *out)
{
    static const char hex[] = "0123456789abcdef";
    ks_buf_reset(&st->esc);
    if (ks_buf_reserve(&st->esc, line.n * 4 + 1))
        return KS_ETOOBIG;
    char *o = st->esc.p;
    size_t k = 0;
    for (size_t i = 0; i < line.n;) {
        unsigned char c = (unsigned char)line.p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                                   : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 1 || (len && i + len <= line.n && ks_utf8_valid(line.p + i, len))) {
            memcpy(o + k, line.p + i, len);
            k += len;
            i += len;
        } else {
            o[k++] = '\\';
            o[k++] = 'x';
            o[k++] = hex[c >> 4];
            o[k++] = hex[c & 15];
            i++;
        }
    }
    st->esc.len = k;
    o[k] = '\0';
    *out = ks_sv_make(o, k);
    return 0;
}

/* Takes one line; OUT *line (re-encoded when not UTF-8 and escape is set). Returns EVENT when
 * there is a line to parse, or the framing/skip/malformed result. */
static int web_line(struct web_state *st, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                    size_t *consumed, struct ks_sv *line, bool escape)
{
    int r = ks_ingest_take_line(ctx, buf, len, line, consumed);
    if (r != KS_PARSE_EVENT)
        return r;
    if (line->n > WEB_MAX_LINE)
        return ks_ingest_bad(ctx, "line longer than %u bytes", WEB_MAX_LINE);
    if (line->n == 0 || (line->n == 1 && line->p[0] == ' '))
        return KS_PARSE_SKIP;
    if (!ks_ingest_utf8_ok(line->p, line->n)) {
        if (!escape)
            return ks_ingest_bad(ctx, "invalid UTF-8");
        if (escape_line(st, *line, line))
            return ks_ingest_bad(ctx, "line too long to re-encode");
    }
    return KS_PARSE_EVENT;
}

static int month_of(const char *p)
{
    switch (p[0]) {
    case 'J':
        if (p[1] == 'a' && p[2] == 'n')
            return 1;
        if (p[1] == 'u' && p[2] == 'n')
            return 6;
        if (p[1] == 'u' && p[2] == 'l')
            return 7;
        return 0;
    case 'F':
        return p[1] == 'e' && p[2] == 'b' ? 2 : 0;
    case 'M':
        if (p[1] == 'a' && p[2] == 'r')
            return 3;
        if (p[1] == 'a' && p[2] == 'y')
            return 5;
        return 0;
    case 'A':
        if (p[1] == 'p' && p[2] == 'r')
            return 4;
        if (p[1] == 'u' && p[2] == 'g')
            return 8;
        return 0;
    case 'S':
        return p[1] == 'e' && p[2] == 'p' ? 9 : 0;
    case 'O':
        return p[1] == 'c' && p[2] == 't' ? 10 : 0;
    case 'N':
        return p[1] == 'o' && p[2] == 'v' ? 11 : 0;
    case 'D':
        return p[1] == 'e' && p[2] == 'c' ? 12 : 0;
    default:
        return 0;
    }
}

/* Fraction ".123" at p[0..n) (n includes the dot) into ns; -1 when bad. */
static int64_t frac_ns(const char *p, size_t n)
{
    int64_t f = 0, scale = KS_NS_PER_SEC;
    if (n < 2 || p[0] != '.' || n > 10)
        return -1;
    for (size_t i = 1; i < n; i++) {
        if (!is_digit(p[i]))
            return -1;
        scale /= 10;
        f += (p[i] - '0') * scale;
    }
    return f;
}

/* "10/Oct/2000:13:55:36 -0700" (optional ".123" after the seconds; "+0000" zone required). */
static int parse_clf_time(struct web_state *st, struct ks_sv t, int64_t *ns)
{
    const char *p = t.p;
    size_t n = t.n;
    if (n < 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' || p[17] != ':')
        return KS_EFORMAT;
    if (memcmp(st->day_key, p, 11) != 0) {
        int mon = month_of(p + 3);
        if (!mon || !digits(p, 2) || !digits(p + 7, 4))
            return KS_EFORMAT;
        int day = num2(p), year = num2(p + 7) * 100 + num2(p + 9);
        if (day < 1 || day > 31)
            return KS_EFORMAT;
        st->day_ns = ks_time_from_civil(year, mon, day, 0, 0, 0, 0);
        memcpy(st->day_key, p, 11);
    }
    if (!digits(p + 12, 2) || !digits(p + 15, 2) || !digits(p + 18, 2))
        return KS_EFORMAT;
    int hh = num2(p + 12), mm = num2(p + 15), ss = num2(p + 18);
    if (hh > 23 || mm > 59 || ss > 60)
        return KS_EFORMAT;
    size_t i = 20;
    int64_t frac = 0;
    if (p[i] == '.') {
        size_t e = i + 1;
        while (e < n && is_digit(p[e]))
            e++;
        if ((frac = frac_ns(p + i, e - i)) < 0)
            return KS_EFORMAT;
        i = e;
    }
    if (n - i != 6 || p[i] != ' ' || (p[i + 1] != '+' && p[i + 1] != '-') ||
        !digits(p + i + 2, 4))
        return KS_EFORMAT;
    int off = num2(p + i + 2) * 60 + num2(p + i + 4);
    if (off > 18 * 60)
        return KS_EFORMAT;
    if (p[i + 1] == '+')
        off = -off;
    *ns = st->day_ns + ((int64_t)hh * 3600 + mm * 60 + ss + (int64_t)off * 60) * KS_NS_PER_SEC +
          frac;
    return 0;
}

/* IIS "2019-09-03" into the day's ns (cached). */
static int parse_iso_day(struct web_state *st, struct ks_sv d, int64_t *ns)
{
    if (d.n != 10 || d.p[4] != '-' || d.p[7] != '-')
        return KS_EFORMAT;
    if (memcmp(st->day_key, d.p, 10) != 0 || st->day_key[10] != '\0') {
        if (!digits(d.p, 4) || !digits(d.p + 5, 2) || !digits(d.p + 8, 2))
            return KS_EFORMAT;
        int y = num2(d.p) * 100 + num2(d.p + 2), m = num2(d.p + 5), dd = num2(d.p + 8);
        if (m < 1 || m > 12 || dd < 1 || dd > 31)
            return KS_EFORMAT;
        st->day_ns = ks_time_from_civil(y, m, dd, 0, 0, 0, 0);
        memcpy(st->day_key, d.p, 10);
        st->day_key[10] = '\0';
    }
    *ns = st->day_ns;
    return 0;
}

/* "13:55:36" or "13:55:36.123" into ns since midnight. */
static int parse_hms(struct ks_sv t, int64_t *ns)
{
    if (t.n < 8 || t.p[2] != ':' || t.p[5] != ':' || !digits(t.p, 2) || !digits(t.p + 3, 2) ||
        !digits(t.p + 6, 2))
        return KS_EFORMAT;
    int hh = num2(t.p), mm = num2(t.p + 3), ss = num2(t.p + 6);
    int64_t frac = 0;
    if (hh > 23 || mm > 59 || ss > 60)
        return KS_EFORMAT;
    if (t.n > 8 && (frac = frac_ns(t.p + 8, t.n - 8)) < 0)
        return KS_EFORMAT;
    *ns = ((int64_t)hh * 3600 + mm * 60 + ss) * KS_NS_PER_SEC + frac;
    return 0;
}

static int parse_port(struct ks_sv v, uint16_t *out)
{
    uint64_t x;
    if (ks_parse_u64(v.p, v.n, &x) || x > 65535)
        return KS_EFORMAT;
    *out = (uint16_t)x;
    return 0;
}

/* Splits "GET /a?b HTTP/1.1" into method, target and protocol. False when it is not shaped
 * like a request line (then it is kept whole in the bag). */
static bool split_request(struct ks_sv r, struct web_rec *rec)
{
    const char *sp = memchr(r.p, ' ', r.n);
    if (!sp || sp == r.p || sp - r.p > 32)
        return false;
    for (const char *c = r.p; c < sp; c++) {
        char x = *c;
        if (!((x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z') || x == '-' || x == '_' ||
              is_digit(x)))
            return false;
    }
    rec->method = ks_sv_make(r.p, (size_t)(sp - r.p));
    struct ks_sv rest = ks_sv_make(sp + 1, r.n - (size_t)(sp + 1 - r.p));
    const char *last = rest.n ? memrchr(rest.p, ' ', rest.n) : NULL;
    if (last && (size_t)(rest.p + rest.n - last) > 5 && memcmp(last + 1, "HTTP/", 5) == 0) {
        rec->proto = ks_sv_make(last + 1, (size_t)(rest.p + rest.n - last - 1));
        rest.n = (size_t)(last - rest.p);
    }
    rec->target = rest;
    return true;
}

/* ---------------------------------------------------------------- shared mapping */

static const char *const dataset_name[] = {
    [WF_APACHE] = "web.apache",
    [WF_IIS] = "web.iis",
    [WF_JSON] = "web.json",
};

static int web_emit(struct web_state *st, struct ks_parse_ctx *ctx, struct web_rec *r,
                    struct ks_event *ev)
{
    char tmp[48];
    uint64_t x;
    ev->kind = KS_KIND_HTTP;
    ev->ts = r->ts;
    ev->dataset = ks_sv_cstr(dataset_name[st->fmt]);
    ev->service = ks_sv_make("http", 4);
    if (!absent(r->remote)) {
        if (ks_addr_parse(r->remote.p, r->remote.n, &ev->src) != 0)
            ev->src_host = r->remote;
    }
    if (!absent(r->rport) && parse_port(r->rport, &ev->src_port))
        return ks_ingest_bad(ctx, "bad client port '%s'", show(r->rport, tmp));
    if (!absent(r->sip) && ks_addr_parse(r->sip.p, r->sip.n, &ev->dst) != 0)
        return ks_ingest_bad(ctx, "bad server address '%s'", show(r->sip, tmp));
    if (!absent(r->sport) && parse_port(r->sport, &ev->dst_port))
        return ks_ingest_bad(ctx, "bad server port '%s'", show(r->sport, tmp));
    if (!absent(r->vhost)) {
        /* "www.example.com:443" (Apache %v:%p) */
        const char *c = memrchr(r->vhost.p, ':', r->vhost.n);
        struct ks_sv h = r->vhost;
        if (c && !memchr(r->vhost.p, ':', (size_t)(c - r->vhost.p))) {
            struct ks_sv port = ks_sv_make(c + 1, (size_t)(r->vhost.p + r->vhost.n - c - 1));
            uint16_t pt;
            h.n = (size_t)(c - r->vhost.p);
            if (parse_port(port, &pt) == 0 && !ev->dst_port)
                ev->dst_port = pt;
        }
        ev->dst_host = h;
    }
    if (!absent(r->host))
        ev->dst_host = r->host;
    if (!absent(r->user))
        ev->user = r->user;
    if (!absent(r->observer))
        ev->observer = r->observer;
    if (!absent(r->xff)) {
        BAG(st, "http.request.x_forwarded_for", r->xff);
        struct ks_addr c;
        if (ks_ingest_xff_client(&ev->src, r->xff, &c)) {
            if (r->remote.p && !ev->src_host.p) {
                BAG(st, "source.proxy", r->remote);
            } else {
                size_t pn = ks_addr_format(&ev->src, st->peer, sizeof st->peer);
                BAG(st, "source.proxy", ks_sv_make(st->peer, pn));
            }
            ev->src = c;
        }
    }
    if (!absent(r->method)) {
        ev->action = r->method;
        BAG(st, "http.request.method", r->method);
    }
    if (r->target.p && !r->path.p) {
        const char *q = memchr(r->target.p, '?', r->target.n);
        if (q) {
            r->path = ks_sv_make(r->target.p, (size_t)(q - r->target.p));
            if (!r->query.p)
                r->query = ks_sv_make(q + 1, (size_t)(r->target.p + r->target.n - q - 1));
        } else {
            r->path = r->target;
        }
    }
    if (r->path.p && r->path.n) {
        ev->object = r->path;
        BAG(st, "url.path", r->path);
        if (st->npats && ks_urlpat_match_first(st->pats, st->npats, r->path, &st->m) >= 0) {
            BAG(st, "resource.kind", st->m.kind);
            BAG(st, "resource.id", st->m.key);
            for (uint32_t i = 0; i < st->m.ncap; i++)
                bag_add(st, st->m.cap[i].key.p, st->m.cap[i].key.n, st->m.cap[i].val);
        }
    }
    if (!absent(r->query))
        BAG(st, "url.query", r->query);
    if (!absent(r->proto)) {
        struct ks_sv v = r->proto;
        if (v.n > 5 && memcmp(v.p, "HTTP/", 5) == 0) {
            v.p += 5;
            v.n -= 5;
        }
        BAG(st, "http.version", v);
    }
    if (!absent(r->status)) {
        if (ks_parse_u64(r->status.p, r->status.n, &x) || x < 100 || x > 999)
            return ks_ingest_bad(ctx, "bad status '%s'", show(r->status, tmp));
        ev->code = (uint32_t)x;
        ev->outcome = x < 400 ? KS_OUTCOME_SUCCESS : KS_OUTCOME_FAILURE;
        BAG(st, "http.response.status_code", r->status);
    }
    if (absent(r->bytes))
        r->bytes = r->bytes_total;
    if (!absent(r->bytes)) {
        if (ks_parse_u64(r->bytes.p, r->bytes.n, &ev->bytes_in))
            return ks_ingest_bad(ctx, "bad byte count '%s'", show(r->bytes, tmp));
    }
    if (!absent(r->req_bytes) && ks_parse_u64(r->req_bytes.p, r->req_bytes.n, &ev->bytes_out))
        return ks_ingest_bad(ctx, "bad request byte count '%s'", show(r->req_bytes, tmp));
    if (r->has_duration)
        ev->duration = r->duration;
    if (!absent(r->ua))
        BAG(st, "user_agent.original", r->ua);
    if (!absent(r->ref))
        BAG(st, "http.request.referrer", r->ref);
    if (st->bag_dropped)
        return ks_ingest_bad(ctx, "%u fields beyond the %d-field limit", st->bag_dropped,
                             KS_EVENT_MAX_BAG);
    ev->bag = st->bag;
    ev->nbag = st->nbag;
    return KS_PARSE_EVENT;
}

/* ---------------------------------------------------------------- apache / nginx / tomcat */

/* Finds the closing '"' of a quoted field starting after p[0] == '"' (backslash escapes
 * skipped). Returns its offset in p[0..n) or 0 when there is none. */
static size_t quote_end(const char *p, size_t n)
{
    size_t i = 1;
    for (;;) {
        const char *q = i < n ? memchr(p + i, '"', n - i) : NULL;
        if (!q)
            return 0;
        size_t k = (size_t)(q - p), bs = 0;
        while (k - bs > 1 && p[k - bs - 1] == '\\')
            bs++;
        if ((bs & 1) == 0)
            return k;
        i = k + 1;
    }
}

/* The closing quote of "%r": Tomcat does not escape '"' inside the request, so the first
 * closing quote followed by " NNN" (the status) wins; without one, the first closing quote. */
static size_t request_end(const char *p, size_t n)
{
    size_t first = quote_end(p, n), q = first;
    while (q) {
        if (q + 5 <= n && p[q + 1] == ' ' && digits(p + q + 2, 3) &&
            (q + 5 == n || p[q + 5] == ' '))
            return q;
        size_t next = quote_end(p + q, n - q);
        q = next ? q + next : 0;
    }
    return first;
}

/* "host:port" with exactly one ':' (Apache's "%v:%p"), not an IPv6 address. */
static bool vhost_like(struct ks_sv t)
{
    const char *c = t.n ? memchr(t.p, ':', t.n) : NULL;
    if (!c || c == t.p)
        return false;
    size_t pn = (size_t)(t.p + t.n - c - 1);
    return pn > 0 && pn <= 5 && digits(c + 1, pn);
}

static int apache_record(struct web_state *st, struct ks_parse_ctx *ctx, struct ks_sv l,
                         struct ks_event *ev)
{
    struct web_rec r;
    struct ks_sv tok[4];
    size_t ntok = 0, i = 0;
    char tmp[48];
    memset(&r, 0, sizeof r);

    const char *lb = memchr(l.p, '[', l.n);
    if (!lb)
        return ks_ingest_bad(ctx, "no [time]");
    size_t tpos = (size_t)(lb - l.p);
    if (tpos < 6 || l.p[tpos - 1] != ' ')
        return ks_ingest_bad(ctx, "expected 'host ident user [time]'");
    /* Up to four space-separated tokens before '['; a longer tail is the user name. */
    while (i < tpos - 1) {
        const char *sp = memchr(l.p + i, ' ', tpos - 1 - i);
        size_t e = sp ? (size_t)(sp - l.p) : tpos - 1;
        if (ntok == 4) {
            tok[3].n = tpos - 1 - (size_t)(tok[3].p - l.p);
            break;
        }
        tok[ntok++] = ks_sv_make(l.p + i, e - i);
        i = e + 1;
    }
    if (ntok < 3)
        return ks_ingest_bad(ctx, "expected 'host ident user [time]'");
    if (ntok == 4 && vhost_like(tok[0])) {
        r.vhost = tok[0]; /* vhost_combined: "%v:%p %h %l %u" */
        r.remote = tok[1];
        r.user = tok[3];
        BAG(st, "apache.ident", tok[2]);
    } else {
        r.remote = tok[0];
        r.user = ks_sv_make(tok[2].p, tpos - 1 - (size_t)(tok[2].p - l.p));
        if (tok[1].n != 1 || tok[1].p[0] != '-')
            BAG(st, "apache.ident", tok[1]);
    }
    const char *rb = memchr(lb, ']', l.n - tpos);
    if (!rb)
        return ks_ingest_bad(ctx, "unterminated [time]");
    struct ks_sv t = ks_sv_make(lb + 1, (size_t)(rb - lb - 1));
    if (parse_clf_time(st, t, &r.ts))
        return ks_ingest_bad(ctx, "bad time '%s'", show(t, tmp));
    i = (size_t)(rb - l.p) + 1;
    if (i + 2 > l.n || l.p[i] != ' ' || l.p[i + 1] != '"')
        return ks_ingest_bad(ctx, "expected '\"request\"' after the time");
    i++;
    size_t q = request_end(l.p + i, l.n - i);
    if (!q)
        return ks_ingest_bad(ctx, "unbalanced quote in the request");
    r.request = ks_sv_make(l.p + i + 1, q - 1);
    i += q + 1;
    /* " status bytes" */
    if (i + 1 >= l.n || l.p[i] != ' ')
        return ks_ingest_bad(ctx, "no status after the request");
    i++;
    const char *sp = memchr(l.p + i, ' ', l.n - i);
    size_t e = sp ? (size_t)(sp - l.p) : l.n;
    r.status = ks_sv_make(l.p + i, e - i);
    if (absent(r.status))
        return ks_ingest_bad(ctx, "no status");
    i = e;
    if (i < l.n) {
        i++;
        sp = memchr(l.p + i, ' ', l.n - i);
        e = sp ? (size_t)(sp - l.p) : l.n;
        r.bytes = ks_sv_make(l.p + i, e - i);
        i = e;
    }
    /* combined: ' "referer" "user agent"'; nginx main: ' "x-forwarded-for"'; then extras */
    struct ks_sv *quoted[] = {&r.ref, &r.ua, &r.xff};
    for (size_t k = 0; k < 3 && i + 1 < l.n && l.p[i] == ' ' && l.p[i + 1] == '"'; k++) {
        i++;
        q = quote_end(l.p + i, l.n - i);
        if (!q)
            return ks_ingest_bad(ctx, "unbalanced quote after the status");
        *quoted[k] = ks_sv_make(l.p + i + 1, q - 1);
        i += q + 1;
    }
    if (i < l.n) {
        struct ks_sv extra = ks_sv_trim(ks_sv_make(l.p + i, l.n - i));
        if (extra.n)
            BAG(st, "apache.extra", extra);
    }
    if (!absent(r.request) && !split_request(r.request, &r))
        BAG(st, "http.request.line", r.request);
    return web_emit(st, ctx, &r, ev);
}

static int apache_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                       size_t *consumed, struct ks_event *ev)
{
    struct web_state *st = state;
    struct ks_sv line;
    int r = web_line(st, ctx, buf, len, consumed, &line, true);
    if (r != KS_PARSE_EVENT)
        return r;
    memset(ev, 0, sizeof *ev);
    st->nbag = 0;
    st->bag_dropped = 0;
    return apache_record(st, ctx, line, ev);
}

/* ---------------------------------------------------------------- IIS W3C extended */

static enum web_role iis_role_of(struct ks_sv k)
{
    static const struct {
        const char *name;
        uint8_t role;
    } map[] = {
        {"date", WR_DATE},
        {"time", WR_TIME},
        {"s-ip", WR_SIP},
        {"cs-method", WR_METHOD},
        {"cs-uri-stem", WR_TARGET},
        {"cs-uri-query", WR_QUERY},
        {"s-port", WR_SPORT},
        {"cs-username", WR_USER},
        {"c-ip", WR_REMOTE},
        {"c-port", WR_RPORT},
        {"cs(User-Agent)", WR_UA},
        {"cs(Referer)", WR_REF},
        {"sc-status", WR_STATUS},
        {"sc-bytes", WR_BYTES},
        {"cs-bytes", WR_REQ_BYTES},
        {"time-taken", WR_MS},
        {"cs-host", WR_HOST},
        {"cs-version", WR_PROTO},
        {"s-computername", WR_OBSERVER},
        {"X-Forwarded-For", WR_XFF},
        {"cs(X-Forwarded-For)", WR_XFF},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(map); i++)
        if (ks_sv_ieq_cstr(k, map[i].name))
            return (enum web_role)map[i].role;
    return WR_BAG;
}

static int iis_fields(struct web_state *st, struct ks_parse_ctx *ctx, struct ks_sv v)
{
    uint32_t n = 0;
    size_t i = 0;
    bool has_time = false;
    st->have_fields = false;
    st->has_date = false;
    ks_buf_reset(&st->names_buf);
    v = ks_sv_trim(v);
    if (v.n == 0)
        return ks_ingest_bad(ctx, "#Fields: no columns");
    if (ks_buf_append(&st->names_buf, v.p, v.n))
        return ks_ingest_bad(ctx, "#Fields: header too long");
    const char *p = st->names_buf.p;
    while (i < v.n) {
        if (p[i] == ' ') {
            i++;
            continue;
        }
        const char *sp = memchr(p + i, ' ', v.n - i);
        size_t e = sp ? (size_t)(sp - p) : v.n;
        if (n == WEB_MAX_COLS)
            return ks_ingest_bad(ctx, "#Fields: more than %u columns", WEB_MAX_COLS);
        st->names[n] = ks_sv_make(p + i, e - i);
        st->role[n] = (uint8_t)iis_role_of(st->names[n]);
        if (st->role[n] == WR_DATE)
            st->has_date = true;
        if (st->role[n] == WR_TIME)
            has_time = true;
        n++;
        i = e;
    }
    if (!has_time)
        return ks_ingest_bad(ctx, "#Fields has no time column");
    st->ncols = n;
    st->have_fields = true;
    return KS_PARSE_SKIP;
}

static int iis_header(struct web_state *st, struct ks_parse_ctx *ctx, struct ks_sv l)
{
    if (l.n >= 8 && memcmp(l.p, "#Fields:", 8) == 0)
        return iis_fields(st, ctx, ks_sv_make(l.p + 8, l.n - 8));
    if (l.n >= 6 && memcmp(l.p, "#Date:", 6) == 0) {
        struct ks_sv d = ks_sv_trim(ks_sv_make(l.p + 6, l.n - 6));
        int64_t ns;
        if (d.n >= 10 && parse_iso_day(st, ks_sv_make(d.p, 10), &ns) == 0) {
            st->header_day_ns = ns;
            st->have_header_day = true;
        }
        return KS_PARSE_SKIP;
    }
    if (l.n >= 9 && memcmp(l.p, "#Version:", 9) == 0) {
        /* A new log section starts: its #Fields follows. */
        st->have_fields = false;
        st->have_header_day = false;
    }
    return KS_PARSE_SKIP; /* #Software, #Start-Date, #End-Date, #Remark, comments */
}

static int iis_record(struct web_state *st, struct ks_parse_ctx *ctx, struct ks_sv l,
                      struct ks_event *ev)
{
    struct web_rec r;
    struct ks_sv date = KS_SV_NULL, time = KS_SV_NULL;
    struct ks_sv *slot[] = {
        [WR_SIP] = &r.sip,       [WR_METHOD] = &r.method, [WR_TARGET] = &r.path,
        [WR_QUERY] = &r.query,   [WR_SPORT] = &r.sport,   [WR_USER] = &r.user,
        [WR_REMOTE] = &r.remote, [WR_RPORT] = &r.rport,   [WR_UA] = &r.ua,
        [WR_REF] = &r.ref,       [WR_STATUS] = &r.status, [WR_BYTES] = &r.bytes,
        [WR_REQ_BYTES] = &r.req_bytes, [WR_HOST] = &r.host, [WR_PROTO] = &r.proto,
        [WR_OBSERVER] = &r.observer, [WR_XFF] = &r.xff,
    };
    struct ks_sv ms = KS_SV_NULL;
    char tmp[48];
    uint32_t col = 0;
    size_t i = 0;
    if (!st->have_fields)
        return ks_ingest_bad(ctx, "data line before a #Fields header");
    memset(&r, 0, sizeof r);
    while (i <= l.n) {
        const char *sp = i < l.n ? memchr(l.p + i, ' ', l.n - i) : NULL;
        size_t e = sp ? (size_t)(sp - l.p) : l.n;
        if (col == st->ncols)
            return ks_ingest_bad(ctx, "more columns than #Fields (%u)", st->ncols);
        struct ks_sv v = ks_sv_make(l.p + i, e - i);
        unsigned role = st->role[col];
        if (role == WR_DATE)
            date = v;
        else if (role == WR_TIME)
            time = v;
        else if (role == WR_MS)
            ms = v;
        else if (role != WR_BAG && role < KS_ARRAY_LEN(slot) && slot[role])
            *slot[role] = v;
        else if (!absent(v))
            bag_add(st, st->names[col].p, st->names[col].n, v);
        col++;
        i = e + 1;
        if (!sp)
            break;
    }
    if (col != st->ncols)
        return ks_ingest_bad(ctx, "%u columns, #Fields has %u", col, st->ncols);
    int64_t day, tod;
    if (st->has_date) {
        if (parse_iso_day(st, date, &day))
            return ks_ingest_bad(ctx, "bad date '%s'", show(date, tmp));
    } else if (st->have_header_day) {
        day = st->header_day_ns;
    } else {
        return ks_ingest_bad(ctx, "no date column and no #Date header");
    }
    if (parse_hms(time, &tod))
        return ks_ingest_bad(ctx, "bad time '%s'", show(time, tmp));
    r.ts = day + tod;
    if (!absent(ms)) {
        uint64_t x;
        if (ks_parse_u64(ms.p, ms.n, &x) || x > UINT64_MAX / 1000000)
            return ks_ingest_bad(ctx, "bad time-taken '%s'", show(ms, tmp));
        r.duration = x * 1000000;
        r.has_duration = true;
    }
    if (absent(r.path))
        r.path = KS_SV_NULL;
    return web_emit(st, ctx, &r, ev);
}

static int iis_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                    size_t *consumed, struct ks_event *ev)
{
    struct web_state *st = state;
    struct ks_sv line;
    int r = web_line(st, ctx, buf, len, consumed, &line, true);
    if (r != KS_PARSE_EVENT)
        return r;
    if (line.p[0] == '#')
        return iis_header(st, ctx, line);
    memset(ev, 0, sizeof *ev);
    st->nbag = 0;
    st->bag_dropped = 0;
    return iis_record(st, ctx, line, ev);
}

/* ---------------------------------------------------------------- JSON lines */

static const struct {
    const char *key;
    uint8_t role;
} json_keys[] = {
    {"time_local", WR_TS}, {"@timestamp", WR_TS}, {"time", WR_TS}, {"timestamp", WR_TS},
    {"time_iso8601", WR_TS}, {"msec", WR_TS},
    {"remote_addr", WR_REMOTE}, {"client.ip", WR_REMOTE}, {"source.ip", WR_REMOTE},
    {"client.address", WR_REMOTE}, {"source.address", WR_REMOTE}, {"clientip", WR_REMOTE},
    {"client_ip", WR_REMOTE}, {"remote_ip", WR_REMOTE}, {"remote_host", WR_REMOTE},
    {"remote_port", WR_RPORT}, {"source.port", WR_RPORT}, {"client.port", WR_RPORT},
    {"server_addr", WR_SIP}, {"destination.ip", WR_SIP}, {"server.ip", WR_SIP},
    {"server_port", WR_SPORT}, {"destination.port", WR_SPORT}, {"server.port", WR_SPORT},
    {"request", WR_REQUEST}, {"request_line", WR_REQUEST},
    {"method", WR_METHOD}, {"request_method", WR_METHOD}, {"http.request.method", WR_METHOD},
    {"uri", WR_TARGET}, {"request_uri", WR_TARGET}, {"url.original", WR_TARGET},
    {"url.path", WR_TARGET}, {"path", WR_TARGET},
    {"args", WR_QUERY}, {"query_string", WR_QUERY}, {"url.query", WR_QUERY},
    {"status", WR_STATUS}, {"http.response.status_code", WR_STATUS}, {"status_code", WR_STATUS},
    {"body_bytes_sent", WR_BYTES}, {"bytes", WR_BYTES}, {"http.response.body.bytes", WR_BYTES},
    {"bytes_sent", WR_BYTES_TOTAL}, {"http.response.bytes", WR_BYTES_TOTAL},
    {"request_length", WR_REQ_BYTES}, {"http.request.bytes", WR_REQ_BYTES},
    {"http_user_agent", WR_UA}, {"user_agent.original", WR_UA}, {"user_agent", WR_UA},
    {"agent", WR_UA},
    {"http_referer", WR_REF}, {"http.request.referrer", WR_REF}, {"referrer", WR_REF},
    {"referer", WR_REF},
    {"remote_user", WR_USER}, {"user.name", WR_USER}, {"user", WR_USER},
    {"request_time", WR_SECS}, {"event.duration", WR_NS},
    {"host", WR_HOST}, {"server_name", WR_HOST}, {"http_host", WR_HOST}, {"vhost", WR_HOST},
    {"url.domain", WR_HOST},
    {"http_x_forwarded_for", WR_XFF}, {"x_forwarded_for", WR_XFF},
    {"server_protocol", WR_PROTO}, {"http.version", WR_PROTO}, {"protocol", WR_PROTO},
};

static uint32_t key_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static void jroles_build(struct web_state *st)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(json_keys); i++) {
        size_t n = strlen(json_keys[i].key);
        uint32_t h = key_hash(json_keys[i].key, n) & (WEB_JROLE_SLOTS - 1);
        while (st->jroles[h].key)
            h = (h + 1) & (WEB_JROLE_SLOTS - 1);
        st->jroles[h] = (struct jrole_slot){json_keys[i].key, (uint8_t)n, json_keys[i].role};
    }
}

static enum web_role jrole_of(const struct web_state *st, struct ks_sv k)
{
    if (k.n > 32)
        return WR_BAG;
    uint32_t h = key_hash(k.p, k.n) & (WEB_JROLE_SLOTS - 1);
    while (st->jroles[h].key) {
        if (st->jroles[h].n == k.n && memcmp(st->jroles[h].key, k.p, k.n) == 0)
            return (enum web_role)st->jroles[h].role;
        h = (h + 1) & (WEB_JROLE_SLOTS - 1);
    }
    return WR_BAG;
}

/* RFC 3339, Apache's format, epoch seconds with a fraction ("1700000000.123"), or an integer
 * epoch in ms, us or ns told apart by its digit count (13, 16, 19). */
static int json_time(struct web_state *st, struct ks_sv v, int64_t *ns)
{
    uint64_t x;
    if (ks_time_parse_rfc3339(v.p, v.n, ns) == 0)
        return 0;
    if (parse_clf_time(st, v, ns) == 0)
        return 0;
    if ((v.n == 13 || v.n == 16 || v.n == 19) && ks_parse_u64(v.p, v.n, &x) == 0 &&
        x <= (uint64_t)INT64_MAX) {
        *ns = (int64_t)x * (v.n == 13 ? 1000000 : v.n == 16 ? 1000 : 1);
        return 0;
    }
    return ks_parse_epoch_frac(v.p, v.n, ns);
}

static int json_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                     size_t *consumed, struct ks_event *ev)
{
    struct web_state *st = state;
    struct ks_json_doc *d = st->doc;
    struct ks_sv line, ts = KS_SV_NULL, secs = KS_SV_NULL, nsv = KS_SV_NULL;
    struct web_rec r;
    char tmp[48];
    int rc = web_line(st, ctx, buf, len, consumed, &line, false);
    if (rc != KS_PARSE_EVENT)
        return rc;
    line = ks_sv_trim(line);
    if (line.n == 0)
        return KS_PARSE_SKIP;
    rc = ks_json_parse(d, line.p, line.n);
    if (rc == KS_ETOOBIG)
        return ks_ingest_bad(ctx, "json: %s", d->err ? d->err : "too big");
    if (rc)
        return ks_ingest_bad(ctx, "json: %s at byte %zu", d->err ? d->err : "error", d->err_off);
    struct ks_sv *slot[] = {
        [WR_REMOTE] = &r.remote,   [WR_RPORT] = &r.rport,     [WR_SIP] = &r.sip,
        [WR_SPORT] = &r.sport,     [WR_REQUEST] = &r.request, [WR_METHOD] = &r.method,
        [WR_TARGET] = &r.target,   [WR_QUERY] = &r.query,     [WR_STATUS] = &r.status,
        [WR_BYTES] = &r.bytes,     [WR_BYTES_TOTAL] = &r.bytes_total,
        [WR_REQ_BYTES] = &r.req_bytes, [WR_UA] = &r.ua,       [WR_REF] = &r.ref,
        [WR_USER] = &r.user,       [WR_HOST] = &r.host,       [WR_XFF] = &r.xff,
        [WR_PROTO] = &r.proto,     [WR_TS] = &ts,             [WR_SECS] = &secs,
        [WR_NS] = &nsv,
    };
    memset(&r, 0, sizeof r);
    memset(ev, 0, sizeof *ev);
    st->nbag = 0;
    st->bag_dropped = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        const struct ks_json_field *f = &d->f[i];
        if (f->type == KS_JSON_NULL)
            continue;
        unsigned role = jrole_of(st, f->key);
        struct ks_sv v = f->val.p ? f->val : ks_sv_make("", 0);
        if (role != WR_BAG && role < KS_ARRAY_LEN(slot) && slot[role] && !slot[role]->p)
            *slot[role] = v;
        else if (role == WR_BAG)
            bag_add(st, f->key.p, f->key.n, v);
    }
    if (!ts.p)
        return ks_ingest_bad(ctx, "no time field");
    if (json_time(st, ts, &r.ts))
        return ks_ingest_bad(ctx, "bad time '%s'", show(ts, tmp));
    if (!absent(secs)) {
        int64_t x;
        if (ks_parse_epoch_frac(secs.p, secs.n, &x) || x < 0)
            return ks_ingest_bad(ctx, "bad request_time '%s'", show(secs, tmp));
        r.duration = (uint64_t)x;
        r.has_duration = true;
    } else if (!absent(nsv)) {
        if (ks_parse_u64(nsv.p, nsv.n, &r.duration))
            return ks_ingest_bad(ctx, "bad event.duration '%s'", show(nsv, tmp));
        r.has_duration = true;
    }
    if (!absent(r.request)) {
        struct web_rec q;
        memset(&q, 0, sizeof q);
        if (split_request(r.request, &q)) {
            if (!r.method.p)
                r.method = q.method;
            if (!r.target.p)
                r.target = q.target;
            if (!r.proto.p)
                r.proto = q.proto;
        } else {
            BAG(st, "http.request.line", r.request);
        }
    }
    return web_emit(st, ctx, &r, ev);
}

/* ---------------------------------------------------------------- plug-in */

static void web_destroy(void *state)
{
    struct web_state *st = state;
    if (!st)
        return;
    ks_buf_free(&st->esc);
    ks_buf_free(&st->names_buf);
    if (st->doc) {
        ks_json_doc_free(st->doc);
        free(st->doc);
    }
    free(st);
}

static int web_create(enum web_fmt fmt, void **state)
{
    int rc = KS_ENOMEM;
    struct web_state *st = calloc(1, sizeof *st);
    *state = NULL;
    if (!st)
        goto out;
    st->fmt = fmt;
    ks_buf_init(&st->esc, 4 * WEB_MAX_LINE + 16);
    ks_buf_init(&st->names_buf, WEB_MAX_HEADER);
    st->pats = ks_ingest_url_patterns(&st->npats);
    if (fmt == WF_JSON) {
        st->doc = malloc(sizeof *st->doc);
        if (!st->doc)
            goto out;
        ks_json_doc_init(st->doc, WEB_JSON_SCRATCH);
        jroles_build(st);
    }
    *state = st;
    st = NULL;
    rc = 0;
out:
    web_destroy(st);
    return rc;
}

static int apache_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    return web_create(WF_APACHE, state);
}

static int iis_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    return web_create(WF_IIS, state);
}

static int json_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    return web_create(WF_JSON, state);
}

static int apache_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    const char *lb = memchr(l.p, '[', l.n);
    if (!lb || lb == l.p || lb[-1] != ' ')
        return 0;
    size_t rest = (size_t)(l.p + l.n - lb);
    /* "[dd/Mon/yyyy:" then '"' after the ']' */
    if (rest < 30 || !is_digit(lb[1]) || !is_digit(lb[2]) || lb[3] != '/' || !month_of(lb + 4) ||
        lb[7] != '/' || !digits(lb + 8, 4) || lb[12] != ':')
        return 0;
    const char *rb = memchr(lb, ']', rest);
    if (!rb || (size_t)(l.p + l.n - rb) < 3 || rb[1] != ' ' || rb[2] != '"')
        return 0;
    return 85;
}

static int iis_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    if (ks_sv_starts_with(l, "#Software: Microsoft") || ks_sv_starts_with(l, "#Fields: "))
        return 95;
    if (ks_sv_starts_with(l, "#Version: 1.0") || ks_sv_starts_with(l, "#Software:"))
        return ks_ingest_sv_contains(ks_sv_make(head, n), "#Fields:") ? 95 : 60;
    return 0;
}

static int json_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    if (l.n < 2 || l.p[0] != '{')
        return 0;
    if (ks_ingest_sv_contains(l, "\"remote_addr\"") ||
        ks_ingest_sv_contains(l, "\"body_bytes_sent\"") ||
        ks_ingest_sv_contains(l, "\"http_user_agent\"") ||
        ks_ingest_sv_contains(l, "\"request_uri\""))
        return 80;
    if ((ks_ingest_sv_contains(l, "\"url.original\"") || ks_ingest_sv_contains(l, "\"url\":{")) &&
        (ks_ingest_sv_contains(l, "\"status_code\"")))
        return 70;
    return 0;
}

const struct ks_parser_ops ks_parser_apache = {
    .abi = KS_PARSER_ABI,
    .name = "apache",
    .description = "Apache/nginx/Tomcat access logs (common, combined, vhost_combined)",
    .text = true,
    .probe = apache_probe,
    .create = apache_create,
    .next = apache_next,
    .destroy = web_destroy,
};

const struct ks_parser_ops ks_parser_iis = {
    .abi = KS_PARSER_ABI,
    .name = "iis",
    .description = "IIS / W3C extended access logs (columns from #Fields)",
    .text = true,
    .probe = iis_probe,
    .create = iis_create,
    .next = iis_next,
    .destroy = web_destroy,
};

const struct ks_parser_ops ks_parser_weblog_json = {
    .abi = KS_PARSER_ABI,
    .name = "weblog-json",
    .description = "JSON-lines web access logs (nginx/Apache JSON formats, ECS)",
    .text = true,
    .probe = json_probe,
    .create = json_create,
    .next = json_next,
    .destroy = web_destroy,
};
