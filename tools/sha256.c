/* SPDX-License-Identifier: MIT */
#include "tools/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/files.h"
#include "model/util.h"

/* Thin wrappers, so the one choice of library (sha256.h says why nettle) sits in this file alone. */
void bt_sha256_init(bt_sha256_ctx *c) { sha256_init(c); }

void bt_sha256_update(bt_sha256_ctx *c, const void *data, size_t n) { sha256_update(c, n, data); }

void bt_sha256_final(bt_sha256_ctx *c, uint8_t digest[32]) { sha256_digest(c, SHA256_DIGEST_SIZE, digest); }

void bt_sha256_hex(const uint8_t digest[32], char hex[65])
{
    static const char x[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = x[digest[i] >> 4];
        hex[2 * i + 1] = x[digest[i] & 15];
    }
    hex[64] = '\0';
}

int bt_sha256_file(const char *path, char hex[65])
{
    FILE *f = bm_fopen_regular(path);   /* a FIFO would block: refused before a blocking open */
    if (!f)
        return -1;
    bt_sha256_ctx c;
    bt_sha256_init(&c);
    static uint8_t buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        bt_sha256_update(&c, buf, n);
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (err) {
        errno = err;
        return bm_fail("%s: cannot read: %s", path, strerror(err));
    }
    uint8_t d[32];
    bt_sha256_final(&c, d);
    bt_sha256_hex(d, hex);
    return 0;
}
