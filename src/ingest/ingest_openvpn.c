/* SPDX-License-Identifier: MIT */
/*
 * ingest_openvpn.c - OpenVPN server logs (--log / --log-append files, ctime or ISO timestamps,
 * or --machine-readable-output epochs) into VPN and AUTH events: a tunnel that comes up
 * ("Peer Connection Initiated"), the inner address the server assigns ("MULTI_sva: pool
 * returned IPv4=", "MULTI: primary virtual IP for"), the instance going away ("client-instance
 * exiting"), and username/password or certificate authentication results. The assignment is
 * the event later stages need most: action "vpn-assign", src = the client's public address,
 * dst = the assigned inner address (also bag "assigned_ip"), user = the authenticated user, so
 * an enrichment stage can attribute later internal activity from dst to that user for the
 * session. Every other line with a timestamp is skipped. Status files (--status-version 2 or 3)
 * are read too: each CLIENT_LIST row is a vpn-assign event as of its "Connected Since".
 * docs/formats.md lists the mapping.
 *
 * Design:
 *  1. A line is "<time> [<cn>/]<addr>:<port> <message>"; the peer prefix is optional (server
 *     messages have none). Timestamps carry no zone and are read as UTC.
 *  2. The user is the name from "authentication succeeded for username 'x'" when one was seen
 *     for the same peer address, else the certificate common name of the prefix. Those names
 *     live in a small table of recent peers (VPN_PEERS entries, oldest replaced), so the parser
 *     state is bounded whatever the input.
 *  3. OpenVPN logs "pool returned" and then "primary virtual IP" for one assignment; the second
 *     is skipped when it repeats the last assignment of the same peer, so one assignment is one
 *     event (a static address from a ccd file logs only the second and still gives an event).
 *  4. Lines without a parsable timestamp are malformed; invalid UTF-8 is malformed.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"

#define VPN_MAX_LINE (64u * 1024u)
#define VPN_PEERS 64
#define VPN_NAME_MAX 64
#define VPN_PEER_MAX 64

struct vpn_peer {
    char peer[VPN_PEER_MAX]; /* "1.2.3.4:5555" */
    uint8_t peer_n;
    char user[VPN_NAME_MAX];
    uint8_t user_n;
};

/* Columns of a status file's CLIENT_LIST row that are mapped. */
enum vpn_col { VC_CN, VC_REAL, VC_VIRT, VC_RX, VC_TX, VC_SINCE_T, VC_USER, VC_COUNT };

static const char *const vpn_col_name[VC_COUNT] = {
    [VC_CN] = "Common Name",
    [VC_REAL] = "Real Address",
    [VC_VIRT] = "Virtual Address",
    [VC_RX] = "Bytes Received",
    [VC_TX] = "Bytes Sent",
    [VC_SINCE_T] = "Connected Since (time_t)",
    [VC_USER] = "Username",
};

/* OpenVPN 2.4+ layout, used until a HEADER,CLIENT_LIST line says otherwise. */
static const int8_t vpn_col_default[VC_COUNT] = {0, 1, 2, 4, 5, 7, 8};

#define VPN_STATUS_MAX_COLS 32

struct vpn_state {
    struct vpn_peer peers[VPN_PEERS];
    uint32_t next_peer; /* round-robin replacement */
    /* the last assignment, to drop the "primary virtual IP" repeat */
    char last_peer[VPN_PEER_MAX];
    uint8_t last_peer_n;
    struct ks_addr last_ip;
    struct ks_kv bag[4];
    /* status file (--status-version 2/3): CLIENT_LIST column of each value, from HEADER */
    int8_t col[VC_COUNT];
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return false;
    return true;
}

static int num2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

static int month_of(const char *p)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (memcmp(names + 3 * i, p, 3) == 0)
            return i + 1;
    return 0;
}

static bool hms(const char *p, int *h, int *m, int *s)
{
    if (p[2] != ':' || p[5] != ':' || !digits(p, 2) || !digits(p + 3, 2) || !digits(p + 6, 2))
        return false;
    *h = num2(p);
    *m = num2(p + 3);
    *s = num2(p + 6);
    return *h < 24 && *m < 60 && *s <= 60;
}

/* Parses the line's timestamp; OUT *ns and *len (bytes used, with the following space). */
static bool parse_ts(struct ks_sv l, int64_t *ns, size_t *len)
{
    const char *p = l.p;
    int y, mo, d, h, mi, s;
    /* "Mon Nov 23 17:00:00 2026 " */
    if (l.n >= 25 && p[3] == ' ' && p[7] == ' ' && p[10] == ' ' && p[19] == ' ' && p[24] == ' ') {
        mo = month_of(p + 4);
        if (!mo || !(is_digit(p[8]) || p[8] == ' ') || !is_digit(p[9]) || !digits(p + 20, 4) ||
            !hms(p + 11, &h, &mi, &s))
            return false;
        d = (p[8] == ' ' ? 0 : p[8] - '0') * 10 + (p[9] - '0');
        y = num2(p + 20) * 100 + num2(p + 22);
        if (d < 1 || d > 31)
            return false;
        *ns = ks_time_from_civil(y, mo, d, h, mi, s, 0);
        *len = 25;
        return true;
    }
    /* "2026-11-23 17:00:00 " */
    if (l.n >= 20 && p[4] == '-' && p[7] == '-' && p[10] == ' ' && p[19] == ' ') {
        if (!digits(p, 4) || !digits(p + 5, 2) || !digits(p + 8, 2) || !hms(p + 11, &h, &mi, &s))
            return false;
        y = num2(p) * 100 + num2(p + 2);
        mo = num2(p + 5);
        d = num2(p + 8);
        if (mo < 1 || mo > 12 || d < 1 || d > 31)
            return false;
        *ns = ks_time_from_civil(y, mo, d, h, mi, s, 0);
        *len = 20;
        return true;
    }
    /* --machine-readable-output: "1700000000.123456 0 " (epoch, flags in hex) */
    const char *sp = memchr(p, ' ', KS_MIN(l.n, (size_t)24));
    if (sp && sp > p && is_digit(p[0]) &&
        ks_parse_epoch_frac(p, (size_t)(sp - p), ns) == 0) {
        size_t i = (size_t)(sp - p) + 1;
        const char *sp2 = memchr(p + i, ' ', KS_MIN(l.n - i, (size_t)10));
        *len = sp2 ? (size_t)(sp2 - p) + 1 : i;
        return true;
    }
    return false;
}

/* "[AF_INET]1.2.3.4:5555" or "2001:db8::1:5555" into address and port (port after the last
 * ':'). */
static bool parse_peer(struct ks_sv t, struct ks_addr *a, uint16_t *port)
{
    uint64_t x;
    if (ks_sv_starts_with(t, "[AF_INET6]")) {
        t.p += 10;
        t.n -= 10;
    } else if (ks_sv_starts_with(t, "[AF_INET]")) {
        t.p += 9;
        t.n -= 9;
    }
    const char *c = t.n ? memrchr(t.p, ':', t.n) : NULL;
    if (!c || c == t.p)
        return false;
    size_t pn = (size_t)(t.p + t.n - c - 1);
    if (ks_parse_u64(c + 1, pn, &x) || x > 65535)
        return false;
    if (ks_addr_parse(t.p, (size_t)(c - t.p), a) != 0)
        return false;
    *port = (uint16_t)x;
    return true;
}

static struct vpn_peer *peer_find(struct vpn_state *st, struct ks_sv peer)
{
    for (size_t i = 0; i < VPN_PEERS; i++) {
        struct vpn_peer *e = &st->peers[i];
        if (e->peer_n == peer.n && memcmp(e->peer, peer.p, peer.n) == 0)
            return e;
    }
    return NULL;
}

static void peer_set_user(struct vpn_state *st, struct ks_sv peer, struct ks_sv user)
{
    if (peer.n == 0 || peer.n > VPN_PEER_MAX || user.n == 0 || user.n > VPN_NAME_MAX)
        return;
    struct vpn_peer *e = peer_find(st, peer);
    if (!e) {
        e = &st->peers[st->next_peer];
        st->next_peer = (st->next_peer + 1) % VPN_PEERS;
        memcpy(e->peer, peer.p, peer.n);
        e->peer_n = (uint8_t)peer.n;
    }
    memcpy(e->user, user.p, user.n);
    e->user_n = (uint8_t)user.n;
}

/* Text between "'" after key and the next "'" in msg. */
static struct ks_sv quoted_after(struct ks_sv msg, const char *key)
{
    size_t kn = strlen(key);
    const char *k = memmem(msg.p, msg.n, key, kn);
    if (!k)
        return KS_SV_NULL;
    const char *b = k + kn;
    const char *e = memchr(b, '\'', (size_t)(msg.p + msg.n - b));
    if (!e)
        return KS_SV_NULL;
    return ks_sv_make(b, (size_t)(e - b));
}

static bool contains(struct ks_sv s, const char *needle)
{
    return memmem(s.p, s.n, needle, strlen(needle)) != NULL;
}

/* "KEYWORD," or "KEYWORD\t" at the start of l: returns the separator, or 0. */
static char status_kw(struct ks_sv l, const char *kw)
{
    size_t n = strlen(kw);
    if (l.n > n && memcmp(l.p, kw, n) == 0 && (l.p[n] == ',' || l.p[n] == '\t'))
        return l.p[n];
    return 0;
}

/* Splits l at sep into at most VPN_STATUS_MAX_COLS fields; returns the count. */
static size_t split_fields(struct ks_sv l, char sep, struct ks_sv *f)
{
    size_t n = 0, i = 0;
    while (n < VPN_STATUS_MAX_COLS) {
        const char *e = i < l.n ? memchr(l.p + i, sep, l.n - i) : NULL;
        size_t end = e ? (size_t)(e - l.p) : l.n;
        f[n++] = ks_sv_make(l.p + i, end - i);
        if (!e)
            break;
        i = end + 1;
    }
    return n;
}

/* One line of a status file (--status-version 2 or 3). CLIENT_LIST rows become vpn-assign
 * events; HEADER,CLIENT_LIST sets the column map; other rows are skipped. */
static int vpn_status(struct vpn_state *st, struct ks_parse_ctx *ctx, struct ks_sv l, char sep,
                      bool header, struct ks_event *ev)
{
    struct ks_sv f[VPN_STATUS_MAX_COLS], v[VC_COUNT];
    size_t n;
    uint64_t x;
    if (header) {
        n = split_fields(l, sep, f);
        if (n < 2 || !ks_sv_eq_cstr(f[1], "CLIENT_LIST"))
            return KS_PARSE_SKIP;
        for (size_t c = 0; c < VC_COUNT; c++) {
            st->col[c] = -1;
            for (size_t i = 2; i < n; i++)
                if (ks_sv_eq_cstr(f[i], vpn_col_name[c]))
                    st->col[c] = (int8_t)(i - 2);
        }
        if (st->col[VC_REAL] < 0 || st->col[VC_VIRT] < 0 || st->col[VC_SINCE_T] < 0)
            return ks_ingest_bad(ctx, "HEADER,CLIENT_LIST without Real Address, Virtual Address "
                                      "or Connected Since (time_t)");
        return KS_PARSE_SKIP;
    }
    n = split_fields(l, sep, f) - 1; /* without "CLIENT_LIST" */
    for (size_t c = 0; c < VC_COUNT; c++)
        v[c] = st->col[c] >= 0 && (size_t)st->col[c] < n ? f[st->col[c] + 1] : KS_SV_NULL;
    if (!v[VC_REAL].p || !v[VC_SINCE_T].p)
        return ks_ingest_bad(ctx, "CLIENT_LIST: %zu columns, too few", n);
    if (v[VC_VIRT].n == 0)
        return KS_PARSE_SKIP; /* no address assigned (yet) */
    memset(ev, 0, sizeof *ev);
    if (ks_parse_u64(v[VC_SINCE_T].p, v[VC_SINCE_T].n, &x) || x > INT64_MAX / KS_NS_PER_SEC)
        return ks_ingest_bad(ctx, "CLIENT_LIST: bad Connected Since (time_t)");
    ev->ts = (int64_t)x * KS_NS_PER_SEC;
    if (!parse_peer(v[VC_REAL], &ev->src, &ev->src_port))
        return ks_ingest_bad(ctx, "CLIENT_LIST: bad Real Address");
    if (ks_addr_parse(v[VC_VIRT].p, v[VC_VIRT].n, &ev->dst))
        return ks_ingest_bad(ctx, "CLIENT_LIST: bad Virtual Address");
    if (v[VC_RX].n && ks_parse_u64(v[VC_RX].p, v[VC_RX].n, &ev->bytes_out))
        return ks_ingest_bad(ctx, "CLIENT_LIST: bad Bytes Received");
    if (v[VC_TX].n && ks_parse_u64(v[VC_TX].p, v[VC_TX].n, &ev->bytes_in))
        return ks_ingest_bad(ctx, "CLIENT_LIST: bad Bytes Sent");
    uint32_t nbag = 0;
    if (v[VC_USER].n && !ks_sv_eq_cstr(v[VC_USER], "UNDEF"))
        ev->user = v[VC_USER];
    else if (v[VC_CN].n && !ks_sv_eq_cstr(v[VC_CN], "UNDEF"))
        ev->user = v[VC_CN];
    if (v[VC_CN].n)
        st->bag[nbag++] = (struct ks_kv){ks_sv_make("openvpn.common_name", 19), v[VC_CN]};
    st->bag[nbag++] = (struct ks_kv){ks_sv_make("assigned_ip", 11), v[VC_VIRT]};
    st->bag[nbag++] = (struct ks_kv){ks_sv_make("openvpn.record", 14),
                                     ks_sv_make("CLIENT_LIST", 11)};
    ev->kind = KS_KIND_VPN;
    ev->dataset = ks_sv_make("vpn.openvpn", 11);
    ev->service = ks_sv_make("openvpn", 7);
    ev->action = ks_sv_make("vpn-assign", 10);
    ev->outcome = KS_OUTCOME_SUCCESS;
    ev->bag = st->bag;
    ev->nbag = nbag;
    return KS_PARSE_EVENT;
}

static int vpn_next(void *state, struct ks_parse_ctx *ctx, const char *buf, size_t len,
                    size_t *consumed, struct ks_event *ev)
{
    struct vpn_state *st = state;
    struct ks_sv l, msg, cn = KS_SV_NULL, peer = KS_SV_NULL;
    struct ks_addr paddr;
    uint16_t pport = 0;
    bool have_peer = false;
    size_t tl;
    int64_t ts;
    int r = ks_ingest_take_line(ctx, buf, len, &l, consumed);
    if (r != KS_PARSE_EVENT)
        return r;
    if (l.n > VPN_MAX_LINE)
        return ks_ingest_bad(ctx, "line longer than %u bytes", VPN_MAX_LINE);
    if (ks_sv_trim(l).n == 0)
        return KS_PARSE_SKIP;
    if (!ks_ingest_utf8_ok(l.p, l.n))
        return ks_ingest_bad(ctx, "invalid UTF-8");
    if (l.p[0] >= 'A' && l.p[0] <= 'Z') {
        static const char *const skip_kw[] = {"TITLE", "TIME", "ROUTING_TABLE", "GLOBAL_STATS"};
        char sep;
        if ((sep = status_kw(l, "CLIENT_LIST")))
            return vpn_status(st, ctx, l, sep, false, ev);
        if ((sep = status_kw(l, "HEADER")))
            return vpn_status(st, ctx, l, sep, true, ev);
        for (size_t i = 0; i < KS_ARRAY_LEN(skip_kw); i++)
            if (status_kw(l, skip_kw[i]))
                return KS_PARSE_SKIP;
        if (ks_sv_eq_cstr(ks_sv_trim(l), "END"))
            return KS_PARSE_SKIP;
    }
    if (!parse_ts(l, &ts, &tl))
        return ks_ingest_bad(ctx, "no OpenVPN timestamp");
    msg = ks_sv_make(l.p + tl, l.n - tl);
    /* optional "[cn/]addr:port " prefix */
    const char *sp = memchr(msg.p, ' ', msg.n);
    if (sp) {
        struct ks_sv t = ks_sv_make(msg.p, (size_t)(sp - msg.p));
        const char *slash = memrchr(t.p, '/', t.n);
        struct ks_sv pt = slash ? ks_sv_make(slash + 1, (size_t)(t.p + t.n - slash - 1)) : t;
        if (parse_peer(pt, &paddr, &pport)) {
            have_peer = true;
            peer = pt;
            if (slash)
                cn = ks_sv_make(t.p, (size_t)(slash - t.p));
            msg = ks_sv_make(sp + 1, (size_t)(msg.p + msg.n - sp - 1));
        }
    }
    memset(ev, 0, sizeof *ev);
    ev->ts = ts;
    ev->dataset = ks_sv_make("vpn.openvpn", 11);
    ev->service = ks_sv_make("openvpn", 7);
    ev->kind = KS_KIND_VPN;
    if (have_peer) {
        ev->src = paddr;
        ev->src_port = pport;
        struct vpn_peer *e = peer_find(st, peer);
        if (e && e->user_n)
            ev->user = ks_sv_make(e->user, e->user_n);
        else if (cn.n && !(cn.n == 5 && memcmp(cn.p, "UNDEF", 5) == 0))
            ev->user = cn;
    }
    uint32_t nbag = 0;
    if (cn.n)
        st->bag[nbag++] = (struct ks_kv){ks_sv_make("openvpn.common_name", 19), cn};

    const char *k;
    if ((k = memmem(msg.p, msg.n, "pool returned IPv4=", 19)) ||
        (k = memmem(msg.p, msg.n, "primary virtual IP for ", 23))) {
        bool pool = k[0] == 'p' && k[1] == 'o';
        struct ks_sv ip;
        if (pool) {
            const char *b = k + 19, *e = b;
            while (e < msg.p + msg.n && *e != ',' && *e != ' ')
                e++;
            ip = ks_sv_make(b, (size_t)(e - b));
        } else {
            const char *b = memrchr(msg.p, ' ', msg.n);
            ip = ks_sv_make(b + 1, (size_t)(msg.p + msg.n - b - 1));
        }
        if (!have_peer || ks_addr_parse(ip.p, ip.n, &ev->dst) != 0)
            return KS_PARSE_SKIP; /* "(Not enabled)", no peer */
        if (!pool && st->last_peer_n == peer.n && memcmp(st->last_peer, peer.p, peer.n) == 0 &&
            ks_addr_eq(&st->last_ip, &ev->dst))
            return KS_PARSE_SKIP;
        if (peer.n <= VPN_PEER_MAX) {
            memcpy(st->last_peer, peer.p, peer.n);
            st->last_peer_n = (uint8_t)peer.n;
            st->last_ip = ev->dst;
        }
        ev->action = ks_sv_make("vpn-assign", 10);
        ev->outcome = KS_OUTCOME_SUCCESS;
        st->bag[nbag++] = (struct ks_kv){ks_sv_make("assigned_ip", 11), ip};
    } else if ((k = memmem(msg.p, msg.n, "Peer Connection Initiated with ", 31))) {
        struct ks_sv t = ks_sv_make(k + 31, (size_t)(msg.p + msg.n - k - 31));
        const char *e = memchr(t.p, ' ', t.n);
        if (e)
            t.n = (size_t)(e - t.p);
        if (!have_peer && !parse_peer(t, &ev->src, &ev->src_port))
            return KS_PARSE_SKIP;
        /* "[alice] Peer Connection Initiated" names the common name */
        if (!ev->user.n && msg.n && msg.p[0] == '[') {
            const char *rb = memchr(msg.p, ']', (size_t)(k - msg.p));
            if (rb && rb > msg.p + 1) {
                cn = ks_sv_make(msg.p + 1, (size_t)(rb - msg.p - 1));
                ev->user = cn;
                if (nbag == 0)
                    st->bag[nbag++] = (struct ks_kv){ks_sv_make("openvpn.common_name", 19), cn};
            }
        }
        ev->action = ks_sv_make("vpn-connect", 11);
        ev->outcome = KS_OUTCOME_SUCCESS;
    } else if (contains(msg, "client-instance exiting") ||
               contains(msg, "client-instance restarting")) {
        if (!have_peer)
            return KS_PARSE_SKIP;
        ev->action = ks_sv_make("vpn-disconnect", 14);
        ev->outcome = KS_OUTCOME_SUCCESS;
        st->bag[nbag++] = (struct ks_kv){ks_sv_make("openvpn.reason", 14),
                                         ks_sv_make(msg.p, KS_MIN(msg.n, (size_t)128))};
    } else if (contains(msg, "authentication succeeded for username '")) {
        struct ks_sv u = quoted_after(msg, "for username '");
        if (!u.n)
            return KS_PARSE_SKIP;
        if (have_peer)
            peer_set_user(st, peer, u);
        ev->kind = KS_KIND_AUTH;
        ev->user = u;
        ev->action = ks_sv_make("vpn-auth", 8);
        ev->outcome = KS_OUTCOME_SUCCESS;
    } else if (contains(msg, "Username/Password verification failed") ||
               contains(msg, "failed to authenticate") || ks_sv_starts_with(msg, "VERIFY ERROR")) {
        struct ks_sv u = quoted_after(msg, "user '");
        if (!u.n)
            u = quoted_after(msg, "username '");
        if (!u.n && ks_sv_starts_with(msg, "VERIFY ERROR")) {
            const char *c = memmem(msg.p, msg.n, "CN=", 3);
            if (c) {
                const char *e = c + 3;
                while (e < msg.p + msg.n && *e != ',' && *e != '/')
                    e++;
                u = ks_sv_make(c + 3, (size_t)(e - c - 3));
            }
        }
        ev->kind = KS_KIND_AUTH;
        if (u.n)
            ev->user = u;
        ev->action = ks_sv_make("vpn-auth", 8);
        ev->outcome = KS_OUTCOME_FAILURE;
        st->bag[nbag++] = (struct ks_kv){ks_sv_make("openvpn.reason", 14),
                                         ks_sv_make(msg.p, KS_MIN(msg.n, (size_t)128))};
    } else {
        return KS_PARSE_SKIP;
    }
    ev->bag = st->bag;
    ev->nbag = nbag;
    return KS_PARSE_EVENT;
}

static int vpn_create(struct ks_parse_ctx *ctx, void **state)
{
    (void)ctx;
    struct vpn_state *st = calloc(1, sizeof *st);
    *state = st;
    if (!st)
        return KS_ENOMEM;
    memcpy(st->col, vpn_col_default, sizeof st->col);
    return 0;
}

static void vpn_destroy(void *state)
{
    free(state);
}

static int vpn_probe(const char *head, size_t n)
{
    struct ks_sv l = ks_ingest_first_line(head, n);
    int64_t ts;
    size_t tl;
    if (status_kw(l, "TITLE") && ks_ingest_sv_contains(l, "OpenVPN"))
        return 95;
    if (l.n < 21 || !parse_ts(l, &ts, &tl))
        return 0;
    struct ks_sv h = ks_sv_make(head, n);
    if (contains(h, "OpenVPN") || contains(h, "MULTI") || contains(h, "Peer Connection Initiated"))
        return 90;
    return 0;
}

const struct ks_parser_ops ks_parser_openvpn = {
    .abi = KS_PARSER_ABI,
    .name = "openvpn",
    .description = "OpenVPN server logs: tunnels, assigned inner addresses, authentication",
    .text = true,
    .probe = vpn_probe,
    .create = vpn_create,
    .next = vpn_next,
    .destroy = vpn_destroy,
};
