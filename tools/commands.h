/* SPDX-License-Identifier: MIT */
/* The subcommands of the `bitern` tool: each takes argv with argv[0] = its own name and returns the exit code. */
#ifndef BITERN_COMMANDS_H
#define BITERN_COMMANDS_H

int bitern_cmd_info(int argc, char **argv);
int bitern_cmd_tune(int argc, char **argv);   /* tools/cmd_tune.c */
#ifdef BITERN_HAVE_TRAIN
int bitern_cmd_train(int argc, char **argv);  /* tools/cmd_train.c */
#endif
#ifdef BITERN_HAVE_DATA
int bitern_cmd_data(int argc, char **argv);   /* tools/cmd_data.c */
#endif
int bitern_cmd_eval(int argc, char **argv);   /* tools/cmd_eval.c */
#ifdef BITERN_HAVE_TRAIN
int bitern_cmd_compare(int argc, char **argv);   /* tools/cmd_compare.c */
#endif
#ifdef BITERN_HAVE_EXPORT
int bitern_cmd_export(int argc, char **argv);   /* tools/cmd_export.c */
#endif

#endif
