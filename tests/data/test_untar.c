/* SPDX-License-Identifier: MIT */
/* tools/untar.c (libarchive underneath) on archives built here byte by byte: the hostile shapes tar(1) will not
 * make on request. Each case asserts the exact message, so a libarchive that starts accepting one fails here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <zlib.h>

#include "tools/untar.h"

static int failures;
static char dir[512];

static void header(unsigned char h[512], const char *name, char type, const char *size_octal)
{
    memset(h, 0, 512);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    if (type == '1' || type == '2')   /* links point at the archive's first member */
        memcpy(h + 157, "d/a", 3);
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 124, size_octal, strlen(size_octal));
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

/* An archive being written: members go in one by one, gzip'd. */
static gzFile g;
static char path[600];

static const char *begin(const char *file)
{
    snprintf(path, sizeof path, "%s/%s", dir, file);
    g = gzopen(path, strstr(file, ".tgz") ? "wb" : "wT");   /* "T": written as it is, a plain .tar */
    return path;
}

/* A member of `size_octal` bytes whose first data_bytes are 'x' (data_bytes < size makes truncation), or
 * the NUL-terminated `data` padded with zeros. */
static void member(const char *name, char type, const char *size_octal, size_t data_bytes, const char *data,
                   int corrupt_sum)
{
    unsigned char h[512];
    header(h, name, type, size_octal);
    if (corrupt_sum)
        h[0] ^= 1;
    gzwrite(g, h, 512);
    char *d = calloc(1, data_bytes + 512);
    if (data)
        memcpy(d, data, strlen(data) + 1 < data_bytes ? strlen(data) + 1 : data_bytes);
    else
        memset(d, 'x', data_bytes);
    gzwrite(g, d, (unsigned)((data_bytes + 511) / 512 * 512));
    free(d);
}

static const char *end(int zero_blocks)
{
    unsigned char z[512] = {0};
    for (int i = 0; i < zero_blocks; i++)
        gzwrite(g, z, 512);
    gzclose(g);
    return path;
}

static const char *make(const char *file, const char *name, char type, const char *size_octal, size_t data_bytes,
                        int end_blocks, int corrupt_sum)
{
    begin(file);
    member(name, type, size_octal, data_bytes, NULL, corrupt_sum);
    return end(end_blocks);
}

/* A copy of src with `len` bytes at `off` overwritten with 0xff (or, len < 0, cut to `off` bytes). */
static const char *damage(const char *src, const char *file, long off, long len)
{
    static char out[600];
    snprintf(out, sizeof out, "%s/%s", dir, file);
    FILE *in = fopen(src, "rb"), *o = fopen(out, "wb");
    int c;
    for (long i = 0; (c = fgetc(in)) != EOF; i++) {
        if (len < 0 && i >= off)
            break;
        fputc(len > 0 && i >= off && i < off + len ? 0xff : c, o);
    }
    fclose(in);
    fclose(o);
    return out;
}

/* Walks the archive; returns the error text (or "" if it ended cleanly) and the last member seen. */
static const char *walk(const char *p, untar_member *last, long *bytes, int *members)
{
    static char err[600];
    untar *t = untar_open(p, 1 << 20);
    int r;
    *bytes = 0;
    *members = 0;
    while ((r = untar_next(t, last)) > 0) {
        ++*members;
        char buf[300];
        long n;
        while ((n = untar_read(t, buf, sizeof buf)) > 0)
            *bytes += n;
        if (n < 0) {
            r = -1;
            break;
        }
    }
    snprintf(err, sizeof err, "%s", r < 0 ? untar_error(t) : "");
    /* After an error every later call fails as well, with the same message. */
    if (r < 0 && (untar_next(t, last) != -1 || strcmp(err, untar_error(t)))) {
        printf("FAIL %s: untar_next after an error did not fail again the same way\n", p);
        failures++;
    }
    untar_close(t);
    return err;
}

/* The error must be exactly want_err ("" for a clean end). */
static void expect(const char *label, const char *p, const char *want_err)
{
    untar_member m;
    long n;
    int k;
    const char *e = walk(p, &m, &n, &k);
    if (strcmp(e, want_err)) {
        printf("FAIL %s: error '%s', wanted '%s'\n", label, e, want_err);
        failures++;
    } else {
        printf("ok   %s%s%s\n", label, e[0] ? ": " : "", e);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/bitern-untar-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    untar_member m;
    long n;
    int k;
    char good[600];
    snprintf(good, sizeof good, "%s", make("good.tgz", "d/file.bin", '0', "00000001750", 1000, 2, 0));
    const char *e = walk(good, &m, &n, &k);
    if (e[0] || n != 1000 || k != 1 || strcmp(m.name, "d/file.bin") || m.type != '0' || m.size != 1000) {
        printf("FAIL good archive: err '%s', %d members, %ld bytes, name %s type %c\n", e, k, n, m.name, m.type);
        failures++;
    } else {
        printf("ok   good archive: d/file.bin, 1000 bytes\n");
    }
    begin("plain.tar");
    member("d/file.bin", '0', "1750", 1000, NULL, 0);
    e = walk(end(2), &m, &n, &k);
    if (e[0] || n != 1000 || k != 1) {
        printf("FAIL plain tar: err '%s', %d members, %ld bytes\n", e, k, n);
        failures++;
    } else {
        printf("ok   plain (not gzip'd) tar: d/file.bin, 1000 bytes\n");
    }
    /* One member each: name, size field, data bytes actually there, zero blocks at the end, a broken checksum.
     * The first header decides whether libarchive sees a tar at all; a later bad one is "damaged" (below). */
    static const struct {
        const char *label, *name, *size;
        size_t data;
        int end, bad_sum;
        const char *want;
    } one[] = {
        {"dot-dot component", "d/../../etc/x", "1", 1, 2, 0,
         "member 'd/../../etc/x' has an absolute or '..' path: refusing the archive"},
        {"leading dot-dot", "../x", "1", 1, 2, 0, "member '../x' has an absolute or '..' path: refusing the archive"},
        {"empty name", "", "1", 1, 2, 0, "a member has an empty name: refusing the archive"},
        {"absolute name", "/etc/passwd", "1", 1, 2, 0,
         "member '/etc/passwd' has an absolute or '..' path: refusing the archive"},
        {"8 GiB member", "d/big", "77777777777", 0, 2, 0,
         "member 'd/big' claims 8589934591 bytes, more than the 1048576 allowed"},
        {"member one byte over the cap", "d/big", "4000001", 0, 2, 0,
         "member 'd/big' claims 1048577 bytes, more than the 1048576 allowed"},
        {"size not octal", "d/f", "12a", 0, 2, 0, "not readable as a tar or tar.gz: Unrecognized archive format"},
        {"bad checksum", "d/f", "1", 1, 2, 1, "not readable as a tar or tar.gz: Unrecognized archive format"},
        {"truncated data", "d/f", "00000004000", 100, 0, 0, "reading a member: Truncated tar archive"},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        char file[32];
        snprintf(file, sizeof file, "one%zu.tgz", i);
        expect(one[i].label, make(file, one[i].name, '0', one[i].size, one[i].data, one[i].end, one[i].bad_sum),
               one[i].want);
    }
    begin("sum2.tgz");
    member("d/a", '0', "1", 1, NULL, 0);
    member("d/b", '0', "1", 1, NULL, 1);
    expect("bad checksum on the second member", end(2), "reading a tar header: Damaged tar archive");
    /* Stopping between members is an end, as for tar(1): data_download's "has no member" check and the
     * hashes catch a tarball cut there. */
    e = walk(make("noend.tgz", "d/f", '0', "1", 1, 0, 0), &m, &n, &k);
    if (e[0] || k != 1 || n != 1) {
        printf("FAIL no end marker: err '%s', %d members, %ld bytes; wanted a clean end after 1 member\n", e, k, n);
        failures++;
    } else {
        printf("ok   no end marker: a clean end after the one whole member\n");
    }
    /* The gzip stream itself: a member of 256 KiB of random letters, so that damage lands inside its Huffman-
     * coded data, well past the header libarchive sniffs at open. */
    enum { BIG = 1 << 18 };
    char *big = malloc(BIG + 1);
    uint32_t x = 12345;
    for (int i = 0; i < BIG; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (char)('a' + (x >> 24) % 16);
    }
    big[BIG] = '\0';
    begin("big.tgz");
    member("d/big", '0', "1000000", 0, NULL, 0);
    /* A full flush halfway: the next deflate block starts on a byte we know, whichever zlib compresses. */
    gzwrite(g, big, BIG / 2);
    gzflush(g, Z_FULL_FLUSH);
    long block = (long)gzoffset(g);
    gzwrite(g, big + BIG / 2, BIG / 2);
    char bigp[600];
    snprintf(bigp, sizeof bigp, "%s", end(2));
    free(big);
    e = walk(bigp, &m, &n, &k);
    if (e[0] || n != BIG) {
        printf("FAIL big archive: err '%s', %ld bytes\n", e, n);
        failures++;
    }
    /* 0xff there: a block of deflate's reserved type 3, which zlib refuses (libarchive does not pass on why). */
    expect("corrupt deflate data", damage(bigp, "deflate.tgz", block, 64), "reading a member: gzip decompression failed");
    expect("gzip stream cut inside a member", damage(bigp, "cut.tgz", block, -1),
           "reading a member: truncated gzip input");
    /* libarchive does not check the gzip trailer's CRC-32 (zlib's gzread did): a flipped CRC reads cleanly.
     * Harmless for `bitern data`, which checks every member it keeps against its SHA-256 (data_cli_download_corrupt
     * has a member with the wrong bytes), but pinned here so that the difference stays known. */
    {
        FILE *f = fopen(bigp, "rb");
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fclose(f);
        expect("flipped gzip CRC-32 (not checked by libarchive)", damage(bigp, "crc.tgz", sz - 8, 4), "");
    }
    expect("gzip stream cut before the first header", damage(good, "cut0.tgz", 30, -1),
           "not readable as a tar or tar.gz: truncated gzip input");
    expect("not gzip, not tar", damage(good, "junk.tgz", 0, 600),
           "not readable as a tar or tar.gz: Unrecognized archive format");
    expect("empty file", damage(good, "empty.tgz", 0, -1), "not readable as a tar or tar.gz: Unrecognized archive format");
    expect("missing file", "/nonexistent/x.tgz",
           "cannot open: No such file or directory");
    /* Names longer than the 255 bytes untar_member holds are refused, never cut (a cut name could match a
     * member the caller wants): a GNU long-name record makes one. */
    char longname[400];
    memset(longname, 'a', 300);
    memcpy(longname, "d/", 2);
    longname[300] = '\0';
    begin("long.tgz");
    member("././@LongLink", 'L', "455", 301, longname, 0);
    member("d/short", '0', "1", 1, NULL, 0);
    char want[600];
    snprintf(want, sizeof want, "member '%.200s...' has a name of 300 bytes, more than the 255 allowed", longname);
    expect("300-byte name", end(2), want);
    /* A symlink and a hard link are reported as such, with no data: the caller refuses to extract them. */
    e = walk(make("link.tgz", "d/link", '2', "0", 0, 2, 0), &m, &n, &k);
    if (e[0] || m.type != '2' || n != 0) {
        printf("FAIL symlink member: err '%s', type %c, %ld bytes\n", e, m.type, n);
        failures++;
    } else {
        printf("ok   symlink member reported as type 2\n");
    }
    begin("hard.tgz");
    member("d/a", '0', "1", 1, NULL, 0);
    member("d/b", '1', "0", 0, NULL, 0);
    e = walk(end(2), &m, &n, &k);
    if (e[0] || k != 2 || m.type != '1' || strcmp(m.name, "d/b")) {
        printf("FAIL hard link member: err '%s', %d members, last %s type %c\n", e, k, m.name, m.type);
        failures++;
    } else {
        printf("ok   hard link member reported as type 1\n");
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return failures ? 1 : 0;
}
