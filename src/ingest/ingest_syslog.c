/* SPDX-License-Identifier: MIT */
/*
 * ingest_syslog.c - syslog files into normalized events ("syslog"): the framing and header half.
 * One line is one record: RFC 5424 ("<PRI>1 TS HOST APP PROCID MSGID [SD] MSG"), RFC 3164 with or
 * without <PRI> ("May  6 09:00:00 host prog[123]: msg", as rsyslog writes files), ISO-stamped
 * file lines ("2024-05-06T09:00:00.123+02:00 host prog: msg"), and the Cisco forms (sequence
 * numbers, "*Mar  1 00:00:00.123 UTC:" device stamps, "%ASA-6-605005:" mnemonics, NX-OS
 * "2019 Mar 20 10:15:32" stamps) and FortiGate "date=... time=..." lines. The framed message
 * goes to the device classifiers (ingest_devmsg.c), which pick the event kind.
 *
 * Design:
 *  1. Nothing is allocated per line: header fields are views into the line; built strings (5424
 *     structured-data keys "sd.ID.PARAM", unescaped values, a repaired copy of a line with invalid
 *     UTF-8) go to a scratch area of the state (allocated once, on first need) and the
 *     classifier's to a small fixed one; both are reset per line.
 *  2. RFC 3164 stamps have no year and no zone. The zone is the configured offset (UTC by
 *     default, KS_SYSLOG_TZ, or ks_ingest_syslog_configure()). The year is the one that puts the
 *     stamp closest to, and not more than SYSLOG_FUTURE_SLACK after, the reference time: the
 *     newest full timestamp (5424, ISO, Cisco stamp with a year, FortiGate date=) seen so far in
 *     the input, else the configured reference, else the current time.
 *  3. A line without any timestamp (bare "%ASA-..." or "123: %SYS-..." lines of a device that
 *     does not stamp) takes the previous record's time; before any, it is malformed.
 *  4. Invalid UTF-8 bytes are replaced by '?' (same length) and the record is kept, with
 *     "syslog.invalid_utf8" in the bag; a record is never lost for one Latin-1 byte.
 *  5. Malformed: a bad <PRI>, a 5424 header that is truncated or has a bad timestamp or
 *     structured data, a line without a recognizable header, a line over SYSLOG_MAX_LINE.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"
#include "ingest/ingest_syslog_int.h"

#define SYSLOG_MAX_LINE (64u * 1024u)
#define SYSLOG_SCRATCH (4u * SYSLOG_MAX_LINE) /* repaired line + unescaped SD values + keys */
#define SYSLOG_DM_SCRATCH 1024u                /* the classifier's built strings */
#define SYSLOG_MAX_SD 128u
#define SYSLOG_FUTURE_SLACK (INT64_C(31) * 86400 * KS_NS_PER_SEC)

struct syslog_state {
    /* options, fixed at create() */
    int opt_year;
    int32_t tz_off_s;
    /* year inference */
    int64_t ref_ns;
    int ref_year;
    bool ref_from_input;
    /* last record's time, for lines without one */
    int64_t last_ts;
    bool have_last;
    /* per record */
    struct ks_kv bag[KS_EVENT_MAX_BAG];
    struct ks_kv sd[SYSLOG_MAX_SD];
    size_t scratch_len;
    char *scratch; /* SYSLOG_SCRATCH bytes, allocated on first use (most inputs never need it) */
    char dm_scratch[SYSLOG_DM_SCRATCH];
};

static struct ks_syslog_opts g_opts;
static bool g_opts_set;

void ks_ingest_syslog_configure(const struct ks_syslog_opts *o)
{
    if (o) {
        g_opts = *o;
        g_opts_set = true;
    } else {
        memset(&g_opts, 0, sizeof g_opts);
        g_opts_set = false;
    }
}

/* ---------------------------------------------------------------- small parsers */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly k digits at p[*i]. */
static bool digits(const char *p, size_t n, size_t *i, size_t k, int *out)
{
    int v = 0;
    if (*i + k > n)
        return false;
    for (size_t j = 0; j < k; j++) {
        char c = p[*i + j];
        if (!is_digit(c))
            return false;
        v = v * 10 + (c - '0');
    }
    *i += k;
    *out = v;
    return true;
}

static int month_of(const char *p)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    char a = (char)(p[0] | 0x20), b = (char)(p[1] | 0x20), c = (char)(p[2] | 0x20);
    for (int m = 0; m < 12; m++) {
        if (names[3 * m] == a && names[3 * m + 1] == b && names[3 * m + 2] == c)
            return m + 1;
    }
    return 0;
}

int ks_ingest_syslog_parse_tz(const char *p, size_t n, int32_t *off_s)
{
    struct ks_sv s = ks_sv_make(p, n);
    int h = 0, m = 0;
    size_t i = 1;
    if (ks_sv_eq_cstr(s, "Z") || ks_sv_ieq_cstr(s, "UTC") || ks_sv_ieq_cstr(s, "GMT")) {
        *off_s = 0;
        return 0;
    }
    if (n < 3 || (p[0] != '+' && p[0] != '-') || !digits(p, n, &i, 2, &h))
        return KS_EFORMAT;
    if (i < n && p[i] == ':')
        i++;
    if (i < n && !digits(p, n, &i, 2, &m))
        return KS_EFORMAT;
    if (i != n || h > 14 || m > 59)
        return KS_EFORMAT;
    *off_s = (int32_t)((h * 3600 + m * 60) * (p[0] == '-' ? -1 : 1));
    return 0;
}

/* A BSD-style stamp: [*.]? [YYYY ]? Mmm [ ]d|dd [YYYY ]? hh:mm:ss[.frac] */
struct bsd_ts {
    int year; /* 0 when the stamp has none */
    int mon, day, hour, min, sec;
    int64_t nsec;
};

/* Returns the bytes the stamp takes at p[0..n), or 0 when there is none. */
static size_t parse_bsd_ts(const char *p, size_t n, struct bsd_ts *t)
{
    size_t i = 0;
    memset(t, 0, sizeof *t);
    if (i < n && (p[i] == '*' || p[i] == '.'))
        i++;
    if (i + 5 <= n && is_digit(p[i]) && p[i + 4] == ' ') { /* NX-OS "2019 Mar 20 10:15:32" */
        if (!digits(p, n, &i, 4, &t->year))
            return 0;
        i++;
    }
    if (i + 4 > n || !(t->mon = month_of(p + i)) || p[i + 3] != ' ')
        return 0;
    i += 4;
    if (i < n && p[i] == ' ')
        i++;
    if (!digits(p, n, &i, 1, &t->day))
        return 0;
    if (i < n && is_digit(p[i]))
        t->day = t->day * 10 + (p[i++] - '0');
    if (i >= n || p[i] != ' ')
        return 0;
    i++;
    if (!t->year && i + 5 <= n && is_digit(p[i]) && is_digit(p[i + 3]) && p[i + 4] == ' ') {
        if (!digits(p, n, &i, 4, &t->year)) /* Cisco "Mar  1 2024 00:00:00" */
            return 0;
        i++;
    }
    if (!digits(p, n, &i, 2, &t->hour) || i >= n || p[i++] != ':' ||
        !digits(p, n, &i, 2, &t->min) || i >= n || p[i++] != ':' ||
        !digits(p, n, &i, 2, &t->sec))
        return 0;
    if (i + 1 < n && p[i] == '.' && is_digit(p[i + 1])) {
        int64_t f = 0;
        size_t k = 0;
        for (i++; i < n && is_digit(p[i]); i++, k++) {
            if (k < 9)
                f = f * 10 + (p[i] - '0');
        }
        for (; k < 9; k++)
            f *= 10;
        t->nsec = f;
    }
    if (t->day < 1 || t->day > 31 || t->hour > 23 || t->min > 59 || t->sec > 60 ||
        (t->year && (t->year < 1970 || t->year > 9999)))
        return 0;
    return i;
}

/* After a BSD stamp that ends at p[i]: an optional zone name, then ':' (a Cisco device stamp).
 * Returns the end of the ':' or 0. OUT *zone: the name. */
static size_t device_suffix(const char *p, size_t n, size_t i, struct ks_sv *zone)
{
    *zone = KS_SV_NULL;
    if (!i)
        return 0;
    if (i < n && p[i] == ':')
        return i + 1;
    if (i < n && p[i] == ' ') {
        size_t z = i + 1, e = z;
        while (e < n && e - z < 6 && ((p[e] | 0x20) >= 'a' && (p[e] | 0x20) <= 'z'))
            e++;
        if (e > z && e < n && p[e] == ':') {
            *zone = ks_sv_make(p + z, e - z);
            return e + 1;
        }
    }
    return 0;
}

/* A Cisco device stamp: a BSD stamp, an optional zone name, then ':'. OUT *zone: the name. */
static size_t parse_device_ts(const char *p, size_t n, struct bsd_ts *t, struct ks_sv *zone)
{
    return device_suffix(p, n, parse_bsd_ts(p, n, t), zone);
}

/* ---------------------------------------------------------------- time */

static void ref_set(struct syslog_state *st, int64_t ref)
{
    int mo, d, h, mi, s;
    int64_t ns;
    st->ref_ns = ref;
    ks_time_to_civil(ref, &st->ref_year, &mo, &d, &h, &mi, &s, &ns);
}

/* A full timestamp from the input moves the year-inference reference. */
static void ref_see(struct syslog_state *st, int64_t ts)
{
    if (!st->ref_from_input || ts > st->ref_ns) {
        ref_set(st, ts);
        st->ref_from_input = true;
    }
}

static int64_t bsd_ns(const struct bsd_ts *t, int year, int32_t off_s)
{
    return ks_time_from_civil(year, t->mon, t->day, t->hour, t->min, t->sec, t->nsec) -
           (int64_t)off_s * KS_NS_PER_SEC;
}

/* The stamp's time; zone: an explicit zone name of a device stamp (NULL view: configured). */
static int64_t bsd_time(struct syslog_state *st, const struct bsd_ts *t, struct ks_sv zone)
{
    int32_t off = st->tz_off_s;
    if (zone.p)
        (void)ks_ingest_syslog_parse_tz(zone.p, zone.n, &off); /* unknown names: configured */
    if (t->year) {
        int64_t ns = bsd_ns(t, t->year, off);
        ref_see(st, ns);
        return ns;
    }
    if (st->opt_year)
        return bsd_ns(t, st->opt_year, off);
    int64_t limit = st->ref_ns + SYSLOG_FUTURE_SLACK;
    for (int y = st->ref_year + 1; y >= st->ref_year - 1; y--) {
        int64_t ns = bsd_ns(t, y, off);
        if (ns <= limit)
            return ns;
    }
    return bsd_ns(t, st->ref_year - 1, off);
}

/* ---------------------------------------------------------------- scratch and bag */

static char *scratch_alloc(struct syslog_state *st, size_t n)
{
    if (!st->scratch && !(st->scratch = malloc(SYSLOG_SCRATCH)))
        return NULL;
    if (SYSLOG_SCRATCH - st->scratch_len < n)
        return NULL;
    char *p = st->scratch + st->scratch_len;
    st->scratch_len += n;
    return p;
}

static void bag_put(struct syslog_state *st, uint32_t *nbag, const char *key, struct ks_sv v)
{
    if (v.p && *nbag < KS_EVENT_MAX_BAG)
        st->bag[(*nbag)++] = (struct ks_kv){ks_sv_cstr(key), v};
}

static const char *const small_num[24] = {"0",  "1",  "2",  "3",  "4",  "5",  "6",  "7",
                                          "8",  "9",  "10", "11", "12", "13", "14", "15",
                                          "16", "17", "18", "19", "20", "21", "22", "23"};

/* Copies line into scratch with every byte that is not part of valid UTF-8 replaced by '?';
 * a NULL view when out of memory. */
static struct ks_sv repair_utf8(struct syslog_state *st, struct ks_sv line)
{
    char *o = scratch_alloc(st, line.n);
    if (!o)
        return KS_SV_NULL;
    size_t i = 0;
    while (i < line.n) {
        unsigned char c = (unsigned char)line.p[i];
        size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (k && i + k <= line.n && (k == 1 || ks_utf8_valid(line.p + i, k))) {
            memcpy(o + i, line.p + i, k);
            i += k;
        } else {
            o[i++] = '?';
        }
    }
    return ks_sv_make(o, line.n);
}

/* ---------------------------------------------------------------- RFC 5424 */

/* Next space-separated header field at *i; "-" is nil (an empty view that is not NULL). */
static bool field5424(struct ks_sv l, size_t *i, struct ks_sv *out)
{
    size_t s = *i;
    const char *sp = s < l.n ? memchr(l.p + s, ' ', l.n - s) : NULL;
    if (!sp)
        return false;
    size_t e = (size_t)(sp - l.p);
    if (e == s)
        return false;
    *out = e - s == 1 && l.p[s] == '-' ? ks_sv_make(l.p + s, 0) : ks_sv_make(l.p + s, e - s);
    *i = e + 1;
    return true;
}

/* Parses SD-ELEMENTs at l[*i] into st->sd. Returns 0 or a reason. */
static const char *parse_sd(struct syslog_state *st, struct ks_sv l, size_t *i, uint32_t *nsd)
{
    size_t k = *i;
    while (k < l.n && l.p[k] == '[') {
        size_t ids = ++k;
        while (k < l.n && l.p[k] != ' ' && l.p[k] != ']' && l.p[k] != '=' && l.p[k] != '"')
            k++;
        if (k == ids || k >= l.n)
            return "structured data: bad SD-ID";
        struct ks_sv id = ks_sv_make(l.p + ids, k - ids);
        while (k < l.n && l.p[k] == ' ') {
            size_t ns = ++k;
            while (k < l.n && l.p[k] != '=' && l.p[k] != ' ' && l.p[k] != ']' && l.p[k] != '"')
                k++;
            if (k == ns || k + 1 >= l.n || l.p[k] != '=' || l.p[k + 1] != '"')
                return "structured data: bad PARAM";
            struct ks_sv name = ks_sv_make(l.p + ns, k - ns);
            k += 2;
            size_t vs = k;
            bool esc = false;
            while (k < l.n && l.p[k] != '"') {
                if (l.p[k] == '\\' && k + 1 < l.n) {
                    esc = true;
                    k++;
                }
                k++;
            }
            if (k >= l.n)
                return "structured data: unterminated value";
            struct ks_sv val = ks_sv_make(l.p + vs, k - vs);
            k++; /* closing quote */
            if (esc) {
                char *o = scratch_alloc(st, val.n);
                if (!o)
                    return "structured data too large";
                size_t on = 0;
                for (size_t j = 0; j < val.n; j++) {
                    if (val.p[j] == '\\' && j + 1 < val.n &&
                        (val.p[j + 1] == '"' || val.p[j + 1] == '\\' || val.p[j + 1] == ']'))
                        j++;
                    o[on++] = val.p[j];
                }
                val = ks_sv_make(o, on);
            }
            if (*nsd < SYSLOG_MAX_SD) {
                size_t kn = 3 + id.n + 1 + name.n;
                char *key = scratch_alloc(st, kn);
                if (!key)
                    return "structured data too large";
                memcpy(key, "sd.", 3);
                memcpy(key + 3, id.p, id.n);
                key[3 + id.n] = '.';
                memcpy(key + 4 + id.n, name.p, name.n);
                st->sd[(*nsd)++] = (struct ks_kv){ks_sv_make(key, kn), val};
            }
        }
        if (k >= l.n || l.p[k] != ']')
            return "structured data: missing ']'";
        k++;
    }
    *i = k;
    return NULL;
}

/* "<PRI>" already read; l[*i] is the VERSION. */
static int frame_5424(struct syslog_state *st, struct ks_parse_ctx *ctx, struct ks_sv l, size_t i,
                      struct ks_syslog_msg *m, int64_t *ts, bool *have_ts, uint32_t *nsd)
{
    struct ks_sv ver, tss, app;
    if (!field5424(l, &i, &ver) || !field5424(l, &i, &tss) || !field5424(l, &i, &m->host) ||
        !field5424(l, &i, &app) || !field5424(l, &i, &m->pid) || !field5424(l, &i, &m->msgid))
        return ks_ingest_bad(ctx, "RFC 5424: truncated header");
    m->program = app;
    if (tss.n) {
        if (ks_time_parse_rfc3339(tss.p, tss.n, ts) != 0)
            return ks_ingest_bad(ctx, "RFC 5424: bad timestamp '%.*s'", (int)KS_MIN(tss.n, 40),
                                 tss.p);
        *have_ts = true;
        ref_see(st, *ts);
    }
    if (i < l.n && l.p[i] == '-') {
        i++;
    } else if (i < l.n && l.p[i] == '[') {
        const char *why = parse_sd(st, l, &i, nsd);
        if (why)
            return ks_ingest_bad(ctx, "RFC 5424: %s", why);
    } else {
        return ks_ingest_bad(ctx, "RFC 5424: missing structured data");
    }
    if (i < l.n && l.p[i] != ' ')
        return ks_ingest_bad(ctx, "RFC 5424: no space after structured data");
    if (i < l.n)
        i++;
    struct ks_sv msg = ks_sv_make(l.p + i, l.n - i);
    if (msg.n >= 3 && memcmp(msg.p, "\xEF\xBB\xBF", 3) == 0)
        msg = ks_sv_make(msg.p + 3, msg.n - 3);
    m->message = msg;
    return KS_PARSE_EVENT;
}

/* ---------------------------------------------------------------- RFC 3164 and friends */

/* "%FAC-SEV-MNEMONIC:" at r; sets m and returns the bytes taken (with one space), or 0. */
static size_t cisco_mnemonic(struct ks_sv r, struct ks_syslog_msg *m)
{
    size_t i = 1, fe, se;
    if (r.n < 6 || r.p[0] != '%')
        return 0;
    while (i < r.n && i < 40 &&
           ((r.p[i] >= 'A' && r.p[i] <= 'Z') || is_digit(r.p[i]) || r.p[i] == '_'))
        i++;
    fe = i;
    if (fe == 1 || i + 3 >= r.n || r.p[i] != '-' || !is_digit(r.p[i + 1]) || r.p[i + 2] != '-')
        return 0;
    se = i + 1;
    i += 3;
    size_t ms = i;
    while (i < r.n && i < 100 &&
           ((r.p[i] | 0x20) >= 'a' && (r.p[i] | 0x20) <= 'z' ? true
                                                             : is_digit(r.p[i]) || r.p[i] == '_'))
        i++;
    if (i == ms || i >= r.n || r.p[i] != ':')
        return 0;
    m->cisco = true;
    m->program = ks_sv_make(r.p + 1, fe - 1);
    m->msgid = ks_sv_make(r.p + 1, i - 1);
    if (m->severity < 0)
        m->severity = r.p[se] - '0';
    i++;
    if (i < r.n && r.p[i] == ' ')
        i++;
    return i;
}

/* Cisco prefixes before the message: "123: ", "*Mar  1 00:00:00.123 UTC: ", "%FAC-S-MNEM: ". */
static struct ks_sv cisco_prefix(struct syslog_state *st, struct ks_sv r, struct ks_syslog_msg *m,
                                 int64_t *ts, bool *have_ts, struct ks_sv *seq)
{
    size_t i = 0;
    while (i < r.n && i < 10 && is_digit(r.p[i]))
        i++;
    if (i > 0 && i + 1 < r.n && r.p[i] == ':' && r.p[i + 1] == ' ') {
        *seq = ks_sv_make(r.p, i);
        r = ks_sv_make(r.p + i + 2, r.n - i - 2);
        /* "logging origin-id hostname": "42: r1: *Mar  4 10:15:32.123 UTC: %..." */
        const char *c = memchr(r.p, ':', KS_MIN(r.n, (size_t)65));
        if (c && c > r.p && (size_t)(c - r.p) + 2 < r.n && c[1] == ' ' &&
            !memchr(r.p, ' ', (size_t)(c - r.p))) {
            struct bsd_ts t;
            struct ks_sv zone, after = ks_sv_make(c + 2, (size_t)(r.p + r.n - c - 2));
            if (parse_device_ts(after.p, after.n, &t, &zone)) {
                if (!m->host.n)
                    m->host = ks_sv_make(r.p, (size_t)(c - r.p));
                r = after;
            }
        }
    }
    if (r.n && (r.p[0] == '*' || r.p[0] == '.' || (r.p[0] >= 'A' && r.p[0] <= 'Z') ||
                is_digit(r.p[0]))) {
        struct bsd_ts t;
        struct ks_sv zone;
        size_t k = parse_device_ts(r.p, r.n, &t, &zone);
        if (k) {
            int64_t dts = bsd_time(st, &t, zone);
            if (!*have_ts) {
                *ts = dts;
                *have_ts = true;
            }
            if (k < r.n && r.p[k] == ' ')
                k++;
            r = ks_sv_make(r.p + k, r.n - k);
        }
    }
    size_t k = cisco_mnemonic(r, m);
    if (k)
        r = ks_sv_make(r.p + k, r.n - k);
    return r;
}

/* The 3164 TAG: "prog[pid]: ", "prog: "; otherwise the whole rest is the message. */
static void parse_tag(struct ks_sv r, struct ks_syslog_msg *m)
{
    size_t i = 0;
    while (i < r.n && i < 64 && r.p[i] != ' ' && r.p[i] != ':' && r.p[i] != '[')
        i++;
    m->message = r;
    if (i == 0 || i >= r.n)
        return;
    if (r.p[i] == '[') {
        const char *close = memchr(r.p + i, ']', KS_MIN(r.n - i, (size_t)34));
        if (!close)
            return;
        size_t j = (size_t)(close - r.p) + 1;
        if (j < r.n && r.p[j] != ':' && r.p[j] != ' ')
            return;
        m->program = ks_sv_make(r.p, i);
        m->pid = ks_sv_make(r.p + i + 1, j - i - 2);
        if (j < r.n && r.p[j] == ':')
            j++;
        if (j < r.n && r.p[j] == ' ')
            j++;
        m->message = ks_sv_make(r.p + j, r.n - j);
    } else if (r.p[i] == ':') {
        size_t j = i + 1;
        if (j < r.n && r.p[j] != ' ') {
            /* A selector before the tag, as some templates write: "auth|security:info
             * sshd[323808]: msg". Otherwise ("date=...:", a URL) not a tag. */
            const char *sp = memchr(r.p + j, ' ', KS_MIN(r.n - j, (size_t)24));
            if (sp && memchr(r.p, '|', i)) {
                struct ks_sv r2 = ks_sv_make(sp + 1, (size_t)(r.p + r.n - sp - 1));
                struct ks_syslog_msg m2 = *m;
                parse_tag(r2, &m2);
                if (m2.pid.n)
                    *m = m2;
            }
            return;
        }
        m->program = ks_sv_make(r.p, i);
        if (j < r.n)
            j++;
        m->message = ks_sv_make(r.p + j, r.n - j);
    }
}

/* True when the token at r looks like a TAG rather than a HOSTNAME. */
static bool looks_like_tag(struct ks_sv tok)
{
    return tok.n && (tok.p[tok.n - 1] == ':' || tok.p[0] == '%' || memchr(tok.p, '[', tok.n));
}

/* FortiGate "date=2019-05-13 time=11:45:03 ..." at the start of the message. */
static bool forti_time(struct syslog_state *st, struct ks_sv msg, int64_t *ts)
{
    const char *p = msg.p;
    size_t n = msg.n, i = 5;
    int y, mo, d, h, mi, s;
    if (n < 29 || memcmp(p, "date=", 5) != 0)
        return false;
    if (!digits(p, n, &i, 4, &y) || p[i++] != '-' || !digits(p, n, &i, 2, &mo) ||
        p[i++] != '-' || !digits(p, n, &i, 2, &d) || memcmp(p + i, " time=", 6) != 0)
        return false;
    i += 6;
    if (!digits(p, n, &i, 2, &h) || i >= n || p[i++] != ':' || !digits(p, n, &i, 2, &mi) ||
        i >= n || p[i++] != ':' || !digits(p, n, &i, 2, &s))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    *ts = ks_time_from_civil(y, mo, d, h, mi, s, 0) - (int64_t)st->tz_off_s * KS_NS_PER_SEC;
    ref_see(st, *ts);
    return true;
}

static int frame_line(struct syslog_state *st, struct ks_parse_ctx *ctx, struct ks_sv l,
                      struct ks_syslog_msg *m, int64_t *ts, bool *have_ts, uint32_t *nsd,
                      struct ks_sv *seq)
{
    size_t i = 0;
    m->facility = m->severity = -1;
    if (l.p[0] == '<') {
        int pri = 0;
        size_t k = 1;
        while (k < l.n && k < 5 && is_digit(l.p[k]))
            pri = pri * 10 + (l.p[k++] - '0');
        if (k == 1 || k >= l.n || l.p[k] != '>' || pri > 191 || (k > 2 && l.p[1] == '0'))
            return ks_ingest_bad(ctx, "bad <PRI>");
        m->facility = pri >> 3;
        m->severity = pri & 7;
        i = k + 1;
        if (i + 1 < l.n && l.p[i] >= '1' && l.p[i] <= '9' &&
            (l.p[i + 1] == ' ' || (is_digit(l.p[i + 1]) && i + 2 < l.n && l.p[i + 2] == ' ')))
            return frame_5424(st, ctx, l, i, m, ts, have_ts, nsd);
    }
    struct ks_sv r = ks_sv_make(l.p + i, l.n - i);
    bool header = false;
    if (r.n >= 11 && is_digit(r.p[0]) && r.p[4] == '-' && is_digit(r.p[5])) {
        /* ISO stamp: "2024-05-06T09:00:00.123+02:00 host prog: msg" */
        const char *sp = memchr(r.p, ' ', r.n);
        size_t tn = sp ? (size_t)(sp - r.p) : r.n;
        if (ks_time_parse_rfc3339(r.p, tn, ts) != 0)
            return ks_ingest_bad(ctx, "bad timestamp '%.*s'", (int)KS_MIN(tn, 40), r.p);
        *have_ts = true;
        ref_see(st, *ts);
        r = ks_sv_make(r.p + tn, r.n - tn);
        header = true;
    } else {
        struct bsd_ts t;
        struct ks_sv zone;
        size_t tsn = parse_bsd_ts(r.p, r.n, &t);
        size_t k = device_suffix(r.p, r.n, tsn, &zone);
        if (k) { /* "*Mar  1 00:00:00.123 UTC: %SYS-..." : a device stamp, no host */
            *ts = bsd_time(st, &t, zone);
            *have_ts = true;
            if (k < r.n && r.p[k] == ' ')
                k++;
            r = ks_sv_make(r.p + k, r.n - k);
            r = cisco_prefix(st, r, m, ts, have_ts, seq);
            if (!m->cisco)
                parse_tag(r, m);
            else
                m->message = r;
            return KS_PARSE_EVENT;
        }
        k = tsn;
        if (k && (k == r.n || r.p[k] == ' ')) {
            *ts = bsd_time(st, &t, KS_SV_NULL);
            *have_ts = true;
            r = ks_sv_make(r.p + k, r.n - k);
            header = true;
        }
    }
    if (header) {
        while (r.n && r.p[0] == ' ')
            r = ks_sv_make(r.p + 1, r.n - 1);
        const char *sp = memchr(r.p, ' ', r.n);
        struct ks_sv tok = ks_sv_make(r.p, sp ? (size_t)(sp - r.p) : r.n);
        if (!looks_like_tag(tok)) {
            m->host = tok;
            r = ks_sv_make(r.p + tok.n, r.n - tok.n);
            if (r.n)
                r = ks_sv_make(r.p + 1, r.n - 1);
        }
    } else if (!(r.n && (is_digit(r.p[0]) || r.p[0] == '%' || r.p[0] == '*' ||
                         (r.n >= 5 && memcmp(r.p, "date=", 5) == 0)))) {
        return ks_ingest_bad(ctx, "no syslog header");
    }
    r = cisco_prefix(st, r, m, ts, have_ts, seq);
    if (m->cisco)
        m->message = r;
    else if (header || seq->p)
        parse_tag(r, m);
    else
        m->message = r;
    if (!header && !m->cisco && !seq->p && !(r.n >= 5 && memcmp(r.p, "date=", 5) == 0))
        return ks_ingest_bad(ctx, "no syslog header");
    if (!*have_ts)
        *have_ts = forti_time(st, m->message, ts);
    return KS_PARSE_EVENT;
}

/* ---------------------------------------------------------------- plug-in */

static int syslog_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                       size_t *consumed, struct ks_event *ev)
{
    struct syslog_state *st = state;
    struct ks_sv line, seq = KS_SV_NULL;
    struct ks_syslog_msg m;
    uint32_t nsd = 0, nbag = 0;
    int64_t ts = 0;
    bool have_ts = false, repaired = false;
    int r = ks_ingest_take_line(ctx, buf, len, &line, consumed);
    if (r != KS_PARSE_EVENT)
        return r;
    while (line.n && (line.p[line.n - 1] == ' ' || line.p[line.n - 1] == '\t' ||
                      line.p[line.n - 1] == '\r'))
        line.n--;
    if (line.n == 0)
        return KS_PARSE_SKIP;
    if (line.n > SYSLOG_MAX_LINE)
        return ks_ingest_bad(ctx, "line longer than %u bytes", SYSLOG_MAX_LINE);
    st->scratch_len = 0;
    if (!ks_ingest_utf8_ok(line.p, line.n)) {
        line = repair_utf8(st, line);
        if (!line.p)
            return ks_ingest_bad(ctx, "invalid UTF-8 and no memory to repair it");
        repaired = true;
    }
    memset(&m, 0, sizeof m);
    r = frame_line(st, ctx, line, &m, &ts, &have_ts, &nsd, &seq);
    if (r != KS_PARSE_EVENT)
        return r;
    if (!have_ts) {
        if (!st->have_last)
            return ks_ingest_bad(ctx, "no timestamp (and no earlier record to take one from)");
        ts = st->last_ts;
    }
    st->last_ts = ts;
    st->have_last = true;
    m.sd = st->sd;
    m.nsd = nsd;

    memset(ev, 0, sizeof *ev);
    ev->ts = ts;
    if (m.host.n)
        ev->observer = m.host;
    if (m.facility >= 0)
        bag_put(st, &nbag, "syslog.facility", ks_sv_cstr(small_num[m.facility]));
    if (m.severity >= 0)
        bag_put(st, &nbag, "syslog.severity", ks_sv_cstr(small_num[m.severity]));
    if (m.program.n)
        bag_put(st, &nbag, "process.name", m.program);
    if (m.pid.n)
        bag_put(st, &nbag, "process.pid", m.pid);
    if (m.msgid.n)
        bag_put(st, &nbag, "syslog.msgid", m.msgid);
    if (seq.p)
        bag_put(st, &nbag, "cisco.seq", seq);
    if (repaired)
        bag_put(st, &nbag, "syslog.invalid_utf8", ks_sv_make("true", 4));
    bag_put(st, &nbag, "message", m.message);
    for (uint32_t k = 0; k < nsd && nbag < KS_EVENT_MAX_BAG; k++)
        st->bag[nbag++] = st->sd[k];

    struct ks_devmsg_out out = {
        .bag = st->bag + nbag,
        .nbag = 0,
        .cap = KS_EVENT_MAX_BAG - nbag,
        .scratch = st->dm_scratch,
        .scratch_len = 0,
        .scratch_cap = SYSLOG_DM_SCRATCH,
    };
    ks_ingest_devmsg_classify(&m, ev, &out);
    ev->bag = st->bag;
    ev->nbag = nbag + out.nbag;
    return KS_PARSE_EVENT;
}

static void syslog_destroy(void *state)
{
    struct syslog_state *st = state;
    if (!st)
        return;
    free(st->scratch);
    free(st);
}

static int syslog_create(struct ks_parse_ctx *ctx, void **state)
{
    static bool env_read;
    static bool env_tz_ok;
    static int32_t env_tz;
    (void)ctx;
    *state = NULL;
    struct syslog_state *st = malloc(sizeof *st);
    if (!st)
        return KS_ENOMEM;
    memset(st, 0, offsetof(struct syslog_state, dm_scratch));
    if (!env_read) {
        const char *tz = getenv("KS_SYSLOG_TZ");
        env_tz_ok = tz && ks_ingest_syslog_parse_tz(tz, strlen(tz), &env_tz) == 0;
        if (tz && !env_tz_ok)
            ks_log_warn("KS_SYSLOG_TZ=%s: not an offset like +09:00; using UTC", tz);
        env_read = true;
    }
    if (g_opts_set && g_opts.tz_set)
        st->tz_off_s = g_opts.tz_offset_s;
    else if (env_tz_ok)
        st->tz_off_s = env_tz;
    st->opt_year = g_opts_set ? g_opts.year : 0;
    ref_set(st, g_opts_set && g_opts.reference_ns ? g_opts.reference_ns : ks_time_now());
    *state = st;
    return 0;
}

static bool probe_month_line(struct ks_sv l)
{
    struct bsd_ts t;
    struct ks_sv zone;
    size_t k = parse_bsd_ts(l.p, l.n, &t);
    if (k && k + 2 < l.n && l.p[k] == ' ' && l.p[k + 1] != ' ')
        return true;
    return parse_device_ts(l.p, l.n, &t, &zone) != 0;
}

static int syslog_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    if (l.n < 8)
        return 0;
    if (l.p[0] == '<') {
        size_t k = 1;
        while (k < l.n && k < 4 && is_digit(l.p[k]))
            k++;
        if (k == 1 || k >= l.n || l.p[k] != '>')
            return 0;
        struct ks_sv r = ks_sv_make(l.p + k + 1, l.n - k - 1);
        if (r.n >= 2 && r.p[0] >= '1' && r.p[0] <= '9' && r.p[1] == ' ')
            return 100;
        if (probe_month_line(r) || ks_sv_starts_with(r, "date=") || ks_sv_starts_with(r, "%"))
            return 100;
        return 40;
    }
    if (probe_month_line(l))
        return 80;
    if (l.n >= 20 && is_digit(l.p[0]) && l.p[4] == '-' && l.p[10] == 'T') {
        const char *sp = memchr(l.p, ' ', l.n);
        int64_t ts;
        if (sp && ks_time_parse_rfc3339(l.p, (size_t)(sp - l.p), &ts) == 0 &&
            memchr(sp, ':', (size_t)(l.p + l.n - sp)))
            return 50;
    }
    struct ks_syslog_msg m;
    memset(&m, 0, sizeof m);
    m.severity = -1;
    if (cisco_mnemonic(l, &m))
        return 70;
    if (ks_sv_starts_with(l, "date=") && ks_ingest_sv_contains(l, "logid="))
        return 80;
    return 0;
}

const struct ks_parser_ops ks_parser_syslog = {
    .abi = KS_PARSER_ABI,
    .name = "syslog",
    .description = "syslog files (RFC 5424, RFC 3164, Cisco, Juniper, FortiGate, Linux auth)",
    .text = true,
    .probe = syslog_probe,
    .create = syslog_create,
    .next = syslog_next,
    .destroy = syslog_destroy,
};
