/* SPDX-License-Identifier: MIT */
/* The tune profile parser (kernels/tune.c, what dispatch reads from $XDG_CACHE_HOME/bitern/). Input: the file's
 * bytes. Whatever it returns, every choice it filled must be a real variant of the op it is filed under, and a
 * refusal must say why in a terminated string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    const bitern_variant *choice[BITERN_OP_COUNT] = {0};
    char err[400];
    memset(err, 'x', sizeof err);
    const char *why = bitern_tune_parse(f, choice, err, sizeof err);
    fclose(f);
    if (why && !memchr(why, 0, why == err ? sizeof err : 4096))
        abort();
    for (int op = 0; op < BITERN_OP_COUNT; op++)
        if (choice[op] && ((int)choice[op]->op != op || !choice[op]->fn || !choice[op]->name))
            abort();
    return 0;
}
