/* SPDX-License-Identifier: MIT */
/* tools/untar.c on archives built here byte by byte: the hostile shapes tar(1) will not make on request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "untar.h"

static int failures;
static char dir[512];

static void header(unsigned char h[512], const char *name, char type, const char *size_octal)
{
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
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

/* One member of `size` bytes of 'x' (only `data_bytes` actually written, to make truncation). */
static const char *make(const char *file, const char *name, char type, const char *size_octal, size_t data_bytes,
                        int end, int corrupt_sum)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    gzFile g = gzopen(path, "wb");
    unsigned char h[512];
    header(h, name, type, size_octal);
    if (corrupt_sum)
        h[0] ^= 1;
    gzwrite(g, h, 512);
    char *d = calloc(1, data_bytes + 512);
    memset(d, 'x', data_bytes);
    gzwrite(g, d, (unsigned)((data_bytes + 511) / 512 * 512));
    free(d);
    if (end) {
        memset(h, 0, 512);
        gzwrite(g, h, 512);
        gzwrite(g, h, 512);
    }
    gzclose(g);
    return path;
}

/* Walks the archive; returns the error text (or "" if it ended cleanly) and the last member seen. */
static const char *walk(const char *path, untar_member *last, long *bytes)
{
    static char err[600];
    untar *t = untar_open(path, 1 << 20);
    int r;
    *bytes = 0;
    while ((r = untar_next(t, last)) > 0) {
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
    untar_close(t);
    return err;
}

static void expect(const char *label, const char *path, const char *want_err)
{
    untar_member m;
    long n;
    const char *e = walk(path, &m, &n);
    if (want_err ? !strstr(e, want_err) : e[0] != '\0') {
        printf("FAIL %s: error '%s', wanted %s%s\n", label, e, want_err ? "one containing " : "none",
               want_err ? want_err : "");
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
    const char *e = walk(make("good.tgz", "d/file.bin", '0', "00000001750", 1000, 1, 0), &m, &n);
    if (e[0] || n != 1000 || strcmp(m.name, "d/file.bin") || m.type != '0') {
        printf("FAIL good archive: err '%s', %ld bytes, name %s type %c\n", e, n, m.name, m.type);
        failures++;
    } else {
        printf("ok   good archive: d/file.bin, 1000 bytes\n");
    }
    expect("dot-dot component", make("dotdot.tgz", "d/../../etc/x", '0', "1", 1, 1, 0), "'..' path");
    expect("leading dot-dot", make("dotdot2.tgz", "../x", '0', "1", 1, 1, 0), "'..' path");
    expect("absolute name", make("abs.tgz", "/etc/passwd", '0', "1", 1, 1, 0), "absolute");
    expect("8 GiB member", make("huge.tgz", "d/big", '0', "77777777777", 0, 1, 0), "more than");
    expect("size not octal", make("badsize.tgz", "d/f", '0', "12a", 0, 1, 0), "malformed member size");
    expect("bad checksum", make("sum.tgz", "d/f", '0', "1", 1, 1, 1), "checksum");
    expect("truncated data", make("trunc.tgz", "d/f", '0', "00000004000", 100, 0, 0), "truncated");
    expect("no end marker", make("noend.tgz", "d/f", '0', "1", 1, 0, 0), "truncated");
    /* A symlink is reported as such (type '2') with no data: the caller refuses to extract it. */
    e = walk(make("link.tgz", "d/link", '2', "0", 0, 1, 0), &m, &n);
    if (e[0] || m.type != '2' || n != 0) {
        printf("FAIL symlink member: err '%s', type %c, %ld bytes\n", e, m.type, n);
        failures++;
    } else {
        printf("ok   symlink member reported as type 2\n");
    }
    expect("not a tar header", make("plain.gz", "", 0, "", 600, 1, 1), "checksum");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return failures ? 1 : 0;
}
