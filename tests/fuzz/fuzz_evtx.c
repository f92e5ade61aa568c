/* SPDX-License-Identifier: MIT */
/*
 * fuzz_evtx.c - libFuzzer target for the EVTX parser ("evtx", libevtx). Each input is parsed
 * twice over: as it is (a whole file), and as the body of a file behind a well-formed EVTX file
 * header made here (so the fuzzer's bytes reach libevtx's chunk, record and BinXML code instead
 * of dying at the signature check). Each is parsed whole, then fed again in growing windows (the
 * INCOMPLETE protocol) and must give the same counts; every string of every event is read so
 * the sanitizers check its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "parse_harness.h"

#define HDR 4096u

/* libevtx 20181227 (Debian 12) leaks its BinXML tree (libfwevt_xml_tag/token, libfvalue values)
 * when a damaged record fails to parse: found by this target, an upstream bug in the library,
 * not in konseki (the parser frees every libevtx object it is handed). LeakSanitizer is told to
 * ignore leaks allocated inside libevtx so the fuzzer keeps looking for konseki's bugs. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libevtx.so\n";
}

/* A version 3.1 file header for one chunk, with its CRC32. */
static void make_header(unsigned char *h)
{
    memset(h, 0, HDR);
    memcpy(h, "ElfFile", 8);
    h[0x18] = 1;    /* next record identifier */
    h[0x20] = 0x80; /* header size */
    h[0x24] = 1;    /* minor version */
    h[0x26] = 3;    /* major version */
    h[0x29] = 0x10; /* header block size 0x1000 */
    h[0x2A] = 1;    /* number of chunks */
    uLong crc = crc32(0L, h, 120);
    for (int i = 0; i < 4; i++)
        h[0x7C + i] = (unsigned char)(crc >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct ks_parser_ops *ops = ks_parser_find("evtx");
    if (!ops)
        abort();
    ks_fuzz_parse(ops, (const char *)data, size, 1 + size % 7 + size / 5, 0);
    if (size > 0 && size <= 3u * 65536u) {
        unsigned char *f = malloc(HDR + size);
        if (!f)
            return 0;
        make_header(f);
        memcpy(f + HDR, data, size);
        ks_fuzz_parse(ops, (const char *)f, HDR + size, 1 + size % 7 + size / 5, 0);
        free(f);
    }
    (void)ks_parser_detect((const char *)data, size);
    return 0;
}
