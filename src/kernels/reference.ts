// Plain-TypeScript reference kernels: the readable definition every fast kernel is tested against.
import { GgmlType } from "../tensor/ggml-type.js";
import { traitsOf } from "../tensor/types.js";
import { f16ToF32, f32ToF16 } from "../tensor/f16.js";
import type { Arena, Ptr } from "./memory.js";
import type { AttentionMask, Kernels, KvType, WeightTensor } from "./types.js";

/**
 * Activation rounding for 8-bit blocks of 32 as ggml's SIMD quantizers do it (x86 and ARM alike): the inverse scale is
 * 127/amax and values round half to even. (ggml's scalar reference quantizer uses 1/d and rounds half away from zero,
 * which differs in the last bit for a few values per block.) Writes the dequantized values d·q to dst.
 */
export function roundActivationsQ8(
  src: Float32Array, srcOff: number, n: number, dst: Float32Array, dstOff: number, sumCorr?: Float32Array, corrOff = 0,
): void {
  for (let b = 0; b < n; b += 32) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(src[srcOff + b + i]));
    const d = f16ToF32(f32ToF16(Math.fround(amax / 127)));
    const id = amax !== 0 ? Math.fround(127 / amax) : 0;
    let sum = 0;
    for (let i = 0; i < 32; i++) {
      const v = Math.fround(src[srcOff + b + i] * id);
      let q = Math.round(v);
      if (q - v === 0.5 && q % 2 !== 0) q -= 1; // ties to even
      dst[dstOff + b + i] = d * q;
      sum += q;
    }
    // Q8_1 also stores s = f16(d·Σq) with the unrounded d; ggml's Q4_1/Q5_1 dot adds min·s, so keep s − d16·Σq
    if (sumCorr) sumCorr[corrOff + b / 32] = f16ToF32(f32ToF16(Math.fround(Math.fround(amax / 127) * sum))) - d * sum;
  }
}

export class ReferenceKernels implements Kernels {
  readonly name = "reference";
  private rowBuf = new Float32Array(0);

  constructor(readonly arena: Arena) {}

  private rowScratch(cols: number): Float32Array {
    if (this.rowBuf.length < cols) this.rowBuf = new Float32Array(cols);
    return this.rowBuf;
  }

  getRow(w: WeightTensor, row: number, outPtr: Ptr): void {
    const f32 = this.arena.f32;
    const tmp = this.rowScratch(w.cols);
    traitsOf(w.type, w.name).dequantizeRow(this.arena.u8, w.ptr + row * w.rowBytes, tmp, 0, w.cols);
    const o = outPtr >> 2;
    for (let i = 0; i < w.cols; i++) f32[o + i] = tmp[i];
  }

  matMulShared(ws: readonly WeightTensor[], xPtr: Ptr, n: number, outPtrs: readonly Ptr[]): void {
    for (let i = 0; i < ws.length; i++) this.matMul(ws[i]!, xPtr, n, outPtrs[i]!);
  }

  /**
   * out (n, rows) = x (n, cols) · Wᵀ. Like ggml, the activations are first rounded through the weight type's dot
   * partner (f16 for F16 weights, 8-bit blocks for quantized weights), so this is the same arithmetic as an integer
   * dot product up to float summation order. Each weight row is dequantized once and dotted with every input row.
   */
  matMul(w: WeightTensor, xPtr: Ptr, n: number, outPtr: Ptr): void {
    const f32 = this.arena.f32;
    const { rows, cols } = w;
    const traits = traitsOf(w.type, w.name);
    const tmp = this.rowScratch(cols);
    let x = f32;
    let x0 = xPtr >> 2;
    if (traits.vecDotType !== undefined) {
      x = this.roundActivations(traits.vecDotType, x0, n, cols);
      x0 = 0;
    }
    const o0 = outPtr >> 2;
    const withMin = traits.vecDotType === GgmlType.Q8_1; // Q4_1 / Q5_1: block min at byte 2 of each block
    const nBlocks = cols / traits.blockSize;
    const u8 = this.arena.u8;
    for (let r = 0; r < rows; r++) {
      const rowPtr = w.ptr + r * w.rowBytes;
      traits.dequantizeRow(u8, rowPtr, tmp, 0, cols);
      for (let t = 0; t < n; t++) {
        const xb = x0 + t * cols;
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += tmp[c] * x[xb + c];
        if (withMin) {
          for (let b = 0; b < nBlocks; b++) {
            const off = rowPtr + b * traits.typeSize + 2;
            sum += f16ToF32(u8[off] | (u8[off + 1] << 8)) * this.actCorr[t * nBlocks + b];
          }
        }
        f32[o0 + t * rows + r] = sum;
      }
    }
  }

  private actBuf = new Float32Array(0);
  private actCorr = new Float32Array(0);
  private actBytes = new Uint8Array(0);

  /** x (n, cols) at f32 index x0 → quantized to `type` and back, in a scratch array. */
  private roundActivations(type: number, x0: number, n: number, cols: number): Float32Array {
    const partner = traitsOf(type);
    const rowBytes = (cols / partner.blockSize) * partner.typeSize;
    if (this.actBuf.length < n * cols) this.actBuf = new Float32Array(n * cols);
    if (this.actBytes.length < rowBytes) this.actBytes = new Uint8Array(rowBytes);
    if (this.actCorr.length < (n * cols) / 32) this.actCorr = new Float32Array((n * cols) / 32);
    const q8 = type === GgmlType.Q8_0 || type === GgmlType.Q8_1;
    for (let t = 0; t < n; t++) {
      if (q8) {
        roundActivationsQ8(this.arena.f32, x0 + t * cols, cols, this.actBuf, t * cols, this.actCorr, (t * cols) / 32);
        continue;
      }
      partner.quantizeRow!(this.arena.f32, x0 + t * cols, cols, this.actBytes, 0);
      partner.dequantizeRow(this.actBytes, 0, this.actBuf, t * cols, cols);
    }
    return this.actBuf;
  }

  rmsNorm(xPtr: Ptr, weightPtr: Ptr, n: number, dim: number, eps: number, yPtr: Ptr): void {
    const f32 = this.arena.f32;
    const w = weightPtr >> 2;
    for (let t = 0; t < n; t++) {
      const x = (xPtr >> 2) + t * dim;
      const y = (yPtr >> 2) + t * dim;
      let ss = 0;
      for (let i = 0; i < dim; i++) ss += f32[x + i] * f32[x + i];
      const scale = 1 / Math.sqrt(ss / dim + eps);
      for (let i = 0; i < dim; i++) f32[y + i] = f32[x + i] * scale * f32[w + i];
    }
  }

  layerNorm(xPtr: Ptr, weightPtr: Ptr, biasPtr: Ptr, n: number, dim: number, eps: number, yPtr: Ptr): void {
    const f32 = this.arena.f32;
    const w = weightPtr >> 2;
    const b = biasPtr >> 2;
    for (let t = 0; t < n; t++) {
      const x = (xPtr >> 2) + t * dim;
      const y = (yPtr >> 2) + t * dim;
      let mean = 0;
      for (let i = 0; i < dim; i++) mean += f32[x + i];
      mean /= dim;
      let variance = 0;
      for (let i = 0; i < dim; i++) variance += (f32[x + i] - mean) ** 2;
      const scale = 1 / Math.sqrt(variance / dim + eps);
      for (let i = 0; i < dim; i++) f32[y + i] = (f32[x + i] - mean) * scale * f32[w + i] + f32[b + i];
    }
  }

  // Angles follow ggml's float arithmetic: theta starts at pos and is multiplied by base^(−2/ropeDim) once per pair,
  // in f32, so positions far into the context rotate exactly as llama.cpp rotates them.
  rope(
    xPtr: Ptr, n: number, nHeads: number, headDim: number, ropeDim: number, pos0: number,
    freqBase: number, freqScale: number, neox: boolean, freqFactorsPtr: Ptr, mscale = 1,
  ): void {
    const f32 = this.arena.f32;
    const fr = Math.fround;
    const half = ropeDim >> 1;
    const thetaScale = fr(Math.pow(freqBase, fr(-2 / ropeDim)));
    for (let t = 0; t < n; t++) {
      let theta = fr(pos0 + t);
      for (let i = 0; i < half; i++) {
        let th = freqFactorsPtr ? fr(theta / f32[(freqFactorsPtr >> 2) + i]) : theta;
        th = fr(freqScale * th);
        const c = fr(fr(Math.cos(th)) * mscale);
        const s = fr(fr(Math.sin(th)) * mscale);
        for (let h = 0; h < nHeads; h++) {
          const base = (xPtr >> 2) + (t * nHeads + h) * headDim;
          const a = base + (neox ? i : 2 * i);
          const b = base + (neox ? i + half : 2 * i + 1);
          const x0 = f32[a];
          const x1 = f32[b];
          f32[a] = fr(x0 * c) - fr(x1 * s);
          f32[b] = fr(x0 * s) + fr(x1 * c);
        }
        theta = fr(theta * thetaScale);
      }
    }
  }

  storeKv(kPtr: Ptr, vPtr: Ptr, n: number, kvDim: number, pos0: number, kCache: Ptr, vCache: Ptr, kvType: KvType): void {
    const f32 = this.arena.f32;
    const count = n * kvDim;
    if (kvType === "f32") {
      const kd = (kCache >> 2) + pos0 * kvDim;
      const vd = (vCache >> 2) + pos0 * kvDim;
      for (let i = 0; i < count; i++) {
        f32[kd + i] = f32[(kPtr >> 2) + i];
        f32[vd + i] = f32[(vPtr >> 2) + i];
      }
    } else {
      const u16 = this.arena.u16;
      const kd = (kCache >> 1) + pos0 * kvDim;
      const vd = (vCache >> 1) + pos0 * kvDim;
      for (let i = 0; i < count; i++) {
        u16[kd + i] = f32ToF16(f32[(kPtr >> 2) + i]);
        u16[vd + i] = f32ToF16(f32[(vPtr >> 2) + i]);
      }
    }
  }

  attention(
    qPtr: Ptr, n: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, scale: number,
    kCache: Ptr, vCache: Ptr, kvType: KvType, outPtr: Ptr, scratchPtr: Ptr, mask?: AttentionMask,
  ): void {
    const f32 = this.arena.f32;
    const u16 = this.arena.u16;
    const fr = Math.fround;
    const f16 = kvType === "f16";
    const kvDim = nKvHeads * headDim;
    const group = nHeads / nKvHeads;
    const att = scratchPtr >> 2;
    const cap = mask?.softcap ?? 0;
    const cacheAt = (base: Ptr, idx: number): number => (f16 ? f16ToF32(u16[(base >> 1) + idx]) : f32[(base >> 2) + idx]);
    // With an f16 cache ggml multiplies in f16: q is rounded to f16 for q·k, and the softmax weights for weights·v.
    const round = f16 ? (v: number) => f16ToF32(f32ToF16(v)) : (v: number) => v;
    for (let t = 0; t < n; t++) {
      const [first, last] = visibleRows(mask, pos0, n, t);
      for (let h = 0; h < nHeads; h++) {
        const q = (qPtr >> 2) + (t * nHeads + h) * headDim;
        const kvOff = Math.floor(h / group) * headDim;
        let max = -Infinity;
        for (let p = first; p <= last; p++) {
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += round(f32[q + i]) * cacheAt(kCache, p * kvDim + kvOff + i);
          if (cap > 0) dot = fr(cap * Math.tanh(fr(fr(dot) * fr(1 / cap))));
          const s = dot * scale;
          f32[att + p] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let p = first; p <= last; p++) {
          const e = Math.exp(f32[att + p] - max);
          f32[att + p] = e;
          sum += e;
        }
        const o = (outPtr >> 2) + (t * nHeads + h) * headDim;
        for (let i = 0; i < headDim; i++) f32[o + i] = 0;
        for (let p = first; p <= last; p++) {
          const wgt = round(f32[att + p] / sum);
          for (let i = 0; i < headDim; i++) f32[o + i] += wgt * cacheAt(vCache, p * kvDim + kvOff + i);
        }
      }
    }
  }


  add(aPtr: Ptr, bPtr: Ptr, count: number): void {
    const f32 = this.arena.f32;
    const a = aPtr >> 2;
    const b = bPtr >> 2;
    for (let i = 0; i < count; i++) f32[a + i] += f32[b + i];
  }

  addBias(xPtr: Ptr, biasPtr: Ptr, n: number, dim: number): void {
    const f32 = this.arena.f32;
    const b = biasPtr >> 2;
    for (let t = 0; t < n; t++) {
      const x = (xPtr >> 2) + t * dim;
      for (let i = 0; i < dim; i++) f32[x + i] += f32[b + i];
    }
  }

  swiglu(gatePtr: Ptr, upPtr: Ptr, count: number): void {
    const f32 = this.arena.f32;
    const g = gatePtr >> 2;
    const u = upPtr >> 2;
    for (let i = 0; i < count; i++) {
      const x = f32[g + i];
      f32[g + i] = (x / (1 + Math.exp(-x))) * f32[u + i];
    }
  }

  gelu(xPtr: Ptr, count: number): void {
    const f32 = this.arena.f32;
    const x0 = xPtr >> 2;
    const SQRT_2_OVER_PI = 0.7978845608028654;
    // ggml evaluates GELU through an f16 table: input rounded to f16, result rounded to f16; saturates beyond ±10.
    for (let i = 0; i < count; i++) {
      const x = f32[x0 + i];
      if (x <= -10) f32[x0 + i] = 0;
      else if (x >= 10) f32[x0 + i] = x;
      else {
        const h = f16ToF32(f32ToF16(x));
        f32[x0 + i] = f16ToF32(f32ToF16(0.5 * h * (1 + Math.tanh(SQRT_2_OVER_PI * h * (1 + 0.044715 * h * h)))));
      }
    }
  }

  geglu(gatePtr: Ptr, upPtr: Ptr, count: number): void {
    this.gelu(gatePtr, count);
    const f32 = this.arena.f32;
    const g = gatePtr >> 2;
    const u = upPtr >> 2;
    for (let i = 0; i < count; i++) f32[g + i] *= f32[u + i];
  }

  scale(xPtr: Ptr, count: number, s: number): void {
    const f32 = this.arena.f32;
    const x = xPtr >> 2;
    for (let i = 0; i < count; i++) f32[x + i] *= s;
  }

  // ggml's three ops: x · (1/cap) rounded to f32, tanh, · cap
  softcap(xPtr: Ptr, count: number, cap: number): void {
    const f32 = this.arena.f32;
    const fr = Math.fround;
    const x = xPtr >> 2;
    const inv = fr(1 / cap);
    for (let i = 0; i < count; i++) f32[x + i] = cap * Math.tanh(fr(f32[x + i] * inv));
  }
}

/** First and last cache row that query t of a call at pos0 with n rows sees (Kernels.attention, AttentionMask). */
export function visibleRows(mask: AttentionMask | undefined, pos0: number, n: number, t: number): [number, number] {
  if (mask && !mask.causal) return [0, pos0 + n - 1];
  const last = pos0 + t;
  return [mask && mask.window > 0 ? Math.max(0, last - mask.window + 1) : 0, last];
}
