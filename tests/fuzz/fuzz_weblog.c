/* SPDX-License-Identifier: MIT */
/*
 * fuzz_weblog.c - libFuzzer target for the web access log parsers ("apache", "iis",
 * "weblog-json") with a few URL patterns and X-Forwarded-For trust configured: each input is
 * parsed whole, then fed again in growing windows (the INCOMPLETE protocol) and must give the
 * same counts; every string of every event is read so the sanitizers check its bounds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>

#include "parse_harness.h"

static void configure(void)
{
    static bool done;
    static const char *const specs[][3] = {
        {"/static/**", "url", NULL},
        {"/projects/{project}/documents/{doc}/download", "project", "project"},
        {"/projects/{project}/**", "project", NULL},
        {"/u/*/{id}", "path", "id"},
    };
    static const char *const trusted[] = {"10.0.0.0/8", "::1"};
    struct ks_urlpat *p[4];
    if (done)
        return;
    done = true;
    for (size_t i = 0; i < 4; i++)
        if (ks_urlpat_compile(specs[i][0], specs[i][1], specs[i][2], &p[i]) != 0)
            abort();
    if (ks_ingest_set_url_patterns(p, 4) != 0 || ks_ingest_set_xff_trust(trusted, 2) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"apache", "iis", "weblog-json"};
    configure();
    ks_fuzz_parse_named(names, sizeof names / sizeof names[0], data, size);
    return 0;
}
