/* SPDX-License-Identifier: MIT */
/*
 * IDX reader. zlib's gz* functions read plain files transparently, so one path handles both the .gz
 * downloads and uncompressed copies. The payload size is known from the header, but a corrupted header can
 * claim gigabytes: the buffer grows only as bytes actually arrive, so a lying header costs an error message,
 * not an allocation of what it claims.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if BITERN_HAVE_ZLIB
#include <zlib.h>
#else
/* A build without zlib (the aarch64 cross build: no target zlib) reads plain IDX files through the same five calls,
 * and names a gzip file as what it cannot read. */
typedef FILE *gzFile;
static gzFile gzdopen(int fd, const char *mode) { return fdopen(fd, mode); }
static int gzread(gzFile f, void *buf, unsigned n)
{
    size_t r = fread(buf, 1, n, f);
    return ferror(f) ? -1 : (int)r;
}
static const char *gzerror(gzFile f, int *errnum)
{
    *errnum = ferror(f) ? errno : 0;
    return *errnum ? strerror(*errnum) : "";
}
static int gzclose(gzFile f) { return fclose(f); }
#endif

#include "model/data.h"
#include "model/files.h"
#include "model/util.h"

/* Reads exactly n bytes or reports what went wrong. */
static int gz_read_exact(gzFile f, const char *path, void *buf, size_t n, const char *what)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = (n - got) > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int r = gzread(f, (char *)buf + got, chunk);
        if (r < 0) {
            int errnum;
            const char *msg = gzerror(f, &errnum);
            return bm_fail("%s: cannot read %s: %s", path, what, msg);
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got < n) {
        int errnum;
        const char *msg = gzerror(f, &errnum);
        return bm_fail("%s: truncated %s: expected %zu bytes, got %zu%s%s", path, what, n, got,
                       errnum ? " (" : "", errnum ? msg : "");
    }
    return 0;
}

int bm_idx_read(const char *path, int want_ndims, uint32_t *dims, uint8_t **data, size_t *bytes)
{
    *data = NULL;
    *bytes = 0;
    int fd = bm_open_regular(path);   /* before gz: a FIFO must be refused, not waited on */
    if (fd < 0)
        return -1;
    gzFile f = gzdopen(fd, "rb");
    if (!f) {
        close(fd);
        return bm_fail("%s: cannot open", path);
    }
    uint8_t *buf = NULL;
    uint8_t hdr[4];
    if (gz_read_exact(f, path, hdr, 4, "IDX magic") < 0)
        goto fail;
#if !BITERN_HAVE_ZLIB
    if (hdr[0] == 0x1f && hdr[1] == 0x8b) {
        bm_fail("%s: a gzip file, and this build of bitern has no zlib: gunzip it first", path);
        goto fail;
    }
#endif
    /* Magic: two zero bytes, a type code (0x08 = unsigned byte) and the rank. */
    if (hdr[0] != 0 || hdr[1] != 0) {
        bm_fail("%s: bad IDX magic %02x %02x %02x %02x (not an IDX file, or corrupted)", path, hdr[0], hdr[1],
                hdr[2], hdr[3]);
        goto fail;
    }
    if (hdr[2] != 0x08) {
        bm_fail("%s: IDX element type 0x%02x is not unsigned byte (0x08)", path, hdr[2]);
        goto fail;
    }
    if (hdr[3] != want_ndims) {
        bm_fail("%s: IDX rank %d, expected %d", path, hdr[3], want_ndims);
        goto fail;
    }
    size_t total = 1;
    for (int i = 0; i < want_ndims; i++) {
        uint8_t d[4];
        if (gz_read_exact(f, path, d, 4, "IDX dimensions") < 0)
            goto fail;
        dims[i] = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        if (dims[i] == 0) {
            bm_fail("%s: IDX dimension %d is zero", path, i);
            goto fail;
        }
        if (bm_mul(total, dims[i], &total) < 0) {
            bm_fail("%s: IDX dimensions overflow size_t when multiplied", path);
            goto fail;
        }
    }
    size_t cap = 0, got = 0;
    while (got < total) {
        size_t want = total - got;
        if (cap - got < want) {
            size_t ncap = cap ? cap * 2 : (1u << 20);
            if (ncap > total || ncap < cap)
                ncap = total;
            buf = bm_realloc(buf, ncap, 1);
            cap = ncap;
        }
        want = cap - got;
        if (want > (1u << 30))
            want = 1u << 30;
        int r = gzread(f, buf + got, (unsigned)want);
        if (r < 0) {
            int errnum;
            bm_fail("%s: cannot read IDX data: %s", path, gzerror(f, &errnum));
            goto fail;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got < total) {
        int errnum;
        const char *msg = gzerror(f, &errnum);
        bm_fail("%s: truncated IDX data: header says %zu bytes, file has %zu%s%s%s", path, total, got,
                errnum ? " (" : "", errnum ? msg : "", errnum ? ")" : "");
        goto fail;
    }
    uint8_t extra;
    int r = gzread(f, &extra, 1);
    if (r != 0) {
        int errnum;
        if (r < 0)
            bm_fail("%s: error after IDX data: %s", path, gzerror(f, &errnum));
        else
            bm_fail("%s: trailing bytes after the %zu bytes of IDX data the header announces", path, total);
        goto fail;
    }
    gzclose(f);
    *data = buf;
    *bytes = total;
    return 0;
fail:
    free(buf);
    gzclose(f);
    return -1;
}

int bm_idx_load_pair(const char *images, const char *labels, bm_dataset *out)
{
    memset(out, 0, sizeof *out);
    uint32_t idim[3], ldim[1];
    uint8_t *x = NULL, *y = NULL;
    size_t xb, yb;
    if (bm_idx_read(images, 3, idim, &x, &xb) < 0)
        return -1;
    if (bm_idx_read(labels, 1, ldim, &y, &yb) < 0) {
        free(x);
        return -1;
    }
    if (idim[1] > 4096 || idim[2] > 4096) {
        bm_fail("%s: implausible image size %ux%u", images, idim[1], idim[2]);
        goto fail;
    }
    if (idim[0] != ldim[0]) {
        bm_fail("%s has %u images but %s has %u labels", images, idim[0], labels, ldim[0]);
        goto fail;
    }
    for (size_t i = 0; i < yb; i++) {
        if (y[i] >= BM_NUM_CLASSES) {
            bm_fail("%s: label %u of example %zu is not below %d", labels, y[i], i, BM_NUM_CLASSES);
            goto fail;
        }
    }
    out->n = idim[0];
    out->c = 1;
    out->h = (int)idim[1];
    out->w = (int)idim[2];
    out->x = x;
    out->y = y;
    out->mean[0] = 0.1307f;   /* the usual MNIST statistics; close enough for Fashion-MNIST with BN */
    out->std[0] = 0.3081f;
    return 0;
fail:
    free(x);
    free(y);
    return -1;
}

void bm_dataset_free(bm_dataset *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

void bm_dataset_truncate(bm_dataset *d, size_t n)
{
    if (n < d->n)
        d->n = n;
}
