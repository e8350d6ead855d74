/* SPDX-License-Identifier: MIT */
/* `bitern data download`: every file lands under its final name only once its SHA-256 has been checked, so an
 * interrupted or corrupted download never leaves something train or eval would load. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/data_cmd.h"
#include "tools/fetch.h"
#include "tools/sha256.h"
#include "tools/untar.h"

#define PATH_CAP BM_DATA_PATH_MAX
/* The largest CIFAR-10 member is 30 MB: anything past this is a broken or hostile archive. */
#define MAX_MEMBER (1ull << 30)

/* Temp files alive right now, removed if we are interrupted (unlink is async-signal-safe). */
static char live_tmp[2][PATH_CAP];

static void on_signal(int sig)
{
    for (int i = 0; i < 2; i++)
        if (live_tmp[i][0])
            unlink(live_tmp[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int make_tmp(const char *dir, const char *name, int slot)
{
    int len = snprintf(live_tmp[slot], PATH_CAP, "%s/.%s.part.XXXXXX", dir, name);
    if (len < 0 || len >= PATH_CAP) {
        fprintf(stderr, "bitern data download: path too long: %s/%s\n", dir, name);
        live_tmp[slot][0] = '\0';
        return -1;
    }
    int fd = mkstemp(live_tmp[slot]);
    if (fd < 0) {
        fprintf(stderr, "bitern data download: cannot create a file in %s: %s\n", dir, strerror(errno));
        live_tmp[slot][0] = '\0';
    }
    return fd;
}

static void drop_tmp(int slot)
{
    if (live_tmp[slot][0])
        unlink(live_tmp[slot]);
    live_tmp[slot][0] = '\0';
}

/* fsync, close, rename, then fsync the directory: after a crash the file is either absent or whole. */
static int commit_tmp(int fd, int slot, const char *dir, const char *name)
{
    char final[PATH_CAP];
    snprintf(final, sizeof final, "%s/%s", dir, name);
    /* mkstemp makes 0600; a dataset is as readable as any file the user would have written. */
    mode_t mask = umask(0);
    umask(mask);
    int rc = fchmod(fd, 0644 & ~mask) < 0 ? -1 : fsync(fd);
    int err = rc < 0 ? errno : 0;
    if (close(fd) < 0 && !err)
        err = errno;
    if (!err && rename(live_tmp[slot], final) < 0)
        err = errno;
    if (err) {
        fprintf(stderr, "bitern data download: writing %s: %s\n", final, strerror(err));
        drop_tmp(slot);
        return -1;
    }
    live_tmp[slot][0] = '\0';
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    printf("ok  %s\n", final);
    return 0;
}

static int mkdirs(const char *path)
{
    char p[PATH_CAP];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -1;
            *s = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int mismatch(const char *dir, const ds_file *f, const char *src, const char *got)
{
    fprintf(stderr, "bitern data download: %s/%s from %s: SHA-256 mismatch: expected %s, got %s; nothing kept\n",
            dir, f->name, src, f->sha256, got);
    return -1;
}

static int fetch_file(const char *dir, const ds_file *f, const char *url)
{
    int fd = make_tmp(dir, f->name, 0);
    if (fd < 0)
        return -1;
    char hex[65], err[1024];
    uint64_t n;
    printf("fetching %s\n", url);
    fflush(stdout);
    if (fetch_url(url, fd, hex, &n, err, sizeof err) < 0) {
        fprintf(stderr, "bitern data download: %s/%s: %s\n", dir, f->name, err);
        close(fd);
        drop_tmp(0);
        return -1;
    }
    if (!data_hash_verdict(f, hex)) {
        close(fd);
        drop_tmp(0);
        return mismatch(dir, f, url, hex);
    }
    return commit_tmp(fd, 0, dir, f->name);
}

/* The tarball's members <archive_dir>/<file> that are still needed go through temp files into dir. */
static int extract(const ds_dataset *d, const char *dir, const char *tgz, const char *url, const int *need)
{
    untar *t = untar_open(tgz, MAX_MEMBER);
    if (!t) {
        fprintf(stderr, "bitern data download: out of memory\n");
        return -1;
    }
    int got[DS_MAX_FILES] = {0}, rc = 0, r;
    size_t dl = strlen(d->archive_dir);
    untar_member m;
    static char buf[1 << 16];
    while (rc == 0 && (r = untar_next(t, &m)) > 0) {
        if (strncmp(m.name, d->archive_dir, dl) != 0 || m.name[dl] != '/')
            continue;
        const ds_file *f = ds_find_file(d, m.name + dl + 1);
        if (!f || !need[f - d->files] || got[f - d->files])
            continue;
        if (m.type != '0') {
            fprintf(stderr, "bitern data download: %s: member %s is not a regular file\n", url, m.name);
            rc = -1;
            break;
        }
        int fd = make_tmp(dir, f->name, 1);
        if (fd < 0) {
            rc = -1;
            break;
        }
        bt_sha256_ctx c;
        bt_sha256_init(&c);
        long n;
        while (rc == 0 && (n = untar_read(t, buf, sizeof buf)) > 0) {
            bt_sha256_update(&c, buf, (size_t)n);
            for (long off = 0; off < n;) {
                ssize_t w = write(fd, buf + off, (size_t)(n - off));
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    fprintf(stderr, "bitern data download: writing %s/%s: %s\n", dir, f->name,
                            strerror(w < 0 ? errno : ENOSPC));
                    rc = -1;
                    break;
                }
                off += w;
            }
        }
        uint8_t dg[32];
        char hex[65];
        bt_sha256_final(&c, dg);
        bt_sha256_hex(dg, hex);
        if (rc == 0 && n < 0) {
            fprintf(stderr, "bitern data download: %s: %s\n", url, untar_error(t));
            rc = -1;
        }
        if (rc == 0 && !data_hash_verdict(f, hex)) {
            char src[4 * PATH_CAP + 300];
            snprintf(src, sizeof src, "%s (member %s)", url, m.name);
            rc = mismatch(dir, f, src, hex);
        }
        if (rc == 0) {
            rc = commit_tmp(fd, 1, dir, f->name);
        } else {
            close(fd);
            drop_tmp(1);
        }
        got[f - d->files] = 1;
    }
    if (rc == 0 && r < 0) {
        fprintf(stderr, "bitern data download: %s: %s\n", url, untar_error(t));
        rc = -1;
    }
    untar_close(t);
    for (int i = 0; rc == 0 && i < d->nfiles; i++)
        if (need[i] && !got[i]) {
            fprintf(stderr, "bitern data download: %s has no member %s/%s\n", url, d->archive_dir,
                    d->files[i].name);
            rc = -1;
        }
    return rc;
}

/* -1 if the tarball could not be fetched, -2 if it was but is not what it should be. */
static int fetch_archive(const ds_dataset *d, const char *dir, const char *url, const int *need)
{
    const char *base = strrchr(d->url, '/') + 1;
    int fd = make_tmp(dir, base, 0);
    if (fd < 0)
        return -1;
    char hex[65], err[1024];
    uint64_t n;
    printf("fetching %s\n", url);
    fflush(stdout);
    int rc = fetch_url(url, fd, hex, &n, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "bitern data download: %s/%s: %s\n", dir, base, err);
    if (close(fd) < 0 && rc == 0) {
        fprintf(stderr, "bitern data download: writing %s: %s\n", live_tmp[0], strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        rc = extract(d, dir, live_tmp[0], url, need) < 0 ? -2 : 0;
    drop_tmp(0);
    return rc;
}

/* Where downloads go: --data-dir, else $BITERN_DATA, else the per-user directory train and eval also search. */
static const char *dest_root(const char *data_dir, char *buf, size_t cap)
{
    const char *env = getenv("BITERN_DATA");
    if (data_dir)
        return data_dir;
    if (env && *env)
        return env;
    return bm_data_user_dir(buf, cap);
}

int data_download(const ds_dataset *d, const char *data_dir, const char *mirror)
{
    char rootbuf[PATH_CAP], dir[PATH_CAP], url[3 * PATH_CAP];
    const char *root = dest_root(data_dir, rootbuf, sizeof rootbuf);
    if (!root) {
        fprintf(stderr, "bitern data download: nowhere to put it: give --data-dir, or set BITERN_DATA or HOME\n");
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/%s", root, d->name);
    if (mkdirs(dir) < 0 || access(dir, W_OK) < 0) {
        fprintf(stderr, "bitern data download: cannot write to %s: %s\n", dir, strerror(errno));
        return 1;
    }
    int need[DS_MAX_FILES], missing = 0;
    for (int i = 0; i < d->nfiles; i++) {
        char p[PATH_CAP + 130], hex[65];
        snprintf(p, sizeof p, "%s/%s", dir, d->files[i].name);
        need[i] = access(p, F_OK) != 0 || bt_sha256_file(p, hex) < 0 || !data_hash_verdict(&d->files[i], hex);
        if (!need[i])
            printf("ok  %s (already there)\n", p);
        missing += need[i];
    }
    if (!missing)
        return 0;
    if (!fetch_available()) {
        fprintf(stderr, "bitern data download: this bitern was built without libcurl, so it cannot download "
                "(install libcurl4-openssl-dev and rebuild; list and verify work without it)\n");
        return 1;
    }
    char mbuf[2 * PATH_CAP], abs[PATH_MAX];
    if (mirror) {
        /* Without a scheme the mirror is a local directory: spare the user the file:// and the absolute path. */
        int local = !strstr(mirror, "://");
        if (local && !realpath(mirror, abs)) {
            fprintf(stderr, "bitern data download: mirror %s: %s\n", mirror, strerror(errno));
            return 1;
        }
        const char *m = local ? abs : mirror;
        size_t l = strlen(m);
        while (l > 1 && m[l - 1] == '/')
            l--;
        snprintf(mbuf, sizeof mbuf, "%s%.*s", local ? "file://" : "", (int)l, m);
        mirror = mbuf;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    int rc = 0;
    if (d->archive_dir) {
        const char *base = strrchr(d->url, '/') + 1;
        if (mirror)
            snprintf(url, sizeof url, "%s/%s/%s", mirror, d->name, base);
        else
            snprintf(url, sizeof url, "%s", d->url);
        rc = fetch_archive(d, dir, url, need);
        /* A mirror of an unpacked tree (such as ../shared/data) holds the members, not the tarball. One whose
         * tarball is bad gets no second chance. */
        if (rc == -1 && mirror) {
            printf("no usable %s on the mirror: fetching the files one by one\n", base);
            rc = 0;
            for (int i = 0; i < d->nfiles; i++) {
                char p[PATH_CAP + 130], hex[65];
                snprintf(p, sizeof p, "%s/%s", dir, d->files[i].name);
                if (access(p, F_OK) == 0 && bt_sha256_file(p, hex) == 0 && data_hash_verdict(&d->files[i], hex))
                    continue;
                snprintf(url, sizeof url, "%s/%s/%s", mirror, d->name, d->files[i].name);
                if ((rc = fetch_file(dir, &d->files[i], url)) < 0)
                    break;
            }
        }
    } else {
        for (int i = 0; i < d->nfiles; i++) {
            if (!need[i])
                continue;
            if (mirror)
                snprintf(url, sizeof url, "%s/%s/%s", mirror, d->name, d->files[i].name);
            else
                snprintf(url, sizeof url, "%s%s", d->url, d->files[i].name);
            /* Stop at the first failure: an unreachable host would otherwise cost a timeout per file. */
            if ((rc = fetch_file(dir, &d->files[i], url)) < 0)
                break;
        }
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    if (rc < 0) {
        fprintf(stderr, "bitern data download: %s is incomplete in %s\n", d->name, dir);
        return 1;
    }
    printf("%s: all %d files in %s\n", d->name, d->nfiles, dir);
    return 0;
}
