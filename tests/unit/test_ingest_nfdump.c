/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_nfdump.c - the "nfdump-csv" parser (ingest_nfdump.c): the golden mapping of an
 * nfdump 1.7.1 csv line, columns mapped by header name, headerless (-q) input, the summary
 * skipped, probing, a bad_inputs[] table, and the real Stratosphere test1-malicious.nfdump
 * converted by nfdump (when installed) giving exactly the flow count nfdump reports.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ingest/ingest.h"

#define HDR                                                                                        \
    "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh," \
    "nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,"     \
    "mpls10,cl,sl,al,ra,eng,exid,tr\n"
#define TAIL                                                                                       \
    ",0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,0-0-0,0-0-0,"    \
    "0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,    0.000,    0.000,    0.000,"
#define REC1                                                                                       \
    "2018-01-12 15:37:30,2018-01-12 15:37:32,2.500,147.32.80.119,147.32.82.62,52324,902,TCP,"      \
    "...A..S.,0,0,3,180,1,40,2,5,2852,2852,0,0,0,0,10.0.0.254,0.0.0.0" TAIL                        \
    "147.32.82.62,0/58,1,1970-01-01 00:00:00.000\n"
#define REC2                                                                                       \
    "2018-01-12 15:37:31,2018-01-12 15:37:31,0.000,2001:db8::1,2001:db8::2,0,8.0,ICMP6,"           \
    "........,0,0,1,64,0,0,0,0,0,0,0,0,0,0,0.0.0.0,0.0.0.0" TAIL                                   \
    "0.0.0.0,0/0,0,1970-01-01 00:00:00.000\n"
#define SUMMARY "Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n2,244,4,58357,140,51\n"



static const struct ks_parser_ops *nfd(void)
{
    const struct ks_parser_ops *p = ks_parser_find("nfdump-csv");
    assert_non_null(p);
    return p;
}

static uint64_t parse(const char *text, struct ks_collect *c)
{
    uint64_t bad = 99;
    assert_int_equal(ks_ingest_parse_buffer(nfd(), "t.csv", text, strlen(text), ks_collect_sink, c,
                                            &bad),
                     0);
    return bad;
}

static void test_golden(void **unused)
{
    (void)unused;
    struct ks_collect c = {0};
    char a[KS_ADDR_STRLEN];
    assert_int_equal(parse(HDR REC1 REC2 SUMMARY, &c), 0);
    assert_int_equal(c.n, 2);
    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->kind, KS_KIND_FLOW);
    assert_int_equal(e->ts, ks_time_from_civil(2018, 1, 12, 15, 37, 30, 0));
    assert_int_equal(e->duration, 2500000000ull);
    ks_addr_format(&e->src, a, sizeof a);
    assert_string_equal(a, "147.32.80.119");
    ks_addr_format(&e->dst, a, sizeof a);
    assert_string_equal(a, "147.32.82.62");
    assert_int_equal(e->src_port, 52324);
    assert_int_equal(e->dst_port, 902);
    assert_int_equal(e->proto, 6);
    assert_int_equal(e->pkts_out, 3);
    assert_int_equal(e->bytes_out, 180);
    assert_int_equal(e->pkts_in, 1);
    assert_int_equal(e->bytes_in, 40);
    assert_sv(e->observer, "147.32.82.62");
    assert_sv(e->dataset, "nfdump");
    assert_sv(ks_event_bag_get(e, "tcp_flags"), "...A..S.");
    assert_sv(ks_event_bag_get(e, "in_if"), "2");
    assert_sv(ks_event_bag_get(e, "out_if"), "5");
    assert_sv(ks_event_bag_get(e, "src_as"), "2852");
    assert_sv(ks_event_bag_get(e, "next_hop"), "10.0.0.254");
    e = c.ev[1];
    assert_int_equal(e->proto, 58);
    assert_int_equal(e->src_port, 0);
    assert_int_equal(e->dst_port, 0);
    assert_sv(ks_event_bag_get(e, "icmp_type_code"), "8.0");
    ks_addr_format(&e->src, a, sizeof a);
    assert_string_equal(a, "2001:db8::1");
    assert_int_equal(e->observer.n, 0);
    assert_int_equal(ks_event_bag_get(e, "tcp_flags").n, 0);
    ks_collect_free(&c);
}

static void test_header_by_name_and_headerless(void **unused)
{
    (void)unused;
    struct ks_collect c = {0};
    /* columns in another order, some missing: mapped by name */
    assert_int_equal(parse("ts,sa,da,pr,ibyt,sp,dp\n"
                           "2020-02-02 02:02:02,10.0.0.1,10.0.0.2,UDP,999,53,5353\n",
                           &c),
                     0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ev[0]->bytes_out, 999);
    assert_int_equal(c.ev[0]->src_port, 53);
    assert_int_equal(c.ev[0]->dst_port, 5353);
    assert_int_equal(c.ev[0]->proto, 17);
    ks_collect_free(&c);
    /* nfdump -q: no header, the 1.7.1 order */
    assert_int_equal(parse(REC1 REC1, &c), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.ev[1]->dst_port, 902);
    ks_collect_free(&c);
}

static void test_probe(void **unused)
{
    (void)unused;
    static const char *const yes[] = {HDR REC1, REC1};
    static const char *const no[] = {"#separator \\x09\n", "<13>May  6 09:00:00 h p: m\n",
                                     "ts,foo\n", "2018-01-12 15:37:30,x\n"};
    for (size_t i = 0; i < 2; i++)
        assert_true(nfd()->probe(yes[i], strlen(yes[i])) >= 60);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(nfd()->probe(no[i], strlen(no[i])), 0);
    assert_ptr_equal(ks_parser_detect(HDR REC1, strlen(HDR REC1)), nfd());
}

static const struct {
    const char *name;
    const char *text;
    uint64_t events, malformed;
} bad_inputs[] = {
    {"empty", "", 0, 0},
    {"header only", HDR, 0, 0},
    {"summary only", SUMMARY, 0, 0},
    {"lines after the summary are skipped", HDR SUMMARY REC1, 0, 0},
    {"too few columns", HDR "2018-01-12 15:37:30,2018-01-12 15:37:30,0.000\n" REC1, 1, 1},
    {"bad ts", "ts,sa,da\n2018-13-12 15:37:30,1.1.1.1,2.2.2.2\n", 0, 1},
    {"short ts", "ts,sa,da\n2018-01-12,1.1.1.1,2.2.2.2\n", 0, 1},
    {"bad sa", "ts,sa,da\n2018-01-12 15:37:30,1.1.1.300,2.2.2.2\n", 0, 1},
    {"missing da", "ts,sa,da\n2018-01-12 15:37:30,1.1.1.1,\n", 0, 1},
    {"bad port", "ts,sa,da,pr,sp\n2018-01-12 15:37:30,1.1.1.1,2.2.2.2,TCP,65536\n", 0, 1},
    {"bad proto", "ts,sa,da,pr\n2018-01-12 15:37:30,1.1.1.1,2.2.2.2,XYZ\n", 0, 1},
    {"proto > 255", "ts,sa,da,pr\n2018-01-12 15:37:30,1.1.1.1,2.2.2.2,256\n", 0, 1},
    {"bad counter", "ts,sa,da,ibyt\n2018-01-12 15:37:30,1.1.1.1,2.2.2.2,1.2 M\n", 0, 1},
    {"invalid UTF-8", "ts,sa,da,flg\n2018-01-12 15:37:30,1.1.1.1,2.2.2.2,\xff\xfe\n", 0, 1},
    {"bad ra is left out", "ts,sa,da,ra\n2018-01-12 15:37:30,1.1.1.1,2.2.2.2,nope\n", 1, 0},
};

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        uint64_t events = 0, bad = 99;
        const char *t = bad_inputs[i].text;
        assert_int_equal(
            ks_ingest_parse_buffer(nfd(), "bad.csv", t, strlen(t), ks_count_sink, &events, &bad), 0);
        if (events != bad_inputs[i].events || bad != bad_inputs[i].malformed)
            fail_msg("%s: %llu events, %llu malformed; want %llu, %llu", bad_inputs[i].name,
                     (unsigned long long)events, (unsigned long long)bad,
                     (unsigned long long)bad_inputs[i].events,
                     (unsigned long long)bad_inputs[i].malformed);
    }
}

/* Runs `nfdump -r path -o csv` (TZ=UTC) into out; returns false when nfdump is not installed. */
static bool run_nfdump(const char *path, const char *out, bool quiet)
{
    if (access("/usr/bin/nfdump", X_OK) != 0)
        return false;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(out, "w", stdout))
            _exit(126);
        setenv("TZ", "UTC", 1);
        if (quiet)
            execl("/usr/bin/nfdump", "nfdump", "-q", "-r", path, "-o", "csv", (char *)NULL);
        else
            execl("/usr/bin/nfdump", "nfdump", "-r", path, "-o", "csv", (char *)NULL);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return true;
}

static void test_stratosphere_nfdump(void **unused)
{
    (void)unused;
    char path[4096], dir[4096], csv[4200], qcsv[4200];
    KS_NEED_DATA(path, "stratosphereips+StratosphereLinuxIPS/dataset/test1-malicious.nfdump");
    ks_test_tmpdir(dir, sizeof dir);
    snprintf(csv, sizeof csv, "%s/t.csv", dir);
    snprintf(qcsv, sizeof qcsv, "%s/q.csv", dir);
    if (!run_nfdump(path, csv, false) || !run_nfdump(path, qcsv, true)) {
        ks_test_rmtree(dir);
        if (getenv("CI"))
            fail_msg("nfdump is not installed (scripts/install-deps installs it)");
        skip();
    }
    /* nfdump -q prints one line per flow: its own count */
    uint64_t want = ks_test_count_lines(qcsv), events = 0, bad = 99;
    size_t n;
    char *text = ks_test_read_file(csv, &n);
    assert_non_null(text);
    assert_ptr_equal(ks_parser_detect(text, KS_MIN(n, (size_t)4096)), nfd());
    assert_int_equal(ks_ingest_parse_buffer(nfd(), csv, text, n, ks_count_sink, &events, &bad), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(events, want);
    assert_int_equal(events, 4593); /* nfdump's summary line: "4593,241025,4652,..." */
    free(text);
    ks_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_header_by_name_and_headerless),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_stratosphere_nfdump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
