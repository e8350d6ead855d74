/* SPDX-License-Identifier: MIT */
/*
 * A .btn model as a standard ONNX graph (IR 8, opset 13), for any ONNX runtime.
 *
 * The graph's input "pixels" is float [N, C, H, W] with the raw pixel values 0..255: the model's stored input
 * normalisation is the graph's first two nodes (x * 1/(255 std[c]) - mean[c]/std[c], the engine's expression).
 * Quantized layers carry their dequantized weights, scale[r] x {-1, 0, +1}, as float initializers, so the file
 * runs everywhere; what the depths were is kept in the model's metadata_props ("bitern.layer.<i>" =
 * "binary" | "ternary" | "float", plus "bitern.depths", e.g. "F B T F") and in each node's doc_string.
 * Sign and tern activations become Less/Greater + Where (ONNX's Sign gives 0 at 0; bitern's sign gives +1).
 * Activations: where bitern's engine feeds a binary/ternary layer int8 activations (its input is not a sign/tern
 * output), the graph quantizes them the same way (per example, absmax / 127, round half to even: Abs,
 * ReduceMax, Div, Mul, Clip, Round, Mul), so ONNX runtimes compute what bitern computes, up to the float
 * rounding of the sums. int8_acts = 0 leaves every activation float, as the trainer had them
 * (`bitern export --float-activations`).
 * The output "logits" is float [N, n_classes].
 */
#ifndef BITERN_TOOLS_ONNX_EXPORT_H
#define BITERN_TOOLS_ONNX_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "model/btn.h"

/* The serialized ModelProto in *out (malloc'd, *n bytes), or -1 with bm_error() set (a model that ONNX cannot
 * express, or one over protobuf's 2 GiB message limit). */
int bitern_onnx_export(const bm_model *m, const char *producer_version, int int8_acts, uint8_t **out, size_t *n);

#endif
