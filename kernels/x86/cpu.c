/* SPDX-License-Identifier: MIT */
/*
 * x86-64 feature detection: CPUID says what the CPU implements, XGETBV says whether the OS saves the wider
 * registers on a context switch. Both must agree before a level is used: a CPU with AVX-512 under an OS (or a
 * hypervisor) that does not enable ZMM state faults on the first 512-bit instruction.
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* XGETBV(0) reads XCR0. Written as an instruction so that this file needs no -mxsave. */
static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

unsigned bitern_detect_cpu(void)
{
    unsigned a, b, c, d, flags = 0;
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return 0;
    unsigned max_leaf = a;

    __cpuid(1, a, b, c, d);
    const unsigned ecx1 = c;
    if (ecx1 & (1u << 23)) /* CPUID.1:ECX.POPCNT[bit 23] */
        flags |= BITERN_CPU_X86_POPCNT;

    /* CPUID.1:ECX.OSXSAVE[bit 27]: XGETBV is usable, the OS manages extended state. */
    if (!(ecx1 & (1u << 27)) || max_leaf < 7)
        return flags;
    const uint64_t xcr0 = xgetbv0();
    /* XCR0 bits 1 (SSE/XMM) and 2 (AVX/YMM upper halves). */
    const int os_ymm = (xcr0 & 0x6) == 0x6;
    /* ... plus 5 (opmask k0-k7), 6 (ZMM0-15 upper halves), 7 (ZMM16-31): 0xe6 all together. */
    const int os_zmm = (xcr0 & 0xe6) == 0xe6;

    __cpuid_count(7, 0, a, b, c, d);
    const unsigned ebx7 = b, ecx7 = c;

    const int avx = ecx1 & (1u << 28);      /* CPUID.1:ECX.AVX[28] */
    const int fma = ecx1 & (1u << 12);      /* CPUID.1:ECX.FMA[12] */
    const int bmi1 = ebx7 & (1u << 3);      /* CPUID.7.0:EBX.BMI1[3] */
    const int avx2 = ebx7 & (1u << 5);      /* CPUID.7.0:EBX.AVX2[5] */
    const int bmi2 = ebx7 & (1u << 8);      /* CPUID.7.0:EBX.BMI2[8] */
    if (os_ymm && avx && avx2 && fma && bmi1 && bmi2 && (flags & BITERN_CPU_X86_POPCNT))
        flags |= BITERN_CPU_X86_AVX2;

    /* AVX-512 F[16], DQ[17], CD[28], BW[30], VL[31] of CPUID.7.0:EBX: the Skylake-X set, our baseline for 512. */
    const unsigned avx512_base = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    if (os_zmm && (flags & BITERN_CPU_X86_AVX2) && (ebx7 & avx512_base) == avx512_base) {
        flags |= BITERN_CPU_X86_AVX512;
        if (ecx7 & (1u << 1)) /* CPUID.7.0:ECX.AVX512_VBMI[1] */
            flags |= BITERN_CPU_X86_AVX512_VBMI;
        if (ecx7 & (1u << 11)) /* CPUID.7.0:ECX.AVX512_VNNI[11] */
            flags |= BITERN_CPU_X86_AVX512_VNNI;
        if (ecx7 & (1u << 12)) /* CPUID.7.0:ECX.AVX512_BITALG[12] */
            flags |= BITERN_CPU_X86_AVX512_BITALG;
        if (ecx7 & (1u << 14)) /* CPUID.7.0:ECX.AVX512_VPOPCNTDQ[14] */
            flags |= BITERN_CPU_X86_AVX512_VPOPCNTDQ;
    }
    return flags;
}

/* The brand string of CPUID leaves 0x80000002..4, trimmed. */
void bitern_detect_cpu_name(char *buf, size_t len)
{
    unsigned r[12], a, b, c, d;
    if (!len)
        return;
    buf[0] = '\0';
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000004u)
        return;
    for (unsigned i = 0; i < 3; i++)
        __cpuid(0x80000002u + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
    char s[49];
    memcpy(s, r, 48);
    s[48] = '\0';
    const char *p = s;
    while (*p == ' ')
        p++;
    size_t n = strlen(p);
    while (n && p[n - 1] == ' ')
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

/* Vendor, display family, model and stepping (CPUID leaf 0 and 1): what a tuned profile is keyed by. */
void bitern_detect_cpu_id(char *buf, size_t len)
{
    unsigned a, b, c, d;
    if (!len)
        return;
    snprintf(buf, len, "x86-unknown");
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return;
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    __cpuid(1, a, b, c, d);
    unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf, stepping = a & 0xf;
    if (family == 0xf)
        family += (a >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf)
        model |= ((a >> 16) & 0xf) << 4;
    snprintf(buf, len, "%s-%u-%u-%u", vendor, family, model, stepping);
}
