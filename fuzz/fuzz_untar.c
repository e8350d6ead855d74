/* SPDX-License-Identifier: MIT */
/*
 * `bitern data download`'s tarball reader (tools/untar.c over libarchive). Input: a .tar.gz or a .tar. Checks
 * what the reader promises its caller: no member name is empty, absolute or has a ".." component, none is over
 * the size cap, and a regular member that reads to its end gave exactly the bytes its header said.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "tools/untar.h"

#define CAP (1u << 20)

/* Written differently from untar.c's check on purpose: an independent oracle. */
static int has_dotdot(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 || strstr(name, "/../") ||
           (n >= 3 && strcmp(name + n - 3, "/..") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    untar *t = untar_open(fz_file(0, data, size), CAP);
    if (!t)
        return 0;
    untar_member m;
    static char buf[4096];
    int r;
    while ((r = untar_next(t, &m)) > 0) {
        if (!m.name[0] || m.name[0] == '/' || has_dotdot(m.name) || m.size > CAP || strlen(m.name) > 255)
            abort();
        uint64_t got = 0;
        long n;
        while ((n = untar_read(t, buf, sizeof buf)) > 0)
            got += (uint64_t)n;
        if (n < 0)
            break;
        if (m.type == '0' && got != m.size)
            abort();
    }
    /* Every failure says what it was. */
    if ((r < 0 || untar_next(t, &m) < 0) && !untar_error(t)[0])
        abort();
    untar_close(t);
    return 0;
}
