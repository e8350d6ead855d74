/* SPDX-License-Identifier: MIT */
/* The datasets `bitern data` knows: their files, expected SHA-256s and where they are published. */
#ifndef BITERN_DATASETS_H
#define BITERN_DATASETS_H

#define DS_MAX_FILES 6

typedef struct ds_file {
    const char *name;
    const char *sha256;      /* of the file as published */
    const char *alt_sha256;  /* another accepted copy of the same data, or NULL */
    const char *alt_what;    /* which copy that is */
} ds_file;

typedef struct ds_dataset {
    const char *name;        /* also its subdirectory in a data directory */
    const char *url;         /* files: url + file name; archives: the archive itself */
    const char *archive_dir; /* NULL: files are fetched one by one; else the tar.gz member directory */
    const char *note;        /* about the source, shown by `list` */
    int nfiles;
    ds_file files[DS_MAX_FILES];
} ds_dataset;

extern const ds_dataset ds_datasets[];
extern const int ds_count;

const ds_dataset *ds_find(const char *name);   /* NULL if unknown */
const ds_file *ds_find_file(const ds_dataset *d, const char *name);

#endif
