/* SPDX-License-Identifier: MIT */
/* `bitern`: one command-line tool, one subcommand per job. */
#include <stdio.h>
#include <string.h>

#include <bitern.h>
#include "tools/commands.h"
#include "model/util.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    { "info", bitern_cmd_info, "CPU features, ISA level, and the kernel variant picked for each op" },
    { "tune", bitern_cmd_tune, "time every kernel variant on this CPU and write the profile dispatch follows" },
#ifdef BITERN_HAVE_TRAIN
    { "train", bitern_cmd_train, "train a float, binary, ternary or Smart-Quantization model on a dataset" },
#endif
#ifdef BITERN_HAVE_DATA
    { "data", bitern_cmd_data, "list, verify (SHA-256) and download the datasets: mnist, fashion-mnist, cifar10" },
#endif
    { "eval", bitern_cmd_eval, "run a .btn model on the kernels: accuracy, latency, throughput, size" },
#ifdef BITERN_HAVE_TRAIN
    { "compare", bitern_cmd_compare, "train float, binary, ternary and SQ models; compare accuracy, bytes, speed per ISA" },
#endif
#ifdef BITERN_HAVE_EXPORT
    { "export", bitern_cmd_export, "write a .btn model as an ONNX graph that any ONNX runtime runs" },
#endif
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: bitern <command> [options]   (bitern <command> -h/--help for its options; --version on any)\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nenvironment: BITERN_ISA=scalar|avx2|avx512|neon|neon-dotprod caps the kernel level;\n"
               "BITERN_TUNE=off ignores the profile of `bitern tune`.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("bitern %s\n", bitern_version());
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            /* Every command checks BITERN_ISA before any work: a bad value must not surface only at the end of
             * a training run, nor be named as something else. `info` reports it in its own output. */
            bm_set_command(commands[i].name);   /* the model layer's out-of-memory messages name this command */
            if (strcmp(argv[1], "info") && bitern_init() != BITERN_OK) {
                fprintf(stderr, "bitern %s: %s\n", argv[1], bitern_last_error());
                return 2;
            }
            return commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "bitern: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
