/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "model/files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/util.h"

static const char *kind_of(mode_t m)
{
    return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISSOCK(m) ? "a socket" : S_ISDIR(m) ? "a directory" : "not a regular file";
}

int bm_open_regular(const char *path)
{
    /* O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one; the check below
     * then refuses it. O_NOCTTY: a terminal device must not become ours on the way. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return bm_fail("%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return bm_fail("%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return bm_fail("%s: is %s, not a regular file", path, kind_of(st.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return bm_fail("%s: fcntl: %s", path, strerror(e));
    }
    return fd;
}

FILE *bm_fopen_regular(const char *path)
{
    int fd = bm_open_regular(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        bm_fail("%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

void bm_paths_add(bm_path_set *s, const char *opt, const char *path, int output, int alias_group)
{
    if (!path || !*path)
        return;
    if (s->n == BM_PATHS_MAX)
        abort();
    s->e[s->n++] = (bm_path_entry){.opt = opt, .path = path, .output = output, .alias_group = alias_group};
}

/* What a path names: an existing file by (device, inode), one to be created by realpath(dir) + "/" + name. */
typedef struct path_id {
    int exists;
    dev_t dev;
    ino_t ino;
    char name[PATH_MAX + NAME_MAX + 2];
} path_id;

static void identify(const char *path, path_id *id)
{
    struct stat st;
    memset(id, 0, sizeof *id);
    if (stat(path, &st) == 0) {
        id->exists = 1;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        return;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char dir[PATH_MAX], real[PATH_MAX];
    size_t dl = slash ? (size_t)(slash - path) : 1;
    if (dl >= sizeof dir) {
        snprintf(id->name, sizeof id->name, "%s", path);
        return;
    }
    if (slash)
        memcpy(dir, path, dl ? dl : 1);   /* "/x": the directory is "/" */
    else
        dir[0] = '.';
    dir[dl ? dl : 1] = 0;
    if (realpath(dir, real))
        snprintf(id->name, sizeof id->name, "%s/%s", real, base);
    else   /* a directory that does not exist: the write fails later with its own message; compare by text */
        snprintf(id->name, sizeof id->name, "%s", path);
}

static int same(const path_id *a, const path_id *b)
{
    if (a->exists != b->exists)
        return 0;
    return a->exists ? a->dev == b->dev && a->ino == b->ino : strcmp(a->name, b->name) == 0;
}

int bm_paths_check(const bm_path_set *s)
{
    path_id *ids = bm_alloc((size_t)(s->n ? s->n : 1), sizeof *ids);
    for (int i = 0; i < s->n; i++)
        identify(s->e[i].path, &ids[i]);
    int rc = 0;
    for (int i = 0; i < s->n && rc == 0; i++)
        for (int j = 0; j < i && rc == 0; j++) {
            const bm_path_entry *a = &s->e[j], *b = &s->e[i];
            if (!a->output && !b->output)
                continue;
            if (a->alias_group && a->alias_group == b->alias_group)
                continue;
            if (same(&ids[i], &ids[j]))
                rc = bm_fail("%s %s and %s %s are the same file: an output may not name another input or "
                             "output of the run", a->opt, a->path, b->opt, b->path);
        }
    free(ids);
    return rc;
}
