/* SPDX-License-Identifier: MIT */
/*
 * store_dir.c - the embedded directory store backend (scheme "dir"): a directory holding a
 * MANIFEST, a LOCK file and time-partitioned segment files (format.h). It owns the publish
 * protocol, the resume state, orphan cleanup, and the query path (manifest time ranges ->
 * segment footers -> row-group indexes -> column blocks, merged into time order).
 *
 * Design notes:
 *   States: a store is opened RDONLY (reads the manifest once, takes no lock) or for writing
 *   (holds an exclusive flock on STORE/LOCK for its lifetime; a second writer gets KS_ELOCKED).
 *   Publish (ks_store_commit): seal the open segment -> write segments/DAY/SEQ.kseg.tmp ->
 *   fsync -> rename -> fsync the day directory -> write MANIFEST.tmp (generation + 1, all
 *   segments, the caller's resume entries) -> fsync -> rename -> fsync the store directory.
 *   Invariants:
 *   1. The MANIFEST names only segment files that were completely written and fsynced before
 *      the MANIFEST naming them was renamed into place; rename is atomic, so after a crash the
 *      store shows either the previous or the new generation, never a mix.
 *   2. Resume entries live in the same MANIFEST as the segments they describe, so "events
 *      stored" and "resume watermark" can never disagree: re-running an ingest skips exactly the
 *      records already published.
 *   3. A segment file not named by the MANIFEST is an orphan (a crash between segment rename
 *      and manifest rename, or a .tmp); opening for writing removes orphans, verify counts them.
 *   4. Segment sequence numbers are never reused (next_seq is in the MANIFEST).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "store/store_int.h"

#define MAN_MAX_BYTES ((size_t)1 << 30)
#define NAME_MAX_LEN 255

struct dir_seg {
    char *name; /* relative to the store root */
    uint64_t rows;
    int64_t min_ts, max_ts;
    uint64_t bytes, footer_xxh;
};

struct manifest {
    uint64_t gen, next_seq;
    struct dir_seg *segs;
    size_t nsegs;
    struct ks_resume_entry *resume;
    size_t nresume;
};

struct dir_store {
    struct ks_store base;
    char *root;
    bool writable;
    int lock_fd;
    struct manifest man;
    struct ks_store_seg_writer *w;
    struct ks_store_sbuf img;
};

/* ---------------------------------------------------------------- file helpers */

static int path_join(char *buf, size_t cap, const char *root, const char *rel)
{
    int n = snprintf(buf, cap, "%s/%s", root, rel);
    return n < 0 || (size_t)n >= cap ? KS_ETOOBIG : 0;
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return KS_EIO;
    int rc = fsync(fd) < 0 ? KS_EIO : 0;
    close(fd);
    return rc;
}

/* Writes p[0..n) to path (created/truncated) and fsyncs it. */
static int write_file_sync(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return KS_EIO;
    int rc = 0;
    size_t done = 0;
    while (done < n) {
        ssize_t k = write(fd, (const uint8_t *)p + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            rc = KS_EIO;
            break;
        }
        done += (size_t)k;
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = KS_EIO;
    if (close(fd) < 0 && rc == 0)
        rc = KS_EIO;
    return rc;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? KS_ENOENT : KS_EIO;
    struct stat st;
    int rc = 0;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) < 0) {
        rc = KS_EIO;
        goto out;
    }
    if ((uint64_t)st.st_size > MAN_MAX_BYTES) {
        rc = KS_ETOOBIG;
        goto out;
    }
    size_t n = (size_t)st.st_size, done = 0;
    buf = malloc(n ? n : 1);
    if (!buf) {
        rc = KS_ENOMEM;
        goto out;
    }
    while (done < n) {
        ssize_t k = read(fd, buf + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            rc = KS_EIO;
            goto out;
        }
        done += (size_t)k;
    }
    *out = buf;
    *len = n;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

/* Proleptic Gregorian date of a day number (days since 1970-01-01). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* ---------------------------------------------------------------- manifest */

static void resume_free(struct ks_resume_entry *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].above);
    free(r);
}

static void manifest_free(struct manifest *m)
{
    for (size_t i = 0; i < m->nsegs; i++)
        free(m->segs[i].name);
    free(m->segs);
    resume_free(m->resume, m->nresume);
    memset(m, 0, sizeof(*m));
}

static int resume_copy(const struct ks_resume_entry *src, size_t n, struct ks_resume_entry **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    struct ks_resume_entry *r = calloc(n, sizeof(*r));
    if (!r)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        r[i] = src[i];
        r[i].above = NULL;
        if (src[i].nabove) {
            if (!src[i].above || !(r[i].above = malloc(sizeof(uint64_t) * src[i].nabove))) {
                resume_free(r, i + 1);
                return src[i].above ? KS_ENOMEM : KS_EINVAL;
            }
            memcpy(r[i].above, src[i].above, sizeof(uint64_t) * src[i].nabove);
        }
    }
    *out = r;
    return 0;
}

static bool name_ok(const uint8_t *p, size_t n)
{
    if (n < 10 || n > NAME_MAX_LEN || memcmp(p, "segments/", 9) != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0 || (p[i] == '.' && i + 1 < n && p[i + 1] == '.'))
            return false;
    }
    return true;
}

static int manifest_parse(const uint8_t *p, size_t n, struct manifest *m)
{
    memset(m, 0, sizeof(*m));
    if (n < 24 + 16 || memcmp(p + n - 8, KS_MAN_END_MAGIC, 8) != 0 ||
        memcmp(p, KS_MAN_MAGIC, 8) != 0)
        return KS_ECORRUPT;
    if (XXH64(p, n - 16, 0) != ks_get_le64(p + n - 16))
        return KS_ECORRUPT;
    struct ks_cur c = {p + 8, p + n - 16, false};
    uint32_t ver = ks_cur_u32(&c);
    if (ver != KS_MAN_VERSION)
        return ver > KS_MAN_VERSION ? KS_EUNSUPPORTED : KS_ECORRUPT;
    int rc = KS_ECORRUPT;
    (void)ks_cur_u32(&c);
    m->gen = ks_cur_u64(&c);
    m->next_seq = ks_cur_u64(&c);
    uint32_t ns = ks_cur_u32(&c);
    if (c.bad || ns > (size_t)(c.end - c.p) / 50)
        goto out;
    m->segs = calloc(ns ? ns : 1, sizeof(*m->segs));
    if (!m->segs) {
        rc = KS_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < ns; i++) {
        uint16_t l = ks_cur_u16(&c);
        const uint8_t *s = ks_cur_take(&c, l);
        if (c.bad || !name_ok(s, l))
            goto out;
        struct dir_seg *d = &m->segs[i];
        if (!(d->name = strndup((const char *)s, l))) {
            rc = KS_ENOMEM;
            goto out;
        }
        m->nsegs++;
        d->rows = ks_cur_u64(&c);
        d->min_ts = (int64_t)ks_cur_u64(&c);
        d->max_ts = (int64_t)ks_cur_u64(&c);
        d->bytes = ks_cur_u64(&c);
        d->footer_xxh = ks_cur_u64(&c);
    }
    uint32_t nr = ks_cur_u32(&c);
    if (c.bad || nr > (size_t)(c.end - c.p) / 24)
        goto out;
    if (nr && !(m->resume = calloc(nr, sizeof(*m->resume)))) {
        rc = KS_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < nr; i++) {
        struct ks_resume_entry *e = &m->resume[i];
        m->nresume++;
        e->identity = ks_cur_u64(&c);
        e->identity_len = ks_cur_u32(&c);
        e->watermark = ks_cur_u64(&c);
        e->nabove = ks_cur_u32(&c);
        if (c.bad || e->nabove > (size_t)(c.end - c.p) / 8)
            goto out;
        if (e->nabove) {
            if (!(e->above = malloc(sizeof(uint64_t) * e->nabove))) {
                rc = KS_ENOMEM;
                goto out;
            }
            for (uint32_t k = 0; k < e->nabove; k++)
                e->above[k] = ks_cur_u64(&c);
        }
    }
    if (c.bad || c.p != c.end)
        goto out;
    return 0;
out:
    manifest_free(m);
    return rc;
}

static int man_put(struct ks_store_sbuf *b, const void *p, size_t n)
{
    int rc = ks_store_sbuf_reserve(b, n);
    if (rc < 0)
        return rc;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static int man_u64(struct ks_store_sbuf *b, uint64_t v)
{
    uint8_t t[8];
    ks_put_le64(t, v);
    return man_put(b, t, 8);
}

static int man_u32(struct ks_store_sbuf *b, uint32_t v)
{
    uint8_t t[4];
    ks_put_le32(t, v);
    return man_put(b, t, 4);
}

static int manifest_write(const char *root, const struct manifest *m)
{
    struct ks_store_sbuf b = {0};
    char tmp[4096], fin[4096];
    int rc = man_put(&b, KS_MAN_MAGIC, 8);
    rc = rc ? rc : man_u32(&b, KS_MAN_VERSION);
    rc = rc ? rc : man_u32(&b, 0);
    rc = rc ? rc : man_u64(&b, m->gen);
    rc = rc ? rc : man_u64(&b, m->next_seq);
    rc = rc ? rc : man_u32(&b, (uint32_t)m->nsegs);
    for (size_t i = 0; i < m->nsegs && rc == 0; i++) {
        const struct dir_seg *d = &m->segs[i];
        uint16_t l = (uint16_t)strlen(d->name);
        uint8_t t[2] = {(uint8_t)l, (uint8_t)(l >> 8)};
        rc = man_put(&b, t, 2);
        rc = rc ? rc : man_put(&b, d->name, l);
        rc = rc ? rc : man_u64(&b, d->rows);
        rc = rc ? rc : man_u64(&b, (uint64_t)d->min_ts);
        rc = rc ? rc : man_u64(&b, (uint64_t)d->max_ts);
        rc = rc ? rc : man_u64(&b, d->bytes);
        rc = rc ? rc : man_u64(&b, d->footer_xxh);
    }
    rc = rc ? rc : man_u32(&b, (uint32_t)m->nresume);
    for (size_t i = 0; i < m->nresume && rc == 0; i++) {
        const struct ks_resume_entry *e = &m->resume[i];
        rc = man_u64(&b, e->identity);
        rc = rc ? rc : man_u32(&b, e->identity_len);
        rc = rc ? rc : man_u64(&b, e->watermark);
        rc = rc ? rc : man_u32(&b, e->nabove);
        for (uint32_t k = 0; k < e->nabove && rc == 0; k++)
            rc = man_u64(&b, e->above[k]);
    }
    if (rc == 0)
        rc = man_u64(&b, XXH64(b.p, b.len, 0));
    rc = rc ? rc : man_put(&b, KS_MAN_END_MAGIC, 8);
    rc = rc ? rc : path_join(tmp, sizeof(tmp), root, "MANIFEST.tmp");
    rc = rc ? rc : path_join(fin, sizeof(fin), root, "MANIFEST");
    rc = rc ? rc : write_file_sync(tmp, b.p, b.len);
    if (rc == 0 && rename(tmp, fin) < 0)
        rc = KS_EIO;
    rc = rc ? rc : fsync_dir(root);
    ks_store_sbuf_free(&b);
    return rc;
}

static int manifest_read(const char *root, struct manifest *m)
{
    char path[4096];
    uint8_t *p;
    size_t n;
    memset(m, 0, sizeof(*m));
    int rc = path_join(path, sizeof(path), root, "MANIFEST");
    rc = rc ? rc : read_file(path, &p, &n);
    if (rc < 0)
        return rc;
    rc = manifest_parse(p, n, m);
    free(p);
    if (rc == KS_ECORRUPT)
        ks_log_error("store: %s: manifest is damaged", path);
    return rc;
}

/* ---------------------------------------------------------------- orphans */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Counts (and with do_remove, unlinks) files under segments/ that the manifest does not name,
 * plus a leftover MANIFEST.tmp. */
static uint64_t orphans_walk(struct dir_store *s, bool do_remove)
{
    uint64_t count = 0;
    char path[4096], rel[1024];
    char **names = malloc(sizeof(char *) * (s->man.nsegs ? s->man.nsegs : 1));
    if (!names)
        return 0;
    for (size_t i = 0; i < s->man.nsegs; i++)
        names[i] = s->man.segs[i].name;
    qsort(names, s->man.nsegs, sizeof(char *), cmp_str);
    if (path_join(path, sizeof(path), s->root, "MANIFEST.tmp") == 0 && access(path, F_OK) == 0) {
        count++;
        if (do_remove)
            unlink(path);
    }
    DIR *top = NULL;
    if (path_join(path, sizeof(path), s->root, "segments") == 0)
        top = opendir(path);
    struct dirent *de;
    while (top && (de = readdir(top))) {
        if (de->d_name[0] == '.')
            continue;
        int k = snprintf(rel, sizeof(rel), "segments/%s", de->d_name);
        if (k < 0 || (size_t)k >= sizeof(rel) || path_join(path, sizeof(path), s->root, rel))
            continue;
        DIR *day = opendir(path);
        struct dirent *fe;
        while (day && (fe = readdir(day))) {
            if (fe->d_name[0] == '.')
                continue;
            char frel[1024], *key = frel;
            k = snprintf(frel, sizeof(frel), "segments/%s/%s", de->d_name, fe->d_name);
            if (k < 0 || (size_t)k >= sizeof(frel))
                continue;
            if (bsearch(&key, names, s->man.nsegs, sizeof(char *), cmp_str))
                continue;
            count++;
            if (do_remove && path_join(path, sizeof(path), s->root, frel) == 0)
                unlink(path);
        }
        if (day)
            closedir(day);
    }
    if (top)
        closedir(top);
    free(names);
    return count;
}

/* ---------------------------------------------------------------- open / close */

static void dir_close(struct ks_store *st)
{
    struct dir_store *s = (struct dir_store *)st;
    if (!s)
        return;
    manifest_free(&s->man);
    ks_store_seg_writer_free(s->w);
    ks_store_sbuf_free(&s->img);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s->root);
    free(s);
}

static int dir_open(const char *uri, int flags, struct ks_store **out)
{
    *out = NULL;
    char path[4096];
    int rc;
    struct dir_store *s = calloc(1, sizeof(*s));
    if (!s)
        return KS_ENOMEM;
    s->base.ops = &ks_store_dir_ops;
    s->lock_fd = -1;
    s->writable = flags & (KS_STORE_CREATE | KS_STORE_WRITE);
    if (!(s->root = strdup(uri))) {
        rc = KS_ENOMEM;
        goto out;
    }
    if (flags & KS_STORE_CREATE) {
        if (mkdir(s->root, 0755) < 0 && errno != EEXIST) {
            rc = KS_EIO;
            goto out;
        }
    }
    struct stat st;
    if (stat(s->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
        rc = KS_ENOENT;
        goto out;
    }
    if (s->writable) {
        if ((rc = path_join(path, sizeof(path), s->root, "LOCK")) < 0)
            goto out;
        s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (s->lock_fd < 0) {
            rc = KS_EIO;
            goto out;
        }
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
            rc = errno == EWOULDBLOCK ? KS_ELOCKED : KS_EIO;
            goto out;
        }
        if ((rc = path_join(path, sizeof(path), s->root, "segments")) < 0)
            goto out;
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            rc = KS_EIO;
            goto out;
        }
    }
    rc = manifest_read(s->root, &s->man);
    if (rc == KS_ENOENT && (flags & KS_STORE_CREATE)) {
        s->man.next_seq = 1;
        rc = manifest_write(s->root, &s->man);
    }
    if (rc < 0)
        goto out;
    if (s->writable) {
        uint64_t n = orphans_walk(s, true);
        if (n)
            ks_log_warn("store: %s: removed %llu orphan file(s) left by an interrupted commit",
                        s->root, (unsigned long long)n);
        if ((rc = ks_store_seg_writer_new(0, 0, &s->w)) < 0)
            goto out;
    }
    *out = &s->base;
    return 0;
out:
    dir_close(&s->base);
    return rc;
}

/* ---------------------------------------------------------------- write path */

static int dir_append(struct ks_store *st, const struct ks_event *ev)
{
    struct dir_store *s = (struct dir_store *)st;
    if (!s->w)
        return KS_EINVAL;
    return ks_store_seg_writer_append(s->w, ev);
}

static bool dir_want_commit(const struct ks_store *st)
{
    const struct dir_store *s = (const struct dir_store *)st;
    return s->w && ks_store_seg_writer_full(s->w);
}

int ks_store_dir_set_target(struct ks_store *st, uint32_t rows, size_t bytes)
{
    struct dir_store *s = (struct dir_store *)st;
    struct ks_store_seg_writer *w;
    if (st->ops != &ks_store_dir_ops || !s->w || ks_store_seg_writer_rows(s->w) > 0)
        return KS_EINVAL;
    int rc = ks_store_seg_writer_new(rows, bytes, &w);
    if (rc < 0)
        return rc;
    ks_store_seg_writer_free(s->w);
    s->w = w;
    return 0;
}

/* Seals the open segment and publishes its file (not yet the manifest). OUT *seg. */
static int publish_segment(struct dir_store *s, struct dir_seg *seg)
{
    struct ks_store_seg_meta meta;
    char rel[256], dayrel[64], path[4096], tmp[4096];
    int rc;
    s->img.len = 0;
    if ((rc = ks_store_seg_writer_seal(s->w, &s->img, &meta)) < 0)
        return rc;
    int64_t y;
    unsigned mo, d;
    civil_from_days(ks_store_seg_day_start(meta.min_ts) / (86400 * KS_NS_PER_SEC), &y, &mo, &d);
    snprintf(dayrel, sizeof(dayrel), "segments/%04lld%02u%02u", (long long)y, mo, d);
    snprintf(rel, sizeof(rel), "%s/%010llu.kseg", dayrel, (unsigned long long)s->man.next_seq);
    if ((rc = path_join(path, sizeof(path), s->root, dayrel)) < 0)
        return rc;
    if (mkdir(path, 0755) == 0) {
        char segdir[4096];
        if ((rc = path_join(segdir, sizeof(segdir), s->root, "segments")) < 0 ||
            (rc = fsync_dir(segdir)) < 0)
            return rc;
    } else if (errno != EEXIST) {
        return KS_EIO;
    }
    if ((rc = path_join(path, sizeof(path), s->root, rel)) < 0)
        return rc;
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return KS_ETOOBIG;
    if ((rc = write_file_sync(tmp, s->img.p, s->img.len)) < 0) {
        unlink(tmp);
        return rc;
    }
    if (rename(tmp, path) < 0) {
        unlink(tmp);
        return KS_EIO;
    }
    char daypath[4096];
    if ((rc = path_join(daypath, sizeof(daypath), s->root, dayrel)) < 0 ||
        (rc = fsync_dir(daypath)) < 0)
        return rc;
    if (!(seg->name = strdup(rel)))
        return KS_ENOMEM;
    seg->rows = meta.rows;
    seg->min_ts = meta.min_ts;
    seg->max_ts = meta.max_ts;
    seg->bytes = s->img.len;
    seg->footer_xxh = meta.footer_xxh;
    return 0;
}

static int dir_commit(struct ks_store *st, const struct ks_resume_entry *resume, size_t nresume)
{
    struct dir_store *s = (struct dir_store *)st;
    struct manifest nm = {0};
    struct dir_seg seg = {0};
    int rc;
    if (!s->w || (nresume && !resume))
        return KS_EINVAL;
    bool have = ks_store_seg_writer_rows(s->w) > 0;
    if (have && (rc = publish_segment(s, &seg)) < 0)
        goto out;
    nm.gen = s->man.gen + 1;
    nm.next_seq = s->man.next_seq + (have ? 1 : 0);
    nm.nsegs = s->man.nsegs + (have ? 1 : 0);
    nm.segs = malloc(sizeof(*nm.segs) * (nm.nsegs ? nm.nsegs : 1));
    if (!nm.segs) {
        rc = KS_ENOMEM;
        goto out;
    }
    if (s->man.nsegs)
        memcpy(nm.segs, s->man.segs, sizeof(*nm.segs) * s->man.nsegs);
    if (have)
        nm.segs[s->man.nsegs] = seg;
    if ((rc = resume_copy(resume, nresume, &nm.resume)) < 0)
        goto out;
    nm.nresume = nresume;
    if ((rc = manifest_write(s->root, &nm)) < 0)
        goto out;
    /* the names moved into nm: free only the old arrays */
    free(s->man.segs);
    resume_free(s->man.resume, s->man.nresume);
    s->man = nm;
    ks_store_seg_writer_reset(s->w);
    return 0;
out:
    free(nm.segs);
    resume_free(nm.resume, nm.nresume);
    free(seg.name);
    return rc;
}

static int dir_resume_state(struct ks_store *st, const struct ks_resume_entry **entries, size_t *n)
{
    struct dir_store *s = (struct dir_store *)st;
    *entries = s->man.resume;
    *n = s->man.nresume;
    return 0;
}

/* ---------------------------------------------------------------- scan */

struct match {
    int64_t ts;
    uint32_t grp, row;
    struct ks_event *ev; /* a copy, when its group was released early (few matches) */
};

struct seg_res {
    struct ks_store_seg_reader r;
    bool opened;
    struct ks_store_seg_rows *rows; /* per group */
    struct match *m;
    size_t nm, cap, pos;
};

struct plan {
    int64_t obs, user, host[3];
    uint64_t addr_key;
    bool want_obs, want_user, want_host, want_addr, need_index;
};

static const unsigned host_cols[3] = {KS_F_src_host, KS_F_dst_host, KS_F_observer};

static int cmp_match(const void *a, const void *b)
{
    const struct match *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->grp != y->grp)
        return x->grp < y->grp ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static void seg_res_free(struct seg_res *sr)
{
    if (sr->rows) {
        for (uint32_t g = 0; g < sr->r.ngroups; g++)
            ks_store_seg_rows_free(&sr->rows[g]);
        free(sr->rows);
    }
    for (size_t i = 0; i < sr->nm; i++)
        free(sr->m[i].ev);
    ks_store_seg_pfree(sr->r.pool, sr->m);
    if (sr->opened)
        ks_store_seg_reader_close(&sr->r);
    memset(sr, 0, sizeof(*sr));
}

/* Resolves the query's entities against the segment's dictionaries. Returns 1 when the segment
 * cannot match, 0 otherwise, or KS_E*. */
static int plan_make(struct ks_store_seg_reader *r, const struct ks_query *q, struct plan *p)
{
    memset(p, 0, sizeof(*p));
    if (q->observer.p) {
        p->want_obs = true;
        if ((p->obs = ks_store_seg_reader_find(r, KS_F_observer, q->observer)) < -1)
            return (int)p->obs;
        if (p->obs < 0)
            return 1;
    }
    if (q->user.p) {
        p->want_user = true;
        if ((p->user = ks_store_seg_reader_find(r, KS_F_user, q->user)) < -1)
            return (int)p->user;
        if (p->user < 0)
            return 1;
        p->need_index |= p->user > 0;
    }
    if (q->host.p) {
        p->want_host = true;
        bool any = false;
        for (unsigned k = 0; k < 3; k++) {
            if ((p->host[k] = ks_store_seg_reader_find(r, host_cols[k], q->host)) < -1)
                return (int)p->host[k];
            any |= p->host[k] >= 0;
        }
        if (!any)
            return 1;
        p->need_index |= q->host.n > 0;
    }
    if (q->addr.family) {
        p->want_addr = true;
        p->addr_key = ks_store_seg_bloom_key_addr(&q->addr);
        p->need_index = true;
    }
    return 0;
}

static bool group_may_match(struct ks_store_seg_reader *r, uint32_t g, const struct ks_query *q,
                            const struct plan *p)
{
    const struct ks_store_seg_group *gr = &r->groups[g];
    if (gr->max_ts < q->from || gr->min_ts >= q->to)
        return false;
    if (q->kind_mask && !(gr->kind_mask & q->kind_mask))
        return false;
    if (p->want_obs && ((uint64_t)p->obs < gr->obs_min || (uint64_t)p->obs > gr->obs_max))
        return false;
    if (!p->need_index || !r->index)
        return true;
    const uint64_t *w = r->index + gr->bloom_off;
    if (p->want_addr && !ks_store_seg_bloom_test(w, gr->bloom_words, p->addr_key))
        return false;
    if (p->want_user && p->user > 0 &&
        !ks_store_seg_bloom_test(w, gr->bloom_words,
                                 ks_store_seg_bloom_key_id(KS_F_user, (uint32_t)p->user)))
        return false;
    if (p->want_host && q->host.n > 0) {
        bool any = false;
        for (unsigned k = 0; k < 3 && !any; k++)
            any = p->host[k] > 0 &&
                  ks_store_seg_bloom_test(w, gr->bloom_words,
                                    ks_store_seg_bloom_key_id(host_cols[k], (uint32_t)p->host[k]));
        if (!any)
            return false;
    }
    return true;
}

static inline uint32_t str_at(const struct ks_store_seg_rows *rows, unsigned col, uint32_t i)
{
    return rows->col[col] ? ((const uint32_t *)rows->col[col])[i] : 0;
}

static bool addr_at_eq(const struct ks_store_seg_rows *rows, unsigned col, uint32_t i,
                       const struct ks_addr *a)
{
    static const struct ks_addr zero;
    const struct ks_addr *v = rows->col[col] ? &((const struct ks_addr *)rows->col[col])[i] : &zero;
    return v->family != 0 && memcmp(v->b, a->b, 16) == 0;
}

static bool row_matches(const struct ks_store_seg_rows *rows, uint32_t i, const struct ks_query *q,
                        const struct plan *p)
{
    int64_t ts = rows->col[KS_F_ts] ? ((const int64_t *)rows->col[KS_F_ts])[i] : 0;
    if (ts < q->from || ts >= q->to)
        return false;
    if (q->kind_mask) {
        uint8_t k = rows->col[KS_F_kind] ? ((const uint8_t *)rows->col[KS_F_kind])[i] : 0;
        if (k >= 32 || !(q->kind_mask & (1u << k)))
            return false;
    }
    if (p->want_obs && str_at(rows, KS_F_observer, i) != (uint64_t)p->obs)
        return false;
    if (p->want_user && str_at(rows, KS_F_user, i) != (uint64_t)p->user)
        return false;
    if (p->want_host) {
        bool any = false;
        for (unsigned k = 0; k < 3 && !any; k++)
            any = p->host[k] >= 0 && str_at(rows, host_cols[k], i) == (uint64_t)p->host[k];
        if (!any)
            return false;
    }
    if (p->want_addr && !addr_at_eq(rows, KS_F_src, i, &q->addr) &&
        !addr_at_eq(rows, KS_F_dst, i, &q->addr))
        return false;
    return true;
}

static int push_match(struct seg_res *sr, int64_t ts, uint32_t g, uint32_t i)
{
    if (sr->nm == sr->cap) {
        size_t nc = sr->cap ? sr->cap * 2 : 1024;
        struct match *m = ks_store_seg_palloc(sr->r.pool, sizeof(*m) * nc);
        if (!m)
            return KS_ENOMEM;
        if (sr->nm)
            memcpy(m, sr->m, sizeof(*m) * sr->nm);
        ks_store_seg_pfree(sr->r.pool, sr->m);
        sr->m = m;
        sr->cap = nc;
    }
    sr->m[sr->nm++] = (struct match){ts, g, i, NULL};
    return 0;
}

static int load_dicts(struct ks_store_seg_reader *r)
{
    for (unsigned c = 0; c < KS_SEG_NCOLS; c++) {
        const struct ks_store_seg_dict *d;
        int rc;
        if (ks_store_seg_col_has_dict(c) && r->file_col[c] >= 0 &&
            (rc = ks_store_seg_reader_dict(r, c, &d)) < 0)
            return rc;
    }
    return 0;
}

/* Opens one segment and collects its matching rows, sorted by ts. kv: scratch for bags. */
/* Sorts matches by (ts, group, row). Rows of a segment are sorted by (observer, ts), so the
 * matches are a few ascending runs: merge them pairwise (qsort when there are many). */
static int sort_matches(struct seg_res *sr)
{
    size_t n = sr->nm, nruns = 1;
    for (size_t i = 1; i < n; i++)
        nruns += sr->m[i].ts < sr->m[i - 1].ts;
    if (nruns == 1)
        return 0;
    if (nruns > 256) {
        qsort(sr->m, n, sizeof(*sr->m), cmp_match);
        return 0;
    }
    size_t *starts = malloc(sizeof(*starts) * (nruns + 1));
    struct match *tmp = ks_store_seg_palloc(sr->r.pool, sizeof(*tmp) * n);
    if (!starts || !tmp) {
        free(starts);
        ks_store_seg_pfree(sr->r.pool, tmp);
        return KS_ENOMEM;
    }
    size_t k = 0;
    starts[k++] = 0;
    for (size_t i = 1; i < n; i++)
        if (sr->m[i].ts < sr->m[i - 1].ts)
            starts[k++] = i;
    starts[k] = n;
    struct match *a = sr->m, *b = tmp;
    while (nruns > 1) {
        size_t out = 0, nr = 0;
        for (size_t r = 0; r < nruns; r += 2) {
            size_t i = starts[r], ie = starts[r + 1];
            size_t j = r + 1 < nruns ? starts[r + 1] : ie, je = r + 1 < nruns ? starts[r + 2] : ie;
            starts[nr++] = out;
            while (i < ie && j < je)
                b[out++] = cmp_match(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
            while (i < ie)
                b[out++] = a[i++];
            while (j < je)
                b[out++] = a[j++];
        }
        starts[nr] = n;
        nruns = nr;
        struct match *t = a;
        a = b;
        b = t;
    }
    if (a != sr->m)
        memcpy(sr->m, a, sizeof(*a) * n);
    free(starts);
    ks_store_seg_pfree(sr->r.pool, tmp);
    return 0;
}

static int collect(struct dir_store *s, const struct dir_seg *seg, const struct ks_query *q,
                   struct ks_store_seg_pool *pool, struct ks_kv *kv, struct seg_res *sr)
{
    char path[4096];
    struct plan p;
    bool dicts = false;
    int rc = path_join(path, sizeof(path), s->root, seg->name);
    if (rc < 0)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? KS_ENOENT : KS_EIO;
    rc = ks_store_seg_reader_open_fd(&sr->r, fd, path);
    sr->opened = true;
    sr->r.pool = pool;
    if (rc < 0)
        return rc;
    if (sr->r.footer_xxh != seg->footer_xxh || sr->r.nrows != seg->rows)
        return KS_ECORRUPT;
    if ((rc = plan_make(&sr->r, q, &p)) != 0)
        return rc > 0 ? 0 : rc;
    if (p.need_index && (rc = ks_store_seg_reader_load_index(&sr->r)) < 0)
        return rc;
    if (!(sr->rows = calloc(sr->r.ngroups, sizeof(*sr->rows))))
        return KS_ENOMEM;
    uint64_t fmask = UINT64_C(1) << KS_F_ts;
    if (q->kind_mask)
        fmask |= UINT64_C(1) << KS_F_kind;
    if (p.want_obs)
        fmask |= UINT64_C(1) << KS_F_observer;
    if (p.want_user)
        fmask |= UINT64_C(1) << KS_F_user;
    if (p.want_host)
        fmask |= UINT64_C(1) << KS_F_src_host | UINT64_C(1) << KS_F_dst_host |
                 UINT64_C(1) << KS_F_observer;
    if (p.want_addr)
        fmask |= UINT64_C(1) << KS_F_src | UINT64_C(1) << KS_F_dst;
    for (uint32_t g = 0; g < sr->r.ngroups; g++) {
        if (!group_may_match(&sr->r, g, q, &p))
            continue;
        struct ks_store_seg_rows *rows = &sr->rows[g];
        if ((rc = ks_store_seg_reader_decode(&sr->r, g, fmask, rows)) < 0)
            return rc;
        size_t before = sr->nm;
        const int64_t *ts = rows->col[KS_F_ts];
        for (uint32_t i = 0; i < rows->rows; i++)
            if (row_matches(rows, i, q, &p) && (rc = push_match(sr, ts ? ts[i] : 0, g, i)) < 0)
                return rc;
        if (sr->nm == before) {
            ks_store_seg_rows_free(rows);
            continue;
        }
        if ((rc = ks_store_seg_reader_decode(&sr->r, g, ~fmask, rows)) < 0)
            return rc;
        if (!dicts && (rc = load_dicts(&sr->r)) < 0)
            return rc;
        dicts = true;
        if ((sr->nm - before) * 4 >= rows->rows)
            continue;
        /* few matches: copy them out and give the group's buffers back at once, so memory
         * follows the result size rather than the number of groups touched */
        for (size_t k = before; k < sr->nm; k++) {
            struct ks_event ev;
            ks_store_seg_rows_event(&sr->r, rows, sr->m[k].row, &ev, kv);
            if (!(sr->m[k].ev = ks_event_clone(&ev)))
                return KS_ENOMEM;
        }
        ks_store_seg_rows_free(rows);
    }
    if (sr->nm == 0)
        return 0;
    return sort_matches(sr);
}

static int cmp_seg_min(const void *a, const void *b)
{
    const struct dir_seg *x = *(const struct dir_seg *const *)a;
    const struct dir_seg *y = *(const struct dir_seg *const *)b;
    if (x->min_ts != y->min_ts)
        return x->min_ts < y->min_ts ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* A k-way merge over segments opened lazily in min_ts order: a segment is opened (its matches
 * collected) only once the next event to emit is not earlier than its min_ts, and released
 * when exhausted. So only segments overlapping the current point in time are held, however
 * the segments of the store overlap. */
static int dir_scan(struct ks_store *st, const struct ks_query *q, ks_scan_fn fn, void *arg)
{
    struct dir_store *s = (struct dir_store *)st;
    int rc = 0;
    size_t n = 0, next = 0, nact = 0;
    uint64_t emitted = 0;
    size_t cap = s->man.nsegs ? s->man.nsegs : 1;
    const struct dir_seg **segs = malloc(sizeof(*segs) * cap);
    struct seg_res **act = calloc(cap, sizeof(*act));
    struct ks_kv *kv = malloc(sizeof(*kv) * KS_EVENT_MAX_BAG);
    struct ks_store_seg_pool pool = {0};
    if (!segs || !act || !kv) {
        rc = KS_ENOMEM;
        goto out;
    }
    if (q->from >= q->to)
        goto out;
    for (size_t i = 0; i < s->man.nsegs; i++)
        if (s->man.segs[i].max_ts >= q->from && s->man.segs[i].min_ts < q->to)
            segs[n++] = &s->man.segs[i];
    qsort(segs, n, sizeof(*segs), cmp_seg_min);
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t k = 0; k < nact; k++)
            if (best == SIZE_MAX || act[k]->m[act[k]->pos].ts < act[best]->m[act[best]->pos].ts)
                best = k;
        if (next < n &&
            (best == SIZE_MAX || segs[next]->min_ts <= act[best]->m[act[best]->pos].ts)) {
            struct seg_res *sr = calloc(1, sizeof(*sr));
            if (!sr) {
                rc = KS_ENOMEM;
                goto out;
            }
            int crc = collect(s, segs[next], q, &pool, kv, sr);
            if (crc == KS_ENOMEM) { /* out of memory is no damaged segment: fail the scan */
                seg_res_free(sr);
                free(sr);
                rc = crc;
                goto out;
            }
            if (crc < 0)
                ks_log_error("store: %s/%s: %s; segment skipped", s->root, segs[next]->name,
                             ks_strerror(crc));
            next++;
            if (crc < 0 || sr->nm == 0) {
                seg_res_free(sr);
                free(sr);
            } else {
                act[nact++] = sr;
            }
            continue;
        }
        if (best == SIZE_MAX)
            break;
        struct seg_res *sr = act[best];
        const struct match *m = &sr->m[sr->pos++];
        struct ks_event ev;
        if (!m->ev)
            ks_store_seg_rows_event(&sr->r, &sr->rows[m->grp], m->row, &ev, kv);
        if ((rc = fn(arg, m->ev ? m->ev : &ev)) != 0)
            goto out;
        if (q->limit && ++emitted >= q->limit)
            goto out;
        if (sr->pos == sr->nm) {
            seg_res_free(sr);
            free(sr);
            act[best] = act[--nact];
        }
    }
out:
    for (size_t k = 0; act && k < nact; k++) {
        seg_res_free(act[k]);
        free(act[k]);
    }
    free(act);
    free(segs);
    free(kv);
    ks_store_seg_pool_free(&pool);
    return rc;
}

/* ---------------------------------------------------------------- stats / verify */

static int open_seg(struct dir_store *s, const struct dir_seg *seg, struct ks_store_seg_reader *r)
{
    char path[4096];
    int rc = path_join(path, sizeof(path), s->root, seg->name);
    if (rc < 0)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        memset(r, 0, sizeof(*r));
        r->fd = -1;
        return errno == ENOENT ? KS_ECORRUPT : KS_EIO;
    }
    rc = ks_store_seg_reader_open_fd(r, fd, path);
    if (rc == 0 && (r->footer_xxh != seg->footer_xxh || r->nrows != seg->rows ||
                    r->size != seg->bytes))
        rc = KS_ECORRUPT;
    return rc;
}

static int add_named(struct ks_store_stats *o, struct ks_sv name, uint64_t n, size_t *cap)
{
    for (size_t i = 0; i < o->ndatasets; i++) {
        if (strlen(o->dataset_names[i]) == name.n &&
            memcmp(o->dataset_names[i], name.p, name.n) == 0) {
            o->dataset_events[i] += n;
            return 0;
        }
    }
    if (o->ndatasets == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        char **a = realloc(o->dataset_names, sizeof(*a) * nc);
        if (!a)
            return KS_ENOMEM;
        o->dataset_names = a;
        uint64_t *b = realloc(o->dataset_events, sizeof(*b) * nc);
        if (!b)
            return KS_ENOMEM;
        o->dataset_events = b;
        *cap = nc;
    }
    if (!(o->dataset_names[o->ndatasets] = strndup(name.p ? name.p : "", name.n)))
        return KS_ENOMEM;
    o->dataset_events[o->ndatasets++] = n;
    return 0;
}

static int add_day(struct ks_store_stats *o, int64_t day, uint64_t n, size_t *cap)
{
    for (size_t i = 0; i < o->ndays; i++) {
        if (o->day_start[i] == day) {
            o->day_events[i] += n;
            return 0;
        }
    }
    if (o->ndays == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        int64_t *a = realloc(o->day_start, sizeof(*a) * nc);
        if (!a)
            return KS_ENOMEM;
        o->day_start = a;
        uint64_t *b = realloc(o->day_events, sizeof(*b) * nc);
        if (!b)
            return KS_ENOMEM;
        o->day_events = b;
        *cap = nc;
    }
    o->day_start[o->ndays] = day;
    o->day_events[o->ndays++] = n;
    return 0;
}

static int dir_stats(struct ks_store *st, struct ks_store_stats *o)
{
    struct dir_store *s = (struct dir_store *)st;
    memset(o, 0, sizeof(*o));
    o->min_ts = INT64_MAX;
    o->max_ts = INT64_MIN;
    size_t dcap = 0, ycap = 0;
    int rc = 0;
    char path[4096];
    struct stat sb;
    if (path_join(path, sizeof(path), s->root, "MANIFEST") == 0 && stat(path, &sb) == 0)
        o->bytes_on_disk += (uint64_t)sb.st_size;
    for (size_t i = 0; i < s->man.nsegs; i++) {
        const struct dir_seg *seg = &s->man.segs[i];
        struct ks_store_seg_reader r;
        o->segments++;
        o->events += seg->rows;
        o->bytes_on_disk += seg->bytes;
        o->min_ts = KS_MIN(o->min_ts, seg->min_ts);
        o->max_ts = KS_MAX(o->max_ts, seg->max_ts);
        int orc = open_seg(s, seg, &r);
        if (orc == KS_ENOMEM) { /* out of memory is no damaged segment: fail the stats */
            ks_store_seg_reader_close(&r);
            rc = orc;
            break;
        }
        if (orc < 0) {
            ks_log_error("store: %s/%s: %s; segment skipped", s->root, seg->name,
                         ks_strerror(orc));
            ks_store_seg_reader_close(&r);
            continue;
        }
        for (unsigned k = 0; k < KS_KIND_COUNT; k++)
            o->per_kind[k] += r.kind_events[k];
        for (uint32_t d = 0; d < r.ndatasets && rc == 0; d++)
            rc = add_named(o, r.dataset_name[d], r.dataset_events[d], &dcap);
        for (uint32_t d = 0; d < r.ndays && rc == 0; d++)
            rc = add_day(o, r.day_start[d], r.day_events[d], &ycap);
        ks_store_seg_reader_close(&r);
        if (rc < 0)
            break;
    }
    if (rc < 0) {
        ks_store_stats_free(o);
        return rc;
    }
    /* days in order */
    for (size_t i = 1; i < o->ndays; i++) {
        for (size_t j = i; j > 0 && o->day_start[j - 1] > o->day_start[j]; j--) {
            int64_t t = o->day_start[j];
            o->day_start[j] = o->day_start[j - 1];
            o->day_start[j - 1] = t;
            uint64_t u = o->day_events[j];
            o->day_events[j] = o->day_events[j - 1];
            o->day_events[j - 1] = u;
        }
    }
    if (!o->segments)
        o->min_ts = o->max_ts = 0;
    return 0;
}

static int dir_verify(struct ks_store *st, struct ks_verify_report *out)
{
    struct dir_store *s = (struct dir_store *)st;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < s->man.nsegs; i++) {
        const struct dir_seg *seg = &s->man.segs[i];
        struct ks_store_seg_reader r;
        uint64_t ev = 0;
        int rc = open_seg(s, seg, &r);
        if (rc == 0)
            rc = ks_store_seg_reader_verify(&r, &ev);
        ks_store_seg_reader_close(&r);
        if (rc == KS_ENOMEM) /* out of memory says nothing about the segment */
            return rc;
        if (rc < 0) {
            ks_log_error("store: %s/%s: %s", s->root, seg->name, ks_strerror(rc));
            out->segments_bad++;
            continue;
        }
        out->segments_ok++;
        out->events += ev;
    }
    out->orphans = orphans_walk(s, false);
    return 0;
}

const struct ks_store_ops ks_store_dir_ops = {
    .abi = KS_STORE_ABI,
    .scheme = "dir",
    .open = dir_open,
    .append = dir_append,
    .want_commit = dir_want_commit,
    .commit = dir_commit,
    .resume_state = dir_resume_state,
    .scan = dir_scan,
    .stats = dir_stats,
    .verify = dir_verify,
    .close = dir_close,
};
