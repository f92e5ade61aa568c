/* SPDX-License-Identifier: MIT */
/*
 * fuzz_inventory.c - libFuzzer target for the inventory loader: the first byte selects what the
 * rest is (0: konseki.yaml text, 1: customers CSV, 2: assets CSV, 3: resources CSV, each after a
 * small fixed customers table so resources can resolve), and every lookup kind then runs on what
 * was loaded. Error lines go to stderr; run libFuzzer with -close_fd_mask=2 to keep it quiet.
 */
#include <stdint.h>
#include <string.h>

#include "inventory/inventory_int.h"

static void probe(const struct ks_inventory *inv)
{
    static const char *const addrs[] = {"10.0.0.1", "2001:db8::1", "203.0.113.10", "::"};
    for (size_t i = 0; i < KS_ARRAY_LEN(addrs); i++) {
        struct ks_addr a;
        if (ks_addr_parse(addrs[i], strlen(addrs[i]), &a) != 0)
            continue;
        (void)ks_inventory_asset_by_addr(inv, &a);
        (void)ks_inventory_customer_by_addr(inv, &a);
        for (int c = 0; c < KS_NET_COUNT; c++)
            (void)ks_inventory_in_net(inv, (enum ks_netclass)c, &a);
        (void)ks_inventory_allowed(inv, "beacon", &a);
    }
    (void)ks_inventory_asset_by_name(inv, ks_sv_cstr("rtr-tokyo-01"));
    (void)ks_inventory_resource_match(inv, KS_RES_PATH, ks_sv_cstr("\\\\fs01\\projects\\acme\\x"));
    (void)ks_inventory_resource_match(inv, KS_RES_URL, ks_sv_cstr("/app/projects/x?y"));
    (void)ks_inventory_resource_match(inv, KS_RES_PROJECT, ks_sv_cstr("1001"));
    (void)ks_inventory_in_maintenance(inv, ks_sv_cstr("rtr-tokyo-01"),
                                      INT64_C(1714700000) * 1000000000);
    (void)ks_inventory_in_maintenance(inv, ks_sv_cstr("x"), INT64_MIN);
    (void)ks_inventory_in_maintenance(inv, ks_sv_cstr("x"), INT64_MAX);
    for (uint32_t i = 0; i < ks_inventory_customer_count(inv) && i < 4; i++)
        (void)ks_inventory_customer(inv, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0] % 4;
    const char *text = (const char *)data + 1;
    size_t n = size - 1, nerr = 0;
    struct ks_inventory *inv = NULL;
    if (sel == 0) {
        if (ks_inventory_load_mem(text, n, "fuzz.yaml", NULL, &inv, &nerr) != 0)
            return 0;
    } else {
        if (ks_inventory_empty(&inv) != 0)
            return 0;
        static const char cust[] = "prefix,customer\n10.0.0.0/8,acme\n,globex\n";
        (void)ks_inventory_parse_csv_mem(inv, KS_INV_CSV_CUSTOMERS, cust, sizeof(cust) - 1,
                                         "c.csv", &nerr);
        (void)ks_inventory_parse_csv_mem(inv, (enum ks_inv_csv)(sel - 1), text, n, "fuzz.csv",
                                         &nerr);
    }
    probe(inv);
    ks_inventory_free(inv);
    return 0;
}
