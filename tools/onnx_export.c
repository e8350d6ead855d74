/* SPDX-License-Identifier: MIT */
/* The ONNX exporter (onnx_export.h): the graph is built as protobuf-c messages generated from onnx.proto (the
 * schema Debian's python3-onnx ships), every allocation recorded in one list freed at the end. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/util.h"
#include "onnx.pb-c.h"
#include "tools/onnx_export.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "TensorProto.raw_data is little-endian: the float initializers are copied as they are in memory"
#endif

#define OX_OPSET 13
#define OX_MAX_MESSAGE ((size_t)2 << 30)   /* protobuf's limit for one message */

typedef struct ox {
    void **blocks;
    size_t n_blocks, cap_blocks;
    Onnx__NodeProto **nodes;
    size_t n_nodes, cap_nodes;
    Onnx__TensorProto **inits;
    size_t n_inits, cap_inits;
    Onnx__StringStringEntryProto **meta;
    size_t n_meta, cap_meta;
    size_t init_bytes;
    int oom;
    int uid;                          /* numbers the intermediate tensors */
} ox;

static int grow(void ***v, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? 2 * *cap : 32;
    void **p = realloc(*v, nc * sizeof *p);
    if (!p)
        return -1;
    *v = p;
    *cap = nc;
    return 0;
}

static void *ox_alloc(ox *g, size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p || grow(&g->blocks, &g->cap_blocks, g->n_blocks + 1) < 0) {
        free(p);
        g->oom = 1;
        return NULL;
    }
    g->blocks[g->n_blocks++] = p;
    return p;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static char *ox_str(ox *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = ox_alloc(g, (size_t)n + 1);
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

static void ox_push(ox *g, void ***v, size_t *n, size_t *cap, void *item)
{
    if (!item || grow(v, cap, *n + 1) < 0) {
        g->oom = 1;
        return;
    }
    (*v)[(*n)++] = item;
}

/* A float initializer; data is referenced, not copied (it outlives the packing). */
static const char *ox_tensor(ox *g, const char *name, const int64_t *dims, int ndims, const float *data)
{
    Onnx__TensorProto *t = ox_alloc(g, sizeof *t);
    int64_t *d = ox_alloc(g, (size_t)ndims * sizeof *d);
    if (!t || !d)
        return name;
    onnx__tensor_proto__init(t);
    size_t count = 1;
    for (int i = 0; i < ndims; i++) {
        d[i] = dims[i];
        count *= (size_t)dims[i];
    }
    t->n_dims = (size_t)ndims;
    t->dims = d;
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t->name = (char *)name;
    t->has_raw_data = 1;
    t->raw_data.len = count * sizeof(float);
    t->raw_data.data = (uint8_t *)data;
    g->init_bytes += t->raw_data.len;
    ox_push(g, (void ***)&g->inits, &g->n_inits, &g->cap_inits, t);
    return name;
}

/* A scalar constant, copied into the arena. */
static const char *ox_scalar(ox *g, const char *name, float v)
{
    float *p = ox_alloc(g, sizeof *p);
    if (!p)
        return name;
    *p = v;
    return ox_tensor(g, name, NULL, 0, p);
}

static Onnx__AttributeProto *ox_attr(ox *g, const char *name, Onnx__AttributeProto__AttributeType type)
{
    Onnx__AttributeProto *a = ox_alloc(g, sizeof *a);
    if (!a)
        return NULL;
    onnx__attribute_proto__init(a);
    a->name = (char *)name;
    a->has_type = 1;
    a->type = type;
    return a;
}

static Onnx__AttributeProto *ox_attr_ints(ox *g, const char *name, const int64_t *v, size_t n)
{
    Onnx__AttributeProto *a = ox_attr(g, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    int64_t *c = ox_alloc(g, n * sizeof *c);
    if (!a || !c)
        return NULL;
    memcpy(c, v, n * sizeof *c);
    a->n_ints = n;
    a->ints = c;
    return a;
}

static Onnx__AttributeProto *ox_attr_int(ox *g, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = ox_attr(g, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (a) {
        a->has_i = 1;
        a->i = v;
    }
    return a;
}

static Onnx__AttributeProto *ox_attr_float(ox *g, const char *name, float v)
{
    Onnx__AttributeProto *a = ox_attr(g, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    if (a) {
        a->has_f = 1;
        a->f = v;
    }
    return a;
}

/* A node with up to 5 inputs (NULL-terminated list) and up to 4 attributes; returns its output's name. */
static const char *ox_node(ox *g, const char *op, const char *doc, const char *const *in,
                           Onnx__AttributeProto *const *attrs, int n_attrs)
{
    Onnx__NodeProto *nd = ox_alloc(g, sizeof *nd);
    char **ins = ox_alloc(g, 5 * sizeof *ins);
    char **outs = ox_alloc(g, sizeof *outs);
    Onnx__AttributeProto **at = ox_alloc(g, (size_t)(n_attrs ? n_attrs : 1) * sizeof *at);
    char *out = ox_str(g, "t%d_%s", g->uid++, op);
    if (!nd || !ins || !outs || !at || !out)
        return "";
    onnx__node_proto__init(nd);
    size_t n = 0;
    while (n < 5 && in[n]) {
        ins[n] = (char *)in[n];
        n++;
    }
    for (int i = 0; i < n_attrs; i++) {
        if (!attrs[i])
            g->oom = 1;
        at[i] = attrs[i];
    }
    outs[0] = out;
    nd->n_input = n;
    nd->input = ins;
    nd->n_output = 1;
    nd->output = outs;
    nd->name = ox_str(g, "n%d_%s", g->uid, op);
    nd->op_type = (char *)op;
    nd->doc_string = doc ? (char *)doc : NULL;
    nd->n_attribute = (size_t)n_attrs;
    nd->attribute = at;
    ox_push(g, (void ***)&g->nodes, &g->n_nodes, &g->cap_nodes, nd);
    return out;
}

static void ox_meta(ox *g, const char *key, const char *value)
{
    Onnx__StringStringEntryProto *e = ox_alloc(g, sizeof *e);
    if (!e)
        return;
    onnx__string_string_entry_proto__init(e);
    e->key = (char *)key;
    e->value = (char *)value;
    ox_push(g, (void ***)&g->meta, &g->n_meta, &g->cap_meta, e);
}

/* float [N, dims...] with a symbolic batch N. */
static Onnx__ValueInfoProto *ox_value(ox *g, const char *name, const int64_t *dims, int ndims)
{
    Onnx__ValueInfoProto *v = ox_alloc(g, sizeof *v);
    Onnx__TypeProto *tp = ox_alloc(g, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = ox_alloc(g, sizeof *tt);
    Onnx__TensorShapeProto *sh = ox_alloc(g, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dv = ox_alloc(g, (size_t)(ndims + 1) * sizeof *dv);
    if (!v || !tp || !tt || !sh || !dv)
        return NULL;
    onnx__value_info_proto__init(v);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(sh);
    for (int i = 0; i <= ndims; i++) {
        Onnx__TensorShapeProto__Dimension *d = ox_alloc(g, sizeof *d);
        if (!d)
            return NULL;
        onnx__tensor_shape_proto__dimension__init(d);
        if (i == 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = (char *)"N";
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = dims[i - 1];
        }
        dv[i] = d;
    }
    sh->n_dim = (size_t)ndims + 1;
    sh->dim = dv;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    v->name = (char *)name;
    v->type = tp;
    return v;
}

/* x as the engine feeds an int8 kernel (bitern_quantize_i8, per example over the whole input): s = absmax / 127,
 * q = round_half_even(clip(x * (127 / absmax), -127, 127)), and the layer then sees q * s. absmax is floored at
 * 1e-30 so that an all-zero input gives 0, as the engine's, instead of 0 * inf. */
static const char *ox_fake_quant_i8(ox *g, const char *x, int ndims)
{
    int64_t axes[3] = {1, 2, 3};
    Onnx__AttributeProto *ra[] = {ox_attr_ints(g, "axes", axes, (size_t)ndims - 1), ox_attr_int(g, "keepdims", 1)};
    const char *ab = ox_node(g, "Abs", NULL, (const char *[]){x, NULL}, NULL, 0);
    const char *mx = ox_node(g, "ReduceMax", "absmax per example", (const char *[]){ab, NULL}, ra, 2);
    mx = ox_node(g, "Max", NULL, (const char *[]){mx, "const.tiny", NULL}, NULL, 0);
    const char *inv = ox_node(g, "Div", "127 / absmax", (const char *[]){"const.127", mx, NULL}, NULL, 0);
    const char *sc = ox_node(g, "Div", "absmax / 127", (const char *[]){mx, "const.127", NULL}, NULL, 0);
    const char *v = ox_node(g, "Mul", NULL, (const char *[]){x, inv, NULL}, NULL, 0);
    v = ox_node(g, "Clip", NULL, (const char *[]){v, "const.minus127", "const.127", NULL}, NULL, 0);
    v = ox_node(g, "Round", "the int8 activations", (const char *[]){v, NULL}, NULL, 0);
    return ox_node(g, "Mul", NULL, (const char *[]){v, sc, NULL}, NULL, 0);
}

static const char *depth_word(int depth)
{
    return depth == BM_DEPTH_BINARY ? "binary" : depth == BM_DEPTH_TERNARY ? "ternary" : "float";
}

/* What the graph has built so far: the current tensor, whether it is [N, features] already, whether its values
 * are sign/tern outputs (-1, 0, +1: the engine packs those exactly instead of quantizing them to int8). */
typedef struct ox_state {
    const char *cur;
    int flat, ternary_domain, int8_acts;
    char depths[3 * 4096];
    const char *marks[4096];   /* a mark layer's tensor, for its add */
} ox_state;

/* The nodes of layer i. */
static int ox_layer(ox *g, const bm_model *m, int i, ox_state *st)
{
    const char **cur = &st->cur;
    int *flat = &st->flat;
    char *depths = st->depths;
    size_t dcap = sizeof st->depths;
    int from_ternary = st->ternary_domain;
    st->ternary_domain = 0;
    const bm_layer *l = &m->layers[i];
    const char *x = *cur;
    switch (l->s.type) {
    case BM_DENSE:
    case BM_CONV: {
        const char *doc = ox_str(g, "bitern layer %d: %s weights%s", i, depth_word(l->depth),
                                 l->depth ? " (dequantized: scale[row] x {-1, 0, +1})" : "");
        const char *w = ox_str(g, "layer%d.weight", i), *b = ox_str(g, "layer%d.bias", i);
        int64_t ob = l->s.out_c;
        ox_tensor(g, b, &ob, 1, l->b);
        size_t len = strlen(depths);
        snprintf(depths + len, dcap - len, "%s%c", len ? " " : "", "FBT"[l->depth]);
        ox_meta(g, ox_str(g, "bitern.layer.%d", i), depth_word(l->depth));
        if (l->s.type == BM_DENSE) {
            if (!*flat) {
                Onnx__AttributeProto *ax[] = {ox_attr_int(g, "axis", 1)};
                x = ox_node(g, "Flatten", NULL, (const char *[]){x, NULL}, ax, 1);
            }
            if (l->depth && !from_ternary && st->int8_acts)
                x = ox_fake_quant_i8(g, x, 2);
            int64_t wd[2] = {l->s.out_c, (int64_t)l->s.fan_in};
            ox_tensor(g, w, wd, 2, l->w);
            Onnx__AttributeProto *tb[] = {ox_attr_int(g, "transB", 1)};
            *cur = ox_node(g, "Gemm", doc, (const char *[]){x, w, b, NULL}, tb, 1);
            *flat = 1;
        } else {
            if (l->depth && !from_ternary && st->int8_acts)
                x = ox_fake_quant_i8(g, x, 4);
            int64_t wd[4] = {l->s.out_c, l->s.in_c, l->s.k, l->s.k};
            ox_tensor(g, w, wd, 4, l->w);
            int64_t ks[2] = {l->s.k, l->s.k}, strides[2] = {l->s.stride, l->s.stride};
            int64_t pads[4] = {l->s.pad, l->s.pad, l->s.pad, l->s.pad};
            Onnx__AttributeProto *at[] = {ox_attr_ints(g, "kernel_shape", ks, 2), ox_attr_ints(g, "strides", strides, 2),
                                          ox_attr_ints(g, "pads", pads, 4)};
            *cur = ox_node(g, "Conv", doc, (const char *[]){x, w, b, NULL}, at, 3);
        }
        return 0;
    }
    case BM_BN: {
        int64_t c = l->s.out_c;
        const char *s = ox_tensor(g, ox_str(g, "layer%d.gamma", i), &c, 1, l->gamma);
        const char *b = ox_tensor(g, ox_str(g, "layer%d.shift", i), &c, 1, l->shift);
        const char *mu = ox_tensor(g, ox_str(g, "layer%d.running_mean", i), &c, 1, l->mean);
        const char *var = ox_tensor(g, ox_str(g, "layer%d.running_var", i), &c, 1, l->var);
        Onnx__AttributeProto *eps[] = {ox_attr_float(g, "epsilon", l->eps)};
        *cur = ox_node(g, "BatchNormalization", NULL, (const char *[]){x, s, b, mu, var, NULL}, eps, 1);
        return 0;
    }
    case BM_RELU:
        *cur = ox_node(g, "Relu", NULL, (const char *[]){x, NULL}, NULL, 0);
        return 0;
    case BM_HTANH:
        *cur = ox_node(g, "Clip", NULL, (const char *[]){x, "const.minus1", "const.plus1", NULL}, NULL, 0);
        return 0;
    case BM_SIGN: {   /* x < 0 ? -1 : +1 */
        const char *neg = ox_node(g, "Less", NULL, (const char *[]){x, "const.zero", NULL}, NULL, 0);
        *cur = ox_node(g, "Where", "bitern sign", (const char *[]){neg, "const.minus1", "const.plus1", NULL}, NULL, 0);
        st->ternary_domain = 1;
        return 0;
    }
    case BM_TERN: {   /* x > 0.5 ? +1 : x < -0.5 ? -1 : 0 */
        const char *hi = ox_node(g, "Greater", NULL, (const char *[]){x, "const.plus_half", NULL}, NULL, 0);
        const char *lo = ox_node(g, "Less", NULL, (const char *[]){x, "const.minus_half", NULL}, NULL, 0);
        const char *neg = ox_node(g, "Where", NULL, (const char *[]){lo, "const.minus1", "const.zero", NULL}, NULL, 0);
        *cur = ox_node(g, "Where", "bitern tern", (const char *[]){hi, "const.plus1", neg, NULL}, NULL, 0);
        st->ternary_domain = 1;
        return 0;
    }
    case BM_MAXPOOL: {
        int64_t ks[2] = {l->s.k, l->s.k};
        Onnx__AttributeProto *at[] = {ox_attr_ints(g, "kernel_shape", ks, 2), ox_attr_ints(g, "strides", ks, 2)};
        *cur = ox_node(g, "MaxPool", NULL, (const char *[]){x, NULL}, at, 2);
        st->ternary_domain = from_ternary;   /* the max of -1/0/+1 values is one of them */
        return 0;
    }
    case BM_DROPOUT:   /* the identity at inference */
        st->ternary_domain = from_ternary;
        return 0;
    case BM_MARK:
        st->marks[i] = x;
        st->ternary_domain = from_ternary;
        return 0;
    case BM_ADD: {
        const char *sc = st->marks[l->s.link];
        const bm_shape *mk = &m->layers[l->s.link].s;
        if (l->s.sub > 1 || l->s.out_c != mk->out_c) {
            /* Option A as a 1x1 convolution with stride sub whose weights are the identity followed by zero rows:
             * exact (every output is 1 x one input plus zeros), and one standard node instead of a slice and a
             * pad with int64 inputs. */
            size_t oc = (size_t)l->s.out_c, mc = (size_t)mk->out_c;
            float *wid = ox_alloc(g, oc * mc * sizeof(float));
            if (!wid)
                return bm_fail("out of memory");
            for (size_t r = 0; r < oc; r++)
                for (size_t c = 0; c < mc; c++)
                    wid[r * mc + c] = r == c ? 1.0f : 0.0f;
            int64_t wd[4] = {(int64_t)oc, (int64_t)mc, 1, 1}, st2[2] = {l->s.sub, l->s.sub}, ks[2] = {1, 1};
            const char *w = ox_tensor(g, ox_str(g, "layer%d.shortcut", i), wd, 4, wid);
            Onnx__AttributeProto *at[] = {ox_attr_ints(g, "kernel_shape", ks, 2), ox_attr_ints(g, "strides", st2, 2)};
            sc = ox_node(g, "Conv", "option-A shortcut: subsample, zero channels", (const char *[]){sc, w, NULL},
                         at, 2);
        }
        *cur = ox_node(g, "Add", "residual", (const char *[]){x, sc, NULL}, NULL, 0);
        return 0;
    }
    case BM_GAP:
        *cur = ox_node(g, "GlobalAveragePool", NULL, (const char *[]){x, NULL}, NULL, 0);
        return 0;
    default:
        return bm_fail("layer %d (%s) has no ONNX form in this exporter", i, bm_ltype_name(l->s.type));
    }
}

static void ox_free(ox *g)
{
    for (size_t i = 0; i < g->n_blocks; i++)
        free(g->blocks[i]);
    free(g->blocks);
    free(g->nodes);
    free(g->inits);
    free(g->meta);
}

int bitern_onnx_export(const bm_model *m, const char *producer_version, int int8_acts, uint8_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (m->n < 1)
        return bm_fail("the model has no layers");
    ox g = {0};
    int rc = -1;
    ox_scalar(&g, "const.zero", 0.0f);
    ox_scalar(&g, "const.plus1", 1.0f);
    ox_scalar(&g, "const.minus1", -1.0f);
    ox_scalar(&g, "const.plus_half", 0.5f);
    ox_scalar(&g, "const.minus_half", -0.5f);
    ox_scalar(&g, "const.127", 127.0f);
    ox_scalar(&g, "const.minus127", -127.0f);
    ox_scalar(&g, "const.tiny", 1e-30f);

    /* The input normalisation: x * (1 / (255 std[c])) - mean[c] / std[c], per channel, as bte_dataset_floats. */
    const char *cur = "pixels";
    if (m->in_c > BM_MAX_NORM_C) {
        bm_fail("the model has %d input channels and stores no input normalisation (at most %d): its inputs "
                "cannot be described", m->in_c, BM_MAX_NORM_C);
        goto out;
    }
    float *inv = ox_alloc(&g, (size_t)m->in_c * sizeof *inv), *off = ox_alloc(&g, (size_t)m->in_c * sizeof *off);
    if (!inv || !off)
        goto oom;
    for (int c = 0; c < m->in_c; c++) {
        inv[c] = 1.0f / (255.0f * m->in_std[c]);
        off[c] = m->in_mean[c] / m->in_std[c];
    }
    int64_t nd[4] = {1, m->in_c, 1, 1};
    ox_tensor(&g, "input.inv_255_std", nd, 4, inv);
    ox_tensor(&g, "input.mean_over_std", nd, 4, off);
    cur = ox_node(&g, "Mul", "pixel / (255 std[c])", (const char *[]){cur, "input.inv_255_std", NULL}, NULL, 0);
    cur = ox_node(&g, "Sub", "- mean[c] / std[c]", (const char *[]){cur, "input.mean_over_std", NULL}, NULL, 0);

    ox_state *st = ox_alloc(&g, sizeof *st);
    if (!st)
        goto oom;
    st->cur = cur;
    st->int8_acts = int8_acts;
    for (int i = 0; i < m->n; i++)
        if (ox_layer(&g, m, i, st) < 0)
            goto out;
    ox_node(&g, "Identity", NULL, (const char *[]){st->cur, NULL}, NULL, 0);
    g.nodes[g.n_nodes - 1]->output[0] = (char *)"logits";
    ox_meta(&g, "bitern.depths", ox_str(&g, "%s", st->depths));
    ox_meta(&g, "bitern.activations", int8_acts ? "int8 per example where the engine quantizes them" : "float");
    ox_meta(&g, "bitern.input", "float pixels 0..255, NCHW; the model's normalisation is the graph's first nodes");
    if (g.init_bytes > OX_MAX_MESSAGE / 2) {
        bm_fail("the weights take %zu bytes: over protobuf's 2 GiB limit for one ONNX file (external data is not "
                "supported by this exporter)", g.init_bytes);
        goto out;
    }

    int64_t in_dims[3] = {m->in_c, m->in_h, m->in_w};
    const bm_layer *last = &m->layers[m->n - 1];
    int64_t out_dims[1] = {(int64_t)bm_out_size(&last->s)};
    Onnx__ValueInfoProto *vin = ox_value(&g, "pixels", in_dims, 3), *vout = ox_value(&g, "logits", out_dims, 1);
    Onnx__GraphProto *graph = ox_alloc(&g, sizeof *graph);
    Onnx__ModelProto *model = ox_alloc(&g, sizeof *model);
    Onnx__OperatorSetIdProto *opset = ox_alloc(&g, sizeof *opset);
    if (!vin || !vout || !graph || !model || !opset || g.oom)
        goto oom;
    onnx__graph_proto__init(graph);
    graph->name = (char *)"bitern";
    graph->n_node = g.n_nodes;
    graph->node = g.nodes;
    graph->n_initializer = g.n_inits;
    graph->initializer = g.inits;
    graph->n_input = 1;
    graph->input = &vin;
    graph->n_output = 1;
    graph->output = &vout;
    onnx__operator_set_id_proto__init(opset);
    opset->domain = (char *)"";
    opset->has_version = 1;
    opset->version = OX_OPSET;
    onnx__model_proto__init(model);
    model->has_ir_version = 1;
    model->ir_version = ONNX__VERSION__IR_VERSION;
    model->n_opset_import = 1;
    model->opset_import = &opset;
    model->producer_name = (char *)"bitern";
    model->producer_version = (char *)producer_version;
    model->graph = graph;
    model->n_metadata_props = g.n_meta;
    model->metadata_props = g.meta;

    size_t sz = onnx__model_proto__get_packed_size(model);
    if (sz >= OX_MAX_MESSAGE) {
        bm_fail("the ONNX file would take %zu bytes: over protobuf's 2 GiB limit", sz);
        goto out;
    }
    *out = malloc(sz);
    if (!*out)
        goto oom;
    *n = onnx__model_proto__pack(model, *out);
    rc = 0;
    goto out;
oom:
    bm_fail("out of memory while building the ONNX graph");
out:
    ox_free(&g);
    return rc;
}
