/* SPDX-License-Identifier: MIT */
/*
 * ingest_int.h - private to src/ingest: the parser tables the registry lists, and the small
 * framing helpers every line-oriented parser shares (one line per call, the INCOMPLETE protocol,
 * a fast UTF-8 check). Nothing outside src/ingest includes this header.
 */
#ifndef KS_INGEST_INT_H
#define KS_INGEST_INT_H

#include "ingest/ingest.h"

/* Parser tables, one per format (ingest_<format>.c). */
extern const struct ks_parser_ops ks_parser_zeek;
extern const struct ks_parser_ops ks_parser_zeek_json;
extern const struct ks_parser_ops ks_parser_winjson;
extern const struct ks_parser_ops ks_parser_syslog;
extern const struct ks_parser_ops ks_parser_pcap;

/* Frames one line at the start of buf[0..len). Returns KS_PARSE_EVENT with OUT *line (without
 * its '\n' and a trailing '\r') and OUT *consumed (the line and its '\n'); KS_PARSE_INCOMPLETE
 * (consumed 0) when buf has no '\n' and !ctx->eof; at eof a last line without '\n' is returned
 * whole; KS_PARSE_END when len == 0 at eof. */
int ks_ingest_take_line(const struct ks_parse_ctx *ctx, const char *buf, size_t len,
                        struct ks_sv *line, size_t *consumed);

/* True when p[0..n) is valid UTF-8; pure ASCII is checked 8 bytes at a time. */
bool ks_ingest_utf8_ok(const char *p, size_t n);

/* Sets ctx->err (printf-style, truncated to fit) and returns KS_PARSE_MALFORMED. */
int ks_ingest_bad(struct ks_parse_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Finds the first line of head[0..n) (or all of it when it has no '\n'), after a UTF-8 BOM and
 * leading blank lines; for probes. */
struct ks_sv ks_ingest_first_line(const char *head, size_t n);

/* True when needle occurs in hay (probes). */
bool ks_ingest_sv_contains(struct ks_sv hay, const char *needle);

#endif /* KS_INGEST_INT_H */
