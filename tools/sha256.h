/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), small and dependency-free: `bitern data` checks datasets without OpenSSL. */
#ifndef BITERN_SHA256_H
#define BITERN_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;      /* message length so far */
    uint8_t buf[64];
    size_t fill;         /* bytes waiting in buf */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, uint8_t digest[32]);

/* Lower-case hex, NUL-terminated: what sha256sum prints. */
void sha256_hex(const uint8_t digest[32], char hex[65]);

/* The hex digest of a whole file; -1 with errno set if it cannot be read. */
int sha256_file(const char *path, char hex[65]);

#endif
