// A linear softmax head (multinomial logistic regression) over sparse feature vectors: trained by seeded SGD with L2
// weight decay, then stored with 8-bit weights (one scale per feature row) — what is saved is what is evaluated.
//   weights (rows = feature columns, classes) row-major, so a sparse x touches whole contiguous rows:
//   logits (classes,) = bias + Σ_k x.val[k] · W[x.idx[k], :]
import { Rng } from "../../runtime/rng.js";
import type { SparseVector } from "./feature-space.js";

export interface SoftmaxTrainOptions {
  /** Passes over the data. */
  epochs: number;
  /** Initial step size; it decays linearly to near zero over the run. */
  learningRate: number;
  /** L2 penalty λ on the weights (not the biases): loss = mean weighted cross-entropy + λ/2 ‖W‖². */
  l2: number;
  seed: number;
  /** Per-class weight of each example's loss (e.g. balanced: N / (classes · count)); default 1. */
  classWeights?: Float64Array;
}

/** A gradient coordinate this small is skipped in the update (most of them, once the softmax is confident). */
const MIN_GRADIENT = 1e-4;

/** Train on X (sparse rows of `rows` columns) with labels y in [0, classes); float32 weights, float64 arithmetic. */
export function trainSoftmax(X: readonly SparseVector[], y: Int32Array, rows: number, classes: number, o: SoftmaxTrainOptions): { weights: Float32Array; bias: Float64Array } {
  const W = new Float32Array(rows * classes);
  const bias = new Float64Array(classes);
  // W_true = scale · W: the decay of every weight is one multiplication of `scale`, so steps stay sparse
  let scale = 1;
  const rng = new Rng(o.seed);
  const order = Int32Array.from(X, (_, i) => i);
  const p = new Float64Array(classes);
  const active = new Int32Array(classes);
  const total = o.epochs * X.length;
  let t = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    for (let s = 0; s < order.length; s++) {
      const n = order[s];
      const lr = o.learningRate * Math.max(1 - t / total, 1e-3);
      t++;
      const { idx, val } = X[n];
      softmaxInto(W, scale, bias, classes, idx, val, p);
      const target = y[n];
      p[target] -= 1;
      const w = o.classWeights ? o.classWeights[target] : 1;
      let na = 0;
      for (let c = 0; c < classes; c++) {
        p[c] *= w;
        if (Math.abs(p[c]) >= MIN_GRADIENT) active[na++] = c;
      }
      scale *= 1 - lr * o.l2;
      const step = lr / scale;
      for (let k = 0; k < idx.length; k++) {
        const off = idx[k] * classes;
        const g = step * val[k];
        for (let a = 0; a < na; a++) {
          const c = active[a];
          W[off + c] -= g * p[c];
        }
      }
      for (let c = 0; c < classes; c++) bias[c] -= lr * p[c];
      if (scale < 1e-4) {
        for (let i = 0; i < W.length; i++) W[i] *= scale;
        scale = 1;
      }
    }
  }
  if (scale !== 1) for (let i = 0; i < W.length; i++) W[i] *= scale;
  return { weights: W, bias };
}

/** p = softmax(bias + scale · xᵀW), in place. */
function softmaxInto(W: Float32Array, scale: number, bias: ArrayLike<number>, classes: number, idx: Int32Array, val: Float64Array, p: Float64Array): void {
  for (let c = 0; c < classes; c++) p[c] = bias[c];
  for (let k = 0; k < idx.length; k++) {
    const off = idx[k] * classes;
    const v = val[k] * scale;
    for (let c = 0; c < classes; c++) p[c] += W[off + c] * v;
  }
  normalizeSoftmax(p);
}

function normalizeSoftmax(p: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < p.length; c++) if (p[c] > max) max = p[c];
  let sum = 0;
  for (let c = 0; c < p.length; c++) sum += p[c] = Math.exp(p[c] - max);
  for (let c = 0; c < p.length; c++) p[c] /= sum;
}

/** The saved form: int8 weights with one float32 scale per row (weight = q · scale), float32 biases. */
export class QuantizedSoftmaxHead {
  constructor(
    readonly rows: number,
    readonly classes: number,
    readonly scales: Float32Array,
    readonly values: Int8Array,
    readonly bias: Float32Array,
  ) {}

  /** Symmetric per-row quantization: each row's largest |weight| maps to 127. */
  static quantize(weights: Float32Array, bias: ArrayLike<number>, rows: number, classes: number): QuantizedSoftmaxHead {
    const scales = new Float32Array(rows);
    const values = new Int8Array(rows * classes);
    for (let r = 0; r < rows; r++) {
      const off = r * classes;
      let max = 0;
      for (let c = 0; c < classes; c++) max = Math.max(max, Math.abs(weights[off + c]));
      if (max === 0) continue;
      const s = Math.fround(max / 127);
      scales[r] = s;
      for (let c = 0; c < classes; c++) values[off + c] = Math.max(-127, Math.min(127, Math.round(weights[off + c] / s)));
    }
    return new QuantizedSoftmaxHead(rows, classes, scales, values, Float32Array.from(bias));
  }

  /** Class probabilities of one feature vector. */
  probabilities(x: SparseVector): Float64Array {
    const p = new Float64Array(this.classes);
    for (let c = 0; c < this.classes; c++) p[c] = this.bias[c];
    for (let k = 0; k < x.idx.length; k++) {
      const r = x.idx[k];
      const off = r * this.classes;
      const v = x.val[k] * this.scales[r];
      for (let c = 0; c < this.classes; c++) p[c] += this.values[off + c] * v;
    }
    normalizeSoftmax(p);
    return p;
  }
}
