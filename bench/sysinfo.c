// SPDX-License-Identifier: MIT
// What the results depend on: cache sizes (they size the roofline buffers), features, and OpenBLAS's core type.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "bench.h"
#include "tools/openblas_core.h"

// /sys/devices/system/cpu/cpu0/cache/indexN: sysconf returns 0 on some libcs and in some containers.
static size_t sys_cache_size(int level)
{
    for (int i = 0; i < 8; i++) {
        char path[96], buf[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        FILE *f = fopen(path, "r");
        if (!f)
            break;
        int lv = 0;
        if (fscanf(f, "%d", &lv) != 1)
            lv = 0;
        fclose(f);
        if (lv != level)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        f = fopen(path, "r");
        if (!f || !fgets(buf, sizeof buf, f)) {
            if (f)
                fclose(f);
            continue;
        }
        fclose(f);
        if (!strncmp(buf, "Instruction", 11))
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        f = fopen(path, "r");
        if (!f)
            continue;
        unsigned long v = 0;
        char unit = 0;
        int got = fscanf(f, "%lu%c", &v, &unit);
        fclose(f);
        if (got >= 1)
            return v * (unit == 'K' ? 1024ul : unit == 'M' ? 1048576ul : 1ul);
    }
    return 0;
}

size_t bb_cache_size(int level)
{
    long v = 0;
#if defined(_SC_LEVEL1_DCACHE_SIZE)
    v = sysconf(level == 1 ? _SC_LEVEL1_DCACHE_SIZE : level == 2 ? _SC_LEVEL2_CACHE_SIZE : _SC_LEVEL3_CACHE_SIZE);
#endif
    size_t s = v > 0 ? (size_t)v : sys_cache_size(level);
    if (s)
        return s;
    // No L3 (or no answer): a guess that still separates the levels.
    return level == 1 ? 32u << 10 : level == 2 ? 1u << 20 : 32u << 20;
}

const char *bb_cpu_name(void)
{
    static char name[128];
    if (*bitern_cpu_name())
        return bitern_cpu_name();
    if (!name[0]) {
        snprintf(name, sizeof name, "unknown");
        FILE *f = fopen("/proc/cpuinfo", "r");
        char line[256];
        while (f && fgets(line, sizeof line, f)) {
            char *colon = strchr(line, ':');
            // x86 says "model name", some Arm kernels only "CPU part": the first is enough for a record
            if (colon && !strncmp(line, "model name", 10)) {
                snprintf(name, sizeof name, "%s", colon + 2);
                name[strcspn(name, "\n")] = '\0';
                break;
            }
        }
        if (f)
            fclose(f);
    }
    return name;
}

int bb_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

unsigned bb_machine_flags(void)
{
    unsigned f = bitern_cpu_flags();
#if defined(__x86_64__)
    if (!f) { // a -Dsimd=false build: ask the compiler's runtime (it checks XGETBV for AVX/AVX-512 too)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("popcnt"))
            f |= BITERN_CPU_X86_POPCNT;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            f |= BITERN_CPU_X86_AVX2;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
            f |= BITERN_CPU_X86_AVX512;
        if (__builtin_cpu_supports("avx512vpopcntdq"))
            f |= BITERN_CPU_X86_AVX512_VPOPCNTDQ;
        if (__builtin_cpu_supports("avx512vnni"))
            f |= BITERN_CPU_X86_AVX512_VNNI;
    }
#endif
    return f;
}

void bb_feature_string(char *buf, size_t len)
{
    unsigned f = bb_machine_flags();
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned b = 0; bitern_cpu_flag_name(b); b++)
        if ((f >> b) & 1 && *bitern_cpu_flag_name(b))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? " " : "",
                                     bitern_cpu_flag_name(b));
#if defined(__x86_64__)
    // Extras bitern does not dispatch on but that explain a result (AMX, AVX-VNNI, BF16).
    unsigned a, bx, c, d;
    if (__get_cpuid_count(7, 1, &a, &bx, &c, &d)) {
        if (a & (1u << 4))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, " avx_vnni");
        if (a & (1u << 5))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, " avx512_bf16");
    }
    if (__get_cpuid_count(7, 0, &a, &bx, &c, &d) && (d & (1u << 25)))
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, " amx_int8");
#endif
    if (!buf[0])
        snprintf(buf, len, "none");
}

// The one choice of OpenBLAS core, the commands' (tools/openblas_core.c), where OpenBLAS is linked at all.
void bb_openblas_reexec(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (bb_have_openblas())
        bitern_openblas_reexec("bitern-bench");
}
