/* SPDX-License-Identifier: MIT */
/*
 * SQ's price forms and the memory budget (train/sq_budget.h): the prices, the soft depth, the Lagrange step's
 * direction, the choice at the freeze against a brute-force check, and short LeNet runs on 2000 MNIST images:
 * the frozen depths meet the budget, a budget below pure binary is refused, the paper's price trains the same
 * bytes as before the option existed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/model_file.h"
#include "train/sq_budget.h"
#include "train/sq_reg.h"
#include "train/train.h"
#include "test_util.h"
#include "tools/openblas_core.h"

static void test_prices(void)
{
    const size_t n[4] = {500, 25000, 400000, 5000};
    float w[4];
    sq_layer_prices(n, 4, SQ_PRICE_LAYER, w);
    for (int l = 0; l < 4; l++)
        CHECK(w[l] == 1.0f, "paper's price: layer %d weight %g", l, w[l]);
    sq_layer_prices(n, 4, SQ_PRICE_SIZE, w);
    double sum = 0.0;
    for (int l = 0; l < 4; l++)
        sum += w[l];
    CHECK(sum > 3.999 && sum < 4.001, "size prices sum to %g, not L = 4", sum);
    CHECK(w[2] / w[0] > 799.9 && w[2] / w[0] < 800.1, "fc1 / conv1 price %g, weights 800x", w[2] / w[0]);
}

static void test_soft_and_step(void)
{
    CHECK(sq_soft_binary(SQ_BETA_MIN, 2, 0.1f) == 0.0, "pi/4 is ternary");
    CHECK(sq_soft_binary(SQ_BETA_MAX, 2, 0.1f) == 1.0, "the clamp is past the binary edge");
    double prev = -1.0;
    for (float b = SQ_BETA_MIN; b < SQ_BETA_MAX; b += 0.01f) {
        double s = sq_soft_binary(b, 2, 0.1f);
        CHECK(s >= prev && s >= 0.0 && s <= 1.0, "soft depth %g at beta %g not monotone in [0,1]", s, b);
        prev = s;
    }
    /* over budget: gamma up; under: down; bounded */
    CHECK(sq_budget_gamma_step(0.05f, 900, 500, 400, 800, 0.01) > 0.05f, "over budget must raise gamma");
    CHECK(sq_budget_gamma_step(0.05f, 450, 500, 400, 800, 0.01) < 0.05f, "under budget must lower gamma");
    CHECK(sq_budget_gamma_step(0.05f, 500, 500, 400, 800, 0.01) == 0.05f, "on budget: unchanged");
    CHECK(sq_budget_gamma_step(1e3f, 800, 400, 400, 800, 100) <= 1e3f, "gamma above its bound");
}

/* brute force: the best assignment by the documented order (need of the ternary layers, then cost) */
static void test_choose(void)
{
    const double cb[4] = {500, 25000, 400000, 5000}, ct[4] = {1000, 50000, 800000, 10000};
    const double needs[3][4] = {{0, 0, 0, 0}, {0.9, 0.1, 0.5, 0.2}, {0.1, 0.9, 0.05, 0.3}};
    const double budgets[5] = {430500, 461000, 480000, 600000, 861000};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 5; b++) {
            int bin[4];
            CHECK(sq_budget_choose(cb, ct, needs[a], 4, budgets[b], bin) == 0, "budget %g refused", budgets[b]);
            double cost = sq_cost(cb, ct, bin, 4), score = 0.0;
            for (int l = 0; l < 4; l++)
                score += bin[l] ? 0.0 : needs[a][l];
            CHECK(cost <= budgets[b], "cost %g over budget %g", cost, budgets[b]);
            for (int set = 0; set < 16; set++) {
                int alt[4];
                double s2 = 0.0;
                for (int l = 0; l < 4; l++) {
                    alt[l] = !(set >> l & 1);
                    s2 += alt[l] ? 0.0 : needs[a][l];
                }
                double c2 = sq_cost(cb, ct, alt, 4);
                if (c2 <= budgets[b])
                    CHECK(s2 < score + 1e-9 && (s2 < score - 1e-9 || c2 <= cost),
                          "need set %d budget %g: assignment %d beats the choice", a, budgets[b], set);
            }
        }
    int bin[4];
    CHECK(sq_budget_choose(cb, ct, needs[0], 4, 430499, bin) < 0, "below pure binary must fail");
    /* all ternary fits: every layer ternary */
    CHECK(sq_budget_choose(cb, ct, needs[1], 4, 861000, bin) == 0 && !bin[0] && !bin[1] && !bin[2] && !bin[3],
          "an unbinding budget must leave every layer that wants ternary ternary");
}

static double bits_of(const char *file)
{
    tr_model m;
    if (tr_model_load(file, &m, 1) < 0) {
        CHECK(0, "load %s: %s", file, bm_error());
        return 0.0;
    }
    double bits = 0.0, n = 0.0;
    for (int i = 0; i < m.n; i++)
        if (m.layers[i].w && m.layers[i].depth) {
            bits += (double)m.layers[i].nw * m.layers[i].depth;
            n += (double)m.layers[i].nw;
        }
    tr_model_free(&m);
    return n > 0 ? bits / n : 0.0;
}

int main(int argc, char **argv)
{
    bitern_openblas_reexec("test");
    test_prices();
    test_soft_and_step();
    test_choose();

    const char *data_dir = argc > 1 ? argv[1] : "../shared/data";
    char dir[64], a[128], b[128];
    snprintf(dir, sizeof dir, "/tmp/bitern-test-budget-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    snprintf(a, sizeof a, "%s/a.btn", dir);
    snprintf(b, sizeof b, "%s/b.btn", dir);
    tr_config c;
    tr_config_defaults(&c);
    c.data_dir = data_dir;
    c.quiet = 1;
    c.model = "lenet";
    c.quant = TR_Q_SQ;
    c.quant_all = 1;
    c.epochs = 2;
    c.limit_train = 2000;
    c.limit_test = 500;
    double acc;
    /* the budget is met (1.1 bits: fc1, 93% of the weights, must go binary) */
    c.budget_bits = 1.1;
    c.out = a;
    CHECK(tr_train_run(&c, &acc) == 0, "budget 1.1: %s", bm_error());
    double bits = bits_of(a);
    fprintf(stderr, "budget 1.1 bits: %.4f bits, accuracy %.4f\n", bits, acc);
    CHECK(bits <= 1.1 && bits >= 1.0, "budget 1.1: %.4f bits", bits);
    c.sq_price = SQ_PRICE_SIZE;
    CHECK(tr_train_run(&c, &acc) == 0, "budget 1.1, size price: %s", bm_error());
    CHECK(bits_of(a) <= 1.1, "budget 1.1, size price: %.4f bits", bits_of(a));
    /* below pure binary: refused before training, with the reason */
    c.budget_bits = 0.95;
    CHECK(tr_train_run(&c, &acc) < 0 && strstr(bm_error(), "below pure binary"), "budget 0.95 bits: %s", bm_error());
    c.budget_bits = 0;
    c.budget_bytes = 100;
    CHECK(tr_train_run(&c, &acc) < 0 && strstr(bm_error(), "below pure binary"), "budget 100 bytes: %s", bm_error());
    /* the paper's price is the default, and setting it is the same run */
    c.budget_bytes = 0;
    c.sq_price = SQ_PRICE_LAYER;
    c.epochs = 1;
    c.out = a;
    CHECK(tr_train_run(&c, &acc) == 0, "layer price: %s", bm_error());
    tr_config d;
    tr_config_defaults(&d);
    CHECK(d.sq_price == SQ_PRICE_LAYER && d.budget_bits == 0 && d.budget_bytes == 0, "defaults changed");
    c.sq_price = SQ_PRICE_SIZE;
    c.out = b;
    CHECK(tr_train_run(&c, &acc) == 0, "size price: %s", bm_error());
    CHECK(!t_same_file(a, b), "the size price trained the same model as the paper's");
    unlink(a);
    unlink(b);
    rmdir(dir);
    return t_finish("test_train_budget");
}
