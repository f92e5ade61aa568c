/* SPDX-License-Identifier: MIT */
/*
 * format.h - the on-disk format of the directory store: segment files and the MANIFEST. Every
 * integer is little-endian; every byte of a segment is covered by a checksum or checked against
 * an exact expected value, so a flipped byte anywhere is detected by verify.
 *
 * Store layout:
 *
 *   STORE/LOCK                          flock()ed by the one writer (readers never take it)
 *   STORE/MANIFEST                      the list of published segments + resume state
 *   STORE/segments/YYYYMMDD/<seq>.kseg  one sealed segment (day of its first row, UTC);
 *                                       <seq> is 10 decimal digits, never reused
 *
 * Segment file (.kseg), version 1:
 *
 *   offset 0
 *   +--------------------------------------------------------------+
 *   | header (16 bytes)                                            |
 *   |   u8[8]  magic "KSSEG\0\0\0"                                  |
 *   |   u32    format version (1)                                  |
 *   |   u32    byte order mark 0x01020304 (bytes 04 03 02 01)       |
 *   +--------------------------------------------------------------+
 *   | column blocks, row group 0: one block per column             |
 *   | column blocks, row group 1 ...                               |
 *   | dictionary blocks: one per string column + bag keys           |
 *   | index block: the row groups' bloom filters (codec raw)        |
 *   +--------------------------------------------------------------+
 *   | footer (uncompressed, layout below)                          |
 *   +--------------------------------------------------------------+
 *   | trailer (32 bytes)                                           |
 *   |   u64    footer offset                                       |
 *   |   u32    footer length                                       |
 *   |   u32    format version (1)                                  |
 *   |   u64    xxh64(footer, seed 0)                               |
 *   |   u8[8]  magic "KSSEGEND"                                    |
 *   +--------------------------------------------------------------+
 *
 *   Block (blocks tile the region between header and footer exactly, no gaps):
 *     u32 clen    payload bytes on disk
 *     u32 rawlen  payload bytes after decompression
 *     u32 codec   0 = raw, 1 = zstd
 *     u64 xxh64(payload, seed = rawlen << 32 | clen, xor codec << 60)
 *     u8[clen] payload
 *
 *   Footer:
 *     u32 ncols, then ncols x { u16 col_id, u8 type (enum ks_store_seg_ctype), u8 0 }
 *        col_id < 0x8000: the field id of event_fields.def; 0x8000.. the extra columns below.
 *        A reader ignores columns it does not know and zero-fills known ones that are absent,
 *        so fields can grow at the end of event_fields.def.
 *     u64 nrows, i64 min_ts, i64 max_ts, u32 group_rows (target rows per row group)
 *     u32 ndicts, then ndicts x { u16 col_id, u16 0, u64 off, u32 len, u32 count }
 *     u64 index off, u32 index len
 *     u32 ngroups, then ngroups x {
 *        u32 rows, i64 min_ts, i64 max_ts, u32 observer id min, u32 observer id max,
 *        u32 kind mask (bit 1 << kind), u32 bloom word offset, u32 bloom words (u64, power of 2),
 *        ncols x { u64 off, u32 len } }
 *     u32 nkinds, nkinds x { u8 kind, u64 events }
 *     u32 ndatasets, ndatasets x { u16 len, u8[len] name, u64 events }
 *     u32 ndays, ndays x { i64 day start ns (00:00 UTC), u64 events }
 *
 *   Rows are sorted by (observer dictionary id, ts) and cut into row groups of group_rows rows.
 *   Column payload encodings (before compression), n = rows of the group. An empty payload
 *   (rawlen 0) means every row of the group holds 0 / the empty string / no bag keys:
 *     TS      u8 e, then n x varint(zigzag(delta / 10^e)), delta from the previous row's ts,
 *             the first from the group's min_ts
 *     U8      n bytes
 *     U16     n low bytes, then n high bytes
 *     U32     n x varint
 *     U64     u8 e, then n x varint(v / 10^e)
 *     ADDR    n family bytes (0, 4, 6), then 4 bytes per IPv4 and 16 per IPv6 row
 *     STR     u8 width (1, 2 or 4), n ids of that width; id 0 is the empty string
 *     STRR    a string column without dictionary (high cardinality: session, object):
 *             n lengths (varint), then the n strings' bytes
 *     OFFSET  n x varint(zigzag(delta)), delta from the previous row (first from 0)
 *     BAGK    per row: varint nkeys, nkeys x varint key id (bag key dictionary)
 *     BAGV    the kvs of BAGK stably sorted by key id: all their lengths (varint), then all
 *             their bytes
 *   Dictionary payload: count x { varint len, u8[len] }; entry 0 is "".
 *   Bloom filter of a group: 7 probes (h + i * (rotl(h, 32) | 1)) over addresses of src and dst
 *   (key xxh3(16 address bytes)) and string ids of user, src_host, dst_host, observer
 *   (key xxh3(col_id << 32 | id)).
 *
 * MANIFEST, version 1 (rewritten whole at each publish: MANIFEST.tmp, fsync, rename):
 *
 *   u8[8] magic "KSMANIF\0", u32 version (1), u32 0
 *   u64 generation, u64 next segment seq
 *   u32 nsegments, nsegments x {
 *       u16 name len, u8[] name (relative: "segments/YYYYMMDD/0000000001.kseg"),
 *       u64 rows, i64 min_ts, i64 max_ts, u64 file bytes, u64 xxh64 of the segment's footer }
 *   u32 nresume, nresume x {
 *       u64 identity, u32 identity_len, u64 watermark, u32 nabove, nabove x u64 above }
 *   u64 xxh64(everything above, seed 0)
 *   u8[8] magic "KSMANEND"
 */
#ifndef KS_STORE_FORMAT_H
#define KS_STORE_FORMAT_H

#define KS_SEG_MAGIC "KSSEG\0\0\0"
#define KS_SEG_END_MAGIC "KSSEGEND"
#define KS_SEG_VERSION 1u
#define KS_SEG_BOM 0x01020304u
#define KS_SEG_HEADER_LEN 16u
#define KS_SEG_TRAILER_LEN 32u
#define KS_SEG_BLOCK_HDR 20u
#define KS_SEG_CODEC_RAW 0u
#define KS_SEG_CODEC_ZSTD 1u

#define KS_MAN_MAGIC "KSMANIF\0"
#define KS_MAN_END_MAGIC "KSMANEND"
#define KS_MAN_VERSION 1u

/* Extra column ids (after the event fields). */
#define KS_SEG_COLID_SOURCE_ID 0x8000u
#define KS_SEG_COLID_OFFSET 0x8001u
#define KS_SEG_COLID_BAG_KEYS 0x8002u
#define KS_SEG_COLID_BAG_VALS 0x8003u

/* Column payload types (on disk: never renumber). */
enum ks_store_seg_ctype {
    KS_SEG_CT_TS = 1,
    KS_SEG_CT_U8 = 2,
    KS_SEG_CT_U16 = 3,
    KS_SEG_CT_U32 = 4,
    KS_SEG_CT_U64 = 5,
    KS_SEG_CT_ADDR = 6,
    KS_SEG_CT_STR = 7,
    KS_SEG_CT_OFFSET = 8,
    KS_SEG_CT_BAGK = 9,
    KS_SEG_CT_BAGV = 10,
    KS_SEG_CT_STRR = 11,
};

#define KS_SEG_BLOOM_K 7

#endif /* KS_STORE_FORMAT_H */
