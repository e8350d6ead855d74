/* SPDX-License-Identifier: MIT */
/* A reader of the one tarball `bitern data` fetches (a tar inside a gzip stream), over libarchive with only its
 * tar format and gzip filter enabled. It extracts nothing itself (libarchive's extraction to disk is never
 * used): the caller picks members by name and writes them where it decides, so a hostile member name can never
 * choose a path. Names are still checked, and the archive is refused on traversal. */
#ifndef BITERN_UNTAR_H
#define BITERN_UNTAR_H

#include <stddef.h>
#include <stdint.h>

typedef struct untar untar;

typedef struct untar_member {
    char name[256];   /* the full path (ustar prefix, GNU long name or pax path applied) */
    char type;        /* '0' regular, '1' hard link, '2' symlink, '5' directory, 'S' sparse, '?' other */
    uint64_t size;    /* data bytes untar_read gives */
} untar_member;

/* Opens a .tar.gz (or a plain .tar). max_member caps any member's size. NULL only when out of memory; any other
 * failure shows at the first untar_next. */
untar *untar_open(const char *path, uint64_t max_member);
/* 1 and *m filled, 0 at the end of the archive, -1 on error (untar_error). Skips what is left of the
 * previous member. Errors: not a tar (or gzip'd tar), a damaged header, corrupt or cut deflate data (the gzip
 * trailer's CRC-32 is not checked: libarchive skips it; the caller's SHA-256 of each member covers it), a name that is
 * absolute, has a ".." component, is empty or is longer than 255 bytes, a size over the cap, truncation inside
 * a header or a member. A tar that simply stops between two members (no end-of-archive blocks) ends cleanly,
 * as with tar(1): the caller's check that every wanted member came, and its hash, catch that. */
int untar_next(untar *t, untar_member *m);
/* Up to n bytes of the current member; 0 at its end, -1 on error (truncation, corrupt gzip). */
long untar_read(untar *t, void *buf, size_t n);
/* What went wrong, without the file's name: the caller names the archive as the user knows it (its URL). */
const char *untar_error(const untar *t);
void untar_close(untar *t);

#endif
