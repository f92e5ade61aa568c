/* SPDX-License-Identifier: MIT */
/*
 * fuzz_flow.c - libFuzzer target for the NetFlow v5/v9/IPFIX decoder (ingest_flow.c) with its
 * template state. The input is a sequence of datagrams, each behind a 2-byte big-endian prefix:
 * the low 15 bits are the datagram's length, the top bit picks the second of two exporters. All
 * datagrams of one input share one state, so templates, options, withdrawals and sequence
 * tracking interact with the data records that follow. Every delivered event is read through
 * (ASan sees a string pointing outside live memory) and checked for the invariants a consumer
 * relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_flow.h"

static int check_event(void *arg, const struct ks_event *ev)
{
    uint64_t *sum = arg;
    if (ev->kind != KS_KIND_FLOW || ev->observer.n == 0 || ev->dataset.n == 0)
        abort();
    if (ev->nbag > KS_EVENT_MAX_BAG || (ev->nbag && !ev->bag))
        abort();
    for (uint32_t i = 0; i < ev->nbag; i++) {
        const struct ks_kv *kv = &ev->bag[i];
        if (kv->key.n == 0 || !kv->key.p)
            abort();
        for (size_t k = 0; k < kv->key.n; k++)
            *sum += (uint8_t)kv->key.p[k];
        for (size_t k = 0; k < kv->val.n; k++)
            *sum += (uint8_t)kv->val.p[k];
    }
    for (size_t k = 0; k < ev->observer.n; k++)
        *sum += (uint8_t)ev->observer.p[k];
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_flow_state *st;
    struct ks_addr ex[2];
    struct ks_flow_stats stats[4];
    uint64_t sum = 0, records = 0;
    char err[256];
    size_t off = 0;

    if (ks_flow_state_new(&st) != 0)
        return 0;
    ks_addr_parse("192.0.2.1", 9, &ex[0]);
    ks_addr_parse("2001:db8::2", 11, &ex[1]);
    while (size - off >= 2) {
        uint16_t pre = (uint16_t)(data[off] << 8 | data[off + 1]);
        size_t n = pre & 0x7fffu;
        off += 2;
        if (n > size - off)
            n = size - off;
        /* An exact-size copy, so a read past the datagram is an ASan error. */
        uint8_t *dg = malloc(n ? n : 1);
        if (!dg)
            break;
        memcpy(dg, data + off, n);
        int rc = ks_flow_decode(st, &ex[pre >> 15], 1700000000LL * 1000000000LL, dg, n,
                                check_event, &sum, err, sizeof err);
        free(dg);
        off += n;
        if (rc != 0 && rc != KS_EFORMAT && rc != KS_EUNSUPPORTED)
            abort();
        if (rc == KS_EFORMAT && err[0] == '\0')
            abort();
        size_t ns = ks_flow_get_stats(st, stats, 4);
        uint64_t r = 0;
        for (size_t i = 0; i < ns && i < 4; i++)
            r += stats[i].records;
        if (ns <= 4 && r < records)
            abort();
        records = r;
    }
    ks_flow_state_free(st);
    return sum == 1 ? 1 : 0; /* keep sum live */
}
