/* SPDX-License-Identifier: MIT */
/*
 * report.h - the last stage before the user: events (and later alerts, cases and scope answers)
 * written as a terminal table for people, or JSON lines / CSV for machines. Output is
 * deterministic: the same events give the same bytes.
 */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include <stdio.h>

#include "event/event.h"

enum ks_report_format {
    KS_FMT_TABLE = 0,
    KS_FMT_JSON,
    KS_FMT_CSV,
};

/* Returns the format named s ("table", "json", "csv") or -1. */
int ks_report_format_parse(const char *s);

struct ks_event_writer;

/* Writes events to out (borrowed; not closed). OUT *w: caller finishes with ks_report_events_close(). */
int ks_report_events_open(FILE *out, enum ks_report_format fmt, struct ks_event_writer **w);
int ks_report_events_write(struct ks_event_writer *w, const struct ks_event *ev);
/* Flushes (a table prints its footer) and frees w. Returns KS_EIO when out had a write error. */
int ks_report_events_close(struct ks_event_writer *w);

#endif /* KS_REPORT_H */
