/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers shared by the cmocka unit tests: locating third-party sample data in
 * ../shared/data (fail in CI when missing, skip elsewhere with a printed reason) and scratch
 * directories.
 */
#ifndef KS_TESTUTIL_H
#define KS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/ingest.h"

/* Fills out with $KS_SHARED_DATA/rel. When the file is missing: in CI (CI set in the environment)
 * the test fails; elsewhere it is skipped with a printed reason. Use as:
 *     char path[4096]; KS_NEED_DATA(path, "logpai+loghub/OpenSSH/OpenSSH_2k.log");            */
int ks_test_data_path(const char *rel, char *out, size_t cap);
#define KS_NEED_DATA(buf, rel)                                                                     \
    do {                                                                                           \
        int rc_ = ks_test_data_path((rel), (buf), sizeof(buf));                                    \
        if (rc_ == 1) { skip(); }                                                                  \
        if (rc_ != 0) { fail_msg("sample data missing: %s", (rel)); }                              \
    } while (0)

/* Creates a fresh empty directory under $TMPDIR; out receives its path. */
void ks_test_tmpdir(char *out, size_t cap);
/* Removes a directory tree (for test cleanup). */
void ks_test_rmtree(const char *path);
/* Reads a whole file into a malloc'd buffer (NUL-terminated); *len gets its size. */
char *ks_test_read_file(const char *path, size_t *len);
/* Writes bytes to path. */
void ks_test_write_file(const char *path, const void *p, size_t n);
/* Counts '\n' in a file, the independent count real-data tests compare against. */
uint64_t ks_test_count_lines(const char *path);

/* True when s holds exactly the bytes of lit. */
bool ks_test_sv_is(struct ks_sv s, const char *lit);
#define assert_sv(s, lit)                                                                          \
    do {                                                                                           \
        struct ks_sv s_ = (s);                                                                     \
        if (!ks_test_sv_is(s_, (lit)))                                                             \
            fail_msg("%s: got '%.*s', want '%s'", #s, (int)s_.n, s_.p ? s_.p : "(null)", (lit));   \
    } while (0)
/* Fails unless a formats as want. */
void assert_addr(const struct ks_addr *a, const char *want);

/* Events kept by ks_collect_sink() (each a ks_event_clone()); free with ks_collect_free(). */
struct ks_collect {
    struct ks_event **ev;
    size_t n, cap;
};

int ks_collect_sink(void *arg, const struct ks_event *ev); /* arg: struct ks_collect */
void ks_collect_free(struct ks_collect *c);
int ks_count_sink(void *arg, const struct ks_event *ev); /* arg: uint64_t counter */

/* Feeds text[0..len) to ops the way the ingest framework does: a window growing by chunk bytes,
 * eof only at the end, so every record crosses KS_PARSE_INCOMPLETE when chunk is small. Asserts
 * the partial-input protocol (INCOMPLETE consumes nothing and never comes at eof; every other
 * answer consumes within the window) and counts events and malformed records. */
void ks_test_parse_chunked(const struct ks_parser_ops *ops, const char *text, size_t len,
                           size_t chunk, uint64_t *events, uint64_t *bad);

#endif
