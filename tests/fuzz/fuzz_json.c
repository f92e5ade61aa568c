/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c - libFuzzer target for the JSON-lines reader (core_json.c). Besides memory safety it
 * checks that every field points into the input or the scratch space, and that re-encoding an
 * accepted document's fields yields a document that parses to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static bool inside(struct ks_sv s, const char *lo, size_t n)
{
    return s.n == 0 || (s.p >= lo && s.p + s.n <= lo + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ks_json_doc d1, d2;
    static bool init;
    if (!init) {
        ks_json_doc_init(&d1, 1 << 16);
        ks_json_doc_init(&d2, 1 << 16);
        init = true;
    }
    const char *p = (const char *)data;
    if (ks_json_parse(&d1, p, size) != 0) {
        if (!d1.err || d1.err_off > size || d1.n != 0)
            abort();
        return 0;
    }
    struct ks_buf b;
    ks_buf_init(&b, 1 << 22);
    ks_buf_putc(&b, '{');
    for (uint32_t i = 0; i < d1.n; i++) {
        const struct ks_json_field *f = &d1.f[i];
        if (!(inside(f->key, p, size) || inside(f->key, d1.scratch.p, d1.scratch.len)))
            abort();
        if (!(inside(f->val, p, size) || inside(f->val, d1.scratch.p, d1.scratch.len)))
            abort();
        if (f->type == KS_JSON_NUMBER) {
            double v;
            if (ks_parse_double(f->val.p, f->val.n, &v) != 0 && f->val.n < 500)
                abort();
        }
        if (i)
            ks_buf_putc(&b, ',');
        ks_buf_putc(&b, '"');
        ks_buf_json_escape(&b, f->key.p, f->key.n);
        ks_buf_append(&b, "\":", 2);
        if (f->type == KS_JSON_STRING) {
            ks_buf_putc(&b, '"');
            ks_buf_json_escape(&b, f->val.p, f->val.n);
            ks_buf_putc(&b, '"');
        } else {
            ks_buf_append_sv(&b, f->val);
        }
    }
    ks_buf_putc(&b, '}');
    /* Keys are flat now, so dotted keys do not need scratch; escapes may. */
    int rc = ks_json_parse(&d2, b.p, b.len);
    if (rc == 0) {
        if (d2.n != d1.n)
            abort();
        for (uint32_t i = 0; i < d1.n; i++) {
            if (d1.f[i].type != d2.f[i].type)
                abort();
            /* Invalid UTF-8 is replaced by U+FFFD on output, so compare only valid strings. */
            if (ks_utf8_valid(d1.f[i].val.p, d1.f[i].val.n) && !ks_sv_eq(d1.f[i].val, d2.f[i].val))
                abort();
            if (ks_utf8_valid(d1.f[i].key.p, d1.f[i].key.n) && !ks_sv_eq(d1.f[i].key, d2.f[i].key))
                abort();
        }
    } else if (rc != KS_ETOOBIG) {
        abort();
    }
    ks_buf_free(&b);
    if (!ks_json_get_ci(&d1, "EventID"))
        (void)ks_json_get(&d1, "a.b");
    return 0;
}
