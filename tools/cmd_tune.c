/* SPDX-License-Identifier: MIT */
/* `bitern tune`: times every runnable variant of each dot/gemv/gemm op on this CPU and writes the per-CPU profile
 * that the dispatch then follows (kernels/tune.c describes the file and when it is trusted). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bitern.h>
#include "tools/commands.h"
#include "model/serial.h"
#include "model/util.h"

/* mkdir -p of the directories above path. */
static int make_parents(char *path)
{
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        int bad = mkdir(path, 0777) && errno != EEXIST;
        int e = errno;
        *p = '/';
        if (bad) {
            fprintf(stderr, "bitern tune: cannot create the directory of %s: %s\n", path, strerror(e));
            return 1;
        }
    }
    return 0;
}

int bitern_cmd_tune(int argc, char **argv)
{
    int quick = 0, print = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--print"))
            print = 1;
        else if (!strcmp(argv[i], "--version")) {
            printf("bitern %s\n", bitern_version());
            return 0;
        }
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: bitern tune [--quick] [--print]\n"
                   "Times every variant this CPU can run of each dot, gemv and gemm op (in L1/L2, in L3, streamed\n"
                   "from DRAM, and a GEMM), and writes the fastest of each to this CPU's profile,\n"
                   "$XDG_CACHE_HOME/bitern/tune-<cpu>.txt (~/.cache/bitern without XDG_CACHE_HOME), atomically.\n"
                   "Later runs dispatch to those variants; BITERN_TUNE=off ignores the profile, BITERN_ISA still\n"
                   "caps the level. --quick: small shapes, short samples (seconds; for tests). --print: write the\n"
                   "profile to stdout instead. Takes a minute or two; run it on an otherwise idle machine.\n");
            return 0;
        } else {
            fprintf(stderr, "bitern tune: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    char path[512];
    if (!print && bitern_tune_path(path, sizeof path) != BITERN_OK) {
        fprintf(stderr, "bitern tune: %s\n", bitern_last_error());
        return 1;
    }
    /* Before the minute of timing: the directory exists and the profile can be written there. */
    if (!print && (make_parents(path) || bm_check_writable("profile", path, 1))) {
        if (bm_error()[0])
            fprintf(stderr, "bitern tune: %s\n", bm_error());
        return 1;
    }
    char *text = NULL;
    if (bitern_tune_measure(quick, 1, &text) != BITERN_OK) {
        fprintf(stderr, "bitern tune: %s\n", bitern_last_error());
        return 1;
    }
    if (print) {
        fputs(text, stdout);
        free(text);
        return 0;
    }
    const void *parts[1] = { text };
    size_t lens[1] = { strlen(text) };
    if (bm_write_file_atomic(path, parts, lens, 1)) {
        if (bm_error()[0])
            fprintf(stderr, "bitern tune: %s\n", bm_error());
        free(text);
        return 1;
    }
    free(text);
    printf("bitern tune: wrote %s\n", path);
    return 0;
}
