/* SPDX-License-Identifier: MIT */
/* One URL into one open file descriptor, hashed on the way (libcurl: file://, http://, https://). */
#ifndef BITERN_FETCH_H
#define BITERN_FETCH_H

#include <stddef.h>
#include <stdint.h>

/* 1 if this build can download (it was built with libcurl). */
int fetch_available(void);

/* Writes the body of `url` to fd and its SHA-256 (hex) to sha256. Returns 0, or -1 with a message in err that
 * says what failed: unreachable host, HTTP status, timeout, or the write (with its errno, e.g. disk full).
 * Never waits forever: connecting is capped at 30 s and a transfer slower than 1 KiB/s for 60 s is dropped
 * ($BITERN_DATA_TIMEOUT seconds for both, if set). */
int fetch_url(const char *url, int fd, char sha256[65], uint64_t *bytes, char *err, size_t errcap);

#endif
