/* SPDX-License-Identifier: MIT */
/*
 * ingest_winmap.c - the one Windows EventID -> normalized event mapping, shared by the parsers
 * that read Windows event logs (winjson: JSON exports; evtx: binary EVTX through libevtx), so
 * that the same record gives the same kind, action and fields whichever way it was exported.
 * A parser looks each field name up once in a small open-addressing table (built per parser
 * state), remembers the value by role, and the per-channel, per-EventID functions here read
 * those roles. Covered: Security logons, credentials, privileges, processes, Kerberos, NTLM,
 * shares, services, scheduled tasks, account and group changes, object access, WFP connections,
 * log clearing; System services; Sysmon 1, 3, 5, 7, 8, 10-14, 17, 18, 22; PowerShell 4103/4104;
 * TerminalServices RCM 1149 and LSM 21/22/24/25; RDP client 1024/1102; WinRM 6/91; Task
 * Scheduler 106/200/201. docs/formats.md lists the mapping.
 */
#include <string.h>

#include "ingest/ingest_int.h"

#define WIN_MAX_OBJECT (128u * 1024u)

#define K(s) s, sizeof(s) - 1
static const struct {
    const char *key;
    size_t len;
    uint8_t role;
} win_keys[] = {
    {K("EventID"), KS_WR_EVENTID},
    {K("winlog.event_id"), KS_WR_EVENTID},
    {K("event.code"), KS_WR_EVENTCODE},
    {K("Channel"), KS_WR_CHANNEL},
    {K("winlog.channel"), KS_WR_CHANNEL},
    {K("Hostname"), KS_WR_COMPUTER},
    {K("Computer"), KS_WR_COMPUTER},
    {K("winlog.computer_name"), KS_WR_COMPUTER},
    {K("host.name"), KS_WR_HOSTNAME},
    {K("Event.System.EventID"), KS_WR_EVENTID},
    {K("Event.System.EventID.#text"), KS_WR_EVENTID},
    {K("Event.System.Channel"), KS_WR_CHANNEL},
    {K("Event.System.Computer"), KS_WR_COMPUTER},
    {K("Event.System.TimeCreated.#attributes.SystemTime"), KS_WR_TS_CREATED},
    {K("TimeCreated"), KS_WR_TS_CREATED},
    {K("TimeCreated.SystemTime"), KS_WR_TS_CREATED},
    {K("@timestamp"), KS_WR_TS_AT},
    {K("EventTime"), KS_WR_TS_EVENTTIME},
    {K("UtcTime"), KS_WR_TS_UTC},
    {K("TargetUserName"), KS_WR_TARGET_USER},
    {K("SubjectUserName"), KS_WR_SUBJECT_USER},
    {K("SubjectLogonId"), KS_WR_SUBJECT_LOGONID},
    {K("TargetLogonId"), KS_WR_TARGET_LOGONID},
    {K("LogonId"), KS_WR_LOGONID},
    {K("LogonType"), KS_WR_LOGON_TYPE},
    {K("IpAddress"), KS_WR_IP_ADDRESS},
    {K("IpPort"), KS_WR_IP_PORT},
    {K("WorkstationName"), KS_WR_WORKSTATION},
    {K("TargetServerName"), KS_WR_TARGET_SERVER},
    {K("CommandLine"), KS_WR_COMMAND_LINE},
    {K("NewProcessName"), KS_WR_NEW_PROCESS},
    {K("ServiceName"), KS_WR_SERVICE_NAME},
    {K("ShareName"), KS_WR_SHARE_NAME},
    {K("RelativeTargetName"), KS_WR_RELATIVE_TARGET},
    {K("ImagePath"), KS_WR_IMAGE_PATH},
    {K("ServiceFileName"), KS_WR_SERVICE_FILE},
    {K("AccountName"), KS_WR_ACCOUNT_NAME},
    {K("User"), KS_WR_USER},
    {K("SourceIp"), KS_WR_SOURCE_IP},
    {K("SourcePort"), KS_WR_SOURCE_PORT},
    {K("DestinationIp"), KS_WR_DEST_IP},
    {K("DestinationPort"), KS_WR_DEST_PORT},
    {K("Protocol"), KS_WR_PROTOCOL},
    {K("SourceHostname"), KS_WR_SOURCE_HOST},
    {K("DestinationHostname"), KS_WR_DEST_HOST},
    {K("Image"), KS_WR_IMAGE},
    {K("Status"), KS_WR_STATUS},
    {K("Workstation"), KS_WR_WORKSTATION2},
    {K("param1"), KS_WR_PARAM1},
    {K("Param1"), KS_WR_PARAM1},
    {K("param2"), KS_WR_PARAM2},
    {K("Param2"), KS_WR_PARAM2},
    {K("Param3"), KS_WR_PARAM3},
    {K("TargetFilename"), KS_WR_TARGET_FILENAME},
    {K("TargetObject"), KS_WR_TARGET_OBJECT},
    {K("TargetImage"), KS_WR_TARGET_IMAGE},
    {K("SourceImage"), KS_WR_SOURCE_IMAGE},
    {K("ImageLoaded"), KS_WR_IMAGE_LOADED},
    {K("PipeName"), KS_WR_PIPE_NAME},
    {K("QueryName"), KS_WR_QUERY_NAME},
    {K("ScriptBlockText"), KS_WR_SCRIPT_BLOCK},
    {K("Payload"), KS_WR_PAYLOAD},
    {K("Address"), KS_WR_ADDRESS},
    {K("SessionID"), KS_WR_SESSION_ID},
    {K("Value"), KS_WR_VALUE},
    {K("connection"), KS_WR_CONNECTION},
    {K("resourceUri"), KS_WR_RESOURCE_URI},
    {K("TaskName"), KS_WR_TASK_NAME},
    {K("UserContext"), KS_WR_USER_CONTEXT},
    {K("ActionName"), KS_WR_ACTION_NAME},
    {K("MemberName"), KS_WR_MEMBER_NAME},
    {K("ObjectName"), KS_WR_OBJECT_NAME},
    {K("Application"), KS_WR_APPLICATION},
    {K("SourceAddress"), KS_WR_SOURCE_ADDRESS},
    {K("DestAddress"), KS_WR_DEST_ADDRESS},
    {K("DestPort"), KS_WR_DEST_PORT},
};
#undef K

_Static_assert(KS_ARRAY_LEN(win_keys) < 255, "slot indexes are uint8_t");
_Static_assert(KS_WR_COUNT < 256, "roles are uint8_t");

enum win_channel {
    WC_NONE,
    WC_OTHER,
    WC_SECURITY,
    WC_SYSTEM,
    WC_SYSMON,
    WC_POWERSHELL,
    WC_PS_CLASSIC,
    /* channels whose dataset is the generic "windows.<lowercased channel>" */
    WC_TS_RCM,
    WC_TS_LSM,
    WC_RDPCLIENT,
    WC_WINRM,
    WC_TASKSCHED,
};

static inline uint32_t win_hash(const char *p, size_t n)
{
    uint32_t h = (uint32_t)n * 0x9E3779B1u;
    h ^= (uint32_t)(unsigned char)p[0] * 0x85EBCA77u;
    h ^= (uint32_t)(unsigned char)p[n - 1] * 0xC2B2AE3Du;
    h ^= (uint32_t)(unsigned char)p[n / 2] * 0x27D4EB2Fu;
    h ^= (uint32_t)(unsigned char)p[n / 3] * 0x165667B1u;
    return (h ^ (h >> 15)) & (KS_WINMAP_HASH - 1);
}

void ks_ingest_winmap_init(struct ks_winmap *m)
{
    memset(m, 0, sizeof *m);
    ks_buf_init(&m->object, WIN_MAX_OBJECT);
    for (size_t i = 0; i < KS_ARRAY_LEN(win_keys); i++) {
        uint32_t h = win_hash(win_keys[i].key, win_keys[i].len);
        while (m->slot[h])
            h = (h + 1) & (KS_WINMAP_HASH - 1);
        m->slot[h] = (uint8_t)(i + 1);
    }
}

void ks_ingest_winmap_free(struct ks_winmap *m)
{
    ks_buf_free(&m->object);
}

unsigned ks_ingest_winmap_role(const struct ks_winmap *m, struct ks_sv k)
{
    if (k.n == 0)
        return KS_WR_NONE;
    uint32_t h = win_hash(k.p, k.n);
    while (m->slot[h]) {
        unsigned i = m->slot[h] - 1u;
        if (win_keys[i].len == k.n && memcmp(win_keys[i].key, k.p, k.n) == 0)
            return win_keys[i].role;
        h = (h + 1) & (KS_WINMAP_HASH - 1);
    }
    return KS_WR_NONE;
}

/* ---------------------------------------------------------------- value helpers */

/* The value of role r as a string for a normalized field: absent, empty and "-" give NULL. */
static struct ks_sv win_str(const struct ks_winmap *m, unsigned r)
{
    struct ks_sv v = m->val[r];
    if (!v.p || v.n == 0 || (v.n == 1 && v.p[0] == '-'))
        return KS_SV_NULL;
    return v;
}

static void win_addr(const struct ks_winmap *m, unsigned r, struct ks_addr *out)
{
    struct ks_sv v = win_str(m, r);
    if (v.p && ks_addr_parse(v.p, v.n, out) != 0)
        memset(out, 0, sizeof *out); /* the bag keeps the text */
}

static void win_port(const struct ks_winmap *m, unsigned r, uint16_t *out)
{
    struct ks_sv v = win_str(m, r);
    uint64_t x;
    if (v.p && ks_parse_u64(v.p, v.n, &x) == 0 && x <= 65535)
        *out = (uint16_t)x;
}

/* A Status/ResultCode: 0 or 0x0 is success, anything else failure, absent unknown. */
static unsigned win_status(const struct ks_winmap *m, unsigned r)
{
    struct ks_sv s = win_str(m, r);
    if (!s.p)
        return KS_OUTCOME_UNKNOWN;
    return (ks_sv_eq_cstr(s, "0x0") || ks_sv_eq_cstr(s, "0") || ks_sv_eq_cstr(s, "0x00000000"))
               ? KS_OUTCOME_SUCCESS
               : KS_OUTCOME_FAILURE;
}

/* The first set role of a and b. */
static struct ks_sv win_str2(const struct ks_winmap *m, unsigned a, unsigned b)
{
    struct ks_sv v = win_str(m, a);
    return v.p ? v : win_str(m, b);
}

static enum win_channel win_channel_of(struct ks_sv c)
{
    if (!c.p || c.n == 0)
        return WC_NONE;
    if (ks_sv_ieq_cstr(c, "Security"))
        return WC_SECURITY;
    if (ks_sv_ieq_cstr(c, "System"))
        return WC_SYSTEM;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-Sysmon/Operational"))
        return WC_SYSMON;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-PowerShell/Operational"))
        return WC_POWERSHELL;
    if (ks_sv_ieq_cstr(c, "Windows PowerShell"))
        return WC_PS_CLASSIC;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"))
        return WC_TS_RCM;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"))
        return WC_TS_LSM;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-TerminalServices-RDPClient/Operational"))
        return WC_RDPCLIENT;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-WinRM/Operational"))
        return WC_WINRM;
    if (ks_sv_ieq_cstr(c, "Microsoft-Windows-TaskScheduler/Operational"))
        return WC_TASKSCHED;
    return WC_OTHER;
}

static struct ks_sv win_dataset(struct ks_winmap *m, enum win_channel ch, struct ks_sv c)
{
    switch (ch) {
    case WC_NONE: return ks_sv_make("windows", 7);
    case WC_SECURITY: return ks_sv_make("windows.security", 16);
    case WC_SYSTEM: return ks_sv_make("windows.system", 14);
    case WC_SYSMON: return ks_sv_make("windows.sysmon", 14);
    case WC_POWERSHELL: return ks_sv_make("windows.powershell", 18);
    case WC_PS_CLASSIC: return ks_sv_make("windows.powershell-classic", 26);
    default: break;
    }
    size_t n = KS_MIN(c.n, sizeof m->dataset - 8);
    memcpy(m->dataset, "windows.", 8);
    for (size_t i = 0; i < n; i++) {
        char x = c.p[i];
        m->dataset[8 + i] = (x >= 'A' && x <= 'Z') ? (char)(x + 32) : x;
    }
    return ks_sv_make(m->dataset, 8 + n);
}

static void win_set(struct ks_event *ev, unsigned kind, const char *action)
{
    ev->kind = (uint8_t)kind;
    ev->action = ks_sv_cstr(action);
}

/* ---------------------------------------------------------------- per-EventID mapping */

static void map_logon(struct ks_winmap *m, struct ks_event *ev)
{
    uint64_t lt;
    struct ks_sv v = win_str(m, KS_WR_LOGON_TYPE);
    ev->user = win_str(m, KS_WR_TARGET_USER);
    if (v.p && ks_parse_u64(v.p, v.n, &lt) == 0 && lt <= 255)
        ev->logon_type = (uint8_t)lt;
    win_addr(m, KS_WR_IP_ADDRESS, &ev->src);
    win_port(m, KS_WR_IP_PORT, &ev->src_port);
    ev->src_host = win_str(m, KS_WR_WORKSTATION);
    ev->session = win_str(m, KS_WR_TARGET_LOGONID);
}

/* Security events added with the EVTX parser (issue 5). */
static void map_security_more(struct ks_winmap *m, uint32_t id, struct ks_event *ev)
{
    switch (id) {
    case 4698:
        win_set(ev, KS_KIND_CONFIG, "task-created");
        ev->object = win_str(m, KS_WR_TASK_NAME);
        break;
    case 4720:
        win_set(ev, KS_KIND_CONFIG, "user-created");
        ev->object = win_str(m, KS_WR_TARGET_USER);
        break;
    case 4728:
    case 4732:
    case 4756:
        win_set(ev, KS_KIND_CONFIG, "group-member-added");
        ev->object = win_str(m, KS_WR_TARGET_USER); /* the group; MemberName stays in the bag */
        break;
    case 4776:
        win_set(ev, KS_KIND_AUTH, "ntlm-validate");
        ev->outcome = (uint8_t)win_status(m, KS_WR_STATUS);
        ev->user = win_str(m, KS_WR_TARGET_USER);
        ev->src_host = win_str(m, KS_WR_WORKSTATION2);
        return;
    case 4768:
        win_set(ev, KS_KIND_TICKET, "kerberos-tgt");
        ev->outcome = (uint8_t)win_status(m, KS_WR_STATUS);
        ev->user = win_str(m, KS_WR_TARGET_USER);
        ev->object = win_str(m, KS_WR_SERVICE_NAME);
        win_addr(m, KS_WR_IP_ADDRESS, &ev->src);
        win_port(m, KS_WR_IP_PORT, &ev->src_port);
        return;
    case 4771:
        win_set(ev, KS_KIND_AUTH, "kerberos-preauth-failed");
        ev->outcome = KS_OUTCOME_FAILURE;
        ev->user = win_str(m, KS_WR_TARGET_USER);
        ev->object = win_str(m, KS_WR_SERVICE_NAME);
        win_addr(m, KS_WR_IP_ADDRESS, &ev->src);
        win_port(m, KS_WR_IP_PORT, &ev->src_port);
        return;
    case 4662:
        win_set(ev, KS_KIND_FILE, "object-access");
        ev->object = win_str(m, KS_WR_OBJECT_NAME);
        break;
    case 5156: {
        uint64_t pr;
        struct ks_sv v = win_str(m, KS_WR_PROTOCOL);
        win_set(ev, KS_KIND_NETCONN, "network-connection-allowed");
        win_addr(m, KS_WR_SOURCE_ADDRESS, &ev->src);
        win_port(m, KS_WR_SOURCE_PORT, &ev->src_port);
        win_addr(m, KS_WR_DEST_ADDRESS, &ev->dst);
        win_port(m, KS_WR_DEST_PORT, &ev->dst_port);
        if (v.p && ks_parse_u64(v.p, v.n, &pr) == 0 && pr <= 255)
            ev->proto = (uint8_t)pr;
        ev->object = win_str(m, KS_WR_APPLICATION);
        return;
    }
    default:
        return;
    }
    /* actor of the configuration change / access */
    ev->user = win_str(m, KS_WR_SUBJECT_USER);
    ev->session = win_str(m, KS_WR_SUBJECT_LOGONID);
}

static void map_security(struct ks_winmap *m, uint32_t id, struct ks_event *ev)
{
    switch (id) {
    case 4624:
    case 4625:
        ev->kind = KS_KIND_AUTH;
        ev->outcome = id == 4624 ? KS_OUTCOME_SUCCESS : KS_OUTCOME_FAILURE;
        ev->action = id == 4624 ? ks_sv_make("logon", 5) : ks_sv_make("logon-failed", 12);
        map_logon(m, ev);
        break;
    case 4634:
    case 4647:
        ev->kind = KS_KIND_LOGOFF;
        ev->action = ks_sv_make("logoff", 6);
        map_logon(m, ev);
        break;
    case 4648:
        ev->kind = KS_KIND_CRED;
        ev->action = ks_sv_make("explicit-credentials", 20);
        ev->user = win_str(m, KS_WR_TARGET_USER);
        ev->object = win_str(m, KS_WR_TARGET_SERVER);
        win_addr(m, KS_WR_IP_ADDRESS, &ev->src);
        win_port(m, KS_WR_IP_PORT, &ev->src_port);
        ev->session = win_str(m, KS_WR_SUBJECT_LOGONID);
        break;
    case 4672:
        ev->kind = KS_KIND_PRIV;
        ev->action = ks_sv_make("special-privileges", 18);
        ev->user = win_str(m, KS_WR_SUBJECT_USER);
        ev->session = win_str(m, KS_WR_SUBJECT_LOGONID);
        break;
    case 4688:
        ev->kind = KS_KIND_PROCESS;
        ev->action = ks_sv_make("process-start", 13);
        ev->user = win_str(m, KS_WR_TARGET_USER);
        if (!ev->user.p)
            ev->user = win_str(m, KS_WR_SUBJECT_USER);
        ev->object = win_str(m, KS_WR_COMMAND_LINE);
        if (!ev->object.p)
            ev->object = win_str(m, KS_WR_NEW_PROCESS);
        ev->session = win_str(m, KS_WR_SUBJECT_LOGONID);
        break;
    case 4769:
        ev->kind = KS_KIND_TICKET;
        ev->action = ks_sv_make("kerberos-service-ticket", 23);
        ev->user = win_str(m, KS_WR_TARGET_USER);
        ev->object = win_str(m, KS_WR_SERVICE_NAME);
        win_addr(m, KS_WR_IP_ADDRESS, &ev->src);
        win_port(m, KS_WR_IP_PORT, &ev->src_port);
        ev->outcome = (uint8_t)win_status(m, KS_WR_STATUS);
        break;
    case 5140:
    case 5145:
        ev->user = win_str(m, KS_WR_SUBJECT_USER);
        win_addr(m, KS_WR_IP_ADDRESS, &ev->src);
        win_port(m, KS_WR_IP_PORT, &ev->src_port);
        ev->session = win_str(m, KS_WR_SUBJECT_LOGONID);
        if (id == 5140) {
            ev->kind = KS_KIND_SHARE;
            ev->action = ks_sv_make("share-access", 12);
            ev->object = win_str(m, KS_WR_SHARE_NAME);
        } else {
            struct ks_sv sh = win_str(m, KS_WR_SHARE_NAME);
            struct ks_sv rel = win_str(m, KS_WR_RELATIVE_TARGET);
            ev->kind = KS_KIND_FILE;
            ev->action = ks_sv_make("share-file-access", 17);
            ks_buf_reset(&m->object);
            if ((!sh.p || ks_buf_append_sv(&m->object, sh) == 0) &&
                (!rel.p || (ks_buf_putc(&m->object, '\\') == 0 &&
                            ks_buf_append_sv(&m->object, rel) == 0)) &&
                m->object.len)
                ev->object = ks_sv_make(m->object.p, m->object.len);
            else
                ev->object = sh;
        }
        break;
    case 4697:
        ev->kind = KS_KIND_SERVICE;
        ev->action = ks_sv_make("service-install", 15);
        ev->object = win_str(m, KS_WR_SERVICE_FILE);
        ev->user = win_str(m, KS_WR_SUBJECT_USER);
        ev->session = win_str(m, KS_WR_SUBJECT_LOGONID);
        break;
    case 1102:
    case 4719:
        ev->kind = KS_KIND_LOGGING;
        ev->action = id == 1102 ? ks_sv_make("log-cleared", 11)
                                : ks_sv_make("audit-policy-changed", 20);
        ev->user = win_str(m, KS_WR_SUBJECT_USER);
        ev->session = win_str(m, KS_WR_SUBJECT_LOGONID);
        break;
    default:
        map_security_more(m, id, ev);
        break;
    }
}

static void map_system(struct ks_winmap *m, uint32_t id, struct ks_event *ev)
{
    if (id == 7045) {
        ev->kind = KS_KIND_SERVICE;
        ev->action = ks_sv_make("service-install", 15);
        ev->object = win_str(m, KS_WR_IMAGE_PATH);
        ev->user = win_str(m, KS_WR_ACCOUNT_NAME);
    } else if (id == 104) {
        ev->kind = KS_KIND_LOGGING;
        ev->action = ks_sv_make("log-cleared", 11);
        ev->user = win_str(m, KS_WR_SUBJECT_USER);
    } else if (id == 7036 || id == 7040) {
        /* param1 is the service's display name; param2.. the state or start types (bag) */
        win_set(ev, KS_KIND_SERVICE,
                id == 7036 ? "service-state-changed" : "service-start-type-changed");
        ev->object = win_str(m, KS_WR_PARAM1);
    }
}

static void map_sysmon(struct ks_winmap *m, uint32_t id, struct ks_event *ev)
{
    switch (id) {
    case 1:
        ev->kind = KS_KIND_PROCESS;
        ev->action = ks_sv_make("process-start", 13);
        ev->object = win_str(m, KS_WR_COMMAND_LINE);
        if (!ev->object.p)
            ev->object = win_str(m, KS_WR_IMAGE);
        ev->user = win_str(m, KS_WR_USER);
        ev->session = win_str(m, KS_WR_LOGONID);
        return;
    case 3: {
        struct ks_sv pr = win_str(m, KS_WR_PROTOCOL);
        ev->kind = KS_KIND_NETCONN;
        ev->action = ks_sv_make("network-connection", 18);
        win_addr(m, KS_WR_SOURCE_IP, &ev->src);
        win_port(m, KS_WR_SOURCE_PORT, &ev->src_port);
        win_addr(m, KS_WR_DEST_IP, &ev->dst);
        win_port(m, KS_WR_DEST_PORT, &ev->dst_port);
        if (pr.p && ks_sv_ieq_cstr(pr, "tcp"))
            ev->proto = 6;
        else if (pr.p && ks_sv_ieq_cstr(pr, "udp"))
            ev->proto = 17;
        ev->src_host = win_str(m, KS_WR_SOURCE_HOST);
        ev->dst_host = win_str(m, KS_WR_DEST_HOST);
        ev->object = win_str(m, KS_WR_IMAGE);
        ev->user = win_str(m, KS_WR_USER);
        return;
    }
    case 5:
        win_set(ev, KS_KIND_PROCESS, "process-end");
        ev->object = win_str(m, KS_WR_IMAGE);
        break;
    case 7:
        win_set(ev, KS_KIND_FILE, "image-load");
        ev->object = win_str(m, KS_WR_IMAGE_LOADED);
        break;
    case 8:
    case 10:
        win_set(ev, KS_KIND_PROCESS, id == 8 ? "remote-thread-create" : "process-access");
        ev->object = win_str(m, KS_WR_TARGET_IMAGE);
        break;
    case 11:
        win_set(ev, KS_KIND_FILE, "file-create");
        ev->object = win_str(m, KS_WR_TARGET_FILENAME);
        break;
    case 12:
    case 13:
    case 14:
        win_set(ev, KS_KIND_CONFIG,
                id == 12 ? "registry-key-change" : id == 13 ? "registry-value-set"
                                                            : "registry-rename");
        ev->object = win_str(m, KS_WR_TARGET_OBJECT);
        break;
    case 17:
    case 18:
        win_set(ev, KS_KIND_FILE, id == 17 ? "pipe-create" : "pipe-connect");
        ev->object = win_str(m, KS_WR_PIPE_NAME);
        break;
    case 22:
        win_set(ev, KS_KIND_GENERIC, "dns-query");
        ev->object = win_str(m, KS_WR_QUERY_NAME);
        break;
    default:
        return;
    }
    ev->user = win_str(m, KS_WR_USER);
}

static void map_other(struct ks_winmap *m, enum win_channel ch, uint32_t id, struct ks_event *ev)
{
    switch (ch) {
    case WC_POWERSHELL:
        if (id == 4104) {
            win_set(ev, KS_KIND_COMMAND, "powershell-script-block");
            ev->object = win_str(m, KS_WR_SCRIPT_BLOCK);
        } else if (id == 4103) {
            win_set(ev, KS_KIND_COMMAND, "powershell-pipeline");
            ev->object = win_str(m, KS_WR_PAYLOAD);
        }
        break;
    case WC_TS_RCM:
        if (id == 1149) {
            win_set(ev, KS_KIND_AUTH, "rdp-auth-success");
            ev->outcome = KS_OUTCOME_SUCCESS;
            ev->user = win_str(m, KS_WR_PARAM1);
            win_addr(m, KS_WR_PARAM3, &ev->src);
        }
        break;
    case WC_TS_LSM: {
        static const char *const act[] = {"rdp-session-logon", "rdp-shell-start", NULL,
                                          "rdp-session-disconnect", "rdp-session-reconnect"};
        if (id >= 21 && id <= 25 && act[id - 21]) {
            win_set(ev, KS_KIND_SESSION, act[id - 21]);
            ev->user = win_str(m, KS_WR_USER);
            win_addr(m, KS_WR_ADDRESS, &ev->src);
            ev->session = win_str(m, KS_WR_SESSION_ID);
        }
        break;
    }
    case WC_RDPCLIENT:
        if (id == 1024) {
            win_set(ev, KS_KIND_SESSION, "rdp-client-connect");
            ev->dst_host = win_str(m, KS_WR_VALUE);
        } else if (id == 1102) {
            win_set(ev, KS_KIND_SESSION, "rdp-client-multi-transport");
            win_addr(m, KS_WR_VALUE, &ev->dst);
        }
        break;
    case WC_WINRM:
        if (id == 6) {
            win_set(ev, KS_KIND_SESSION, "winrm-session-create");
            ev->object = win_str(m, KS_WR_CONNECTION);
        } else if (id == 91) {
            win_set(ev, KS_KIND_SESSION, "winrm-shell-create");
            ev->object = win_str(m, KS_WR_RESOURCE_URI);
        }
        break;
    case WC_TASKSCHED:
        if (id == 106) {
            win_set(ev, KS_KIND_CONFIG, "task-registered");
            ev->object = win_str(m, KS_WR_TASK_NAME);
            ev->user = win_str(m, KS_WR_USER_CONTEXT);
        } else if (id == 200 || id == 201) {
            win_set(ev, KS_KIND_PROCESS, id == 200 ? "task-action-start" : "task-action-complete");
            ev->object = win_str2(m, KS_WR_ACTION_NAME, KS_WR_TASK_NAME);
        }
        break;
    default:
        break;
    }
}

void ks_ingest_winmap_apply(struct ks_winmap *m, uint32_t id, struct ks_sv channel,
                            struct ks_sv computer, struct ks_event *ev)
{
    enum win_channel ch = win_channel_of(channel);
    ev->kind = KS_KIND_GENERIC;
    ev->code = id;
    ev->observer = computer;
    ev->dst_host = computer;
    ev->dataset = win_dataset(m, ch, channel);
    if (ch == WC_SECURITY || ch == WC_NONE)
        map_security(m, id, ev);
    if ((ch == WC_SYSTEM || ch == WC_NONE) && ev->kind == KS_KIND_GENERIC)
        map_system(m, id, ev);
    if (ch == WC_SYSMON)
        map_sysmon(m, id, ev);
    else if (ch >= WC_POWERSHELL)
        map_other(m, ch, id, ev);
}
