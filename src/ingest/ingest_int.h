/* SPDX-License-Identifier: MIT */
/*
 * ingest_int.h - private to src/ingest: the parser tables the registry lists, and the small
 * framing helpers every line-oriented parser shares (one line per call, the INCOMPLETE protocol,
 * a fast UTF-8 check). Nothing outside src/ingest includes this header.
 */
#ifndef KS_INGEST_INT_H
#define KS_INGEST_INT_H

#include "ingest/ingest.h"

/* Parser tables, one per format (ingest_<format>.c). */
extern const struct ks_parser_ops ks_parser_zeek;
extern const struct ks_parser_ops ks_parser_zeek_json;
extern const struct ks_parser_ops ks_parser_winjson;
extern const struct ks_parser_ops ks_parser_syslog;
extern const struct ks_parser_ops ks_parser_pcap;
extern const struct ks_parser_ops ks_parser_evtx;
extern const struct ks_parser_ops ks_parser_apache;
extern const struct ks_parser_ops ks_parser_iis;
extern const struct ks_parser_ops ks_parser_weblog_json;
extern const struct ks_parser_ops ks_parser_openvpn;
extern const struct ks_parser_ops ks_parser_nfdump;
extern const struct ks_parser_ops ks_parser_journald;

/* Frames one line at the start of buf[0..len). Returns KS_PARSE_EVENT with OUT *line (without
 * its '\n' and a trailing '\r') and OUT *consumed (the line and its '\n'); KS_PARSE_INCOMPLETE
 * (consumed 0) when buf has no '\n' and !ctx->eof; at eof a last line without '\n' is returned
 * whole; KS_PARSE_END when len == 0 at eof. */
int ks_ingest_take_line(const struct ks_parse_ctx *ctx, const char *buf, size_t len,
                        struct ks_sv *line, size_t *consumed);

/* True when p[0..n) is valid UTF-8; pure ASCII is checked 8 bytes at a time. */
bool ks_ingest_utf8_ok(const char *p, size_t n);

/* Sets ctx->err (printf-style, truncated to fit) and returns KS_PARSE_MALFORMED. */
int ks_ingest_bad(struct ks_parse_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Finds the first line of head[0..n) (or all of it when it has no '\n'), after a UTF-8 BOM and
 * leading blank lines; for probes. */
struct ks_sv ks_ingest_first_line(const char *head, size_t n);

/* True when needle occurs in hay (probes). */
bool ks_ingest_sv_contains(struct ks_sv hay, const char *needle);

/* ---------------------------------------------------------------- Windows event mapping */

/* The EventID -> normalized event mapping shared by the Windows parsers (winjson, evtx), in
 * ingest_winmap.c. A parser looks each field name up once (ks_ingest_winmap_role), remembers the
 * value by role in m->val[], then calls ks_ingest_winmap_apply(). Roles before
 * KS_WR_FIRST_DATA are record metadata (System), the rest EventData/UserData names. */
enum ks_win_role {
    KS_WR_NONE = 0,
    KS_WR_EVENTID,
    KS_WR_EVENTCODE, /* ECS event.code, used when winlog.event_id is absent */
    KS_WR_CHANNEL,
    KS_WR_COMPUTER,
    KS_WR_HOSTNAME, /* ECS host.name, used when winlog.computer_name is absent */
    KS_WR_TS_CREATED,
    KS_WR_TS_AT,
    KS_WR_TS_EVENTTIME,
    /* EventData */
    KS_WR_TS_UTC,
    KS_WR_TARGET_USER,
    KS_WR_SUBJECT_USER,
    KS_WR_SUBJECT_LOGONID,
    KS_WR_TARGET_LOGONID,
    KS_WR_LOGONID,
    KS_WR_LOGON_TYPE,
    KS_WR_IP_ADDRESS,
    KS_WR_IP_PORT,
    KS_WR_WORKSTATION,
    KS_WR_TARGET_SERVER,
    KS_WR_COMMAND_LINE,
    KS_WR_NEW_PROCESS,
    KS_WR_SERVICE_NAME,
    KS_WR_SHARE_NAME,
    KS_WR_RELATIVE_TARGET,
    KS_WR_IMAGE_PATH,
    KS_WR_SERVICE_FILE,
    KS_WR_ACCOUNT_NAME,
    KS_WR_USER,
    KS_WR_SOURCE_IP,
    KS_WR_SOURCE_PORT,
    KS_WR_DEST_IP,
    KS_WR_DEST_PORT,
    KS_WR_PROTOCOL,
    KS_WR_SOURCE_HOST,
    KS_WR_DEST_HOST,
    KS_WR_IMAGE,
    KS_WR_STATUS,
    /* added with the EVTX parser (issue 5) */
    KS_WR_WORKSTATION2,  /* 4776 Workstation */
    KS_WR_PARAM1,        /* System 7036/7040 param1, RCM 1149 Param1 */
    KS_WR_PARAM2,
    KS_WR_PARAM3,        /* RCM 1149: source address */
    KS_WR_TARGET_FILENAME,
    KS_WR_TARGET_OBJECT,
    KS_WR_TARGET_IMAGE,
    KS_WR_SOURCE_IMAGE,
    KS_WR_IMAGE_LOADED,
    KS_WR_PIPE_NAME,
    KS_WR_QUERY_NAME,
    KS_WR_SCRIPT_BLOCK,
    KS_WR_PAYLOAD,
    KS_WR_ADDRESS,       /* LocalSessionManager */
    KS_WR_SESSION_ID,
    KS_WR_VALUE,         /* RDP client 1024/1102 */
    KS_WR_CONNECTION,    /* WinRM 6 */
    KS_WR_RESOURCE_URI,  /* WinRM 91 */
    KS_WR_TASK_NAME,
    KS_WR_USER_CONTEXT,
    KS_WR_ACTION_NAME,
    KS_WR_MEMBER_NAME,
    KS_WR_OBJECT_NAME,
    KS_WR_APPLICATION,
    KS_WR_SOURCE_ADDRESS,
    KS_WR_DEST_ADDRESS,
    KS_WR_COUNT
};

#define KS_WR_FIRST_DATA KS_WR_TS_UTC
#define KS_WINMAP_HASH 512u
#define KS_WINMAP_MAX_DATASET 128u

struct ks_winmap {
    uint8_t slot[KS_WINMAP_HASH]; /* index + 1 into the key table, 0 = empty */
    struct ks_sv val[KS_WR_COUNT]; /* this record's value per role (reset per record) */
    struct ks_buf object;          /* composed objects (5145 share + path) */
    char dataset[KS_WINMAP_MAX_DATASET];
};

void ks_ingest_winmap_init(struct ks_winmap *m);
void ks_ingest_winmap_free(struct ks_winmap *m);
/* The role of field name k, or KS_WR_NONE. */
unsigned ks_ingest_winmap_role(const struct ks_winmap *m, struct ks_sv k);
/* Fills ev's kind, code, observer, dst_host, dataset and the per-EventID fields from m->val[]
 * (the record's EventID id, channel and computer given); other fields of ev are left as they
 * are. String views point into the values or into m and stay valid while they do. */
void ks_ingest_winmap_apply(struct ks_winmap *m, uint32_t id, struct ks_sv channel,
                            struct ks_sv computer, struct ks_event *ev);

#endif /* KS_INGEST_INT_H */
