/* SPDX-License-Identifier: MIT */
#include "tools/openblas_core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

const char *bitern_openblas_core_for_cpu(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
        unsigned a, b, c, d;   /* AVX512_BF16: CPUID.(7,1):EAX[5] */
        if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5)))
            return "Cooperlake";
        return "SkylakeX";
    }
    if (__builtin_cpu_supports("avx2"))
        return "Haswell";
#endif
    return NULL;
}

void bitern_openblas_reexec(const char *who)
{
    if (getenv("OPENBLAS_CORETYPE") || getenv("BITERN_NO_REEXEC"))
        return;
    const char *core = bitern_openblas_core_for_cpu();
    if (!core)
        return;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    ssize_t got;
    while (buf && (got = read(fd, buf + n, cap - n)) > 0)
        n += (size_t)got;
    close(fd);
    if (!buf || n == 0 || n == cap) {   /* no command line, or one too long to trust: keep OpenBLAS's choice */
        free(buf);
        return;
    }
    buf[n] = 0;
    size_t argc = 0;
    for (size_t i = 0; i < n; i++)
        argc += buf[i] == 0;
    char **argv = calloc(argc + 1, sizeof(char *));
    if (!argv) {
        free(buf);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n && k < argc; i += strlen(buf + i) + 1)
        argv[k++] = buf + i;
    setenv("OPENBLAS_CORETYPE", core, 1);
    fflush(NULL);
    execv("/proc/self/exe", argv);
    fprintf(stderr, "%s: warning: re-exec with OPENBLAS_CORETYPE=%s failed (%s); continuing with OpenBLAS's own "
                    "choice\n", who, core, strerror(errno));
    free(argv);
    free(buf);
}
