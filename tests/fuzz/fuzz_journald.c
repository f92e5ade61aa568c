/* SPDX-License-Identifier: MIT */
/*
 * fuzz_journald.c - libFuzzer target for the systemd journal JSON parser: each input is parsed
 * whole, then fed again in growing windows (the INCOMPLETE protocol) and must give the same
 * counts; every string of every event is read so the sanitizers check its bounds.
 */
#include <stddef.h>
#include <stdint.h>

#include "parse_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"journald"};
    ks_fuzz_parse_named(names, sizeof names / sizeof names[0], data, size);
    return 0;
}
