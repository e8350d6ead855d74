/* SPDX-License-Identifier: MIT */
/* The dispatch rules: BITERN_ISA parsing, levels, masks, and switching levels while other threads compute.
 * Criterion runs each test in its own process, so each starts with the library uninitialised. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

Test(env, unknown_level_is_an_error_not_a_fallback)
{
    setenv("BITERN_ISA", "avx9000", 1);
    cr_assert_eq(bitern_init(), BITERN_ENOTSUP);
    cr_assert(strstr(bitern_last_error(), "unknown ISA level 'avx9000'"), "message: %s", bitern_last_error());
    cr_assert_null(bitern_get_kernels());
    int32_t r;
    uint64_t w = 0;
    cr_assert_eq(bitern_dot_b1b1(&w, &w, 1, &r), BITERN_ENOTSUP, "ops refuse to run on a bad BITERN_ISA");
}

Test(env, unsupported_level_is_an_error)
{
    /* One of the two architectures' levels is always unsupported. */
#if defined(__aarch64__)
    const char *foreign = "avx2";
#else
    const char *foreign = "neon";
#endif
    setenv("BITERN_ISA", foreign, 1);
    cr_assert_eq(bitern_init(), BITERN_ENOTSUP);
    cr_assert(strstr(bitern_last_error(), "not supported"), "message: %s", bitern_last_error());
}

Test(env, scalar_caps_every_op_to_the_reference)
{
    setenv("BITERN_ISA", "scalar", 1);
    cr_assert_eq(bitern_init(), BITERN_OK);
    cr_assert_str_eq(bitern_isa_name(), "scalar");
    cr_assert_eq(bitern_active_flags(), 0u);
    const bitern_kernels *k = bitern_get_kernels();
    for (int op = 0; op < BITERN_OP_COUNT; op++)
        cr_assert_eq(bitern_kernel_slot(k, (bitern_op)op), bitern_pick_variant((bitern_op)op, 0)->fn);
}

Test(api, set_isa_names_and_errors)
{
    cr_assert_eq(bitern_set_isa("scalar"), BITERN_OK);
    cr_assert_str_eq(bitern_isa_name(), "scalar");
    cr_assert_eq(bitern_set_isa("nonsense"), BITERN_ENOTSUP);
    cr_assert_str_eq(bitern_isa_name(), "scalar", "a refused switch leaves the level as it was");
    cr_assert_eq(bitern_set_isa(NULL), BITERN_EINVAL);
    cr_assert_eq(bitern_set_isa("native"), BITERN_OK);
    for (int i = 0; i < BITERN_ISA_COUNT; i++)
        if (bitern_isa_supported((bitern_isa)i)) {
            cr_assert_eq(bitern_set_isa(bitern_isa_level_name((bitern_isa)i)), BITERN_OK);
            cr_assert_str_eq(bitern_isa_name(), bitern_isa_level_name((bitern_isa)i));
        }
}

Test(api, cascade_prefers_the_last_runnable_variant)
{
    const bitern_variant *all[256];
    size_t n = bitern_all_variants(all, 256);
    unsigned cpu = bitern_cpu_flags();
    for (int op = 0; op < BITERN_OP_COUNT; op++) {
        const bitern_variant *want = NULL;
        for (size_t i = 0; i < n; i++)
            if (all[i]->op == (bitern_op)op && !(all[i]->flags & ~cpu))
                want = all[i];
        cr_assert_not_null(want);
        cr_assert_eq(bitern_pick_variant((bitern_op)op, cpu), want);
        cr_assert_eq(bitern_pick_variant((bitern_op)op, 0)->isa, BITERN_ISA_SCALAR);
    }
}

Test(api, cpu_mask_removes_a_feature)
{
    unsigned cpu = bitern_cpu_flags();
    cr_assert_eq(bitern_set_cpu_mask(~(unsigned)BITERN_CPU_X86_AVX512_VPOPCNTDQ), BITERN_OK);
    cr_assert_eq(bitern_active_flags(), cpu & ~(unsigned)BITERN_CPU_X86_AVX512_VPOPCNTDQ);
    const bitern_kernels *k = bitern_get_kernels();
    for (int op = 0; op < BITERN_OP_COUNT; op++) {
        const bitern_variant *v = bitern_pick_variant((bitern_op)op, bitern_active_flags());
        cr_assert_eq(bitern_kernel_slot(k, (bitern_op)op), v->fn);
        cr_assert_eq(v->flags & BITERN_CPU_X86_AVX512_VPOPCNTDQ, 0u);
    }
    cr_assert_eq(bitern_set_cpu_mask(~0u), BITERN_OK);
    cr_assert_eq(bitern_active_flags(), cpu);
}

/* Several threads call ops while another switches levels back and forth: every result must stay exact. */
static atomic_int stop;
static void *worker(void *arg)
{
    (void)arg;
    enum { K = 5000 };
    static uint64_t w[79], x[79];
    static int8_t xi[K];
    for (int i = 0; i < 79; i++) {
        w[i] = 0x0123456789abcdefULL * (uint64_t)(i + 1);
        x[i] = ~w[i] ^ ((uint64_t)i << 7);
    }
    w[78] &= (1ULL << (K % 64)) - 1;
    x[78] &= (1ULL << (K % 64)) - 1;
    for (int i = 0; i < K; i++)
        xi[i] = (int8_t)((i * 37) % 255 - 127);
    int32_t want = bitern_dot_b1b1_scalar(w, x, K), want_i8 = bitern_dot_b1i8_scalar(w, xi, K);
    long bad = 0;
    while (!atomic_load(&stop)) {
        int32_t r, s;
        if (bitern_dot_b1b1(w, x, K, &r) != BITERN_OK || r != want)
            bad++;
        if (bitern_dot_b1i8(w, xi, K, &s) != BITERN_OK || s != want_i8)
            bad++;
    }
    return (void *)bad;
}

Test(threads, switching_levels_while_computing)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (int round = 0; round < 2000; round++)
        for (int i = 0; i < BITERN_ISA_COUNT; i++)
            if (bitern_isa_supported((bitern_isa)i))
                cr_assert_eq(bitern_set_isa(bitern_isa_level_name((bitern_isa)i)), BITERN_OK);
    atomic_store(&stop, 1);
    for (int i = 0; i < 3; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        cr_assert_eq((long)bad, 0, "thread %d saw %ld wrong results", i, (long)bad);
    }
}
