/* SPDX-License-Identifier: MIT */
/* The compare results folder's state files (compare/run_folder.c: the manifest and the unfinished-run marker).
 * Input: the file's text. What is accepted must be what the writer could have written: printed back by the same
 * rules and parsed again, it gives the same entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "compare/run_folder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cmp_folder a, b;
    char err[160];
    if (cmp_folder_parse((const char *)data, size, &a, err, sizeof err) < 0) {
        if (!err[0])
            abort();   /* every refusal says why */
        return 0;
    }
    if (a.n < 0 || a.n > CMP_FOLDER_MAX_FILES || !a.kind[0])
        abort();
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    fprintf(m, "bitern-compare-folder 1 %s\n", a.kind);
    if (a.config[0])
        fprintf(m, "config %s\n", a.config);
    for (int i = 0; i < a.n; i++) {
        if (!a.f[i].name[0] || strchr(a.f[i].name, '/') || strchr(a.f[i].name, ' '))
            abort();
        fprintf(m, "file %s %llu %016llx\n", a.f[i].name, (unsigned long long)a.f[i].size,
                (unsigned long long)a.f[i].hash);
    }
    fclose(m);
    if (cmp_folder_parse(buf, n, &b, err, sizeof err) < 0 || b.n != a.n || strcmp(a.kind, b.kind) ||
        strcmp(a.config, b.config))
        abort();
    for (int i = 0; i < a.n; i++)
        if (strcmp(a.f[i].name, b.f[i].name) || a.f[i].size != b.f[i].size || a.f[i].hash != b.f[i].hash)
            abort();
    free(buf);
    return 0;
}
