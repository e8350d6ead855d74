/* SPDX-License-Identifier: MIT */
/* SHA-256 for `bitern data`, from nettle (nettle-dev). Nettle rather than OpenSSL's libcrypto: libarchive, which
 * reads the CIFAR-10 tarball, links libnettle already (Debian's libarchive13), so the hash adds no library to the
 * process, and `data verify` keeps working where libcurl (the only user of libcrypto) is absent; and nettle's
 * sha256 is plain functions on a caller-owned struct, with no allocation and no failure path, where OpenSSL 3
 * deprecates SHA256_Init and leaves EVP_MD_CTX_new/EVP_DigestInit_ex, each of which can fail.
 * The bt_ prefix: nettle's header #defines sha256_init, sha256_update and sha256_digest. */
#ifndef BITERN_SHA256_H
#define BITERN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

typedef struct sha256_ctx bt_sha256_ctx;

void bt_sha256_init(bt_sha256_ctx *c);
void bt_sha256_update(bt_sha256_ctx *c, const void *data, size_t n);
/* Writes the digest and leaves c ready for a new message. */
void bt_sha256_final(bt_sha256_ctx *c, uint8_t digest[32]);

/* Lower-case hex, NUL-terminated: what sha256sum prints. */
void bt_sha256_hex(const uint8_t digest[32], char hex[65]);

/* The hex digest of a whole file; -1 with errno set if it cannot be read. */
int bt_sha256_file(const char *path, char hex[65]);

#endif
