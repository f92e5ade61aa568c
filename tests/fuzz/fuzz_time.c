/* SPDX-License-Identifier: MIT */
/*
 * fuzz_time.c - libFuzzer target for the time parsers (core_time.c, core_num.c): RFC 3339, the
 * user forms of --from/--to and Zeek epoch seconds. Accepted times must format and parse back to
 * the same nanosecond, and civil conversion must round-trip.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/core.h"

static void roundtrip(int64_t ns)
{
    char buf[KS_TIME_STRLEN];
    size_t n = ks_time_format(ns, buf, sizeof buf);
    int64_t back;
    if (n >= sizeof buf || ks_time_parse_rfc3339(buf, n, &back) != 0 || back != ns)
        abort();
    int y, mo, d, h, mi, s;
    int64_t frac;
    ks_time_to_civil(ns, &y, &mo, &d, &h, &mi, &s, &frac);
    if (ks_time_from_civil(y, mo, d, h, mi, s, frac) != ns)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    int64_t ns;
    if (ks_time_parse_rfc3339(p, size, &ns) == 0)
        roundtrip(ns);
    if (ks_time_parse_user(p, size, INT64_C(1700000000000000000), &ns) == 0)
        roundtrip(ns);
    if (ks_parse_epoch_frac(p, size, &ns) == 0)
        roundtrip(ns);
    double v;
    (void)ks_parse_double(p, size, &v);
    return 0;
}
