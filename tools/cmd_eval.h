/* SPDX-License-Identifier: MIT */
/* The option parser of `bitern eval`, apart from the command so that fuzz/fuzz_cli.c can reach it without
 * loading a model or a dataset. */
#ifndef BITERN_TOOLS_CMD_EVAL_H
#define BITERN_TOOLS_CMD_EVAL_H

typedef struct bte_eval_opts {
    const char *model, *dataset, *data_dir, *isa, *predictions;
    long threads, limit, lat_n;
    int json;
} bte_eval_opts;

/* argv[0] is "eval". Returns 0, 1 after printing --help, or -1 after a message on stderr; never exits. Strings
 * in *o point into argv. --isa is only stored: whether this CPU runs it is the command's to check. */
int bte_eval_parse_args(int argc, char **argv, bte_eval_opts *o);

#endif
