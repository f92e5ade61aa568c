/* SPDX-License-Identifier: MIT */
/*
 * gen_winjson.c - benchmark data generator: Windows Security and Sysmon events as NXLog flat JSON
 * lines (the layout of the OTRF Security-Datasets "mordor" exports), for the Windows ingest
 * benchmark in bench/. Deterministic from the seed.
 *
 * Mix: 4624 logon, 4625 failed logon, 4634 logoff, 4672 special privileges, 4688 process
 * creation, 4769 Kerberos service ticket, 5140/5145 share access, Sysmon 1 process create and
 * Sysmon 3 network connection, from ~2000 workstations, 12 domain controllers and 60 servers and
 * ~3000 users. Field sets, names and values follow the real samples; Message carries the event's
 * rendered text without Windows' explanatory trailer, which gives lines of about 1-1.5 KB.
 *
 * Usage: gen_winjson --events N [--seed S] [--days D] [--start YYYY-MM-DD] [--no-message]
 *                    > events.json   (--no-message: drop Message, as many NXLog configs do)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NWKS 2000
#define NDC 12
#define NSRV 60
#define NUSERS 3000
#define OUTBUF (1u << 20)
#define LINEMAX 16384

/* ---------------------------------------------------------------- rng (xoshiro256**) */

static uint64_t rs[4];

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rnd(void)
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9;
    uint64_t t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}

static inline uint32_t rndn(uint32_t n)
{
    return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

/* Skewed pick in [0, n): the square of a uniform favours low ranks (a few busy users/hosts). */
static inline uint32_t rnd_skew(uint32_t n)
{
    uint64_t u = rnd() >> 40; /* 24 bits */
    return (uint32_t)((u * u * (uint64_t)n) >> 48);
}

static void rnd_seed(uint64_t seed)
{
    uint64_t z = seed;
    for (int i = 0; i < 4; i++) {
        z += 0x9e3779b97f4a7c15ULL;
        uint64_t x = z;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        rs[i] = x ^ (x >> 31);
    }
}

/* ---------------------------------------------------------------- line builder */

static char line[LINEMAX];
static size_t ln;
static bool first;

static void put_raw(const char *s, size_t n)
{
    if (ln + n < LINEMAX) {
        memcpy(line + ln, s, n);
        ln += n;
    }
}

static void put_c(char c)
{
    if (ln + 1 < LINEMAX)
        line[ln++] = c;
}

static void put_js(const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (c == '"' || c == '\\') {
            put_c('\\');
            put_c(c);
        } else if (c == '\n') {
            put_raw("\\n", 2);
        } else if (c == '\r') {
            put_raw("\\r", 2);
        } else if (c == '\t') {
            put_raw("\\t", 2);
        } else {
            put_c(c);
        }
    }
}

static void key(const char *k)
{
    if (!first)
        put_c(',');
    first = false;
    put_c('"');
    put_raw(k, strlen(k));
    put_raw("\":", 2);
}

static bool with_message = true;

static void ks(const char *k, const char *v)
{
    if (!with_message && k[0] == 'M' && !strcmp(k, "Message"))
        return;
    key(k);
    put_c('"');
    put_js(v);
    put_c('"');
}

static void kn(const char *k, int64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof(t), "%lld", (long long)v);
    key(k);
    put_raw(t, (size_t)n);
}

/* printf-formatted string value (used for short composed values only) */
static void kf(const char *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kf(const char *k, const char *fmt, ...)
{
    char t[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t, sizeof(t), fmt, ap);
    va_end(ap);
    ks(k, t);
}

/* ---------------------------------------------------------------- world */

static const char *domain = "CORP";
static const char *fqdn = "corp.example.local";
static const char *const first_names[] = {"hiroshi", "yuki",  "kenji", "aiko",   "takeshi", "mei",
                                           "satoshi", "naoko", "daiki", "haruka", "ryo",     "emi",
                                           "kazuki", "sakura", "shun",  "yui"};
static const char *const last_names[] = {"sato",   "suzuki", "takahashi", "tanaka", "watanabe",
                                         "ito",    "yamamoto", "nakamura", "kobayashi", "kato",
                                         "yoshida", "yamada", "sasaki",   "matsumoto"};

struct proc {
    const char *image;
    const char *cmd;
    const char *desc;
    const char *product;
    const char *company;
    const char *version;
};

static const struct proc procs[] = {
    {"C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
     "Host Process for Windows Services", "Microsoft\xC2\xAE Windows\xC2\xAE Operating System",
     "Microsoft Corporation", "10.0.17763.1"},
    {"C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\" /c ipconfig /all",
     "Windows Command Processor", "Microsoft\xC2\xAE Windows\xC2\xAE Operating System",
     "Microsoft Corporation", "10.0.17763.592"},
    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
     "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\inventory\\collect.ps1",
     "Windows PowerShell", "Microsoft\xC2\xAE Windows\xC2\xAE Operating System",
     "Microsoft Corporation", "10.0.17763.1"},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
     "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE\" ",
     "Microsoft Outlook", "Microsoft Office", "Microsoft Corporation", "16.0.13127.20408"},
    {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
     "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer "
     "--field-trial-handle=1680,7442951093870155049,1436375637591263395,131072 --lang=ja "
     "--device-scale-factor=1 --num-raster-threads=2 --renderer-client-id=9 --mojo-platform-channel-handle=3080 /prefetch:1",
     "Google Chrome", "Google Chrome", "Google LLC", "86.0.4240.75"},
    {"C:\\Windows\\System32\\conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
     "Console Window Host", "Microsoft\xC2\xAE Windows\xC2\xAE Operating System",
     "Microsoft Corporation", "10.0.17763.1"},
    {"C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe SYSTEM",
     "Host Process for Windows Tasks", "Microsoft\xC2\xAE Windows\xC2\xAE Operating System",
     "Microsoft Corporation", "10.0.17763.1"},
    {"C:\\Program Files\\Common Files\\microsoft shared\\ClickToRun\\OfficeC2RClient.exe",
     "\"C:\\Program Files\\Common Files\\Microsoft Shared\\ClickToRun\\OfficeC2RClient.exe\" "
     "/frequentupdate SCHEDULEDTASK displaylevel=False",
     "Microsoft Office Click-to-Run Client", "Microsoft Office", "Microsoft Corporation",
     "16.0.13127.20376"},
    {"C:\\Windows\\System32\\net.exe", "net use \\\\fs01\\projects /persistent:no",
     "Net Command", "Microsoft\xC2\xAE Windows\xC2\xAE Operating System", "Microsoft Corporation",
     "10.0.17763.1"},
    {"C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
     "WMI Provider Host", "Microsoft\xC2\xAE Windows\xC2\xAE Operating System",
     "Microsoft Corporation", "10.0.17763.1"},
};
#define NPROCS (sizeof(procs) / sizeof(procs[0]))

static const char *const shares[] = {"\\\\*\\SYSVOL", "\\\\*\\IPC$", "\\\\*\\projects",
                                     "\\\\*\\finance", "\\\\*\\home", "\\\\*\\NETLOGON"};
static const char *const share_paths[] = {"\\??\\C:\\Windows\\SYSVOL\\sysvol", "",
                                          "\\??\\D:\\Shares\\projects", "\\??\\D:\\Shares\\finance",
                                          "\\??\\E:\\Home", "\\??\\C:\\Windows\\SYSVOL\\sysvol\\corp.example.local\\SCRIPTS"};
static const char *const rel_targets[] = {
    "corp.example.local\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}\\gpt.ini", "srvsvc",
    "2024\\customer-%04u\\design\\spec-v%u.docx", "FY2024\\Q2\\invoice-%05u.xlsx",
    "%s\\Documents\\notes-%u.txt", "logon-%u.cmd"};

struct host {
    char name[64];  /* WKS0001 */
    char fqdn[96];  /* WKS0001.corp.example.local */
    char ip[24];
};

static struct host wks[NWKS], dcs[NDC], srvs[NSRV];
static char users[NUSERS][40];

static void world_build(void)
{
    for (int i = 0; i < NWKS; i++) {
        snprintf(wks[i].name, sizeof(wks[i].name), "WKS%04d", i + 1);
        snprintf(wks[i].ip, sizeof(wks[i].ip), "10.20.%d.%d", i / 250, 10 + i % 250);
    }
    for (int i = 0; i < NDC; i++) {
        snprintf(dcs[i].name, sizeof(dcs[i].name), "DC%02d", i + 1);
        snprintf(dcs[i].ip, sizeof(dcs[i].ip), "10.10.0.%d", 10 + i);
    }
    for (int i = 0; i < NSRV; i++) {
        snprintf(srvs[i].name, sizeof(srvs[i].name), i < 8 ? "FS%02d" : "APP%02d", i < 8 ? i + 1 : i - 7);
        snprintf(srvs[i].ip, sizeof(srvs[i].ip), "10.10.1.%d", 10 + i);
    }
    struct host *all[] = {wks, dcs, srvs};
    int counts[] = {NWKS, NDC, NSRV};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < counts[k]; i++)
            snprintf(all[k][i].fqdn, sizeof(all[k][i].fqdn), "%s.%s", all[k][i].name, fqdn);
    for (int i = 0; i < NUSERS; i++)
        if (i < 224)
            snprintf(users[i], sizeof(users[i]), "%s.%s", first_names[i % 16], last_names[(i / 16) % 14]);
        else
            snprintf(users[i], sizeof(users[i]), "%s.%s%d", first_names[i % 16], last_names[(i / 16) % 14],
                     i / 224);
}

/* ---------------------------------------------------------------- common envelope */

struct ctx {
    int64_t t_ms;          /* event time, ms since epoch (UTC) */
    const struct host *h;  /* reporting computer */
    uint64_t record;
};

static void fmt_time(char *buf, size_t cap, int64_t ms, int style)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    if (style == 0) /* 2024-05-06T00:00:00.123Z */
        snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    else if (style == 1) /* 2024-05-06 00:00:00 */
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    else /* 2024-05-06 00:00:00.123 (Sysmon UtcTime) */
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void envelope(const struct ctx *c, int eid, bool sysmon, const char *category, int task,
                     const char *type)
{
    char t0[80], t1[80], t2[80];
    fmt_time(t0, sizeof(t0), c->t_ms + 1500 + rndn(900), 0);
    fmt_time(t1, sizeof(t1), c->t_ms + 1500, 1);
    fmt_time(t2, sizeof(t2), c->t_ms, 1);
    kn("SeverityValue", 2);
    ks("EventReceivedTime", t1);
    kn("EventID", eid);
    ks("ProviderGuid", sysmon ? "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"
                              : "{54849625-5478-4994-A5BA-3E3B0328C30D}");
    kn("ExecutionProcessID", sysmon ? 3392 : (eid == 4688 || eid / 10 == 514 ? 4 : 696));
    ks("Channel", sysmon ? "Microsoft-Windows-Sysmon/Operational" : "Security");
    ks("host", "wec.corp.example.local");
    ks("Opcode", "Info");
    ks("EventTime", t2);
    ks("SourceModuleType", "im_msvistalog");
    ks("@version", "1");
    kn("OpcodeValue", 0);
    ks("Severity", "INFO");
    ks("SourceName", sysmon ? "Microsoft-Windows-Sysmon" : "Microsoft-Windows-Security-Auditing");
    ks("Category", category);
    kn("Keywords", sysmon ? INT64_MIN : (eid == 4625 ? -9218868437227405312LL : -9214364837600034816LL));
    kn("ThreadID", 1000 + rndn(7000));
    ks("EventType", type);
    ks("@timestamp", t0);
    kn("port", 64545);
    kn("RecordNumber", (int64_t)c->record);
    kn("Task", task);
    ks("SourceModuleName", "eventlog");
    kn("Version", sysmon ? 5 : (eid == 4624 ? 2 : (eid == 4688 ? 2 : 0)));
    ks("Hostname", c->h->fqdn);
}

static void guid(char *buf, size_t cap)
{
    uint64_t a = rnd(), b = rnd();
    snprintf(buf, cap, "{%08x-%04x-%04x-%04x-%012llx}", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xffff, (unsigned)(b >> 48), (unsigned long long)(b & 0xffffffffffffULL));
}

static void sid_of_user(char *buf, size_t cap, int u)
{
    snprintf(buf, cap, "S-1-5-21-4228717743-1032521047-1810997296-%d", 1104 + u);
}

/* ---------------------------------------------------------------- event bodies */

static void ev_4624(const struct ctx *c, bool failed)
{
    int u = (int)rnd_skew(NUSERS);
    const struct host *src = &wks[rnd_skew(NWKS)];
    int lt = rndn(10) < 7 ? 3 : (rndn(3) == 0 ? 10 : 2);
    char sid[96], lid[24], g[48], msg[3072];
    sid_of_user(sid, sizeof(sid), u);
    snprintf(lid, sizeof(lid), "0x%llx", (unsigned long long)(0x4000000 + (rnd() & 0xffffff)));
    guid(g, sizeof(g));
    const char *pkg = lt == 3 ? (rndn(4) ? "Kerberos" : "NTLM") : "Negotiate";
    char port[16];
    snprintf(port, sizeof(port), "%u", 49152 + rndn(16000));
    if (!failed)
        envelope(c, 4624, false, "Logon", 12544, "AUDIT_SUCCESS");
    else
        envelope(c, 4625, false, "Logon", 12544, "AUDIT_FAILURE");
    ks("SubjectUserSid", lt == 3 ? "S-1-0-0" : "S-1-5-18");
    ks("SubjectUserName", lt == 3 ? "-" : c->h->name);
    ks("SubjectDomainName", lt == 3 ? "-" : domain);
    ks("SubjectLogonId", lt == 3 ? "0x0" : "0x3e7");
    ks("TargetUserSid", failed ? "S-1-0-0" : sid);
    ks("TargetUserName", users[u]);
    ks("TargetDomainName", domain);
    ks("LogonType", lt == 3 ? "3" : (lt == 10 ? "10" : "2"));
    ks("LogonProcessName", lt == 3 ? (pkg[0] == 'K' ? "Kerberos" : "NtLmSsp ") : "User32 ");
    ks("AuthenticationPackageName", pkg);
    ks("WorkstationName", lt == 3 ? src->name : c->h->name);
    ks("TransmittedServices", "-");
    ks("LmPackageName", pkg[0] == 'N' && lt == 3 ? "NTLM V2" : "-");
    ks("KeyLength", pkg[0] == 'N' && lt == 3 ? "128" : "0");
    ks("ProcessId", lt == 3 ? "0x0" : "0x2c8");
    ks("ProcessName", lt == 3 ? "-" : "C:\\Windows\\System32\\svchost.exe");
    ks("IpAddress", lt == 2 ? "127.0.0.1" : src->ip);
    ks("IpPort", lt == 2 ? "0" : port);
    if (failed) {
        ks("Status", "0xc000006d");
        ks("SubStatus", rndn(4) ? "0xc000006a" : "0xc0000064");
        ks("FailureReason", "%%2313");
        snprintf(msg, sizeof(msg),
                 "An account failed to log on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-0-0\r\n\t"
                 "Account Name:\t\t-\r\n\tAccount Domain:\t\t-\r\n\tLogon ID:\t\t0x0\r\n\r\n"
                 "Logon Type:\t\t\t%d\r\n\r\nAccount For Which Logon Failed:\r\n\tSecurity ID:\t\t"
                 "S-1-0-0\r\n\tAccount Name:\t\t%s\r\n\tAccount Domain:\t\t%s\r\n\r\nFailure "
                 "Information:\r\n\tFailure Reason:\t\tUnknown user name or bad password.\r\n\t"
                 "Status:\t\t\t0xC000006D\r\n\tSub Status:\t\t0xC000006A\r\n\r\nNetwork "
                 "Information:\r\n\tWorkstation Name:\t%s\r\n\tSource Network Address:\t%s\r\n\t"
                 "Source Port:\t\t%s",
                 lt, users[u], domain, src->name, src->ip, port);
    } else {
        ks("TargetLogonId", lid);
        ks("LogonGuid", g);
        ks("ImpersonationLevel", "%%1833");
        ks("RestrictedAdminMode", "-");
        ks("TargetOutboundUserName", "-");
        ks("TargetOutboundDomainName", "-");
        ks("VirtualAccount", "%%1843");
        ks("TargetLinkedLogonId", "0x0");
        ks("ElevatedToken", "%%1842");
        snprintf(msg, sizeof(msg),
                 "An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-0-0\r\n\t"
                 "Account Name:\t\t-\r\n\tAccount Domain:\t\t-\r\n\tLogon ID:\t\t0x0\r\n\r\nLogon "
                 "Information:\r\n\tLogon Type:\t\t%d\r\n\tRestricted Admin Mode:\t-\r\n\tVirtual "
                 "Account:\t\tNo\r\n\tElevated Token:\t\tYes\r\n\r\nImpersonation Level:\t\t"
                 "Impersonation\r\n\r\nNew Logon:\r\n\tSecurity ID:\t\t%s\r\n\tAccount Name:\t\t%s\r\n\t"
                 "Account Domain:\t\t%s\r\n\tLogon ID:\t\t%s\r\n\tLinked Logon ID:\t\t0x0\r\n\t"
                 "Network Account Name:\t-\r\n\tNetwork Account Domain:\t-\r\n\tLogon GUID:\t\t%s\r\n\r\n"
                 "Network Information:\r\n\tWorkstation Name:\t%s\r\n\tSource Network Address:\t%s\r\n\t"
                 "Source Port:\t\t%s",
                 lt, sid, users[u], domain, lid, g, src->name, src->ip, port);
    }
    ks("Message", msg);
}

static void ev_4634(const struct ctx *c)
{
    int u = (int)rnd_skew(NUSERS);
    char sid[96], lid[24], msg[1024];
    sid_of_user(sid, sizeof(sid), u);
    snprintf(lid, sizeof(lid), "0x%llx", (unsigned long long)(0x4000000 + (rnd() & 0xffffff)));
    envelope(c, 4634, false, "Logoff", 12545, "AUDIT_SUCCESS");
    ks("TargetUserSid", sid);
    ks("TargetUserName", users[u]);
    ks("TargetDomainName", domain);
    ks("TargetLogonId", lid);
    ks("LogonType", "3");
    snprintf(msg, sizeof(msg),
             "An account was logged off.\r\n\r\nSubject:\r\n\tSecurity ID:\t\t%s\r\n\tAccount Name:\t\t%s"
             "\r\n\tAccount Domain:\t\t%s\r\n\tLogon ID:\t\t%s\r\n\r\nLogon Type:\t\t\t3",
             sid, users[u], domain, lid);
    ks("Message", msg);
}

static void ev_4672(const struct ctx *c)
{
    int u = (int)rnd_skew(40); /* admins */
    char sid[96], lid[24], msg[2048];
    sid_of_user(sid, sizeof(sid), u);
    snprintf(lid, sizeof(lid), "0x%llx", (unsigned long long)(0x4000000 + (rnd() & 0xffffff)));
    static const char privs[] = "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege"
                                "\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\t"
                                "SeSystemEnvironmentPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\t"
                                "SeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"
                                "\r\n\t\t\tSeEnableDelegationPrivilege";
    envelope(c, 4672, false, "Special Logon", 12548, "AUDIT_SUCCESS");
    ks("SubjectUserSid", sid);
    ks("SubjectUserName", users[u]);
    ks("SubjectDomainName", domain);
    ks("SubjectLogonId", lid);
    ks("PrivilegeList", privs);
    snprintf(msg, sizeof(msg),
             "Special privileges assigned to new logon.\r\n\r\nSubject:\r\n\tSecurity ID:\t\t%s\r\n\t"
             "Account Name:\t\t%s\r\n\tAccount Domain:\t\t%s\r\n\tLogon ID:\t\t%s\r\n\r\nPrivileges:\t\t%s",
             sid, users[u], domain, lid, privs);
    ks("Message", msg);
}

static void ev_4688(const struct ctx *c)
{
    const struct proc *p = &procs[rnd_skew(NPROCS)];
    const struct proc *pp = &procs[rndn(3)];
    int u = (int)rnd_skew(NUSERS);
    char msg[3072], pid[16], ppid[16];
    snprintf(pid, sizeof(pid), "0x%x", 0x100 + rndn(0x3000) * 4);
    snprintf(ppid, sizeof(ppid), "0x%x", 0x100 + rndn(0x3000) * 4);
    envelope(c, 4688, false, "Process Creation", 13312, "AUDIT_SUCCESS");
    ks("MandatoryLabel", "S-1-16-12288");
    ks("SubjectUserSid", "S-1-5-18");
    ks("SubjectUserName", c->h->name);
    ks("SubjectDomainName", domain);
    ks("SubjectLogonId", "0x3e7");
    ks("TargetUserSid", "S-1-0-0");
    ks("TargetUserName", users[u]);
    ks("TargetDomainName", domain);
    ks("TargetLogonId", "0x0");
    ks("NewProcessId", pid);
    ks("NewProcessName", p->image);
    ks("TokenElevationType", "%%1936");
    ks("ProcessId", ppid);
    ks("CommandLine", p->cmd);
    ks("ParentProcessName", pp->image);
    snprintf(msg, sizeof(msg),
             "A new process has been created.\r\n\r\nCreator Subject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n\t"
             "Account Name:\t\t%s$\r\n\tAccount Domain:\t\t%s\r\n\tLogon ID:\t\t0x3E7\r\n\r\nTarget "
             "Subject:\r\n\tSecurity ID:\t\tS-1-0-0\r\n\tAccount Name:\t\t%s\r\n\tAccount Domain:\t\t%s"
             "\r\n\tLogon ID:\t\t0x0\r\n\r\nProcess Information:\r\n\tNew Process ID:\t\t%s\r\n\tNew "
             "Process Name:\t%s\r\n\tToken Elevation Type:\t%%%%1936\r\n\tMandatory Label:\t\t"
             "S-1-16-12288\r\n\tCreator Process ID:\t%s\r\n\tCreator Process Name:\t%s\r\n\tProcess "
             "Command Line:\t%s",
             c->h->name, domain, users[u], domain, pid, p->image, ppid, pp->image, p->cmd);
    ks("Message", msg);
}

static void ev_4769(const struct ctx *c)
{
    int u = (int)rnd_skew(NUSERS);
    const struct host *src = &wks[rnd_skew(NWKS)];
    const struct host *svc = &srvs[rnd_skew(NSRV)];
    char tun[96], svcname[80], ip[40], port[16], g[48], sid[96], msg[2048];
    snprintf(tun, sizeof(tun), "%s@%s", users[u], "CORP.EXAMPLE.LOCAL");
    snprintf(svcname, sizeof(svcname), "%s$", svc->name);
    snprintf(ip, sizeof(ip), "::ffff:%s", src->ip);
    snprintf(port, sizeof(port), "%u", 49152 + rndn(16000));
    sid_of_user(sid, sizeof(sid), 5000 + (int)(svc - srvs));
    guid(g, sizeof(g));
    envelope(c, 4769, false, "Kerberos Service Ticket Operations", 14337, "AUDIT_SUCCESS");
    ks("TargetUserName", tun);
    ks("TargetDomainName", "CORP.EXAMPLE.LOCAL");
    ks("ServiceName", svcname);
    ks("ServiceSid", sid);
    ks("TicketOptions", "0x40810000");
    ks("TicketEncryptionType", "0x12");
    ks("IpAddress", ip);
    ks("IpPort", port);
    ks("Status", "0x0");
    ks("LogonGuid", g);
    ks("TransmittedServices", "-");
    snprintf(msg, sizeof(msg),
             "A Kerberos service ticket was requested.\r\n\r\nAccount Information:\r\n\tAccount Name:\t\t%s"
             "\r\n\tAccount Domain:\t\tCORP.EXAMPLE.LOCAL\r\n\tLogon GUID:\t\t%s\r\n\r\nService "
             "Information:\r\n\tService Name:\t\t%s\r\n\tService ID:\t\t%s\r\n\r\nNetwork Information:"
             "\r\n\tClient Address:\t\t%s\r\n\tClient Port:\t\t%s\r\n\r\nAdditional Information:\r\n\t"
             "Ticket Options:\t\t0x40810000\r\n\tTicket Encryption Type:\t0x12\r\n\tFailure Code:\t\t0x0"
             "\r\n\tTransited Services:\t-",
             tun, g, svcname, sid, ip, port);
    ks("Message", msg);
}

static void ev_share(const struct ctx *c, bool detailed)
{
    int u = (int)rnd_skew(NUSERS);
    const struct host *src = &wks[rnd_skew(NWKS)];
    unsigned s = rndn(6);
    char rel[256], lid[24], sid[96], port[16], msg[3072];
    sid_of_user(sid, sizeof(sid), u);
    snprintf(lid, sizeof(lid), "0x%llx", (unsigned long long)(0x4000000 + (rnd() & 0xffffff)));
    snprintf(port, sizeof(port), "%u", 49152 + rndn(16000));
    if (s == 2)
        snprintf(rel, sizeof(rel), "2024\\customer-%04u\\design\\spec-v%u.docx", rnd_skew(800), 1 + rndn(9));
    else if (s == 3)
        snprintf(rel, sizeof(rel), "FY2024\\Q2\\invoice-%05u.xlsx", rndn(40000));
    else if (s == 4)
        snprintf(rel, sizeof(rel), "%s\\Documents\\notes-%u.txt", users[u], rndn(50));
    else if (s == 5)
        snprintf(rel, sizeof(rel), "logon-%u.cmd", rndn(4));
    else
        snprintf(rel, sizeof(rel), "%s", rel_targets[s]);
    envelope(c, detailed ? 5145 : 5140, false, detailed ? "Detailed File Share" : "File Share",
             detailed ? 12811 : 12808, "AUDIT_SUCCESS");
    ks("SubjectUserSid", sid);
    ks("SubjectUserName", users[u]);
    ks("SubjectDomainName", domain);
    ks("SubjectLogonId", lid);
    ks("ObjectType", "File");
    ks("IpAddress", src->ip);
    ks("IpPort", port);
    ks("ShareName", shares[s]);
    ks("ShareLocalPath", share_paths[s]);
    ks("AccessMask", detailed ? "0x120089" : "0x1");
    ks("AccessList", detailed ? "%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4419\r\n\t\t\t\t%%4423\r\n\t\t\t\t"
                              : "%%4416\r\n\t\t\t\t");
    if (detailed) {
        ks("RelativeTargetName", rel);
        ks("AccessReason", "%%1538:\t%%1804\r\n\t\t\t\t%%1541:\t%%1801\tD:(A;;0x1200a9;;;WD)\r\n\t\t\t\t");
    }
    snprintf(msg, sizeof(msg),
             "A network share object was %s.\r\n\t\r\nSubject:\r\n\tSecurity ID:\t\t%s\r\n\tAccount "
             "Name:\t\t%s\r\n\tAccount Domain:\t\t%s\r\n\tLogon ID:\t\t%s\r\n\r\nNetwork Information:"
             "\t\r\n\tObject Type:\t\tFile\r\n\tSource Address:\t\t%s\r\n\tSource Port:\t\t%s\r\n\t\r\n"
             "Share Information:\r\n\tShare Name:\t\t%s\r\n\tShare Path:\t\t%s%s%s\r\n\r\nAccess Request "
             "Information:\r\n\tAccess Mask:\t\t%s",
             detailed ? "checked to see whether client can be granted desired access" : "accessed",
             sid, users[u], domain, lid, src->ip, port, shares[s], share_paths[s],
             detailed ? "\r\n\tRelative Target Name:\t" : "", detailed ? rel : "",
             detailed ? "0x120089" : "0x1");
    ks("Message", msg);
}

static void ev_sysmon1(const struct ctx *c)
{
    const struct proc *p = &procs[rnd_skew(NPROCS)];
    const struct proc *pp = &procs[rndn(3)];
    int u = (int)rnd_skew(NUSERS);
    char g1[48], g2[48], lg[48], user[96], utc[80], hashes[256], pidbuf[16];
    guid(g1, sizeof(g1));
    guid(g2, sizeof(g2));
    guid(lg, sizeof(lg));
    snprintf(user, sizeof(user), "%s\\%s", domain, users[u]);
    fmt_time(utc, sizeof(utc), c->t_ms, 2);
    uint64_t h1 = rnd(), h2 = rnd(), h3 = rnd(), h4 = rnd();
    snprintf(hashes, sizeof(hashes),
             "SHA1=%016llX%016llX12345678,MD5=%016llX%016llX,SHA256=%016llX%016llX%016llX%016llX,"
             "IMPHASH=%016llX%016llX",
             (unsigned long long)h1, (unsigned long long)h2, (unsigned long long)h3,
             (unsigned long long)h4, (unsigned long long)h1, (unsigned long long)h3,
             (unsigned long long)h2, (unsigned long long)h4, (unsigned long long)h4,
             (unsigned long long)h2);
    snprintf(pidbuf, sizeof(pidbuf), "%u", 400 + rndn(12000));
    envelope(c, 1, true, "Process Create (rule: ProcessCreate)", 1, "INFO");
    ks("AccountType", "User");
    ks("ProcessGuid", g1);
    ks("ParentImage", pp->image);
    ks("LogonGuid", lg);
    ks("AccountName", users[u]);
    ks("CommandLine", p->cmd);
    ks("Domain", domain);
    ks("User", user);
    ks("Hashes", hashes);
    ks("CurrentDirectory", "C:\\Windows\\system32\\");
    ks("Description", p->desc);
    ks("Company", p->company);
    ks("FileVersion", p->version);
    ks("IntegrityLevel", "Medium");
    ks("UserID", "S-1-5-18");
    ks("TerminalSessionId", "1");
    ks("ParentProcessGuid", g2);
    ks("ParentCommandLine", pp->cmd);
    ks("ParentProcessId", pidbuf);
    ks("LogonId", "0x3e7");
    ks("Product", p->product);
    ks("Image", p->image);
    kf("ProcessId", "%u", 400 + rndn(12000));
    kf("OriginalFileName", "%s", strrchr(p->image, '\\') + 1);
    ks("UtcTime", utc);
    ks("RuleName", "-");
}

static void ev_sysmon3(const struct ctx *c)
{
    const struct proc *p = &procs[rnd_skew(NPROCS)];
    int u = (int)rnd_skew(NUSERS);
    char g1[48], user[96], utc[80], dip[24], sport[16];
    guid(g1, sizeof(g1));
    snprintf(user, sizeof(user), "%s\\%s", domain, users[u]);
    fmt_time(utc, sizeof(utc), c->t_ms, 2);
    unsigned k = rndn(10);
    static const char *const dports[] = {"443", "443", "443", "80", "445", "135", "389", "88", "53", "3389"};
    if (k >= 4 && k != 8)
        snprintf(dip, sizeof(dip), "%s", k == 4 ? srvs[rndn(8)].ip : dcs[rndn(NDC)].ip);
    else if (k == 8)
        snprintf(dip, sizeof(dip), "%s", dcs[rndn(NDC)].ip);
    else
        snprintf(dip, sizeof(dip), "%u.%u.%u.%u", 13 + rndn(200), rndn(256), rndn(256), 1 + rndn(254));
    snprintf(sport, sizeof(sport), "%u", 49152 + rndn(16000));
    envelope(c, 3, true, "Network connection detected (rule: NetworkConnect)", 3, "INFO");
    ks("SourcePortName", "-");
    ks("AccountType", "User");
    ks("ProcessGuid", g1);
    ks("AccountName", users[u]);
    ks("Domain", domain);
    ks("Protocol", k == 8 ? "udp" : "tcp");
    ks("SourcePort", sport);
    ks("DestinationPort", dports[k]);
    ks("User", user);
    ks("SourceHostname", c->h->fqdn);
    ks("DestinationIp", dip);
    ks("SourceIp", c->h->ip);
    ks("UserID", "S-1-5-18");
    ks("DestinationIsIpv6", "false");
    ks("Initiated", "true");
    ks("Image", p->image);
    kf("ProcessId", "%u", 400 + rndn(12000));
    ks("SourceIsIpv6", "false");
    ks("DestinationPortName", "-");
    ks("UtcTime", utc);
    ks("DestinationHostname", "-");
    ks("RuleName", "-");
}

/* ---------------------------------------------------------------- main */

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_date(const char *s, int64_t *out)
{
    uint64_t y, m, d;
    char tmp[16];
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    memcpy(tmp, s, 10);
    tmp[4] = tmp[7] = tmp[10] = 0;
    if (parse_u64(tmp, &y) || parse_u64(tmp + 5, &m) || parse_u64(tmp + 8, &d) || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return -1;
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t mp = ((int64_t)m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *out = (era * 146097 + doe - 719468) * 86400;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_winjson --events N [--seed S] [--days D] [--start YYYY-MM-DD] [--no-message]\n");
}

int main(int argc, char **argv)
{
    uint64_t n = 0, seed = 1, days = 1;
    int64_t start_s = 0;
    parse_date("2024-05-06", &start_s);
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!strcmp(a, "--no-message")) {
            with_message = false;
            i--; /* a flag: takes no value */
            continue;
        } else if (!v) {
            bad = 1;
        } else if (!strcmp(a, "--events")) {
            bad = parse_u64(v, &n);
        } else if (!strcmp(a, "--seed")) {
            bad = parse_u64(v, &seed);
        } else if (!strcmp(a, "--days")) {
            bad = parse_u64(v, &days) || days < 1 || days > 3660;
        } else if (!strcmp(a, "--start")) {
            bad = parse_date(v, &start_s);
        } else {
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "gen_winjson: bad option '%s'\n", a);
            usage();
            return 2;
        }
    }
    if (n == 0) {
        usage();
        return 2;
    }
    rnd_seed(seed);
    world_build();
    static char obuf[OUTBUF];
    if (setvbuf(stdout, obuf, _IOFBF, sizeof(obuf)) != 0)
        return 1;
    int64_t span_ms = (int64_t)days * 86400000;
    uint64_t recno = 1000000;
    for (uint64_t i = 0; i < n; i++) {
        struct ctx c;
        c.t_ms = start_s * 1000 + (int64_t)((double)span_ms * ((double)i + (double)rndn(1000) / 1000.0) / (double)n);
        c.record = recno++;
        unsigned k = rndn(1000);
        ln = 0;
        first = true;
        put_c('{');
        /* Which computer logs it: logons/tickets on DCs and servers, processes on workstations. */
        if (k < 200) {
            c.h = rndn(3) ? &dcs[rndn(NDC)] : &srvs[rnd_skew(NSRV)];
            ev_4624(&c, false);
        } else if (k < 230) {
            c.h = &dcs[rndn(NDC)];
            ev_4624(&c, true);
        } else if (k < 380) {
            c.h = rndn(3) ? &dcs[rndn(NDC)] : &srvs[rnd_skew(NSRV)];
            ev_4634(&c);
        } else if (k < 480) {
            c.h = rndn(2) ? &dcs[rndn(NDC)] : &srvs[rnd_skew(NSRV)];
            ev_4672(&c);
        } else if (k < 600) {
            c.h = &wks[rnd_skew(NWKS)];
            ev_4688(&c);
        } else if (k < 700) {
            c.h = &dcs[rndn(NDC)];
            ev_4769(&c);
        } else if (k < 750) {
            c.h = &srvs[rndn(8)];
            ev_share(&c, false);
        } else if (k < 850) {
            c.h = &srvs[rndn(8)];
            ev_share(&c, true);
        } else if (k < 920) {
            c.h = &wks[rnd_skew(NWKS)];
            ev_sysmon1(&c);
        } else {
            c.h = &wks[rnd_skew(NWKS)];
            ev_sysmon3(&c);
        }
        put_raw(",\"tags\":[\"benchDataset\"]}\n", 26);
        if (fwrite(line, 1, ln, stdout) != ln) {
            fprintf(stderr, "gen_winjson: write failed: %s\n", strerror(errno));
            return 1;
        }
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "gen_winjson: write failed: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
