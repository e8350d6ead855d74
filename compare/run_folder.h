/* SPDX-License-Identifier: MIT */
/*
 * What makes a compare results folder one run. Two small text files beside the models:
 *
 *   compare-incomplete   written (atomically) before the first model is trained, rewritten as each model is
 *                        done, removed last. Its first line after the header is the run's configuration; each
 *                        "file" line a model or log finished by it. A killed run leaves it: a rerun of the same
 *                        command keeps the finished models and resumes the interrupted one from its checkpoint,
 *                        and `--models DIR` refuses the folder.
 *   manifest             written last, atomically, once every model, log and result is there: one "file" line
 *                        (name, size, XXH3-64) per file of the run. `--models DIR` checks every model and log
 *                        against it, so a folder mixing runs (a model copied in, a re-run's log) is refused.
 *
 * Both are "bitern-compare-folder 1 KIND" then lines "config TEXT" or "file NAME SIZE HASH" (hex); nothing else.
 */
#ifndef BITERN_COMPARE_RUN_FOLDER_H
#define BITERN_COMPARE_RUN_FOLDER_H

#include <stddef.h>
#include <stdint.h>

#define CMP_FOLDER_MARKER "compare-incomplete"
#define CMP_FOLDER_MANIFEST "manifest"
#define CMP_FOLDER_MAX_FILES 32

typedef struct cmp_folder_file {
    char name[64];
    uint64_t size, hash;
} cmp_folder_file;

typedef struct cmp_folder {
    char kind[16];                 /* "incomplete" or "manifest" */
    char config[1400];
    int n;
    cmp_folder_file f[CMP_FOLDER_MAX_FILES];
} cmp_folder;

/* Parses a state file's text (not NUL-terminated). 0, or -1 with a message in err. */
int cmp_folder_parse(const char *text, size_t len, cmp_folder *out, char *err, size_t errcap);
/* Reads dir/name: 1 if it is not there, 0 parsed, -1 with a message printed. */
int cmp_folder_read(const char *dir, const char *name, cmp_folder *out);
/* Size and XXH3-64 of dir/name; -1 (message printed) if it cannot be read. */
int cmp_folder_hash(const char *dir, const char *name, cmp_folder_file *out);
/* Writes dir/name atomically from *f. -1 with a message printed. */
int cmp_folder_write(const char *dir, const char *name, const cmp_folder *f);
/* Removes dir/name if it is there; -1 (message printed) if it cannot. */
int cmp_folder_remove(const char *dir, const char *name);
/* The entry for name, or NULL. */
const cmp_folder_file *cmp_folder_find(const cmp_folder *f, const char *name);
/* Appends the current size and hash of dir/name (replacing an entry of that name). -1 on failure. */
int cmp_folder_add(cmp_folder *f, const char *dir, const char *name);

/* For `--models DIR`: refuses (message printed, -1) a folder with the incomplete marker, or whose models and logs
 * (names[0..n)) differ from its manifest or are missing from it. A folder with neither file (written before
 * bitern kept manifests) is accepted with a note; returns 0. */
int cmp_folder_check(const char *dir, const char *const *names, int n);

#endif
