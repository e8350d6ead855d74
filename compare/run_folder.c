/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "compare/run_folder.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "compare/compare.h"
#include "model/files.h"
#include "model/serial.h"
#include "model/util.h"

#define HEADER "bitern-compare-folder 1 "

int cmp_folder_parse(const char *text, size_t len, cmp_folder *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    size_t off = 0;
    int line_no = 0;
    while (off < len) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t ll = nl ? (size_t)(nl - (text + off)) : len - off;
        char line[1600];
        line_no++;
        if (ll >= sizeof line || memchr(text + off, 0, ll)) {
            snprintf(err, errcap, "line %d: too long or not text", line_no);
            return -1;
        }
        memcpy(line, text + off, ll);
        line[ll] = 0;
        off += ll + (nl != NULL);
        if (line_no == 1) {
            if (strncmp(line, HEADER, strlen(HEADER)) || !line[strlen(HEADER)] ||
                strlen(line + strlen(HEADER)) >= sizeof out->kind) {
                snprintf(err, errcap, "not a bitern compare folder file (bad first line)");
                return -1;
            }
            snprintf(out->kind, sizeof out->kind, "%s", line + strlen(HEADER));
            continue;
        }
        if (!strncmp(line, "config ", 7)) {
            size_t cl = strlen(line + 7);
            if (cl >= sizeof out->config) {
                snprintf(err, errcap, "line %d: configuration too long", line_no);
                return -1;
            }
            memcpy(out->config, line + 7, cl + 1);
            continue;
        }
        cmp_folder_file f;
        char name[64];
        int used = 0;
        if (strncmp(line, "file ", 5) ||
            sscanf(line + 5, "%63s %" SCNu64 " %16" SCNx64 "%n", name, &f.size, &f.hash, &used) != 3 ||
            line[5 + used] || out->n == CMP_FOLDER_MAX_FILES || strchr(name, '/')) {
            snprintf(err, errcap, "line %d: expected 'file NAME SIZE HASH' or 'config TEXT'", line_no);
            return -1;
        }
        snprintf(f.name, sizeof f.name, "%s", name);
        out->f[out->n++] = f;
    }
    if (line_no == 0) {
        snprintf(err, errcap, "empty file");
        return -1;
    }
    return 0;
}

int cmp_folder_read(const char *dir, const char *name, cmp_folder *out)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    if (lstat(path, &st) < 0 && errno == ENOENT)
        return 1;
    FILE *f = bm_fopen_regular(path);
    if (!f) {
        fprintf(stderr, "bitern compare: %s\n", bm_error());
        return -1;
    }
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    int big = n == sizeof buf, bad = ferror(f);
    fclose(f);
    char err[160];
    if (bad || big) {
        fprintf(stderr, "bitern compare: %s: %s\n", path, bad ? "read error" : "too large");
        return -1;
    }
    if (cmp_folder_parse(buf, n, out, err, sizeof err) < 0) {
        fprintf(stderr, "bitern compare: %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

int cmp_folder_hash(const char *dir, const char *name, cmp_folder_file *out)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = bm_fopen_regular(path);
    if (!f) {
        fprintf(stderr, "bitern compare: %s\n", bm_error());
        return -1;
    }
    XXH3_state_t *s = XXH3_createState();
    if (!s) {
        fclose(f);
        fprintf(stderr, "bitern compare: out of memory\n");
        return -1;
    }
    XXH3_64bits_reset(s);
    static char buf[1 << 16];
    size_t got, size = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        XXH3_64bits_update(s, buf, got);
        size += got;
    }
    int bad = ferror(f);
    fclose(f);
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    out->size = size;
    out->hash = XXH3_64bits_digest(s);
    XXH3_freeState(s);
    if (bad) {
        fprintf(stderr, "bitern compare: %s: read error\n", path);
        return -1;
    }
    return 0;
}

static void folder_writer(const void *arg, FILE *m)
{
    const cmp_folder *f = arg;
    fprintf(m, HEADER "%s\n", f->kind);
    if (f->config[0])
        fprintf(m, "config %s\n", f->config);
    for (int i = 0; i < f->n; i++)
        fprintf(m, "file %s %" PRIu64 " %016" PRIx64 "\n", f->f[i].name, f->f[i].size, f->f[i].hash);
}

int cmp_folder_write(const char *dir, const char *name, const cmp_folder *f)
{
    return cmp_write_atomic(dir, name, folder_writer, f);
}

int cmp_folder_remove(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (unlink(path) < 0 && errno != ENOENT) {
        fprintf(stderr, "bitern compare: %s: cannot remove: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

const cmp_folder_file *cmp_folder_find(const cmp_folder *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].name, name))
            return &f->f[i];
    return NULL;
}

int cmp_folder_add(cmp_folder *f, const char *dir, const char *name)
{
    cmp_folder_file e;
    if (cmp_folder_hash(dir, name, &e) < 0)
        return -1;
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].name, name)) {
            f->f[i] = e;
            return 0;
        }
    if (f->n == CMP_FOLDER_MAX_FILES) {
        fprintf(stderr, "bitern compare: too many files for the folder's manifest\n");
        return -1;
    }
    f->f[f->n++] = e;
    return 0;
}

int cmp_folder_check(const char *dir, const char *const *names, int n)
{
    cmp_folder st;
    int rc = cmp_folder_read(dir, CMP_FOLDER_MARKER, &st);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        fprintf(stderr, "bitern compare: %s holds an unfinished run (%s is there: it was stopped or failed); run "
                        "its command again to finish it, or train into a new folder\n", dir, CMP_FOLDER_MARKER);
        return -1;
    }
    rc = cmp_folder_read(dir, CMP_FOLDER_MANIFEST, &st);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        fprintf(stderr, "bitern compare: note: %s has no %s (written before compare recorded its runs): its files "
                        "are taken as one run unchecked\n", dir, CMP_FOLDER_MANIFEST);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const cmp_folder_file *want = cmp_folder_find(&st, names[i]);
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat sb;
        int present = lstat(path, &sb) == 0;
        if (!want && !present)
            continue;   /* a log the run did not write */
        if (!want || !present) {
            fprintf(stderr, "bitern compare: %s: %s, so the folder mixes runs\n", path,
                    want ? "listed in the manifest but missing" : "not in the folder's manifest");
            return -1;
        }
        cmp_folder_file got;
        if (cmp_folder_hash(dir, names[i], &got) < 0)
            return -1;
        if (got.size != want->size || got.hash != want->hash) {
            fprintf(stderr, "bitern compare: %s differs from the one its run wrote (manifest: %" PRIu64 " bytes, "
                            "XXH3 %016" PRIx64 "; now %" PRIu64 " bytes, %016" PRIx64 "): the folder mixes runs\n",
                    path, want->size, want->hash, got.size, got.hash);
            return -1;
        }
    }
    return 0;
}
