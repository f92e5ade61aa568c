/* SPDX-License-Identifier: MIT */
/*
 * ingest_vpnmap.c - the VPN session table of the ingest driver (ingest_vpnmap.h): remembers which
 * user holds which inner (tunnel) address, so that internal activity from that address is
 * attributed to the VPN user for the session. Applied to the merged stream, so sessions open and
 * close in time order.
 *
 * Design:
 *  1. A session opens on a VPN event with action "vpn-assign" (OpenVPN, Cisco ASA 722051) or
 *     "vpn-start" (FortiGate tunnel-up) that names an inner address: bag "assigned_ip", else
 *     ev->dst for "vpn-assign". A new assignment of the same address replaces the old session.
 *  2. A session closes on a VPN event with action "vpn-end" (ASA 722037/113019, FortiGate
 *     tunnel-down) or "vpn-disconnect" (OpenVPN): by inner address when the event names one, else
 *     every session of that user whose public address (ev->src of the assignment) and observer
 *     agree with the event's (an empty side agrees with anything). Closed sessions are dropped.
 *  3. Slots live in one array (grown by doubling up to the cap) on a list in insertion order
 *     (= start order in the merged stream); two chained hash indexes find them by inner address
 *     and by user. At the cap the oldest is evicted; sessions whose start is more than max_age
 *     before the current event expire from the list's head, and a lookup never attributes an
 *     event outside [start, start + max_age].
 */
#include "ingest/ingest_vpnmap.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct slot {
    struct ks_addr inner;
    struct ks_addr outer;
    int64_t start;
    uint64_t user_hash;
    uint64_t obs_hash;     /* 0: no observer */
    uint32_t next_addr;    /* chain in the address index */
    uint32_t next_user;    /* chain in the user index */
    uint32_t prev, next;   /* insertion-order list, or next free slot */
    uint16_t user_n;
    uint8_t start_n;
    bool used;
    char user[KS_VPNMAP_USER_MAX];
    char start_str[KS_TIME_STRLEN];
};

struct ks_vpnmap {
    size_t max;
    int64_t max_age;
    struct slot *s;
    uint32_t ns_alloc;     /* slots allocated */
    uint32_t nused;
    uint32_t free_head;
    uint32_t head, tail;   /* oldest, newest */
    uint32_t *by_addr;     /* bucket -> first slot */
    uint32_t *by_user;
    size_t nb;             /* buckets, power of two */
    struct ks_kv bag[KS_EVENT_MAX_BAG];
};

static bool sv_is(struct ks_sv s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static size_t addr_bucket(const struct ks_vpnmap *m, const struct ks_addr *a)
{
    return (size_t)ks_hash64(a->b, sizeof a->b, a->family) & (m->nb - 1);
}

int ks_ingest_vpnmap_create(size_t max_sessions, int64_t max_age_ns, struct ks_vpnmap **out)
{
    *out = NULL;
    struct ks_vpnmap *m = calloc(1, sizeof *m);
    if (!m)
        return KS_ENOMEM;
    m->max = max_sessions ? KS_MIN(max_sessions, (size_t)NIL - 1) : KS_VPNMAP_MAX_SESSIONS;
    m->max_age = max_age_ns > 0 ? max_age_ns : KS_VPNMAP_MAX_AGE_NS;
    m->nb = 16;
    while (m->nb < m->max * 2)
        m->nb *= 2;
    m->head = m->tail = m->free_head = NIL;
    *out = m;
    return 0;
}

/* The indexes are made with the first session, so that ingests without VPN logs pay nothing. */
static int index_make(struct ks_vpnmap *m)
{
    if (m->by_addr)
        return 0;
    m->by_addr = malloc(m->nb * sizeof *m->by_addr);
    m->by_user = malloc(m->nb * sizeof *m->by_user);
    if (!m->by_addr || !m->by_user) {
        free(m->by_addr);
        free(m->by_user);
        m->by_addr = m->by_user = NULL;
        return KS_ENOMEM;
    }
    memset(m->by_addr, 0xff, m->nb * sizeof *m->by_addr);
    memset(m->by_user, 0xff, m->nb * sizeof *m->by_user);
    return 0;
}

void ks_ingest_vpnmap_free(struct ks_vpnmap *m)
{
    if (!m)
        return;
    free(m->s);
    free(m->by_addr);
    free(m->by_user);
    free(m);
}

size_t ks_ingest_vpnmap_count(const struct ks_vpnmap *m)
{
    return m->nused;
}

static void chain_unlink(struct ks_vpnmap *m, uint32_t *bucket, uint32_t i, bool addr)
{
    uint32_t *p = bucket;
    while (*p != NIL) {
        struct slot *x = &m->s[*p];
        if (*p == i) {
            *p = addr ? x->next_addr : x->next_user;
            return;
        }
        p = addr ? &x->next_addr : &x->next_user;
    }
}

static void slot_remove(struct ks_vpnmap *m, uint32_t i)
{
    struct slot *x = &m->s[i];
    chain_unlink(m, &m->by_addr[addr_bucket(m, &x->inner)], i, true);
    chain_unlink(m, &m->by_user[x->user_hash & (m->nb - 1)], i, false);
    if (x->prev != NIL)
        m->s[x->prev].next = x->next;
    else
        m->head = x->next;
    if (x->next != NIL)
        m->s[x->next].prev = x->prev;
    else
        m->tail = x->prev;
    x->used = false;
    x->next = m->free_head;
    m->free_head = i;
    m->nused--;
}

static uint32_t find_addr(const struct ks_vpnmap *m, const struct ks_addr *a)
{
    for (uint32_t i = m->by_addr[addr_bucket(m, a)]; i != NIL; i = m->s[i].next_addr)
        if (ks_addr_eq(&m->s[i].inner, a))
            return i;
    return NIL;
}

static uint32_t slot_alloc(struct ks_vpnmap *m)
{
    if (m->nused >= m->max)
        slot_remove(m, m->head); /* evict the oldest assignment */
    if (m->free_head == NIL) {
        uint32_t n = m->ns_alloc ? m->ns_alloc * 2 : 64;
        if (n > m->max)
            n = (uint32_t)m->max;
        struct slot *s = realloc(m->s, (size_t)n * sizeof *s);
        if (!s)
            return NIL;
        m->s = s;
        for (uint32_t i = n; i-- > m->ns_alloc;) {
            s[i].used = false;
            s[i].next = m->free_head;
            m->free_head = i;
        }
        m->ns_alloc = n;
    }
    uint32_t i = m->free_head;
    m->free_head = m->s[i].next;
    return i;
}

/* ts lies more than max_age after start (no overflow whatever the timestamps). */
static bool too_old(const struct ks_vpnmap *m, int64_t ts, int64_t start)
{
    return ts > start && (uint64_t)ts - (uint64_t)start > (uint64_t)m->max_age;
}

static uint64_t obs_hash(struct ks_sv o)
{
    return o.n ? ks_hash64(o.p, o.n, 1) | 1 : 0;
}

static int session_open(struct ks_vpnmap *m, const struct ks_event *ev, const struct ks_addr *in)
{
    if (ev->user.n == 0 || ev->user.n > KS_VPNMAP_USER_MAX)
        return 0;
    if (index_make(m) != 0)
        return KS_ENOMEM;
    uint32_t old = find_addr(m, in);
    if (old != NIL)
        slot_remove(m, old); /* reassignment replaces */
    uint32_t i = slot_alloc(m);
    if (i == NIL)
        return KS_ENOMEM;
    struct slot *x = &m->s[i];
    x->inner = *in;
    x->outer = ev->src;
    x->start = ev->ts;
    x->user_n = (uint16_t)ev->user.n;
    memcpy(x->user, ev->user.p, ev->user.n);
    x->user_hash = ks_hash64(ev->user.p, ev->user.n, 0);
    x->obs_hash = obs_hash(ev->observer);
    x->start_n = (uint8_t)ks_time_format(ev->ts, x->start_str, sizeof x->start_str);
    x->used = true;
    size_t b = addr_bucket(m, in);
    x->next_addr = m->by_addr[b];
    m->by_addr[b] = i;
    b = x->user_hash & (m->nb - 1);
    x->next_user = m->by_user[b];
    m->by_user[b] = i;
    x->next = NIL;
    x->prev = m->tail;
    if (m->tail != NIL)
        m->s[m->tail].next = i;
    else
        m->head = i;
    m->tail = i;
    m->nused++;
    return 0;
}

static bool user_eq(const struct slot *x, struct ks_sv u)
{
    return x->user_n == u.n && memcmp(x->user, u.p, u.n) == 0;
}

static void session_close(struct ks_vpnmap *m, const struct ks_event *ev, const struct ks_addr *in)
{
    if (m->nused == 0)
        return;
    if (in) {
        uint32_t i = find_addr(m, in);
        if (i != NIL && (ev->user.n == 0 || user_eq(&m->s[i], ev->user)))
            slot_remove(m, i);
        return;
    }
    if (ev->user.n == 0)
        return;
    uint64_t h = ks_hash64(ev->user.p, ev->user.n, 0);
    uint64_t oh = obs_hash(ev->observer);
    uint32_t i = m->by_user[h & (m->nb - 1)];
    while (i != NIL) {
        struct slot *x = &m->s[i];
        uint32_t next = x->next_user;
        if (x->user_hash == h && user_eq(x, ev->user) &&
            (!ks_addr_is_set(&x->outer) || !ks_addr_is_set(&ev->src) ||
             ks_addr_eq(&x->outer, &ev->src)) &&
            (!x->obs_hash || !oh || x->obs_hash == oh))
            slot_remove(m, i);
        i = next;
    }
}

/* The inner address an assignment or end event names: OUT *a; false when none. */
static bool inner_addr(const struct ks_event *ev, bool assign, struct ks_addr *a)
{
    struct ks_sv ip = ks_event_bag_get(ev, "assigned_ip");
    if (ip.p && ks_addr_parse(ip.p, ip.n, a) == 0)
        return true;
    if (assign && sv_is(ev->action, "vpn-assign") && ks_addr_is_set(&ev->dst)) {
        *a = ev->dst;
        return true;
    }
    return false;
}

int ks_ingest_vpnmap_apply(struct ks_vpnmap *m, struct ks_event *ev, struct ks_vpnmap_saved *sv)
{
    sv->changed = false;
    while (m->head != NIL && too_old(m, ev->ts, m->s[m->head].start))
        slot_remove(m, m->head); /* expired */
    if (ev->kind == KS_KIND_VPN && ev->action.n) {
        bool assign = sv_is(ev->action, "vpn-assign") || sv_is(ev->action, "vpn-start");
        bool end = sv_is(ev->action, "vpn-end") || sv_is(ev->action, "vpn-disconnect");
        struct ks_addr a;
        if (assign) {
            if (inner_addr(ev, true, &a))
                return session_open(m, ev, &a);
        } else if (end) {
            session_close(m, ev, inner_addr(ev, false, &a) ? &a : NULL);
            return 0;
        }
    }
    if (m->nused == 0 || !ks_addr_is_set(&ev->src))
        return 0;
    uint32_t i = find_addr(m, &ev->src);
    if (i == NIL)
        return 0;
    const struct slot *x = &m->s[i];
    if (ev->ts < x->start || too_old(m, ev->ts, x->start))
        return 0;
    sv->user = ev->user;
    sv->bag = ev->bag;
    sv->nbag = ev->nbag;
    sv->changed = true;
    if (ev->user.n == 0)
        ev->user = ks_sv_make(x->user, x->user_n);
    if (ev->nbag + 2u <= KS_EVENT_MAX_BAG) {
        if (ev->nbag)
            memcpy(m->bag, ev->bag, ev->nbag * sizeof *ev->bag);
        m->bag[ev->nbag] = (struct ks_kv){ks_sv_make("vpn.user", 8), ks_sv_make(x->user, x->user_n)};
        m->bag[ev->nbag + 1] = (struct ks_kv){ks_sv_make("vpn.session_start", 17),
                                              ks_sv_make(x->start_str, x->start_n)};
        ev->bag = m->bag;
        ev->nbag += 2;
    }
    return 0;
}

void ks_ingest_vpnmap_restore(struct ks_event *ev, const struct ks_vpnmap_saved *sv)
{
    if (!sv->changed)
        return;
    ev->user = sv->user;
    ev->bag = sv->bag;
    ev->nbag = sv->nbag;
}
