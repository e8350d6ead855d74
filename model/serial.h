/* SPDX-License-Identifier: MIT */
/* Little-endian byte buffers for the model and checkpoint files: a growable writer, a bounds-checked reader
 * (any read past the end sets a sticky error and yields zeros, so parsers check once per section), and
 * atomic file replacement. */
#ifndef BITERN_MODEL_SERIAL_H
#define BITERN_MODEL_SERIAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bm_wbuf {
    uint8_t *p;
    size_t n, cap;
} bm_wbuf;

void bm_put(bm_wbuf *b, const void *src, size_t n);
void bm_put_u32(bm_wbuf *b, uint32_t v);
void bm_put_u64(bm_wbuf *b, uint64_t v);
void bm_put_f32(bm_wbuf *b, float v);
void bm_put_f32s(bm_wbuf *b, const float *v, size_t n);
void bm_wbuf_free(bm_wbuf *b);

typedef struct bm_rbuf {
    const uint8_t *p;
    size_t n, off;
    int short_read;
} bm_rbuf;

int bm_get(bm_rbuf *r, void *dst, size_t n);   /* -1 (and short_read) if fewer than n bytes remain */
uint32_t bm_get_u32(bm_rbuf *r);
uint64_t bm_get_u64(bm_rbuf *r);
float bm_get_f32(bm_rbuf *r);
int bm_get_f32s(bm_rbuf *r, float *dst, size_t n);
/* A pointer to the next n bytes (not copied), or NULL if they are not there. */
const uint8_t *bm_get_ptr(bm_rbuf *r, size_t n);

/* Writes path atomically: a unique temporary file beside it (path.tmp.XXXXXX, so two processes never share one),
 * fsync, rename, fsync of the directory; the file is the nparts parts concatenated. 0, or -1 with bm_error() set
 * (and no temporary file left; a process killed mid-write leaves only its own). Refuses to replace anything but
 * a regular file. */
int bm_write_file_atomic(const char *path, const void *const *parts, const size_t *lens, int nparts);
/* A file written as a stream yet replaced atomically: f writes a temporary file beside path (with path's
 * current contents first if keep_contents, for appending), bm_atomic_commit renames it over path, and
 * bm_atomic_abort removes it. A process killed in between leaves path as it was. */
typedef struct bm_atomic_file {
    FILE *f;
    char *tmp;
    const char *path;
} bm_atomic_file;
int bm_atomic_open(bm_atomic_file *a, const char *path, int keep_contents);
int bm_atomic_commit(bm_atomic_file *a);   /* 0 (also when nothing is open), or -1 with bm_error() set */
void bm_atomic_abort(bm_atomic_file *a);
/* Checks, before any work, that path can be written: a file can be created in its directory, and path is not a
 * directory (nor, if regular_only, a device or other special file: those would be replaced by the rename).
 * `what` names the option in the message. */
int bm_check_writable(const char *what, const char *path, int regular_only);
/* bm_write_file_atomic of the buffer with the XXH3-64 of its contents appended as the last 8 bytes. */
int bm_write_file_checksummed(const char *path, bm_wbuf *b);
/* Reads a whole file and verifies/strips the trailing XXH3-64; *data must be freed. max_bytes bounds memory.
 * The 8-byte magic is checked first so that a file of another kind is called that, not "corrupted". */
int bm_read_file_checksummed(const char *path, const char *magic8, const char *kind, uint8_t **data, size_t *n,
                             size_t max_bytes);
/* The same checks of an image already in memory (magic, length, trailing XXH3-64); name is what messages call it. */
int bm_check_checksummed(const char *name, const char *magic8, const char *kind, const uint8_t *buf, size_t size);

#endif
