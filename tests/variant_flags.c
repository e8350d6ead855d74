/* SPDX-License-Identifier: MIT */
/* Prints every variant compiled into this program: op, variant name, the CPU flags it declares (by name), and
 * its entry point as an offset from main's, which tests/isa_check.py turns into a symbol with nm and then
 * disassembles. */
#include <stdint.h>
#include <stdio.h>

#include "internal.h"

int main(void)
{
    const bitern_variant *v[512];
    size_t n = bitern_all_variants(v, 512);
    for (size_t i = 0; i < n && i < 512; i++) {
        printf("%s %s %lld", bitern_op_name(v[i]->op), v[i]->name,
               (long long)((intptr_t)v[i]->fn - (intptr_t)(void *)main));
        for (unsigned b = 0; b < 32; b++) {
            const char *f = bitern_cpu_flag_name(b);
            if (v[i]->flags & (1u << b))
                printf(" %s", f && *f ? f : "?");   /* a flag without a name: isa_check.py allows it nothing */
        }
        printf("\n");
    }
    return n ? 0 : 1;
}
