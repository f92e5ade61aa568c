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
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

#endif
