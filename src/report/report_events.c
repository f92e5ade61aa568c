/* SPDX-License-Identifier: MIT */
/*
 * report_events.c - event lists (the timeline) as a terminal table, JSON lines with ECS names, or
 * CSV with one column per normalized field plus the source record's other fields as JSON.
 */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

struct ks_event_writer {
    FILE *out;
    enum ks_report_format fmt;
    struct ks_buf line;
    uint64_t rows;
};

#define LINE_MAX_BYTES (64u << 20)

int ks_report_format_parse(const char *s)
{
    if (!strcmp(s, "table"))
        return KS_FMT_TABLE;
    if (!strcmp(s, "json"))
        return KS_FMT_JSON;
    if (!strcmp(s, "csv"))
        return KS_FMT_CSV;
    return -1;
}

int ks_report_events_open(FILE *out, enum ks_report_format fmt, struct ks_event_writer **w)
{
    *w = NULL;
    struct ks_event_writer *x = calloc(1, sizeof *x);
    if (!x)
        return KS_ENOMEM;
    x->out = out;
    x->fmt = fmt;
    ks_buf_init(&x->line, LINE_MAX_BYTES);
    *w = x;
    return 0;
}

/* Appends one field's value as text (no quoting). */
static int field_text(struct ks_buf *b, const struct ks_event *ev, const struct ks_field_info *f)
{
    const char *base = (const char *)ev + f->offset;
    char tmp[64];
    switch (f->type) {
    case KS_FT_TS: {
        size_t n = ks_time_format(*(const int64_t *)base, tmp, sizeof tmp);
        return ks_buf_append(b, tmp, n);
    }
    case KS_FT_U8:
        if (f == &ks_event_fields[KS_F_kind])
            return ks_buf_printf(b, "%s", ks_event_kind_name(ev->kind));
        if (f == &ks_event_fields[KS_F_outcome])
            return ks_buf_printf(b, "%s", ks_outcome_name(ev->outcome));
        return *(const uint8_t *)base ? ks_buf_printf(b, "%u", *(const uint8_t *)base) : 0;
    case KS_FT_U16:
        return *(const uint16_t *)base ? ks_buf_printf(b, "%u", *(const uint16_t *)base) : 0;
    case KS_FT_U32:
        return *(const uint32_t *)base ? ks_buf_printf(b, "%u", *(const uint32_t *)base) : 0;
    case KS_FT_U64: {
        uint64_t v;
        memcpy(&v, base, sizeof v);
        return v ? ks_buf_printf(b, "%llu", (unsigned long long)v) : 0;
    }
    case KS_FT_ADDR: {
        const struct ks_addr *a = (const struct ks_addr *)base;
        if (!ks_addr_is_set(a))
            return 0;
        size_t n = ks_addr_format(a, tmp, sizeof tmp);
        return ks_buf_append(b, tmp, n);
    }
    case KS_FT_STR:
        return ks_buf_append_sv(b, *(const struct ks_sv *)base);
    }
    return KS_EINVAL;
}

static int write_csv(struct ks_event_writer *w, const struct ks_event *ev)
{
    struct ks_buf *b = &w->line;
    struct ks_buf cell;
    int rc = 0;
    ks_buf_init(&cell, LINE_MAX_BYTES);
    if (w->rows == 0) {
        for (size_t i = 0; i < KS_F_COUNT; i++)
            if ((rc = ks_buf_printf(b, "%s,", ks_event_fields[i].name)) < 0)
                goto out;
        if ((rc = ks_buf_append(b, "fields\n", 7)) < 0)
            goto out;
    }
    for (size_t i = 0; i < KS_F_COUNT; i++) {
        ks_buf_reset(&cell);
        if ((rc = field_text(&cell, ev, &ks_event_fields[i])) < 0 ||
            (rc = ks_buf_csv_field(b, cell.p ? cell.p : "", cell.len)) < 0 ||
            (rc = ks_buf_putc(b, ',')) < 0)
            goto out;
    }
    ks_buf_reset(&cell);
    if (ev->nbag) {
        if ((rc = ks_buf_putc(&cell, '{')) < 0)
            goto out;
        for (uint32_t i = 0; i < ev->nbag; i++) {
            if ((i && (rc = ks_buf_putc(&cell, ',')) < 0) || (rc = ks_buf_putc(&cell, '"')) < 0 ||
                (rc = ks_buf_json_escape(&cell, ev->bag[i].key.p, ev->bag[i].key.n)) < 0 ||
                (rc = ks_buf_append(&cell, "\":\"", 3)) < 0 ||
                (rc = ks_buf_json_escape(&cell, ev->bag[i].val.p, ev->bag[i].val.n)) < 0 ||
                (rc = ks_buf_putc(&cell, '"')) < 0)
                goto out;
        }
        if ((rc = ks_buf_putc(&cell, '}')) < 0)
            goto out;
    }
    if ((rc = ks_buf_csv_field(b, cell.p ? cell.p : "", cell.len)) < 0)
        goto out;
    rc = ks_buf_putc(b, '\n');
out:
    ks_buf_free(&cell);
    return rc;
}

/* Appends an address with an optional port: "10.0.0.1:443", "[2001:db8::1]:443". */
static int addr_port(struct ks_buf *b, const struct ks_addr *a, uint16_t port)
{
    char tmp[KS_ADDR_STRLEN];
    if (!ks_addr_is_set(a))
        return 0;
    size_t n = ks_addr_format(a, tmp, sizeof tmp);
    if (!port)
        return ks_buf_append(b, tmp, n);
    if (a->family == 6)
        return ks_buf_printf(b, "[%.*s]:%u", (int)n, tmp, port);
    return ks_buf_printf(b, "%.*s:%u", (int)n, tmp, port);
}

/* Pads b from column start to width with spaces (one space minimum), truncating long cells. */
static int pad(struct ks_buf *b, size_t start, size_t width)
{
    size_t used = b->len - start;
    if (used >= width) {
        b->len = start + width - 1;
        b->p[b->len] = 0;
        return ks_buf_putc(b, ' ');
    }
    while (used++ < width)
        if (ks_buf_putc(b, ' ') < 0)
            return KS_ETOOBIG;
    return 0;
}

static int write_table(struct ks_event_writer *w, const struct ks_event *ev)
{
    struct ks_buf *b = &w->line;
    char tmp[KS_TIME_STRLEN];
    int rc;
    size_t s;
    if (w->rows == 0 &&
        (rc = ks_buf_printf(b, "%-27s %-8s %-7s %-22s %-23s %-23s %-16s %s\n", "TIME", "KIND",
                            "OUTCOME", "OBSERVER", "SOURCE", "DESTINATION", "USER",
                            "DETAIL")) < 0)
        return rc;
    size_t n = ks_time_format(ev->ts, tmp, sizeof tmp);
    if ((rc = ks_buf_printf(b, "%-27.*s %-8s %-7s ", (int)n, tmp, ks_event_kind_name(ev->kind),
                            ev->outcome ? ks_outcome_name(ev->outcome) : "-")) < 0)
        return rc;
    s = b->len;
    if ((rc = ks_buf_append_sv(b, ev->observer)) < 0 || (rc = pad(b, s, 23)) < 0)
        return rc;
    s = b->len;
    if ((rc = addr_port(b, &ev->src, ev->src_port)) < 0 ||
        (!ks_addr_is_set(&ev->src) && (rc = ks_buf_append_sv(b, ev->src_host)) < 0) ||
        (rc = pad(b, s, 24)) < 0)
        return rc;
    s = b->len;
    if ((rc = addr_port(b, &ev->dst, ev->dst_port)) < 0 ||
        (!ks_addr_is_set(&ev->dst) && (rc = ks_buf_append_sv(b, ev->dst_host)) < 0) ||
        (rc = pad(b, s, 24)) < 0)
        return rc;
    s = b->len;
    if ((rc = ks_buf_append_sv(b, ev->user)) < 0 || (rc = pad(b, s, 17)) < 0)
        return rc;
    /* DETAIL: what a person scans for: code, action, service, object, bytes. */
    if (ev->code && (rc = ks_buf_printf(b, "%u ", ev->code)) < 0)
        return rc;
    if (ev->action.n && (rc = ks_buf_printf(b, "%.*s ", (int)ev->action.n, ev->action.p)) < 0)
        return rc;
    if (ev->logon_type && (rc = ks_buf_printf(b, "type %u ", ev->logon_type)) < 0)
        return rc;
    if (ev->src_host.n && ks_addr_is_set(&ev->src) &&
        (rc = ks_buf_printf(b, "from %.*s ", (int)ev->src_host.n, ev->src_host.p)) < 0)
        return rc;
    if (ev->service.n && (rc = ks_buf_printf(b, "%.*s ", (int)ev->service.n, ev->service.p)) < 0)
        return rc;
    if (ev->object.n &&
        (rc = ks_buf_printf(b, "%.*s ", (int)KS_MIN(ev->object.n, 120), ev->object.p)) < 0)
        return rc;
    if ((ev->bytes_out || ev->bytes_in) &&
        (rc = ks_buf_printf(b, "%llu/%llu bytes", (unsigned long long)ev->bytes_out,
                            (unsigned long long)ev->bytes_in)) < 0)
        return rc;
    while (b->len && b->p[b->len - 1] == ' ')
        b->len--;
    return ks_buf_putc(b, '\n');
}

int ks_report_events_write(struct ks_event_writer *w, const struct ks_event *ev)
{
    int rc;
    ks_buf_reset(&w->line);
    switch (w->fmt) {
    case KS_FMT_JSON:
        rc = ks_event_to_json(ev, &w->line);
        if (rc == 0)
            rc = ks_buf_putc(&w->line, '\n');
        break;
    case KS_FMT_CSV:
        rc = write_csv(w, ev);
        break;
    default:
        rc = write_table(w, ev);
        break;
    }
    if (rc < 0)
        return rc;
    w->rows++;
    if (fwrite(w->line.p, 1, w->line.len, w->out) != w->line.len)
        return KS_EIO;
    return 0;
}

int ks_report_events_close(struct ks_event_writer *w)
{
    if (!w)
        return 0;
    int rc = 0;
    if (w->fmt == KS_FMT_TABLE && w->rows == 0)
        fputs("(no events)\n", w->out);
    if (fflush(w->out) != 0 || ferror(w->out))
        rc = KS_EIO;
    ks_buf_free(&w->line);
    free(w);
    return rc;
}
