/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

static int fds[FZ_SLOTS] = {-1, -1, -1, -1};
static char paths[FZ_SLOTS][40];

const char *fz_file(int slot, const uint8_t *data, size_t size)
{
    if (fds[slot] < 0) {
        fds[slot] = memfd_create("bitern-fuzz", MFD_CLOEXEC);
        if (fds[slot] < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
    }
    int fd = fds[slot];
    size_t off = 0;
    if (ftruncate(fd, 0) < 0)
        abort();
    while (off < size) {
        ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    return paths[slot];
}

void fz_load_checksummed(const uint8_t *data, size_t size, void (*load)(const char *path))
{
    if (size < 16) {
        load(fz_file(0, data, size));
        return;
    }
    uint64_t h = XXH3_64bits(data, size - 8);
    if (memcmp(data + size - 8, &h, 8) != 0) {
        load(fz_file(0, data, size));
        uint8_t *fixed = malloc(size);
        if (!fixed)
            abort();
        memcpy(fixed, data, size - 8);
        memcpy(fixed + size - 8, &h, 8);
        load(fz_file(0, fixed, size));
        free(fixed);
        return;
    }
    load(fz_file(0, data, size));
}
