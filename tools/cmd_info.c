/* SPDX-License-Identifier: MIT */
/* `bitern info`: what this CPU has, and which variant of each op the dispatch picked and which exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bitern.h>
#include "tools/commands.h"

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void print_flags(unsigned flags, int json)
{
    int first = 1;
    for (unsigned b = 0; bitern_cpu_flag_name(b); b++)
        if ((flags >> b) & 1) {
            if (json) {
                printf(first ? "" : ", ");
                json_str(bitern_cpu_flag_name(b));
            } else {
                printf(" %s", bitern_cpu_flag_name(b));
            }
            first = 0;
        }
}

int bitern_cmd_info(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--version")) {
            printf("bitern %s\n", bitern_version());
            return 0;
        }
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: bitern info [--json]\n"
                   "Prints the CPU, its detected features, the ISA level in use (BITERN_ISA caps it) and, for each\n"
                   "op, the variant the dispatch picked, why (the tune profile, or the rank of the cascade) and every\n"
                   "variant compiled in.\n");
            return 0;
        } else {
            fprintf(stderr, "bitern info: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    if (bitern_init() != BITERN_OK) {
        fprintf(stderr, "bitern info: %s\n", bitern_last_error());
        return 1;
    }
    size_t n = bitern_variants(NULL, 0);
    bitern_variant_info *v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        fprintf(stderr, "bitern info: out of memory\n");
        return 1;
    }
    bitern_variants(v, n);

    if (json) {
        printf("{\n  \"version\": ");
        json_str(bitern_version());
        printf(",\n  \"cpu\": ");
        json_str(bitern_cpu_name());
        printf(",\n  \"features\": [");
        print_flags(bitern_cpu_flags(), 1);
        printf("],\n  \"active_features\": [");
        print_flags(bitern_active_flags(), 1);
        printf("],\n  \"isa\": ");
        json_str(bitern_isa_name());
        printf(",\n  \"isa_levels\": {");
        for (int i = 0; i < BITERN_ISA_COUNT; i++) {
            printf(i ? ", " : "");
            json_str(bitern_isa_level_name((bitern_isa)i));
            printf(": %s", bitern_isa_supported((bitern_isa)i) ? "true" : "false");
        }
        printf("},\n  \"tuning\": ");
        json_str(bitern_tune_status());
        printf(",\n  \"ops\": [");
        for (size_t i = 0; i < n; i++) {
            /* Ops are not contiguous in the variant list (it is ordered by ISA), so gather each op once. */
            int seen = 0;
            for (size_t j = 0; j < i; j++)
                seen |= !strcmp(v[j].op, v[i].op);
            if (seen)
                continue;
            printf(i ? ",\n    {" : "\n    {");
            printf("\"op\": ");
            json_str(v[i].op);
            const char *sel = "", *why = "";
            printf(", \"variants\": [");
            int first = 1;
            for (size_t j = i; j < n; j++)
                if (!strcmp(v[j].op, v[i].op)) {
                    printf(first ? "" : ", ");
                    printf("{\"name\": ");
                    json_str(v[j].name);
                    printf(", \"isa\": ");
                    json_str(v[j].isa);
                    printf(", \"runnable\": %s}", v[j].runnable ? "true" : "false");
                    if (v[j].selected)
                        sel = v[j].name, why = v[j].why;
                    first = 0;
                }
            printf("], \"selected\": ");
            json_str(sel);
            printf(", \"why\": ");
            json_str(why);
            printf("}");
        }
        printf("\n  ]\n}\n");
    } else {
        printf("bitern %s\nCPU:       %s\nfeatures: ", bitern_version(),
               *bitern_cpu_name() ? bitern_cpu_name() : "(unknown)");
        print_flags(bitern_cpu_flags(), 0);
        printf("\nISA level: %s%s\n", bitern_isa_name(), getenv("BITERN_ISA") ? " (capped by BITERN_ISA)" : "");
        printf("tuning:    %s\n\n", bitern_tune_status());
        printf("%-14s %-18s %-8s %s\n", "op", "selected", "why", "variants (* = runnable here)");
        for (size_t i = 0; i < n; i++) {
            int seen = 0;
            for (size_t j = 0; j < i; j++)
                seen |= !strcmp(v[j].op, v[i].op);
            if (seen)
                continue;
            const char *sel = "?", *why = "";
            for (size_t j = i; j < n; j++)
                if (!strcmp(v[j].op, v[i].op) && v[j].selected)
                    sel = v[j].name, why = v[j].why;
            printf("%-14s %-18s %-8s", v[i].op, sel, why);
            for (size_t j = i; j < n; j++)
                if (!strcmp(v[j].op, v[i].op))
                    printf(" %s%s", v[j].name, v[j].runnable ? "*" : "");
            printf("\n");
        }
    }
    free(v);
    return 0;
}
