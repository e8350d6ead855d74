// SPDX-License-Identifier: MIT
// bitern-bench: registers one Google Benchmark per op x variant x shape x thread count, from the same variant
// list the checker walks (bitern_all_variants), beside the OpenBLAS float baselines, and records the machine
// and the rooflines measured in this run as JSON context. Everything it times is C (bench.h); this file only
// registers, counts and describes. Usage: bench/README.md.
#include <regex.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench.h"

extern "C" int bb_quick;

namespace {

struct options {
    bool quick = false;
    int threads = 0;     // 0: all CPUs
    size_t arena_mb = 0; // 0: from the LLC size
    bool user_min_time = false, user_reps = false, user_aggr = false;
};

struct roofs {
    double bw[BB_MEM_COUNT] = {};
};

// Rooflines: measured in several rounds, keeping the best of each (see measure_rooflines). Benchmarks read them
// when they run, after the last round.
std::map<int, roofs> bw_by_threads;                                 // threads -> read bandwidths
std::map<std::string, double> ceil_by_loop;                          // loop name -> single-core elements/s
std::map<std::string, std::pair<bb_ceil, unsigned>> loop_args;       // loop name -> how to time it again
std::map<std::pair<int, unsigned>, std::string> ceil_loop;           // (ceil kind, flags) -> loop name

std::string fmt(const char *f, double v)
{
    char b[64];
    snprintf(b, sizeof b, f, v);
    return b;
}

void usage()
{
    printf("usage: bitern-bench [--quick] [--threads N] [--arena-mb N] [--benchmark_* flags]\n"
           "  --quick        a smoke run: few shapes, short samples, no repetitions (seconds)\n"
           "  --threads N    threads for GEMV/GEMM (default: all CPUs); each is also run on 1 thread\n"
           "  --arena-mb N   DRAM-streaming buffer (default: 2 x LLC, 256 MiB .. 2 GiB)\n"
           "  --version      bitern's version\n"
           "Defaults added unless given: --benchmark_repetitions=5, --benchmark_report_aggregates_only=true,\n"
           "and a 0.1 s minimum time per repetition. Results: see tools/bench-report and bench/README.md.\n"
           "BITERN_ISA caps the variants run; OPENBLAS_CORETYPE is set for OpenBLAS unless you set it.\n\n");
}

// Our flags out of argv, Google Benchmark's left in place.
options parse(int &argc, char **argv)
{
    options o;
    int out = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--quick")) {
            o.quick = true;
        } else if (!strcmp(a, "--version")) {
            printf("bitern %s\n", bitern_version());
            exit(0);
        } else if (!strncmp(a, "--threads", 9) && (a[9] == '=' || (!a[9] && i + 1 < argc))) {
            o.threads = atoi(a[9] == '=' ? a + 10 : argv[++i]);
        } else if (!strncmp(a, "--arena-mb", 10) && (a[10] == '=' || (!a[10] && i + 1 < argc))) {
            o.arena_mb = (size_t)atol(a[10] == '=' ? a + 11 : argv[++i]);
        } else {
            if (!strcmp(a, "--help") || !strcmp(a, "-h"))
                usage();
            o.user_min_time |= !strncmp(a, "--benchmark_min_time", 20);
            o.user_reps |= !strncmp(a, "--benchmark_repetitions", 23);
            o.user_aggr |= !strncmp(a, "--benchmark_display_aggregates_only", 35) ||
                           !strncmp(a, "--benchmark_report_aggregates_only", 34);
            argv[out++] = argv[i];
        }
    }
    argc = out;
    return o;
}

void measure_bandwidth(int threads, bool dram)
{
    size_t l1 = bb_cache_size(1), l2 = bb_cache_size(2), l3 = bb_cache_size(3);
    // Each buffer fills half of its level (and is well past the level below): what a kernel whose data lives
    // there can stream. The L3 buffer is 4 x L2 (at least 8 MiB, at most half the L3): the size of the 4096 x
    // 4096 GEMV weights the "@cache" cases keep there.
    size_t size[BB_MEM_COUNT] = { l1 / 2, l2 / 2, std::min(std::max(4 * l2, (size_t)8 << 20), l3 / 2),
                                  bb_arena_size() };
    void *buf = aligned_alloc(64, size[BB_MEM_L3] + 64);
    memset(buf, 1, size[BB_MEM_L3]);
    bm_pool *pool = bm_pool_new(threads, BM_POOL_SPIN);
    roofs r;
    for (int lv = 0; lv < (dram ? BB_MEM_COUNT : BB_MEM_DRAM); lv++) {
        // With n threads each reads its slice of the same buffer: per-core levels get the n-fold size below.
        const void *p = lv == BB_MEM_DRAM ? bb_arena_raw() : buf;
        size_t bytes = lv <= BB_MEM_L2 ? std::min(size[lv] * (size_t)threads, size[BB_MEM_L3]) : size[lv];
        r.bw[lv] = bb_read_bw(p, bytes, pool);
    }
    bm_pool_free(pool);
    free(buf);
    roofs &best = bw_by_threads[threads];
    for (int lv = 0; lv < BB_MEM_COUNT; lv++)
        best.bw[lv] = std::max(best.bw[lv], r.bw[lv]);
}

// The loop that bounds the family `c` with the instructions `flags` allow: named at registration, timed only
// if a case that uses it runs (measure_rooflines).
std::string ceiling_loop(bb_ceil c, unsigned flags)
{
    auto key = std::make_pair((int)c, flags);
    auto it = ceil_loop.find(key);
    if (it == ceil_loop.end()) {
        // Different flag sets often map to the same loop: each is timed once.
        std::string ln = bb_ceiling_name(c, flags);
        if (!loop_args.count(ln))
            loop_args[ln] = std::make_pair(c, flags);
        it = ceil_loop.emplace(key, ln).first;
    }
    return it->second;
}

// On a shared machine a burst of someone else's work can depress a whole best-of-15 set: more rounds, a second
// apart, and the best of each roofline over all of them. Then the values go into the JSON context.
void measure_rooflines(int threads, int rounds, const std::set<std::string> &loops, bool dram)
{
    std::map<std::string, double> ceil_mt; // each loop on all threads at once: aggregate rate
    for (int round = 0; round < rounds; round++) {
        if (round)
            sleep(1);
        measure_bandwidth(1, dram);
        if (threads > 1)
            measure_bandwidth(threads, dram);
        for (const std::string &l : loops)
            if (l != "none")
                ceil_by_loop[l] = std::max(ceil_by_loop[l], bb_ceiling(loop_args[l].first, loop_args[l].second, nullptr));
        if (threads > 1) {
            bm_pool *pool = bm_pool_new(threads, BM_POOL_SPIN);
            for (const std::string &l : loops)
                if (pool && l != "none")
                    ceil_mt[l] = std::max(ceil_mt[l], bb_ceiling_threads(loop_args[l].first, loop_args[l].second, pool));
            if (pool)
                bm_pool_free(pool);
        }
    }
    for (auto &t : bw_by_threads) {
        const roofs &r = t.second;
        for (int lv = 0; lv < BB_MEM_COUNT; lv++)
            if (r.bw[lv] > 0)
                benchmark::AddCustomContext("roofline_bw_" + std::string(bb_mem_names[lv]) + "_t" +
                                                std::to_string(t.first),
                                            fmt("%.4g", r.bw[lv]));
        fprintf(stderr, "bitern-bench: read bandwidth, %d thread(s): L1 %.1f, L2 %.1f, L3 %.1f, DRAM %s GB/s\n",
                t.first, r.bw[0] / 1e9, r.bw[1] / 1e9, r.bw[2] / 1e9,
                dram ? fmt("%.1f", r.bw[3] / 1e9).c_str() : "(not measured: no @dram case selected)");
    }
    for (auto &l : ceil_by_loop) {
        benchmark::AddCustomContext("roofline_ceil[" + l.first + "]", fmt("%.4g", l.second));
        fprintf(stderr, "bitern-bench: ceiling %-52s %8.1f G elements/s\n", l.first.c_str(), l.second / 1e9);
        if (ceil_mt.count(l.first)) {
            benchmark::AddCustomContext("roofline_ceil_t" + std::to_string(threads) + "[" + l.first + "]",
                                        fmt("%.4g", ceil_mt[l.first]));
            fprintf(stderr, "bitern-bench: ceiling %-52s %8.1f G elements/s on %d threads at once (%.2fx)\n",
                    l.first.c_str(), ceil_mt[l.first] / 1e9, threads, ceil_mt[l.first] / l.second);
        }
    }
}

struct spec {
    bb_case c;
    bool slow; // the scalar reference on a shape it needs seconds for: timed once, on one thread
    std::string name, label;
    std::string full_name; // as Google Benchmark names the run, which --benchmark_filter matches
    std::string loop; // the instruction ceiling ("none": packing)
    bb_mem mem;       // where the operands come from (BB_MEM_COUNT: compute-bound)
};

// Rooflines for all of a case's threads: per-core resources scale with them where not measured at that count.
double ceil_for(const spec &s)
{
    return s.loop == "none" ? 0 : ceil_by_loop[s.loop] * s.c.threads;
}

double bw_for(const spec &s)
{
    if (s.mem >= BB_MEM_COUNT)
        return 0;
    if (bw_by_threads.count(s.c.threads))
        return bw_by_threads[s.c.threads].bw[s.mem];
    return bw_by_threads[1].bw[s.mem] * (s.mem <= BB_MEM_L2 ? s.c.threads : 1);
}

void run(benchmark::State &st, const spec &s)
{
    char err[256];
    bb_run *r = bb_run_new(&s.c, err, sizeof err);
    if (!r) {
        st.SkipWithError(err);
        return;
    }
    bb_run_call(r); // warm up: first touch, code and TLB
    auto t0 = std::chrono::steady_clock::now();
    for (auto _ : st)
        bb_run_call(r);
    double per_call = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                      (double)std::max<benchmark::IterationCount>(st.iterations(), 1);
    bb_run_free(r);

    using C = benchmark::Counter;
    bb_work w = bb_case_work(&s.c);
    // (Seconds a call needs at the roofline) / (seconds it took) x 100: "% of roofline", a plain number. A rate
    // counter would print the same value with "/s" after it; the loop is timed here instead (the same calls
    // Google Benchmark times, a few ns of loop overhead apart).
    double cm = ceil_for(s), bw = bw_for(s);
    double tc = cm > 0 && w.macs > 0 ? w.macs / cm : 0;
    double tb = bw > 0 && w.bytes > 0 ? w.bytes / bw : 0;
    st.counters["elements/s"] = C(w.elements, C::kIsIterationInvariantRate);
    if (w.macs > 0)
        st.counters["MAC/s"] = C(w.macs, C::kIsIterationInvariantRate);
    if (w.wbytes > 0)
        st.counters["weight_B/s"] = C(w.wbytes, C::kIsIterationInvariantRate);
    if (tc > 0)
        st.counters["pct_compute"] = C(100 * tc / per_call);
    if (tb > 0)
        st.counters["pct_bw"] = C(100 * tb / per_call);
    if (tc > 0 || tb > 0)
        st.counters["pct_roofline"] = C(100 * std::max(tc, tb) / per_call);
    st.SetLabel(s.label);
}

std::vector<spec> specs;

// The scalar int8 GEMM runs at ~1 GMAC/s: a 1024x1024x4096 call takes seconds. Past this many MACs the scalar
// reference is timed on one call of one thread: enough for a speed-up, and it keeps the suite under ~15 minutes.
const double SLOW_MACS = 1e9;

void add(const bb_case &c, const std::string &shape)
{
    spec s;
    s.c = c;
    s.slow = c.v && c.v->isa == BITERN_ISA_SCALAR && bb_case_work(&c).macs >= SLOW_MACS;
    bb_kind kd = bb_op_kind(c.op);
    std::string op = c.v ? bitern_op_name(c.op) : kd == BB_GEMV ? "sgemv" : "sgemm";
    std::string variant = c.v ? c.v->name : "openblas";
    std::string isa = c.v ? bitern_isa_level_name(c.v->isa) : "openblas";
    s.name = op + "/" + variant + "/" + shape + "/t" + std::to_string(c.threads);
    bb_work w = bb_case_work(&c);
    std::string loop = "none"; // packing is bandwidth-bound: no instruction ceiling
    if (kd != BB_PACK && c.v)
        loop = ceiling_loop(bb_op_ceil(c.op), c.v->flags);
    else if (kd != BB_PACK)
        loop = ceiling_loop(BB_CEIL_F32, bb_machine_flags());
    s.loop = loop;
    s.mem = w.mem;
    // selected: the variant the dispatch table uses at this BITERN_ISA level (what a user of the API gets).
    const bitern_kernels *k = bitern_get_kernels();
    bool selected = c.v && k && bitern_kernel_slot(k, c.op) == c.v->fn;
    s.label = "isa=" + isa + ";selected=" + (selected ? "1" : "0") +
              ";mem=" + (w.mem < BB_MEM_COUNT ? bb_mem_names[w.mem] : "compute") + ";ceil=" + loop;
    if (c.layer)
        s.label += std::string(";layer=") + c.layer;
    if (s.slow)
        s.label += ";once=1";
    specs.push_back(s);
}

// ---- shapes ----
struct gemm_shape {
    size_t m, n, k;
    const char *layer;
};

// Real layers of the trainer's presets (train/spec.c), im2col'd: M = out channels, K = in channels x kernel
// area, N = output pixels x batch (16 for the conv nets, 64 for the MLP). The first conv of each net (K = 27 or
// 25) stays in float in binary/ternary nets and is left out. Then the large square-ish shape.
const gemm_shape gemm_shapes[] = {
    { 512, 64, 784, "mlp.fc1" },         { 256, 64, 512, "mlp.fc2" },          { 10, 64, 256, "mlp.fc3" },
    { 50, 64 * 16, 500, "lenet.conv2" }, { 500, 16, 800, "lenet.fc1" },        { 10, 16, 500, "lenet.fc2" },
    { 32, 1024 * 16, 288, "cifar-cnn.conv2" },                                  { 64, 256 * 16, 288, "cifar-cnn.conv3" },
    { 64, 256 * 16, 576, "cifar-cnn.conv4" },                                   { 128, 64 * 16, 576, "cifar-cnn.conv5" },
    { 128, 64 * 16, 1152, "cifar-cnn.conv6" },                                  { 10, 16, 2048, "cifar-cnn.fc" },
    { 1024, 1024, 4096, nullptr },
};
const gemm_shape gemm_quick[] = { { 64, 64, 512, nullptr }, { 50, 64, 500, "lenet.conv2" } };

std::string dims(const std::vector<size_t> &d)
{
    std::string s;
    for (size_t v : d)
        s += (s.empty() ? "" : "x") + std::to_string(v);
    return s;
}

void register_all(const options &o, int threads)
{
    const bitern_variant *all[512];
    size_t n = std::min(bitern_all_variants(all, 512), (size_t)512);
    // Variants whose flags the CPU lacks are skipped, and so are those above the BITERN_ISA cap: a run at
    // BITERN_ISA=avx2 is a run of what an AVX2 machine would have.
    unsigned usable = bitern_active_flags() & bitern_cpu_flags();
    std::vector<const bitern_variant *> vars[BITERN_OP_COUNT];
    for (size_t i = 0; i < n; i++)
        if (!(all[i]->flags & ~usable))
            vars[all[i]->op].push_back(all[i]);
    std::vector<int> tcounts = { 1 };
    if (threads > 1)
        tcounts.push_back(threads);

    std::vector<size_t> dot_k = { 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576 };
    if (o.quick)
        dot_k = { 64, 4096 };
    std::vector<size_t> gemv_mk = o.quick ? std::vector<size_t>{ 512, 4096 } : std::vector<size_t>{ 4096, 4096 };
    std::vector<size_t> pack_n = o.quick ? std::vector<size_t>{ 4096 } : std::vector<size_t>{ 4096, 1048576 };
    std::vector<gemm_shape> gshapes(o.quick ? std::begin(gemm_quick) : std::begin(gemm_shapes),
                                    o.quick ? std::end(gemm_quick) : std::end(gemm_shapes));

    for (int op = 0; op < BITERN_OP_COUNT; op++) {
        bb_kind kd = bb_op_kind((bitern_op)op);
        bb_case c = {};
        c.op = (bitern_op)op;
        c.threads = 1;
        if (kd == BB_DOT)
            for (size_t k : dot_k)
                for (auto v : vars[op])
                    c.v = v, c.k = k, add(c, "k" + std::to_string(k));
        if (kd == BB_PACK)
            for (size_t pn : pack_n)
                for (auto v : vars[op])
                    c.v = v, c.n = pn, add(c, "n" + std::to_string(pn));
        if (kd == BB_GEMV)
            for (int stream = 0; stream < 2; stream++)
                for (int t : tcounts)
                    for (auto v : vars[op]) {
                        c.v = v, c.m = gemv_mk[0], c.k = gemv_mk[1], c.n = 1, c.stream = stream, c.threads = t;
                        add(c, dims({ c.m, c.k }) + (stream ? "@dram" : "@cache"));
                    }
        if (kd == BB_GEMM)
            for (const gemm_shape &g : gshapes)
                for (int t : tcounts)
                    for (auto v : vars[op]) {
                        c.v = v, c.m = g.m, c.n = g.n, c.k = g.k, c.threads = t, c.layer = g.layer;
                        if (t > 1 && v->isa == BITERN_ISA_SCALAR && (double)g.m * g.n * g.k >= SLOW_MACS)
                            continue;
                        add(c, dims({ g.m, g.n, g.k }));
                    }
        // The float baselines once, after the last op of their kind (the DRAM arena is refilled as floats once).
        if (bb_have_openblas() && (op == BITERN_OP_gemv_t3i8 || op == BITERN_OP_gemm_t2i8)) {
            bb_case b = {};
            b.op = (bitern_op)op;
            if (kd == BB_GEMV)
                for (int stream = 0; stream < 2; stream++)
                    for (int t : tcounts) {
                        b.m = gemv_mk[0], b.k = gemv_mk[1], b.n = 1, b.stream = stream, b.threads = t;
                        add(b, dims({ b.m, b.k }) + (stream ? "@dram" : "@cache"));
                    }
            else
                for (const gemm_shape &g : gshapes)
                    for (int t : tcounts) {
                        b.m = g.m, b.n = g.n, b.k = g.k, b.threads = t, b.layer = g.layer;
                        add(b, dims({ g.m, g.n, g.k }));
                    }
        }
    }
    for (spec &s : specs) {
        auto *b = benchmark::RegisterBenchmark(s.name.c_str(), [&s](benchmark::State &st) { run(st, s); });
        b->UseRealTime(); // threads: wall time is what a caller waits
        s.full_name = s.name;
        if (s.slow) {
            b->Iterations(1)->Repetitions(1);
            s.full_name += "/iterations:1/repeats:1";
        } else if (!o.user_min_time) {
            b->MinTime(o.quick ? 0.01 : 0.1);
            s.full_name += o.quick ? "/min_time:0.010" : "/min_time:0.100";
        }
        s.full_name += "/real_time";
    }
}

// The cases --benchmark_filter selects, matched as Google Benchmark 1.7 does (a POSIX extended regex searched in
// the full name; a leading '-' negates; "all" is everything). A filter it cannot parse selects everything here: the
// library then reports the error itself.
std::vector<const spec *> selected_specs()
{
    std::string f = benchmark::GetBenchmarkFilter();
    bool negative = !f.empty() && f[0] == '-';
    if (negative)
        f.erase(0, 1);
    if (f.empty() || f == "all")
        f = ".";
    std::vector<const spec *> out;
    regex_t re;
    bool ok = regcomp(&re, f.c_str(), REG_EXTENDED | REG_NOSUB) == 0;
    for (const spec &s : specs)
        if (!ok || (regexec(&re, s.full_name.c_str(), 0, nullptr, 0) == 0) != negative)
            out.push_back(&s);
    if (ok)
        regfree(&re);
    return out;
}

bool list_only(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--benchmark_list_tests", 22) || (a[22] && a[22] != '='))
            continue;
        const char *v = a[22] == '=' ? a + 23 : "true";
        return strcmp(v, "false") && strcmp(v, "0") && strcmp(v, "no") && strcmp(v, "off");
    }
    return false;
}

void add_context(const options &o, int threads)
{
    char feat[512], host[256] = "unknown";
    bb_feature_string(feat, sizeof feat);
    gethostname(host, sizeof host - 1);
    const char *isa_env = getenv("BITERN_ISA");
    const char *core_env = getenv("OPENBLAS_CORETYPE");
    benchmark::AddCustomContext("bitern_version", bitern_version());
    benchmark::AddCustomContext("bitern_host", host);
    benchmark::AddCustomContext("bitern_cpu", bb_cpu_name());
    benchmark::AddCustomContext("bitern_features", feat);
    benchmark::AddCustomContext("bitern_isa_level", bitern_isa_name());
    benchmark::AddCustomContext("bitern_isa_env", isa_env ? isa_env : "");
    benchmark::AddCustomContext("bitern_compiler", BITERN_BENCH_CC);
    benchmark::AddCustomContext("bitern_cxx_compiler", "g++/clang++ " __VERSION__);
    benchmark::AddCustomContext("bitern_flags", BITERN_BENCH_FLAGS);
    benchmark::AddCustomContext("bitern_arch", BITERN_BENCH_ARCH);
    benchmark::AddCustomContext("bitern_threads", std::to_string(threads));
    benchmark::AddCustomContext("bitern_quick", o.quick ? "1" : "0");
    for (int l = 1; l <= 3; l++)
        benchmark::AddCustomContext("bitern_cache_L" + std::to_string(l), std::to_string(bb_cache_size(l)));
    benchmark::AddCustomContext("bitern_arena_bytes", std::to_string(bb_arena_size()));
    benchmark::AddCustomContext("openblas_corename", bb_openblas_corename());
    benchmark::AddCustomContext("openblas_config", bb_openblas_config());
    benchmark::AddCustomContext("openblas_coretype_env", core_env ? core_env : "");
    fprintf(stderr, "bitern-bench: %s, level %s, features: %s\n", bb_cpu_name(), bitern_isa_name(), feat);
    fprintf(stderr, "bitern-bench: OpenBLAS core %s (OPENBLAS_CORETYPE=%s), config: %s\n", bb_openblas_corename(),
            core_env ? core_env : "", bb_openblas_config());
}

} // namespace

int main(int argc, char **argv)
{
    // First: OpenBLAS chose its kernels when it loaded, so a core type must be in the environment before then.
    bb_openblas_reexec(argc, argv);
    options o = parse(argc, argv);
    bb_quick = o.quick;
    if (bitern_init() != BITERN_OK) {
        fprintf(stderr, "bitern-bench: %s\n", bitern_last_error());
        return 1;
    }
    int threads = o.threads > 0 ? o.threads : bb_ncpus();

    // Defaults for a real run: medians of 5 repetitions, as every figure in the report is quoted; the file keeps
    // the aggregates (mean, median, stddev, cv) only, which is 1/3 of its size with every repetition.
    std::vector<char *> args(argv, argv + argc);
    static char reps[] = "--benchmark_repetitions=5", aggr[] = "--benchmark_report_aggregates_only=true";
    if (!o.quick && !o.user_reps)
        args.push_back(reps);
    if (!o.quick && !o.user_aggr)
        args.push_back(aggr);
    args.push_back(nullptr);
    int nargs = (int)args.size() - 1;

    // Registration only names things; Google Benchmark then parses its flags (--help exits there). The
    // rooflines and the DRAM arena, which take most of half a minute, are set up only for the cases that run.
    register_all(o, threads);
    bool listing = list_only(nargs, args.data());
    benchmark::Initialize(&nargs, args.data());
    if (benchmark::ReportUnrecognizedArguments(nargs, args.data()))
        return 2;
    if (!listing) {
        std::set<std::string> loops;
        bool dram = false;
        for (const spec *s : selected_specs()) {
            loops.insert(s->loop);
            dram |= s->c.stream != 0;
        }
        if (dram) {
            size_t l3 = bb_cache_size(3);
            bb_arena_init(o.arena_mb ? o.arena_mb << 20
                          : o.quick  ? (size_t)32 << 20
                                     : std::min(std::max(2 * l3, (size_t)256 << 20), (size_t)2 << 30));
        }
        add_context(o, threads);
        measure_rooflines(threads, o.quick ? 1 : 3, loops, dram);
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
