/* SPDX-License-Identifier: MIT */
/* A reader of ustar/GNU tar archives inside a gzip stream, for the one tarball `bitern data` fetches. It
 * extracts nothing itself: the caller picks members by name and writes them where it decides, so a hostile
 * member name can never choose a path. Names are still checked, and the archive is refused on traversal. */
#ifndef BITERN_UNTAR_H
#define BITERN_UNTAR_H

#include <stddef.h>
#include <stdint.h>

typedef struct untar untar;

typedef struct untar_member {
    char name[256];   /* prefix/name joined */
    char type;        /* '0' regular (NUL normalised to '0'), '5' directory, others as in the header */
    uint64_t size;    /* data bytes that follow */
} untar_member;

/* Opens a .tar.gz (or a plain .tar: zlib passes it through). max_member caps any member's size. */
untar *untar_open(const char *path, uint64_t max_member);
/* 1 and *m filled, 0 at the end of the archive, -1 on error (untar_error). Skips what is left of the
 * previous member. Errors: bad header checksum, malformed size, size over the cap, absolute names or ".."
 * components, truncation. */
int untar_next(untar *t, untar_member *m);
/* Up to n bytes of the current member; 0 at its end, -1 on error. */
long untar_read(untar *t, void *buf, size_t n);
const char *untar_error(const untar *t);
void untar_close(untar *t);

#endif
