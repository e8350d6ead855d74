/* SPDX-License-Identifier: MIT */
/*
 * AArch64 feature detection. The kernel reports what the CPU implements and it enables in the auxiliary vector
 * (AT_HWCAP): unlike reading ID registers, this works on every Linux AArch64 system without trapping and reflects
 * what user space may actually execute.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getauxval */
#endif
#include <asm/hwcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "internal.h"

#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif

unsigned bitern_detect_cpu(void)
{
    const unsigned long hw = getauxval(AT_HWCAP);
    unsigned flags = 0;
    /* HWCAP_ASIMD, bit 1: Advanced SIMD (NEON). Architecturally part of every Armv8-A CPU that runs Linux, but a
     * kernel can hide it, so it is still checked. */
    if (hw & HWCAP_ASIMD)
        flags |= BITERN_CPU_ARM_NEON;
    /* HWCAP_ASIMDDP, bit 20: the dot-product instructions SDOT/UDOT (FEAT_DotProd, Armv8.2 optional, 8.4
     * mandatory). Only meaningful on top of Advanced SIMD. */
    if ((hw & HWCAP_ASIMDDP) && (flags & BITERN_CPU_ARM_NEON))
        flags |= BITERN_CPU_ARM_DOTPROD;
    return flags;
}

/* MIDR_EL1 fields: implementer [31:24], part number [15:4]. Names of the common cores; others get numbers. */
typedef struct {
    unsigned implementer, part;
    const char *name;
} arm_part;

static const arm_part known_parts[] = {
    {0x41, 0xd03, "Arm Cortex-A53"},        {0x41, 0xd04, "Arm Cortex-A35"},  {0x41, 0xd05, "Arm Cortex-A55"},
    {0x41, 0xd07, "Arm Cortex-A57"},        {0x41, 0xd08, "Arm Cortex-A72"},  {0x41, 0xd09, "Arm Cortex-A73"},
    {0x41, 0xd0a, "Arm Cortex-A75"},        {0x41, 0xd0b, "Arm Cortex-A76"},  {0x41, 0xd0c, "Arm Neoverse N1"},
    {0x41, 0xd0d, "Arm Cortex-A77"},        {0x41, 0xd40, "Arm Neoverse V1"}, {0x41, 0xd41, "Arm Cortex-A78"},
    {0x41, 0xd44, "Arm Cortex-X1"},         {0x41, 0xd46, "Arm Cortex-A510"}, {0x41, 0xd47, "Arm Cortex-A710"},
    {0x41, 0xd48, "Arm Cortex-X2"},         {0x41, 0xd49, "Arm Neoverse N2"}, {0x41, 0xd4b, "Arm Cortex-A78C"},
    {0x41, 0xd4d, "Arm Cortex-A715"},       {0x41, 0xd4e, "Arm Cortex-X3"},   {0x41, 0xd4f, "Arm Neoverse V2"},
    {0x41, 0xd80, "Arm Cortex-A520"},       {0x41, 0xd81, "Arm Cortex-A720"}, {0x41, 0xd82, "Arm Cortex-X4"},
    {0x41, 0xd84, "Arm Neoverse V3"},       {0x41, 0xd8e, "Arm Neoverse N3"}, {0x46, 0x001, "Fujitsu A64FX"},
    {0x48, 0xd01, "HiSilicon Kunpeng 920"}, {0xc0, 0xac3, "AmpereOne"},
};

static const char *implementer_name(unsigned implementer)
{
    switch (implementer) {
    case 0x41:
        return "Arm";
    case 0x42:
        return "Broadcom";
    case 0x43:
        return "Cavium";
    case 0x46:
        return "Fujitsu";
    case 0x48:
        return "HiSilicon";
    case 0x4e:
        return "NVIDIA";
    case 0x50:
        return "Applied Micro";
    case 0x51:
        return "Qualcomm";
    case 0x61:
        return "Apple";
    case 0x6d:
        return "Microsoft";
    case 0xc0:
        return "Ampere";
    default:
        return NULL;
    }
}

/* The value after the colon of a "key : value" line of /proc/cpuinfo, parsed as a number (0x... or decimal). */
static int cpuinfo_field(const char *line, const char *key, unsigned *out)
{
    const size_t n = strlen(key);
    if (strncmp(line, key, n) != 0)
        return 0;
    const char *colon = strchr(line + n, ':');
    if (!colon)
        return 0;
    char *end;
    const unsigned long v = strtoul(colon + 1, &end, 0);
    if (end == colon + 1)
        return 0;
    *out = (unsigned)v;
    return 1;
}

/* Implementer and part of the first CPU: /proc/cpuinfo, else the MIDR_EL1 the kernel exports in sysfs. */
static int read_midr(unsigned *implementer, unsigned *part)
{
    int have_impl = 0, have_part = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while ((!have_impl || !have_part) && fgets(line, sizeof line, f)) {
            if (!have_impl)
                have_impl = cpuinfo_field(line, "CPU implementer", implementer);
            if (!have_part)
                have_part = cpuinfo_field(line, "CPU part", part);
        }
        fclose(f);
    }
    if (have_impl && have_part)
        return 1;
    f = fopen("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1", "r");
    if (f) {
        unsigned long long midr;
        const int ok = fscanf(f, "%llx", &midr) == 1;
        fclose(f);
        if (ok) {
            *implementer = (unsigned)(midr >> 24) & 0xff;
            *part = (unsigned)(midr >> 4) & 0xfff;
            return 1;
        }
    }
    return 0;
}

void bitern_detect_cpu_name(char *buf, size_t len)
{
    unsigned implementer = 0, part = 0;
    if (!len)
        return;
    buf[0] = '\0';
    if (!read_midr(&implementer, &part))
        return;
    for (size_t i = 0; i < sizeof known_parts / sizeof known_parts[0]; i++) {
        if (known_parts[i].implementer == implementer && known_parts[i].part == part) {
            snprintf(buf, len, "%s", known_parts[i].name);
            return;
        }
    }
    const char *vendor = implementer_name(implementer);
    if (vendor)
        snprintf(buf, len, "%s part 0x%03x", vendor, part);
    else
        snprintf(buf, len, "implementer 0x%02x part 0x%03x", implementer, part);
}

/* Implementer, part (MIDR): what a tuned profile is keyed by. */
void bitern_detect_cpu_id(char *buf, size_t len)
{
    unsigned implementer = 0, part = 0;
    if (!len)
        return;
    if (read_midr(&implementer, &part))
        snprintf(buf, len, "arm-0x%02x-0x%03x", implementer, part);
    else
        snprintf(buf, len, "arm-unknown");
}
