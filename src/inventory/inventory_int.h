/* SPDX-License-Identifier: MIT */
/*
 * inventory_int.h - private to src/inventory: the layout of struct ks_inventory, the small string
 * map the loaders share, error reporting with file:line, and the in-memory entry points the fuzz
 * target and tests use (YAML text and CSV text parsed without touching the file system).
 */
#ifndef KS_INVENTORY_INT_H
#define KS_INVENTORY_INT_H

#include "inventory/inventory.h"

#define KS_INV_NAME_MAX 255        /* asset, customer, list and service names */
#define KS_INV_KEY_MAX 4096        /* resource keys */
#define KS_INV_YAML_MAX (16u << 20) /* konseki.yaml */
#define KS_INV_CSV_MAX (1u << 30)  /* one CSV file */
#define KS_INV_ARENA_MAX ((size_t)1 << 31)
#define KS_INV_CSV_FIELDS 64

/* Open-addressing map from a string to a uint32 (an index into one of the inventory's arrays).
 * Keys are borrowed views into the inventory's arena. ci: ASCII case-insensitive keys. */
struct inv_map_slot {
    struct ks_sv key;
    uint64_t hash;
    uint32_t val;
    bool used;
};

struct inv_map {
    struct inv_map_slot *slots;
    size_t cap; /* power of two or 0 */
    size_t n;
    bool ci;
};

int inv_map_put(struct inv_map *m, struct ks_sv key, uint32_t val);
/* Returns true and *val when key is present. */
bool inv_map_get(const struct inv_map *m, struct ks_sv key, uint32_t *val);
void inv_map_free(struct inv_map *m);

/* One "weekly" rule, in minutes of the local week (0 = Sunday 00:00). */
struct inv_weekly {
    uint32_t start;
    uint32_t dur; /* minutes; 1..10080 */
};

struct inv_window {
    struct ks_sv *globs;
    uint32_t nglobs;
    struct inv_weekly *weekly;
    uint32_t nweekly;
    bool has_range;
    int64_t from, to; /* ns, [from, to) */
};

struct inv_allowlist {
    struct ks_sv name;
    struct ks_lpm *lpm;
};

struct ks_inventory {
    struct ks_arena arena; /* every string of the inventory */

    struct ks_asset *assets;
    uint32_t *asset_line;
    uint32_t nassets, capassets;
    struct inv_map asset_names; /* ci */
    struct ks_lpm *asset_lpm;   /* -> asset index */

    struct ks_customer *customers;
    uint32_t ncustomers, capcustomers;
    struct inv_map customer_names;
    struct ks_lpm *customer_lpm; /* -> customer id */

    struct ks_resource *resources;
    uint32_t *resource_line;
    uint32_t nresources, capresources;
    struct inv_map resource_keys[3]; /* normalized key -> resource index, per kind */

    struct ks_lpm *net[KS_NET_COUNT]; /* value unused */

    struct inv_allowlist *allow;
    uint32_t nallow;

    struct inv_window *windows;
    uint32_t nwindows;
    int32_t tz_offset_s; /* weekly windows are in UTC + this */
};

/* Which CSV a text holds. */
enum ks_inv_csv {
    KS_INV_CSV_CUSTOMERS = 0,
    KS_INV_CSV_ASSETS,
    KS_INV_CSV_RESOURCES,
};

/* Error reporting: prints "file:line: message" with ks_log_error() and counts it. */
struct inv_ctx {
    struct ks_inventory *inv;
    const char *file;
    size_t *nerrors;
};

void inv_error(struct inv_ctx *c, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses konseki.yaml text. name is used in messages; CSV paths are resolved against base_dir and
 * read from disk, or not read at all when base_dir is NULL (fuzzing). Returns KS_EFORMAT when the
 * text is not a YAML mapping at all (OUT *out NULL), else 0 with *out set.
 * OUT *out: caller frees with ks_inventory_free(). */
int ks_inventory_load_mem(const char *yaml, size_t n, const char *name, const char *base_dir,
                          struct ks_inventory **out, size_t *nerrors);
/* Adds the rows of one CSV text (header row first) to inv; name is used in messages. Resources
 * need their customers loaded first. Returns 0, or KS_ENOMEM. */
int ks_inventory_parse_csv_mem(struct ks_inventory *inv, enum ks_inv_csv kind, const char *text,
                               size_t n, const char *name, size_t *nerrors);
/* Reads a CSV file and adds its rows; errors name the yaml line (yaml_name:yaml_line) when the
 * file cannot be read. */
int ks_inventory_load_csv_file(struct ks_inventory *inv, enum ks_inv_csv kind, const char *path,
                               const char *yaml_name, size_t yaml_line, size_t *nerrors);

/* Parses "ADDR" or "ADDR/LEN" strictly (no host bits past LEN). Returns NULL or a static reason. */
const char *inv_parse_prefix(struct ks_sv s, struct ks_addr *a, unsigned *len);
/* Returns the customer id for name, adding it when new; UINT32_MAX when out of memory. */
uint32_t inv_customer_get_or_add(struct ks_inventory *inv, struct ks_sv name);
/* Normalizes a resource key into out (cap bytes); returns its length, or SIZE_MAX if too long. */
size_t inv_resource_normalize(enum ks_resource_kind kind, struct ks_sv key, char *out, size_t cap);

#endif /* KS_INVENTORY_INT_H */
