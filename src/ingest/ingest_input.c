/* SPDX-License-Identifier: MIT */
/*
 * ingest_input.c - the first step of ingest: turns the user's paths into a list of inputs
 * (directories recursed in name order, zip archives expanded into one input per member) and reads
 * each input as a stream of decompressed bytes. Compression is recognized by magic bytes, never
 * by file name: gzip (multi-member), zstd (concatenated frames, skippable frames), and plain.
 * Directory symlinks are never followed inside a tree, so loops cannot happen.
 */
#include "ingest/ingest_driver_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define RAW_BUF_SIZE (256u * 1024u)

/* ---------------------------------------------------------------- listing */

struct desc_list {
    struct ks_ingest_desc *v;
    size_t n, cap;
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

static char *join_path(const char *a, const char *sep, const char *b)
{
    size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
    char *p = malloc(na + ns + nb + 1);
    if (!p)
        return NULL;
    memcpy(p, a, na);
    memcpy(p + na, sep, ns);
    memcpy(p + na + ns, b, nb + 1);
    return p;
}

/* Appends an entry; takes ownership of path and file (freed on failure). */
static int list_add(struct desc_list *l, char *path, char *file, uint64_t size, int error)
{
    if (!path || !file)
        goto nomem;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct ks_ingest_desc *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            goto nomem;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct ks_ingest_desc){.path = path, .file = file, .size = size, .error = error};
    return 0;
nomem:
    free(path);
    free(file);
    return KS_ENOMEM;
}

static int errno_to_ks(int e)
{
    return e == ENOENT || e == ENOTDIR ? KS_ENOENT : e == ENOMEM ? KS_ENOMEM : KS_EIO;
}

static bool is_zip_magic(const unsigned char *m, size_t n)
{
    return n >= 4 && m[0] == 'P' && m[1] == 'K' &&
           ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6));
}

static bool skip_member(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || name[n - 1] == '/')
        return true; /* directory entry */
    if (strncmp(name, "__MACOSX/", 9) == 0)
        return true;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return base[0] == '.';
}

static int list_zip(struct desc_list *l, const char *file)
{
    int zerr = 0;
    zip_t *za = zip_open(file, ZIP_RDONLY, &zerr);
    if (!za) {
        ks_log_warn("%s: cannot open zip archive (libzip error %d)", file, zerr);
        return list_add(l, dup_str(file), dup_str(file), 0, KS_ECORRUPT);
    }
    int rc = 0;
    zip_int64_t n = zip_get_num_entries(za, 0);
    for (zip_int64_t i = 0; i < n && rc == 0; i++) {
        zip_stat_t zs;
        zip_stat_init(&zs);
        if (zip_stat_index(za, (zip_uint64_t)i, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_NAME))
            continue;
        if (skip_member(zs.name))
            continue;
        size_t before = l->n;
        rc = list_add(l, join_path(file, ":", zs.name), dup_str(file),
                      (zs.valid & ZIP_STAT_COMP_SIZE) ? zs.comp_size : 0, 0);
        if (rc == 0 && l->n > before) {
            l->v[l->n - 1].zip_member = true;
            l->v[l->n - 1].zip_index = (uint64_t)i;
        }
    }
    zip_discard(za);
    return rc;
}

/* A regular file: a zip archive becomes its members, anything else one input. */
static int list_file(struct desc_list *l, const char *file, uint64_t size)
{
    unsigned char magic[4];
    ssize_t got = 0;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        ks_log_warn("%s: %s", file, strerror(e));
        return list_add(l, dup_str(file), dup_str(file), size, errno_to_ks(e));
    }
    do
        got = read(fd, magic, sizeof magic);
    while (got < 0 && errno == EINTR);
    close(fd);
    if (got > 0 && is_zip_magic(magic, (size_t)got))
        return list_zip(l, file);
    return list_add(l, dup_str(file), dup_str(file), size, 0);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_path(struct desc_list *l, const char *path, int depth, bool top);

static int list_dir(struct desc_list *l, const char *dir, int depth)
{
    if (depth >= KS_INGEST_MAX_DEPTH) {
        ks_log_warn("%s: directory nesting deeper than %d, not read", dir, KS_INGEST_MAX_DEPTH);
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        ks_log_warn("%s: %s", dir, strerror(e));
        return list_add(l, dup_str(dir), dup_str(dir), 0, errno_to_ks(e));
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* hidden, "." and ".." */
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **nv = realloc(names, ncap * sizeof *nv);
            if (!nv) {
                rc = KS_ENOMEM;
                goto out;
            }
            names = nv;
            cap = ncap;
        }
        names[n] = dup_str(de->d_name);
        if (!names[n]) {
            rc = KS_ENOMEM;
            goto out;
        }
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *child = join_path(dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        if (!child) {
            rc = KS_ENOMEM;
            break;
        }
        rc = list_path(l, child, depth + 1, false);
        free(child);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

/* top: a path the user named (symlinks followed); inside a tree, directory symlinks are skipped
 * and so are special files. */
static int list_path(struct desc_list *l, const char *path, int depth, bool top)
{
    struct stat st;
    if ((top ? stat(path, &st) : lstat(path, &st)) != 0) {
        int e = errno;
        ks_log_warn("%s: %s", path, strerror(e));
        return list_add(l, dup_str(path), dup_str(path), 0, errno_to_ks(e));
    }
    if (S_ISLNK(st.st_mode)) {
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return 0; /* dangling, or a link to a directory (never followed) */
    }
    if (S_ISDIR(st.st_mode))
        return list_dir(l, path, depth);
    if (!S_ISREG(st.st_mode)) {
        if (top) {
            ks_log_warn("%s: not a regular file or directory", path);
            return list_add(l, dup_str(path), dup_str(path), 0, KS_EINVAL);
        }
        return 0;
    }
    return list_file(l, path, (uint64_t)st.st_size);
}

int ks_ingest_list_inputs(const char *const *paths, size_t npaths, struct ks_ingest_desc **out,
                          size_t *n)
{
    struct desc_list l = {0};
    int rc = 0;
    for (size_t i = 0; i < npaths && rc == 0; i++)
        rc = list_path(&l, paths[i], 0, true);
    if (rc != 0) {
        ks_ingest_free_descs(l.v, l.n);
        *out = NULL;
        *n = 0;
        return rc;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

void ks_ingest_free_descs(struct ks_ingest_desc *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        free(d[i].path);
        free(d[i].file);
    }
    free(d);
}

/* ---------------------------------------------------------------- reading */

enum codec {
    CODEC_PLAIN,
    CODEC_GZIP,
    CODEC_ZSTD,
};

struct ks_input {
    int fd;
    zip_t *za;
    zip_file_t *zf;
    enum codec codec;
    bool raw_eof;
    bool done;
    unsigned char *raw;  /* compressed bytes read but not yet decompressed */
    size_t raw_pos, raw_len;
    uint64_t raw_total;  /* compressed bytes read from the source */
    z_stream zs;
    bool zs_init;
    bool gz_member_done; /* the last gzip member ended exactly at the last byte read */
    ZSTD_DStream *zds;
    size_t zstd_last;    /* last ZSTD_decompressStream() result: 0 at a frame boundary */
};

static int raw_fill(struct ks_input *in)
{
    if (in->raw_pos > 0 && in->raw_pos < in->raw_len)
        memmove(in->raw, in->raw + in->raw_pos, in->raw_len - in->raw_pos);
    in->raw_len -= in->raw_pos;
    in->raw_pos = 0;
    if (in->raw_eof)
        return 0;
    size_t room = RAW_BUF_SIZE - in->raw_len;
    if (room == 0)
        return 0;
    if (in->zf) {
        zip_int64_t got = zip_fread(in->zf, in->raw + in->raw_len, room);
        if (got < 0)
            return KS_ECORRUPT;
        if (got == 0)
            in->raw_eof = true;
        in->raw_len += (size_t)got;
        in->raw_total += (uint64_t)got;
        return 0;
    }
    ssize_t got;
    do
        got = read(in->fd, in->raw + in->raw_len, room);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return KS_EIO;
    if (got == 0)
        in->raw_eof = true;
    in->raw_len += (size_t)got;
    in->raw_total += (uint64_t)got;
    return 0;
}

int ks_ingest_input_open(const struct ks_ingest_desc *d, struct ks_input **out)
{
    int rc = 0;
    *out = NULL;
    struct ks_input *in = calloc(1, sizeof *in);
    if (!in)
        return KS_ENOMEM;
    in->fd = -1;
    in->raw = malloc(RAW_BUF_SIZE);
    if (!in->raw) {
        rc = KS_ENOMEM;
        goto out;
    }
    if (d->zip_member) {
        int zerr = 0;
        in->za = zip_open(d->file, ZIP_RDONLY, &zerr);
        if (!in->za) {
            rc = KS_ECORRUPT;
            goto out;
        }
        in->zf = zip_fopen_index(in->za, d->zip_index, 0);
        if (!in->zf) {
            rc = zip_error_code_zip(zip_get_error(in->za)) == ZIP_ER_COMPNOTSUPP
                     ? KS_EUNSUPPORTED
                     : KS_ECORRUPT;
            goto out;
        }
    } else {
        in->fd = open(d->file, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0) {
            rc = errno_to_ks(errno);
            goto out;
        }
#ifdef POSIX_FADV_SEQUENTIAL
        (void)posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    /* Magic bytes decide the codec: read until 4 bytes or the end. */
    while (in->raw_len < 4 && !in->raw_eof) {
        rc = raw_fill(in);
        if (rc != 0)
            goto out;
    }
    const unsigned char *m = in->raw;
    if (in->raw_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        in->codec = CODEC_GZIP;
        if (inflateInit2(&in->zs, 15 + 32) != Z_OK) {
            rc = KS_ENOMEM;
            goto out;
        }
        in->zs_init = true;
    } else if (in->raw_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
        in->codec = CODEC_ZSTD;
        in->zds = ZSTD_createDStream();
        if (!in->zds) {
            rc = KS_ENOMEM;
            goto out;
        }
        ZSTD_initDStream(in->zds);
        in->zstd_last = 1;
    }
out:
    if (rc != 0) {
        ks_ingest_input_close(in);
        return rc;
    }
    *out = in;
    return 0;
}

static int read_gzip(struct ks_input *in, char *dst, size_t cap, size_t *got)
{
    z_stream *zs = &in->zs;
    zs->next_out = (Bytef *)dst;
    zs->avail_out = (uInt)KS_MIN(cap, (size_t)UINT32_MAX);
    while (zs->avail_out == (uInt)KS_MIN(cap, (size_t)UINT32_MAX)) {
        if (in->raw_pos == in->raw_len) {
            int rc = raw_fill(in);
            if (rc != 0)
                return rc;
            if (in->raw_len == 0) {
                if (!in->gz_member_done)
                    return KS_ECORRUPT; /* truncated member */
                in->done = true;
                break;
            }
        }
        if (in->gz_member_done) {
            /* Another member follows (multi-member gzip); trailing zero padding ends the stream. */
            if (in->raw[in->raw_pos] == 0) {
                in->done = true;
                break;
            }
            if (inflateReset(zs) != Z_OK)
                return KS_ECORRUPT;
            in->gz_member_done = false;
        }
        zs->next_in = in->raw + in->raw_pos;
        zs->avail_in = (uInt)(in->raw_len - in->raw_pos);
        int zr = inflate(zs, Z_NO_FLUSH);
        in->raw_pos = in->raw_len - zs->avail_in;
        if (zr == Z_STREAM_END) {
            in->gz_member_done = true;
        } else if (zr == Z_BUF_ERROR) {
            if (in->raw_eof && in->raw_pos == in->raw_len)
                return KS_ECORRUPT;
        } else if (zr != Z_OK) {
            return zr == Z_MEM_ERROR ? KS_ENOMEM : KS_ECORRUPT;
        }
    }
    *got = (size_t)((char *)zs->next_out - dst);
    return 0;
}

static int read_zstd(struct ks_input *in, char *dst, size_t cap, size_t *got)
{
    ZSTD_outBuffer ob = {dst, cap, 0};
    while (ob.pos == 0) {
        if (in->raw_pos == in->raw_len) {
            int rc = raw_fill(in);
            if (rc != 0)
                return rc;
            if (in->raw_len == 0) {
                if (in->zstd_last != 0)
                    return KS_ECORRUPT; /* truncated frame */
                in->done = true;
                break;
            }
        }
        ZSTD_inBuffer ib = {in->raw + in->raw_pos, in->raw_len - in->raw_pos, 0};
        size_t r = ZSTD_decompressStream(in->zds, &ob, &ib);
        in->raw_pos += ib.pos;
        if (ZSTD_isError(r))
            return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? KS_ENOMEM
                                                                         : KS_ECORRUPT;
        in->zstd_last = r;
    }
    *got = ob.pos;
    return 0;
}

int ks_ingest_input_read(struct ks_input *in, char *dst, size_t cap, size_t *got)
{
    *got = 0;
    if (in->done || cap == 0)
        return 0;
    switch (in->codec) {
    case CODEC_GZIP:
        return read_gzip(in, dst, cap, got);
    case CODEC_ZSTD:
        return read_zstd(in, dst, cap, got);
    case CODEC_PLAIN:
        break;
    }
    /* Plain: first hand out what the magic probe buffered, then read straight into dst. */
    if (in->raw_pos < in->raw_len) {
        size_t n = KS_MIN(cap, in->raw_len - in->raw_pos);
        memcpy(dst, in->raw + in->raw_pos, n);
        in->raw_pos += n;
        *got = n;
        return 0;
    }
    if (in->raw_eof) {
        in->done = true;
        return 0;
    }
    if (in->zf) {
        zip_int64_t r = zip_fread(in->zf, dst, cap);
        if (r < 0)
            return KS_ECORRUPT;
        in->raw_total += (uint64_t)r;
        *got = (size_t)r;
    } else {
        ssize_t r;
        do
            r = read(in->fd, dst, cap);
        while (r < 0 && errno == EINTR);
        if (r < 0)
            return KS_EIO;
        in->raw_total += (uint64_t)r;
        *got = (size_t)r;
    }
    if (*got == 0) {
        in->raw_eof = true;
        in->done = true;
    }
    return 0;
}

uint64_t ks_ingest_input_raw_pos(const struct ks_input *in)
{
    return in->raw_total;
}

const char *ks_ingest_input_codec(const struct ks_input *in)
{
    return in->codec == CODEC_GZIP ? "gzip" : in->codec == CODEC_ZSTD ? "zstd" : "plain";
}

void ks_ingest_input_close(struct ks_input *in)
{
    if (!in)
        return;
    if (in->zs_init)
        inflateEnd(&in->zs);
    ZSTD_freeDStream(in->zds);
    if (in->zf)
        zip_fclose(in->zf);
    if (in->za)
        zip_discard(in->za);
    if (in->fd >= 0)
        close(in->fd);
    free(in->raw);
    free(in);
}
