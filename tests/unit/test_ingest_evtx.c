/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_evtx.c - the EVTX parser ("evtx", libevtx): a bad_inputs[] table of synthetic
 * files (empty, cut header, wrong signature, header only, empty and garbage chunks), damage made
 * in memory to a real multi-chunk sample (a chunk's signature, a record's bytes, a chunk of
 * garbage, a cut tail) with the records of the other chunks still delivered, the mapping and
 * bag of real records, the INCOMPLETE protocol, every .evtx in ../shared/data counted against
 * Debian's evtxexport, and the OTRF JSON and EVTX copies of the same lateral-movement technique
 * giving the same kinds.
 */
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "ingest/ingest.h"

#define HDR 4096u
#define CHUNK 65536u

static const struct ks_parser_ops *evtx(void)
{
    const struct ks_parser_ops *p = ks_parser_find("evtx");
    assert_non_null(p);
    return p;
}

struct tally {
    uint64_t events;
    uint64_t kinds[KS_KIND_COUNT];
    uint32_t codes[64];
    uint8_t code_kind[64];
    size_t ncodes;
    bool check_bag;
};

static int tally_sink(void *arg, const struct ks_event *ev)
{
    struct tally *t = arg;
    t->events++;
    if (ev->kind < KS_KIND_COUNT)
        t->kinds[ev->kind]++;
    if (t->check_bag) {
        /* every event has its System fields in the bag */
        assert_non_null(ks_event_bag_get(ev, "EventID").p);
        assert_true(ev->nbag <= KS_EVENT_MAX_BAG);
    }
    return 0;
}

static void parse(const char *buf, size_t len, struct tally *t, uint64_t *bad)
{
    memset(t, 0, sizeof *t);
    assert_int_equal(ks_ingest_parse_buffer(evtx(), "t.evtx", buf, len, tally_sink, t, bad), 0);
}

/* ---------------------------------------------------------------- synthetic bad inputs */

static char *synth(size_t len, const char *magic, size_t chunks, int chunk_fill)
{
    char *b = calloc(1, len + HDR + chunks * CHUNK + 1);
    assert_non_null(b);
    if (magic)
        memcpy(b, magic, strlen(magic) + 1);
    for (size_t i = 0; i < chunks; i++) {
        char *c = b + HDR + i * CHUNK;
        if (chunk_fill >= 0) {
            memset(c, chunk_fill, CHUNK);
            memcpy(c, "ElfChnk", 8);
        }
    }
    return b;
}

static const struct {
    const char *name;
    size_t len;       /* of the header part */
    const char *magic;
    size_t chunks;
    int fill;         /* chunk bytes: -1 zero (never written), else this byte after ElfChnk */
    uint64_t malformed;
} bad_inputs[] = {
    {"zero-length", 0, NULL, 0, -1, 0},
    {"cut header", 100, "ElfFile", 0, -1, 1},
    {"bad magic", HDR, "ElfFilX", 0, -1, 1},
    {"text, not evtx", HDR, "{\"EventID\":", 1, 0x41, 1},
    {"header only", HDR, "ElfFile", 0, -1, 0},
    {"header + unused zero chunks", HDR, "ElfFile", 2, -1, 0},
    {"header + garbage chunks", HDR, "ElfFile", 2, 0x5A, 2},
};

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        size_t len = bad_inputs[i].len + bad_inputs[i].chunks * CHUNK;
        char *b = synth(bad_inputs[i].len, bad_inputs[i].magic, bad_inputs[i].chunks,
                        bad_inputs[i].fill);
        struct tally t;
        uint64_t bad = 99;
        parse(b, len, &t, &bad);
        if (t.events != 0 || bad != bad_inputs[i].malformed)
            fail_msg("%s: %llu events, %llu malformed, want 0 and %llu", bad_inputs[i].name,
                     (unsigned long long)t.events, (unsigned long long)bad,
                     (unsigned long long)bad_inputs[i].malformed);
        free(b);
    }
    assert_int_equal(evtx()->probe("ElfFile\0", 8), 100);
    assert_int_equal(evtx()->probe("ElfChnk\0", 8), 0);
    assert_int_equal(evtx()->probe("Elf", 3), 0);
}

/* ---------------------------------------------------------------- damage to a real file */

#define MULTI "sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/bits_openvpn.evtx"
#define MULTI_RECORDS 1537u /* evtxexport -f text F | grep -c '^Event number' */

/* Events per chunk of the intact file, by parsing each chunk alone behind the header. */
static uint64_t chunk_events(const char *b, size_t chunk)
{
    char *one = malloc(HDR + CHUNK);
    assert_non_null(one);
    memcpy(one, b, HDR);
    memcpy(one + HDR, b + HDR + chunk * CHUNK, CHUNK);
    struct tally t;
    uint64_t bad;
    parse(one, HDR + CHUNK, &t, &bad);
    assert_int_equal(bad, 0);
    free(one);
    return t.events;
}

static void test_damaged_real(void **unused)
{
    (void)unused;
    char path[4096];
    size_t len;
    KS_NEED_DATA(path, MULTI);
    char *orig = ks_test_read_file(path, &len);
    assert_non_null(orig);
    assert_true(len > HDR + 4 * CHUNK);
    size_t nchunks = (len - HDR) / CHUNK;
    char *b = malloc(len);
    assert_non_null(b);
    struct tally t;
    uint64_t bad;

    /* intact: exactly evtxexport's count, every event with its bag */
    parse(orig, len, &t, &bad);
    assert_int_equal(t.events, MULTI_RECORDS);
    assert_int_equal(bad, 0);
    uint64_t c2 = chunk_events(orig, 2);
    assert_true(c2 > 0);
    uint64_t sum = 0;
    for (size_t c = 0; c < nchunks; c++)
        sum += chunk_events(orig, c);
    assert_int_equal(sum, MULTI_RECORDS);

    /* chunk 2 overwritten with garbage: one malformed, every other chunk's records delivered */
    memcpy(b, orig, len);
    memset(b + HDR + 2 * CHUNK, 0x5A, CHUNK);
    parse(b, len, &t, &bad);
    assert_int_equal(bad, 1);
    assert_int_equal(t.events, MULTI_RECORDS - c2);

    /* chunk 2's signature flipped: libevtx's recovery scan still finds its records */
    memcpy(b, orig, len);
    b[HDR + 2 * CHUNK] ^= 0xFF;
    parse(b, len, &t, &bad);
    assert_int_equal(bad, 0);
    assert_true(t.events >= MULTI_RECORDS - c2);

    /* a byte flipped inside chunk 2's records (its CRC no longer matches): nothing lost
     * elsewhere, nothing crashes; the damaged record may be malformed */
    memcpy(b, orig, len);
    b[HDR + 2 * CHUNK + 0x400] ^= 0xFF;
    parse(b, len, &t, &bad);
    assert_true(t.events + bad >= MULTI_RECORDS - c2);
    assert_true(t.events >= MULTI_RECORDS - c2);

    /* file cut in the middle of its last non-empty chunk: the chunks before all delivered */
    size_t last = 0;
    for (size_t c = 0; c < nchunks; c++)
        if (chunk_events(orig, c))
            last = c;
    uint64_t before = 0;
    for (size_t c = 0; c < last; c++)
        before += chunk_events(orig, c);
    parse(orig, HDR + last * CHUNK + CHUNK / 2, &t, &bad);
    assert_true(t.events >= before);
    assert_true(t.events <= MULTI_RECORDS);

    /* header only of the real file */
    parse(orig, HDR, &t, &bad);
    assert_int_equal(t.events, 0);
    assert_int_equal(bad, 0);
    free(b);
    free(orig);
}

/* ---------------------------------------------------------------- mapping of real records */

struct find {
    uint32_t code;
    bool found;
    struct ks_event *ev;
};

static int find_sink(void *arg, const struct ks_event *ev)
{
    struct find *f = arg;
    if (!f->found && ev->code == f->code) {
        f->found = true;
        f->ev = ks_event_clone(ev);
        assert_non_null(f->ev);
    }
    return 0;
}


static const struct {
    const char *file;
    uint32_t code;
    unsigned kind;
    const char *action;
    const char *dataset;
    const char *bag_key; /* an EventData/UserData name kept in the bag */
    bool object;         /* the normalized object is set */
} goldens[] = {
    {"Lateral Movement/LM_Remote_Service02_7045.evtx", 7045, KS_KIND_SERVICE, "service-install",
     "windows.system", "ImagePath", true},
    {"Command and Control/DE_RDP_Tunnel_5156.evtx", 5156, KS_KIND_NETCONN,
     "network-connection-allowed", "windows.security", "DestAddress", true},
    {"Command and Control/DE_RDP_Tunnel_5156.evtx", 1102, KS_KIND_LOGGING, "log-cleared",
     "windows.security", "SubjectUserName", false},
    {"Command and Control/"
     "DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx",
     1149, KS_KIND_AUTH, "rdp-auth-success",
     "windows.microsoft-windows-terminalservices-remoteconnectionmanager/operational", "Param1",
     false},
    {"Lateral Movement/LM_NewShare_Added_Sysmon_12_13.evtx", 13, KS_KIND_CONFIG,
     "registry-value-set", "windows.sysmon", "TargetObject", true},
    {"Lateral Movement/LM_ImageLoad_NFSH_Sysmon_7.evtx", 7, KS_KIND_FILE, "image-load",
     "windows.sysmon", "ImageLoaded", true},
    /* a record whose provider data did not parse: <ProcessingErrorData> fields kept */
    {"Lateral Movement/LM_winrm_target_wrmlogs_91_wsmanShellStarted_poorLog.evtx", 91,
     KS_KIND_SESSION, "winrm-shell-create", "windows.microsoft-windows-winrm/operational",
     "DataItemName", false},
    {"Credential Access/phish_windows_credentials_powershell_scriptblockLog_4104.evtx", 4104,
     KS_KIND_COMMAND, "powershell-script-block", "windows.powershell", "ScriptBlockText", true},
};

static void test_goldens(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(goldens); i++) {
        char rel[512], path[4096];
        size_t len;
        snprintf(rel, sizeof rel, "sbousseaden+EVTX-ATTACK-SAMPLES/%s", goldens[i].file);
        KS_NEED_DATA(path, rel);
        char *buf = ks_test_read_file(path, &len);
        assert_non_null(buf);
        struct find f = {.code = goldens[i].code};
        uint64_t bad;
        assert_int_equal(ks_ingest_parse_buffer(evtx(), path, buf, len, find_sink, &f, &bad), 0);
        if (!f.found)
            fail_msg("%s: no EventID %u", goldens[i].file, goldens[i].code);
        struct ks_event *ev = f.ev;
        if (ev->kind != goldens[i].kind || !ks_test_sv_is(ev->action, goldens[i].action) ||
            !ks_test_sv_is(ev->dataset, goldens[i].dataset))
            fail_msg("%s %u: kind %s action '%.*s' dataset '%.*s'", goldens[i].file,
                     goldens[i].code, ks_event_kind_name(ev->kind), (int)ev->action.n,
                     ev->action.p ? ev->action.p : "", (int)ev->dataset.n,
                     ev->dataset.p ? ev->dataset.p : "");
        assert_true(ev->ts > 0);
        assert_non_null(ev->observer.p);
        assert_non_null(ks_event_bag_get(ev, goldens[i].bag_key).p);
        assert_non_null(ks_event_bag_get(ev, "Channel").p);
        assert_non_null(ks_event_bag_get(ev, "Provider_Name").p);
        assert_non_null(ks_event_bag_get(ev, "EventRecordID").p);
        if (goldens[i].object && !ev->object.p)
            fail_msg("%s %u: object unset", goldens[i].file, goldens[i].code);
        if (goldens[i].code == 5156) {
            assert_true(ks_addr_is_set(&ev->dst));
            assert_true(ev->dst_port > 0);
        }
        free(ev);
        free(buf);
    }
}

struct first {
    bool have;
    int64_t ts;
    uint64_t events, early;
    char tc[64];
};

static int first_sink(void *arg, const struct ks_event *ev)
{
    struct first *f = arg;
    f->events++;
    if (!f->have) {
        f->have = true;
        f->ts = ev->ts;
    }
    if (ev->ts == INT64_MIN) {
        struct ks_sv tc = ks_event_bag_get(ev, "TimeCreated");
        f->early++;
        assert_non_null(tc.p);
        snprintf(f->tc, sizeof f->tc, "%.*s", (int)KS_MIN(tc.n, 60), tc.p);
    }
    return 0;
}

/* The EventIDs added for issue 5 that no EVTX sample holds, through the shared mapping
 * (ingest_winmap.c) as the JSON parser reaches it: the EVTX parser calls the same function. */
#define TSJ "\"TimeCreated\":\"2024-01-02T03:04:05Z\",\"Computer\":\"H1\""
static const struct {
    const char *line;
    unsigned kind;
    const char *action;
    const char *user, *object, *src, *dst_host;
    unsigned outcome;
} mapped[] = {
    {"{\"EventID\":21,\"Channel\":\"Microsoft-Windows-TerminalServices-LocalSessionManager/"
     "Operational\"," TSJ ",\"User\":\"CORP\\\\bob\",\"SessionID\":\"3\",\"Address\":\"10.1.2.3\"}",
     KS_KIND_SESSION, "rdp-session-logon", "CORP\\bob", NULL, "10.1.2.3", "H1", 0},
    {"{\"EventID\":25,\"Channel\":\"Microsoft-Windows-TerminalServices-LocalSessionManager/"
     "Operational\"," TSJ ",\"User\":\"bob\",\"Address\":\"LOCAL\"}",
     KS_KIND_SESSION, "rdp-session-reconnect", "bob", NULL, NULL, "H1", 0},
    {"{\"EventID\":1024,\"Channel\":\"Microsoft-Windows-TerminalServices-RDPClient/"
     "Operational\"," TSJ ",\"Value\":\"srv9.corp\"}",
     KS_KIND_SESSION, "rdp-client-connect", NULL, NULL, NULL, "srv9.corp", 0},
    {"{\"EventID\":6,\"Channel\":\"Microsoft-Windows-WinRM/Operational\"," TSJ
     ",\"connection\":\"srv9/wsman\"}",
     KS_KIND_SESSION, "winrm-session-create", NULL, "srv9/wsman", NULL, "H1", 0},
    {"{\"EventID\":106,\"Channel\":\"Microsoft-Windows-TaskScheduler/Operational\"," TSJ
     ",\"TaskName\":\"\\\\evil\",\"UserContext\":\"CORP\\\\adm\"}",
     KS_KIND_CONFIG, "task-registered", "CORP\\adm", "\\evil", NULL, "H1", 0},
    {"{\"EventID\":200,\"Channel\":\"Microsoft-Windows-TaskScheduler/Operational\"," TSJ
     ",\"TaskName\":\"\\\\evil\",\"ActionName\":\"C:\\\\x.exe\"}",
     KS_KIND_PROCESS, "task-action-start", NULL, "C:\\x.exe", NULL, "H1", 0},
    {"{\"EventID\":4732,\"Channel\":\"Security\"," TSJ
     ",\"TargetUserName\":\"Administrators\",\"SubjectUserName\":\"adm\",\"MemberName\":\"-\"}",
     KS_KIND_CONFIG, "group-member-added", "adm", "Administrators", NULL, "H1", 0},
    {"{\"EventID\":4776,\"Channel\":\"Security\"," TSJ
     ",\"TargetUserName\":\"bob\",\"Workstation\":\"WS7\",\"Status\":\"0xc000006a\"}",
     KS_KIND_AUTH, "ntlm-validate", "bob", NULL, NULL, "H1", KS_OUTCOME_FAILURE},
    {"{\"EventID\":7040,\"Channel\":\"System\"," TSJ ",\"param1\":\"Windows Event Log\"}",
     KS_KIND_SERVICE, "service-start-type-changed", NULL, "Windows Event Log", NULL, "H1", 0},
    {"{\"EventID\":22,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\"," TSJ
     ",\"QueryName\":\"evil.example\",\"User\":\"bob\"}",
     KS_KIND_GENERIC, "dns-query", "bob", "evil.example", NULL, "H1", 0},
    {"{\"EventID\":4103,\"Channel\":\"Microsoft-Windows-PowerShell/Operational\"," TSJ
     ",\"Payload\":\"Get-Process\"}",
     KS_KIND_COMMAND, "powershell-pipeline", NULL, "Get-Process", NULL, "H1", 0},
    /* 1102 outside Security is the RDP client's multi-transport event, not a log clearing */
    {"{\"EventID\":1102,\"Channel\":\"Microsoft-Windows-TerminalServices-RDPClient/"
     "Operational\"," TSJ ",\"Value\":\"10.9.9.9\"}",
     KS_KIND_SESSION, "rdp-client-multi-transport", NULL, NULL, NULL, "H1", 0},
};

static void check_opt(size_t i, const char *what, struct ks_sv got, const char *want)
{
    if (want ? !ks_test_sv_is(got, want) : got.p != NULL)
        fail_msg("mapped[%zu]: %s is '%.*s', want '%s'", i, what, (int)got.n,
                 got.p ? got.p : "", want ? want : "(unset)");
}

static void test_shared_mapping(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < KS_ARRAY_LEN(mapped); i++) {
        struct find f = {.code = 0};
        const char *l = mapped[i].line;
        uint64_t bad = 9;
        f.code = (uint32_t)strtoul(l + 11, NULL, 10);
        assert_int_equal(ks_ingest_parse_buffer(ks_parser_find("winjson"), "t", l, strlen(l),
                                                find_sink, &f, &bad),
                         0);
        assert_int_equal(bad, 0);
        if (!f.found)
            fail_msg("mapped[%zu]: no event", i);
        struct ks_event *ev = f.ev;
        if (ev->kind != mapped[i].kind || !ks_test_sv_is(ev->action, mapped[i].action))
            fail_msg("mapped[%zu]: kind %s action '%.*s'", i, ks_event_kind_name(ev->kind),
                     (int)ev->action.n, ev->action.p ? ev->action.p : "");
        check_opt(i, "user", ev->user, mapped[i].user);
        check_opt(i, "object", ev->object, mapped[i].object);
        check_opt(i, "dst_host", ev->dst_host, mapped[i].dst_host);
        assert_int_equal(ev->outcome, mapped[i].outcome);
        if (mapped[i].src) {
            char a[KS_ADDR_STRLEN];
            size_t n = ks_addr_format(&ev->src, a, sizeof a);
            if (n != strlen(mapped[i].src) || memcmp(a, mapped[i].src, n) != 0)
                fail_msg("mapped[%zu]: src %.*s", i, (int)n, a);
        } else {
            assert_false(ks_addr_is_set(&ev->src));
        }
        free(ev);
    }
}

/* Escaped values are unescaped (a PowerShell 4104 script starting "&(" is rendered "&amp;(");
 * records whose time is FILETIME 0 (1601) are kept with ts = INT64_MIN and the original text. */
static void test_unescape_and_1601(void **unused)
{
    (void)unused;
    char path[4096];
    size_t len;
    uint64_t bad;
    KS_NEED_DATA(path, "sbousseaden+EVTX-ATTACK-SAMPLES/Credential Access/"
                       "phish_windows_credentials_powershell_scriptblockLog_4104.evtx");
    char *buf = ks_test_read_file(path, &len);
    assert_non_null(buf);
    struct find f4104 = {.code = 4104};
    assert_int_equal(ks_ingest_parse_buffer(evtx(), path, buf, len, find_sink, &f4104, &bad), 0);
    assert_true(f4104.found);
    assert_int_equal(f4104.ev->kind, KS_KIND_COMMAND);
    assert_true(f4104.ev->object.n > 2);
    assert_memory_equal(f4104.ev->object.p, "&(", 2);
    free(f4104.ev);
    free(buf);

    /* The record header's written time of this sample is 1601 while TimeCreated is right:
     * TimeCreated wins. Then every copy of the first record's FILETIME is zeroed, so its
     * TimeCreated renders as 1601 too: the record is kept with ts = INT64_MIN. */
    KS_NEED_DATA(path, "sbousseaden+EVTX-ATTACK-SAMPLES/Defense Evasion/"
                       "DE_Powershell_CLM_Disabled_Sysmon_12.evtx");
    buf = ks_test_read_file(path, &len);
    assert_non_null(buf);
    struct first a = {0}, b = {0};
    assert_int_equal(ks_ingest_parse_buffer(evtx(), path, buf, len, first_sink, &a, &bad), 0);
    assert_true(a.have && a.ts > 0);
    assert_int_equal(a.early, 0);
    uint64_t ft = (uint64_t)(a.ts / 100) + UINT64_C(116444736000000000);
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(ft >> (8 * i));
    size_t zeroed = 0;
    for (char *p = buf; (p = memmem(p, len - (size_t)(p - buf), le, 8)) != NULL; p += 8) {
        memset(p, 0, 8);
        zeroed++;
    }
    assert_true(zeroed >= 1);
    assert_int_equal(ks_ingest_parse_buffer(evtx(), path, buf, len, first_sink, &b, &bad), 0);
    assert_int_equal(b.events, a.events); /* never dropped */
    assert_true(b.early >= 1);
    assert_memory_equal(b.tc, "1601-01-01", 10);
    free(buf);

    /* the INCOMPLETE protocol: fed in windows that end short of each header, chunk and
     * chunk end, the same events and malformed counts as one whole buffer */
    KS_NEED_DATA(path, "sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/bits_openvpn.evtx");
    buf = ks_test_read_file(path, &len);
    assert_non_null(buf);
    const struct ks_parser_ops *ops = evtx();
    struct ks_parse_ctx ctx = {.path = "t"};
    void *st = NULL;
    assert_int_equal(ops->create(&ctx, &st), 0);
    size_t off = 0, avail = 1000;
    uint64_t events = 0, nbad = 0;
    while (off < len) {
        struct ks_event ev;
        size_t consumed = 0;
        ctx.eof = avail >= len - off;
        size_t n = KS_MIN(avail, len - off);
        int r = ops->next(st, &ctx, buf + off, n, &consumed, &ev);
        if (r == KS_PARSE_END)
            break;
        if (r == KS_PARSE_INCOMPLETE) {
            assert_int_equal(consumed, 0);
            avail += 7000;
            continue;
        }
        assert_true(consumed > 0 && consumed <= n);
        events += r == KS_PARSE_EVENT;
        nbad += r == KS_PARSE_MALFORMED;
        off += consumed;
        avail = 1000;
    }
    ops->destroy(st);
    struct tally t;
    uint64_t bad2;
    parse(buf, len, &t, &bad2);
    assert_true(events > 0);
    assert_int_equal(events, t.events);
    assert_int_equal(nbad, bad2);
    free(buf);
}

/* ---------------------------------------------------------------- every sample vs evtxexport */

static struct {
    uint64_t files, records, mismatched, early;
    bool have_evtxexport;
} all;

/* Records evtxexport (Debian libevtx-utils, default mode: allocated records) prints for F. */
static long evtxexport_count(const char *path)
{
    char cmd[8192];
    size_t o = 0;
    o += (size_t)snprintf(cmd + o, sizeof cmd - o, "evtxexport -f text '");
    for (const char *p = path; *p && o + 8 < sizeof cmd; p++) {
        if (*p == '\'') {
            memcpy(cmd + o, "'\\''", 4);
            o += 4;
        } else {
            cmd[o++] = *p;
        }
    }
    snprintf(cmd + o, sizeof cmd - o, "' 2>/dev/null");
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    char line[4096];
    long n = 0;
    while (fgets(line, sizeof line, f))
        n += strncmp(line, "Event number", 12) == 0;
    if (pclose(f) != 0)
        return -1;
    return n;
}

static int evtx_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    size_t n = strlen(path), len;
    if (flag != FTW_F || n < 5 || strcasecmp(path + n - 5, ".evtx") != 0 || sb->st_size == 0)
        return 0;
    char *buf = ks_test_read_file(path, &len);
    assert_non_null(buf);
    assert_ptr_equal(ks_parser_detect(buf, KS_MIN(len, (size_t)65536)), evtx());
    struct tally t;
    uint64_t bad = 99;
    memset(&t, 0, sizeof t);
    t.check_bag = true;
    assert_int_equal(ks_ingest_parse_buffer(evtx(), path, buf, len, tally_sink, &t, &bad), 0);
    all.files++;
    all.records += t.events;
    /* Every sample is intact: no malformed record, and exactly the records evtxexport prints.
     * (Our parser would differ from evtxexport only on damaged files: it reads a chunk whose
     * header is damaged through libevtx's recovery scan, which evtxexport's default mode
     * leaves out; none of the samples has one.) */
    if (bad != 0)
        fail_msg("%s: %llu malformed", path, (unsigned long long)bad);
    if (all.have_evtxexport) {
        long want = evtxexport_count(path);
        if (want < 0 || (uint64_t)want != t.events) {
            print_error("%s: konseki %llu records, evtxexport %ld\n", path,
                        (unsigned long long)t.events, want);
            all.mismatched++;
        }
    }
    free(buf);
    return 0;
}

static void test_real_all_vs_evtxexport(void **unused)
{
    (void)unused;
    char a[4096], b[4096];
    KS_NEED_DATA(a, "sbousseaden+EVTX-ATTACK-SAMPLES");
    KS_NEED_DATA(b, "SigmaHQ+sigma/regression_data");
    memset(&all, 0, sizeof all);
    all.have_evtxexport = system("evtxexport -h >/dev/null 2>&1") == 0;
    if (!all.have_evtxexport) {
        if (getenv("CI"))
            fail_msg("evtxexport (libevtx-utils) missing: scripts/install-deps installs it");
        print_message("evtxexport missing: counts checked for crashes only\n");
    }
    assert_int_equal(nftw(a, evtx_one, 16, FTW_PHYS), 0);
    assert_int_equal(nftw(b, evtx_one, 16, FTW_PHYS), 0);
    print_message("%llu EVTX files, %llu records\n", (unsigned long long)all.files,
                  (unsigned long long)all.records);
    assert_true(all.files >= 300);
    assert_int_equal(all.mismatched, 0);
}

/* ---------------------------------------------------------------- OTRF JSON vs EVTX */

/* The same techniques (PsExec-style remote service install over SMB, WMI execution) recorded as
 * Mordor JSON (OTRF) and as EVTX (EVTX-ATTACK-SAMPLES): every (dataset, EventID) present in both
 * must map to the same kind, and the lateral-movement evidence must be among them. */
struct kindmap {
    struct {
        char dataset[96];
        uint32_t code;
        uint8_t kind;
    } e[512];
    size_t n;
};

static int kindmap_sink(void *arg, const struct ks_event *ev)
{
    struct kindmap *m = arg;
    for (size_t i = 0; i < m->n; i++) {
        if (m->e[i].code == ev->code && ks_test_sv_is(ev->dataset, m->e[i].dataset)) {
            if (m->e[i].kind != ev->kind)
                fail_msg("%s %u: kind %s and %s in one source", m->e[i].dataset, ev->code,
                         ks_event_kind_name(m->e[i].kind), ks_event_kind_name(ev->kind));
            return 0;
        }
    }
    if (m->n < KS_ARRAY_LEN(m->e) && ev->dataset.n < sizeof m->e[0].dataset) {
        memcpy(m->e[m->n].dataset, ev->dataset.p, ev->dataset.n);
        m->e[m->n].dataset[ev->dataset.n] = '\0';
        m->e[m->n].code = ev->code;
        m->e[m->n].kind = ev->kind;
        m->n++;
    }
    return 0;
}

static void test_otrf_equivalence(void **unused)
{
    (void)unused;
    static const char *const evtx_files[] = {
        "sbousseaden+EVTX-ATTACK-SAMPLES/Lateral Movement/LM_Remote_Service02_7045.evtx",
        "sbousseaden+EVTX-ATTACK-SAMPLES/Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx",
        "sbousseaden+EVTX-ATTACK-SAMPLES/Lateral Movement/LM_5145_Remote_FileCopy.evtx",
        "sbousseaden+EVTX-ATTACK-SAMPLES/Lateral Movement/LM_sysmon_psexec_smb_meterpreter.evtx",
    };
    static const char *const zips[] = {
        "OTRF+Security-Datasets/datasets/atomic/windows/lateral_movement/host/"
        "empire_psexec_dcerpc_tcp_svcctl.zip",
        "OTRF+Security-Datasets/datasets/atomic/windows/lateral_movement/host/"
        "empire_wmi_dcerpc_wmi_IWbemServices_ExecMethod.zip",
    };
    struct kindmap *ev = calloc(1, sizeof *ev), *js = calloc(1, sizeof *js);
    assert_non_null(ev);
    assert_non_null(js);
    char path[4096];
    size_t len;
    uint64_t bad;
    for (size_t i = 0; i < KS_ARRAY_LEN(evtx_files); i++) {
        KS_NEED_DATA(path, evtx_files[i]);
        char *buf = ks_test_read_file(path, &len);
        assert_non_null(buf);
        assert_int_equal(ks_ingest_parse_buffer(evtx(), path, buf, len, kindmap_sink, ev, &bad),
                         0);
        free(buf);
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(zips); i++) {
        int zerr = 0;
        KS_NEED_DATA(path, zips[i]);
        zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
        assert_non_null(z);
        for (zip_int64_t m = 0; m < zip_get_num_entries(z, 0); m++) {
            const char *name = zip_get_name(z, (zip_uint64_t)m, 0);
            size_t nl = strlen(name);
            if (strncmp(name, "__MACOSX/", 9) == 0 || nl < 5 || strcmp(name + nl - 5, ".json"))
                continue;
            zip_stat_t zs;
            assert_int_equal(zip_stat_index(z, (zip_uint64_t)m, 0, &zs), 0);
            char *buf = malloc(zs.size + 1);
            assert_non_null(buf);
            zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)m, 0);
            assert_non_null(f);
            zip_uint64_t got = 0;
            while (got < zs.size) {
                zip_int64_t r = zip_fread(f, buf + got, zs.size - got);
                assert_true(r > 0);
                got += (zip_uint64_t)r;
            }
            zip_fclose(f);
            assert_int_equal(ks_ingest_parse_buffer(ks_parser_find("winjson"), name, buf,
                                                    (size_t)zs.size, kindmap_sink, js, &bad),
                             0);
            free(buf);
        }
        zip_close(z);
    }
    size_t common = 0;
    bool saw_7045 = false, saw_4624 = false;
    for (size_t i = 0; i < ev->n; i++) {
        for (size_t j = 0; j < js->n; j++) {
            if (ev->e[i].code != js->e[j].code || strcmp(ev->e[i].dataset, js->e[j].dataset))
                continue;
            common++;
            if (ev->e[i].kind != js->e[j].kind)
                fail_msg("%s %u: EVTX kind %s, OTRF JSON kind %s", ev->e[i].dataset,
                         ev->e[i].code, ks_event_kind_name(ev->e[i].kind),
                         ks_event_kind_name(js->e[j].kind));
            saw_7045 |= ev->e[i].code == 7045 && ev->e[i].kind == KS_KIND_SERVICE;
            saw_4624 |= ev->e[i].code == 4624 && ev->e[i].kind == KS_KIND_AUTH;
        }
    }
    print_message("%zu (dataset, EventID) pairs in both, same kinds\n", common);
    assert_true(saw_7045);
    assert_true(saw_4624);
    assert_true(common >= 5);
    free(ev);
    free(js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_damaged_real),
        cmocka_unit_test(test_goldens),
        cmocka_unit_test(test_shared_mapping),
        cmocka_unit_test(test_unescape_and_1601),
        cmocka_unit_test(test_real_all_vs_evtxexport),
        cmocka_unit_test(test_otrf_equivalence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
