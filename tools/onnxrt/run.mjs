// SPDX-License-Identifier: MIT
// ONNX Runtime (onnxruntime-node, CPU) on a bitern-exported model, for tests/export and bench/infer-compare.
//   node run.mjs classify MODEL.onnx PIXELS.f32 N C H W [--threads T]
//       PIXELS.f32: N*C*H*W little-endian float32 pixel values 0..255; prints one class (argmax, first on ties)
//       per line.
//   node run.mjs time MODEL.onnx PIXELS.f32 N C H W --batch B --threads T --runs R [--warmup W]
//       times R runs of batch B (the first B images), prints one JSON line: per-run seconds and their median.
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';

function die(msg) {
    process.stderr.write(`onnxrt: ${msg}\n`);
    process.exit(1);
}

const argv = process.argv.slice(2);
if (argv.length < 7 || !['classify', 'time'].includes(argv[0]))
    die('usage: run.mjs classify|time MODEL.onnx PIXELS.f32 N C H W [--batch B] [--threads T] [--runs R] [--warmup W]');
const [mode, model, pixels] = argv;
const [n, c, h, w] = argv.slice(3, 7).map((s) => {
    const v = Number.parseInt(s, 10);
    if (!(v > 0)) die(`'${s}' is not a positive integer`);
    return v;
});
const opt = { batch: 1, threads: 1, runs: 100, warmup: 10 };
for (let i = 7; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in opt) || i + 1 >= argv.length) die(`unknown option or missing value: ${argv[i]}`);
    opt[k] = Number.parseInt(argv[i + 1], 10);
    if (!(opt[k] >= 0)) die(`${argv[i]}: '${argv[i + 1]}' is not a non-negative integer`);
}
const ex = c * h * w;
const buf = fs.readFileSync(pixels);
if (buf.length !== n * ex * 4) die(`${pixels}: ${buf.length} bytes, expected ${n * ex * 4} for ${n}x${c}x${h}x${w} float32`);
const x = new Float32Array(buf.buffer, buf.byteOffset, n * ex);

const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: opt.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
});

async function run(first, count) {
    const t = new ort.Tensor('float32', x.subarray(first * ex, (first + count) * ex), [count, c, h, w]);
    const out = await session.run({ pixels: t });
    return out.logits;
}

if (mode === 'classify') {
    const step = 256, lines = [];
    for (let s = 0; s < n; s += step) {
        const cnt = Math.min(step, n - s);
        const z = await run(s, cnt);
        const k = z.dims[1];
        for (let j = 0; j < cnt; j++) {
            let arg = 0;
            for (let q = 1; q < k; q++) if (z.data[j * k + q] > z.data[j * k + arg]) arg = q;
            lines.push(arg);
        }
    }
    process.stdout.write(lines.join('\n') + '\n');
} else {
    if (opt.batch < 1 || opt.batch > n) die(`--batch ${opt.batch}: needs 1..${n} images`);
    for (let i = 0; i < opt.warmup; i++) await run(0, opt.batch);
    const sec = [];
    for (let i = 0; i < opt.runs; i++) {
        const first = (i * opt.batch) % (n - opt.batch + 1);
        const t0 = process.hrtime.bigint();
        await run(first, opt.batch);
        sec.push(Number(process.hrtime.bigint() - t0) * 1e-9);
    }
    const sorted = [...sec].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
        : 0.5 * (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]);
    process.stdout.write(JSON.stringify({ runtime: 'onnxruntime-node', version: ort.env.versions?.common ?? '',
        batch: opt.batch, threads: opt.threads, runs: opt.runs, median_s: median, seconds: sec }) + '\n');
}
