/* SPDX-License-Identifier: MIT */
/*
 * ingest_flow.h - private to src/ingest: the NetFlow v5 / v9 / IPFIX export-datagram decoder.
 * It is fed one UDP payload at a time together with the exporter's address, so the pcap parser
 * (ingest_pcap.c) and a live UDP listener share it. Template, sampling and sequence state lives
 * in struct ks_flow_state, keyed by (exporter, version, observation domain / source id).
 */
#ifndef KS_INGEST_FLOW_H
#define KS_INGEST_FLOW_H

#include "ingest/ingest.h"

#define KS_FLOW_MAX_TEMPLATES 16384u /* templates and "missing" markers; the oldest is evicted */
#define KS_FLOW_MAX_EXPORTERS 4096u  /* (exporter, version, domain) entries; the oldest is evicted */
#define KS_FLOW_MAX_FIELDS 512u      /* fields in one template */
#define KS_FLOW_MAX_SAMPLERS 16u     /* sampler ids remembered per exporter entry */

struct ks_flow_state;

/* Called once per flow record. ev and its strings are borrowed: valid until the next
 * ks_flow_decode() or ks_flow_state_free() on the same state. A negative return stops the decode
 * and is returned by it. */
typedef int (*ks_flow_record_fn)(void *arg, const struct ks_event *ev);

/* OUT *out: an empty state; caller frees with ks_flow_state_free(). */
int ks_flow_state_new(struct ks_flow_state **out);
void ks_flow_state_free(struct ks_flow_state *st);

/* Decodes one export datagram p[0..n) received from exporter at recv_ts (ns; used only when the
 * export header carries no time). Calls fn for each flow record (options records update the
 * state and are not reported). Returns 0; KS_EFORMAT when the datagram is damaged (err says why;
 * records before the damage were delivered); KS_EUNSUPPORTED when p is not a NetFlow v5/v9 or
 * IPFIX datagram (nothing decoded); or fn's negative return. */
int ks_flow_decode(struct ks_flow_state *st, const struct ks_addr *exporter, int64_t recv_ts,
                   const uint8_t *p, size_t n, ks_flow_record_fn fn, void *arg, char *err,
                   size_t errcap);

/* True when p[0..n) looks like a NetFlow v5/v9 or IPFIX datagram (version and header lengths). */
bool ks_flow_looks_like_export(const uint8_t *p, size_t n);

/* Counters per (exporter, version, domain). lost is in the unit the version's sequence number
 * counts: flow records (v5), export packets (v9), data records (IPFIX). */
struct ks_flow_stats {
    struct ks_addr exporter;
    uint32_t domain;       /* IPFIX observation domain, v9 source id, v5 engine type << 8 | id */
    uint8_t version;       /* 5, 9 or 10 */
    uint64_t packets;      /* datagrams decoded */
    uint64_t records;      /* flow records delivered */
    uint64_t options;      /* options data records (sampling and the like) */
    uint64_t lost;         /* sequence gaps, summed */
    uint64_t reordered;    /* datagrams whose sequence number went backwards (not counted lost) */
    uint64_t no_template;  /* data records whose template was unknown */
    uint64_t templates;    /* template records accepted (refreshes included) */
    uint64_t withdrawn;    /* templates withdrawn */
};

/* Fills out[0..min(cap, count)) with the counters and returns the count of entries. */
size_t ks_flow_get_stats(const struct ks_flow_state *st, struct ks_flow_stats *out, size_t cap);

/* The unit lost is counted in for a version: "flow records" or "export packets". */
const char *ks_flow_lost_unit(uint8_t version);

#endif /* KS_INGEST_FLOW_H */
