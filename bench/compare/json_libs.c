/* SPDX-License-Identifier: MIT */
/*
 * json_libs.c - why konseki reads JSON with its own reader: parses every line of a JSON-lines
 * file with ks_json_parse(), jansson and json-c, N passes each, and prints lines per CPU-second.
 * Each parser must also visit every field (the ingest needs every field for the bag).
 * Built and run by bench/json-libs.sh (needs libjansson-dev and libjson-c-dev).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t walk_jansson(json_t *o)
{
    size_t n = 0;
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
        json_t *v = json_object_iter_value(it);
        n += json_is_object(v) ? walk_jansson(v) : 1;
    }
    return n;
}

/* In json_c_walk.c: json-c and jansson headers cannot share a translation unit. */
void *ks_bench_jsonc_new(void);
void ks_bench_jsonc_free(void *tok);
size_t ks_bench_jsonc_parse(void *tok, const char *s, size_t n);

int main(int argc, char **argv)
{
    uint64_t passes;
    if (argc != 3 || ks_parse_u64(argv[2], strlen(argv[2]), &passes) != 0) {
        fprintf(stderr, "usage: json_libs FILE.json PASSES\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(len + 1);
    if (!buf || fread(buf, 1, len, f) != len)
        return 1;
    fclose(f);
    buf[len] = 0;

    for (int which = 0; which < 3; which++) {
        struct ks_json_doc doc;
        void *tok = ks_bench_jsonc_new();
        ks_json_doc_init(&doc, 1 << 20);
        size_t lines = 0, fields = 0;
        double t0 = cpu();
        for (uint64_t p = 0; p < passes; p++) {
            for (char *s = buf, *e; s < buf + len; s = e + 1) {
                e = memchr(s, '\n', (size_t)(buf + len - s));
                if (!e)
                    e = buf + len;
                if (e == s)
                    continue;
                lines++;
                if (which == 0) {
                    if (ks_json_parse(&doc, s, (size_t)(e - s)) == 0)
                        fields += doc.n;
                } else if (which == 1) {
                    json_t *o = json_loadb(s, (size_t)(e - s), 0, NULL);
                    if (o)
                        fields += walk_jansson(o);
                    json_decref(o);
                } else {
                    fields += ks_bench_jsonc_parse(tok, s, (size_t)(e - s));
                }
            }
        }
        double dt = cpu() - t0;
        printf("%-10s %8zu lines %10zu fields %7.3f cpu-s %10.0f lines/cpu-s %7.1f MB/cpu-s\n",
               which == 0 ? "konseki" : which == 1 ? "jansson" : "json-c", lines, fields, dt,
               (double)lines / dt, (double)len * (double)passes / dt / 1e6);
        ks_json_doc_free(&doc);
        ks_bench_jsonc_free(tok);
    }
    free(buf);
    return 0;
}
