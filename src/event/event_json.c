/* SPDX-License-Identifier: MIT */
/*
 * event_json.c - renders a normalized event as one flat JSON object with ECS dotted names, the
 * form used by JSON-lines output and by tests that compare events. Zero/empty fields are left
 * out, except @timestamp and event.category; the bag follows under "konseki.fields".
 */
#include <string.h>

#include "event/event.h"

static int put_key(struct ks_buf *b, const char *key, bool *first)
{
    int rc;
    if (!*first && (rc = ks_buf_putc(b, ',')))
        return rc;
    *first = false;
    if ((rc = ks_buf_putc(b, '"')) || (rc = ks_buf_json_escape(b, key, strlen(key))))
        return rc;
    return ks_buf_append(b, "\":", 2);
}

static int put_str(struct ks_buf *b, const char *s, size_t n)
{
    int rc;
    if ((rc = ks_buf_putc(b, '"')) || (rc = ks_buf_json_escape(b, s, n)))
        return rc;
    return ks_buf_putc(b, '"');
}

static int put_u64(struct ks_buf *b, uint64_t v)
{
    char tmp[20];
    size_t o = sizeof tmp;
    do {
        tmp[--o] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return ks_buf_append(b, tmp + o, sizeof tmp - o);
}

int ks_event_to_json(const struct ks_event *ev, struct ks_buf *b)
{
    bool first = true;
    int rc = ks_buf_putc(b, '{');
    for (int f = 0; f < KS_F_COUNT && rc == 0; f++) {
        const struct ks_field_info *fi = &ks_event_fields[f];
        const void *v = (const char *)ev + fi->offset;
        uint64_t num = 0;
        switch (fi->type) {
        case KS_FT_TS: {
            char ts[KS_TIME_STRLEN];
            size_t n = ks_time_format(*(const int64_t *)v, ts, sizeof ts);
            if (!(rc = put_key(b, fi->ecs, &first)))
                rc = put_str(b, ts, n);
            continue;
        }
        case KS_FT_ADDR: {
            const struct ks_addr *a = v;
            if (!ks_addr_is_set(a))
                continue;
            char s[KS_ADDR_STRLEN];
            size_t n = ks_addr_format(a, s, sizeof s);
            if (!(rc = put_key(b, fi->ecs, &first)))
                rc = put_str(b, s, n);
            continue;
        }
        case KS_FT_STR: {
            const struct ks_sv *s = v;
            if (s->n == 0)
                continue;
            if (!(rc = put_key(b, fi->ecs, &first)))
                rc = put_str(b, s->p, s->n);
            continue;
        }
        case KS_FT_U8: num = *(const uint8_t *)v; break;
        case KS_FT_U16: num = *(const uint16_t *)v; break;
        case KS_FT_U32: num = *(const uint32_t *)v; break;
        case KS_FT_U64: num = *(const uint64_t *)v; break;
        }
        if (f == KS_F_kind) {
            const char *name = ks_event_kind_name((unsigned)num);
            if (!(rc = put_key(b, fi->ecs, &first)))
                rc = put_str(b, name, strlen(name));
        } else if (num == 0) {
            continue;
        } else if (f == KS_F_outcome) {
            const char *name = ks_outcome_name((unsigned)num);
            if (!(rc = put_key(b, fi->ecs, &first)))
                rc = put_str(b, name, strlen(name));
        } else if (!(rc = put_key(b, fi->ecs, &first))) {
            rc = put_u64(b, num);
        }
    }
    if (rc == 0 && ev->nbag > 0) {
        rc = put_key(b, "konseki.fields", &first);
        if (rc == 0)
            rc = ks_buf_putc(b, '{');
        for (uint32_t i = 0; i < ev->nbag && rc == 0; i++) {
            if (i > 0 && (rc = ks_buf_putc(b, ',')))
                break;
            const struct ks_kv *kv = &ev->bag[i];
            if ((rc = put_str(b, kv->key.p, kv->key.n)) || (rc = ks_buf_putc(b, ':')))
                break;
            rc = put_str(b, kv->val.p, kv->val.n);
        }
        if (rc == 0)
            rc = ks_buf_putc(b, '}');
    }
    if (rc == 0)
        rc = ks_buf_putc(b, '}');
    return rc;
}
