/* SPDX-License-Identifier: MIT */
/*
 * ingest_weblog_int.h - private to src/ingest: what the web-log parsers (ingest_weblog.c) use
 * from the process-wide web configuration kept in ingest_urlpat.c (URL patterns, trusted
 * X-Forwarded-For proxies).
 */
#ifndef KS_INGEST_WEBLOG_INT_H
#define KS_INGEST_WEBLOG_INT_H

#include "ingest/ingest.h"

/* True when XFF trust is configured (ks_ingest_set_xff_trust() with prefixes). */
bool ks_ingest_xff_enabled(void);
/* When peer is a trusted proxy, OUT *client: the right-most address of xff ("a, b, c") that is
 * not trusted, and true. False (client untouched) when XFF is off, peer is untrusted, or xff
 * holds no usable address. */
bool ks_ingest_xff_client(const struct ks_addr *peer, struct ks_sv xff, struct ks_addr *client);

#endif /* KS_INGEST_WEBLOG_INT_H */
