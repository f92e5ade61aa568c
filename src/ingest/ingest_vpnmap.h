/* SPDX-License-Identifier: MIT */
/*
 * ingest_vpnmap.h - private to the ingest driver: the VPN session table applied to the merged,
 * time-ordered stream just before the sink. VPN events that assign an inner address open a
 * session (inner address -> user); VPN end events close it; later events whose source address
 * is an open session's inner address are attributed to the VPN user (user filled in when empty,
 * bag "vpn.user" and "vpn.session_start" added). Bounded: at most max_sessions sessions (the
 * oldest assignment is evicted) and a session expires max_age_ns after its start.
 */
#ifndef KS_INGEST_VPNMAP_H
#define KS_INGEST_VPNMAP_H

#include "ingest/ingest.h"

#define KS_VPNMAP_MAX_SESSIONS 65536u
#define KS_VPNMAP_MAX_AGE_NS (24 * 3600 * KS_NS_PER_SEC)
#define KS_VPNMAP_USER_MAX 128u /* longer user names are not recorded */

struct ks_vpnmap;

/* What ks_ingest_vpnmap_apply() changed in an event, for ks_ingest_vpnmap_restore(). */
struct ks_vpnmap_saved {
    struct ks_sv user;
    struct ks_kv *bag;
    uint32_t nbag;
    bool changed;
};

/* OUT *out: caller frees with ks_ingest_vpnmap_free(). max_sessions 0 or max_age_ns <= 0 take
 * the defaults above. Returns 0 or KS_ENOMEM. */
int ks_ingest_vpnmap_create(size_t max_sessions, int64_t max_age_ns, struct ks_vpnmap **out);
void ks_ingest_vpnmap_free(struct ks_vpnmap *m);
/* Updates the table from ev (assignments and ends) and attributes ev in place. The strings and
 * bag it points ev to are owned by m and stay valid until the next call on m. Returns 0, or
 * KS_ENOMEM when a session could not be recorded (ev is still valid, unattributed). */
int ks_ingest_vpnmap_apply(struct ks_vpnmap *m, struct ks_event *ev, struct ks_vpnmap_saved *sv);
/* Puts back what apply changed in ev. */
void ks_ingest_vpnmap_restore(struct ks_event *ev, const struct ks_vpnmap_saved *sv);
/* Open sessions. */
size_t ks_ingest_vpnmap_count(const struct ks_vpnmap *m);

#endif /* KS_INGEST_VPNMAP_H */
