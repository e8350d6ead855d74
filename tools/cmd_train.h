/* SPDX-License-Identifier: MIT */
/* The option parser of `bitern train`, apart from the command so that fuzz/fuzz_cli.c can reach it without
 * training anything. */
#ifndef BITERN_TOOLS_CMD_TRAIN_H
#define BITERN_TOOLS_CMD_TRAIN_H

#include "train/train.h"

/* argv[0] is "train". Fills *c (strings point into argv) and *eval (the --eval path or NULL). Returns 0, 1 after
 * printing --help or --version, or -1 after a message on stderr (as bte_eval_parse_args); never exits. */
int tr_train_parse_args(int argc, char **argv, tr_config *c, const char **eval);

#endif
