/* SPDX-License-Identifier: MIT */
/*
 * inventory.c - the loaded inventory and its lookups: asset by address or name, customer by
 * address, resource keys by longest prefix, network classes, maintenance windows and allowlists.
 * The loaders (inventory_yaml.c, inventory_csv.c) fill struct ks_inventory; after loading it is
 * read-only, so every lookup here is safe from several threads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inventory/inventory_int.h"

/* ------------------------------------------------------------------ roles */

static const char *const role_names[KS_ROLE_COUNT] = {
    [KS_ROLE_UNKNOWN] = "unknown", [KS_ROLE_ROUTER] = "router",
    [KS_ROLE_SWITCH] = "switch",   [KS_ROLE_FIREWALL] = "firewall",
    [KS_ROLE_SERVER] = "server",   [KS_ROLE_DC] = "dc",
    [KS_ROLE_PC] = "pc",           [KS_ROLE_VDI] = "vdi",
    [KS_ROLE_FILESERVER] = "fileserver", [KS_ROLE_JUMP] = "jump",
    [KS_ROLE_VPN] = "vpn",         [KS_ROLE_SCANNER] = "scanner",
};

const char *ks_role_name(enum ks_role r)
{
    if ((unsigned)r >= KS_ROLE_COUNT)
        return "unknown";
    return role_names[r];
}

int ks_role_parse(struct ks_sv s)
{
    s = ks_sv_trim(s);
    for (int r = 0; r < KS_ROLE_COUNT; r++)
        if (ks_sv_ieq_cstr(s, role_names[r]))
            return r;
    return -1;
}

/* ------------------------------------------------------------------ string map */

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

static uint64_t map_hash(struct ks_sv k, bool ci)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < k.n; i++) {
        unsigned char c = (unsigned char)k.p[i];
        h ^= ci ? lower(c) : c;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static bool key_eq(struct ks_sv a, struct ks_sv b, bool ci)
{
    if (a.n != b.n)
        return false;
    if (!ci)
        return a.n == 0 || memcmp(a.p, b.p, a.n) == 0;
    for (size_t i = 0; i < a.n; i++)
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
            return false;
    return true;
}

static int map_grow(struct inv_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct inv_map_slot *s = calloc(ncap, sizeof(*s));
    if (!s)
        return KS_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].used)
            continue;
        size_t j = (size_t)m->slots[i].hash & (ncap - 1);
        while (s[j].used)
            j = (j + 1) & (ncap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = ncap;
    return 0;
}

int inv_map_put(struct inv_map *m, struct ks_sv key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        int rc = map_grow(m);
        if (rc)
            return rc;
    }
    uint64_t h = map_hash(key, m->ci);
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slots[j].used) {
        if (m->slots[j].hash == h && key_eq(m->slots[j].key, key, m->ci)) {
            m->slots[j].val = val;
            return 0;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->slots[j] = (struct inv_map_slot){.key = key, .hash = h, .val = val, .used = true};
    m->n++;
    return 0;
}

bool inv_map_get(const struct inv_map *m, struct ks_sv key, uint32_t *val)
{
    if (!m->cap)
        return false;
    uint64_t h = map_hash(key, m->ci);
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slots[j].used) {
        if (m->slots[j].hash == h && key_eq(m->slots[j].key, key, m->ci)) {
            *val = m->slots[j].val;
            return true;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return false;
}

void inv_map_free(struct inv_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

/* ------------------------------------------------------------------ shared loader helpers */

void inv_error(struct inv_ctx *c, size_t line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ks_log_error("%s:%zu: %s", c->file, line, msg);
    if (c->nerrors)
        (*c->nerrors)++;
}

const char *inv_parse_prefix(struct ks_sv s, struct ks_addr *a, unsigned *len)
{
    s = ks_sv_trim(s);
    if (s.n == 0)
        return "empty address";
    if (ks_prefix_parse(s.p, s.n, a, len) != 0)
        return "not an address or CIDR prefix";
    const char *slash = memchr(s.p, '/', s.n);
    if (slash) {
        struct ks_addr host;
        if (ks_addr_parse(s.p, (size_t)(slash - s.p), &host) == 0 &&
            memcmp(host.b, a->b, 16) != 0)
            return "host bits set past the prefix length";
    }
    return NULL;
}

uint32_t inv_customer_get_or_add(struct ks_inventory *inv, struct ks_sv name)
{
    uint32_t id;
    if (inv_map_get(&inv->customer_names, name, &id))
        return id;
    if (inv->ncustomers == inv->capcustomers) {
        uint32_t ncap = inv->capcustomers ? inv->capcustomers * 2 : 64;
        struct ks_customer *p = realloc(inv->customers, ncap * sizeof(*p));
        if (!p)
            return UINT32_MAX;
        inv->customers = p;
        inv->capcustomers = ncap;
    }
    struct ks_sv copy = ks_arena_dup(&inv->arena, name.p, name.n);
    if (!copy.p)
        return UINT32_MAX;
    id = inv->ncustomers;
    if (inv_map_put(&inv->customer_names, copy, id) != 0)
        return UINT32_MAX;
    inv->customers[id] = (struct ks_customer){.name = copy, .id = id};
    inv->ncustomers++;
    return id;
}

static bool is_sep(enum ks_resource_kind kind, char c)
{
    switch (kind) {
    case KS_RES_PATH:
        return c == '\\';
    case KS_RES_URL:
        return c == '/' || c == '?' || c == '#' || c == ';';
    case KS_RES_PROJECT:
        return c == '/' || c == ':' || c == '.';
    }
    return false;
}

size_t inv_resource_normalize(enum ks_resource_kind kind, struct ks_sv key, char *out, size_t cap)
{
    key = ks_sv_trim(key);
    if (key.n > cap)
        return SIZE_MAX;
    for (size_t i = 0; i < key.n; i++) {
        char c = key.p[i];
        if (kind == KS_RES_PATH)
            c = c == '/' ? '\\' : (char)lower((unsigned char)c);
        out[i] = c;
    }
    size_t n = key.n;
    while (n > 0 && is_sep(kind, out[n - 1]))
        n--;
    return n;
}

/* ------------------------------------------------------------------ lifecycle */

int ks_inventory_empty(struct ks_inventory **out)
{
    *out = NULL;
    struct ks_inventory *inv = calloc(1, sizeof(*inv));
    if (!inv)
        return KS_ENOMEM;
    ks_arena_init(&inv->arena, 64 * 1024, KS_INV_ARENA_MAX);
    inv->asset_names.ci = true;
    int rc = ks_lpm_new(&inv->asset_lpm);
    if (!rc)
        rc = ks_lpm_new(&inv->customer_lpm);
    for (int i = 0; i < KS_NET_COUNT && !rc; i++)
        rc = ks_lpm_new(&inv->net[i]);
    if (rc) {
        ks_inventory_free(inv);
        return rc;
    }
    *out = inv;
    return 0;
}

void ks_inventory_free(struct ks_inventory *inv)
{
    if (!inv)
        return;
    free(inv->assets);
    free(inv->asset_line);
    inv_map_free(&inv->asset_names);
    ks_lpm_free(inv->asset_lpm);
    free(inv->customers);
    inv_map_free(&inv->customer_names);
    ks_lpm_free(inv->customer_lpm);
    free(inv->resources);
    free(inv->resource_line);
    for (size_t k = 0; k < KS_ARRAY_LEN(inv->resource_keys); k++)
        inv_map_free(&inv->resource_keys[k]);
    for (int i = 0; i < KS_NET_COUNT; i++)
        ks_lpm_free(inv->net[i]);
    for (uint32_t i = 0; i < inv->nallow; i++)
        ks_lpm_free(inv->allow[i].lpm);
    free(inv->allow);
    for (uint32_t i = 0; i < inv->nwindows; i++) {
        free(inv->windows[i].globs);
        free(inv->windows[i].weekly);
    }
    free(inv->windows);
    ks_arena_free(&inv->arena);
    free(inv);
}

/* Reads a whole file (at most max bytes) into a malloc'd NUL-terminated buffer. */
static int read_file(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    int rc = 0;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? KS_ENOENT : KS_EIO;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = KS_EIO;
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        rc = KS_ETOOBIG;
        goto out;
    }
    size_t n = (size_t)st.st_size;
    buf = malloc(n + 1);
    if (!buf) {
        rc = KS_ENOMEM;
        goto out;
    }
    if (n && fread(buf, 1, n, f) != n) {
        rc = KS_EIO;
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
out:
    free(buf);
    fclose(f);
    return rc;
}

int ks_inventory_load_csv_file(struct ks_inventory *inv, enum ks_inv_csv kind, const char *path,
                               const char *yaml_name, size_t yaml_line, size_t *nerrors)
{
    char *text = NULL;
    size_t n = 0;
    int rc = read_file(path, KS_INV_CSV_MAX, &text, &n);
    if (rc) {
        struct inv_ctx c = {.inv = inv, .file = yaml_name, .nerrors = nerrors};
        inv_error(&c, yaml_line, "cannot read %s: %s", path,
                  rc == KS_EIO && errno ? strerror(errno) : ks_strerror(rc));
        return rc == KS_ENOMEM ? rc : 0;
    }
    rc = ks_inventory_parse_csv_mem(inv, kind, text, n, path, nerrors);
    free(text);
    return rc;
}

int ks_inventory_load(const char *path, struct ks_inventory **out, size_t *nerrors)
{
    *out = NULL;
    char *text = NULL, *dir = NULL;
    size_t n = 0;
    int rc = read_file(path, KS_INV_YAML_MAX, &text, &n);
    if (rc) {
        ks_log_error("%s: cannot read inventory: %s", path, ks_strerror(rc));
        if (nerrors)
            (*nerrors)++;
        return rc == KS_ETOOBIG ? KS_EFORMAT : rc;
    }
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) : 1;
    dir = malloc(dlen + 1);
    if (!dir) {
        rc = KS_ENOMEM;
        goto out;
    }
    if (slash)
        memcpy(dir, path, dlen);
    else
        dir[0] = '.';
    if (slash && dlen == 0)
        dir[dlen++] = '/';
    dir[dlen] = '\0';
    rc = ks_inventory_load_mem(text, n, path, dir, out, nerrors);
out:
    free(dir);
    free(text);
    return rc;
}

/* ------------------------------------------------------------------ lookups */

const struct ks_asset *ks_inventory_asset_by_addr(const struct ks_inventory *inv,
                                                  const struct ks_addr *a)
{
    uint32_t v;
    if (ks_lpm_lookup(inv->asset_lpm, a, &v, NULL) != 0 || v >= inv->nassets)
        return NULL;
    return &inv->assets[v];
}

const struct ks_asset *ks_inventory_asset_by_name(const struct ks_inventory *inv, struct ks_sv name)
{
    uint32_t v;
    if (!inv_map_get(&inv->asset_names, name, &v) || v >= inv->nassets)
        return NULL;
    return &inv->assets[v];
}

const struct ks_customer *ks_inventory_customer_by_addr(const struct ks_inventory *inv,
                                                        const struct ks_addr *a)
{
    uint32_t v;
    if (ks_lpm_lookup(inv->customer_lpm, a, &v, NULL) != 0 || v >= inv->ncustomers)
        return NULL;
    return &inv->customers[v];
}

const struct ks_customer *ks_inventory_customer(const struct ks_inventory *inv, uint32_t id)
{
    return id < inv->ncustomers ? &inv->customers[id] : NULL;
}

size_t ks_inventory_customer_count(const struct ks_inventory *inv)
{
    return inv->ncustomers;
}

const struct ks_resource *ks_inventory_resource_match(const struct ks_inventory *inv,
                                                      enum ks_resource_kind kind, struct ks_sv key)
{
    if ((unsigned)kind >= KS_ARRAY_LEN(inv->resource_keys) || inv->resource_keys[kind].n == 0)
        return NULL;
    char stackbuf[512];
    char *buf = stackbuf;
    const struct ks_resource *found = NULL;
    key = ks_sv_trim(key);
    if (key.n > sizeof(stackbuf)) {
        buf = malloc(key.n);
        if (!buf)
            return NULL;
    }
    size_t cap = key.n > sizeof(stackbuf) ? key.n : sizeof(stackbuf);
    size_t n = inv_resource_normalize(kind, key, buf, cap);
    if (n == SIZE_MAX)
        goto out;
    /* Candidates from the longest down: the whole key, then every prefix ending before a
     * separator. */
    size_t end = n;
    for (;;) {
        while (end > 0 && is_sep(kind, buf[end - 1]))
            end--;
        if (end == 0)
            break;
        uint32_t v;
        if (inv_map_get(&inv->resource_keys[kind], ks_sv_make(buf, end), &v) &&
            v < inv->nresources) {
            found = &inv->resources[v];
            break;
        }
        while (end > 0 && !is_sep(kind, buf[end - 1]))
            end--;
    }
out:
    if (buf != stackbuf)
        free(buf);
    return found;
}

bool ks_inventory_in_net(const struct ks_inventory *inv, enum ks_netclass c,
                        const struct ks_addr *a)
{
    uint32_t v;
    if ((unsigned)c >= KS_NET_COUNT)
        return false;
    return ks_lpm_lookup(inv->net[c], a, &v, NULL) == 0;
}

/* '*' any run, '?' one byte; ASCII case-insensitive. Iterative, linear backtracking. */
static bool glob_match(struct ks_sv pat, struct ks_sv s)
{
    size_t p = 0, i = 0, star_p = SIZE_MAX, star_i = 0;
    while (i < s.n) {
        if (p < pat.n && pat.p[p] == '*') {
            star_p = p++;
            star_i = i;
        } else if (p < pat.n && (pat.p[p] == '?' ||
                                 lower((unsigned char)pat.p[p]) == lower((unsigned char)s.p[i]))) {
            p++;
            i++;
        } else if (star_p != SIZE_MAX) {
            p = star_p + 1;
            i = ++star_i;
        } else {
            return false;
        }
    }
    while (p < pat.n && pat.p[p] == '*')
        p++;
    return p == pat.n;
}

bool ks_inventory_in_maintenance(const struct ks_inventory *inv, struct ks_sv device, int64_t ts)
{
    /* Minute of the local week, 0 = Sunday 00:00 (1970-01-01 was a Thursday). */
    int64_t secs = ts / KS_NS_PER_SEC - (ts % KS_NS_PER_SEC < 0) + inv->tz_offset_s;
    int64_t mins = secs / 60 - (secs % 60 < 0);
    int64_t wk = (mins + 4 * 1440) % 10080;
    if (wk < 0)
        wk += 10080;
    for (uint32_t w = 0; w < inv->nwindows; w++) {
        const struct inv_window *win = &inv->windows[w];
        bool dev = false;
        for (uint32_t g = 0; g < win->nglobs && !dev; g++)
            dev = glob_match(win->globs[g], device);
        if (!dev)
            continue;
        if (win->has_range && ts >= win->from && ts < win->to)
            return true;
        for (uint32_t k = 0; k < win->nweekly; k++) {
            int64_t d = (wk - (int64_t)win->weekly[k].start) % 10080;
            if (d < 0)
                d += 10080;
            if (d < (int64_t)win->weekly[k].dur)
                return true;
        }
    }
    return false;
}

bool ks_inventory_allowed(const struct ks_inventory *inv, const char *list, const struct ks_addr *a)
{
    if (!list)
        return false;
    for (uint32_t i = 0; i < inv->nallow; i++) {
        if (ks_sv_eq_cstr(inv->allow[i].name, list)) {
            uint32_t v;
            return ks_lpm_lookup(inv->allow[i].lpm, a, &v, NULL) == 0;
        }
    }
    return false;
}
