/* SPDX-License-Identifier: MIT */
/* The subcommands of the `bitern` tool: each takes argv with argv[0] = its own name and returns the exit code. */
#ifndef BITERN_COMMANDS_H
#define BITERN_COMMANDS_H

int bitern_cmd_info(int argc, char **argv);

#endif
