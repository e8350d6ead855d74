/* SPDX-License-Identifier: MIT */
/* Stand-alone `bitern-train` (same as `bitern train`), used by the slow tests and handy on its own. */
#include "train.h"

int main(int argc, char **argv)
{
    argv[0] = "train";
    return bitern_cmd_train(argc, argv);
}
