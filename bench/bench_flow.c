/* SPDX-License-Identifier: MIT */
/*
 * bench_flow.c - NetFlow/IPFIX decoding throughput: builds one capture in memory from a template
 * capture followed by a data capture's packets repeated N times, then times the pcap parser and
 * the flow decoder over it (events go to a counting sink; no store). Prints wall and CPU time.
 *
 *   bench_flow TEMPLATE.pcap|- DATA.pcap REPEAT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/ingest.h"

#define PCAP_HEADER 24

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long len;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < PCAP_HEADER ||
        fseek(f, 0, SEEK_SET) != 0 || !(b = malloc((size_t)len)) ||
        fread(b, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "bench_flow: cannot read %s (or shorter than a pcap header)\n", path);
        exit(1);
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

static int count(void *arg, const struct ks_event *ev)
{
    (void)ev;
    (*(uint64_t *)arg)++;
    return 0;
}

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    uint64_t repeat;
    if (argc != 4 || ks_parse_u64(argv[3], strlen(argv[3]), &repeat) != 0 || repeat == 0) {
        fprintf(stderr, "usage: bench_flow TEMPLATE.pcap|- DATA.pcap REPEAT\n");
        return 2;
    }
    size_t tn = 0, dn;
    char *tmpl = strcmp(argv[1], "-") ? read_all(argv[1], &tn) : NULL;
    char *data = read_all(argv[2], &dn);
    size_t total = PCAP_HEADER + (tn ? tn - PCAP_HEADER : 0) + (dn - PCAP_HEADER) * repeat;
    char *buf = malloc(total);
    if (!buf) {
        fprintf(stderr, "bench_flow: out of memory for %zu bytes\n", total);
        return 1;
    }
    size_t o = PCAP_HEADER;
    memcpy(buf, data, PCAP_HEADER);
    if (tn) {
        memcpy(buf + o, tmpl + PCAP_HEADER, tn - PCAP_HEADER);
        o += tn - PCAP_HEADER;
    }
    for (uint64_t i = 0; i < repeat; i++, o += dn - PCAP_HEADER)
        memcpy(buf + o, data + PCAP_HEADER, dn - PCAP_HEADER);

    uint64_t records = 0, malformed = 0;
    double c0 = cpu_seconds();
    int64_t t0 = ks_time_mono();
    int rc = ks_ingest_parse_buffer(ks_parser_find("pcap"), "bench", buf, total, count, &records,
                                    &malformed);
    double wall = (double)(ks_time_mono() - t0) / 1e9, cpu = cpu_seconds() - c0;
    printf("rc=%d bytes=%zu records=%llu malformed=%llu wall_s=%.3f records_per_s=%.0f "
           "cpu_s=%.3f records_per_cpu_s=%.0f MB_per_cpu_s=%.1f\n",
           rc, total, (unsigned long long)records, (unsigned long long)malformed, wall,
           (double)records / wall, cpu, (double)records / cpu, (double)total / cpu / 1e6);
    free(buf);
    free(data);
    free(tmpl);
    return rc == 0 ? 0 : 1;
}
