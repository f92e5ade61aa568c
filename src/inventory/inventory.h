/* SPDX-License-Identifier: MIT */
/*
 * inventory.h - the operator's context every answer depends on (DESIGN.md section 3): assets,
 * customers and their prefixes, resources that belong to customers, admin/jump/internal networks,
 * service addresses, maintenance windows and allowlists. Loaded from konseki.yaml (libyaml), which
 * names CSV files; every error names file:line and loading continues past bad lines.
 *
 * Read-only after load; lookups are safe from several threads.
 */
#ifndef KS_INVENTORY_H
#define KS_INVENTORY_H

#include "event/event.h"

enum ks_role {
    KS_ROLE_UNKNOWN = 0,
    KS_ROLE_ROUTER,
    KS_ROLE_SWITCH,
    KS_ROLE_FIREWALL,
    KS_ROLE_SERVER,
    KS_ROLE_DC,
    KS_ROLE_PC,
    KS_ROLE_VDI,
    KS_ROLE_FILESERVER,
    KS_ROLE_JUMP,
    KS_ROLE_VPN,
    KS_ROLE_SCANNER,
    KS_ROLE_COUNT
};

/* Network classes an address can belong to (several at once). */
enum ks_netclass {
    KS_NET_INTERNAL = 0, /* the operator's own address space */
    KS_NET_ADMIN,        /* where management logins are expected from */
    KS_NET_JUMP,         /* jump hosts */
    KS_NET_SERVICE,      /* NTP, TACACS, syslog, DNS... servers devices may talk to */
    KS_NET_COUNT
};

struct ks_asset {
    struct ks_sv name;
    enum ks_role role;
    struct ks_sv zone;
    struct ks_sv owner;
    struct ks_addr addr; /* first address or prefix base */
    unsigned prefix_len; /* in the 128-bit space */
};

struct ks_customer {
    struct ks_sv name;
    uint32_t id; /* dense index */
};

enum ks_resource_kind {
    KS_RES_PATH = 0, /* file share path prefix (\\fs01\projects\acme) */
    KS_RES_PROJECT,  /* web application project id */
    KS_RES_URL,      /* URL path prefix */
};

struct ks_resource {
    enum ks_resource_kind kind;
    struct ks_sv key;
    uint32_t customer; /* index into customers */
};

struct ks_inventory;

/* Loads path (konseki.yaml); CSV paths in it are relative to its directory. Errors are printed
 * (file:line: message) and counted in *nerrors; loading goes on past them. Returns 0 when the
 * file could be read (even with errors), KS_ENOENT/KS_EIO/KS_EFORMAT when not at all.
 * OUT *out: caller frees with ks_inventory_free(). */
int ks_inventory_load(const char *path, struct ks_inventory **out, size_t *nerrors);
/* An empty inventory (every lookup misses). */
int ks_inventory_empty(struct ks_inventory **out);
void ks_inventory_free(struct ks_inventory *inv);

const char *ks_role_name(enum ks_role r);
int ks_role_parse(struct ks_sv s); /* returns the role or -1 */

/* Borrowed; valid until ks_inventory_free(). NULL when unknown. */
const struct ks_asset *ks_inventory_asset_by_addr(const struct ks_inventory *inv,
                                                  const struct ks_addr *a);
const struct ks_asset *ks_inventory_asset_by_name(const struct ks_inventory *inv, struct ks_sv name);
const struct ks_customer *ks_inventory_customer_by_addr(const struct ks_inventory *inv,
                                                        const struct ks_addr *a);
const struct ks_customer *ks_inventory_customer(const struct ks_inventory *inv, uint32_t id);
size_t ks_inventory_customer_count(const struct ks_inventory *inv);
/* Longest resource key of this kind that is a prefix of key (path prefixes match on separator
 * boundaries, case-insensitively for KS_RES_PATH). */
const struct ks_resource *ks_inventory_resource_match(const struct ks_inventory *inv,
                                                      enum ks_resource_kind kind, struct ks_sv key);
bool ks_inventory_in_net(const struct ks_inventory *inv, enum ks_netclass c, const struct ks_addr *a);
/* True when the named device is inside a declared maintenance window at ts. */
bool ks_inventory_in_maintenance(const struct ks_inventory *inv, struct ks_sv device, int64_t ts);
/* True when the address is on the named allowlist ("beacon", "egress", ...). */
bool ks_inventory_allowed(const struct ks_inventory *inv, const char *list, const struct ks_addr *a);

#endif /* KS_INVENTORY_H */
