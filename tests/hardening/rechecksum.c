/* SPDX-License-Identifier: MIT */
/* `rechecksum FILE`: replaces the last 8 bytes of a .btn model or checkpoint by the XXH3-64 of the rest, so
 * that the hardening tests can hand the loaders files that are corrupted *inside* a valid checksum (NaN
 * weights, a wrong version, shapes that do not chain): the checks behind the checksum must catch those.
 * `rechecksum --check FILE` only verifies it (exit 0 if it matches, 1 if not): the kill test's check that
 * a checkpoint is whole, whatever moment the writer was killed at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int main(int argc, char **argv)
{
    int check = argc == 3 && strcmp(argv[1], "--check") == 0;
    if (argc != 2 && !check) {
        fprintf(stderr, "usage: rechecksum [--check] FILE\n");
        return 2;
    }
    argv += check;
    FILE *f = fopen(argv[1], check ? "rb" : "r+b");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        perror(argv[1]);
        return 1;
    }
    long size = ftell(f);
    if (size < 8) {
        fprintf(stderr, "%s: shorter than a checksum\n", argv[1]);
        return 1;
    }
    unsigned char *buf = malloc((size_t)size);
    rewind(f);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "%s: read failed\n", argv[1]);
        return 1;
    }
    XXH64_hash_t h = XXH3_64bits(buf, (size_t)size - 8);
    if (check) {
        XXH64_hash_t stored = 0;
        for (int i = 0; i < 8; i++)
            stored |= (XXH64_hash_t)buf[size - 8 + i] << (8 * i);
        free(buf);
        fclose(f);
        if (stored != h) {
            fprintf(stderr, "%s: checksum mismatch\n", argv[1]);
            return 1;
        }
        return 0;
    }
    /* little-endian, as the writer stores it */
    for (int i = 0; i < 8; i++)
        buf[size - 8 + i] = (unsigned char)(h >> (8 * i));
    rewind(f);
    if (fwrite(buf, 1, (size_t)size, f) != (size_t)size || fclose(f) != 0) {
        fprintf(stderr, "%s: write failed\n", argv[1]);
        return 1;
    }
    free(buf);
    return 0;
}
