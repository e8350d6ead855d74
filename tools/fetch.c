/* SPDX-License-Identifier: MIT */
#include "tools/fetch.h"

#include <stdio.h>

#ifdef BITERN_HAVE_CURL
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bitern.h>
#include "tools/sha256.h"

typedef struct sink {
    int fd;
    bt_sha256_ctx sha;
    uint64_t bytes;
    int write_errno;
} sink;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb, done = 0;
    while (done < n) {
        ssize_t w = write(s->fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->write_errno = w < 0 ? errno : ENOSPC;
            return 0;   /* makes curl stop with CURLE_WRITE_ERROR */
        }
        done += (size_t)w;
    }
    bt_sha256_update(&s->sha, p, n);
    s->bytes += n;
    return n;
}

int fetch_available(void) { return 1; }

int fetch_url(const char *url, int fd, char sha256[65], uint64_t *bytes, char *err, size_t errcap)
{
    /* A local mirror's FIFO would block curl's open forever: refused first, as every file bitern reads is. */
    struct stat lst;
    if (!strncmp(url, "file://", 7) && stat(url + 7, &lst) == 0 && !S_ISREG(lst.st_mode)) {
        snprintf(err, errcap, "%s: not a regular file", url + 7);
        return -1;
    }
    static int inited;
    if (!inited) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errcap, "libcurl failed to initialise");
            return -1;
        }
        inited = 1;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errcap, "libcurl failed to initialise");
        return -1;
    }
    sink s = {.fd = fd};
    bt_sha256_init(&s.sha);
    char curlerr[CURL_ERROR_SIZE] = "", agent[64];
    snprintf(agent, sizeof agent, "bitern/%s", bitern_version());
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curlerr);
    curl_easy_setopt(c, CURLOPT_USERAGENT, agent);
    /* A 404 page must not be saved as the dataset: HTTP errors fail the transfer. */
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    /* Redirects may not reach file:// or anything but the web; the checksum guards content, this the machine. */
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    /* No overall cap (a slow but live link may take long over CIFAR's 163 MB), only a stall one.
     * BITERN_DATA_TIMEOUT shortens both, for tests and impatient users. */
    long connect_s = 30, stall_s = 60;
    const char *env = getenv("BITERN_DATA_TIMEOUT");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end || v < 1 || v > 3600) {
            snprintf(err, errcap, "BITERN_DATA_TIMEOUT='%s': expected whole seconds, 1 to 3600", env);
            curl_easy_cleanup(c);
            return -1;
        }
        connect_s = stall_s = v;
    }
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        if (rc == CURLE_WRITE_ERROR && s.write_errno)
            snprintf(err, errcap, "writing failed: %s", strerror(s.write_errno));
        else if (rc == CURLE_HTTP_RETURNED_ERROR)
            snprintf(err, errcap, "%s: HTTP error %ld", url, status);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            snprintf(err, errcap, "%s: timed out (%s)", url, curlerr[0] ? curlerr : curl_easy_strerror(rc));
        else
            snprintf(err, errcap, "%s: %s", url, curlerr[0] ? curlerr : curl_easy_strerror(rc));
        return -1;
    }
    uint8_t d[32];
    bt_sha256_final(&s.sha, d);
    bt_sha256_hex(d, sha256);
    *bytes = s.bytes;
    return 0;
}

#else

int fetch_available(void) { return 0; }

int fetch_url(const char *url, int fd, char sha256[65], uint64_t *bytes, char *err, size_t errcap)
{
    (void)fd, (void)sha256, (void)bytes;
    snprintf(err, errcap, "%s: this bitern was built without libcurl, so it cannot download (install "
             "libcurl4-openssl-dev and rebuild, or fetch the file yourself and run `bitern data verify`)", url);
    return -1;
}

#endif
