/* SPDX-License-Identifier: MIT */
/*
 * fuzz_syslog.c - libFuzzer target for the "syslog" parser's framing (ingest_syslog.c) and, behind
 * it, the device classifiers, through the shared parser harness (parse_harness.h) with strict
 * UTF-8 (the parser repairs invalid bytes): besides memory safety, every event copies cleanly and
 * encodes as JSON, and feeding the same bytes in small chunks (the INCOMPLETE protocol) gives the
 * same event and malformed counts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "parse_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct ks_parser_ops *ops = ks_parser_find("syslog");
    if (!ops)
        abort();
    (void)ops->probe((const char *)data, size);
    ks_fuzz_parse(ops, (const char *)data, size, 1 + size % 7 + size / 16, KS_FUZZ_UTF8);
    return 0;
}
