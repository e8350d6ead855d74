/* SPDX-License-Identifier: MIT */
/* Tuned dispatch (kernels/tune.c): a profile for this CPU is obeyed even where it names a slower variant, one for
 * another CPU or a malformed one is ignored whole, BITERN_TUNE=off and BITERN_ISA win over it, and results are the
 * same bits whichever variant runs. Each test runs in its own process (Criterion), so each reads its own profile. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The files a test made, removed when it ends. */
static char dir[] = "/tmp/bitern-tune-test-XXXXXX", sub[512], path[512];
static void cleanup(void)
{
    if (path[0])
        unlink(path);
    if (sub[0])
        rmdir(sub);
    rmdir(dir);
}
TestSuite(tune, .fini = cleanup);

/* A fresh cache directory with a profile whose body is `lines` (after the header), for `cpu` and `flags`. */
static void write_profile(const char *cpu, unsigned flags, const char *lines)
{
    cleanup();
    memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
    cr_assert_not_null(mkdtemp(dir));
    setenv("XDG_CACHE_HOME", dir, 1);
    unsetenv("BITERN_TUNE");
    unsetenv("BITERN_ISA");
    snprintf(sub, sizeof sub, "%s/bitern", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(bitern_tune_path(path, sizeof path), BITERN_OK);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "bitern-tune 1\ncpu %s\nflags 0x%x\n%s", cpu, flags, lines);
    fclose(f);
}

static bitern_fn slot(bitern_op op) { return bitern_kernel_slot(bitern_get_kernels(), op); }

static const char *why_of(const char *op)
{
    static bitern_variant_info v[512];
    size_t n = bitern_variants(v, 512);
    for (size_t i = 0; i < n && i < 512; i++)
        if (v[i].selected && !strcmp(v[i].op, op))
            return v[i].why;
    return "?";
}

/* A fixed random gemv_t2i8 problem, 37 x 1000. */
enum { M = 37, K = 1000 };
static int8_t x[K];
static uint64_t w[M * 32];
static void make_problem(void)
{
    int8_t w8[K];
    uint64_t s = 12345;
    for (size_t r = 0; r < M; r++) {
        for (size_t i = 0; i < K; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            w8[i] = (int8_t)((int)(s >> 60) % 2);
            x[i] = (int8_t)((int)((s >> 40) % 255) - 127);
        }
        cr_assert_eq(bitern_pack_t2_i8(w8, K, w + r * 32), BITERN_OK);
    }
}

Test(tune, a_profile_naming_a_slower_variant_is_obeyed_with_the_same_bits)
{
    write_profile(bitern_cpu_id(), bitern_cpu_flags(), "# a comment\ngemv_t2i8 scalar\n\ndot_b1b1 scalar\n");
    cr_assert_eq(bitern_init(), BITERN_OK);
    cr_assert(strstr(bitern_tune_status(), "profile") && strstr(bitern_tune_status(), "2 ops"), "status: %s",
              bitern_tune_status());
    cr_assert_eq(slot(BITERN_OP_gemv_t2i8), (bitern_fn)bitern_gemv_t2i8_scalar);
    cr_assert_eq(slot(BITERN_OP_dot_b1b1), (bitern_fn)bitern_dot_b1b1_scalar);
    cr_assert_str_eq(why_of("gemv_t2i8"), "profile");
    cr_assert_str_eq(why_of("gemv_b1i8"), "rank", "ops the profile does not name stay with the rank");
    cr_assert_eq(slot(BITERN_OP_gemv_b1i8), bitern_rank_variant(BITERN_OP_gemv_b1i8, bitern_active_flags())->fn);
    /* Through the public API (the profile's scalar) and through the rank's variant directly: the same bits. */
    make_problem();
    int32_t y[M], want[M];
    cr_assert_eq(bitern_gemv_t2i8(w, x, y, M, K), BITERN_OK);
    ((bitern_gemv_i8_fn *)bitern_rank_variant(BITERN_OP_gemv_t2i8, bitern_cpu_flags())->fn)(w, x, want, M, K);
    cr_assert_arr_eq(y, want, sizeof y);
}

Test(tune, a_profile_for_another_cpu_is_ignored)
{
    write_profile("NotThisVendor-1-2-3", bitern_cpu_flags(), "gemv_t2i8 scalar\n");
    cr_assert_eq(bitern_init(), BITERN_OK);
    cr_assert_eq(slot(BITERN_OP_gemv_t2i8), bitern_rank_variant(BITERN_OP_gemv_t2i8, bitern_cpu_flags())->fn);
    cr_assert(strstr(bitern_tune_status(), "ignored") && strstr(bitern_tune_status(), "NotThisVendor"), "status: %s",
              bitern_tune_status());
    cr_assert_str_eq(why_of("gemv_t2i8"), "rank");
}

Test(tune, a_profile_for_other_cpu_features_is_ignored)
{
    write_profile(bitern_cpu_id(), bitern_cpu_flags() ^ 0x100000u, "gemv_t2i8 scalar\n");
    cr_assert_eq(bitern_init(), BITERN_OK);
    cr_assert_eq(slot(BITERN_OP_gemv_t2i8), bitern_rank_variant(BITERN_OP_gemv_t2i8, bitern_cpu_flags())->fn);
    cr_assert(strstr(bitern_tune_status(), "features"), "status: %s", bitern_tune_status());
}

Test(tune, a_malformed_profile_is_ignored_whole)
{
    static const char *const bodies[] = { "gemv_t2i8 scalar\ngemv_t2i8 no_such_variant\n",
                                          "gemv_t2i8 scalar\nnot_an_op scalar\n", "gemv_t2i8 scalar extra\n",
                                          "gemv_t2i8 scalar\ngarbage" };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        write_profile(bitern_cpu_id(), bitern_cpu_flags(), bodies[i]);
        const bitern_variant *choice[BITERN_OP_COUNT] = { 0 };
        bitern_tune_load(choice);
        cr_assert_null(choice[BITERN_OP_gemv_t2i8], "body %zu: a valid line of a bad file is not trusted", i);
    }
    cr_assert_eq(bitern_init(), BITERN_OK);
    cr_assert(strstr(bitern_tune_status(), "ignored"), "status: %s", bitern_tune_status());
    cr_assert_eq(slot(BITERN_OP_gemv_t2i8), bitern_rank_variant(BITERN_OP_gemv_t2i8, bitern_cpu_flags())->fn);
}

Test(tune, bitern_tune_off_ignores_the_profile)
{
    write_profile(bitern_cpu_id(), bitern_cpu_flags(), "gemv_t2i8 scalar\n");
    setenv("BITERN_TUNE", "off", 1);
    cr_assert_eq(bitern_init(), BITERN_OK);
    cr_assert(strstr(bitern_tune_status(), "off"), "status: %s", bitern_tune_status());
    cr_assert_eq(slot(BITERN_OP_gemv_t2i8), bitern_rank_variant(BITERN_OP_gemv_t2i8, bitern_cpu_flags())->fn);
}

Test(tune, bitern_isa_still_caps_the_level)
{
    /* The profile names the rank's top variant; capped at scalar, the scalar one must run. */
    const bitern_variant *top = bitern_rank_variant(BITERN_OP_gemv_t2i8, bitern_cpu_flags());
    char line[128];
    snprintf(line, sizeof line, "gemv_t2i8 %s\n", top->name);
    write_profile(bitern_cpu_id(), bitern_cpu_flags(), line);
    setenv("BITERN_ISA", "scalar", 1);
    cr_assert_eq(bitern_init(), BITERN_OK);
    cr_assert_eq(slot(BITERN_OP_gemv_t2i8), (bitern_fn)bitern_gemv_t2i8_scalar);
    cr_assert_eq(bitern_set_isa("native"), BITERN_OK);
    cr_assert_eq(slot(BITERN_OP_gemv_t2i8), top->fn);
}
