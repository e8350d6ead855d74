/* SPDX-License-Identifier: MIT */
/*
 * The two rules every bitern command follows for the files it names:
 *
 *  - Reading: bm_open_regular opens a file for reading only if it is a regular file, deciding that before any
 *    blocking open (a FIFO given as a model, a log or a dataset would block open() forever; a device would be
 *    read without end). Every file bitern reads goes through it.
 *  - Identity: the paths of one command run (inputs and outputs) are collected in a bm_path_set, and the run is
 *    refused when an output names another input or output of it: `--init f.btn --log f.btn` would otherwise
 *    overwrite the model it reads with a log. Files that exist are compared by device and inode (hard links,
 *    symlinks, `./a` and `a` are all caught), files to be created by their normalised absolute path (the
 *    realpath of the directory, plus the name).
 */
#ifndef BITERN_MODEL_FILES_H
#define BITERN_MODEL_FILES_H

#include <stdio.h>
#include <sys/types.h>

/* A read-only descriptor of a regular file, or -1 with bm_error() set ("PATH: cannot open: ..." or
 * "PATH: is a FIFO, not a regular file"). */
int bm_open_regular(const char *path);
/* The same as a stdio stream ("rb"). */
FILE *bm_fopen_regular(const char *path);

#define BM_PATHS_MAX 24

typedef struct bm_path_entry {
    const char *opt;      /* "--out", "--log", ... as the message names it */
    const char *path;
    int output;
    int alias_group;      /* nonzero: may name the same file as another entry of the same group */
} bm_path_entry;

typedef struct bm_path_set {
    int n;
    bm_path_entry e[BM_PATHS_MAX];
} bm_path_set;

/* Adds a path (ignored when NULL or empty). Entries beyond BM_PATHS_MAX abort: a programming error. */
void bm_paths_add(bm_path_set *s, const char *opt, const char *path, int output, int alias_group);
/* 0, or -1 with bm_error() naming both options, when an output is the same file as another entry (outside its
 * alias group). */
int bm_paths_check(const bm_path_set *s);

#endif
