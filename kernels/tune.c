/* SPDX-License-Identifier: MIT */
/*
 * Tuned dispatch: a per-CPU profile, measured by `bitern tune`, that names the variant each op should use.
 *
 * Every variant is exact, so which one runs is a speed choice only. The rank of the cascade (the last variant
 * whose flags the CPU has) is a guess that measurements contradicted (on Zen 5 the avx512 sibling of
 * some vpopcntdq kernels is 1.5x faster); a profile records what was measured on this very CPU instead.
 *
 * The profile is a small text file, $XDG_CACHE_HOME/bitern/tune-<cpu id>.txt ($HOME/.cache when XDG_CACHE_HOME is
 * unset), where the cpu id is the vendor, family, model and stepping (x86) or implementer and part (AArch64):
 *
 *     bitern-tune 1
 *     cpu GenuineIntel-6-143-8
 *     flags 0x7f
 *     gemv_t2i8 avx512_vnni
 *     ...
 *
 * It is used only if every line is valid, the cpu line is this CPU's id and the flags line this CPU's detected
 * features (a VM that hides AVX-512 is another machine): anything else ignores the whole file with one note on
 * stderr, never a partial trust. BITERN_TUNE=off ignores it silently. A named variant still needs the flags of the
 * level in use, so BITERN_ISA (and bitern_set_cpu_mask) cap it: above the cap, the rank decides for that op.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static char status[1024] = "no profile read";

const char *bitern_tune_status(void)
{
    bitern_init();
    return status;
}

int bitern_tune_path(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && *xdg)
        n = snprintf(buf, len, "%s/bitern/tune-%s.txt", xdg, bitern_cpu_id());
    else if (home && *home)
        n = snprintf(buf, len, "%s/.cache/bitern/tune-%s.txt", home, bitern_cpu_id());
    else
        return bitern_fail(BITERN_EINVAL, "neither XDG_CACHE_HOME nor HOME is set: no place for a tune profile");
    if (n < 0 || (size_t)n >= len)
        return bitern_fail(BITERN_EINVAL, "tune profile path too long");
    return BITERN_OK;
}

static const bitern_variant *find_variant(const char *op, const char *name)
{
    const bitern_variant *all[512];
    size_t n = bitern_all_variants(all, 512);
    for (size_t i = 0; i < n && i < 512; i++)
        if (!strcmp(bitern_op_name(all[i]->op), op) && !strcmp(all[i]->name, name))
            return all[i];
    return NULL;
}

const char *bitern_tune_parse(FILE *f, const bitern_variant *choice[BITERN_OP_COUNT], char *err, size_t errlen)
{
    char line[256], cpu[128] = "", id[128];
    unsigned flags = 0;
    int have_flags = 0, lineno = 0;
    if (!fgets(line, sizeof line, f) || strcmp(line, "bitern-tune 1\n"))
        return "its first line is not 'bitern-tune 1' (not a profile, or another version)";
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char a[128], b[128], extra[2];
        if (!strchr(line, '\n'))
            return snprintf(err, errlen, "line %d is too long or unterminated", lineno + 1), err;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "%127s %127s %1s", a, b, extra) != 2)
            return snprintf(err, errlen, "line %d is not '<key> <value>'", lineno + 1), err;
        if (!strcmp(a, "cpu")) {
            snprintf(cpu, sizeof cpu, "%s", b);
        } else if (!strcmp(a, "flags")) {
            char *end;
            errno = 0;
            unsigned long v = strtoul(b, &end, 16);
            if (*end || errno || v > 0xffffffffu)
                return snprintf(err, errlen, "line %d: bad flags '%s'", lineno + 1, b), err;
            flags = (unsigned)v;
            have_flags = 1;
        } else {
            const bitern_variant *v = find_variant(a, b);
            if (!v)
                return snprintf(err, errlen, "line %d: no variant '%s' of op '%s' in this build", lineno + 1, b, a),
                       err;
            choice[v->op] = v;
        }
    }
    if (ferror(f))
        return "it could not be read";
    snprintf(id, sizeof id, "%s", bitern_cpu_id());
    if (strcmp(cpu, id))
        return snprintf(err, errlen, "it is for CPU '%s', this is '%s'", cpu, id), err;
    if (!have_flags || flags != bitern_cpu_flags())
        return snprintf(err, errlen, "it is for CPU features 0x%x, this CPU has 0x%x", flags, bitern_cpu_flags()),
               err;
    return NULL;
}

void bitern_tune_load(const bitern_variant *choice[BITERN_OP_COUNT])
{
    const char *env = getenv("BITERN_TUNE");
    if (env && !strcmp(env, "off")) {
        snprintf(status, sizeof status, "off (BITERN_TUNE=off): the rank decides");
        return;
    }
    char path[512];
    if (bitern_tune_path(path, sizeof path) != BITERN_OK) {
        snprintf(status, sizeof status, "none (%s): the rank decides", bitern_last_error());
        return;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(status, sizeof status, "none at %s: the rank decides (bitern tune writes one)", path);
        return;
    }
    const bitern_variant *tmp[BITERN_OP_COUNT] = { 0 };
    char err[400];
    const char *why = bitern_tune_parse(f, tmp, err, sizeof err);
    fclose(f);
    if (why) {
        snprintf(status, sizeof status, "ignored %s: %s; the rank decides", path, why);
        fprintf(stderr, "bitern: note: tune profile %s ignored: %s\n", path, why);
        return;
    }
    int n = 0;
    for (int op = 0; op < BITERN_OP_COUNT; op++) {
        choice[op] = tmp[op];
        n += tmp[op] != NULL;
    }
    snprintf(status, sizeof status, "profile %s (%d ops)", path, n);
}

/* ---- measuring ---- */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { return bitern_xorshift(&rng); }

typedef enum { OPS_DOT, OPS_GEMV, OPS_GEMM, OPS_OTHER } op_kind;
static op_kind kind_of(bitern_op op)
{
    const char *n = bitern_op_name(op);
    return !strncmp(n, "dot_", 4) ? OPS_DOT : !strncmp(n, "gemv_", 5) ? OPS_GEMV : !strncmp(n, "gemm_", 5) ? OPS_GEMM
                                                                                                       : OPS_OTHER;
}

/* Bytes of one row of k elements of an op's W (x_side = 0) or X (x_side = 1). */
static size_t row_bytes(bitern_op op, int x_side, size_t k)
{
    const char *n = strchr(bitern_op_name(op), '_') + 1; /* "t2i8" */
    const char *f = x_side ? n + 2 : n;
    if (!strncmp(f, "i8", 2))
        return k;
    if (!strncmp(f, "t3", 2))
        return 8 * bitern_t3_words(k);
    if (!strncmp(f, "t2", 2))
        return 8 * bitern_t2_words(k);
    return 8 * bitern_b1_words(k);
}

/* Random operands: canonical for every format when k % 64 == 0 (a T2 pair is a mask and a sign under it, which
 * are also valid B1 words; T3 bytes are random codes). */
static void fill(uint8_t *p, size_t bytes, bitern_op op, int x_side)
{
    const char *n = strchr(bitern_op_name(op), '_') + 1, *f = x_side ? n + 2 : n;
    for (size_t i = 0; i < bytes; i += 8) {
        uint64_t v = rnd(), u = rnd();
        for (size_t j = 0; j < 8 && i + j < bytes; j++) {
            uint8_t byte = (uint8_t)(v >> (8 * j));
            if (!strncmp(f, "i8", 2))
                byte = (uint8_t)(int8_t)((int)(byte % 255) - 127);
            else if (!strncmp(f, "t3", 2))
                byte = (uint8_t)((256 * (unsigned)((v >> (8 * j)) % 243) + 242) / 243);
            else if (!strncmp(f, "t2", 2) && (i / 8) % 2)
                byte &= (uint8_t)(u >> (8 * j)) & p[i + j - 8];
            p[i + j] = byte;
        }
    }
}

typedef struct {
    size_t m, n, k, copies; /* copies > 1: each call reads the next copy of W (streamed from DRAM) */
} shape;

static void shape_name(const shape *s, op_kind kd, char *buf, size_t len)
{
    if (kd == OPS_DOT)
        snprintf(buf, len, "k%zu", s->k);
    else if (kd == OPS_GEMV)
        snprintf(buf, len, "%zux%zu%s", s->m, s->k, s->copies > 1 ? " streamed" : "");
    else
        snprintf(buf, len, "%zux%zux%zu", s->m, s->n, s->k);
}

/* Median seconds per call of variant v at shape s over buffers w (copies of wbytes), x, out. */
static double time_variant(const bitern_variant *v, const shape *s, const uint8_t *w, size_t wbytes,
                           const uint8_t *x, int32_t *out, double min_sample)
{
    op_kind kd = kind_of(v->op);
    int i8 = !strcmp(bitern_op_name(v->op) + strlen(bitern_op_name(v->op)) - 2, "i8");
    size_t iters = 1, next = 0;
    double samples[5];
    for (int rep = -1; rep < 5; rep++) {
        double t0 = now_s();
        for (size_t it = 0; it < iters; it++) {
            const void *wp = w + next * wbytes;
            next = next + 1 == s->copies ? 0 : next + 1;
            if (kd == OPS_DOT)
                out[0] = i8 ? ((bitern_dot_i8_fn *)v->fn)(wp, (const int8_t *)x, s->k)
                            : ((bitern_dot_bits_fn *)v->fn)(wp, (const uint64_t *)x, s->k);
            else if (kd == OPS_GEMV && i8)
                ((bitern_gemv_i8_fn *)v->fn)(wp, (const int8_t *)x, out, s->m, s->k);
            else if (kd == OPS_GEMV)
                ((bitern_gemv_bits_fn *)v->fn)(wp, (const uint64_t *)x, out, s->m, s->k);
            else if (i8)
                ((bitern_gemm_i8_fn *)v->fn)(wp, (const int8_t *)x, out, s->m, s->n, s->k);
            else
                ((bitern_gemm_bits_fn *)v->fn)(wp, (const uint64_t *)x, out, s->m, s->n, s->k);
        }
        double dt = now_s() - t0;
        if (rep < 0) { /* calibration: samples of at least min_sample seconds */
            if (dt < min_sample && iters < (1u << 20)) {
                iters *= 2;
                rep--;
            }
            continue;
        }
        samples[rep] = dt / (double)iters;
    }
    for (int i = 0; i < 5; i++) /* sort 5: median */
        for (int j = i + 1; j < 5; j++)
            if (samples[j] < samples[i]) {
                double t = samples[i];
                samples[i] = samples[j];
                samples[j] = t;
            }
    return samples[2];
}

/* The variants of op that this CPU runs and that tuning chooses between (the scalar reference never wins). */
static size_t candidates(bitern_op op, const bitern_variant *const *all, size_t nv, unsigned usable,
                         const bitern_variant *cand[32])
{
    size_t nc = 0;
    for (size_t i = 0; i < nv && i < 512; i++)
        if (all[i]->op == op && all[i]->isa != BITERN_ISA_SCALAR && !(all[i]->flags & ~usable) && nc < 32)
            cand[nc++] = all[i];
    return nc;
}

int bitern_tune_measure(int quick, int verbose, char **text_out)
{
    if (bitern_init() != BITERN_OK)
        return bitern_init();
    const bitern_variant *all[512];
    size_t nv = bitern_all_variants(all, 512);
    unsigned usable = bitern_cpu_flags() & bitern_active_flags();
    /* In L1/L2, in L3, streamed (copies of W that together exceed the caches), and a GEMM. */
    const shape dot_shapes[] = { { 1, 1, 4096, 1 }, { 1, 1, quick ? 16384 : 262144, 1 } };
    const shape gemv_shapes[] = { { quick ? 64 : 512, 1, 4096, 1 },
                                  { quick ? 256 : 4096, 1, 4096, 1 },
                                  { quick ? 256 : 4096, 1, 4096, quick ? 2 : 48 } };
    const shape gemm_shapes[] = { { quick ? 16 : 128, quick ? 16 : 256, 1024, 1 } };
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    if (!text)
        return bitern_fail(BITERN_ENOMEM, "tune: out of memory");
    len += (size_t)snprintf(text + len, cap - len, "bitern-tune 1\ncpu %s\nflags 0x%x\n# %s\n", bitern_cpu_id(),
                            bitern_cpu_flags(), bitern_cpu_name());
    /* Progress on stderr (verbose): ops done, and the time left at the pace so far. */
    int todo = 0, done = 0;
    for (int op = 0; op < BITERN_OP_COUNT; op++) {
        const bitern_variant *cand[32];
        todo += kind_of((bitern_op)op) != OPS_OTHER && candidates((bitern_op)op, all, nv, usable, cand) >= 2;
    }
    double t0 = now_s();
    for (int op = 0; op < BITERN_OP_COUNT; op++) {
        op_kind kd = kind_of((bitern_op)op);
        if (kd == OPS_OTHER)
            continue;
        const shape *shapes = kd == OPS_DOT ? dot_shapes : kd == OPS_GEMV ? gemv_shapes : gemm_shapes;
        size_t nshapes = kd == OPS_DOT ? 2 : kd == OPS_GEMV ? 3 : 1;
        const bitern_variant *cand[32];
        size_t nc = candidates((bitern_op)op, all, nv, usable, cand);
        if (nc < 2)
            continue; /* nothing to choose */
        double score[32] = { 0 };
        for (size_t si = 0; si < nshapes; si++) {
            const shape *s = &shapes[si];
            size_t wbytes = (s->m) * row_bytes((bitern_op)op, 0, s->k);
            size_t xbytes = (kd == OPS_GEMM ? s->n : 1) * row_bytes((bitern_op)op, 1, s->k);
            uint8_t *w = malloc(wbytes * s->copies + 64), *x = malloc(xbytes + 64);
            int32_t *out = malloc(sizeof(int32_t) * (s->m * (kd == OPS_GEMM ? s->n : 1) + 1));
            if (!w || !x || !out) {
                free(w), free(x), free(out), free(text);
                return bitern_fail(BITERN_ENOMEM, "tune: out of memory");
            }
            fill(w, wbytes * s->copies, (bitern_op)op, 0);
            fill(x, xbytes, (bitern_op)op, 1);
            double t[32], best = 0;
            for (size_t c = 0; c < nc; c++) {
                t[c] = time_variant(cand[c], s, w, wbytes, x, out, quick ? 2e-4 : 2e-3);
                best = c == 0 || t[c] < best ? t[c] : best;
            }
            char what[64];
            shape_name(s, kd, what, sizeof what);
            for (size_t c = 0; c < nc; c++) {
                score[c] += t[c] / best; /* each shape weighs the same: slowdown against the fastest */
                if (len + 200 < cap)
                    len += (size_t)snprintf(text + len, cap - len, "# %s %s %s: %.3g us\n", bitern_op_name(op),
                                            what, cand[c]->name, 1e6 * t[c]);
            }
            free(w), free(x), free(out);
        }
        size_t pick = 0;
        for (size_t c = 1; c < nc; c++)
            if (score[c] < score[pick])
                pick = c;
        if (verbose) {
            done++;
            long left = (long)((now_s() - t0) / done * (todo - done) + 0.5);
            fprintf(stderr, "bitern tune: [%d/%d] %-12s %-28s ETA %ld:%02ld\n", done, todo, bitern_op_name(op),
                    cand[pick]->name, left / 60, left % 60);
        }
        if (len + 100 < cap)
            len += (size_t)snprintf(text + len, cap - len, "%s %s\n", bitern_op_name(op), cand[pick]->name);
    }
    *text_out = text;
    return BITERN_OK;
}
