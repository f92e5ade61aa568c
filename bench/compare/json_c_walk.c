/* SPDX-License-Identifier: MIT */
/* json_c_walk.c - the json-c side of bench/compare/json_libs.c: parse one line, visit every field. */
#include <json-c/json.h>
#include <stddef.h>

void *ks_bench_jsonc_new(void);
void ks_bench_jsonc_free(void *tok);
size_t ks_bench_jsonc_parse(void *tok, const char *s, size_t n);

static size_t walk(struct json_object *o)
{
    size_t n = 0;
    json_object_object_foreach(o, k, v)
    {
        (void)k;
        n += json_object_is_type(v, json_type_object) ? walk(v) : 1;
    }
    return n;
}

void *ks_bench_jsonc_new(void)
{
    return json_tokener_new();
}

void ks_bench_jsonc_free(void *tok)
{
    json_tokener_free(tok);
}

size_t ks_bench_jsonc_parse(void *tok, const char *s, size_t n)
{
    json_tokener_reset(tok);
    struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
    size_t fields = o ? walk(o) : 0;
    json_object_put(o);
    return fields;
}
