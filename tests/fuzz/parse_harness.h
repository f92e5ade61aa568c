/* SPDX-License-Identifier: MIT */
/*
 * parse_harness.h - what every parser's fuzz target does: parse the input whole, parse it again
 * fed in growing windows (the INCOMPLETE protocol, as the ingest framework feeds it), abort when
 * the two disagree or the protocol is broken, and read every string of every event so the
 * sanitizers check its bounds.
 */
#ifndef KS_PARSE_HARNESS_H
#define KS_PARSE_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest.h"

/* Every event must also: name its dataset, have a valid kind and non-empty bag keys, copy with
 * ks_event_clone() and encode with ks_event_to_json(). With KS_FUZZ_UTF8 every string must be
 * valid UTF-8 too (for parsers that repair invalid bytes). */
enum ks_fuzz_flags {
    KS_FUZZ_UTF8 = 1 << 0,
};

/* Runs ops over buf both ways; step is the window growth for the second pass. */
void ks_fuzz_parse(const struct ks_parser_ops *ops, const char *buf, size_t size, size_t step,
                   unsigned flags);
/* ks_fuzz_parse() for each named parser (abort when one is not registered), then format
 * detection on the same bytes. */
void ks_fuzz_parse_named(const char *const *names, size_t n, const uint8_t *data, size_t size);

#endif
