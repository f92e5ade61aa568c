/* SPDX-License-Identifier: MIT */
/*
 * ingest_devmsg.c - device message classifiers: a framed syslog message (ingest_syslog.c) in, a
 * normalized event out. One table of matchers (dm_rules[]) covers Cisco IOS/IOS-XE/NX-OS, Cisco
 * ASA/PIX, Juniper Junos, FortiGate key=value logs and Linux sshd/sudo/su; every row carries the
 * real line it was written from, and the unit test replays those lines. A message no row
 * understands becomes a SYSLOG event (object = message text, service = program) and stays
 * searchable.
 *
 * Design:
 *  1. The vendor is decided first, cheaply: a Cisco %FAC-SEV-MNEMONIC (framer) -> IOS or ASA;
 *     else the program (sshd, sudo, su); else a Junos event tag (5424 MSGID or "UI_X: " prefix);
 *     else FortiGate key=value text ("date=... logid=..."); else generic.
 *  2. Within a vendor a row matches on a fixed token: the event id (IOS facility+mnemonic without
 *     the severity, which admins may change; ASA message number; Junos tag; FortiGate action) or,
 *     for Linux programs, a message prefix. The row's function extracts fields with memmem/memcmp
 *     on fixed tokens; no regular expressions, no allocation. It may decline (false): the next
 *     row is tried, and finally the generic mapping.
 *  3. Strings in the event point into the message, into static literals, or into out->scratch.
 */
#include <stdio.h>
#include <string.h>

#include "ingest/ingest_syslog_int.h"

/* ---------------------------------------------------------------- string helpers */

static bool sv_pre(struct ks_sv s, const char *lit, size_t n)
{
    return s.n >= n && memcmp(s.p, lit, n) == 0;
}
#define SV_PRE(s, lit) sv_pre((s), (lit), sizeof(lit) - 1)

static bool sv_is(struct ks_sv s, const char *lit, size_t n)
{
    return s.n == n && memcmp(s.p, lit, n) == 0;
}
#define SV_IS(s, lit) sv_is((s), (lit), sizeof(lit) - 1)

static struct ks_sv sv_skip(struct ks_sv s, size_t k)
{
    if (!s.p)
        return s;
    k = KS_MIN(k, s.n);
    return ks_sv_make(s.p + k, s.n - k);
}

/* memmem for the short needles and haystacks of log lines: memchr on the first byte, then
 * memcmp (glibc's memmem pays a setup cost per call that dominates here). */
static const char *find(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (nn == 0)
        return h;
    const char *end = h + hn;
    while (hn >= nn) {
        const char *c = memchr(h, nd[0], hn - nn + 1);
        if (!c)
            return NULL;
        if (memcmp(c + 1, nd + 1, nn - 1) == 0)
            return c;
        h = c + 1;
        hn = (size_t)(end - h);
    }
    return NULL;
}

/* The text after the first occurrence of lit, or KS_SV_NULL. */
static struct ks_sv sv_after(struct ks_sv s, const char *lit, size_t n)
{
    if (!s.p || s.n < n)
        return KS_SV_NULL;
    const char *f = find(s.p, s.n, lit, n);
    if (!f)
        return KS_SV_NULL;
    return ks_sv_make(f + n, s.n - (size_t)(f - s.p) - n);
}
#define SV_AFTER(s, lit) sv_after((s), (lit), sizeof(lit) - 1)

/* s up to the first c (all of s when there is none). */
static struct ks_sv sv_until(struct ks_sv s, char c)
{
    if (!s.p)
        return s;
    const char *f = memchr(s.p, c, s.n);
    return f ? ks_sv_make(s.p, (size_t)(f - s.p)) : s;
}

/* s up to the first of two delimiters. */
static struct ks_sv sv_until2(struct ks_sv s, char c1, char c2)
{
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == c1 || s.p[i] == c2)
            return ks_sv_make(s.p, i);
    }
    return s;
}

/* The text after lit up to close: "[user: " .. ']'; KS_SV_NULL when lit is absent. */
static struct ks_sv sv_field(struct ks_sv s, const char *lit, size_t n, char close)
{
    struct ks_sv a = sv_after(s, lit, n);
    return a.p ? sv_until(a, close) : a;
}
#define SV_FIELD(s, lit, close) sv_field((s), (lit), sizeof(lit) - 1, (close))

static struct ks_sv sv_rtrim(struct ks_sv s)
{
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '.'))
        s.n--;
    return s;
}

/* ---------------------------------------------------------------- event helpers */

struct dm {
    const struct ks_syslog_msg *m;
    struct ks_event *ev;
    struct ks_devmsg_out *o;
};

static void bag_add(struct dm *d, const char *key, struct ks_sv v)
{
    if (!v.p || d->o->nbag >= d->o->cap)
        return;
    d->o->bag[d->o->nbag++] = (struct ks_kv){ks_sv_cstr(key), v};
}

static void set_user(struct dm *d, struct ks_sv u)
{
    if (u.p && u.n)
        d->ev->user = u;
}

/* An address when it parses, else a host name (source.domain). */
static void set_src(struct dm *d, struct ks_sv a)
{
    if (!a.p || !a.n)
        return;
    if (ks_addr_parse(a.p, a.n, &d->ev->src) != 0)
        d->ev->src_host = a;
}

static void set_dst(struct dm *d, struct ks_sv a)
{
    if (!a.p || !a.n)
        return;
    if (ks_addr_parse(a.p, a.n, &d->ev->dst) != 0)
        d->ev->dst_host = a;
}

static void set_port(uint16_t *out, struct ks_sv s)
{
    uint64_t x;
    if (s.p && ks_parse_u64(s.p, s.n, &x) == 0 && x <= 65535)
        *out = (uint16_t)x;
}

static void set_kind(struct dm *d, unsigned kind, unsigned outcome, const char *action)
{
    d->ev->kind = (uint8_t)kind;
    d->ev->outcome = (uint8_t)outcome;
    if (action)
        d->ev->action = ks_sv_cstr(action);
}

/* Copies the concatenation of a, sep, b into scratch; KS_SV_NULL when it does not fit. */
static struct ks_sv scratch_join(struct dm *d, struct ks_sv a, char sep, struct ks_sv b)
{
    struct ks_devmsg_out *o = d->o;
    size_t need = a.n + (b.n ? 1 + b.n : 0);
    if (!o->scratch || o->scratch_cap - o->scratch_len < need)
        return a;
    char *p = o->scratch + o->scratch_len;
    memcpy(p, a.p, a.n);
    if (b.n) {
        p[a.n] = sep;
        memcpy(p + a.n + 1, b.p, b.n);
    }
    o->scratch_len += need;
    return ks_sv_make(p, need);
}

/* ---------------------------------------------------------------- Cisco IOS / IOS-XE / NX-OS */

/* "[user: admin] [Source: 10.1.1.5] [localport: 22]" (+ "[Reason: ...]" on failure). */
static bool ios_sec_login(struct dm *d, struct ks_sv t, unsigned outcome)
{
    struct ks_sv u = SV_FIELD(t, "[user: ", ']');
    if (!u.p)
        return false;
    set_kind(d, KS_KIND_AUTH, outcome, "login");
    set_user(d, u);
    set_src(d, SV_FIELD(t, "[Source: ", ']'));
    set_port(&d->ev->dst_port, SV_FIELD(t, "[localport: ", ']'));
    bag_add(d, "reason", SV_FIELD(t, "[Reason: ", ']'));
    return true;
}

static bool ios_login_success(struct dm *d, struct ks_sv t)
{
    return ios_sec_login(d, t, KS_OUTCOME_SUCCESS);
}

static bool ios_login_failed(struct dm *d, struct ks_sv t)
{
    return ios_sec_login(d, t, KS_OUTCOME_FAILURE);
}

static bool starts_line_name(struct ks_sv w)
{
    return SV_PRE(w, "vty") || SV_PRE(w, "tty") || SV_PRE(w, "con") || SV_PRE(w, "aux");
}

/* "Configured from console by admin on vty0 (1.1.1.1)", "Configured from 127.0.0.21 by snmp",
 * "Configured from console by vty0 (10.0.0.5)"; NX-OS: "Configured from vty by admin on
 * 10.1.1.5@pts/0". */
static bool ios_config_i(struct dm *d, struct ks_sv t)
{
    struct ks_sv from = SV_AFTER(t, "Configured from ");
    if (!from.p)
        return false;
    set_kind(d, KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "configured");
    struct ks_sv src = sv_until(from, ' ');
    d->ev->object = src;
    struct ks_addr a;
    if (ks_addr_parse(src.p, src.n, &a) == 0)
        d->ev->src = a;
    struct ks_sv by = SV_AFTER(from, " by ");
    if (by.p) {
        struct ks_sv who = sv_until(by, ' ');
        struct ks_sv on = SV_AFTER(by, " on ");
        if (on.p || !starts_line_name(who))
            set_user(d, who);
        else
            bag_add(d, "cisco.line", who);
        if (on.p) {
            struct ks_sv line = sv_until2(on, ' ', '@');
            struct ks_addr b;
            if (ks_addr_parse(line.p, line.n, &b) == 0)
                d->ev->src = b; /* NX-OS: "on 10.1.1.5@pts/0" */
            else
                bag_add(d, "cisco.line", line);
        }
    }
    struct ks_sv paren = SV_FIELD(t, " (", ')');
    if (paren.p)
        set_src(d, paren);
    return true;
}

/* "Logging to host 1.1.1.1 stopped - CLI initiated", "... port 514 started - CLI initiated". */
static bool ios_logginghost(struct dm *d, struct ks_sv t)
{
    struct ks_sv host = SV_AFTER(t, "Logging to host ");
    if (!host.p)
        return false;
    host = sv_until(host, ' ');
    const char *action = "logging-changed";
    if (SV_AFTER(t, " stopped").p)
        action = "logging-stopped";
    else if (SV_AFTER(t, " started").p)
        action = "logging-started";
    set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, action);
    d->ev->object = host;
    set_dst(d, host);
    set_port(&d->ev->dst_port, sv_until(SV_AFTER(t, " port "), ' '));
    return true;
}

/* A device command: COMMAND, or LOGGING when it turns remote logging off or on. */
static void device_command(struct dm *d, struct ks_sv cmd)
{
    cmd = sv_rtrim(cmd);
    d->ev->object = cmd;
    if (SV_PRE(cmd, "no logging"))
        set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "logging-stopped");
    else if (SV_IS(cmd, "logging on") || SV_IS(cmd, "logging enable") ||
             SV_PRE(cmd, "logging host "))
        set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "logging-started");
    else
        set_kind(d, KS_KIND_COMMAND, KS_OUTCOME_SUCCESS, "command");
}

/* "User:admin  logged command:no logging host 10.1.1.1" */
static bool ios_loggedcmd(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_AFTER(t, "User:");
    struct ks_sv c = SV_AFTER(t, "logged command:");
    if (!u.p || !c.p)
        return false;
    device_command(d, c);
    set_user(d, sv_until(u, ' '));
    return true;
}

/* "User 'admin' authentication for SSH2 Session from 10.1.1.5 (tty = 0) using crypto cipher
 * 'aes256-ctr', hmac 'hmac-sha2-256' Succeeded" (or "Failed"). */
static bool ios_ssh_userauth(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    if (!u.p)
        return false;
    bool ok = SV_AFTER(t, "Succeeded").p != NULL;
    set_kind(d, KS_KIND_AUTH, ok ? KS_OUTCOME_SUCCESS : KS_OUTCOME_FAILURE, "login");
    set_user(d, u);
    set_src(d, sv_until(SV_AFTER(t, " from "), ' '));
    d->ev->service = ks_sv_make("ssh", 3);
    return true;
}

/* "SSH2 Session request from 10.1.1.5 (tty = 0) using crypto cipher 'aes256-ctr', hmac
 * 'hmac-sha2-256' Succeeded" */
static bool ios_ssh_session(struct dm *d, struct ks_sv t)
{
    struct ks_sv from = SV_AFTER(t, " from ");
    if (!from.p)
        return false;
    bool ok = SV_AFTER(t, "Succeeded").p != NULL;
    set_kind(d, KS_KIND_SESSION, ok ? KS_OUTCOME_SUCCESS : KS_OUTCOME_FAILURE, "session-open");
    set_src(d, sv_until(from, ' '));
    d->ev->service = ks_sv_make("ssh", 3);
    return true;
}

/* "SSH2 Session from 10.1.1.5 (tty = 0) for user 'admin' using crypto cipher 'aes256-ctr',
 * hmac 'hmac-sha2-256' closed" */
static bool ios_ssh_close(struct dm *d, struct ks_sv t)
{
    struct ks_sv from = SV_AFTER(t, " from ");
    if (!from.p)
        return false;
    set_kind(d, KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "session-close");
    set_src(d, sv_until(from, ' '));
    set_user(d, SV_FIELD(t, "for user '", '\''));
    d->ev->service = ks_sv_make("ssh", 3);
    return true;
}

/* "Authentication to Privilege level 15 failed by admin on vty0 (10.1.1.5)" (enable) */
static bool ios_priv_auth_fail(struct dm *d, struct ks_sv t)
{
    struct ks_sv by = SV_AFTER(t, " failed by ");
    if (!by.p)
        return false;
    set_kind(d, KS_KIND_AUTH, KS_OUTCOME_FAILURE, "enable");
    set_user(d, sv_until(by, ' '));
    set_src(d, SV_FIELD(by, "(", ')'));
    bag_add(d, "cisco.privilege", sv_until(SV_AFTER(t, "Privilege level "), ' '));
    return true;
}

/* "User admin has exited tty session 2(10.1.1.5)" */
static bool ios_logout(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_AFTER(t, "User ");
    if (!u.p || !SV_AFTER(t, " has exited").p)
        return false;
    set_kind(d, KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "session-close");
    set_user(d, sv_until(u, ' '));
    set_src(d, SV_FIELD(SV_AFTER(t, "session "), "(", ')'));
    return true;
}

static bool pam_line(struct dm *d, struct ks_sv t, unsigned auth_kind);

/* NX-OS AAA: "pam_aaa:Authentication failed for user admin from 10.1.1.5 - sshd[1234]";
 * "pam_unix(dcos_sshd:session): session opened for user admin by (uid=0) - dcos_sshd[1234]" */
static bool nxos_authpriv(struct dm *d, struct ks_sv t)
{
    if (SV_PRE(t, "pam_unix("))
        return pam_line(d, t, KS_KIND_AUTH);
    struct ks_sv f = SV_AFTER(t, "Authentication failed for user ");
    unsigned outcome = KS_OUTCOME_FAILURE;
    if (!f.p) {
        f = SV_AFTER(t, "Authentication success for user ");
        outcome = KS_OUTCOME_SUCCESS;
    }
    if (!f.p)
        return false;
    set_kind(d, KS_KIND_AUTH, outcome, "login");
    set_user(d, sv_until(f, ' '));
    set_src(d, sv_until(SV_AFTER(f, " from "), ' '));
    return true;
}

/* ---------------------------------------------------------------- Cisco ASA / PIX */

/* "Login permitted from 10.1.1.5/51000 to inside:10.0.0.1/ssh for user \"admin\"" */
static bool asa_mgmt_login(struct dm *d, struct ks_sv t, unsigned outcome)
{
    struct ks_sv from = SV_AFTER(t, " from ");
    struct ks_sv u = SV_FIELD(t, "for user \"", '"');
    if (!from.p || !u.p)
        return false;
    set_kind(d, KS_KIND_AUTH, outcome, "login");
    set_user(d, u);
    struct ks_sv s = sv_until(from, ' ');
    set_src(d, sv_until(s, '/'));
    set_port(&d->ev->src_port, SV_AFTER(s, "/"));
    struct ks_sv to = sv_until(SV_AFTER(from, " to "), ' ');
    struct ks_sv iface = SV_AFTER(to, ":");
    if (iface.p) {
        bag_add(d, "interface", sv_until(to, ':'));
        to = iface;
    }
    set_dst(d, sv_until(to, '/'));
    struct ks_sv svc = SV_AFTER(to, "/");
    if (svc.p && svc.n)
        d->ev->service = svc;
    return true;
}

static bool asa_605004(struct dm *d, struct ks_sv t)
{
    return asa_mgmt_login(d, t, KS_OUTCOME_FAILURE);
}

static bool asa_605005(struct dm *d, struct ks_sv t)
{
    return asa_mgmt_login(d, t, KS_OUTCOME_SUCCESS);
}

/* "AAA user authentication Rejected : reason = AAA failure : server = 10.1.1.10 : user = admin
 * : user IP = 10.2.2.2" and its Successful / local database variants (113004/5/12/15). */
static bool asa_aaa(struct dm *d, struct ks_sv t)
{
    unsigned outcome;
    if (SV_AFTER(t, "Successful").p)
        outcome = KS_OUTCOME_SUCCESS;
    else if (SV_AFTER(t, "Rejected").p)
        outcome = KS_OUTCOME_FAILURE;
    else
        return false;
    set_kind(d, KS_KIND_AUTH, outcome, "login");
    set_user(d, sv_rtrim(sv_until(SV_AFTER(t, ": user = "), ':')));
    set_src(d, sv_rtrim(sv_until(SV_AFTER(t, "user IP = "), ' ')));
    struct ks_sv srv = SV_AFTER(t, "server = ");
    if (srv.p) {
        srv = sv_until(srv, ' ');
        while (srv.n == 0 && srv.p < t.p + t.n) /* "server =  10.1.1.10" (two spaces) */
            srv = sv_until(ks_sv_make(srv.p + 1, (size_t)(t.p + t.n - srv.p - 1)), ' ');
        bag_add(d, "aaa.server", srv);
    }
    struct ks_sv reason = SV_AFTER(t, "reason = ");
    if (reason.p)
        bag_add(d, "reason", sv_rtrim(sv_until(reason, ':')));
    return true;
}

/* 611101/611102: "User authentication succeeded: IP address: 10.1.1.5, Uname: admin" */
static bool asa_611(struct dm *d, struct ks_sv t)
{
    unsigned outcome;
    if (SV_PRE(t, "User authentication succeeded"))
        outcome = KS_OUTCOME_SUCCESS;
    else if (SV_PRE(t, "User authentication failed"))
        outcome = KS_OUTCOME_FAILURE;
    else
        return false;
    set_kind(d, KS_KIND_AUTH, outcome, "login");
    set_src(d, sv_until(SV_AFTER(t, "IP address: "), ','));
    set_user(d, sv_rtrim(sv_until(SV_AFTER(t, "Uname: "), ' ')));
    return true;
}

/* "User 'enable_15' executed the 'configure terminal' command." */
static bool asa_111008(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    struct ks_sv c = SV_AFTER(t, "executed the '");
    if (!u.p || !c.p)
        return false;
    const char *end = NULL;
    for (size_t i = c.n; i-- > 0;) { /* the last quote: commands may hold quotes */
        if (c.p[i] == '\'') {
            end = c.p + i;
            break;
        }
    }
    if (end)
        c.n = (size_t)(end - c.p);
    device_command(d, c);
    set_user(d, u);
    return true;
}

/* "User 'enable_15' executed cmd: show running-config" (111009) */
static bool asa_111009(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    struct ks_sv c = SV_AFTER(t, "executed cmd: ");
    if (!u.p || !c.p)
        return false;
    device_command(d, c);
    set_user(d, u);
    return true;
}

/* "User 'admin', running 'CLI' from IP 10.1.1.5, executed 'write memory'" */
static bool asa_111010(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    struct ks_sv c = SV_AFTER(t, "executed '");
    if (!u.p || !c.p)
        return false;
    if (c.n && c.p[c.n - 1] == '\'')
        c.n--;
    device_command(d, c);
    set_user(d, u);
    set_src(d, sv_until(SV_AFTER(t, "from IP "), ','));
    bag_add(d, "asa.interface", SV_FIELD(t, "running '", '\''));
    return true;
}

/* AnyConnect: "Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> ..." */
static bool asa_anyconnect(struct dm *d, struct ks_sv t, const char *action)
{
    struct ks_sv u = SV_FIELD(t, "User <", '>');
    if (!u.p)
        return false;
    set_kind(d, KS_KIND_VPN, KS_OUTCOME_SUCCESS, action);
    set_user(d, u);
    set_src(d, SV_FIELD(t, " IP <", '>'));
    bag_add(d, "vpn.group", SV_FIELD(t, "Group <", '>'));
    return true;
}

/* "Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> IPv4 Address <10.10.10.20> assigned to
 * session" */
static bool asa_722051(struct dm *d, struct ks_sv t)
{
    if (!asa_anyconnect(d, t, "vpn-assign"))
        return false;
    struct ks_sv a = SV_FIELD(t, "IPv4 Address <", '>');
    if (!a.p)
        a = SV_FIELD(t, "IPv6 Address <", '>');
    if (a.p) {
        set_dst(d, a);
        bag_add(d, "assigned_ip", a);
    }
    return true;
}

static bool asa_722037(struct dm *d, struct ks_sv t)
{
    if (!asa_anyconnect(d, t, "vpn-end"))
        return false;
    bag_add(d, "reason", sv_rtrim(SV_AFTER(t, "closing connection: ")));
    return true;
}

static bool asa_113039(struct dm *d, struct ks_sv t)
{
    return asa_anyconnect(d, t, "vpn-start");
}

/* 716059: "Group <G> User <jdoe> IP <203.0.113.5> AnyConnect session resumed connection from IP
 * <198.51.100.9>." src stays the session's IP; the address it resumed from goes to the bag. */
static bool asa_716059(struct dm *d, struct ks_sv t)
{
    if (!asa_anyconnect(d, t, "vpn-resume"))
        return false;
    struct ks_sv r = SV_AFTER(t, "resumed connection from IP ");
    if (r.p && r.n && r.p[0] == '<')
        r = sv_until(sv_skip(r, 1), '>');
    else if (r.p)
        r = sv_rtrim(sv_until(r, ' '));
    if (r.p && r.n)
        bag_add(d, "vpn.resumed_from", r);
    return true;
}

/* 722055: "Group <G> User <jdoe> IP <203.0.113.5> Client Type: Cisco AnyConnect VPN Agent for
 * Windows 4.10.05085" -> the client type/platform/version string in "vpn.client". */
static bool asa_722055(struct dm *d, struct ks_sv t)
{
    if (!asa_anyconnect(d, t, "vpn-client"))
        return false;
    struct ks_sv c = sv_rtrim(SV_AFTER(t, "Client Type: "));
    if (c.p && c.n)
        bag_add(d, "vpn.client", c);
    return true;
}

/* "Group = GroupPolicy_VPN, Username = jdoe, IP = 203.0.113.5, Session disconnected. Session
 * Type: SSL, Duration: 0h:10m:05s, Bytes xmt: 12345, Bytes rcv: 6789, Reason: User Requested" */
static bool asa_113019(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_AFTER(t, "Username = ");
    if (!u.p)
        return false;
    set_kind(d, KS_KIND_VPN, KS_OUTCOME_SUCCESS, "vpn-end");
    set_user(d, sv_until(u, ','));
    set_src(d, sv_until(SV_AFTER(t, " IP = "), ','));
    bag_add(d, "vpn.group", sv_until(SV_AFTER(t, "Group = "), ','));
    bag_add(d, "reason", sv_rtrim(SV_AFTER(t, "Reason: ")));
    return true;
}

/* "SSH session from 10.0.0.254 on interface db for user \"\" disconnected by SSH server,
 * reason: \"TCP connection closed\" (0x03)" (315011) */
static bool asa_315011(struct dm *d, struct ks_sv t)
{
    struct ks_sv from = SV_AFTER(t, "SSH session from ");
    if (!from.p)
        return false;
    set_kind(d, KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "session-close");
    set_src(d, sv_until(from, ' '));
    set_user(d, SV_FIELD(t, "for user \"", '"'));
    d->ev->service = ks_sv_make("ssh", 3);
    bag_add(d, "reason", SV_FIELD(t, "reason: \"", '"'));
    return true;
}

/* ---------------------------------------------------------------- Juniper Junos */

/* "User 'admin' login, class 'j-super-user' [5211], ip-addr 10.0.0.5, ssh-connection
 * '10.0.0.5 52000 10.0.0.1 22', client-mode 'cli'" */
static bool junos_login(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    if (!u.p)
        return false;
    set_kind(d, KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "login");
    set_user(d, u);
    set_src(d, sv_until2(SV_AFTER(t, "ip-addr "), ',', ' '));
    struct ks_sv conn = SV_FIELD(t, "ssh-connection '", '\'');
    if (conn.p) {
        d->ev->service = ks_sv_make("ssh", 3);
        struct ks_sv rest = SV_AFTER(conn, " ");
        set_port(&d->ev->src_port, sv_until(rest, ' '));
        rest = SV_AFTER(rest, " ");
        set_dst(d, sv_until(rest, ' '));
        set_port(&d->ev->dst_port, SV_AFTER(rest, " "));
    }
    bag_add(d, "junos.class", SV_FIELD(t, "class '", '\''));
    return true;
}

/* "Authenticated user 'admin' at permission level 'j-super-user'" */
static bool junos_auth(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "user '", '\'');
    if (!u.p)
        return false;
    set_kind(d, KS_KIND_AUTH, KS_OUTCOME_SUCCESS, "login");
    set_user(d, u);
    return true;
}

/* "Login failed for user 'admin' from host '10.0.0.5'" */
static bool junos_sshd_failed(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "for user '", '\'');
    if (!u.p)
        return false;
    set_kind(d, KS_KIND_AUTH, KS_OUTCOME_FAILURE, "login");
    set_user(d, u);
    set_src(d, SV_FIELD(t, "from host '", '\''));
    d->ev->service = ks_sv_make("ssh", 3);
    return true;
}

/* "User 'admin' logout" */
static bool junos_logout(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    if (!u.p)
        return false;
    set_kind(d, KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "session-close");
    set_user(d, u);
    return true;
}

/* "User 'admin' requested 'commit' operation (comment: none)" */
static bool junos_commit(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    struct ks_sv op = SV_FIELD(t, "requested '", '\'');
    if (!u.p || !op.p)
        return false;
    set_kind(d, KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "commit");
    set_user(d, u);
    d->ev->object = op;
    bag_add(d, "comment", SV_FIELD(t, "(comment: ", ')'));
    return true;
}

static bool junos_syslog_path(struct ks_sv path)
{
    return SV_PRE(path, "system syslog");
}

/* "User 'admin', command 'deactivate system syslog '" */
static bool junos_cmdline(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    struct ks_sv c = SV_AFTER(t, "command '");
    if (!u.p || !c.p)
        return false;
    if (c.n && c.p[c.n - 1] == '\'')
        c.n--;
    c = sv_rtrim(c);
    set_user(d, u);
    d->ev->object = c;
    struct ks_sv verb = sv_until(c, ' ');
    struct ks_sv path = sv_skip(c, verb.n + 1);
    if (junos_syslog_path(path) && (SV_IS(verb, "deactivate") || SV_IS(verb, "delete")))
        set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "logging-stopped");
    else if (junos_syslog_path(path) && SV_IS(verb, "activate"))
        set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "logging-started");
    else
        set_kind(d, KS_KIND_COMMAND, KS_OUTCOME_SUCCESS, "command");
    return true;
}

/* "User 'admin' deactivate: [system syslog]", "User 'admin' set: [system syslog host 10.0.0.9]
 * <unconfigured> -> \"any\"" (UI_CFG_AUDIT_OTHER / _SET / _NEW). */
static bool junos_cfg_audit(struct dm *d, struct ks_sv t)
{
    struct ks_sv u = SV_FIELD(t, "User '", '\'');
    struct ks_sv rest = SV_AFTER(t, "' ");
    if (!u.p || !rest.p)
        return false;
    struct ks_sv verb = sv_until(rest, ':');
    struct ks_sv path = SV_FIELD(rest, "[", ']');
    set_user(d, u);
    d->ev->object = path.p ? path : rest;
    if (path.p && junos_syslog_path(path) && (SV_IS(verb, "deactivate") || SV_IS(verb, "delete")))
        set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "logging-stopped");
    else if (path.p && junos_syslog_path(path) && SV_IS(verb, "activate"))
        set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "logging-started");
    else
        set_kind(d, KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "configured");
    bag_add(d, "junos.operation", verb);
    return true;
}

/* Juniper SA / Pulse Secure (program "Juniper"): "2005-12-07 02:13:19 - ive - [192.168.25.35]
 * mike(Users)[Users] - Login succeeded for mike/Users from 192.168.25.35." and "... - Login failed
 * using auth server System Local (IVE Authentication).  Reason: Failed" */
static bool junos_sa_login(struct dm *d, struct ks_sv t)
{
    unsigned outcome;
    struct ks_sv ok = SV_AFTER(t, "Login succeeded for ");
    if (ok.p)
        outcome = KS_OUTCOME_SUCCESS;
    else if (SV_AFTER(t, "Login failed").p)
        outcome = KS_OUTCOME_FAILURE;
    else
        return false;
    struct ks_sv ip = SV_FIELD(t, " - [", ']');
    struct ks_sv who = ip.p ? sv_until(sv_skip(SV_AFTER(t, " - ["), ip.n + 2), '(') : KS_SV_NULL;
    set_kind(d, KS_KIND_AUTH, outcome, "login");
    set_user(d, ok.p ? sv_until(ok, '/') : who);
    set_src(d, ip);
    bag_add(d, "reason", sv_rtrim(SV_AFTER(t, "Reason: ")));
    d->ev->service = ks_sv_make("ssl-vpn", 7);
    return true;
}

/* ---------------------------------------------------------------- FortiGate key=value */

/* The value of key in FortiGate text ("key=value" or key="value"), or KS_SV_NULL. */
static struct ks_sv kv_get(struct ks_sv t, const char *key)
{
    size_t kn = strlen(key);
    size_t i = 0;
    while (i < t.n) {
        while (i < t.n && t.p[i] == ' ')
            i++;
        size_t ks = i;
        while (i < t.n && t.p[i] != '=' && t.p[i] != ' ')
            i++;
        if (i >= t.n || t.p[i] != '=')
            continue; /* a word without '=': skipped */
        bool hit = i - ks == kn && memcmp(t.p + ks, key, kn) == 0;
        i++;
        size_t vs = i, ve;
        if (i < t.n && t.p[i] == '"') {
            vs = ++i;
            while (i < t.n && t.p[i] != '"')
                i += t.p[i] == '\\' && i + 1 < t.n ? 2 : 1;
            ve = KS_MIN(i, t.n);
            i = KS_MIN(i + 1, t.n);
        } else {
            while (i < t.n && t.p[i] != ' ')
                i++;
            ve = i;
        }
        if (hit)
            return ks_sv_make(t.p + vs, ve - vs);
    }
    return KS_SV_NULL;
}

static void forti_bag(struct dm *d, struct ks_sv t)
{
    static const char *const keep[] = {"devname", "devid", "logid", "type", "subtype",
                                       "level", "vd", "logdesc", "status", "reason", "ui",
                                       "method", "profile", "msg", "group", "tunneltype",
                                       "tunnelid", "cfgtid", "cfgattr", "action"};
    for (size_t i = 0; i < KS_ARRAY_LEN(keep); i++)
        bag_add(d, keep[i], kv_get(t, keep[i]));
}

/* The address inside "GUI(10.1.1.5)" / "https(10.1.1.5)" / "ssh(10.1.1.5)". */
static struct ks_sv forti_ui_addr(struct ks_sv ui)
{
    struct ks_sv a = SV_AFTER(ui, "(");
    return a.p ? sv_until(a, ')') : a;
}

static void forti_src(struct dm *d, struct ks_sv t)
{
    struct ks_sv s = kv_get(t, "srcip");
    if (!s.p)
        s = kv_get(t, "remip");
    if (!s.p)
        s = forti_ui_addr(kv_get(t, "ui"));
    set_src(d, s);
}

/* action="login" status="success"|"failed" (logid 0100032001 / 0100032002) */
static bool forti_login(struct dm *d, struct ks_sv t)
{
    struct ks_sv status = kv_get(t, "status");
    if (!status.p)
        return false;
    set_kind(d, KS_KIND_AUTH, SV_IS(status, "success") ? KS_OUTCOME_SUCCESS : KS_OUTCOME_FAILURE,
             "login");
    set_user(d, kv_get(t, "user"));
    forti_src(d, t);
    set_dst(d, kv_get(t, "dstip"));
    struct ks_sv method = kv_get(t, "method");
    if (method.p && method.n)
        d->ev->service = method;
    forti_bag(d, t);
    return true;
}

static bool forti_logout(struct dm *d, struct ks_sv t)
{
    set_kind(d, KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "session-close");
    set_user(d, kv_get(t, "user"));
    forti_src(d, t);
    forti_bag(d, t);
    return true;
}

/* action="Edit" cfgpath="system.interface" cfgobj="port1" (logid 0100044546/7) */
static bool forti_config(struct dm *d, struct ks_sv t)
{
    struct ks_sv path = kv_get(t, "cfgpath");
    if (!path.p)
        return false;
    struct ks_sv obj = kv_get(t, "cfgobj");
    struct ks_sv attr = kv_get(t, "cfgattr");
    struct ks_sv action = kv_get(t, "action");
    set_user(d, kv_get(t, "user"));
    forti_src(d, t);
    d->ev->object = scratch_join(d, path, ' ', obj.p ? obj : ks_sv_make("", 0));
    if (SV_PRE(path, "log.syslogd") || SV_PRE(path, "log.fortianalyzer")) {
        if (SV_AFTER(attr, "status[enable->disable]").p || SV_IS(action, "Delete"))
            set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "logging-stopped");
        else if (SV_AFTER(attr, "status[disable->enable]").p)
            set_kind(d, KS_KIND_LOGGING, KS_OUTCOME_SUCCESS, "logging-started");
        else
            set_kind(d, KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "configured");
    } else {
        set_kind(d, KS_KIND_CONFIG, KS_OUTCOME_SUCCESS, "configured");
    }
    bag_add(d, "cfgpath", path);
    bag_add(d, "cfgobj", obj);
    forti_bag(d, t);
    return true;
}

/* action="tunnel-up" / "tunnel-down" (SSL-VPN, logid 0101039947 / 0101039948) */
static bool forti_tunnel(struct dm *d, struct ks_sv t)
{
    struct ks_sv action = kv_get(t, "action");
    set_kind(d, KS_KIND_VPN, KS_OUTCOME_SUCCESS,
             SV_IS(action, "tunnel-up") ? "vpn-start" : "vpn-end");
    set_user(d, kv_get(t, "user"));
    set_src(d, kv_get(t, "remip"));
    struct ks_sv tip = kv_get(t, "tunnelip");
    if (tip.p && tip.n && !SV_IS(tip, "(null)")) {
        set_dst(d, tip);
        bag_add(d, "assigned_ip", tip);
    }
    forti_bag(d, t);
    return true;
}

/* action="ssl-login-fail" */
static bool forti_ssl_fail(struct dm *d, struct ks_sv t)
{
    set_kind(d, KS_KIND_AUTH, KS_OUTCOME_FAILURE, "login");
    set_user(d, kv_get(t, "user"));
    set_src(d, kv_get(t, "remip"));
    d->ev->service = ks_sv_make("ssl-vpn", 7);
    forti_bag(d, t);
    return true;
}

/* ---------------------------------------------------------------- Linux sshd / sudo / su */

/* "Accepted publickey for usr1 from 2.3.4.5 port 37909 ssh2: RSA SHA256:..." and
 * "Failed password for invalid user test from 10.0.0.1 port 22 ssh2" after "Accepted "/"Failed ". */
static bool sshd_auth(struct dm *d, struct ks_sv t, unsigned outcome)
{
    struct ks_sv method = sv_until(t, ' ');
    struct ks_sv rest = SV_AFTER(t, " for ");
    if (!rest.p || method.n == 0)
        return false;
    if (SV_PRE(rest, "invalid user ") || SV_PRE(rest, "illegal user ")) {
        rest = sv_skip(rest, 13);
        bag_add(d, "ssh.invalid_user", ks_sv_make("true", 4));
    }
    /* The user name may hold spaces; the address follows the last " from ". */
    const char *from = NULL;
    for (const char *p = rest.p; (p = find(p, (size_t)(rest.p + rest.n - p), " from ", 6));
         p += 6)
        from = p;
    if (!from)
        return false;
    set_kind(d, KS_KIND_AUTH, outcome, "login");
    set_user(d, ks_sv_make(rest.p, (size_t)(from - rest.p)));
    struct ks_sv a = ks_sv_make(from + 6, (size_t)(rest.p + rest.n - from - 6));
    set_src(d, sv_until(a, ' '));
    set_port(&d->ev->src_port, sv_until(SV_AFTER(a, " port "), ' '));
    d->ev->service = ks_sv_make("ssh", 3);
    bag_add(d, "auth.method", method);
    return true;
}

static bool sshd_accepted(struct dm *d, struct ks_sv t)
{
    return sshd_auth(d, sv_skip(t, 9), KS_OUTCOME_SUCCESS);
}

static bool sshd_failed(struct dm *d, struct ks_sv t)
{
    return sshd_auth(d, sv_skip(t, 7), KS_OUTCOME_FAILURE);
}

/* "message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]" */
static bool sshd_repeated(struct dm *d, struct ks_sv t)
{
    struct ks_sv n = sv_until(sv_skip(t, 17), ' ');
    struct ks_sv in = SV_AFTER(t, "times: [ ");
    if (!in.p)
        return false;
    if (in.n && in.p[in.n - 1] == ']')
        in.n--;
    bool ok;
    if (SV_PRE(in, "Failed "))
        ok = sshd_failed(d, in);
    else if (SV_PRE(in, "Accepted "))
        ok = sshd_accepted(d, in);
    else
        return false;
    if (ok)
        bag_add(d, "syslog.repeat", n);
    return ok;
}

/* "Invalid user admin from 10.0.0.1 port 4242" (and "Illegal user"): not an authentication
 * event of its own (the "Failed ..." line that follows is); kept as SYSLOG with the fields. */
static bool sshd_invalid_user(struct dm *d, struct ks_sv t)
{
    struct ks_sv rest = sv_skip(t, 13);
    const char *from = NULL;
    for (const char *p = rest.p; (p = find(p, (size_t)(rest.p + rest.n - p), " from ", 6));
         p += 6)
        from = p;
    if (!from)
        return false;
    set_kind(d, KS_KIND_SYSLOG, KS_OUTCOME_FAILURE, "invalid-user");
    set_user(d, ks_sv_make(rest.p, (size_t)(from - rest.p)));
    struct ks_sv a = ks_sv_make(from + 6, (size_t)(rest.p + rest.n - from - 6));
    set_src(d, sv_until(a, ' '));
    set_port(&d->ev->src_port, sv_until(SV_AFTER(a, " port "), ' '));
    d->ev->object = d->m->message;
    d->ev->service = d->m->program;
    return true;
}

/* "Disconnected from user alice 10.0.0.1 port 50000" */
static bool sshd_disconnected(struct dm *d, struct ks_sv t)
{
    struct ks_sv rest = sv_skip(t, 23);
    struct ks_sv port = SV_AFTER(rest, " port ");
    if (!port.p)
        return false;
    struct ks_sv head = ks_sv_make(rest.p, (size_t)(port.p - 6 - rest.p));
    const char *sp = NULL;
    for (size_t i = head.n; i-- > 0;) {
        if (head.p[i] == ' ') {
            sp = head.p + i;
            break;
        }
    }
    if (!sp)
        return false;
    set_kind(d, KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "session-close");
    set_user(d, ks_sv_make(head.p, (size_t)(sp - head.p)));
    set_src(d, ks_sv_make(sp + 1, (size_t)(head.p + head.n - sp - 1)));
    set_port(&d->ev->src_port, sv_until(port, ' '));
    d->ev->service = ks_sv_make("ssh", 3);
    return true;
}

/* PAM lines of any Linux program, after an optional "pam_unix(svc:type): ":
 *   "session opened for user root by alice(uid=1000)", "session closed for user news",
 *   "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root".
 * auth_kind: the kind of an authentication failure for this program (sshd: SYSLOG, since the
 * "Failed password" line is the authentication event; sudo/su: AUTH). */
static bool pam_line(struct dm *d, struct ks_sv t, unsigned auth_kind)
{
    if (SV_PRE(t, "pam_unix(")) {
        struct ks_sv r = SV_AFTER(t, "): ");
        if (!r.p)
            return false;
        t = r;
    }
    if (SV_PRE(t, "session opened for user ")) {
        struct ks_sv r = sv_skip(t, 24);
        set_kind(d, KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "session-open");
        set_user(d, sv_until(r, ' '));
        struct ks_sv by = SV_AFTER(r, " by ");
        if (by.p) {
            struct ks_sv who = sv_until(by, '(');
            if (who.n)
                bag_add(d, "user.by", who);
        }
        return true;
    }
    if (SV_PRE(t, "session closed for user ")) {
        set_kind(d, KS_KIND_SESSION, KS_OUTCOME_SUCCESS, "session-close");
        set_user(d, sv_rtrim(sv_until(sv_skip(t, 24), ' ')));
        return true;
    }
    if (SV_PRE(t, "authentication failure;")) {
        set_kind(d, auth_kind, KS_OUTCOME_FAILURE,
                 auth_kind == KS_KIND_AUTH ? "login" : "pam-auth-failure");
        struct ks_sv u = SV_AFTER(t, " user=");
        if (u.p)
            set_user(d, sv_until(u, ' '));
        set_src(d, sv_until(SV_AFTER(t, " rhost="), ' '));
        struct ks_sv ruser = sv_until(SV_AFTER(t, " ruser="), ' ');
        if (ruser.n)
            bag_add(d, "ruser", ruser);
        if (auth_kind != KS_KIND_AUTH)
            d->ev->object = d->m->message;
        return true;
    }
    return false;
}

static bool sshd_pam(struct dm *d, struct ks_sv t)
{
    bool ok = pam_line(d, t, KS_KIND_SYSLOG);
    if (ok)
        d->ev->service = d->ev->kind == KS_KIND_SYSLOG ? d->m->program : ks_sv_make("ssh", 3);
    return ok;
}

static bool auth_pam(struct dm *d, struct ks_sv t)
{
    return pam_line(d, t, KS_KIND_AUTH);
}

/* "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls /root", with failures
 * between the user and TTY= ("3 incorrect password attempts ; ", "user NOT in sudoers ; "). */
static bool sudo_command(struct dm *d, struct ks_sv t)
{
    struct ks_sv cmd = SV_AFTER(t, "COMMAND=");
    struct ks_sv colon = SV_AFTER(t, " : ");
    if (!cmd.p || !colon.p)
        return false;
    struct ks_sv user = ks_sv_trim(ks_sv_make(t.p, (size_t)(colon.p - 3 - t.p)));
    bool failed = !SV_PRE(colon, "TTY=") && !SV_PRE(colon, "PWD=") && !SV_PRE(colon, "HOST=");
    set_kind(d, KS_KIND_COMMAND, failed ? KS_OUTCOME_FAILURE : KS_OUTCOME_SUCCESS,
             failed ? "sudo-denied" : "sudo");
    set_user(d, user);
    d->ev->object = sv_rtrim(cmd);
    if (failed)
        bag_add(d, "reason", sv_rtrim(sv_until(colon, ';')));
    bag_add(d, "user.target", sv_rtrim(sv_until(SV_AFTER(t, "USER="), ';')));
    bag_add(d, "tty", sv_rtrim(sv_until(SV_AFTER(t, "TTY="), ';')));
    bag_add(d, "cwd", sv_rtrim(sv_until(SV_AFTER(t, "PWD="), ';')));
    return true;
}

/* "FAILED SU (to root) alice on pts/0" / "(to root) alice on pts/0" */
static bool su_switch(struct dm *d, struct ks_sv t)
{
    bool failed = SV_PRE(t, "FAILED SU ");
    if (failed)
        t = sv_skip(t, 10);
    struct ks_sv target = SV_FIELD(t, "(to ", ')');
    struct ks_sv rest = SV_AFTER(t, ") ");
    if (!target.p || !rest.p)
        return false;
    set_kind(d, KS_KIND_AUTH, failed ? KS_OUTCOME_FAILURE : KS_OUTCOME_SUCCESS, "su");
    set_user(d, sv_until(rest, ' '));
    bag_add(d, "user.target", target);
    bag_add(d, "tty", sv_until(SV_AFTER(rest, " on "), ' '));
    return true;
}

/* ---------------------------------------------------------------- the table */

enum dm_vendor { DV_IOS, DV_ASA, DV_JUNOS, DV_FORTI, DV_SSHD, DV_SUDO, DV_SU, DV_COUNT };

static const char *const dm_dataset[DV_COUNT] = {
    [DV_IOS] = "syslog.cisco.ios",       [DV_ASA] = "syslog.cisco.asa",
    [DV_JUNOS] = "syslog.juniper",       [DV_FORTI] = "syslog.fortigate",
    [DV_SSHD] = "syslog.linux.sshd",     [DV_SUDO] = "syslog.linux.sudo",
    [DV_SU] = "syslog.linux.su",
};

struct dm_rule {
    uint8_t vendor;
    /* IOS: "FACILITY-MNEMONIC" (severity left out); ASA: the message number; Junos: the event
     * tag; FortiGate: the action value; Linux: a message prefix. */
    const char *key;
    bool (*fn)(struct dm *d, struct ks_sv text);
    uint8_t kind;        /* what example maps to */
    const char *example; /* a real line (whole syslog record) */
};

#define FGT_HDR                                                                                    \
    "<189>date=2019-05-13 time=11:45:03 devname=\"FGT60D\" devid=\"FGT60D4614044725\" "

static const struct dm_rule dm_rules[] = {
    /* Linux sshd first: the hot path of large auth logs. */
    {DV_SSHD, "Failed ", sshd_failed, KS_KIND_AUTH,
     "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from "
     "173.234.31.186 port 38926 ssh2"},
    {DV_SSHD, "Accepted ", sshd_accepted, KS_KIND_AUTH,
     "Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu from 119.137.62.142 port "
     "49116 ssh2"},
    {DV_SSHD, "message repeated ", sshd_repeated, KS_KIND_AUTH,
     "Dec 10 07:13:56 LabSZ sshd[24227]: message repeated 5 times: [ Failed password for root "
     "from 5.36.59.76 port 42393 ssh2]"},
    {DV_SSHD, "pam_unix(", sshd_pam, KS_KIND_SESSION,
     "Dec 10 09:32:20 LabSZ sshd[24680]: pam_unix(sshd:session): session opened for user fztu "
     "by (uid=0)"},
    {DV_SSHD, "authentication failure;", sshd_pam, KS_KIND_SYSLOG,
     "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 "
     "tty=NODEVssh ruser= rhost=218.188.2.4 "},
    {DV_SSHD, "session ", sshd_pam, KS_KIND_SESSION,
     "Jul 27 14:42:00 combo sshd(pam_unix)[2391]: session closed for user test"},
    {DV_SSHD, "Invalid user ", sshd_invalid_user, KS_KIND_SYSLOG,
     "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186"},
    {DV_SSHD, "Illegal user ", sshd_invalid_user, KS_KIND_SYSLOG,
     "Aug  1 18:27:45 knight sshd[20325]: Illegal user test from 218.49.183.17"},
    {DV_SSHD, "Disconnected from user ", sshd_disconnected, KS_KIND_SESSION,
     "Mar 10 12:00:05 web1 sshd[4242]: Disconnected from user alice 10.0.0.1 port 50000"},
    {DV_SUDO, "pam_unix(", auth_pam, KS_KIND_AUTH,
     "Mar 10 12:01:00 web1 sudo: pam_unix(sudo:auth): authentication failure; logname=alice "
     "uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice"},
    {DV_SUDO, "", sudo_command, KS_KIND_COMMAND,
     "Mar 10 12:01:30 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
     "COMMAND=/bin/cat /etc/shadow"},
    {DV_SU, "pam_unix(", auth_pam, KS_KIND_SESSION,
     "Mar 10 12:02:00 web1 su: pam_unix(su:session): session opened for user root by "
     "alice(uid=1000)"},
    {DV_SU, "session ", auth_pam, KS_KIND_SESSION,
     "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user cyrus by (uid=0)"},
    {DV_SU, "authentication failure;", auth_pam, KS_KIND_AUTH,
     "Jun 15 04:06:18 combo su(pam_unix)[21416]: authentication failure; logname=alice uid=1000 "
     "euid=0 tty=pts/0 ruser=alice rhost=  user=root"},
    {DV_SU, "FAILED SU ", su_switch, KS_KIND_AUTH,
     "Mar 10 12:03:00 web1 su[5000]: FAILED SU (to root) alice on pts/0"},
    {DV_SU, "(to ", su_switch, KS_KIND_AUTH,
     "Mar 10 12:03:10 web1 su[5001]: (to root) alice on pts/0"},

    /* Cisco IOS / IOS-XE / NX-OS */
    {DV_IOS, "SEC_LOGIN-LOGIN_SUCCESS", ios_login_success, KS_KIND_AUTH,
     "Mar  4 10:15:32 r1 512: *Mar  4 10:15:32.123 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login "
     "Success [user: admin] [Source: 10.1.1.5] [localport: 22] at 10:15:32 UTC Mon Mar 4 2019"},
    {DV_IOS, "SEC_LOGIN-LOGIN_FAILED", ios_login_failed, KS_KIND_AUTH,
     "Mar  4 10:15:40 r1 513: *Mar  4 10:15:40.456 UTC: %SEC_LOGIN-4-LOGIN_FAILED: Login failed "
     "[user: admin] [Source: 10.1.1.5] [localport: 22] [Reason: Login Authentication Failed] at "
     "10:15:40 UTC Mon Mar 4 2019"},
    {DV_IOS, "SYS-CONFIG_I", ios_config_i, KS_KIND_CONFIG,
     "Sep  6 09:13:00 RouterName 82: Sep  6 14:12:56.872: %SYS-5-CONFIG_I: Configured from "
     "console by admin on vty0 (1.1.1.1)"},
    {DV_IOS, "VSHD-VSHD_SYSLOG_CONFIG_I", ios_config_i, KS_KIND_CONFIG,
     "2019 Mar 20 10:15:32 n9k %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by admin on "
     "10.1.1.5@pts/0"},
    {DV_IOS, "SYS-LOGGINGHOST_STARTSTOP", ios_logginghost, KS_KIND_LOGGING,
     "Sep  6 09:20:45 RouterName 87: Sep  6 14:20:41.991: %SYS-6-LOGGINGHOST_STARTSTOP: Logging "
     "to host 1.1.1.1 stopped - CLI initiated"},
    {DV_IOS, "PARSER-CFGLOG_LOGGEDCMD", ios_loggedcmd, KS_KIND_COMMAND,
     "Mar  4 10:16:01 r1 520: *Mar  4 10:16:01.001 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
     "User:admin  logged command:interface GigabitEthernet0/1"},
    {DV_IOS, "SSH-SSH2_USERAUTH", ios_ssh_userauth, KS_KIND_AUTH,
     "Mar  4 10:15:32 r1 511: *Mar  4 10:15:32.100 UTC: %SSH-5-SSH2_USERAUTH: User 'admin' "
     "authentication for SSH2 Session from 10.1.1.5 (tty = 0) using crypto cipher 'aes256-ctr', "
     "hmac 'hmac-sha2-256' Succeeded"},
    {DV_IOS, "SSH-SSH2_SESSION", ios_ssh_session, KS_KIND_SESSION,
     "Mar  4 10:15:31 r1 510: *Mar  4 10:15:31.900 UTC: %SSH-5-SSH2_SESSION: SSH2 Session "
     "request from 10.1.1.5 (tty = 0) using crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256' "
     "Succeeded"},
    {DV_IOS, "SSH-SSH2_CLOSE", ios_ssh_close, KS_KIND_SESSION,
     "Mar  4 10:30:00 r1 530: *Mar  4 10:30:00.000 UTC: %SSH-5-SSH2_CLOSE: SSH2 Session from "
     "10.1.1.5 (tty = 0) for user 'admin' using crypto cipher 'aes256-ctr', hmac "
     "'hmac-sha2-256' closed"},
    {DV_IOS, "SYS-PRIV_AUTH_FAIL", ios_priv_auth_fail, KS_KIND_AUTH,
     "Mar  4 10:17:00 r1 540: *Mar  4 10:17:00.000 UTC: %SYS-5-PRIV_AUTH_FAIL: Authentication "
     "to Privilege level 15 failed by admin on vty0 (10.1.1.5)"},
    {DV_IOS, "SYS-LOGOUT", ios_logout, KS_KIND_SESSION,
     "Mar  4 10:31:00 r1 541: *Mar  4 10:31:00.000 UTC: %SYS-6-LOGOUT: User admin has exited "
     "tty session 2(10.1.1.5)"},
    {DV_IOS, "AUTHPRIV-SYSTEM_MSG", nxos_authpriv, KS_KIND_SESSION,
     "2019 Mar 20 10:14:05 n9k %AUTHPRIV-6-SYSTEM_MSG: pam_unix(dcos_sshd:session): session "
     "opened for user admin by (uid=0) - dcos_sshd[1234]"},
    {DV_IOS, "AUTHPRIV-SYSTEM_MSG", nxos_authpriv, KS_KIND_AUTH,
     "2019 Mar 20 10:14:02 n9k %AUTHPRIV-3-SYSTEM_MSG: pam_aaa:Authentication failed for user "
     "admin from 10.1.1.5 - sshd[1234]"},

    /* Cisco ASA / PIX (FTD uses the same numbers) */
    {DV_ASA, "605004", asa_605004, KS_KIND_AUTH,
     "%PIX-6-605004: Login denied from 192.168.2.10/13269 to outside:192.168.2.14/ssh for user "
     "\"root\""},
    {DV_ASA, "605005", asa_605005, KS_KIND_AUTH,
     "Mar 12 08:00:00 asa1 %ASA-6-605005: Login permitted from 10.1.1.5/51000 to "
     "inside:10.0.0.1/ssh for user \"admin\""},
    {DV_ASA, "113004", asa_aaa, KS_KIND_AUTH,
     "Mar 12 08:00:01 asa1 %ASA-6-113004: AAA user authentication Successful : server =  "
     "10.1.1.10 : user = admin"},
    {DV_ASA, "113005", asa_aaa, KS_KIND_AUTH,
     "Mar 12 08:00:02 asa1 %ASA-6-113005: AAA user authentication Rejected : reason = AAA "
     "failure : server = 10.1.1.10 : user = admin : user IP = 10.2.2.2"},
    {DV_ASA, "113012", asa_aaa, KS_KIND_AUTH,
     "Mar 12 08:00:03 asa1 %ASA-6-113012: AAA user authentication Successful : local database : "
     "user = admin"},
    {DV_ASA, "113015", asa_aaa, KS_KIND_AUTH,
     "Mar 12 08:00:04 asa1 %ASA-6-113015: AAA user authentication Rejected : reason = Invalid "
     "password : local database : user = admin : user IP = 10.2.2.2"},
    {DV_ASA, "611101", asa_611, KS_KIND_AUTH,
     "Mar 12 08:00:05 asa1 %ASA-6-611101: User authentication succeeded: IP address: 10.1.1.5, "
     "Uname: admin"},
    {DV_ASA, "611102", asa_611, KS_KIND_AUTH,
     "Mar 12 08:00:06 asa1 %ASA-6-611102: User authentication failed: IP address: 10.1.1.5, "
     "Uname: admin"},
    {DV_ASA, "111008", asa_111008, KS_KIND_COMMAND,
     "Mar 12 08:01:00 asa1 %ASA-5-111008: User 'enable_15' executed the 'configure terminal' "
     "command."},
    {DV_ASA, "111009", asa_111009, KS_KIND_COMMAND,
     "Mar 12 08:01:01 asa1 %ASA-7-111009: User 'enable_15' executed cmd: show running-config"},
    {DV_ASA, "111010", asa_111010, KS_KIND_COMMAND,
     "Mar 12 08:01:02 asa1 %ASA-5-111010: User 'admin', running 'CLI' from IP 10.1.1.5, "
     "executed 'write memory'"},
    {DV_ASA, "722051", asa_722051, KS_KIND_VPN,
     "Mar 12 09:00:00 asa1 %ASA-4-722051: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "IPv4 Address <10.10.10.20> assigned to session"},
    {DV_ASA, "722037", asa_722037, KS_KIND_VPN,
     "Mar 12 10:00:00 asa1 %ASA-4-722037: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "SVC closing connection: Transport closing."},
    {DV_ASA, "113039", asa_113039, KS_KIND_VPN,
     "Mar 12 09:00:00 asa1 %ASA-6-113039: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "AnyConnect parent session started."},
    {DV_ASA, "716059", asa_716059, KS_KIND_VPN,
     "Mar 12 09:30:00 asa1 %ASA-6-716059: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "AnyConnect session resumed connection from IP <198.51.100.9>."},
    {DV_ASA, "722055", asa_722055, KS_KIND_VPN,
     "Mar 12 09:00:01 asa1 %ASA-6-722055: Group <GroupPolicy_VPN> User <jdoe> IP <203.0.113.5> "
     "Client Type: Cisco AnyConnect VPN Agent for Windows 4.10.05085"},
    {DV_ASA, "113019", asa_113019, KS_KIND_VPN,
     "Mar 12 10:00:01 asa1 %ASA-4-113019: Group = GroupPolicy_VPN, Username = jdoe, IP = "
     "203.0.113.5, Session disconnected. Session Type: SSL, Duration: 0h:10m:05s, Bytes xmt: "
     "12345, Bytes rcv: 6789, Reason: User Requested"},
    {DV_ASA, "315011", asa_315011, KS_KIND_SESSION,
     "Sep  7 06:31:32 PIXName %PIX-6-315011: SSH session from 10.0.0.254 on interface db for "
     "user \"\" disconnected by SSH server, reason: \"TCP connection closed\" (0x03)"},

    /* Juniper Junos */
    {DV_JUNOS, "UI_LOGIN_EVENT", junos_login, KS_KIND_AUTH,
     "Mar  3 10:00:00 mx1 mgd[1234]: UI_LOGIN_EVENT: User 'admin' login, class 'j-super-user' "
     "[5211], ip-addr 10.0.0.5, ssh-connection '10.0.0.5 52000 10.0.0.1 22', client-mode 'cli'"},
    {DV_JUNOS, "UI_AUTH_EVENT", junos_auth, KS_KIND_AUTH,
     "Mar  3 10:00:00 mx1 mgd[1234]: UI_AUTH_EVENT: Authenticated user 'admin' at permission "
     "level 'j-super-user'"},
    {DV_JUNOS, "SSHD_LOGIN_FAILED", junos_sshd_failed, KS_KIND_AUTH,
     "Mar  3 09:59:00 mx1 sshd[1200]: SSHD_LOGIN_FAILED: Login failed for user 'admin' from host "
     "'10.0.0.5'"},
    {DV_JUNOS, "UI_LOGOUT_EVENT", junos_logout, KS_KIND_SESSION,
     "Mar  3 10:30:00 mx1 mgd[1234]: UI_LOGOUT_EVENT: User 'admin' logout"},
    {DV_JUNOS, "UI_COMMIT", junos_commit, KS_KIND_CONFIG,
     "<189>1 2024-03-03T10:05:00.123Z mx1 mgd 1234 UI_COMMIT [junos@2636.1.1.1.2.18 "
     "username=\"admin\" command=\"commit\" message=\"none\"] User 'admin' requested 'commit' "
     "operation (comment: none)"},
    {DV_JUNOS, "UI_CMDLINE_READ_LINE", junos_cmdline, KS_KIND_LOGGING,
     "Mar  3 10:04:00 mx1 mgd[1234]: UI_CMDLINE_READ_LINE: User 'admin', command 'deactivate "
     "system syslog '"},
    {DV_JUNOS, "UI_CFG_AUDIT_OTHER", junos_cfg_audit, KS_KIND_LOGGING,
     "Mar  3 10:04:01 mx1 mgd[1234]: UI_CFG_AUDIT_OTHER: User 'admin' deactivate: [system "
     "syslog]"},
    {DV_JUNOS, "UI_CFG_AUDIT_SET", junos_cfg_audit, KS_KIND_CONFIG,
     "Mar  3 10:04:02 mx1 mgd[1234]: UI_CFG_AUDIT_SET: User 'admin' set: [system host-name] "
     "\"mx1\" -> \"mx2\""},
    {DV_JUNOS, "UI_CFG_AUDIT_NEW", junos_cfg_audit, KS_KIND_CONFIG,
     "Mar  3 10:04:03 mx1 mgd[1234]: UI_CFG_AUDIT_NEW: User 'admin' set: [system login user "
     "bob] <unconfigured>"},

    {DV_JUNOS, "JUNIPER_SA", junos_sa_login, KS_KIND_AUTH,
     "Dec  7 02:13:19 1.2.3.4 Juniper: 2005-12-07 02:13:19 - mike - [192.168.25.35] "
     "grp1(Users)[Users] - Login succeeded for mike/Users from 192.168.25.35."},

    /* FortiGate key=value */
    {DV_FORTI, "login", forti_login, KS_KIND_AUTH,
     FGT_HDR "logid=\"0100032001\" type=\"event\" subtype=\"system\" level=\"information\" "
             "vd=\"root\" logdesc=\"Admin login successful\" user=\"admin\" ui=\"https(10.1.1.5)\" "
             "method=\"https\" srcip=10.1.1.5 dstip=10.1.1.1 action=\"login\" status=\"success\" "
             "reason=\"none\" profile=\"super_admin\" msg=\"Administrator admin logged in "
             "successfully from https(10.1.1.5)\""},
    {DV_FORTI, "logout", forti_logout, KS_KIND_SESSION,
     FGT_HDR "logid=\"0100032003\" type=\"event\" subtype=\"system\" level=\"information\" "
             "vd=\"root\" logdesc=\"Admin logout successful\" user=\"admin\" ui=\"https(10.1.1.5)\" "
             "action=\"logout\" status=\"success\" msg=\"Administrator admin logged out from "
             "https(10.1.1.5)\""},
    {DV_FORTI, "Edit", forti_config, KS_KIND_CONFIG,
     FGT_HDR "logid=\"0100044546\" type=\"event\" subtype=\"system\" level=\"information\" "
             "vd=\"root\" logdesc=\"Attribute configured\" user=\"admin\" ui=\"GUI(10.1.1.5)\" "
             "action=\"Edit\" cfgtid=1234 cfgpath=\"system.interface\" cfgobj=\"port1\" "
             "cfgattr=\"allowaccess[ping https->ping https ssh]\" msg=\"Edit system.interface "
             "port1\""},
    {DV_FORTI, "Add", forti_config, KS_KIND_CONFIG,
     FGT_HDR "logid=\"0100044547\" type=\"event\" subtype=\"system\" level=\"information\" "
             "vd=\"root\" logdesc=\"Object attribute configured\" user=\"admin\" "
             "ui=\"ssh(10.1.1.5)\" action=\"Add\" cfgpath=\"firewall.policy\" cfgobj=\"7\" "
             "msg=\"Add firewall.policy 7\""},
    {DV_FORTI, "Delete", forti_config, KS_KIND_LOGGING,
     FGT_HDR "logid=\"0100044547\" type=\"event\" subtype=\"system\" level=\"information\" "
             "vd=\"root\" logdesc=\"Object attribute configured\" user=\"admin\" "
             "ui=\"ssh(10.1.1.5)\" action=\"Delete\" cfgpath=\"log.syslogd.setting\" "
             "msg=\"Delete log.syslogd.setting\""},
    {DV_FORTI, "tunnel-up", forti_tunnel, KS_KIND_VPN,
     FGT_HDR "logid=\"0101039947\" type=\"event\" subtype=\"vpn\" level=\"information\" "
             "vd=\"root\" logdesc=\"SSL VPN tunnel up\" action=\"tunnel-up\" "
             "tunneltype=\"ssl-tunnel\" tunnelid=1234 remip=203.0.113.5 tunnelip=10.212.134.200 "
             "user=\"jdoe\" group=\"SSLVPN\" reason=\"tunnel established\" msg=\"SSL tunnel "
             "established\""},
    {DV_FORTI, "tunnel-down", forti_tunnel, KS_KIND_VPN,
     FGT_HDR "logid=\"0101039948\" type=\"event\" subtype=\"vpn\" level=\"information\" "
             "vd=\"root\" logdesc=\"SSL VPN tunnel down\" action=\"tunnel-down\" "
             "tunneltype=\"ssl-tunnel\" tunnelid=1234 remip=203.0.113.5 tunnelip=10.212.134.200 "
             "user=\"jdoe\" group=\"SSLVPN\" reason=\"connection closed\" msg=\"SSL tunnel shutdown\""},
    {DV_FORTI, "ssl-login-fail", forti_ssl_fail, KS_KIND_AUTH,
     FGT_HDR "logid=\"0101039426\" type=\"event\" subtype=\"vpn\" level=\"alert\" vd=\"root\" "
             "logdesc=\"SSL VPN login fail\" action=\"ssl-login-fail\" tunneltype=\"ssl-web\" "
             "remip=198.51.100.7 user=\"admin\" group=\"N/A\" reason=\"sslvpn_login_unknown_user\" "
             "msg=\"SSL user failed to logged in\""},
};

/* IOS rows match "FACILITY-MNEMONIC" against msgid "FACILITY-SEV-MNEMONIC". */
static bool ios_key_eq(const char *key, struct ks_sv fac, struct ks_sv mnem)
{
    size_t kn = strlen(key);
    return kn == fac.n + 1 + mnem.n && memcmp(key, fac.p, fac.n) == 0 && key[fac.n] == '-' &&
           memcmp(key + fac.n + 1, mnem.p, mnem.n) == 0;
}

static bool key_eq(const char *key, struct ks_sv s)
{
    size_t kn = strlen(key);
    return kn == s.n && memcmp(key, s.p, kn) == 0;
}

/* The program's name without "(pam_unix)" and a path ("/usr/sbin/sshd"). */
static struct ks_sv program_base(struct ks_sv p)
{
    p = sv_until(p, '(');
    const char *slash = p.n ? memrchr(p.p, '/', p.n) : NULL;
    if (slash)
        p = ks_sv_make(slash + 1, (size_t)(p.p + p.n - slash - 1));
    return p;
}

static int linux_vendor(struct ks_sv program)
{
    struct ks_sv b = program_base(program);
    if (SV_IS(b, "sshd") || SV_IS(b, "sshd-session"))
        return DV_SSHD;
    if (SV_IS(b, "sudo"))
        return DV_SUDO;
    if (SV_IS(b, "su"))
        return DV_SU;
    return -1;
}

/* A Junos event tag at the start of the message: "UI_COMMIT: ..." -> "UI_COMMIT". */
static struct ks_sv junos_tag(struct ks_sv msg, struct ks_sv *rest)
{
    size_t i = 0;
    while (i < msg.n && i < 48 &&
           ((msg.p[i] >= 'A' && msg.p[i] <= 'Z') || msg.p[i] == '_' ||
            (i > 0 && msg.p[i] >= '0' && msg.p[i] <= '9')))
        i++;
    if (i < 3 || i + 1 >= msg.n || msg.p[i] != ':' || msg.p[i + 1] != ' ')
        return KS_SV_NULL;
    *rest = sv_skip(msg, i + 2);
    return ks_sv_make(msg.p, i);
}

static bool run_rules(struct dm *d, int vendor, struct ks_sv id, struct ks_sv fac,
                      struct ks_sv mnem, struct ks_sv text)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(dm_rules); i++) {
        const struct dm_rule *r = &dm_rules[i];
        if (r->vendor != vendor)
            continue;
        bool hit;
        switch (vendor) {
        case DV_IOS:
            hit = ios_key_eq(r->key, fac, mnem);
            break;
        case DV_SSHD:
        case DV_SUDO:
        case DV_SU: {
            size_t kn = strlen(r->key);
            hit = text.n >= kn && memcmp(text.p, r->key, kn) == 0;
            break;
        }
        default:
            hit = key_eq(r->key, id);
            break;
        }
        if (hit && r->fn(d, text))
            return true;
    }
    return false;
}

static void generic(struct dm *d)
{
    d->ev->kind = KS_KIND_SYSLOG;
    d->ev->object = d->m->message;
    if (d->m->program.n)
        d->ev->service = d->m->program;
}

void ks_ingest_devmsg_classify(const struct ks_syslog_msg *m, struct ks_event *ev,
                               struct ks_devmsg_out *out)
{
    struct dm d = {m, ev, out};
    struct ks_sv text = m->message;
    int vendor = -1;
    bool ok = false;

    if (m->cisco) {
        /* msgid "FAC-SEV-MNEMONIC" */
        struct ks_sv fac = sv_until(m->msgid, '-');
        struct ks_sv rest = sv_skip(m->msgid, fac.n + 1);
        struct ks_sv mnem = sv_skip(rest, sv_until(rest, '-').n + 1);
        if (SV_IS(fac, "ASA") || SV_IS(fac, "PIX") || SV_IS(fac, "FWSM") || SV_IS(fac, "FTD"))
            vendor = DV_ASA;
        else
            vendor = DV_IOS;
        ok = run_rules(&d, vendor, mnem, fac, mnem, text);
    } else {
        if ((vendor = linux_vendor(m->program)) >= 0)
            ok = run_rules(&d, vendor, KS_SV_NULL, KS_SV_NULL, KS_SV_NULL, text);
        struct ks_sv rest = text;
        struct ks_sv tag = m->msgid.n ? m->msgid : junos_tag(text, &rest);
        if (SV_IS(m->program, "Juniper")) /* Juniper SA / Pulse Secure: no tag, one row */
            tag = ks_sv_make("JUNIPER_SA", 10);
        if (!ok && tag.n) { /* Junos: also sshd's "SSHD_LOGIN_FAILED: ..." */
            ok = run_rules(&d, DV_JUNOS, tag, KS_SV_NULL, KS_SV_NULL, rest);
            if (ok || SV_PRE(tag, "UI_") || SV_PRE(tag, "SSHD_"))
                vendor = DV_JUNOS;
        }
        if (!ok && vendor < 0 &&
            (SV_PRE(text, "date=") || (SV_AFTER(text, "logid=").p && SV_AFTER(text, "devid=").p))) {
            vendor = DV_FORTI;
            struct ks_sv action = kv_get(text, "action");
            if (action.p)
                ok = run_rules(&d, DV_FORTI, action, KS_SV_NULL, KS_SV_NULL, text);
            if (!ok)
                forti_bag(&d, text);
        }
    }
    if (!ok)
        generic(&d);
    ev->dataset = ks_sv_cstr(vendor >= 0 ? dm_dataset[vendor] : "syslog.generic");
}

const struct ks_devmsg_example *ks_ingest_devmsg_examples(size_t *n)
{
    static struct ks_devmsg_example ex[KS_ARRAY_LEN(dm_rules)];
    static char names[KS_ARRAY_LEN(dm_rules)][64];
    static const char *const vname[DV_COUNT] = {"cisco-ios", "cisco-asa", "juniper", "fortigate",
                                                "sshd",      "sudo",      "su"};
    for (size_t i = 0; i < KS_ARRAY_LEN(dm_rules); i++) {
        snprintf(names[i], sizeof names[i], "%s %s", vname[dm_rules[i].vendor], dm_rules[i].key);
        ex[i] = (struct ks_devmsg_example){names[i], dm_rules[i].example, dm_rules[i].kind};
    }
    *n = KS_ARRAY_LEN(dm_rules);
    return ex;
}
