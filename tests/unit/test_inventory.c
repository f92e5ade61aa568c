/* SPDX-License-Identifier: MIT */
/*
 * test_inventory.c - the inventory loader and its lookups: the documented example in
 * docs/example (every lookup kind), a bad_inputs[] table of broken YAML and CSV snippets (error
 * count, "file:line:" in the captured stderr, good rows around a bad one still loaded), file
 * errors, and roles.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "inventory/inventory.h"
#include "inventory/inventory_int.h"

/* ------------------------------------------------------------------ helpers */

static int saved_fd = -1;
static char cap_path[256];

static void capture_begin(void)
{
    snprintf(cap_path, sizeof(cap_path), "%s/ks_inv_stderr_XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(cap_path);
    assert_true(fd >= 0);
    fflush(stderr);
    saved_fd = dup(2);
    assert_true(saved_fd >= 0);
    assert_true(dup2(fd, 2) >= 0);
    close(fd);
}

/* Returns what was written to stderr since capture_begin() (caller frees). */
static char *capture_end(void)
{
    fflush(stderr);
    assert_true(dup2(saved_fd, 2) >= 0);
    close(saved_fd);
    saved_fd = -1;
    size_t n;
    char *s = ks_test_read_file(cap_path, &n);
    unlink(cap_path);
    assert_non_null(s);
    return s;
}

static struct ks_addr A(const char *s)
{
    struct ks_addr a;
    if (ks_addr_parse(s, strlen(s), &a) != 0)
        fail_msg("bad address in test: %s", s);
    return a;
}

static int64_t T(const char *s)
{
    int64_t ns;
    if (ks_time_parse_rfc3339(s, strlen(s), &ns) != 0)
        fail_msg("bad time in test: %s", s);
    return ns;
}

static const char *cust_at(const struct ks_inventory *inv, const char *addr)
{
    struct ks_addr a = A(addr);
    const struct ks_customer *c = ks_inventory_customer_by_addr(inv, &a);
    return c ? c->name.p : NULL;
}

static const char *asset_at(const struct ks_inventory *inv, const char *addr)
{
    struct ks_addr a = A(addr);
    const struct ks_asset *as = ks_inventory_asset_by_addr(inv, &a);
    return as ? as->name.p : NULL;
}

static const char *res_cust(const struct ks_inventory *inv, enum ks_resource_kind k,
                            const char *key)
{
    const struct ks_resource *r = ks_inventory_resource_match(inv, k, ks_sv_cstr(key));
    if (!r)
        return NULL;
    const struct ks_customer *c = ks_inventory_customer(inv, r->customer);
    assert_non_null(c);
    return c->name.p;
}

static bool in_net(const struct ks_inventory *inv, enum ks_netclass c, const char *addr)
{
    struct ks_addr a = A(addr);
    return ks_inventory_in_net(inv, c, &a);
}

static bool allowed(const struct ks_inventory *inv, const char *list, const char *addr)
{
    struct ks_addr a = A(addr);
    return ks_inventory_allowed(inv, list, &a);
}

#define assert_str(a, b)                                                                           \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ ? a_ != b_ : strcmp(a_, b_) != 0)                                           \
            fail_msg("%s: got '%s', want '%s'", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");       \
    } while (0)

/* ------------------------------------------------------------------ the example */

static void check_example(const struct ks_inventory *inv)
{
    /* Assets by address: several addresses per asset, /32 inside a /24, case of roles. */
    assert_str(asset_at(inv, "10.0.0.1"), "rtr-tokyo-01");
    struct ks_addr a1 = A("10.0.1.1"), a2 = A("2001:db8:0:1::1"), a3 = A("10.0.0.1");
    const struct ks_asset *r = ks_inventory_asset_by_addr(inv, &a3);
    assert_ptr_equal(ks_inventory_asset_by_addr(inv, &a1), r);
    assert_ptr_equal(ks_inventory_asset_by_addr(inv, &a2), r);
    assert_int_equal(r->role, KS_ROLE_ROUTER);
    assert_true(ks_sv_eq_cstr(r->zone, "core"));
    assert_true(ks_sv_eq_cstr(r->owner, "netops"));
    assert_int_equal(r->prefix_len, 128);
    assert_str(asset_at(inv, "10.1.0.10"), "dc01");
    assert_str(asset_at(inv, "10.1.0.99"), "office-servers");
    assert_str(asset_at(inv, "10.2.5.7"), "pc-0507");
    assert_str(asset_at(inv, "10.2.5.8"), "office-pcs");
    assert_str(asset_at(inv, "10.3.0.1"), NULL);
    assert_str(asset_at(inv, "2001:db8:0:1::2"), NULL);
    /* By name, case-insensitive. */
    const struct ks_asset *pc = ks_inventory_asset_by_name(inv, ks_sv_cstr("PC-0507"));
    assert_non_null(pc);
    assert_int_equal(pc->role, KS_ROLE_PC);
    assert_true(ks_sv_eq_cstr(pc->owner, "Yamada, Taro"));
    const struct ks_asset *ofs = ks_inventory_asset_by_name(inv, ks_sv_cstr("office-servers"));
    assert_non_null(ofs);
    assert_int_equal(ofs->prefix_len, 120);
    assert_null(ks_inventory_asset_by_name(inv, ks_sv_cstr("rtr-tokyo")));
    assert_int_equal(ks_inventory_asset_by_name(inv, ks_sv_cstr("jump02"))->role, KS_ROLE_JUMP);

    /* Customers. */
    assert_int_equal(ks_inventory_customer_count(inv), 4);
    assert_str(cust_at(inv, "203.0.113.5"), "acme");
    assert_str(cust_at(inv, "198.51.100.7"), "acme");
    assert_str(cust_at(inv, "198.51.100.130"), "globex");
    assert_str(cust_at(inv, "198.51.100.200"), "initech");
    assert_str(cust_at(inv, "2001:db8:1fff::5"), "acme");
    assert_str(cust_at(inv, "2001:db8:2000::5"), NULL);
    assert_str(cust_at(inv, "100.127.0.1"), "globex");
    assert_str(cust_at(inv, "8.8.8.8"), NULL);
    for (uint32_t i = 0; i < ks_inventory_customer_count(inv); i++)
        assert_int_equal(ks_inventory_customer(inv, i)->id, i);
    assert_null(ks_inventory_customer(inv, 4));

    /* Resources: longest key, separator boundaries, path case and slash insensitive. */
    static const struct {
        enum ks_resource_kind kind;
        const char *key, *customer;
    } res[] = {
        {KS_RES_PATH, "\\\\FS01\\Projects\\ACME\\plans\\a.dwg", "acme"},
        {KS_RES_PATH, "\\\\fs01\\projects\\acme", "acme"},
        {KS_RES_PATH, "\\\\fs01\\projects\\acme\\", "acme"},
        {KS_RES_PATH, "//fs01/projects/acme/shared/globex-contract/x.pdf", "globex"},
        {KS_RES_PATH, "\\\\fs01\\projects\\acme\\shared\\globex-contractX", "acme"},
        {KS_RES_PATH, "\\\\fs01\\projects\\acmeX\\a", NULL},
        {KS_RES_PATH, "\\\\fs01\\projects", NULL},
        {KS_RES_PATH, "\\\\fs02\\projects\\acme\\a", NULL},
        {KS_RES_PROJECT, "1001", "acme"},
        {KS_RES_PROJECT, "1001/tasks/7", "acme"},
        {KS_RES_PROJECT, "10011", NULL},
        {KS_RES_PROJECT, "1002", "globex"},
        {KS_RES_URL, "/app/projects/umbrella/files?id=1", "umbrella"},
        {KS_RES_URL, "/app/projects/umbrella?x", "umbrella"},
        {KS_RES_URL, "/app/projects/umbrellax", NULL},
        {KS_RES_URL, "/app/projects/UMBRELLA", NULL},
        {KS_RES_URL, "https://portal.example.net/c/initech/a", "initech"},
        {KS_RES_URL, "1001", NULL},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(res); i++) {
        const char *got = res_cust(inv, res[i].kind, res[i].key);
        if (!got || !res[i].customer ? got != res[i].customer : strcmp(got, res[i].customer))
            fail_msg("resource %s: got %s, want %s", res[i].key, got ? got : "(null)",
                     res[i].customer ? res[i].customer : "(null)");
    }

    /* Network classes; services count as KS_NET_SERVICE. */
    assert_true(in_net(inv, KS_NET_INTERNAL, "10.9.9.9"));
    assert_true(in_net(inv, KS_NET_INTERNAL, "192.168.50.1"));
    assert_true(in_net(inv, KS_NET_INTERNAL, "2001:db8:5::1"));
    assert_false(in_net(inv, KS_NET_INTERNAL, "172.16.0.1"));
    assert_true(in_net(inv, KS_NET_ADMIN, "10.255.0.5"));
    assert_false(in_net(inv, KS_NET_ADMIN, "10.255.1.10"));
    assert_true(in_net(inv, KS_NET_JUMP, "10.255.1.10"));
    assert_true(in_net(inv, KS_NET_JUMP, "10.255.1.11"));
    assert_false(in_net(inv, KS_NET_JUMP, "10.255.1.12"));
    assert_true(in_net(inv, KS_NET_SERVICE, "10.255.2.3"));
    assert_true(in_net(inv, KS_NET_SERVICE, "10.255.2.5"));
    assert_true(in_net(inv, KS_NET_SERVICE, "2001:db8:ffff:2::1"));
    assert_false(in_net(inv, KS_NET_SERVICE, "10.255.2.9"));
    assert_false(in_net(inv, KS_NET_COUNT, "10.255.2.3"));

    /* Maintenance (weekly windows in +09:00; 2024-05-05 is a Sunday). */
    static const struct {
        const char *dev, *ts;
        bool in;
    } mw[] = {
        {"rtr-osaka-01", "2024-05-05T02:00:00+09:00", true},
        {"RTR-OSAKA-01", "2024-05-05T01:00:00+09:00", true},
        {"rtr-osaka-01", "2024-05-05T05:00:00+09:00", false},
        {"rtr-osaka-01", "2024-05-05T00:59:59+09:00", false},
        {"rtr-osaka-01", "2024-05-04T17:30:00Z", true},
        {"sw-tokyo-01", "2024-05-12T04:59:00+09:00", true},
        {"fw-edge-01", "2024-05-05T02:00:00+09:00", false},
        {"fw-edge-01", "2024-05-06T23:45:00+09:00", true},
        {"fw-edge-01", "2024-05-07T00:15:00+09:00", true},
        {"fw-edge-01", "2024-05-04T00:15:00+09:00", true}, /* Friday's window, past midnight */
        {"fw-edge-01", "2024-05-04T23:45:00+09:00", false},
        {"fw-edge-01", "2024-05-06T00:15:00+09:00", false}, /* Monday early: Sunday has none */
        {"rtr-tokyo-01", "2024-05-01T03:00:00Z", true},
        {"rtr-tokyo-01", "2024-05-01T06:00:00Z", false},
        {"rtr-tokyo-01", "2024-05-05T03:00:00+09:00", true},
        {"dc01", "2024-05-05T02:00:00+09:00", false},
        {"xrtr-1", "2024-05-05T02:00:00+09:00", false},
        {"rtr-osaka-01", "1969-12-28T02:00:00+09:00", true}, /* a Sunday before the epoch */
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(mw); i++)
        if (ks_inventory_in_maintenance(inv, ks_sv_cstr(mw[i].dev), T(mw[i].ts)) != mw[i].in)
            fail_msg("maintenance %s at %s: want %d", mw[i].dev, mw[i].ts, mw[i].in);

    /* Allowlists. */
    assert_true(allowed(inv, "beacon", "203.0.113.10"));
    assert_false(allowed(inv, "beacon", "203.0.113.11"));
    assert_true(allowed(inv, "beacon", "198.51.100.77"));
    assert_false(allowed(inv, "egress", "203.0.113.10"));
    assert_false(allowed(inv, "nosuch", "203.0.113.10"));
    assert_false(allowed(inv, NULL, "203.0.113.10"));
}

static void example_path(char *out, size_t cap)
{
    const char *src = getenv("KS_SOURCE_DIR");
    snprintf(out, cap, "%s/docs/example/konseki.yaml", src ? src : ".");
}

static void test_example(void **state)
{
    (void)state;
    char path[4096];
    example_path(path, sizeof(path));
    struct ks_inventory *inv = NULL;
    size_t nerr = 0;
    capture_begin();
    int rc = ks_inventory_load(path, &inv, &nerr);
    char *err = capture_end();
    if (rc != 0 || nerr != 0)
        fail_msg("loading %s: rc=%d, %zu errors:\n%s", path, rc, nerr, err);
    free(err);
    check_example(inv);
    ks_inventory_free(inv);
}

static void test_empty(void **state)
{
    (void)state;
    struct ks_inventory *inv;
    assert_int_equal(ks_inventory_empty(&inv), 0);
    assert_str(asset_at(inv, "10.0.0.1"), NULL);
    assert_str(cust_at(inv, "10.0.0.1"), NULL);
    assert_null(ks_inventory_asset_by_name(inv, ks_sv_cstr("x")));
    assert_null(ks_inventory_resource_match(inv, KS_RES_PATH, ks_sv_cstr("\\\\a\\b")));
    assert_false(in_net(inv, KS_NET_INTERNAL, "10.0.0.1"));
    assert_false(ks_inventory_in_maintenance(inv, ks_sv_cstr("r"), 0));
    assert_false(allowed(inv, "beacon", "10.0.0.1"));
    assert_int_equal(ks_inventory_customer_count(inv), 0);
    ks_inventory_free(inv);
    ks_inventory_free(NULL);
}

static void test_roles(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int role;
    } t[] = {
        {"router", KS_ROLE_ROUTER}, {"SWITCH", KS_ROLE_SWITCH},   {"Firewall", KS_ROLE_FIREWALL},
        {"server", KS_ROLE_SERVER}, {"dc", KS_ROLE_DC},           {"pc", KS_ROLE_PC},
        {"vdi", KS_ROLE_VDI},       {"fileserver", KS_ROLE_FILESERVER},
        {"jump", KS_ROLE_JUMP},     {"vpn", KS_ROLE_VPN},         {"scanner", KS_ROLE_SCANNER},
        {"unknown", KS_ROLE_UNKNOWN}, {"toaster", -1},            {"", -1},
        {"route", -1},
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(t); i++) {
        assert_int_equal(ks_role_parse(ks_sv_cstr(t[i].s)), t[i].role);
        if (t[i].role > 0)
            assert_true(ks_sv_ieq_cstr(ks_sv_cstr(ks_role_name(t[i].role)), t[i].s));
    }
    assert_string_equal(ks_role_name(KS_ROLE_COUNT), "unknown");
}

/* ------------------------------------------------------------------ bad inputs */

static void good_nets(const struct ks_inventory *inv)
{
    assert_true(in_net(inv, KS_NET_INTERNAL, "10.2.3.4"));
    assert_true(in_net(inv, KS_NET_ADMIN, "10.255.0.1"));
}
static void good_r3(const struct ks_inventory *inv)
{
    assert_true(ks_inventory_in_maintenance(inv, ks_sv_cstr("r3"), T("2024-05-04T01:30:00Z")));
    assert_false(ks_inventory_in_maintenance(inv, ks_sv_cstr("r1"), T("2024-05-04T01:30:00Z")));
}
static void good_beacon(const struct ks_inventory *inv)
{
    assert_true(allowed(inv, "beacon", "1.2.3.4"));
}
static void good_cust_a_c(const struct ks_inventory *inv)
{
    assert_str(cust_at(inv, "10.1.2.3"), "c");
    assert_str(cust_at(inv, "10.2.3.4"), "a");
}
static void good_cust_quoted(const struct ks_inventory *inv)
{
    assert_str(cust_at(inv, "10.1.2.3"), "a \"x\", y");
}
static void good_cust_b(const struct ks_inventory *inv)
{
    assert_str(cust_at(inv, "10.1.2.3"), "b");
    assert_str(cust_at(inv, "10.0.0.1"), "a");
}
static void good_asset_r3(const struct ks_inventory *inv)
{
    const struct ks_asset *a = ks_inventory_asset_by_name(inv, ks_sv_cstr("r3"));
    assert_non_null(a);
    assert_int_equal(a->role, KS_ROLE_SWITCH);
    assert_str(asset_at(inv, "10.0.0.1"), "r1");
    assert_null(ks_inventory_asset_by_name(inv, ks_sv_cstr("r2")));
}
static void good_r1_only(const struct ks_inventory *inv)
{
    assert_str(asset_at(inv, "10.0.0.1"), "r1");
    assert_str(asset_at(inv, "10.0.0.2"), NULL);
}
static void good_res(const struct ks_inventory *inv)
{
    assert_str(res_cust(inv, KS_RES_PATH, "\\\\fs\\a\\b"), "acme");
    assert_str(res_cust(inv, KS_RES_URL, "/x/y"), "acme");
}

enum { Y = -1 }; /* bad_inputs[].what: YAML text, or an enum ks_inv_csv */

struct bad_input {
    int what;
    const char *text;
    int rc;       /* of ks_inventory_load_mem (YAML) */
    size_t nerr;  /* errors expected */
    const char *msg; /* substring of stderr, with file:line */
    void (*check)(const struct ks_inventory *inv);
};

static const struct bad_input bad_inputs[] = {
    /* YAML */
    {Y, "version: 2\n", 0, 1, "k.yaml:1: unsupported version '2'", NULL},
    {Y, "version: 1\nfoo: 1\n", 0, 1, "k.yaml:2: unknown key 'foo'", NULL},
    {Y, "networks:\n  internal: [10.0.0.0/8]\n", 0, 1, "k.yaml:1: missing 'version: 1'", NULL},
    {Y, "version: 1\nversion: 1\n", 0, 1, "k.yaml:2: top level: key 'version' appears twice",
     NULL},
    {Y,
     "version: 1\nnetworks:\n  internal: [10.0.0.0/8, 10.0.0.300/8, 10.1.0.1/8]\n"
     "  admin: [10.255.0.0/24]\n",
     0, 2, "k.yaml:3: internal: bad address or prefix '10.1.0.1/8': host bits", good_nets},
    {Y, "version: 1\nnetworks:\n  dmz: [10.0.0.0/8]\n  internal: 10.0.0.0/8\n"
        "  admin: [10.255.0.0/24]\n",
     0, 1, "k.yaml:3: networks: unknown class 'dmz'", good_nets},
    {Y, "version: 1\nnetworks: [10.0.0.0/8]\n", 0, 1, "k.yaml:2: networks: expected a mapping",
     NULL},
    {Y,
     "version: 1\nmaintenance:\n  - devices: [r1]\n    weekly: \"Sun 25:00-26:00\"\n"
     "  - devices: [r2]\n    weekly: \"Funday 01:00-02:00\"\n"
     "  - devices: [r3]\n    weekly: Sat 01:00-02:00\n",
     0, 2, "k.yaml:6: maintenance: bad weekly window 'Funday 01:00-02:00'", good_r3},
    {Y,
     "version: 1\nmaintenance:\n  - devices: [r1]\n    from: 2024-05-01T00:00:00Z\n"
     "  - devices: [r3]\n    weekly: Sat 01:00-02:00\n",
     0, 1, "k.yaml:3: maintenance: 'from' and 'to' go together", good_r3},
    {Y,
     "version: 1\nmaintenance:\n  - weekly: Sat 01:00-02:00\n    color: red\n"
     "  - devices: r3\n    weekly: Sat 01:00-02:00\n",
     0, 2, "k.yaml:4: maintenance: unknown key 'color'", good_r3},
    {Y,
     "version: 1\nmaintenance:\n  - devices: [r1]\n    from: 2024-05-02T00:00:00Z\n"
     "    to: 2024-05-01T00:00:00Z\n",
     0, 1, "k.yaml:5: maintenance: 'to' is not after 'from'", NULL},
    {Y, "version: 1\nmaintenance:\n  - devices: [r1]\n    from: yesterday\n    to: today\n", 0, 2,
     "k.yaml:4: maintenance: bad 'from' time 'yesterday'", NULL},
    {Y, "version: 1\ntimezone_offset: \"+25:00\"\n", 0, 1, "k.yaml:2: bad timezone_offset", NULL},
    {Y, "version: 1\nallowlists:\n  beacon: [1.2.3.4, nope]\n  egress:\n", 0, 1,
     "k.yaml:3: allowlists: bad address or prefix 'nope'", good_beacon},
    {Y, "version: 1\nallowlists:\n  beacon: [1.2.3.4, [5.6.7.8]]\n", 0, 1,
     "k.yaml:3: allowlists: expected a plain value", good_beacon},
    {Y, "version: 1\nservices:\n  ntp: {a: 1}\n", 0, 1, "k.yaml:3: services: expected a list",
     NULL},
    {Y, "version: 1\ncustomers:\n", 0, 1, "k.yaml:2: customers: expected a CSV file name", NULL},
    {Y, "version: 1\nnetworks: [\n", KS_EFORMAT, 1, "k.yaml:3: YAML: ", NULL},
    {Y, "version: 1\n  bad: indent\n", KS_EFORMAT, 1, "k.yaml:2: YAML: ", NULL},
    {Y, "- a\n- b\n", KS_EFORMAT, 1, "k.yaml:1: expected a mapping", NULL},
    {Y, "", KS_EFORMAT, 1, "k.yaml:1: expected a mapping", NULL},
    /* customers CSV */
    {KS_INV_CSV_CUSTOMERS, "prefix,customer\n10.0.0.0/8,a\n10.0.0.0/33,b\n10.1.0.0/16,c\n", 0, 1,
     "c.csv:3: bad prefix '10.0.0.0/33'", good_cust_a_c},
    {KS_INV_CSV_CUSTOMERS, "prefix,name\n10.0.0.0/8,a\n", 0, 1,
     "c.csv:1: missing column 'customer'", NULL},
    {KS_INV_CSV_CUSTOMERS,
     "\xEF\xBB\xBF" "Customer,Prefix,note\r\n\"a \"\"x\"\", y\",\"10.1.0.0/16\",z\r\n",
     0, 0, NULL, good_cust_quoted},
    {KS_INV_CSV_CUSTOMERS, "prefix,customer\n10.0.0.0/8,a\n10.1.0.0/16,\"b\n", 0, 1,
     "c.csv:3: unterminated quoted field", NULL},
    {KS_INV_CSV_CUSTOMERS, "prefix,customer\n10.0.0.0/8,a,extra\n10.1.0.0/16,b\n", 0, 1,
     "c.csv:2: 3 fields, the header has 2", NULL},
    {KS_INV_CSV_CUSTOMERS, "prefix,customer\n10.0.0.0/8,a\n10.0.0.0/8,b\n10.0.0.0/8,a\n"
                           "10.1.0.0/16,b\n", 0, 1,
     "c.csv:3: prefix '10.0.0.0/8' already belongs to customer 'a'", good_cust_b},
    {KS_INV_CSV_CUSTOMERS, "prefix,customer\n10.0.0.0/8,\"a\nstill a\"\n10.1.0.0/33,c\n"
                           "10.1.0.0/16,b\n", 0, 1,
     "c.csv:4: bad prefix", NULL},
    {KS_INV_CSV_CUSTOMERS, "prefix,customer\n10.0.0.0/8,a\n10.1.0.0/16,b\"x\n10.1.0.0/16,b\n", 0,
     1, "c.csv:3: quote inside an unquoted field", good_cust_b},
    {KS_INV_CSV_CUSTOMERS, "prefix,customer\n10.0.0.0/8,a\n10.1.0.0/16,\"b\" x\n10.1.0.0/16,b\n",
     0, 1, "c.csv:3: unexpected character after a closing quote", good_cust_b},
    {KS_INV_CSV_CUSTOMERS, "prefix,customer\n10.0.0.0/8,\n", 0, 1, "c.csv:2: empty customer name",
     NULL},
    {KS_INV_CSV_CUSTOMERS, "", 0, 1, "c.csv:1: empty file", NULL},
    /* assets CSV */
    {KS_INV_CSV_ASSETS, "address,name,role\n10.0.0.1,r1,router\n10.0.0.2,r2,toaster\n"
                        "10.0.0.3,r3,Switch\n", 0, 1,
     "c.csv:3: unknown role 'toaster'", good_asset_r3},
    {KS_INV_CSV_ASSETS, "address,name,role\n10.0.0.1,r1,router\n10.0.0.2,R1,switch\n", 0, 1,
     "c.csv:3: duplicate asset name 'R1' with a different role, zone or owner (first at line 2)",
     good_r1_only},
    {KS_INV_CSV_ASSETS, "address,name,role\n10.0.0.1,r1,router\n10.0.0.1,r2,router\n", 0, 1,
     "c.csv:3: address '10.0.0.1' already belongs to asset 'r1' (line 2)", good_r1_only},
    {KS_INV_CSV_ASSETS, "# inventory\n\naddress,name,role,zone\n10.0.0.1,r1,router,core\n"
                        "10.0.0.2,,router,core\n", 0, 1,
     "c.csv:5: empty asset name", good_r1_only},
    {KS_INV_CSV_ASSETS, "address,name,role,zone,zone\n10.0.0.1,r1,router,a,b\n", 0, 1,
     "c.csv:1: column 'zone' appears twice in the header", NULL},
    {KS_INV_CSV_ASSETS, "name,role\nr1,router\n", 0, 1, "c.csv:1: missing column 'address'", NULL},
    {KS_INV_CSV_ASSETS, "address,name,role\n10.0.0.1,r1,router\nfoo,r2,router\n", 0, 1,
     "c.csv:3: bad address 'foo'", good_r1_only},
    /* resources CSV (customers "acme" loaded first) */
    {KS_INV_CSV_RESOURCES, "kind,key,customer\npath,\\\\fs\\a,acme\nfile,x,acme\n"
                           "path,\\\\fs\\b,nobody\nurl,/x,acme\n", 0, 2,
     "c.csv:4: unknown customer 'nobody'", good_res},
    {KS_INV_CSV_RESOURCES, "kind,key,customer\npath,\\\\FS\\A\\,acme\npath,//fs/a,acme\n"
                           "url,/x/,acme\n", 0, 1,
     "c.csv:3: duplicate resource key '//fs/a' (first at line 2)", good_res},
    {KS_INV_CSV_RESOURCES, "kind,key,customer\nurl,/,acme\n", 0, 1, "c.csv:2: empty resource key",
     NULL},
};

static void test_bad_inputs(void **state)
{
    (void)state;
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++) {
        const struct bad_input *b = &bad_inputs[i];
        struct ks_inventory *inv = NULL;
        size_t nerr = 0;
        int rc;
        capture_begin();
        if (b->what == Y) {
            rc = ks_inventory_load_mem(b->text, strlen(b->text), "k.yaml", NULL, &inv, &nerr);
        } else {
            rc = ks_inventory_empty(&inv);
            if (!rc && b->what == KS_INV_CSV_RESOURCES) {
                const char *cust = "prefix,customer\n,acme\n";
                size_t e0 = 0;
                rc = ks_inventory_parse_csv_mem(inv, KS_INV_CSV_CUSTOMERS, cust, strlen(cust),
                                                "cust.csv", &e0);
                assert_int_equal(e0, 0);
            }
            if (!rc)
                rc = ks_inventory_parse_csv_mem(inv, (enum ks_inv_csv)b->what, b->text,
                                                strlen(b->text), "c.csv", &nerr);
        }
        char *err = capture_end();
        if (rc != b->rc || nerr != b->nerr || (b->msg && !strstr(err, b->msg)) ||
            (!b->msg && err[0]))
            fail_msg("bad_inputs[%zu]: rc=%d (want %d), %zu errors (want %zu), stderr:\n%s"
                     "want: %s",
                     i, rc, b->rc, nerr, b->nerr, err, b->msg ? b->msg : "(nothing)");
        /* One line per error. */
        size_t lines = 0;
        for (const char *p = err; *p; p++)
            lines += *p == '\n';
        if (lines != nerr)
            fail_msg("bad_inputs[%zu]: %zu lines on stderr for %zu errors:\n%s", i, lines, nerr,
                     err);
        free(err);
        if (rc == 0) {
            assert_non_null(inv);
            if (b->check)
                b->check(inv);
        } else if (b->what == Y) {
            assert_null(inv);
        }
        ks_inventory_free(inv);
    }
}

/* ------------------------------------------------------------------ files */

static void test_files(void **state)
{
    (void)state;
    struct ks_inventory *inv = NULL;
    size_t nerr = 0;
    capture_begin();
    int rc = ks_inventory_load("/nonexistent/konseki.yaml", &inv, &nerr);
    free(capture_end());
    assert_int_equal(rc, KS_ENOENT);
    assert_null(inv);

    char dir[1024], path[1200];
    ks_test_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/konseki.yaml", dir);
    const char *yaml = "version: 1\n"
                       "customers: customers.csv\n"
                       "assets: missing.csv\n"
                       "resources: res.csv\n";
    ks_test_write_file(path, yaml, strlen(yaml));
    char p2[1200];
    snprintf(p2, sizeof(p2), "%s/customers.csv", dir);
    const char *cust = "prefix,customer\n10.0.0.0/8,acme\n10.1.0.0/16,globex\nbad,acme\n";
    ks_test_write_file(p2, cust, strlen(cust));
    snprintf(p2, sizeof(p2), "%s/res.csv", dir);
    const char *res = "kind,key,customer\nproject,7,globex\nproject,8,nobody\n";
    ks_test_write_file(p2, res, strlen(res));
    nerr = 0;
    capture_begin();
    rc = ks_inventory_load(path, &inv, &nerr);
    char *err = capture_end();
    assert_int_equal(rc, 0);
    assert_int_equal(nerr, 3);
    char want[3000];
    snprintf(want, sizeof(want), "%s/konseki.yaml:3: cannot read %s/missing.csv", dir, dir);
    if (!strstr(err, want))
        fail_msg("want '%s' in:\n%s", want, err);
    snprintf(want, sizeof(want), "%s/customers.csv:4: bad prefix 'bad'", dir);
    if (!strstr(err, want))
        fail_msg("want '%s' in:\n%s", want, err);
    snprintf(want, sizeof(want), "%s/res.csv:3: unknown customer 'nobody'", dir);
    if (!strstr(err, want))
        fail_msg("want '%s' in:\n%s", want, err);
    free(err);
    assert_str(cust_at(inv, "10.1.2.3"), "globex");
    assert_str(res_cust(inv, KS_RES_PROJECT, "7"), "globex");
    ks_inventory_free(inv);
    ks_test_rmtree(dir);
}

/* The loader at scale: 200k customer prefixes through the CSV path (bench_lpm --inventory
 * measures 1M). */
static void test_many_customers(void **state)
{
    (void)state;
    enum { N = 200000 };
    struct ks_buf b;
    ks_buf_init(&b, 64u << 20);
    assert_int_equal(ks_buf_printf(&b, "prefix,customer\n"), 0);
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(ks_buf_printf(&b, "%u.%u.%u.0/24,cust%u\n", 1 + (i >> 16), (i >> 8) & 255,
                                       i & 255, i % 1000), 0);
    struct ks_inventory *inv;
    assert_int_equal(ks_inventory_empty(&inv), 0);
    size_t nerr = 0;
    assert_int_equal(ks_inventory_parse_csv_mem(inv, KS_INV_CSV_CUSTOMERS, b.p, b.len, "big.csv",
                                                &nerr), 0);
    assert_int_equal(nerr, 0);
    assert_int_equal(ks_inventory_customer_count(inv), 1000);
    for (uint32_t i = 0; i < N; i += 997) {
        struct ks_addr a;
        ks_addr_from_v4(((1 + (i >> 16)) << 24) | (((i >> 8) & 255) << 16) | ((i & 255) << 8) | 9,
                        &a);
        const struct ks_customer *c = ks_inventory_customer_by_addr(inv, &a);
        assert_non_null(c);
        char want[32];
        snprintf(want, sizeof(want), "cust%u", i % 1000);
        assert_true(ks_sv_eq_cstr(c->name, want));
    }
    ks_inventory_free(inv);
    ks_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_many_customers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
