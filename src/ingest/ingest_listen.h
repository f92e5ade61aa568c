/* SPDX-License-Identifier: MIT */
/*
 * ingest_listen.h - the live receiver behind `konseki listen`: UDP and TCP syslog (RFC 6587
 * octet counting and LF framing) and NetFlow v5/v9/IPFIX over UDP, written first to a write-ahead
 * log of raw records and then parsed, in WAL order, into normalized events for a sink.
 *
 * Threads: a receiver thread (one epoll loop over every socket) frames messages and appends them
 * to the WAL; a syncer thread fdatasyncs the WAL (group commit); the caller's thread calls
 * ks_listen_poll() to parse what was written and hand events to its sink. The WAL is the queue:
 * its unparsed part is bounded by queue_bytes; past that, UDP datagrams are dropped (counted)
 * and TCP connections are not read (the senders block), so memory and disk stay bounded.
 *
 * Positions: every WAL record has a logical byte position that only grows across segment files
 * (a segment is named by the position of its first byte). The caller commits its events together
 * with ks_listen_position() (always a record boundary), and after a crash opens the listener with
 * that committed position: records beyond it are parsed again, records before it never are.
 */
#ifndef KS_INGEST_LISTEN_H
#define KS_INGEST_LISTEN_H

#include "ingest/ingest.h"
#include "ingest/ingest_flow.h"

#define KS_LISTEN_MAX_MSG (64u * 1024u)   /* longest syslog message / datagram kept */
#define KS_LISTEN_MAX_ENDPOINTS 16u

/* ---------------------------------------------------------------- TCP framing (RFC 6587) */

/* Per-connection framing state. Zero-initialized is the start state. */
struct ks_listen_framer {
    uint64_t skip;   /* bytes of an oversized octet-counted frame still to discard */
    bool skip_line;  /* discarding an oversized LF-framed message up to its '\n' */
};

enum ks_frame_result {
    KS_FRAME_MSG = 0,   /* *msg is one message (borrowed from buf); *consumed bytes used */
    KS_FRAME_SKIP = 1,  /* *consumed bytes were framing only (empty line, discarded bytes) */
    KS_FRAME_BAD = 2,   /* *consumed bytes were a bad frame (oversized, bad count): count it */
    KS_FRAME_NEED = 3,  /* no whole frame in buf[0..len); read more (consumed = 0) */
};

/* Takes one frame from buf[0..len). A frame that starts with a digit 1-9 followed by up to nine
 * digits and a space is octet-counted ("LEN SP MSG"); anything else ends at '\n' (a trailing
 * '\r' is dropped). Messages are at most KS_LISTEN_MAX_MSG bytes; longer ones are BAD and their
 * bytes are discarded. eof: the peer closed, so a last unterminated line is a message. */
int ks_listen_frame(struct ks_listen_framer *f, const char *buf, size_t len, bool eof,
                    size_t *consumed, struct ks_sv *msg);

/* ---------------------------------------------------------------- the listener */

enum ks_listen_proto {
    KS_LISTEN_SYSLOG_UDP = 1,
    KS_LISTEN_SYSLOG_TCP = 2,
    KS_LISTEN_FLOW_UDP = 3,
};

struct ks_listen_endpoint {
    enum ks_listen_proto proto;
    const char *addr; /* "127.0.0.1:5514", "[::1]:2055"; port 0 picks a free port */
};

struct ks_listen_opts {
    const char *wal_dir;           /* created if missing */
    struct ks_listen_endpoint ep[KS_LISTEN_MAX_ENDPOINTS];
    size_t nep;
    uint64_t start;                /* committed WAL position: replay begins here */
    size_t queue_bytes;            /* unparsed WAL bytes before dropping / pausing (>= 1 MiB) */
    int64_t tcp_sync_ns;           /* TCP data is fdatasynced within this (group commit) */
    int64_t udp_sync_ns;           /* UDP-only data is fdatasynced within this */
    size_t max_conns;              /* TCP connections at once; more are refused */
};

void ks_listen_opts_default(struct ks_listen_opts *o);

/* Counters per endpoint (the stats line). received/bytes/dropped/bad_frames are counted by the
 * receiver, parsed/malformed by ks_listen_poll(). */
struct ks_listen_stats {
    char name[64];      /* "syslog-udp 127.0.0.1:5514" with the bound port */
    uint64_t received;  /* messages (syslog) or datagrams (flows) written to the WAL */
    uint64_t bytes;
    uint64_t dropped;   /* UDP datagrams dropped because the queue was full */
    uint64_t bad_frames;/* TCP frames that were too long or badly counted */
    uint64_t parsed;    /* events produced (flow records for flows) */
    uint64_t malformed; /* messages / datagrams that did not parse */
    uint64_t conns;     /* TCP connections accepted */
};

struct ks_listen;

/* Binds every endpoint, opens the WAL (removing segments wholly before o->start and cutting a
 * torn tail), but starts no thread. OUT *out: caller frees with ks_listen_free(). */
int ks_listen_open(const struct ks_listen_opts *o, struct ks_listen **out);
/* Starts the receiver and syncer threads (signals are blocked in them). */
int ks_listen_start(struct ks_listen *l);
/* Parses WAL records written so far (replayed ones first), until max_events events were handed
 * to sink or the sink returned a positive value (e.g. "the store wants a commit"); a record is
 * never split, so its remaining events (at most one 64 KiB payload's worth) are still handed.
 * OUT *nrec: records consumed. Returns 0, or the sink's negative return. Events and their
 * strings are borrowed for the sink call. */
int ks_listen_poll(struct ks_listen *l, size_t max_events, ks_ingest_sink_fn sink, void *arg,
                   size_t *nrec);
/* The WAL position after the last record ks_listen_poll() finished (a record boundary). */
uint64_t ks_listen_position(const struct ks_listen *l);
/* True when every record written so far was parsed (and the receiver stopped, if stopping). */
bool ks_listen_drained(const struct ks_listen *l);
/* Removes WAL segments that lie wholly before committed (a position the caller committed). */
int ks_listen_release(struct ks_listen *l, uint64_t committed);
/* Stops receiving: reads what the kernel still holds for every socket, writes and fdatasyncs the
 * WAL, joins the threads. ks_listen_poll() still works afterwards (to drain). */
void ks_listen_stop(struct ks_listen *l);
/* Copies the counters of up to cap endpoints into out; returns the number of endpoints. */
size_t ks_listen_get_stats(const struct ks_listen *l, struct ks_listen_stats *out, size_t cap);
/* WAL bytes written but not yet parsed; TCP messages durably in the WAL (fdatasynced). */
uint64_t ks_listen_backlog(const struct ks_listen *l);
uint64_t ks_listen_tcp_acked(const struct ks_listen *l);
/* Per-exporter flow counters (sequence-number loss, missing templates); see ks_flow_get_stats().
 * Call from the thread that calls ks_listen_poll(). */
size_t ks_listen_get_flow_stats(const struct ks_listen *l, struct ks_flow_stats *out, size_t cap);
void ks_listen_free(struct ks_listen *l);

#endif /* KS_INGEST_LISTEN_H */
