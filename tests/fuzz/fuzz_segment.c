/* SPDX-License-Identifier: MIT */
/*
 * fuzz_segment.c - decodes arbitrary bytes as a directory-store segment (format.h): header,
 * trailer, footer, every block and every column, then every row as a scan would emit it. Damaged
 * input must give an error, never a crash, hang or leak. Seeds: small valid segments written by
 * test_store (KS_STORE_WRITE_CORPUS) and truncated variants.
 */
#include <stddef.h>
#include <stdint.h>

#include "store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t events;
    (void)ks_store_seg_decode_mem(data, size, &events);
    return 0;
}
