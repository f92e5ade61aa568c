/* SPDX-License-Identifier: MIT */
/*
 * ingest_syslog_int.h - private to src/ingest: the split between syslog framing
 * (ingest_syslog.c: RFC 5424, RFC 3164 with or without <PRI>, Cisco sequence/timestamp/%MNEMONIC
 * prefixes) and the device message classifiers (ingest_devmsg.c: Cisco IOS/NX-OS/ASA, Juniper,
 * FortiGate, Linux sshd/sudo/su). The framer turns a line into a struct ks_syslog_msg; the
 * classifier turns that into a normalized event. Also the framer's test/option hooks.
 */
#ifndef KS_INGEST_SYSLOG_INT_H
#define KS_INGEST_SYSLOG_INT_H

#include "ingest/ingest.h"

/* One syslog record after framing. Views point into the line (or the framer's scratch). */
struct ks_syslog_msg {
    struct ks_sv host;    /* HOSTNAME: the reporting device (observer); empty when absent */
    struct ks_sv program; /* TAG / APP-NAME; for Cisco %FAC-SEV-MNEM the facility ("ASA", "SYS") */
    struct ks_sv pid;     /* PROCID / "[pid]" */
    struct ks_sv msgid;   /* 5424 MSGID, or Cisco "FAC-SEV-MNEMONIC" ("ASA-6-605005") */
    struct ks_sv message; /* the free text after the header (and after a Cisco %...: prefix) */
    int facility;         /* 0..23, or -1 without <PRI> */
    int severity;         /* 0..7 (from <PRI> or the Cisco mnemonic), or -1 */
    bool cisco;           /* msgid is a Cisco mnemonic */
    const struct ks_kv *sd; /* 5424 structured data as "sd.ID.PARAM" = value */
    uint32_t nsd;
};

/* Where the classifier writes what it finds besides event fields. */
struct ks_devmsg_out {
    struct ks_kv *bag; /* appended at bag[nbag]; at most cap entries */
    uint32_t nbag;
    uint32_t cap;
    char *scratch;     /* built strings (FortiGate object path); at most scratch_cap bytes */
    size_t scratch_len;
    size_t scratch_cap;
};

/* Classifies m: sets ev->kind, outcome, user, src/dst (+ ports, src_host), action, object,
 * service and dataset, and appends extracted fields to out->bag. Never fails: a message no
 * rule understands becomes KS_KIND_SYSLOG (object = message, service = program). ev's other
 * fields (ts, observer) are left as they are. */
void ks_ingest_devmsg_classify(const struct ks_syslog_msg *m, struct ks_event *ev,
                               struct ks_devmsg_out *out);

/* The classifier table, for tests: every rule with the real line it was written from. */
struct ks_devmsg_example {
    const char *rule;    /* "cisco SEC_LOGIN-5-LOGIN_SUCCESS" */
    const char *line;    /* a whole syslog line the rule matches */
    uint8_t kind;        /* the kind that line must map to */
};
const struct ks_devmsg_example *ks_ingest_devmsg_examples(size_t *n);

/* Options of the "syslog" parser, process-wide, read when an input is opened (create()).
 * Zero-initialized means the defaults. */
struct ks_syslog_opts {
    int64_t reference_ns; /* RFC 3164 year inference reference; 0: newest full timestamp in the
                             input so far, else the current time */
    int year;             /* > 0: every RFC 3164 timestamp gets this year (no inference) */
    bool tz_set;          /* tz_offset_s is meaningful (else KS_SYSLOG_TZ, else UTC) */
    int32_t tz_offset_s;  /* zone of RFC 3164 timestamps, seconds east of UTC ("+09:00" = 32400) */
};
/* Sets the options (NULL: back to the defaults). Not thread-safe; for tests and embedders. */
void ks_ingest_syslog_configure(const struct ks_syslog_opts *o);
/* Parses "+09:00", "-0530", "Z", "UTC" into seconds east of UTC. */
int ks_ingest_syslog_parse_tz(const char *p, size_t n, int32_t *off_s);

#endif /* KS_INGEST_SYSLOG_INT_H */
