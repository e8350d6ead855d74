/* SPDX-License-Identifier: MIT */
/* Pieces of `bitern data` shared by its subcommands (tools/cmd_data.c, tools/data_download.c). */
#ifndef BITERN_DATA_CMD_H
#define BITERN_DATA_CMD_H

#include "model/data.h"
#include "tools/datasets.h"

/* Where the files of d are, by the trainer's search order; IDX files also without their ".gz". Returns the
 * base index if one directory holds them all, else -1 with each file that exists somewhere in paths[i] and
 * "" for the others. */
int data_locate(const ds_dataset *d, const char *data_dir, char (*paths)[BM_DATA_PATH_MAX]);

/* "ok", "ok (<alt_what>)" or NULL if the hash is not one of f's. */
const char *data_hash_verdict(const ds_file *f, const char *hex);

/* Downloads d into its folder under the destination root; 0 or 1 (the exit code). */
int data_download(const ds_dataset *d, const char *data_dir, const char *mirror);

#endif
