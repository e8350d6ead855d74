/* SPDX-License-Identifier: MIT */
/*
 * One dispatch table per set of CPU flags, filled once from the variant lists and never modified after it is
 * published: a thread that read the old pointer keeps a valid table while another thread switches levels.
 *
 * The cascade is data, not code: the lists hold every variant in ascending order of preference (scalar, then
 * each ISA's), and for each op the last variant whose flags the CPU has wins. dav1d writes the same cascade as
 * `if (!(flags & LEVEL)) return; c->fn = fn_level;`; a list makes it also enumerable by `bitern info`, the
 * checker and the benchmarks.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const bitern_variant_list *const variant_lists[] = {
    &bitern_variants_scalar,
#if defined(BITERN_NO_SIMD)
#elif defined(__x86_64__)
    &bitern_variants_avx2,
    &bitern_variants_avx512,
#elif defined(__aarch64__)
    &bitern_variants_neon,
#endif
};
#define N_LISTS (sizeof variant_lists / sizeof variant_lists[0])

static const char *const op_names[] = {
#define BITERN_X_NAME(op, ...) #op,
    BITERN_OP_LIST(BITERN_X_NAME)
#undef BITERN_X_NAME
};

static const size_t op_offsets[] = {
#define BITERN_X_OFFSET(op, ...) offsetof(bitern_kernels, op),
    BITERN_OP_LIST(BITERN_X_OFFSET)
#undef BITERN_X_OFFSET
};

const char *bitern_op_name(bitern_op op) { return (unsigned)op < BITERN_OP_COUNT ? op_names[op] : "?"; }

/* ---- errors ---- */
static _Thread_local char last_error[512];

int bitern_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

const char *bitern_last_error(void) { return last_error; }

const char *bitern_strerror(int status)
{
    switch (status) {
    case BITERN_OK: return "success";
    case BITERN_EINVAL: return "invalid argument";
    case BITERN_ENOTSUP: return "not supported on this CPU or build";
    case BITERN_ENONFINITE: return "NaN or infinity in input";
    case BITERN_ENOMEM: return "out of memory";
    case BITERN_EFORMAT: return "packed data not in canonical form";
    default: return "unknown error";
    }
}

const char *bitern_version(void) { return BITERN_VERSION_STRING; }

/* ---- picking variants ---- */
/* The tune profile's choices (tune.c), read once by init_from_env before any table is filled. */
static const bitern_variant *tuned[BITERN_OP_COUNT];

const bitern_variant *bitern_pick_variant(bitern_op op, unsigned flags)
{
    const bitern_variant *t = (unsigned)op < BITERN_OP_COUNT ? tuned[op] : NULL;
    return t && (t->flags & ~flags) == 0 ? t : bitern_rank_variant(op, flags);
}

const bitern_variant *bitern_rank_variant(bitern_op op, unsigned flags)
{
    const bitern_variant *best = NULL;
    for (size_t l = 0; l < N_LISTS; l++)
        for (size_t i = 0; i < variant_lists[l]->count; i++) {
            const bitern_variant *v = &variant_lists[l]->v[i];
            if (v->op == op && (v->flags & ~flags) == 0)
                best = v;
        }
    return best;
}

size_t bitern_all_variants(const bitern_variant **out, size_t cap)
{
    size_t n = 0;
    for (size_t l = 0; l < N_LISTS; l++)
        for (size_t i = 0; i < variant_lists[l]->count; i++, n++)
            if (n < cap)
                out[n] = &variant_lists[l]->v[i];
    return n;
}

bitern_fn bitern_kernel_slot(const bitern_kernels *k, bitern_op op)
{
    bitern_fn fn;
    memcpy(&fn, (const char *)k + op_offsets[op], sizeof fn);
    return fn;
}

void bitern_fill_kernels(bitern_kernels *k, unsigned flags)
{
    for (int op = 0; op < BITERN_OP_COUNT; op++) {
        const bitern_variant *v = bitern_pick_variant((bitern_op)op, flags);
        /* The scalar list has every op, with no flags: v is never NULL. */
        memcpy((char *)k + op_offsets[op], &v->fn, sizeof v->fn);
    }
}

/* ---- ISA levels ---- */
static const char *const isa_names[BITERN_ISA_COUNT] = { "scalar", "avx2", "avx512", "neon", "neon-dotprod" };

const char *bitern_isa_level_name(bitern_isa isa) { return (unsigned)isa < BITERN_ISA_COUNT ? isa_names[isa] : "?"; }

/* The flags a level may use. */
unsigned bitern_isa_flags(bitern_isa isa)
{
    switch (isa) {
    case BITERN_ISA_SCALAR: return 0;
    case BITERN_ISA_AVX2: return BITERN_CPU_X86_POPCNT | BITERN_CPU_X86_AVX2;
    case BITERN_ISA_AVX512:
        return BITERN_CPU_X86_POPCNT | BITERN_CPU_X86_AVX2 | BITERN_CPU_X86_AVX512 | BITERN_CPU_X86_AVX512_VPOPCNTDQ |
               BITERN_CPU_X86_AVX512_VNNI | BITERN_CPU_X86_AVX512_BITALG | BITERN_CPU_X86_AVX512_VBMI;
    case BITERN_ISA_NEON: return BITERN_CPU_ARM_NEON;
    case BITERN_ISA_NEON_DOTPROD: return BITERN_CPU_ARM_NEON | BITERN_CPU_ARM_DOTPROD;
    default: return 0;
    }
}

/* The flags without which a level is not there at all. */
static unsigned isa_required(bitern_isa isa)
{
    switch (isa) {
    case BITERN_ISA_AVX2: return BITERN_CPU_X86_POPCNT | BITERN_CPU_X86_AVX2;
    case BITERN_ISA_AVX512: return BITERN_CPU_X86_POPCNT | BITERN_CPU_X86_AVX2 | BITERN_CPU_X86_AVX512;
    case BITERN_ISA_NEON: return BITERN_CPU_ARM_NEON;
    case BITERN_ISA_NEON_DOTPROD: return BITERN_CPU_ARM_NEON | BITERN_CPU_ARM_DOTPROD;
    default: return 0;
    }
}

static const char *const flag_names[] = {
    "popcnt", "avx2", "avx512", "avx512_vpopcntdq", "avx512_vnni", "avx512_bitalg", "avx512_vbmi", "", "neon",
    "dotprod",
};

const char *bitern_cpu_flag_name(unsigned bit_index)
{
    return bit_index < sizeof flag_names / sizeof flag_names[0] ? flag_names[bit_index] : NULL;
}

/* ---- global state ---- */
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static unsigned detected_flags;
static char cpu_name[96], cpu_id[96];

static void detect(void)
{
    detected_flags = bitern_detect_cpu();
    bitern_detect_cpu_name(cpu_name, sizeof cpu_name);
    bitern_detect_cpu_id(cpu_id, sizeof cpu_id);
}

const char *bitern_cpu_id(void)
{
    pthread_once(&detect_once, detect);
    return cpu_id;
}

unsigned bitern_cpu_flags(void)
{
    pthread_once(&detect_once, detect);
    return detected_flags;
}

const char *bitern_cpu_name(void)
{
    pthread_once(&detect_once, detect);
    return cpu_name;
}

int bitern_isa_supported(bitern_isa isa)
{
    if ((unsigned)isa >= BITERN_ISA_COUNT)
        return 0;
    unsigned req = isa_required(isa);
    return (bitern_cpu_flags() & req) == req;
}

/* Published tables, one per distinct flag set, kept for the life of the process. */
#define MAX_TABLES 32
static struct {
    unsigned flags;
    bitern_kernels k;
} tables[MAX_TABLES];
static size_t n_tables;
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(const bitern_kernels *) current;
static _Atomic unsigned active_flags;
static bitern_isa cap_isa = BITERN_ISA_COUNT; /* none: the best the CPU has */
static unsigned flag_mask = ~0u;

/* Under state_lock. */
static int publish(unsigned flags)
{
    for (size_t i = 0; i < n_tables; i++)
        if (tables[i].flags == flags) {
            atomic_store(&active_flags, flags);
            atomic_store(&current, &tables[i].k);
            return BITERN_OK;
        }
    if (n_tables == MAX_TABLES)
        return bitern_fail(BITERN_ENOMEM, "too many distinct CPU flag sets requested (%d)", MAX_TABLES);
    tables[n_tables].flags = flags;
    bitern_fill_kernels(&tables[n_tables].k, flags);
    atomic_store(&active_flags, flags);
    atomic_store(&current, &tables[n_tables].k);
    n_tables++;
    return BITERN_OK;
}

static int parse_isa(const char *name, bitern_isa *out)
{
    if (!strcmp(name, "native")) {
        *out = BITERN_ISA_COUNT;
        return BITERN_OK;
    }
    for (int i = 0; i < BITERN_ISA_COUNT; i++)
        if (!strcmp(name, isa_names[i])) {
            *out = (bitern_isa)i;
            return BITERN_OK;
        }
    return bitern_fail(BITERN_ENOTSUP,
                       "unknown ISA level '%s' (known: scalar, avx2, avx512, neon, neon-dotprod, native)", name);
}

static int supported_or_fail(bitern_isa isa, const char *name)
{
    if (isa == BITERN_ISA_COUNT || bitern_isa_supported(isa))
        return BITERN_OK;
    char have[128] = "scalar";
    for (int i = 1; i < BITERN_ISA_COUNT; i++)
        if (bitern_isa_supported((bitern_isa)i)) {
            strncat(have, ", ", sizeof have - strlen(have) - 1);
            strncat(have, isa_names[i], sizeof have - strlen(have) - 1);
        }
    return bitern_fail(BITERN_ENOTSUP, "ISA level '%s' is not supported by this CPU or build (supported: %s)",
                       name, have);
}

static unsigned flags_for(bitern_isa isa, unsigned mask)
{
    unsigned f = bitern_cpu_flags() & mask;
    return isa == BITERN_ISA_COUNT ? f : f & bitern_isa_flags(isa);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status;
static char init_error[600];

static void init_from_env(void)
{
    bitern_tune_load(tuned);
    const char *env = getenv("BITERN_ISA");
    bitern_isa isa = BITERN_ISA_COUNT;
    if (env && *env) {
        init_status = parse_isa(env, &isa);
        if (init_status == BITERN_OK)
            init_status = supported_or_fail(isa, env);
        if (init_status != BITERN_OK) {
            snprintf(init_error, sizeof init_error, "BITERN_ISA: %s", last_error);
            return;
        }
    }
    pthread_mutex_lock(&state_lock);
    cap_isa = isa;
    init_status = publish(flags_for(cap_isa, flag_mask));
    pthread_mutex_unlock(&state_lock);
}

int bitern_init(void)
{
    pthread_once(&init_once, init_from_env);
    if (init_status != BITERN_OK)
        return bitern_fail(init_status, "%s", init_error);
    return BITERN_OK;
}

int bitern_set_isa(const char *name)
{
    bitern_isa isa = BITERN_ISA_COUNT;
    if (!name)
        return bitern_fail(BITERN_EINVAL, "ISA level name is NULL");
    int st = parse_isa(name, &isa);
    if (st == BITERN_OK)
        st = supported_or_fail(isa, name);
    if (st != BITERN_OK)
        return st;
    pthread_once(&init_once, init_from_env);
    pthread_mutex_lock(&state_lock);
    cap_isa = isa;
    st = publish(flags_for(cap_isa, flag_mask));
    pthread_mutex_unlock(&state_lock);
    /* An explicit choice replaces a bad BITERN_ISA: the caller has said what it wants. */
    if (st == BITERN_OK)
        init_status = BITERN_OK;
    return st;
}

int bitern_set_cpu_mask(unsigned mask)
{
    pthread_once(&init_once, init_from_env);
    pthread_mutex_lock(&state_lock);
    flag_mask = mask;
    int st = publish(flags_for(cap_isa, flag_mask));
    pthread_mutex_unlock(&state_lock);
    return st;
}

const bitern_kernels *bitern_get_kernels(void)
{
    if (bitern_init() != BITERN_OK)
        return NULL;
    return atomic_load(&current);
}

unsigned bitern_active_flags(void)
{
    bitern_init();
    return atomic_load(&active_flags);
}

const char *bitern_isa_name(void)
{
    unsigned f = bitern_active_flags();
    const char *name = isa_names[BITERN_ISA_SCALAR];
    for (int i = 1; i < BITERN_ISA_COUNT; i++) {
        unsigned req = isa_required((bitern_isa)i);
        if ((f & req) == req)
            name = isa_names[i];
    }
    return name;
}

size_t bitern_variants(bitern_variant_info *out, size_t cap)
{
    const bitern_kernels *k = bitern_get_kernels();
    unsigned cpu = bitern_cpu_flags();
    size_t n = 0;
    for (size_t l = 0; l < N_LISTS; l++)
        for (size_t i = 0; i < variant_lists[l]->count; i++, n++) {
            const bitern_variant *v = &variant_lists[l]->v[i];
            if (n >= cap)
                continue;
            out[n].op = op_names[v->op];
            out[n].name = v->name;
            out[n].isa = isa_names[v->isa];
            out[n].flags = v->flags;
            out[n].runnable = (v->flags & ~cpu) == 0;
            out[n].selected = k && bitern_kernel_slot(k, v->op) == v->fn;
            out[n].why = !out[n].selected ? "" : tuned[v->op] == v ? "profile" : "rank";
        }
    return n;
}

#if defined(BITERN_NO_SIMD) || (!defined(__x86_64__) && !defined(__aarch64__))
/* No SIMD variants to choose between: nothing to detect. */
unsigned bitern_detect_cpu(void) { return 0; }
void bitern_detect_cpu_name(char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
}
void bitern_detect_cpu_id(char *buf, size_t len) { snprintf(buf, len, "generic"); }
#endif
