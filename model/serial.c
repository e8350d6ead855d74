/* SPDX-License-Identifier: MIT */
/* mkostemp */
#define _GNU_SOURCE
#include "model/serial.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_INLINE_ALL   /* header-only: nothing to link, also where the target has no libxxhash */
#include <xxhash.h>

#include "model/files.h"
#include "model/util.h"

void bm_put(bm_wbuf *b, const void *src, size_t n)
{
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->n < n)
            cap *= 2;
        b->p = bm_realloc(b->p, cap, 1);
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

/* The host is little-endian (bitern supports no other), so values are written as they are in memory. */
void bm_put_u32(bm_wbuf *b, uint32_t v) { bm_put(b, &v, 4); }
void bm_put_u64(bm_wbuf *b, uint64_t v) { bm_put(b, &v, 8); }
void bm_put_f32(bm_wbuf *b, float v) { bm_put(b, &v, 4); }
void bm_put_f32s(bm_wbuf *b, const float *v, size_t n) { bm_put(b, v, n * sizeof(float)); }

void bm_wbuf_free(bm_wbuf *b)
{
    free(b->p);
    *b = (bm_wbuf){0};
}

int bm_get(bm_rbuf *r, void *dst, size_t n)
{
    if (r->short_read || r->n - r->off < n) {
        r->short_read = 1;
        memset(dst, 0, n);
        return -1;
    }
    memcpy(dst, r->p + r->off, n);
    r->off += n;
    return 0;
}

uint32_t bm_get_u32(bm_rbuf *r) { uint32_t v; bm_get(r, &v, 4); return v; }
uint64_t bm_get_u64(bm_rbuf *r) { uint64_t v; bm_get(r, &v, 8); return v; }
float bm_get_f32(bm_rbuf *r) { float v; bm_get(r, &v, 4); return v; }

int bm_get_f32s(bm_rbuf *r, float *dst, size_t n)
{
    size_t bytes;
    if (bm_mul(n, sizeof(float), &bytes) < 0) {
        r->short_read = 1;
        return -1;
    }
    return bm_get(r, dst, bytes);
}

const uint8_t *bm_get_ptr(bm_rbuf *r, size_t n)
{
    if (r->short_read || r->n - r->off < n) {
        r->short_read = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

int bm_write_file_checksummed(const char *path, bm_wbuf *b)
{
    uint64_t h = XXH3_64bits(b->p, b->n);
    const void *parts[2] = {b->p, &h};
    size_t lens[2] = {b->n, sizeof h};
    return bm_write_file_atomic(path, parts, lens, 2);
}

/* dirname() may modify its argument and return static storage: work on a copy. */
static char *dir_of(const char *path)
{
    size_t n = strlen(path);
    char *copy = bm_alloc(n + 1, 1);
    memcpy(copy, path, n + 1);
    char *d = dirname(copy);
    size_t dn = strlen(d);
    char *out = bm_alloc(dn + 1, 1);
    memcpy(out, d, dn + 1);
    free(copy);
    return out;
}

int bm_check_writable(const char *what, const char *path, int regular_only)
{
    struct stat st;
    if (!*path)
        return bm_fail("%s: empty path", what);
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return bm_fail("%s %s: is a directory", what, path);
        if (!S_ISREG(st.st_mode)) {
            if (regular_only)
                return bm_fail("%s %s: exists and is not a regular file (it would be replaced by a rename)", what,
                               path);
            return 0;   /* a device or pipe is written in place: its directory does not matter */
        }
    }
    char *dir = dir_of(path);
    int rc = 0;
    if (stat(dir, &st) < 0) {
        rc = bm_fail("%s %s: directory %s: %s", what, path, dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        rc = bm_fail("%s %s: %s is not a directory", what, path, dir);
    } else {
        /* A real file, not access(): root passes every permission check, yet cannot create files on a
         * read-only mount or in /sys or /proc. */
        size_t plen = strlen(path);
        char *probe = bm_alloc(plen + 16, 1);
        snprintf(probe, plen + 16, "%s.tmp.XXXXXX", path);
        int fd = mkostemp(probe, O_CLOEXEC);
        if (fd < 0) {
            rc = bm_fail("%s %s: cannot create files in %s: %s", what, path, dir, strerror(errno));
        } else {
            close(fd);
            unlink(probe);
        }
        free(probe);
    }
    free(dir);
    return rc;
}

/* The temporary file beside path (path.tmp.XXXXXX, unique per process), with the mode a new file would get. */
static int create_temp(const char *path, char **tmp_out)
{
    struct stat st;
    *tmp_out = NULL;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return bm_fail("%s: exists and is not a regular file: not replacing it", path);
    size_t plen = strlen(path);
    char *tmp = bm_alloc(plen + 16, 1);
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        bm_fail("%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    /* mkostemp creates 0600; a model or checkpoint is an ordinary file, readable as the umask allows. */
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) < 0) {
        bm_fail("%s: chmod failed: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    *tmp_out = tmp;
    return fd;
}

/* fsync, close, rename over path, fsync of the directory; on failure the temporary file is removed. Frees tmp. */
static int commit_temp(int fd, char *tmp, const char *path)
{
    int rc = -1;
    /* fsync before rename: otherwise a crash can leave the new name pointing at an empty file. */
    if (fsync(fd) < 0) {
        bm_fail("%s: fsync failed: %s", tmp, strerror(errno));
        close(fd);
    } else if (close(fd) < 0) {
        bm_fail("%s: close failed: %s", tmp, strerror(errno));
    } else if (rename(tmp, path) < 0) {
        bm_fail("%s: cannot rename to %s: %s", tmp, path, strerror(errno));
    } else {
        /* fsync the directory so that the rename itself is durable. */
        char *dir = dir_of(path);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
        rc = 0;
    }
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int bm_write_file_atomic(const char *path, const void *const *parts, const size_t *lens, int nparts)
{
    char *tmp;
    int fd = create_temp(path, &tmp);
    if (fd < 0)
        return -1;
    for (int k = 0; k < nparts; k++) {
        size_t off = 0;
        while (off < lens[k]) {
            ssize_t w = write(fd, (const uint8_t *)parts[k] + off, lens[k] - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                bm_fail("%s: write failed: %s", tmp, strerror(errno));
                close(fd);
                unlink(tmp);
                free(tmp);
                return -1;
            }
            off += (size_t)w;
        }
    }
    return commit_temp(fd, tmp, path);
}

int bm_atomic_open(bm_atomic_file *a, const char *path, int keep_contents)
{
    memset(a, 0, sizeof *a);
    int fd = create_temp(path, &a->tmp);
    if (fd < 0)
        return -1;
    a->f = fdopen(fd, "w+b");
    if (!a->f) {
        bm_fail("%s: cannot open: %s", a->tmp, strerror(errno));
        close(fd);
        unlink(a->tmp);
        free(a->tmp);
        a->tmp = NULL;
        return -1;
    }
    a->path = path;
    struct stat st;
    if (keep_contents && stat(path, &st) == 0) {
        FILE *old = bm_fopen_regular(path);
        if (!old) {
            bm_atomic_abort(a);
            return -1;
        }
        char buf[65536];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, old)) > 0)
            fwrite(buf, 1, got, a->f);
        int bad = ferror(old);
        fclose(old);
        if (bad || ferror(a->f)) {
            bm_fail("%s: cannot copy the existing contents", path);
            bm_atomic_abort(a);
            return -1;
        }
    }
    return 0;
}

int bm_atomic_commit(bm_atomic_file *a)
{
    if (!a->f)
        return 0;
    int fd = dup(fileno(a->f));
    int bad = fflush(a->f) != 0 || ferror(a->f);
    fclose(a->f);
    a->f = NULL;
    char *tmp = a->tmp;
    a->tmp = NULL;
    if (bad || fd < 0) {
        bm_fail("%s: cannot write: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    return commit_temp(fd, tmp, a->path);
}

void bm_atomic_abort(bm_atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    if (a->tmp) {
        unlink(a->tmp);
        free(a->tmp);
    }
    memset(a, 0, sizeof *a);
}

int bm_read_file_checksummed(const char *path, const char *magic8, const char *kind, uint8_t **data, size_t *n,
                             size_t max_bytes)
{
    *data = NULL;
    *n = 0;
    FILE *f = bm_fopen_regular(path);
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return bm_fail("%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        fclose(f);
        return bm_fail("%s: file too large (%lld bytes)", path, (long long)st.st_size);
    }
    size_t size = (size_t)st.st_size;
    if (size == 0) {
        fclose(f);
        return bm_fail("%s: empty file (0 bytes), not a %s", path, kind);
    }
    if (size < 8) {
        /* Too short for the magic: truncated only if what is there is the magic's beginning. */
        uint8_t head[8];
        size_t got = fread(head, 1, size, f);
        fclose(f);
        if (got == size && memcmp(head, magic8, size) == 0)
            return bm_fail("%s: truncated %s (%zu bytes)", path, kind, size);
        return bm_fail("%s: not a %s (bad magic)", path, kind);
    }
    uint8_t *buf = malloc(size);   /* an error, not bm_alloc's exit: libbitern-model loads through here */
    if (!buf) {
        fclose(f);
        return bm_fail("%s: out of memory for %zu bytes", path, size);
    }
    if (fread(buf, 1, size, f) != size) {
        fclose(f);
        free(buf);
        return bm_fail("%s: read error", path);
    }
    fclose(f);
    if (bm_check_checksummed(path, magic8, kind, buf, size) < 0) {
        free(buf);
        return -1;
    }
    *data = buf;
    *n = size - 8;
    return 0;
}

int bm_check_checksummed(const char *name, const char *magic8, const char *kind, const uint8_t *buf, size_t size)
{
    if (size == 0)
        return bm_fail("%s: empty (0 bytes), not a %s", name, kind);
    if (size < 8)   /* too short for the magic: truncated only if what is there is the magic's beginning */
        return memcmp(buf, magic8, size) == 0 ? bm_fail("%s: truncated %s (%zu bytes)", name, kind, size)
                                              : bm_fail("%s: not a %s (bad magic)", name, kind);
    if (memcmp(buf, magic8, 8) != 0)
        return bm_fail("%s: not a %s (bad magic)", name, kind);
    if (size < 16)
        return bm_fail("%s: truncated %s (%zu bytes)", name, kind, size);
    uint64_t stored;
    memcpy(&stored, buf + size - 8, 8);
    if (XXH3_64bits(buf, size - 8) != stored)
        return bm_fail("%s: checksum mismatch (file corrupted or truncated)", name);
    return 0;
}
