/* SPDX-License-Identifier: MIT */
/*
 * test_ingest_winjson.c - the Windows JSON-lines parser ("winjson"): a golden mapping per
 * EventID in both shapes (NXLog/Mordor flat and Winlogbeat ECS), the bag keeping every original
 * field, timestamp preference, a bad_inputs[] table, and every OTRF Security-Datasets zip in
 * ../shared/data parsed without a malformed record, with the lateral-movement evidence (network
 * logons with a source address, service installs) mapped.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <zip.h>

#include "ingest/ingest.h"

/* ---------------------------------------------------------------- helpers */



static const struct ks_parser_ops *winjson(void)
{
    const struct ks_parser_ops *p = ks_parser_find("winjson");
    assert_non_null(p);
    return p;
}


/* want NULL: the field must be unset. */
static void check_sv(const char *test, const char *what, struct ks_sv got, const char *want)
{
    if (!want) {
        if (got.p)
            fail_msg("%s: %s is '%.*s', want unset", test, what, (int)got.n, got.p);
        return;
    }
    if (!ks_test_sv_is(got, want))
        fail_msg("%s: %s is '%.*s', want '%s'", test, what, (int)got.n, got.p ? got.p : "(null)",
                 want);
}

static void check_addr(const char *test, const char *what, const struct ks_addr *a,
                       const char *want)
{
    char buf[KS_ADDR_STRLEN];
    if (!want) {
        if (ks_addr_is_set(a))
            fail_msg("%s: %s is set, want unset", test, what);
        return;
    }
    size_t n = ks_addr_format(a, buf, sizeof buf);
    if (!ks_addr_is_set(a) || n != strlen(want) || memcmp(buf, want, n) != 0)
        fail_msg("%s: %s is %.*s, want %s", test, what, (int)n, buf, want);
}

/* ---------------------------------------------------------------- golden mappings */

struct golden {
    const char *name;
    const char *line;
    unsigned kind;
    unsigned outcome;
    uint32_t code;
    const char *ts; /* RFC 3339 */
    const char *dataset;
    const char *observer;
    const char *action;
    const char *user;
    const char *object;
    const char *session;
    const char *src;
    uint16_t src_port;
    const char *src_host;
    const char *dst;
    uint16_t dst_port;
    const char *dst_host;
    unsigned proto;
    unsigned logon_type;
    const char *bag_key; /* one bag entry to check */
    const char *bag_val;
};

#define TS "\"@timestamp\":\"2020-09-20T16:16:29.568Z\""
#define TS_V "2020-09-20T16:16:29.568Z"
#define ECS(ch, id, data)                                                                          \
    "{" TS ",\"event\":{\"code\":\"" #id "\"},\"host\":{\"name\":\"ws6\"},\"winlog\":{"            \
    "\"channel\":\"" ch "\",\"computer_name\":\"WS6.theshire.local\",\"event_id\":" #id ","       \
    "\"provider_name\":\"P\",\"event_data\":{" data "}}}"

static const struct golden goldens[] = {
    {.name = "4624 flat",
     .line = "{\"EventID\":4624,\"Channel\":\"Security\",\"Hostname\":\"WS6.theshire.local\"," TS
             ",\"EventTime\":\"2020-09-20 12:16:27\",\"TargetUserName\":\"pgustavo\","
             "\"TargetDomainName\":\"THESHIRE\",\"LogonType\":\"3\",\"IpAddress\":\"172.18.39.5\","
             "\"IpPort\":\"52986\",\"WorkstationName\":\"-\",\"TargetLogonId\":\"0x4b0ad12\","
             "\"host\":\"wec.internal.cloudapp.net\"}",
     .kind = KS_KIND_AUTH, .outcome = KS_OUTCOME_SUCCESS, .code = 4624, .ts = TS_V,
     .dataset = "windows.security", .observer = "WS6.theshire.local", .action = "logon",
     .user = "pgustavo", .session = "0x4b0ad12", .src = "172.18.39.5", .src_port = 52986,
     .dst_host = "WS6.theshire.local", .logon_type = 3, .bag_key = "TargetDomainName",
     .bag_val = "THESHIRE"},
    {.name = "4624 ecs",
     .line = ECS("Security", 4624,
                 "\"TargetUserName\":\"pgustavo\",\"LogonType\":3,\"IpAddress\":\"10.1.2.3\","
                 "\"IpPort\":\"49152\",\"WorkstationName\":\"WS5\",\"TargetLogonId\":\"0x1\""),
     .kind = KS_KIND_AUTH, .outcome = KS_OUTCOME_SUCCESS, .code = 4624, .ts = TS_V,
     .dataset = "windows.security", .observer = "WS6.theshire.local", .action = "logon",
     .user = "pgustavo", .session = "0x1", .src = "10.1.2.3", .src_port = 49152,
     .src_host = "WS5", .dst_host = "WS6.theshire.local", .logon_type = 3,
     .bag_key = "TargetUserName", .bag_val = "pgustavo"},
    {.name = "4625 flat, lowercase channel, numeric LogonType",
     .line = "{\"EventID\":\"4625\",\"Channel\":\"security\",\"Hostname\":\"dc1\"," TS
             ",\"TargetUserName\":\"admin\",\"LogonType\":10,\"IpAddress\":\"203.0.113.9\","
             "\"IpPort\":\"0\",\"Status\":\"0xc000006d\",\"SubStatus\":\"0xc000006a\"}",
     .kind = KS_KIND_AUTH, .outcome = KS_OUTCOME_FAILURE, .code = 4625, .ts = TS_V,
     .dataset = "windows.security", .observer = "dc1", .action = "logon-failed",
     .user = "admin", .src = "203.0.113.9", .dst_host = "dc1", .logon_type = 10,
     .bag_key = "SubStatus", .bag_val = "0xc000006a"},
    {.name = "4634 flat",
     .line = "{\"EventID\":4634,\"Channel\":\"Security\",\"Hostname\":\"h\"," TS
             ",\"TargetUserName\":\"bob\",\"TargetLogonId\":\"0x2\",\"LogonType\":\"3\"}",
     .kind = KS_KIND_LOGOFF, .code = 4634, .ts = TS_V, .dataset = "windows.security",
     .observer = "h", .action = "logoff", .user = "bob", .session = "0x2", .dst_host = "h",
     .logon_type = 3},
    {.name = "4647 ecs",
     .line = ECS("Security", 4647, "\"TargetUserName\":\"bob\",\"TargetLogonId\":\"0x3\""),
     .kind = KS_KIND_LOGOFF, .code = 4647, .ts = TS_V, .dataset = "windows.security",
     .observer = "WS6.theshire.local", .action = "logoff", .user = "bob", .session = "0x3",
     .dst_host = "WS6.theshire.local"},
    {.name = "4648 flat",
     .line = "{\"EventID\":4648,\"Channel\":\"Security\",\"Hostname\":\"h\"," TS
             ",\"SubjectUserName\":\"alice\",\"SubjectLogonId\":\"0x9\",\"TargetUserName\":\"adm\","
             "\"TargetServerName\":\"srv1.corp\",\"IpAddress\":\"-\",\"IpPort\":\"-\"}",
     .kind = KS_KIND_CRED, .code = 4648, .ts = TS_V, .dataset = "windows.security",
     .observer = "h", .action = "explicit-credentials", .user = "adm", .object = "srv1.corp",
     .session = "0x9", .dst_host = "h", .bag_key = "IpAddress", .bag_val = "-"},
    {.name = "4672 ecs",
     .line = ECS("Security", 4672,
                 "\"SubjectUserName\":\"adm\",\"SubjectLogonId\":\"0x4\","
                 "\"PrivilegeList\":\"SeDebugPrivilege\""),
     .kind = KS_KIND_PRIV, .code = 4672, .ts = TS_V, .dataset = "windows.security",
     .observer = "WS6.theshire.local", .action = "special-privileges", .user = "adm",
     .session = "0x4", .dst_host = "WS6.theshire.local", .bag_key = "PrivilegeList",
     .bag_val = "SeDebugPrivilege"},
    {.name = "4688 flat",
     .line = "{\"EventID\":4688,\"Channel\":\"Security\",\"Hostname\":\"h\"," TS
             ",\"SubjectUserName\":\"alice\",\"TargetUserName\":\"-\",\"SubjectLogonId\":\"0x5\","
             "\"NewProcessName\":\"C:\\\\Windows\\\\cmd.exe\",\"CommandLine\":\"cmd /c whoami\"}",
     .kind = KS_KIND_PROCESS, .code = 4688, .ts = TS_V, .dataset = "windows.security",
     .observer = "h", .action = "process-start", .user = "alice", .object = "cmd /c whoami",
     .session = "0x5", .dst_host = "h", .bag_key = "NewProcessName",
     .bag_val = "C:\\Windows\\cmd.exe"},
    {.name = "4688 ecs without CommandLine",
     .line = ECS("Security", 4688,
                 "\"SubjectUserName\":\"alice\",\"TargetUserName\":\"svc\","
                 "\"NewProcessName\":\"C:\\\\x.exe\",\"CommandLine\":\"\""),
     .kind = KS_KIND_PROCESS, .code = 4688, .ts = TS_V, .dataset = "windows.security",
     .observer = "WS6.theshire.local", .action = "process-start", .user = "svc",
     .object = "C:\\x.exe", .dst_host = "WS6.theshire.local", .bag_key = "CommandLine",
     .bag_val = ""},
    {.name = "4769 flat",
     .line = "{\"EventID\":4769,\"Channel\":\"Security\",\"Hostname\":\"dc\"," TS
             ",\"TargetUserName\":\"alice@CORP\",\"ServiceName\":\"cifs/srv\","
             "\"IpAddress\":\"10.0.0.5\",\"IpPort\":\"50000\",\"Status\":\"0x0\"}",
     .kind = KS_KIND_TICKET, .outcome = KS_OUTCOME_SUCCESS, .code = 4769, .ts = TS_V,
     .dataset = "windows.security", .observer = "dc", .action = "kerberos-service-ticket",
     .user = "alice@CORP", .object = "cifs/srv", .src = "10.0.0.5", .src_port = 50000,
     .dst_host = "dc"},
    {.name = "5140 flat",
     .line = "{\"EventID\":5140,\"Channel\":\"security\",\"Hostname\":\"ws6\"," TS
             ",\"SubjectUserName\":\"pgustavo\",\"SubjectLogonId\":\"0x6\","
             "\"IpAddress\":\"172.18.39.5\",\"IpPort\":\"50001\",\"ShareName\":\"\\\\\\\\*\\\\IPC$\"}",
     .kind = KS_KIND_SHARE, .code = 5140, .ts = TS_V, .dataset = "windows.security",
     .observer = "ws6", .action = "share-access", .user = "pgustavo", .object = "\\\\*\\IPC$",
     .session = "0x6", .src = "172.18.39.5", .src_port = 50001, .dst_host = "ws6"},
    {.name = "5145 ecs",
     .line = ECS("Security", 5145,
                 "\"SubjectUserName\":\"pgustavo\",\"IpAddress\":\"172.18.39.5\","
                 "\"IpPort\":\"50002\",\"ShareName\":\"\\\\\\\\*\\\\IPC$\","
                 "\"RelativeTargetName\":\"svcctl\""),
     .kind = KS_KIND_FILE, .code = 5145, .ts = TS_V, .dataset = "windows.security",
     .observer = "WS6.theshire.local", .action = "share-file-access", .user = "pgustavo",
     .object = "\\\\*\\IPC$\\svcctl", .src = "172.18.39.5", .src_port = 50002,
     .dst_host = "WS6.theshire.local", .bag_key = "RelativeTargetName", .bag_val = "svcctl"},
    {.name = "7045 flat",
     .line = "{\"EventID\":7045,\"Channel\":\"System\",\"Hostname\":\"ws6\"," TS
             ",\"ServiceName\":\"xyz\",\"ImagePath\":\"%COMSPEC% /C start x\","
             "\"AccountName\":\"LocalSystem\",\"StartType\":\"demand start\"}",
     .kind = KS_KIND_SERVICE, .code = 7045, .ts = TS_V, .dataset = "windows.system",
     .observer = "ws6", .action = "service-install", .user = "LocalSystem",
     .object = "%COMSPEC% /C start x", .dst_host = "ws6", .bag_key = "ServiceName",
     .bag_val = "xyz"},
    {.name = "4697 flat",
     .line = "{\"EventID\":4697,\"Channel\":\"security\",\"Hostname\":\"ws6\"," TS
             ",\"SubjectUserName\":\"WS6$\",\"SubjectLogonId\":\"0x3e7\",\"ServiceName\":\"xyz\","
             "\"ServiceFileName\":\"C:\\\\evil.exe\"}",
     .kind = KS_KIND_SERVICE, .code = 4697, .ts = TS_V, .dataset = "windows.security",
     .observer = "ws6", .action = "service-install", .user = "WS6$", .object = "C:\\evil.exe",
     .session = "0x3e7", .dst_host = "ws6"},
    {.name = "1102 ecs user_data",
     .line = "{" TS ",\"winlog\":{\"channel\":\"Security\",\"computer_name\":\"dc\","
             "\"event_id\":\"1102\",\"user_data\":{\"SubjectUserName\":\"adm\","
             "\"SubjectLogonId\":\"0x7\"}}}",
     .kind = KS_KIND_LOGGING, .code = 1102, .ts = TS_V, .dataset = "windows.security",
     .observer = "dc", .action = "log-cleared", .user = "adm", .session = "0x7",
     .dst_host = "dc", .bag_key = "SubjectUserName", .bag_val = "adm"},
    {.name = "104 flat",
     .line = "{\"EventID\":104,\"Channel\":\"System\",\"Hostname\":\"ws6\"," TS
             ",\"SubjectUserName\":\"adm\",\"Channel2\":\"Application\"}",
     .kind = KS_KIND_LOGGING, .code = 104, .ts = TS_V, .dataset = "windows.system",
     .observer = "ws6", .action = "log-cleared", .user = "adm", .dst_host = "ws6"},
    {.name = "4719 flat",
     .line = "{\"EventID\":4719,\"Channel\":\"Security\",\"Hostname\":\"ws6\"," TS
             ",\"SubjectUserName\":\"adm\",\"CategoryId\":\"%%8274\"}",
     .kind = KS_KIND_LOGGING, .code = 4719, .ts = TS_V, .dataset = "windows.security",
     .observer = "ws6", .action = "audit-policy-changed", .user = "adm", .dst_host = "ws6"},
    {.name = "sysmon 1 flat, UtcTime only",
     .line = "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
             "\"Hostname\":\"ws6\",\"UtcTime\":\"2020-09-20 16:16:06.470\","
             "\"Image\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"CommandLine\":\"cmd.exe /c dir\","
             "\"User\":\"THESHIRE\\\\pgustavo\",\"LogonId\":\"0x8\",\"ParentImage\":\"C:\\\\p.exe\","
             "\"Hashes\":\"SHA1=00\"}",
     .kind = KS_KIND_PROCESS, .code = 1, .ts = "2020-09-20T16:16:06.470Z",
     .dataset = "windows.sysmon", .observer = "ws6", .action = "process-start",
     .user = "THESHIRE\\pgustavo", .object = "cmd.exe /c dir", .session = "0x8",
     .dst_host = "ws6", .bag_key = "ParentImage", .bag_val = "C:\\p.exe"},
    {.name = "sysmon 3 ecs",
     .line = ECS("Microsoft-Windows-Sysmon/Operational", 3,
                 "\"Image\":\"C:\\\\x.exe\",\"User\":\"NT AUTHORITY\\\\SYSTEM\","
                 "\"Protocol\":\"tcp\",\"SourceIp\":\"172.18.39.6\",\"SourcePort\":\"49800\","
                 "\"SourceHostname\":\"ws6.corp\",\"DestinationIp\":\"10.0.0.9\","
                 "\"DestinationPort\":\"445\",\"DestinationHostname\":\"-\""),
     .kind = KS_KIND_NETCONN, .code = 3, .ts = TS_V, .dataset = "windows.sysmon",
     .observer = "WS6.theshire.local", .action = "network-connection",
     .user = "NT AUTHORITY\\SYSTEM", .object = "C:\\x.exe", .src = "172.18.39.6",
     .src_port = 49800, .src_host = "ws6.corp", .dst = "10.0.0.9", .dst_port = 445,
     .proto = 6},
    {.name = "generic security event keeps its fields",
     .line = "{\"EventID\":4663,\"Channel\":\"Security\",\"Hostname\":\"h\"," TS
             ",\"SubjectUserName\":\"alice\",\"ObjectName\":\"C:\\\\secret.txt\"}",
     .kind = KS_KIND_GENERIC, .code = 4663, .ts = TS_V, .dataset = "windows.security",
     .observer = "h", .dst_host = "h", .bag_key = "ObjectName", .bag_val = "C:\\secret.txt"},
    {.name = "sysmon id on another channel stays generic",
     .line = "{\"EventID\":1,\"Channel\":\"Application\",\"Hostname\":\"h\"," TS
             ",\"CommandLine\":\"x\"}",
     .kind = KS_KIND_GENERIC, .code = 1, .ts = TS_V, .dataset = "windows.application",
     .observer = "h", .dst_host = "h"},
    {.name = "powershell classic channel",
     .line = "{\"EventID\":400,\"Channel\":\"Windows PowerShell\",\"Hostname\":\"h\"," TS "}",
     .kind = KS_KIND_GENERIC, .code = 400, .ts = TS_V,
     .dataset = "windows.powershell-classic", .observer = "h", .dst_host = "h"},
    {.name = "other channel lowercased",
     .line = "{\"EventID\":5857,\"Channel\":\"Microsoft-Windows-WMI-Activity/Operational\","
             "\"Hostname\":\"h\"," TS "}",
     .kind = KS_KIND_GENERIC, .code = 5857, .ts = TS_V,
     .dataset = "windows.microsoft-windows-wmi-activity/operational", .observer = "h",
     .dst_host = "h"},
    {.name = "TimeCreated preferred over @timestamp",
     .line = "{\"EventID\":5379,\"Channel\":\"Security\",\"Hostname\":\"h\","
             "\"TimeCreated\":\"2022-08-18T05:34:25.119Z\",\"@timestamp\":\"2022-08-18T05:34:29Z\"}",
     .kind = KS_KIND_GENERIC, .code = 5379, .ts = "2022-08-18T05:34:25.119Z",
     .dataset = "windows.security", .observer = "h", .dst_host = "h"},
    {.name = "EventTime only (read as UTC)",
     .line = "{\"EventID\":4634,\"Channel\":\"Security\",\"Hostname\":\"h\","
             "\"EventTime\":\"2020-09-20 12:16:27\",\"TargetUserName\":\"u\"}",
     .kind = KS_KIND_LOGOFF, .code = 4634, .ts = "2020-09-20T12:16:27Z",
     .dataset = "windows.security", .observer = "h", .action = "logoff", .user = "u",
     .dst_host = "h"},
    {.name = "bad address keeps the event, text in the bag",
     .line = "{\"EventID\":4624,\"Channel\":\"Security\",\"Hostname\":\"h\"," TS
             ",\"TargetUserName\":\"u\",\"LogonType\":\"x\",\"IpAddress\":\"fe80::1%3\","
             "\"IpPort\":\"99999\"}",
     .kind = KS_KIND_AUTH, .outcome = KS_OUTCOME_SUCCESS, .code = 4624, .ts = TS_V,
     .dataset = "windows.security", .observer = "h", .action = "logon", .user = "u",
     .dst_host = "h", .bag_key = "IpAddress", .bag_val = "fe80::1%3"},
    {.name = "4624 evtx_dump jsonl",
     .line = "{\"Event\":{\"#attributes\":{\"xmlns\":\"x\"},\"System\":{\"Provider\":{"
             "\"#attributes\":{\"Name\":\"Microsoft-Windows-Security-Auditing\"}},"
             "\"EventID\":4624,\"TimeCreated\":{\"#attributes\":{\"SystemTime\":"
             "\"2026-03-11T05:16:41.816327Z\"}},\"Channel\":\"Security\",\"Computer\":\"ws1\"},"
             "\"EventData\":{\"TargetUserName\":\"bob\",\"LogonType\":3,\"IpAddress\":"
             "\"10.9.8.7\",\"IpPort\":\"445\",\"TargetLogonId\":\"0x99\"}}}",
     .kind = KS_KIND_AUTH, .outcome = KS_OUTCOME_SUCCESS, .code = 4624,
     .ts = "2026-03-11T05:16:41.816327Z", .dataset = "windows.security", .observer = "ws1",
     .action = "logon", .user = "bob", .session = "0x99", .src = "10.9.8.7", .src_port = 445,
     .dst_host = "ws1", .logon_type = 3, .bag_key = "Event.System.Channel",
     .bag_val = "Security"},
    {.name = "7045 evtx_dump with Qualifiers",
     .line = "{\"Event\":{\"System\":{\"EventID\":{\"#attributes\":{\"Qualifiers\":16384},"
             "\"#text\":7045},\"TimeCreated\":{\"#attributes\":{\"SystemTime\":"
             "\"2026-03-11T05:16:41Z\"}},\"Channel\":\"System\",\"Computer\":\"ws1\"},"
             "\"EventData\":{\"ServiceName\":\"s\",\"ImagePath\":\"C:\\\\s.exe\","
             "\"AccountName\":\"LocalSystem\"}}}",
     .kind = KS_KIND_SERVICE, .code = 7045, .ts = "2026-03-11T05:16:41Z",
     .dataset = "windows.system", .observer = "ws1", .action = "service-install",
     .user = "LocalSystem", .object = "C:\\s.exe", .dst_host = "ws1", .bag_key = "ServiceName",
     .bag_val = "s"},
    {.name = "1102 evtx_dump UserData",
     .line = "{\"Event\":{\"System\":{\"EventID\":1102,\"TimeCreated\":{\"#attributes\":{"
             "\"SystemTime\":\"2026-03-11T05:16:41Z\"}},\"Channel\":\"Security\","
             "\"Computer\":\"dc\"},\"UserData\":{\"LogFileCleared\":{\"SubjectUserName\":"
             "\"adm\",\"SubjectLogonId\":\"0x5\"}}}}",
     .kind = KS_KIND_LOGGING, .code = 1102, .ts = "2026-03-11T05:16:41Z",
     .dataset = "windows.security", .observer = "dc", .action = "log-cleared", .user = "adm",
     .session = "0x5", .dst_host = "dc", .bag_key = "SubjectUserName", .bag_val = "adm"},
    {.name = "no channel: security mapping applies, host.name fallback",
     .line = "{\"winlog\":{\"event_id\":4624,\"event_data\":{\"TargetUserName\":\"u\"}},"
             "\"host\":{\"name\":\"hn\"}," TS "}",
     .kind = KS_KIND_AUTH, .outcome = KS_OUTCOME_SUCCESS, .code = 4624, .ts = TS_V,
     .dataset = "windows", .observer = "hn", .action = "logon", .user = "u", .dst_host = "hn",
     .bag_key = "host.name", .bag_val = "hn"},
};

static void test_goldens(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof goldens / sizeof goldens[0]; i++) {
        const struct golden *g = &goldens[i];
        struct ks_collect c = {0};
        uint64_t bad = 99;
        int64_t ts;
        assert_int_equal(ks_ingest_parse_buffer(winjson(), "t", g->line, strlen(g->line),
                                                ks_collect_sink, &c, &bad), 0);
        if (c.n != 1 || bad != 0)
            fail_msg("%s: %zu events, %llu malformed", g->name, c.n, (unsigned long long)bad);
        const struct ks_event *e = c.ev[0];
        if (e->kind != g->kind || e->outcome != g->outcome || e->code != g->code)
            fail_msg("%s: kind %u outcome %u code %u, want %u %u %u", g->name, e->kind,
                     e->outcome, e->code, g->kind, g->outcome, g->code);
        assert_int_equal(ks_time_parse_rfc3339(g->ts, strlen(g->ts), &ts), 0);
        if (e->ts != ts)
            fail_msg("%s: ts %lld, want %lld", g->name, (long long)e->ts, (long long)ts);
        check_sv(g->name, "dataset", e->dataset, g->dataset);
        check_sv(g->name, "observer", e->observer, g->observer);
        check_sv(g->name, "action", e->action, g->action);
        check_sv(g->name, "user", e->user, g->user);
        check_sv(g->name, "object", e->object, g->object);
        check_sv(g->name, "session", e->session, g->session);
        check_sv(g->name, "src_host", e->src_host, g->src_host);
        check_sv(g->name, "dst_host", e->dst_host, g->dst_host);
        check_addr(g->name, "src", &e->src, g->src);
        check_addr(g->name, "dst", &e->dst, g->dst);
        if (e->src_port != g->src_port || e->dst_port != g->dst_port || e->proto != g->proto ||
            e->logon_type != g->logon_type)
            fail_msg("%s: ports %u %u proto %u logon_type %u, want %u %u %u %u", g->name,
                     e->src_port, e->dst_port, e->proto, e->logon_type, g->src_port, g->dst_port,
                     g->proto, g->logon_type);
        if (g->bag_key)
            check_sv(g->name, g->bag_key, ks_event_bag_get(e, g->bag_key), g->bag_val);
        /* Every field of the record is in the bag, mapped ones included. */
        for (uint32_t k = 0; k < e->nbag; k++) {
            if (ks_sv_starts_with(e->bag[k].key, "winlog.event_data.") ||
                ks_sv_starts_with(e->bag[k].key, "winlog.user_data."))
                fail_msg("%s: bag key %.*s keeps its ECS prefix", g->name,
                         (int)e->bag[k].key.n, e->bag[k].key.p);
        }
        ks_collect_free(&c);
    }
}

/* The bag holds every original field with its original (or prefix-stripped) name. */
static void test_bag_complete(void **unused)
{
    (void)unused;
    const char *flat = goldens[0].line, *ecs = goldens[1].line;
    struct ks_collect c = {0};
    uint64_t bad;
    assert_int_equal(
        ks_ingest_parse_buffer(winjson(), "t", flat, strlen(flat), ks_collect_sink, &c, &bad), 0);
    assert_int_equal(
        ks_ingest_parse_buffer(winjson(), "t", ecs, strlen(ecs), ks_collect_sink, &c, &bad), 0);
    assert_int_equal(c.n, 2);
    const struct ks_event *e = c.ev[0];
    assert_int_equal(e->nbag, 13);
    check_sv("flat", "EventID", ks_event_bag_get(e, "EventID"), "4624");
    check_sv("flat", "Channel", ks_event_bag_get(e, "Channel"), "Security");
    check_sv("flat", "IpAddress", ks_event_bag_get(e, "IpAddress"), "172.18.39.5");
    check_sv("flat", "LogonType", ks_event_bag_get(e, "LogonType"), "3");
    check_sv("flat", "host", ks_event_bag_get(e, "host"), "wec.internal.cloudapp.net");
    e = c.ev[1];
    assert_int_equal(e->nbag, 13);
    check_sv("ecs", "winlog.event_id", ks_event_bag_get(e, "winlog.event_id"), "4624");
    check_sv("ecs", "winlog.channel", ks_event_bag_get(e, "winlog.channel"), "Security");
    check_sv("ecs", "event.code", ks_event_bag_get(e, "event.code"), "4624");
    check_sv("ecs", "winlog.provider_name", ks_event_bag_get(e, "winlog.provider_name"), "P");
    check_sv("ecs", "LogonType", ks_event_bag_get(e, "LogonType"), "3");
    check_sv("ecs", "IpPort", ks_event_bag_get(e, "IpPort"), "49152");
    ks_collect_free(&c);
}

/* ---------------------------------------------------------------- bad inputs */

#define GOOD "{\"EventID\":4624,\"Channel\":\"Security\",\"Hostname\":\"h\"," TS "}\n"
#define PRETTY                                                                                     \
    "{\n  \"Event\": {\n    \"System\": {\n      \"EventID\": 4688,\n      \"Channel\": "           \
    "\"Security\",\n      \"TimeCreated\": {\"#attributes\": {\"SystemTime\": "                 \
    "\"2026-01-01T00:00:00Z\"}}\n    },\n    \"EventData\": {\"CommandLine\": \"a { b \\\" }\"}\n  "  \
    "}\n}\n"

static const struct {
    const char *name;
    const char *text;
    uint64_t events;
    uint64_t malformed;
} bad_inputs[] = {
    {"empty input", "", 0, 0},
    {"blank lines", "\n \r\n\t\n", 0, 0},
    {"good only", GOOD GOOD, 2, 0},
    {"not json", GOOD "EventID=4624\n" GOOD, 2, 1},
    {"array", GOOD "[{\"EventID\":4624}]\n" GOOD, 2, 1},
    {"string", "\"x\"\n" GOOD, 1, 1},
    {"two objects on a line", "{\"EventID\":1," TS "} {}\n" GOOD, 1, 1},
    {"no EventID", GOOD "{\"Channel\":\"Security\"," TS "}\n" GOOD, 2, 1},
    {"null EventID", "{\"EventID\":null," TS "}\n" GOOD, 1, 1},
    {"bad EventID", "{\"EventID\":\"abc\"," TS "}\n" GOOD, 1, 1},
    {"negative EventID", "{\"EventID\":-1," TS "}\n" GOOD, 1, 1},
    {"huge EventID", "{\"EventID\":4294967296," TS "}\n" GOOD, 1, 1},
    {"no timestamp", "{\"EventID\":4624,\"Channel\":\"Security\"}\n" GOOD, 1, 1},
    {"bad timestamp", "{\"EventID\":4624,\"@timestamp\":\"yesterday\"}\n" GOOD, 1, 1},
    {"bad first timestamp, good second",
     "{\"EventID\":4624,\"TimeCreated\":\"x\",\"EventTime\":\"2020-01-01 00:00:00\"}\n", 1, 0},
    {"invalid UTF-8 is kept", "{\"EventID\":4624," TS ",\"U\":\"\xff\"}\n" GOOD, 2, 0},
    {"truncated last line", GOOD "{\"EventID\":4624,\"Chan", 1, 1},
    {"complete last line without newline", GOOD "{\"EventID\":4624," TS "}", 2, 0},
    {"unterminated string", "{\"EventID\":4624," TS ",\"x\":\"abc}\n" GOOD, 1, 1},
    {"trailing comma", "{\"EventID\":4624," TS ",}\n" GOOD, 1, 1},
    {"nested too deeply",
     "{\"EventID\":1," TS ",\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
     "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}}}}}}}}}}\n" GOOD,
     1, 1},
    {"CRLF", "{\"EventID\":4624," TS "}\r\n{\"EventID\":4625," TS "}\r\n", 2, 0},
    {"pretty-printed documents", PRETTY PRETTY GOOD, 3, 0},
    {"pretty-printed, CRLF and indented brace", "  {\r\n  \"EventID\": 4624,\r\n  " TS "\r\n}\r\n",
     1, 0},
    {"pretty-printed, truncated", GOOD PRETTY "{\n \"EventID\": 1,\n", 2, 1},
    {"pretty-printed, bad inside", "{\n \"EventID\": 1,,\n " TS "\n}\n" GOOD, 1, 1},
    {"damaged line does not swallow the next", "{\"EventID\":4624,\"x\":\"\n" GOOD GOOD, 2, 1},
};

static void test_bad_inputs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        uint64_t events = 0, bad = 99;
        const char *t = bad_inputs[i].text;
        int rc = ks_ingest_parse_buffer(winjson(), "t", t, strlen(t), ks_count_sink, &events, &bad);
        if (rc != 0 || events != bad_inputs[i].events || bad != bad_inputs[i].malformed)
            fail_msg("%s: rc %d events %llu malformed %llu, want %llu %llu", bad_inputs[i].name,
                     rc, (unsigned long long)events, (unsigned long long)bad,
                     (unsigned long long)bad_inputs[i].events,
                     (unsigned long long)bad_inputs[i].malformed);
    }
}

/* The reason names what is wrong; the framework adds the position. */
static void test_reasons(void **unused)
{
    (void)unused;
    static const struct {
        const char *line;
        const char *reason;
    } cases[] = {
        {"{\"Channel\":\"x\"," TS "}", "EventID"},
        {"{\"EventID\":1}", "timestamp"},
        {"{\"EventID\":1,\"@timestamp\":\"x\"}", "@timestamp"},
        {"{\"EventID\":1,", "json"},
    };
    const struct ks_parser_ops *ops = winjson();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ks_parse_ctx ctx;
        struct ks_event ev;
        void *st;
        size_t consumed;
        memset(&ctx, 0, sizeof ctx);
        ctx.eof = true;
        assert_int_equal(ops->create(&ctx, &st), 0);
        int r = ops->next(st, &ctx, cases[i].line, strlen(cases[i].line), &consumed, &ev);
        assert_int_equal(r, KS_PARSE_MALFORMED);
        assert_int_equal(consumed, strlen(cases[i].line));
        if (!strstr(ctx.err, cases[i].reason))
            fail_msg("case %zu: reason '%s' lacks '%s'", i, ctx.err, cases[i].reason);
        ops->destroy(st);
    }
}

/* More fields than the bag holds: malformed; exactly the bag size: an event. Also a record fed
 * one byte at a time answers INCOMPLETE until its newline. */
static void test_field_limits_and_incomplete(void **unused)
{
    (void)unused;
    for (int extra = KS_EVENT_MAX_BAG - 2; extra <= KS_EVENT_MAX_BAG - 1; extra++) {
        struct ks_buf b;
        uint64_t events = 0, bad = 0;
        ks_buf_init(&b, 1 << 20);
        assert_int_equal(ks_buf_printf(&b, "{\"EventID\":1," TS), 0);
        for (int k = 0; k < extra; k++)
            assert_int_equal(ks_buf_printf(&b, ",\"F%d\":%d", k, k), 0);
        assert_int_equal(ks_buf_printf(&b, "}\n"), 0);
        assert_int_equal(ks_ingest_parse_buffer(winjson(), "t", b.p, b.len, ks_count_sink, &events,
                                                &bad), 0);
        assert_int_equal(events, extra + 2 <= KS_EVENT_MAX_BAG ? 1 : 0);
        assert_int_equal(bad, extra + 2 <= KS_EVENT_MAX_BAG ? 0 : 1);
        ks_buf_free(&b);
    }

    const struct ks_parser_ops *ops = winjson();
    const char *line = GOOD;
    struct ks_parse_ctx ctx;
    struct ks_event ev;
    void *st;
    size_t consumed;
    memset(&ctx, 0, sizeof ctx);
    assert_int_equal(ops->create(&ctx, &st), 0);
    for (size_t n = 0; n < strlen(line); n++) {
        consumed = 7;
        assert_int_equal(ops->next(st, &ctx, line, n, &consumed, &ev), KS_PARSE_INCOMPLETE);
        assert_int_equal(consumed, 0);
    }
    assert_int_equal(ops->next(st, &ctx, line, strlen(line), &consumed, &ev), KS_PARSE_EVENT);
    assert_int_equal(consumed, strlen(line));
    assert_int_equal(ev.code, 4624);
    ops->destroy(st);
}

/* ---------------------------------------------------------------- real data */

static const char *const otrf_zips[] = {
    "OTRF+Security-Datasets/datasets/atomic/windows/lateral_movement/host/"
    "empire_psexec_dcerpc_tcp_svcctl.zip",
    "OTRF+Security-Datasets/datasets/atomic/windows/lateral_movement/host/"
    "empire_smbexec_dcerpc_smb_svcctl.zip",
    "OTRF+Security-Datasets/datasets/atomic/windows/lateral_movement/host/"
    "empire_wmi_dcerpc_wmi_IWbemServices_ExecMethod.zip",
    "OTRF+Security-Datasets/datasets/atomic/windows/defense_evasion/host/"
    "cmd_disable_eventlog_service_startuptype_modification_via_registry.zip",
    "OTRF+Security-Datasets/datasets/atomic/windows/defense_evasion/host/"
    "reg_cmd_process_commandline_logging_disabled.zip",
};

static uint64_t count_nonblank_lines(const char *p, size_t n)
{
    uint64_t lines = 0;
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        for (size_t k = i; k < e; k++) {
            if (p[k] != ' ' && p[k] != '\t' && p[k] != '\r') {
                lines++;
                break;
            }
        }
        i = e + 1;
    }
    return lines;
}

static char *read_member(zip_t *z, zip_uint64_t idx, size_t *len)
{
    zip_stat_t zs;
    assert_int_equal(zip_stat_index(z, idx, 0, &zs), 0);
    char *buf = malloc(zs.size + 1);
    assert_non_null(buf);
    zip_file_t *f = zip_fopen_index(z, idx, 0);
    assert_non_null(f);
    zip_uint64_t got = 0;
    while (got < zs.size) {
        zip_int64_t r = zip_fread(f, buf + got, zs.size - got);
        assert_true(r > 0);
        got += (zip_uint64_t)r;
    }
    zip_fclose(f);
    *len = (size_t)zs.size;
    return buf;
}

static void test_real_otrf(void **unused)
{
    (void)unused;
    char path[4096];
    KS_NEED_DATA(path, otrf_zips[0]);
    for (size_t i = 0; i < sizeof otrf_zips / sizeof otrf_zips[0]; i++) {
        int zerr = 0;
        KS_NEED_DATA(path, otrf_zips[i]);
        zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
        assert_non_null(z);
        size_t members = 0;
        for (zip_int64_t m = 0; m < zip_get_num_entries(z, 0); m++) {
            const char *name = zip_get_name(z, (zip_uint64_t)m, 0);
            size_t nl = strlen(name);
            if (strncmp(name, "__MACOSX/", 9) == 0 || nl < 5 || strcmp(name + nl - 5, ".json"))
                continue;
            members++;
            size_t len;
            char *buf = read_member(z, (zip_uint64_t)m, &len);
            const struct ks_parser_ops *ops = ks_parser_detect(buf, KS_MIN(len, (size_t)65536));
            assert_ptr_equal(ops, winjson());
            struct ks_collect c = {0};
            uint64_t bad = 99;
            assert_int_equal(ks_ingest_parse_buffer(ops, name, buf, len, ks_collect_sink, &c, &bad),
                             0);
            uint64_t want = count_nonblank_lines(buf, len);
            if (c.n != want || bad != 0)
                fail_msg("%s:%s: %zu events, %llu malformed; %llu lines", otrf_zips[i], name, c.n,
                         (unsigned long long)bad, (unsigned long long)want);
            size_t net_logons = 0, services = 0, service_ids = 0, sysmon_net = 0;
            for (size_t k = 0; k < c.n; k++) {
                const struct ks_event *e = c.ev[k];
                assert_true(e->ts > INT64_C(1500000000) * KS_NS_PER_SEC);
                assert_non_null(e->observer.p);
                assert_true(strncmp(e->dataset.p, "windows.", 8) == 0);
                assert_true(e->nbag > 0);
                if (e->kind == KS_KIND_AUTH && e->logon_type == 3 && ks_addr_is_set(&e->src))
                    net_logons++;
                if ((e->code == 7045 && ks_test_sv_is(e->dataset, "windows.system")) ||
                    (e->code == 4697 && ks_test_sv_is(e->dataset, "windows.security"))) {
                    service_ids++;
                    if (e->kind == KS_KIND_SERVICE && e->object.p)
                        services++;
                }
                if (e->kind == KS_KIND_NETCONN && ks_addr_is_set(&e->src) &&
                    ks_addr_is_set(&e->dst))
                    sysmon_net++;
                if (e->code == 4624 && ks_test_sv_is(e->dataset, "windows.security"))
                    assert_int_equal(e->kind, KS_KIND_AUTH);
            }
            assert_int_equal(services, service_ids);
            if (strstr(otrf_zips[i], "lateral_movement")) {
                if (net_logons == 0)
                    fail_msg("%s: no network logon with a source address", otrf_zips[i]);
                if (!strstr(otrf_zips[i], "wmi") && service_ids < 2)
                    fail_msg("%s: %zu service installs, want 7045 and 4697", otrf_zips[i],
                             service_ids);
                assert_true(sysmon_net > 0);
            }
            ks_collect_free(&c);
            free(buf);
        }
        assert_true(members > 0);
        zip_close(z);
    }
}

/* SigmaHQ's regression samples: evtx_dump JSON, pretty-printed, one or more events per file. */
static struct {
    size_t files, events;
    bool failed;
} sigma;

static int sigma_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    size_t n = strlen(path), len;
    if (flag != FTW_F || n < 5 || strcmp(path + n - 5, ".json") != 0)
        return 0;
    char *buf = ks_test_read_file(path, &len);
    struct ks_collect c = {0};
    uint64_t bad = 99;
    const struct ks_parser_ops *ops = ks_parser_detect(buf, KS_MIN(len, (size_t)65536));
    if (ops != winjson() ||
        ks_ingest_parse_buffer(ops, path, buf, len, ks_collect_sink, &c, &bad) != 0 || bad != 0 ||
        c.n == 0) {
        fprintf(stderr, "%s: detected %s, %zu events, %llu malformed\n", path,
                ops ? ops->name : "none", c.n, (unsigned long long)bad);
        sigma.failed = true;
    }
    for (size_t i = 0; i < c.n; i++) {
        const struct ks_event *e = c.ev[i];
        struct ks_sv id = ks_event_bag_get(e, "Event.System.EventID");
        char want[16];
        if (!id.p)
            id = ks_event_bag_get(e, "Event.System.EventID.#text");
        snprintf(want, sizeof want, "%u", e->code);
        if (!ks_test_sv_is(id, want) || e->ts <= 0 || !e->observer.p ||
            strncmp(e->dataset.p, "windows", 7) != 0) {
            fprintf(stderr, "%s: event %zu: code %u ts %lld\n", path, i, e->code,
                    (long long)e->ts);
            sigma.failed = true;
        }
    }
    sigma.files++;
    sigma.events += c.n;
    ks_collect_free(&c);
    free(buf);
    return 0;
}

static void test_real_sigma_regression(void **unused)
{
    (void)unused;
    char path[4096];
    KS_NEED_DATA(path, "SigmaHQ+sigma/regression_data/rules/windows");
    memset(&sigma, 0, sizeof sigma);
    assert_int_equal(nftw(path, sigma_one, 16, FTW_PHYS), 0);
    assert_false(sigma.failed);
    assert_true(sigma.files >= 100);
    assert_true(sigma.events >= sigma.files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goldens),
        cmocka_unit_test(test_bag_complete),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_field_limits_and_incomplete),
        cmocka_unit_test(test_real_otrf),
        cmocka_unit_test(test_real_sigma_regression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
