/* SPDX-License-Identifier: MIT */
/*
 * event.h - the normalized event every parser produces and every later stage consumes
 * (DESIGN.md section 3). Fields are declared once in event_fields.def.
 *
 * Strings in an event are borrowed views (struct ks_sv). Whoever fills an event states how long
 * its strings stay valid (a parser: until its next call). Stages that keep events copy them:
 * ks_event_clone() makes one self-contained heap block; the store interns each string into its
 * segment's dictionaries, so every distinct string is kept once per segment.
 */
#ifndef KS_EVENT_H
#define KS_EVENT_H

#include "core/core.h"

enum ks_event_kind {
#define KS_EVENT_KIND(name, str) KS_KIND_##name,
#include "event/event_kinds.def"
#undef KS_EVENT_KIND
    KS_KIND_COUNT
};

enum ks_outcome {
    KS_OUTCOME_UNKNOWN = 0,
    KS_OUTCOME_SUCCESS = 1,
    KS_OUTCOME_FAILURE = 2,
};

/* Field types used in event_fields.def. */
enum ks_field_type {
    KS_FT_TS,
    KS_FT_U8,
    KS_FT_U16,
    KS_FT_U32,
    KS_FT_U64,
    KS_FT_ADDR,
    KS_FT_STR,
};

#define KS_CTYPE_TS int64_t
#define KS_CTYPE_U8 uint8_t
#define KS_CTYPE_U16 uint16_t
#define KS_CTYPE_U32 uint32_t
#define KS_CTYPE_U64 uint64_t
#define KS_CTYPE_ADDR struct ks_addr
#define KS_CTYPE_STR struct ks_sv

enum ks_field_id {
#define KS_EVENT_FIELD(name, type, ecs) KS_F_##name,
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    KS_F_COUNT
};

/* One key/value of the source record that has no normalized field (original names kept, so
 * Sigma rules can use them). */
struct ks_kv {
    struct ks_sv key;
    struct ks_sv val;
};

#define KS_EVENT_MAX_BAG 256

struct ks_event {
#define KS_EVENT_FIELD(name, type, ecs) KS_CTYPE_##type name;
#include "event/event_fields.def"
#undef KS_EVENT_FIELD
    /* Where the record came from: the ingest's source id and the record's byte offset in the
     * (decompressed) source. Together they identify a record for evidence and de-duplication. */
    uint32_t source_id;
    uint64_t offset;
    uint32_t nbag;
    struct ks_kv *bag; /* borrowed, like the strings */
};

struct ks_field_info {
    const char *name;     /* "src_port" */
    const char *ecs;      /* "source.port" */
    enum ks_field_type type;
    size_t offset;        /* offsetof(struct ks_event, name) */
};

/* The table of all fields, in event_fields.def order (index = enum ks_field_id). */
extern const struct ks_field_info ks_event_fields[KS_F_COUNT];

const char *ks_event_kind_name(unsigned kind);     /* "flow"; "?" when out of range */
int ks_event_kind_parse(struct ks_sv name);        /* returns the kind or -1 */
const char *ks_outcome_name(unsigned outcome);     /* "success", "failure", "unknown" */
/* Returns the field id whose name or ECS name is s, or -1. */
int ks_event_field_find(struct ks_sv s);

/* Resets every field to zero/empty. */
void ks_event_clear(struct ks_event *ev);
/* Returns the bag value for key (exact match) or a NULL view. */
struct ks_sv ks_event_bag_get(const struct ks_event *ev, const char *key);

/* Copies ev and every string it points to into one heap block. Returns NULL when out of memory.
 * Caller frees with free(). */
struct ks_event *ks_event_clone(const struct ks_event *ev);
/* Bytes ks_event_clone() would allocate for ev. */
size_t ks_event_clone_size(const struct ks_event *ev);

/* Resume state per input identity, so that ingesting the same input twice adds nothing.
 * For each identity the store keeps the watermark (every record below it is stored) and the
 * offsets above it that are stored too (bounded by the reorder window). */
struct ks_resume_entry {
    uint64_t identity;
    uint32_t identity_len;
    uint64_t watermark;
    uint32_t nabove;
    uint64_t *above; /* sorted */
};

/* Appends ev as one JSON object (ECS names; bag under "konseki.fields") to b, no newline. */
int ks_event_to_json(const struct ks_event *ev, struct ks_buf *b);

#endif /* KS_EVENT_H */
