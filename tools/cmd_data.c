/* SPDX-License-Identifier: MIT */
/* `bitern data`: which datasets bitern knows, whether the copies on disk are the published ones, and fetching
 * a missing one. Searches exactly where train and eval do (train/data_find.c). */
#include <bitern.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <getopt.h>

#include "tools/commands.h"
#include "tools/data_cmd.h"
#include "tools/fetch.h"
#include "tools/sha256.h"
#include "model/util.h"

static void usage(FILE *f)
{
    char user[BM_DATA_PATH_MAX];
    const char *u = bm_data_user_dir(user, sizeof user);
    fprintf(f,
            "usage: bitern data list [--data-dir DIR]\n"
            "       bitern data verify [NAME...] [--data-dir DIR]\n"
            "       bitern data download NAME [--data-dir DIR] [--mirror URL]\n\n"
            "  list       the known datasets, their files, expected SHA-256s, source and where they were found\n"
            "  verify     the SHA-256 of each file found (all datasets present, or the NAMEs given: these must\n"
            "             exist); exits 1 naming any file that is missing or differs\n"
            "  download   fetches NAME into DIR/NAME/ (--data-dir, else $BITERN_DATA, else %s),\n"
            "             checks each file's SHA-256, and only then moves it into place\n\n"
            "  --data-dir DIR  searched first, and where `download` writes\n"
            "  --mirror URL    fetch from URL/NAME/<file> (or URL/NAME/<tarball>) instead of the canonical\n"
            "                  address (file:///path works, as does a plain directory)\n\n"
            "datasets: mnist, fashion-mnist, cifar10. Search order: --data-dir, $BITERN_DATA, %s,\n"
            "/usr/share/datasets; each as DIR/ or DIR/NAME/.\n"
            "A download gives up after 30 s without a connection or 60 s under 1 KiB/s ($BITERN_DATA_TIMEOUT=SECONDS\n"
            "sets both).\n",
            u ? u : "$XDG_DATA_HOME/bitern/datasets", u ? u : "$XDG_DATA_HOME/bitern/datasets");
}

int data_locate(const ds_dataset *d, const char *data_dir, char (*paths)[BM_DATA_PATH_MAX])
{
    char names[DS_MAX_FILES][128];
    const char *np[DS_MAX_FILES];
    int gz = 0;
    for (int i = 0; i < d->nfiles; i++) {
        size_t l = strlen(d->files[i].name);
        gz = l > 3 && strcmp(d->files[i].name + l - 3, ".gz") == 0;
        snprintf(names[i], sizeof names[i], "%.*s", (int)(gz ? l - 3 : l), d->files[i].name);
        np[i] = names[i];
    }
    int b = bm_data_locate(d->name, data_dir, np, d->nfiles, gz, paths);
    if (b >= 0)
        return b;
    for (int i = 0; i < d->nfiles; i++)
        if (bm_data_locate(d->name, data_dir, np + i, 1, gz, paths + i) < 0)
            paths[i][0] = '\0';
    return -1;
}

const char *data_hash_verdict(const ds_file *f, const char *hex)
{
    static char buf[128];
    if (strcmp(hex, f->sha256) == 0)
        return "ok";
    if (f->alt_sha256 && strcmp(hex, f->alt_sha256) == 0) {
        snprintf(buf, sizeof buf, "ok (%s)", f->alt_what);
        return buf;
    }
    return NULL;
}

static const char *base_label(const char *base, const char *data_dir)
{
    char user[BM_DATA_PATH_MAX];
    const char *env = getenv("BITERN_DATA"), *u = bm_data_user_dir(user, sizeof user);
    if (data_dir && strcmp(base, data_dir) == 0)
        return "--data-dir";
    if (env && strcmp(base, env) == 0)
        return "$BITERN_DATA";
    if (u && strcmp(base, u) == 0)
        return "per-user, where download writes by default";
    return "system";
}

static int cmd_list(const char *data_dir)
{
    const char *bases[BM_DATA_MAX_BASES];
    int nb = bm_data_bases(data_dir, bases);
    printf("search order:");
    for (int i = 0; i < nb; i++)
        printf("%s %s (%s)", i ? "," : "", bases[i], base_label(bases[i], data_dir));
    printf("\n");
    for (int k = 0; k < ds_count; k++) {
        const ds_dataset *d = &ds_datasets[k];
        char paths[DS_MAX_FILES][BM_DATA_PATH_MAX];
        int b = data_locate(d, data_dir, paths);
        char where[BM_DATA_PATH_MAX] = "missing or incomplete";
        if (b >= 0) {
            const char *slash = strrchr(paths[0], '/');
            snprintf(where, sizeof where, "found in %.*s", (int)(slash - paths[0]), paths[0]);
        }
        printf("\n%s: %s\n  %s\n  %s\n", d->name, d->url, d->note, where);
        for (int i = 0; i < d->nfiles; i++)
            printf("  %s  %-27s %s\n", d->files[i].sha256, d->files[i].name, paths[i][0] ? paths[i] : "missing");
    }
    return 0;
}

static int verify_one(const ds_dataset *d, const char *data_dir, int named, int *nok, int *nbad)
{
    char paths[DS_MAX_FILES][BM_DATA_PATH_MAX];
    int b = data_locate(d, data_dir, paths), any = 0, all = 1;
    for (int i = 0; i < d->nfiles; i++) {
        any |= paths[i][0] != '\0';
        all &= paths[i][0] != '\0';
    }
    if (!any && !named) {
        printf("%s: not found, skipped\n", d->name);
        return 0;
    }
    for (int i = 0; i < d->nfiles; i++) {
        const ds_file *f = &d->files[i];
        const char *p = paths[i];
        char hex[65];
        if (!p[0]) {
            fprintf(stderr, "bitern data verify: %s/%s: missing (bitern data list shows where it was looked "
                    "for)\n", d->name, f->name);
            ++*nbad;
            continue;
        }
        size_t lp = strlen(p), lf = strlen(f->name);
        if (lp < lf || strcmp(p + lp - lf, f->name) != 0) {
            fprintf(stderr, "bitern data verify: %s: uncompressed, so it cannot be checked against the published "
                    "%s\n", p, f->name);
            ++*nbad;
            continue;
        }
        if (bt_sha256_file(p, hex) < 0) {
            fprintf(stderr, "bitern data verify: %s\n", bm_error());
            ++*nbad;
            continue;
        }
        const char *v = data_hash_verdict(f, hex);
        if (!v) {
            fprintf(stderr, "bitern data verify: %s: SHA-256 mismatch: expected %s, got %s\n", p, f->sha256, hex);
            ++*nbad;
            continue;
        }
        printf("%s  %s\n", v, p);
        ++*nok;
    }
    if (b < 0 && all)
        fprintf(stderr, "bitern data verify: %s: its files are not all in one directory, which train and eval "
                "need\n", d->name);
    return b < 0 ? -1 : 0;
}

static int cmd_verify(char **names, int nnames, const char *data_dir)
{
    int nok = 0, nbad = 0, incomplete = 0;
    for (int i = 0; i < nnames; i++)
        if (!ds_find(names[i])) {
            fprintf(stderr, "bitern data verify: unknown dataset '%s' (known: mnist, fashion-mnist, cifar10)\n",
                    names[i]);
            return 2;
        }
    for (int k = 0; k < (nnames ? nnames : ds_count); k++) {
        const ds_dataset *d = nnames ? ds_find(names[k]) : &ds_datasets[k];
        incomplete |= verify_one(d, data_dir, nnames > 0, &nok, &nbad) < 0;
    }
    printf("%d file%s ok, %d failed\n", nok, nok == 1 ? "" : "s", nbad);
    return nbad || incomplete || nok == 0 ? 1 : 0;
}

int bitern_cmd_data(int argc, char **argv)
{
    const char *data_dir = NULL, *mirror = NULL, *sub = NULL;
    char **names = calloc((size_t)argc + 1, sizeof *names);
    int nnames = 0;
    if (!names)
        return 1;
    static const struct option lo[] = {{"data-dir", 1, 0, 'd'}, {"mirror", 1, 0, 'm'}, {"help", 0, 0, 'h'},
                                       {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        const char *a = argv[optind - 1];
        if (c == 'h' || c == 'V') {
            if (c == 'h')
                usage(stdout);
            else
                printf("bitern %s\n", bitern_version());
            free(names);
            return 0;
        }
        if (c == ':' || ((c == 'd' || c == 'm') && !optarg[0])) {
            fprintf(stderr, "bitern data: %s needs a value\n", c == ':' ? a : c == 'd' ? "--data-dir" : "--mirror");
            free(names);
            return 2;
        }
        if (c == '?') {
            fprintf(stderr, "bitern data: unknown option '%s' (bitern data --help)\n", a);
            free(names);
            return 2;
        }
        *(c == 'd' ? &data_dir : &mirror) = optarg;
    }
    for (int i = optind; i < argc; i++) {
        if (!sub)
            sub = argv[i];
        else
            names[nnames++] = argv[i];
    }
    int rc = 2;
    if (!sub) {
        usage(stderr);
    } else if (!strcmp(sub, "list") && !nnames && !mirror) {
        rc = cmd_list(data_dir);
    } else if (!strcmp(sub, "verify") && !mirror) {
        rc = cmd_verify(names, nnames, data_dir);
    } else if (!strcmp(sub, "download") && nnames == 1) {
        const ds_dataset *d = ds_find(names[0]);
        if (d)
            rc = data_download(d, data_dir, mirror);
        else
            fprintf(stderr, "bitern data download: unknown dataset '%s' (known: mnist, fashion-mnist, cifar10)\n",
                    names[0]);
    } else if (strcmp(sub, "list") && strcmp(sub, "verify") && strcmp(sub, "download")) {
        fprintf(stderr, "bitern data: unknown subcommand '%s' (list, verify or download)\n", sub);
    } else if (mirror && strcmp(sub, "download")) {
        fprintf(stderr, "bitern data %s: --mirror is only for download\n", sub);
    } else if (!strcmp(sub, "download")) {
        fprintf(stderr, "bitern data download: download needs one dataset name (mnist, fashion-mnist or cifar10)\n");
    } else {
        fprintf(stderr, "bitern data list: list takes no dataset names\n");
    }
    free(names);
    return rc;
}
