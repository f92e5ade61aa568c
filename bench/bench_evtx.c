/* SPDX-License-Identifier: MIT */
/*
 * bench_evtx.c - measures the "evtx" parser (ingest_evtx.c over libevtx) alone, on one core:
 * reads the EVTX files named one per line on stdin (names may hold spaces) into memory, parses
 * them all R times with ks_ingest_parse_buffer() and prints records/s by process CPU time and
 * by wall time. --libevtx-only does just libevtx's part of the same work (per chunk: open the
 * header + chunk image, render every record's XML) without konseki's scanning and mapping, so
 * the two runs split the cost between the library and konseki.
 *
 * usage: find DIR -name '*.evtx' | bench_evtx [--rounds R] [--libevtx-only]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libbfio.h>
#include <libevtx.h>

#include "ingest/ingest.h"

struct file {
    char *buf;
    size_t len;
};

static int count_sink(void *arg, const struct ks_event *ev)
{
    (void)ev;
    (*(uint64_t *)arg)++;
    return 0;
}

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            char *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                fclose(f);
                return NULL;
            }
            b = nb;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return b;
}

/* libevtx alone: per chunk, open header + chunk in memory and render every record's XML. */
static uint64_t libevtx_only(const struct file *f, uint8_t *img, char **xml, size_t *xcap)
{
    uint64_t n = 0;
    libbfio_handle_t *h = NULL;
    libevtx_file_t *ef = NULL;
    if (f->len < 4096 || libbfio_memory_range_initialize(&h, NULL) != 1 ||
        libevtx_file_initialize(&ef, NULL) != 1)
        goto out;
    memcpy(img, f->buf, 4096);
    for (size_t off = 4096; off + 65536 <= f->len; off += 65536) {
        int nr = 0;
        memcpy(img + 4096, f->buf + off, 65536);
        if (libbfio_memory_range_set(h, img, 4096 + 65536, NULL) != 1 ||
            libevtx_file_open_file_io_handle(ef, h, LIBEVTX_OPEN_READ, NULL) != 1)
            continue;
        libevtx_file_get_number_of_records(ef, &nr, NULL);
        for (int i = 0; i < nr; i++) {
            libevtx_record_t *r = NULL;
            size_t sz = 0;
            if (libevtx_file_get_record_by_index(ef, i, &r, NULL) != 1)
                continue;
            if (libevtx_record_get_utf8_xml_string_size(r, &sz, NULL) == 1 && sz) {
                if (sz > *xcap) {
                    char *nx = realloc(*xml, sz);
                    if (nx) {
                        *xml = nx;
                        *xcap = sz;
                    }
                }
                if (sz <= *xcap &&
                    libevtx_record_get_utf8_xml_string(r, (uint8_t *)*xml, sz, NULL) == 1)
                    n++;
            }
            libevtx_record_free(&r, NULL);
        }
        libevtx_file_close(ef, NULL);
    }
out:
    if (ef)
        libevtx_file_free(&ef, NULL);
    if (h)
        libbfio_handle_free(&h, NULL);
    return n;
}

int main(int argc, char **argv)
{
    int rounds = 10;
    int only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--libevtx-only") == 0)
            only = 1;
        else {
            fprintf(stderr, "usage: bench_evtx [--rounds R] [--libevtx-only] < list\n");
            return 2;
        }
    }
    struct file *files = NULL;
    size_t nf = 0, cap = 0, bytes = 0;
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        if (nf == cap) {
            cap = cap ? 2 * cap : 64;
            struct file *nfp = realloc(files, cap * sizeof *files);
            if (!nfp)
                return 1;
            files = nfp;
        }
        files[nf].buf = read_all(line, &files[nf].len);
        if (!files[nf].buf) {
            fprintf(stderr, "bench_evtx: cannot read %s\n", line);
            continue;
        }
        bytes += files[nf].len;
        nf++;
    }
    ks_log_set_quiet(true);
    const struct ks_parser_ops *ops = ks_parser_find("evtx");
    uint8_t *img = malloc(4096 + 65536);
    char *xml = NULL;
    size_t xcap = 0;
    uint64_t events = 0, bad = 0;
    double c0 = now_s(CLOCK_PROCESS_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC);
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < nf; i++) {
            uint64_t b = 0;
            if (only)
                events += libevtx_only(&files[i], img, &xml, &xcap);
            else if (ks_ingest_parse_buffer(ops, "bench", files[i].buf, files[i].len,
                                            count_sink, &events, &b) == 0)
                bad += b;
        }
    }
    double cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = now_s(CLOCK_MONOTONIC) - w0;
    printf("%s: %zu files (%.1f MB) x %d rounds: %llu records, %llu malformed, "
           "%.2f s CPU, %.2f s wall: %.0f records/s CPU, %.0f records/s wall\n",
           only ? "libevtx-only" : "konseki evtx", nf, (double)bytes / 1e6, rounds,
           (unsigned long long)events, (unsigned long long)bad, cpu, wall,
           (double)events / cpu, (double)events / wall);
    for (size_t i = 0; i < nf; i++)
        free(files[i].buf);
    free(files);
    free(img);
    free(xml);
    return 0;
}
