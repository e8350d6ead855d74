/* SPDX-License-Identifier: MIT */
/* The results folder's plots, drawn by gnuplot from a script that is kept beside them (plots.gp), so that a
 * user can restyle them without running anything again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compare/compare.h"
#include "model/serial.h"
#include "model/util.h"

static const char *plot_names[] = {"acc_vs_bytes", "latency", "sq_depth", "beta"};
#define N_PLOTS (sizeof plot_names / sizeof plot_names[0])

/* gnuplot's single-quoted strings escape a quote by doubling it. */
static void quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* Names relative to the results folder, where gnuplot runs; bitern passes suffix='.tmp' and renames. */
void cmp_gnuplot_output(FILE *f, const char *name, int w, int h)
{
    /* reset, not reset session: that would drop suffix with the other user variables */
    fprintf(f, "\nreset\nset terminal pngcairo size %d,%d font ',10' noenhanced\nset output '%s.png'.suffix\n"
               "set grid\n", w, h, name);
}

static double bits(int depth) { return depth == BM_DEPTH_BINARY ? 1 : depth == BM_DEPTH_TERNARY ? 2 : 32; }

static void script(const cmp_run *r, FILE *f)
{
    fprintf(f, "# bitern compare: %s, %s. Written by `%s`; `gnuplot plots.gp` in this folder redraws the plots.\n"
               "if (!exists('suffix')) suffix = ''\n", r->dataset, r->model, r->command);

    cmp_gnuplot_output(f, "acc_vs_bytes", 900, 600);
    fprintf(f, "set title 'Accuracy against model bytes: %s, %s (engine, %s)'\n", r->dataset, r->model,
            bitern_isa_level_name(r->m[CMP_SQ].levels[0].isa));
    fprintf(f, "set logscale x\nset format x '%%.0s%%cB'\nset xlabel 'model bytes (packed weights + scales + float parameters)'\n"
               "set ylabel 'test accuracy (%%)'\nset offsets graph 0.1, graph 0.1, graph 0.1, graph 0.1\n$D << EOD\n");
    for (int k = 0; k < CMP_N_MODELS; k++)
        fprintf(f, "%s %zu %.3f\n", cmp_kind_name(k), r->m[k].size.bytes, 100.0 * r->m[k].levels[0].acc);
    fprintf(f, "EOD\nplot $D using 2:3 with points pt 7 ps 2 lc rgb '#1f77b4' notitle, "
               "'' using 2:3:1 with labels offset 0,1.3 notitle\n");

    cmp_gnuplot_output(f, "latency", 1000, 600);
    fprintf(f, "set title 'Batch-1 latency per model and kernel level (median, one thread): %s, %s'\n", r->dataset,
            r->model);
    fprintf(f, "set logscale y\nset ylabel 'microseconds per image'\nset style fill solid 0.7\nset boxwidth 0.7\n"
               "set xtics rotate by -30\nset yrange [*:*]\n$L << EOD\n");
    for (int k = 0; k < CMP_N_MODELS; k++)
        for (int j = 0; j < r->m[k].n_levels; j++) {
            const cmp_level *l = &r->m[k].levels[j];
            fprintf(f, "\"%s %s\" %.3f\n", cmp_kind_name(k),
                    k == CMP_FLOAT ? "f32" : bitern_isa_level_name(l->isa), 1e6 * l->lat_med);
        }
    fprintf(f, "EOD\nplot $L using 0:2:xtic(1) with boxes lc rgb '#2ca02c' notitle, "
               "'' using 0:2:(sprintf('%%.0f', $2)) with labels offset 0,0.8 notitle\n");

    const cmp_model *sq = &r->m[CMP_SQ];
    cmp_gnuplot_output(f, "sq_depth", 900, 600);
    fprintf(f, "set title 'The SQ model, layer by layer: bits per weight (%s, %s)'\n", r->dataset, r->model);
    fprintf(f, "set logscale y 2\nset yrange [0.5:256]\nset ylabel 'bits per weight (1 binary, 2 ternary, 32 float)'\n"
               "set xlabel 'layer (index in the model, op)'\nset xtics rotate by -30\nset bmargin 7\n"
               "set style fill solid 0.7\nset boxwidth 0.6\n$S << EOD\n");
    for (int i = 0; i < sq->n_ops; i++)
        if (sq->ops[i].depth >= 0)
            fprintf(f, "\"%d %s\" %g \"%s, %zu weights\"\n", sq->ops[i].first_layer, sq->ops[i].name,
                    bits(sq->ops[i].depth),
                    sq->ops[i].depth == BM_DEPTH_BINARY ? "binary" : sq->ops[i].depth == BM_DEPTH_TERNARY ? "ternary" : "float",
                    sq->ops[i].weights);
    fprintf(f, "EOD\nplot $S using 0:2:xtic(1) with boxes lc rgb '#d62728' notitle, "
               "'' using 0:2:3 with labels rotate by 90 left offset 0,0.5 notitle\n");

    cmp_gnuplot_output(f, "beta", 900, 650);
    fprintf(f, "set title 'SQ: beta of each quantized layer over training (%s, %s)'\n", r->dataset, r->model);
    fprintf(f, "set xlabel 'epoch'\nset xtics 1\nset ylabel 'beta (rad)'\nset yrange [0.7:1.65]\n"
               "set key outside below maxcols 2\n");
    static const char refs[] = "pi/2 with lines dt 2 lc rgb 'black' title 'pi/2: the binary penalty', "
                               "atan(81) with lines dt 3 lw 2 lc rgb 'red' title 'atan(81): above it a layer turns "
                               "binary (u0 = 0.1, p = 2: the default depth rule)', "
                               "pi/4 with lines dt 4 lc rgb 'gray30' title 'pi/4: the ternary penalty'";
    const cmp_trace *t = &sq->trace;
    if (!sq->has_trace || t->n_layers == 0) {
        fprintf(f, "set label 'no training log found for the SQ model' at graph 0.3, graph 0.5\n"
                   "plot %s\n", refs);
        return;
    }
    if (t->reg_epochs > 0)
        fprintf(f, "set arrow from %d.5, graph 0 to %d.5, graph 1 nohead lc rgb 'gray'\n"
                   "set label 'depths frozen' at %d.6, graph 0.95\n", t->reg_epochs, t->reg_epochs, t->reg_epochs);
    fprintf(f, "$B << EOD\n");
    for (int e = 0; e < t->n_epochs; e++) {
        fprintf(f, "%d", e + 1);
        for (int q = 0; q < t->n_layers; q++)
            fprintf(f, " %.5f", t->beta[e][q]);
        fprintf(f, "\n");
    }
    fprintf(f, "EOD\nplot %s", refs);
    for (int q = 0; q < t->n_layers; q++) {
        const char *name = "?";
        for (int i = 0; i < sq->n_ops; i++)
            if (sq->ops[i].first_layer == t->layer[q])
                name = sq->ops[i].name;
        fprintf(f, ", $B using 1:%d with linespoints lw 2 title ", q + 2);
        char title[128];
        snprintf(title, sizeof title, "layer %d %s", t->layer[q], name);
        quoted(f, title);
    }
    fprintf(f, "\n");
}

static int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char dir[4096];
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s/gnuplot", (int)n, p);
        if (access(dir, X_OK) == 0)
            return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

int cmp_gnuplot(const char *out_dir, const char *gp_name, const char *script_text, size_t len,
                const char *const *pngs, size_t n_png)
{
    char gp[4200];
    snprintf(gp, sizeof gp, "%s/%s", out_dir, gp_name);
    if (cmp_write_buffer(gp, script_text, len) < 0)
        return -1;
    if (!have_gnuplot()) {
        fprintf(stderr, "bitern compare: gnuplot not found: no plots (Debian: apt-get install gnuplot-nox; then "
                        "`gnuplot %s` in %s)\n", gp_name, out_dir);
        return 1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bitern compare: cannot start gnuplot: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (chdir(out_dir) < 0)
            _exit(127);
        execlp("gnuplot", "gnuplot", "-e", "suffix='.tmp'", gp_name, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    /* The PNGs were drawn under temporary names: rename the finished ones, drop the rest. */
    for (size_t i = 0; i < n_png; i++) {
        char tmp[4300], fin[4300];
        snprintf(tmp, sizeof tmp, "%s/%s.png.tmp", out_dir, pngs[i]);
        snprintf(fin, sizeof fin, "%s/%s.png", out_dir, pngs[i]);
        if (ok && rename(tmp, fin) < 0) {
            fprintf(stderr, "bitern compare: %s: cannot rename to %s: %s\n", tmp, fin, strerror(errno));
            ok = 0;
        }
        unlink(tmp);
    }
    if (!ok) {
        fprintf(stderr, "bitern compare: gnuplot failed on %s\n", gp);
        return -1;
    }
    return 0;
}

int cmp_write_plots(const cmp_run *r)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        fprintf(stderr, "bitern compare: out of memory writing the plot script\n");
        return -1;
    }
    script(r, f);
    fclose(f);
    int rc = cmp_gnuplot(r->out_dir, "plots.gp", buf, n, plot_names, N_PLOTS);
    free(buf);
    return rc;
}
