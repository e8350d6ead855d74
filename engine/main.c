/* SPDX-License-Identifier: MIT */
/* Stand-alone `bitern-eval`: the same as `bitern eval`, for the tests and while tools/bitern.c is elsewhere. */
#include "engine.h"

int main(int argc, char **argv)
{
    argv[0] = "eval";
    return bitern_cmd_eval(argc, argv);
}
