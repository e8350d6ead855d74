/* SPDX-License-Identifier: MIT */
#include "tools/untar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/files.h"
#include "model/util.h"

struct untar {
    struct archive *a;
    int fd;             /* ours: libarchive reads it but neither opens nor closes it */
    uint64_t max_member;
    int failed;         /* after an error libarchive's state is undefined: every later call fails too */
    char err[512];
};

static int fail(untar *t, const char *what)
{
    snprintf(t->err, sizeof t->err, "%s", what);
    t->failed = 1;
    return -1;
}

/* libarchive's own message ("Truncated tar archive", "Damaged tar archive", "gzip decompression failed", ...)
 * after what we were doing. */
static int fail_archive(untar *t, const char *doing)
{
    const char *why = archive_error_string(t->a);
    char what[450];
    snprintf(what, sizeof what, "%.40s: %.400s", doing, why ? why : "unknown libarchive error");
    return fail(t, what);
}

untar *untar_open(const char *path, uint64_t max_member)
{
    untar *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->max_member = max_member;
    t->fd = -1;
    t->a = archive_read_new();
    if (!t->a) {
        free(t);
        return NULL;
    }
    /* Only what the tarball needs: every other format and filter libarchive knows is attack surface here.
     * ARCHIVE_WARN from the gzip filter would mean an external gzip program, which we do not run. */
    if (archive_read_support_format_tar(t->a) != ARCHIVE_OK || archive_read_support_filter_gzip(t->a) != ARCHIVE_OK ||
        archive_read_support_filter_none(t->a) != ARCHIVE_OK)
        fail(t, "libarchive lacks its tar reader or built-in gzip (zlib) support");
    else if ((t->fd = bm_open_regular(path)) < 0) {   /* a FIFO would block: refused before a blocking open */
        /* untar's messages do not repeat the path (the caller names the archive as it knows it) */
        const char *why = bm_error();
        size_t n = strlen(path);
        fail(t, !strncmp(why, path, n) && !strncmp(why + n, ": ", 2) ? why + n + 2 : why);
    }
    else if (archive_read_open_fd(t->a, t->fd, 1 << 17) != ARCHIVE_OK)
        fail_archive(t, "not readable as a tar or tar.gz");
    return t;
}

const char *untar_error(const untar *t) { return t->err; }

void untar_close(untar *t)
{
    if (!t)
        return;
    archive_read_free(t->a);
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

static int unsafe_name(const char *name)
{
    if (name[0] == '/')
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

static char type_of(struct archive_entry *e)
{
    if (archive_entry_hardlink(e))   /* stored as a regular file of size 0: it is not one */
        return '1';
    if (archive_entry_sparse_count(e) > 0)
        return 'S';
    switch (archive_entry_filetype(e)) {
    case AE_IFREG: return '0';
    case AE_IFLNK: return '2';
    case AE_IFCHR: return '3';
    case AE_IFBLK: return '4';
    case AE_IFDIR: return '5';
    case AE_IFIFO: return '6';
    default: return '?';
    }
}

int untar_next(untar *t, untar_member *m)
{
    if (t->failed)
        return -1;
    struct archive_entry *e;
    /* Anything but OK is refused: ARCHIVE_RETRY (a damaged header libarchive would skip) and ARCHIVE_WARN (a
     * header it read only in part) included. */
    int r = archive_read_next_header(t->a, &e);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r != ARCHIVE_OK)
        return fail_archive(t, "reading a tar header");
    const char *name = archive_entry_pathname(e);
    if (!name)
        return fail(t, "a member name libarchive cannot decode");
    size_t len = strlen(name);
    if (len >= sizeof m->name) {
        char what[400];
        snprintf(what, sizeof what, "member '%.200s...' has a name of %zu bytes, more than the %zu allowed", name,
                 len, sizeof m->name - 1);
        return fail(t, what);
    }
    memcpy(m->name, name, len + 1);
    m->type = type_of(e);
    if (!m->name[0])
        return fail(t, "a member has an empty name: refusing the archive");
    if (unsafe_name(m->name)) {
        char what[400];
        snprintf(what, sizeof what, "member '%.255s' has an absolute or '..' path: refusing the archive", m->name);
        return fail(t, what);
    }
    int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    if (size < 0 || (uint64_t)size > t->max_member) {
        char what[400];
        snprintf(what, sizeof what, "member '%.255s' claims %lld bytes, more than the %llu allowed", m->name,
                 (long long)size, (unsigned long long)t->max_member);
        return fail(t, what);
    }
    m->size = (uint64_t)size;
    return 1;
}

long untar_read(untar *t, void *buf, size_t n)
{
    if (t->failed)
        return -1;
    if (n > (1u << 30))
        n = 1u << 30;
    la_ssize_t r = archive_read_data(t->a, buf, n);
    if (r < 0)
        return fail_archive(t, "reading a member");
    return (long)r;
}
