/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fuzz targets (libFuzzer) and by replay.c, which runs the same targets without it. */
#ifndef BITERN_FUZZ_UTIL_H
#define BITERN_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The loaders take paths. The input goes to an in-memory file (memfd) named by its /proc/self/fd path:
 * the loaders see a regular file, and no disk is touched. slot < FZ_SLOTS picks one of a few such files. */
#define FZ_SLOTS 4
const char *fz_file(int slot, const uint8_t *data, size_t size);

/* .btn and checkpoint files end in an XXH3-64 of everything before: a mutated input almost never carries the
 * right one, and would never reach the parser behind it. Calls load() on the input as it is (when its checksum
 * is wrong: the rejection path), then with its last 8 bytes replaced by the right checksum. */
void fz_load_checksummed(const uint8_t *data, size_t size, void (*load)(const char *path));

#endif
