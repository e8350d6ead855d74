/* SPDX-License-Identifier: MIT */
#include "serial.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "util.h"

void tr_put(tr_wbuf *b, const void *src, size_t n)
{
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->n < n)
            cap *= 2;
        b->p = tr_realloc(b->p, cap, 1);
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

/* The host is little-endian (bitern supports no other), so values are written as they are in memory. */
void tr_put_u32(tr_wbuf *b, uint32_t v) { tr_put(b, &v, 4); }
void tr_put_u64(tr_wbuf *b, uint64_t v) { tr_put(b, &v, 8); }
void tr_put_f32(tr_wbuf *b, float v) { tr_put(b, &v, 4); }
void tr_put_f32s(tr_wbuf *b, const float *v, size_t n) { tr_put(b, v, n * sizeof(float)); }

void tr_wbuf_free(tr_wbuf *b)
{
    free(b->p);
    *b = (tr_wbuf){0};
}

int tr_get(tr_rbuf *r, void *dst, size_t n)
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

uint32_t tr_get_u32(tr_rbuf *r) { uint32_t v; tr_get(r, &v, 4); return v; }
uint64_t tr_get_u64(tr_rbuf *r) { uint64_t v; tr_get(r, &v, 8); return v; }
float tr_get_f32(tr_rbuf *r) { float v; tr_get(r, &v, 4); return v; }

int tr_get_f32s(tr_rbuf *r, float *dst, size_t n)
{
    size_t bytes;
    if (tr_mul(n, sizeof(float), &bytes) < 0) {
        r->short_read = 1;
        return -1;
    }
    return tr_get(r, dst, bytes);
}

const uint8_t *tr_get_ptr(tr_rbuf *r, size_t n)
{
    if (r->short_read || r->n - r->off < n) {
        r->short_read = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

int tr_write_file_checksummed(const char *path, tr_wbuf *b)
{
    uint64_t h = XXH3_64bits(b->p, b->n);
    const void *parts[2] = {b->p, &h};
    size_t lens[2] = {b->n, sizeof h};
    return tr_write_file_atomic(path, parts, lens, 2);
}

int tr_write_file_atomic(const char *path, const void *const *parts, const size_t *lens, int nparts)
{
    size_t plen = strlen(path);
    char *tmp = tr_alloc(plen + 16, 1);
    snprintf(tmp, plen + 16, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        tr_fail("%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    for (int k = 0; k < nparts; k++) {
        size_t off = 0;
        while (off < lens[k]) {
            ssize_t w = write(fd, (const uint8_t *)parts[k] + off, lens[k] - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                tr_fail("%s: write failed: %s", tmp, strerror(errno));
                goto fail;
            }
            off += (size_t)w;
        }
    }
    /* fsync before rename: otherwise a crash can leave the new name pointing at an empty file. */
    if (fsync(fd) < 0) {
        tr_fail("%s: fsync failed: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        tr_fail("%s: close failed: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        tr_fail("%s: cannot rename to %s: %s", tmp, path, strerror(errno));
        goto fail;
    }
    /* fsync the directory so that the rename itself is durable. */
    char *dcopy = tr_alloc(plen + 1, 1);
    memcpy(dcopy, path, plen + 1);
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dcopy);
    free(tmp);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

int tr_read_file_checksummed(const char *path, const char *magic8, const char *kind, uint8_t **data, size_t *n,
                             size_t max_bytes)
{
    *data = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tr_fail("%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return tr_fail("%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        fclose(f);
        return tr_fail("%s: file too large (%lld bytes)", path, (long long)st.st_size);
    }
    size_t size = (size_t)st.st_size;
    if (size < 8) {
        fclose(f);
        return tr_fail("%s: truncated (%zu bytes, shorter than the checksum)", path, size);
    }
    uint8_t *buf = tr_alloc(size, 1);
    if (fread(buf, 1, size, f) != size) {
        fclose(f);
        free(buf);
        return tr_fail("%s: read error", path);
    }
    fclose(f);
    if (size < 16 || memcmp(buf, magic8, 8) != 0) {
        free(buf);
        return tr_fail("%s: not a %s (bad magic)", path, kind);
    }
    uint64_t stored;
    memcpy(&stored, buf + size - 8, 8);
    if (XXH3_64bits(buf, size - 8) != stored) {
        free(buf);
        return tr_fail("%s: checksum mismatch (file corrupted or truncated)", path);
    }
    *data = buf;
    *n = size - 8;
    return 0;
}
