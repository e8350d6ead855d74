/* SPDX-License-Identifier: MIT */
/* tools/sha256.c (bitern's wrappers over nettle) against the FIPS 180-2 vectors, fed whole and in awkward
 * chunks (a lost chunk or a context not reset by final shows here), and against sha256sum on the files given as
 * arguments (77, skipped, if one is missing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/sha256.h"

static int failures;

static void hash_chunked(const char *msg, size_t len, size_t reps, size_t chunk, char hex[65])
{
    bt_sha256_ctx c;
    bt_sha256_init(&c);
    for (size_t r = 0; r < reps; r++)
        for (size_t off = 0; off < len; off += chunk)
            bt_sha256_update(&c, msg + off, len - off < chunk ? len - off : chunk);
    uint8_t d[32];
    bt_sha256_final(&c, d);
    bt_sha256_hex(d, hex);
}

static void check(const char *label, const char *msg, size_t len, size_t reps, const char *want)
{
    static const size_t chunks[] = {1, 3, 55, 56, 63, 64, 65, 1000, 1 << 20};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        char hex[65];
        hash_chunked(msg, len, reps, chunks[i], hex);
        if (strcmp(hex, want)) {
            printf("FAIL %s (chunks of %zu): got %s, want %s\n", label, chunks[i], hex, want);
            failures++;
            return;
        }
    }
    printf("ok   %s\n", label);
}

int main(int argc, char **argv)
{
    check("empty", "", 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", "abc", 3, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check("448-bit message", m448, strlen(m448), 1,
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *a = malloc(1000);
    memset(a, 'a', 1000);
    check("one million 'a'", a, 1000, 1000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
    /* Lengths around the padding boundary, where one or two final blocks are needed (sha256sum agrees). */
    check("55 x 'a'", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55, 1,
          "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    check("56 x 'a'", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56, 1,
          "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    /* The header promises final leaves the context ready for a new message. */
    bt_sha256_ctx c;
    uint8_t d[32];
    char h2[65];
    bt_sha256_init(&c);
    bt_sha256_update(&c, "abc", 3);
    bt_sha256_final(&c, d);
    bt_sha256_final(&c, d);
    bt_sha256_hex(d, h2);
    if (strcmp(h2, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")) {
        printf("FAIL context reused after final: got %s, want the empty message's digest\n", h2);
        failures++;
    } else {
        printf("ok   context reused after final\n");
    }
    for (int i = 1; i < argc; i++) {
        char cmd[4200], want[65] = "", hex[65];
        if (access(argv[i], R_OK) != 0) {
            printf("skip: %s is not there\n", argv[i]);
            return failures ? 1 : 77;
        }
        snprintf(cmd, sizeof cmd, "sha256sum '%s'", argv[i]);
        FILE *p = popen(cmd, "r");
        if (!p || fscanf(p, "%64s", want) != 1) {
            printf("FAIL cannot run %s\n", cmd);
            failures++;
        } else if (bt_sha256_file(argv[i], hex) < 0 || strcmp(hex, want)) {
            printf("FAIL %s: got %s, sha256sum says %s\n", argv[i], hex, want);
            failures++;
        } else {
            printf("ok   %s (same as sha256sum)\n", argv[i]);
        }
        if (p)
            pclose(p);
    }
    char hex[65];
    if (bt_sha256_file("/nonexistent/file", hex) == 0) {
        printf("FAIL a missing file hashed\n");
        failures++;
    }
    return failures ? 1 : 0;
}
