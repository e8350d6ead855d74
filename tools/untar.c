/* SPDX-License-Identifier: MIT */
#include "untar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "files.h"

struct untar {
    gzFile gz;
    const char *path;
    uint64_t max_member;
    uint64_t left;      /* data bytes of the current member not yet read */
    uint64_t padding;   /* zero bytes up to the next 512-byte block */
    char err[512];
};

static int fail(untar *t, const char *what)
{
    snprintf(t->err, sizeof t->err, "%s: %s", t->path, what);
    return -1;
}

untar *untar_open(const char *path, uint64_t max_member)
{
    untar *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->path = path;
    t->max_member = max_member;
    int fd = tr_open_regular(path);
    t->gz = fd < 0 ? NULL : gzdopen(fd, "rb");
    if (fd >= 0 && !t->gz)
        close(fd);
    if (!t->gz)
        fail(t, fd < 0 ? "not a regular file, or cannot be opened" : "cannot open");
    else
        gzbuffer(t->gz, 1 << 17);
    return t;
}

const char *untar_error(const untar *t) { return t->err; }

void untar_close(untar *t)
{
    if (!t)
        return;
    if (t->gz)
        gzclose(t->gz);
    free(t);
}

/* Exactly n bytes or an error: a short read inside an archive is truncation, not an end. */
static int read_exact(untar *t, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = gzread(t->gz, (char *)buf + got, (unsigned)(n - got > (1u << 30) ? (1u << 30) : n - got));
        if (r < 0) {
            int zerr;
            const char *msg = gzerror(t->gz, &zerr);
            char what[300];
            snprintf(what, sizeof what, "gzip error: %s", msg);
            return fail(t, what);
        }
        if (r == 0)
            return fail(t, "archive is truncated");
        got += (size_t)r;
    }
    return 0;
}

static int skip(untar *t, uint64_t n)
{
    char buf[1 << 14];
    while (n) {
        size_t step = n < sizeof buf ? (size_t)n : sizeof buf;
        if (read_exact(t, buf, step) < 0)
            return -1;
        n -= step;
    }
    return 0;
}

/* Octal, space or NUL terminated. GNU's base-256 form only matters above 8 GiB: far past any cap we use. */
static int parse_octal(const char *f, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < len && f[i] == ' ')
        i++;
    size_t start = i;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 61)
            return -1;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    if (i == start)
        return -1;
    for (; i < len; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return -1;
    *out = v;
    return 0;
}

static int unsafe_name(const char *name)
{
    if (name[0] == '/' || name[0] == '\0')
        return 1;
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        p += n;
        if (*p == '/')
            p++;
    }
    return 0;
}

int untar_next(untar *t, untar_member *m)
{
    if (!t->gz)
        return -1;
    if (skip(t, t->left + t->padding) < 0)
        return -1;
    t->left = t->padding = 0;
    unsigned char h[512];
    if (read_exact(t, h, 512) < 0)
        return -1;
    int zero = 1;
    for (int i = 0; i < 512 && zero; i++)
        zero = h[i] == 0;
    if (zero)   /* end-of-archive marker; a second zero block may follow, nothing else matters */
        return 0;
    uint64_t sum = 0, want;
    for (int i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    if (parse_octal((const char *)h + 148, 8, &want) < 0 || want != sum)
        return fail(t, "bad tar header checksum (not a tar archive, or corrupted)");
    uint64_t size;
    if (parse_octal((const char *)h + 124, 12, &size) < 0)
        return fail(t, "malformed member size in tar header");
    char name[101], prefix[156];
    memcpy(name, h, 100);
    name[100] = '\0';
    prefix[0] = '\0';
    if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
        memcpy(prefix, h + 345, 155);
        prefix[155] = '\0';
    }
    snprintf(m->name, sizeof m->name, "%s%s%s", prefix, prefix[0] ? "/" : "", name);
    m->type = h[156] ? (char)h[156] : '0';
    m->size = size;
    if (unsafe_name(m->name)) {
        char what[400];
        snprintf(what, sizeof what, "member '%.255s' has an absolute or '..' path: refusing the archive", m->name);
        return fail(t, what);
    }
    if (size > t->max_member) {
        char what[400];
        snprintf(what, sizeof what, "member '%.255s' claims %llu bytes, more than the %llu allowed", m->name,
                 (unsigned long long)size, (unsigned long long)t->max_member);
        return fail(t, what);
    }
    /* Links, devices and directories carry no data whatever their size field says. */
    int has_data = m->type == '0' || m->type == '7' || m->type == 'x' || m->type == 'g' || m->type == 'L' ||
                   m->type == 'K';
    t->left = has_data ? size : 0;
    t->padding = has_data ? (512 - size % 512) % 512 : 0;
    return 1;
}

long untar_read(untar *t, void *buf, size_t n)
{
    if (!t->left)
        return 0;
    if (n > t->left)
        n = (size_t)t->left;
    if (n > (1u << 30))
        n = 1u << 30;
    if (read_exact(t, buf, n) < 0)
        return -1;
    t->left -= n;
    return (long)n;
}
