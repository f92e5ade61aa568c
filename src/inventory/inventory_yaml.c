/* SPDX-License-Identifier: MIT */
/*
 * inventory_yaml.c - the konseki.yaml half of the inventory loader. libyaml loads the document;
 * this file walks it: version, timezone_offset, the CSV files (assets, customers, resources; read
 * after the walk, customers first so resources can name them), networks, services, maintenance
 * windows and allowlists. Every problem is reported as "file:line: message" with libyaml's mark
 * (0-based) plus one, and the walk goes on.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "inventory/inventory_int.h"

struct ywalk {
    struct inv_ctx c;
    yaml_document_t *doc;
    /* CSV files named by the yaml, read after the walk. */
    struct ks_sv csv[3];
    size_t csv_line[3];
};

static size_t line_of(const yaml_node_t *n)
{
    return n->start_mark.line + 1;
}

static yaml_node_t *node_at(struct ywalk *w, int idx)
{
    return yaml_document_get_node(w->doc, idx);
}

static bool is_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE;
}

static struct ks_sv scalar(const yaml_node_t *n)
{
    if (!is_scalar(n))
        return KS_SV_NULL;
    return ks_sv_make((const char *)n->data.scalar.value, n->data.scalar.length);
}

#define SVF(s) (int)KS_MIN((s).n, (size_t)200), (s).p ? (s).p : ""

/* Calls fn for each scalar item of a list node. A lone scalar counts as a one-item list and an
 * empty plain scalar ("key:" with nothing after) as an empty list. */
static int for_each_item(struct ywalk *w, yaml_node_t *n, const char *what,
                         int (*fn)(struct ywalk *w, yaml_node_t *item, void *arg), void *arg)
{
    if (!n)
        return 0;
    if (n->type == YAML_SCALAR_NODE) {
        if (n->data.scalar.length == 0 && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
            return 0;
        return fn(w, n, arg);
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        inv_error(&w->c, line_of(n), "%s: expected a list", what);
        return 0;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *item = node_at(w, *it);
        if (!is_scalar(item)) {
            inv_error(&w->c, item ? line_of(item) : line_of(n), "%s: expected a plain value",
                      what);
            continue;
        }
        int rc = fn(w, item, arg);
        if (rc)
            return rc;
    }
    return 0;
}

/* Reports keys that appear twice in a mapping; returns false for a non-mapping. */
static bool check_mapping(struct ywalk *w, yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        if (n && !(n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0))
            inv_error(&w->c, line_of(n), "%s: expected a mapping", what);
        return false;
    }
    yaml_node_pair_t *start = n->data.mapping.pairs.start, *top = n->data.mapping.pairs.top;
    if (top - start > 1000)
        return true; /* quadratic check only for small maps */
    for (yaml_node_pair_t *a = start; a < top; a++) {
        yaml_node_t *ka = node_at(w, a->key);
        for (yaml_node_pair_t *b = start; b < a; b++) {
            yaml_node_t *kb = node_at(w, b->key);
            if (is_scalar(ka) && is_scalar(kb) && ks_sv_eq(scalar(ka), scalar(kb))) {
                inv_error(&w->c, line_of(ka), "%s: key '%.*s' appears twice", what,
                          SVF(scalar(ka)));
                break;
            }
        }
    }
    return true;
}

/* ------------------------------------------------------------------ address lists */

struct pfx_arg {
    struct ks_lpm *lpm;
    const char *what;
};

static int add_prefix(struct ywalk *w, yaml_node_t *item, void *arg)
{
    struct pfx_arg *pa = arg;
    struct ks_addr a;
    unsigned len;
    struct ks_sv s = scalar(item);
    const char *why = inv_parse_prefix(s, &a, &len);
    if (why) {
        inv_error(&w->c, line_of(item), "%s: bad address or prefix '%.*s': %s", pa->what, SVF(s),
                  why);
        return 0;
    }
    return ks_lpm_insert(pa->lpm, &a, len, 0);
}

static int walk_networks(struct ywalk *w, yaml_node_t *n)
{
    static const char *const classes[] = {[KS_NET_INTERNAL] = "internal",
                                          [KS_NET_ADMIN] = "admin",
                                          [KS_NET_JUMP] = "jump"};
    if (!check_mapping(w, n, "networks"))
        return 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(w, p->key), *v = node_at(w, p->value);
        struct ks_sv key = scalar(k);
        int cls = -1;
        for (int i = 0; i < (int)KS_ARRAY_LEN(classes); i++)
            if (ks_sv_eq_cstr(key, classes[i]))
                cls = i;
        if (cls < 0) {
            inv_error(&w->c, k ? line_of(k) : line_of(n),
                      "networks: unknown class '%.*s' (internal, admin, jump; service addresses "
                      "go under services)", SVF(key));
            continue;
        }
        struct pfx_arg pa = {w->c.inv->net[cls], classes[cls]};
        int rc = for_each_item(w, v, classes[cls], add_prefix, &pa);
        if (rc)
            return rc;
    }
    return 0;
}

static int walk_services(struct ywalk *w, yaml_node_t *n)
{
    if (!check_mapping(w, n, "services"))
        return 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(w, p->key), *v = node_at(w, p->value);
        if (!is_scalar(k) || k->data.scalar.length == 0) {
            inv_error(&w->c, k ? line_of(k) : line_of(n), "services: expected a service name");
            continue;
        }
        struct pfx_arg pa = {w->c.inv->net[KS_NET_SERVICE], "services"};
        int rc = for_each_item(w, v, "services", add_prefix, &pa);
        if (rc)
            return rc;
    }
    return 0;
}

static int walk_allowlists(struct ywalk *w, yaml_node_t *n)
{
    struct ks_inventory *inv = w->c.inv;
    if (!check_mapping(w, n, "allowlists"))
        return 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(w, p->key), *v = node_at(w, p->value);
        struct ks_sv name = scalar(k);
        if (name.n == 0 || name.n > KS_INV_NAME_MAX) {
            inv_error(&w->c, k ? line_of(k) : line_of(n), "allowlists: expected a list name");
            continue;
        }
        struct inv_allowlist *al = NULL;
        for (uint32_t i = 0; i < inv->nallow; i++)
            if (ks_sv_eq(inv->allow[i].name, name))
                al = &inv->allow[i]; /* reported by check_mapping; merged */
        if (!al) {
            struct inv_allowlist *np = realloc(inv->allow, (inv->nallow + 1) * sizeof(*np));
            if (!np)
                return KS_ENOMEM;
            inv->allow = np;
            al = &inv->allow[inv->nallow];
            al->name = ks_arena_dup(&inv->arena, name.p, name.n);
            al->lpm = NULL;
            if (!al->name.p)
                return KS_ENOMEM;
            int rc = ks_lpm_new(&al->lpm);
            if (rc)
                return rc;
            inv->nallow++;
        }
        struct pfx_arg pa = {al->lpm, "allowlists"};
        int rc = for_each_item(w, v, "allowlists", add_prefix, &pa);
        if (rc)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------ maintenance */

static const char *const day_names[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

static int parse_day(struct ks_sv s)
{
    for (int d = 0; d < 7; d++)
        if (ks_sv_ieq_cstr(s, day_names[d]) ||
            (s.n == 3 && ks_sv_ieq_cstr(s, (char[4]){day_names[d][0], day_names[d][1],
                                                     day_names[d][2], 0})))
            return d;
    return -1;
}

/* Parses "HH:MM" (00:00 - 24:00) into minutes; -1 when malformed. */
static int parse_hhmm(struct ks_sv s)
{
    if (s.n != 5 || s.p[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (unsigned)(s.p[i] - '0') > 9)
            return -1;
    int h = (s.p[0] - '0') * 10 + (s.p[1] - '0'), m = (s.p[3] - '0') * 10 + (s.p[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

/* Parses "Sun 01:00-05:00", "Mon-Fri 22:00-02:00" or "daily 03:00-04:00" into up to 7 rules. */
static const char *parse_weekly(struct ks_sv s, struct inv_weekly out[7], uint32_t *n)
{
    s = ks_sv_trim(s);
    const char *sp = memchr(s.p, ' ', s.n);
    if (!sp)
        return "expected 'DAY HH:MM-HH:MM'";
    struct ks_sv days = ks_sv_make(s.p, (size_t)(sp - s.p));
    struct ks_sv times = ks_sv_trim(ks_sv_make(sp + 1, s.n - days.n - 1));
    int d0, d1;
    if (ks_sv_ieq_cstr(days, "daily")) {
        d0 = 0;
        d1 = 6;
    } else {
        const char *dash = memchr(days.p, '-', days.n);
        if (dash) {
            d0 = parse_day(ks_sv_make(days.p, (size_t)(dash - days.p)));
            d1 = parse_day(ks_sv_make(dash + 1, days.n - (size_t)(dash - days.p) - 1));
        } else {
            d0 = d1 = parse_day(days);
        }
        if (d0 < 0 || d1 < 0)
            return "unknown day (Sun, Mon, ... Sat, a range Mon-Fri, or daily)";
    }
    if (times.n != 11 || times.p[5] != '-')
        return "expected a time range HH:MM-HH:MM";
    int t0 = parse_hhmm(ks_sv_make(times.p, 5)), t1 = parse_hhmm(ks_sv_make(times.p + 6, 5));
    if (t0 < 0 || t1 < 0 || t0 == 1440)
        return "bad time (00:00 to 24:00)";
    if (t0 == t1)
        return "empty time range";
    uint32_t dur = (uint32_t)(t1 > t0 ? t1 - t0 : t1 + 1440 - t0); /* past midnight wraps */
    *n = 0;
    for (int d = d0;; d = (d + 1) % 7) {
        out[(*n)++] = (struct inv_weekly){.start = (uint32_t)(d * 1440 + t0), .dur = dur};
        if (d == d1 || *n == 7)
            break;
    }
    return NULL;
}

struct win_build {
    struct inv_window *win;
    struct ks_arena *arena;
};

static int add_glob(struct ywalk *w, yaml_node_t *item, void *arg)
{
    struct win_build *b = arg;
    struct ks_sv s = ks_sv_trim(scalar(item));
    if (s.n == 0 || s.n > KS_INV_NAME_MAX) {
        inv_error(&w->c, line_of(item), "maintenance: bad device pattern");
        return 0;
    }
    struct ks_sv *g = realloc(b->win->globs, (b->win->nglobs + 1) * sizeof(*g));
    if (!g)
        return KS_ENOMEM;
    b->win->globs = g;
    g[b->win->nglobs] = ks_arena_dup(b->arena, s.p, s.n);
    if (!g[b->win->nglobs].p)
        return KS_ENOMEM;
    b->win->nglobs++;
    return 0;
}

static int add_weekly(struct ywalk *w, yaml_node_t *item, void *arg)
{
    struct win_build *b = arg;
    struct inv_weekly rules[7];
    uint32_t n = 0;
    struct ks_sv s = scalar(item);
    const char *why = parse_weekly(s, rules, &n);
    if (why) {
        inv_error(&w->c, line_of(item), "maintenance: bad weekly window '%.*s': %s", SVF(s), why);
        return 0;
    }
    struct inv_weekly *p = realloc(b->win->weekly, (b->win->nweekly + n) * sizeof(*p));
    if (!p)
        return KS_ENOMEM;
    b->win->weekly = p;
    memcpy(p + b->win->nweekly, rules, n * sizeof(*p));
    b->win->nweekly += n;
    return 0;
}

static bool parse_time_node(struct ywalk *w, yaml_node_t *v, const char *key, int64_t *out)
{
    struct ks_sv s = ks_sv_trim(scalar(v));
    if (!is_scalar(v) || ks_time_parse_rfc3339(s.p ? s.p : "", s.n, out) != 0) {
        inv_error(&w->c, line_of(v), "maintenance: bad '%s' time '%.*s' (RFC 3339, e.g. "
                  "2024-05-01T00:00:00Z)", key, SVF(s));
        return false;
    }
    return true;
}

static int walk_window(struct ywalk *w, yaml_node_t *n)
{
    struct ks_inventory *inv = w->c.inv;
    if (!check_mapping(w, n, "maintenance entry"))
        return 0;
    struct inv_window win = {0};
    struct win_build b = {&win, &inv->arena};
    yaml_node_t *from = NULL, *to = NULL, *devices = NULL, *weekly = NULL;
    int rc = 0;
    size_t errs0 = *w->c.nerrors;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(w, p->key), *v = node_at(w, p->value);
        struct ks_sv key = scalar(k);
        if (ks_sv_eq_cstr(key, "devices"))
            devices = v;
        else if (ks_sv_eq_cstr(key, "weekly"))
            weekly = v;
        else if (ks_sv_eq_cstr(key, "from"))
            from = v;
        else if (ks_sv_eq_cstr(key, "to"))
            to = v;
        else
            inv_error(&w->c, k ? line_of(k) : line_of(n),
                      "maintenance: unknown key '%.*s' (devices, weekly, from, to)", SVF(key));
    }
    if (devices) {
        rc = for_each_item(w, devices, "maintenance devices", add_glob, &b);
        if (rc)
            goto out;
    }
    if (!win.nglobs)
        inv_error(&w->c, line_of(n), "maintenance: entry without devices");
    if (weekly) {
        rc = for_each_item(w, weekly, "maintenance weekly", add_weekly, &b);
        if (rc)
            goto out;
    }
    if (from || to) {
        if (!from || !to) {
            inv_error(&w->c, line_of(n), "maintenance: 'from' and 'to' go together");
        } else {
            bool okf = parse_time_node(w, from, "from", &win.from);
            bool okt = parse_time_node(w, to, "to", &win.to);
            if (okf && okt && win.to <= win.from)
                inv_error(&w->c, line_of(to), "maintenance: 'to' is not after 'from'");
            win.has_range = okf && okt && win.to > win.from;
        }
    }
    if (!weekly && !from && !to)
        inv_error(&w->c, line_of(n), "maintenance: entry needs 'weekly' or 'from'/'to'");
    if (*w->c.nerrors != errs0)
        goto out; /* a window half understood is dropped whole */
    struct inv_window *np = realloc(inv->windows, (inv->nwindows + 1) * sizeof(*np));
    if (!np) {
        rc = KS_ENOMEM;
        goto out;
    }
    inv->windows = np;
    np[inv->nwindows++] = win;
    return 0;
out:
    free(win.globs);
    free(win.weekly);
    return rc;
}

static int walk_maintenance(struct ywalk *w, yaml_node_t *n)
{
    if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0)
        return 0;
    if (n->type != YAML_SEQUENCE_NODE) {
        inv_error(&w->c, line_of(n), "maintenance: expected a list of windows");
        return 0;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *item = node_at(w, *it);
        if (!item)
            continue;
        int rc = walk_window(w, item);
        if (rc)
            return rc;
    }
    return 0;
}

/* "+09:00", "-05:30", "Z" or "UTC" -> seconds east of UTC. */
static bool parse_tz(struct ks_sv s, int32_t *out)
{
    s = ks_sv_trim(s);
    if (ks_sv_eq_cstr(s, "Z") || ks_sv_ieq_cstr(s, "UTC")) {
        *out = 0;
        return true;
    }
    if (s.n != 6 || (s.p[0] != '+' && s.p[0] != '-'))
        return false;
    int m = parse_hhmm(ks_sv_make(s.p + 1, 5));
    if (m < 0 || m > 14 * 60)
        return false;
    *out = (s.p[0] == '-' ? -1 : 1) * m * 60;
    return true;
}

/* ------------------------------------------------------------------ top level */

static int walk_top(struct ywalk *w, yaml_node_t *root)
{
    bool have_version = false;
    check_mapping(w, root, "top level");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(w, p->key), *v = node_at(w, p->value);
        if (!k || !v)
            continue;
        struct ks_sv key = scalar(k);
        int rc = 0;
        int csv = -1;
        if (ks_sv_eq_cstr(key, "version")) {
            have_version = true;
            if (!ks_sv_eq_cstr(scalar(v), "1"))
                inv_error(&w->c, line_of(v), "unsupported version '%.*s' (this konseki reads 1)",
                          SVF(scalar(v)));
        } else if (ks_sv_eq_cstr(key, "timezone_offset")) {
            if (!parse_tz(scalar(v), &w->c.inv->tz_offset_s))
                inv_error(&w->c, line_of(v), "bad timezone_offset '%.*s' (e.g. \"+09:00\")",
                          SVF(scalar(v)));
        } else if (ks_sv_eq_cstr(key, "customers")) {
            csv = KS_INV_CSV_CUSTOMERS;
        } else if (ks_sv_eq_cstr(key, "assets")) {
            csv = KS_INV_CSV_ASSETS;
        } else if (ks_sv_eq_cstr(key, "resources")) {
            csv = KS_INV_CSV_RESOURCES;
        } else if (ks_sv_eq_cstr(key, "networks")) {
            rc = walk_networks(w, v);
        } else if (ks_sv_eq_cstr(key, "services")) {
            rc = walk_services(w, v);
        } else if (ks_sv_eq_cstr(key, "maintenance")) {
            rc = walk_maintenance(w, v);
        } else if (ks_sv_eq_cstr(key, "allowlists")) {
            rc = walk_allowlists(w, v);
        } else {
            inv_error(&w->c, line_of(k),
                      "unknown key '%.*s' (version, timezone_offset, assets, customers, "
                      "resources, networks, services, maintenance, allowlists)", SVF(key));
        }
        if (csv >= 0) {
            struct ks_sv file = ks_sv_trim(scalar(v));
            if (file.n == 0 || file.n > 1024)
                inv_error(&w->c, line_of(v), "%.*s: expected a CSV file name", SVF(key));
            else {
                w->csv[csv] = file;
                w->csv_line[csv] = line_of(v);
            }
        }
        if (rc)
            return rc;
    }
    if (!have_version)
        inv_error(&w->c, line_of(root), "missing 'version: 1'");
    return 0;
}

int ks_inventory_load_mem(const char *yaml, size_t n, const char *name, const char *base_dir,
                          struct ks_inventory **out, size_t *nerrors)
{
    *out = NULL;
    size_t dummy = 0;
    if (!nerrors)
        nerrors = &dummy;
    struct ks_inventory *inv = NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_parser = false, have_doc = false;
    struct ywalk w = {.c = {.file = name, .nerrors = nerrors}, .doc = &doc};
    int rc = ks_inventory_empty(&inv);
    if (rc)
        goto out;
    w.c.inv = inv;
    if (!yaml_parser_initialize(&parser)) {
        rc = KS_ENOMEM;
        goto out;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, n);
    if (!yaml_parser_load(&parser, &doc)) {
        inv_error(&w.c, parser.problem_mark.line + 1, "YAML: %s%s%s",
                  parser.problem ? parser.problem : "syntax error",
                  parser.context ? " " : "", parser.context ? parser.context : "");
        rc = parser.error == YAML_MEMORY_ERROR ? KS_ENOMEM : KS_EFORMAT;
        goto out;
    }
    have_doc = true;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        inv_error(&w.c, root ? line_of(root) : 1, "expected a mapping with 'version: 1' and the "
                  "inventory keys");
        rc = KS_EFORMAT;
        goto out;
    }
    rc = walk_top(&w, root);
    if (rc)
        goto out;
    if (base_dir) {
        static const enum ks_inv_csv order[] = {KS_INV_CSV_CUSTOMERS, KS_INV_CSV_ASSETS,
                                                KS_INV_CSV_RESOURCES};
        for (size_t i = 0; i < KS_ARRAY_LEN(order); i++) {
            struct ks_sv f = w.csv[order[i]];
            if (!f.p)
                continue;
            char path[4096];
            int m = f.p[0] == '/'
                        ? snprintf(path, sizeof(path), "%.*s", (int)f.n, f.p)
                        : snprintf(path, sizeof(path), "%s/%.*s", base_dir, (int)f.n, f.p);
            if (m < 0 || (size_t)m >= sizeof(path) || memchr(f.p, '\0', f.n)) {
                inv_error(&w.c, w.csv_line[order[i]], "bad file name");
                continue;
            }
            rc = ks_inventory_load_csv_file(inv, order[i], path, name, w.csv_line[order[i]],
                                            nerrors);
            if (rc)
                goto out;
        }
    }
    *out = inv;
    inv = NULL;
out:
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    ks_inventory_free(inv);
    return rc;
}
