/* SPDX-License-Identifier: MIT */
/*
 * inventory_csv.c - the CSV half of the inventory loader: an RFC 4180 reader (quoted fields,
 * doubled quotes, CRLF, a leading BOM, '#' comment lines, blank lines) and the three tables named
 * by konseki.yaml: customers (prefix -> customer), assets (address or CIDR -> name, role, zone,
 * owner) and resources (path, project or URL prefix -> customer). Columns are found by header
 * name; every bad row is reported as "file:line: message" and skipped, the rest still loads.
 */
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory_int.h"

/* ------------------------------------------------------------------ RFC 4180 reader */

/* Reads records from a mutable copy of the text; quoted fields are unescaped in place. */
struct csv_reader {
    char *p;
    size_t n, off;
    size_t line; /* 1-based line of p[off] */
};

enum { CSV_EOF = 0, CSV_RECORD = 1, CSV_BAD = 2 };

static void skip_line(struct csv_reader *r)
{
    while (r->off < r->n && r->p[r->off] != '\n')
        r->off++;
    if (r->off < r->n) {
        r->off++;
        r->line++;
    }
}

static bool at_eol(const struct csv_reader *r)
{
    return r->off >= r->n || r->p[r->off] == '\n' ||
           (r->p[r->off] == '\r' && (r->off + 1 >= r->n || r->p[r->off + 1] == '\n'));
}

static void eat_eol(struct csv_reader *r)
{
    if (r->off < r->n && r->p[r->off] == '\r')
        r->off++;
    if (r->off < r->n && r->p[r->off] == '\n') {
        r->off++;
        r->line++;
    }
}

/* Returns CSV_RECORD with fields set, CSV_EOF, or CSV_BAD with *why set (the bad record has
 * been skipped). *line gets the record's first line. */
static int csv_next(struct csv_reader *r, struct ks_sv *f, size_t maxf, size_t *nf, size_t *line,
                    const char **why)
{
    /* Skip blank lines and comments. */
    for (;;) {
        if (r->off >= r->n)
            return CSV_EOF;
        size_t o = r->off;
        while (o < r->n && (r->p[o] == ' ' || r->p[o] == '\t'))
            o++;
        if (o >= r->n)
            return CSV_EOF;
        if (r->p[o] == '#' || r->p[o] == '\n' ||
            (r->p[o] == '\r' && o + 1 < r->n && r->p[o + 1] == '\n')) {
            skip_line(r);
            continue;
        }
        break;
    }
    *line = r->line;
    *nf = 0;
    for (;;) {
        while (r->off < r->n && (r->p[r->off] == ' ' || r->p[r->off] == '\t'))
            r->off++;
        struct ks_sv field;
        if (r->off < r->n && r->p[r->off] == '"') {
            size_t start_line = r->line;
            char *w = r->p + r->off + 1;
            char *start = w;
            size_t i = r->off + 1;
            for (;;) {
                if (i >= r->n) {
                    r->off = r->n;
                    r->line = start_line;
                    *why = "unterminated quoted field";
                    return CSV_BAD;
                }
                char c = r->p[i];
                if (c == '"') {
                    if (i + 1 < r->n && r->p[i + 1] == '"') {
                        *w++ = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (c == '\n')
                    r->line++;
                *w++ = c;
                i++;
            }
            field = ks_sv_make(start, (size_t)(w - start));
            r->off = i;
            while (r->off < r->n && (r->p[r->off] == ' ' || r->p[r->off] == '\t'))
                r->off++;
            if (!at_eol(r) && r->p[r->off] != ',') {
                *why = "unexpected character after a closing quote";
                skip_line(r);
                return CSV_BAD;
            }
        } else {
            size_t start = r->off;
            while (!at_eol(r) && r->p[r->off] != ',') {
                if (r->p[r->off] == '"') {
                    *why = "quote inside an unquoted field";
                    skip_line(r);
                    return CSV_BAD;
                }
                r->off++;
            }
            field = ks_sv_trim(ks_sv_make(r->p + start, r->off - start));
        }
        if (*nf == maxf) {
            *why = "too many fields";
            skip_line(r);
            return CSV_BAD;
        }
        f[(*nf)++] = field;
        if (r->off < r->n && r->p[r->off] == ',') {
            r->off++;
            continue;
        }
        eat_eol(r);
        return CSV_RECORD;
    }
}

/* ------------------------------------------------------------------ tables */

enum col {
    COL_PREFIX, /* customers */
    COL_CUSTOMER,
    COL_ADDRESS, /* assets */
    COL_NAME,
    COL_ROLE,
    COL_ZONE,
    COL_OWNER,
    COL_KIND, /* resources */
    COL_KEY,
    COL_COUNT
};

static const char *const col_names[COL_COUNT] = {
    "prefix", "customer", "address", "name", "role", "zone", "owner", "kind", "key",
};

struct table_spec {
    const char *what;
    uint32_t required; /* bit per enum col */
    uint32_t optional;
};

static const struct table_spec specs[3] = {
    [KS_INV_CSV_CUSTOMERS] = {"customers", 1u << COL_PREFIX | 1u << COL_CUSTOMER, 0},
    [KS_INV_CSV_ASSETS] = {"assets", 1u << COL_ADDRESS | 1u << COL_NAME | 1u << COL_ROLE,
                           1u << COL_ZONE | 1u << COL_OWNER},
    [KS_INV_CSV_RESOURCES] = {"resources", 1u << COL_KIND | 1u << COL_KEY | 1u << COL_CUSTOMER, 0},
};

struct row {
    struct ks_sv f[KS_INV_CSV_FIELDS];
    size_t nf;
    int col[COL_COUNT]; /* field index or -1 */
    size_t line;
};

static struct ks_sv get(const struct row *r, enum col c)
{
    int i = r->col[c];
    if (i < 0 || (size_t)i >= r->nf)
        return KS_SV_NULL;
    return r->f[i];
}

#define SVF(s) (int)KS_MIN((s).n, (size_t)200), (s).p ? (s).p : ""

static int add_customer_row(struct inv_ctx *c, const struct row *r)
{
    struct ks_inventory *inv = c->inv;
    struct ks_sv name = get(r, COL_CUSTOMER), pfx = get(r, COL_PREFIX);
    if (name.n == 0) {
        inv_error(c, r->line, "empty customer name");
        return 0;
    }
    if (name.n > KS_INV_NAME_MAX) {
        inv_error(c, r->line, "customer name longer than %d bytes", KS_INV_NAME_MAX);
        return 0;
    }
    struct ks_addr a;
    unsigned len = 0;
    if (pfx.n) {
        const char *why = inv_parse_prefix(pfx, &a, &len);
        if (why) {
            inv_error(c, r->line, "bad prefix '%.*s': %s", SVF(pfx), why);
            return 0;
        }
    }
    uint32_t id = inv_customer_get_or_add(inv, name);
    if (id == UINT32_MAX)
        return KS_ENOMEM;
    if (pfx.n == 0)
        return 0; /* a customer without prefixes (owns resources only) */
    uint32_t old;
    unsigned olen;
    if (ks_lpm_lookup(inv->customer_lpm, &a, &old, &olen) == 0 && olen == len) {
        if (old != id)
            inv_error(c, r->line, "prefix '%.*s' already belongs to customer '%.*s'", SVF(pfx),
                      SVF(inv->customers[old].name));
        return 0;
    }
    return ks_lpm_insert(inv->customer_lpm, &a, len, id);
}

static int add_asset_row(struct inv_ctx *c, const struct row *r)
{
    struct ks_inventory *inv = c->inv;
    struct ks_sv addr = get(r, COL_ADDRESS), name = get(r, COL_NAME), role_s = get(r, COL_ROLE);
    struct ks_sv zone = get(r, COL_ZONE), owner = get(r, COL_OWNER);
    if (name.n == 0) {
        inv_error(c, r->line, "empty asset name");
        return 0;
    }
    if (name.n > KS_INV_NAME_MAX || zone.n > KS_INV_NAME_MAX || owner.n > KS_INV_NAME_MAX) {
        inv_error(c, r->line, "name, zone or owner longer than %d bytes", KS_INV_NAME_MAX);
        return 0;
    }
    struct ks_addr a;
    unsigned len;
    const char *why = inv_parse_prefix(addr, &a, &len);
    if (why) {
        inv_error(c, r->line, "bad address '%.*s': %s", SVF(addr), why);
        return 0;
    }
    int role = KS_ROLE_UNKNOWN;
    if (role_s.n) {
        role = ks_role_parse(role_s);
        if (role < 0) {
            inv_error(c, r->line, "unknown role '%.*s' (router, switch, firewall, server, dc, pc, "
                      "vdi, fileserver, jump, vpn, scanner)", SVF(role_s));
            return 0;
        }
    }
    uint32_t idx, old;
    unsigned olen;
    if (ks_lpm_lookup(inv->asset_lpm, &a, &old, &olen) == 0 && olen == len) {
        inv_error(c, r->line, "address '%.*s' already belongs to asset '%.*s' (line %u)",
                  SVF(addr), SVF(inv->assets[old].name), inv->asset_line[old]);
        return 0;
    }
    if (inv_map_get(&inv->asset_names, name, &idx)) {
        /* Another address of the same asset is fine; different attributes are not. */
        const struct ks_asset *as = &inv->assets[idx];
        if ((int)as->role != role || !ks_sv_eq(as->zone, zone) || !ks_sv_eq(as->owner, owner)) {
            inv_error(c, r->line, "duplicate asset name '%.*s' with a different role, zone or "
                      "owner (first at line %u)", SVF(name), inv->asset_line[idx]);
            return 0;
        }
        return ks_lpm_insert(inv->asset_lpm, &a, len, idx);
    }
    if (inv->nassets == inv->capassets) {
        uint32_t ncap = inv->capassets ? inv->capassets * 2 : 64;
        struct ks_asset *p = realloc(inv->assets, ncap * sizeof(*p));
        if (!p)
            return KS_ENOMEM;
        inv->assets = p;
        uint32_t *l = realloc(inv->asset_line, ncap * sizeof(*l));
        if (!l)
            return KS_ENOMEM;
        inv->asset_line = l;
        inv->capassets = ncap;
    }
    struct ks_asset as = {.role = (enum ks_role)role, .addr = a, .prefix_len = len};
    as.name = ks_arena_dup(&inv->arena, name.p, name.n);
    as.zone = ks_arena_dup(&inv->arena, zone.p ? zone.p : "", zone.n);
    as.owner = ks_arena_dup(&inv->arena, owner.p ? owner.p : "", owner.n);
    if (!as.name.p || !as.zone.p || !as.owner.p)
        return KS_ENOMEM;
    idx = inv->nassets;
    inv->assets[idx] = as;
    inv->asset_line[idx] = (uint32_t)KS_MIN(r->line, (size_t)UINT32_MAX);
    inv->nassets++;
    int rc = inv_map_put(&inv->asset_names, as.name, idx);
    if (!rc)
        rc = ks_lpm_insert(inv->asset_lpm, &a, len, idx);
    return rc;
}

static int add_resource_row(struct inv_ctx *c, const struct row *r)
{
    struct ks_inventory *inv = c->inv;
    struct ks_sv kind_s = get(r, COL_KIND), key = get(r, COL_KEY), cust = get(r, COL_CUSTOMER);
    enum ks_resource_kind kind;
    if (ks_sv_ieq_cstr(kind_s, "path"))
        kind = KS_RES_PATH;
    else if (ks_sv_ieq_cstr(kind_s, "project"))
        kind = KS_RES_PROJECT;
    else if (ks_sv_ieq_cstr(kind_s, "url"))
        kind = KS_RES_URL;
    else {
        inv_error(c, r->line, "unknown resource kind '%.*s' (path, project, url)", SVF(kind_s));
        return 0;
    }
    uint32_t id;
    if (!inv_map_get(&inv->customer_names, cust, &id)) {
        inv_error(c, r->line, "unknown customer '%.*s' (not in the customers file)", SVF(cust));
        return 0;
    }
    char buf[KS_INV_KEY_MAX];
    size_t n = inv_resource_normalize(kind, key, buf, sizeof(buf));
    if (n == SIZE_MAX || n == 0) {
        inv_error(c, r->line, n ? "resource key longer than %d bytes" : "empty resource key",
                  KS_INV_KEY_MAX);
        return 0;
    }
    uint32_t old;
    if (inv_map_get(&inv->resource_keys[kind], ks_sv_make(buf, n), &old)) {
        inv_error(c, r->line, "duplicate resource key '%.*s' (first at line %u)", SVF(key),
                  inv->resource_line[old]);
        return 0;
    }
    if (inv->nresources == inv->capresources) {
        uint32_t ncap = inv->capresources ? inv->capresources * 2 : 64;
        struct ks_resource *p = realloc(inv->resources, ncap * sizeof(*p));
        if (!p)
            return KS_ENOMEM;
        inv->resources = p;
        uint32_t *l = realloc(inv->resource_line, ncap * sizeof(*l));
        if (!l)
            return KS_ENOMEM;
        inv->resource_line = l;
        inv->capresources = ncap;
    }
    struct ks_sv copy = ks_arena_dup(&inv->arena, buf, n);
    if (!copy.p)
        return KS_ENOMEM;
    uint32_t idx = inv->nresources++;
    inv->resources[idx] = (struct ks_resource){.kind = kind, .key = copy, .customer = id};
    inv->resource_line[idx] = (uint32_t)KS_MIN(r->line, (size_t)UINT32_MAX);
    return inv_map_put(&inv->resource_keys[kind], copy, idx);
}

int ks_inventory_parse_csv_mem(struct ks_inventory *inv, enum ks_inv_csv kind, const char *text,
                               size_t n, const char *name, size_t *nerrors)
{
    if ((unsigned)kind >= KS_ARRAY_LEN(specs))
        return KS_EINVAL;
    const struct table_spec *spec = &specs[kind];
    struct inv_ctx c = {.inv = inv, .file = name, .nerrors = nerrors};
    int rc = 0;
    struct csv_reader r = {.p = NULL, .n = n, .off = 0, .line = 1};
    const char *why = NULL;
    int st;
    struct row *row = malloc(sizeof(*row));
    char *copy = malloc(n + 1);
    if (!row || !copy) {
        rc = KS_ENOMEM;
        goto out;
    }
    memcpy(copy, text, n);
    copy[n] = '\0';
    r.p = copy;
    if (n >= 3 && memcmp(copy, "\xEF\xBB\xBF", 3) == 0)
        r.off = 3;
    /* Header. */
    st = csv_next(&r, row->f, KS_ARRAY_LEN(row->f), &row->nf, &row->line, &why);
    if (st == CSV_EOF) {
        inv_error(&c, r.line, "empty file: expected a header row (%s)", spec->what);
        goto out;
    }
    if (st == CSV_BAD) {
        inv_error(&c, row->line, "bad header row: %s", why);
        goto out;
    }
    for (int k = 0; k < COL_COUNT; k++)
        row->col[k] = -1;
    bool bad_header = false;
    for (size_t i = 0; i < row->nf; i++) {
        for (int k = 0; k < COL_COUNT; k++) {
            if (!((spec->required | spec->optional) & (1u << k)) ||
                !ks_sv_ieq_cstr(row->f[i], col_names[k]))
                continue;
            if (row->col[k] >= 0) {
                inv_error(&c, row->line, "column '%s' appears twice in the header", col_names[k]);
                bad_header = true;
            }
            row->col[k] = (int)i;
        }
    }
    for (int k = 0; k < COL_COUNT; k++) {
        if ((spec->required & (1u << k)) && row->col[k] < 0) {
            inv_error(&c, row->line, "missing column '%s' in the header (%s)", col_names[k],
                      spec->what);
            bad_header = true;
        }
    }
    if (bad_header)
        goto out;
    size_t ncols = row->nf;
    /* Rows. */
    for (;;) {
        st = csv_next(&r, row->f, KS_ARRAY_LEN(row->f), &row->nf, &row->line, &why);
        if (st == CSV_EOF)
            break;
        if (st == CSV_BAD) {
            inv_error(&c, row->line, "%s", why);
            continue;
        }
        if (row->nf != ncols) {
            inv_error(&c, row->line, "%zu fields, the header has %zu", row->nf, ncols);
            continue;
        }
        switch (kind) {
        case KS_INV_CSV_CUSTOMERS:
            rc = add_customer_row(&c, row);
            break;
        case KS_INV_CSV_ASSETS:
            rc = add_asset_row(&c, row);
            break;
        case KS_INV_CSV_RESOURCES:
            rc = add_resource_row(&c, row);
            break;
        }
        if (rc)
            goto out;
    }
out:
    if (rc == KS_ENOMEM)
        inv_error(&c, r.line, "out of memory");
    free(copy);
    free(row);
    return rc;
}
