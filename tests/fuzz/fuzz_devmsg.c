/* SPDX-License-Identifier: MIT */
/*
 * fuzz_devmsg.c - libFuzzer target for the device message classifiers (ingest_devmsg.c) without
 * the framing in front: the input is "program\nmsgid\nmessage" (a first byte with the low bit set
 * marks the msgid as a Cisco mnemonic), so every row of the table is reachable with any message
 * text. Checks that every string the classifier sets points into the input, into its scratch, or
 * is one of its constant names, and that the bag stays within its capacity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_syslog_int.h"

static bool inside(struct ks_sv s, const char *lo, size_t n)
{
    return s.n == 0 || (s.p >= lo && s.p + s.n <= lo + n);
}

static void must(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char scratch[4096];
    struct ks_kv bag[32];
    struct ks_syslog_msg m;
    struct ks_event ev;
    const char *p = (const char *)data;
    struct ks_sv part[3] = {KS_SV_NULL, KS_SV_NULL, KS_SV_NULL};
    size_t start = size ? 1 : 0, k = 0;

    memset(&m, 0, sizeof m);
    m.facility = m.severity = -1;
    m.cisco = size && (data[0] & 1);
    for (size_t i = start; i <= size && k < 3; i++) {
        if (k == 2) {
            part[2] = ks_sv_make(p + i, size - i);
            k++;
            break;
        }
        if (i == size || p[i] == '\n') {
            part[k++] = ks_sv_make(p + start, i - start);
            start = i + 1;
        }
    }
    m.program = part[0];
    m.msgid = part[1];
    m.message = part[2].p ? part[2] : ks_sv_make(p + size, 0);
    if (m.cisco && !m.msgid.n)
        m.cisco = false;

    struct ks_devmsg_out out = {.bag = bag, .cap = 32, .scratch = scratch, .scratch_cap = 4096};
    memset(&ev, 0, sizeof ev);
    ks_ingest_devmsg_classify(&m, &ev, &out);
    must(ev.kind < KS_KIND_COUNT && ev.dataset.n > 0);
    must(out.nbag <= out.cap && out.scratch_len <= out.scratch_cap);
    const struct ks_sv in_input[] = {ev.user, ev.src_host, ev.dst_host, ev.observer};
    for (size_t i = 0; i < KS_ARRAY_LEN(in_input); i++)
        must(inside(in_input[i], p, size));
    must(inside(ev.object, p, size) || inside(ev.object, scratch, out.scratch_len));
    must(inside(ev.service, p, size) || ks_sv_eq_cstr(ev.service, "ssh") ||
         ks_sv_eq_cstr(ev.service, "ssl-vpn"));
    for (uint32_t i = 0; i < out.nbag; i++) {
        must(bag[i].key.n > 0);
        must(inside(bag[i].val, p, size) || ks_sv_eq_cstr(bag[i].val, "true"));
    }
    return 0;
}
