// Plain-TypeScript reference kernels: the readable definition every fast kernel is tested against.
import { traitsOf } from "../tensor/types.js";
import { f16ToF32, f32ToF16 } from "../tensor/f16.js";
import type { Arena, Ptr } from "./memory.js";
import type { Kernels, KvType, WeightTensor } from "./types.js";

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

  // out (n, rows) = x (n, cols) · Wᵀ: each weight row is dequantized once and dotted with every input row.
  matMul(w: WeightTensor, xPtr: Ptr, n: number, outPtr: Ptr): void {
    const f32 = this.arena.f32;
    const { rows, cols } = w;
    const tmp = this.rowScratch(cols);
    const dequantizeRow = traitsOf(w.type, w.name).dequantizeRow;
    const x0 = xPtr >> 2;
    const o0 = outPtr >> 2;
    for (let r = 0; r < rows; r++) {
      dequantizeRow(this.arena.u8, w.ptr + r * w.rowBytes, tmp, 0, cols);
      for (let t = 0; t < n; t++) {
        const xb = x0 + t * cols;
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += tmp[c] * f32[xb + c];
        f32[o0 + t * rows + r] = sum;
      }
    }
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

  rope(
    xPtr: Ptr, n: number, nHeads: number, headDim: number, ropeDim: number, pos0: number,
    freqBase: number, freqScale: number, neox: boolean, freqFactorsPtr: Ptr,
  ): void {
    const f32 = this.arena.f32;
    const half = ropeDim >> 1;
    for (let t = 0; t < n; t++) {
      const pos = pos0 + t;
      for (let i = 0; i < half; i++) {
        let theta = pos * freqScale * Math.pow(freqBase, (-2 * i) / ropeDim);
        if (freqFactorsPtr) theta /= f32[(freqFactorsPtr >> 2) + i];
        const c = Math.cos(theta);
        const s = Math.sin(theta);
        for (let h = 0; h < nHeads; h++) {
          const base = (xPtr >> 2) + (t * nHeads + h) * headDim;
          const a = base + (neox ? i : 2 * i);
          const b = base + (neox ? i + half : 2 * i + 1);
          const x0 = f32[a];
          const x1 = f32[b];
          f32[a] = x0 * c - x1 * s;
          f32[b] = x0 * s + x1 * c;
        }
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
    kCache: Ptr, vCache: Ptr, kvType: KvType, outPtr: Ptr, scratchPtr: Ptr,
  ): void {
    const f32 = this.arena.f32;
    const u16 = this.arena.u16;
    const f16 = kvType === "f16";
    const kvDim = nKvHeads * headDim;
    const group = nHeads / nKvHeads;
    const att = scratchPtr >> 2;
    const cacheAt = (base: Ptr, idx: number): number => (f16 ? f16ToF32(u16[(base >> 1) + idx]) : f32[(base >> 2) + idx]);
    for (let t = 0; t < n; t++) {
      const last = pos0 + t; // attends to cache rows 0..last
      for (let h = 0; h < nHeads; h++) {
        const q = (qPtr >> 2) + (t * nHeads + h) * headDim;
        const kvOff = Math.floor(h / group) * headDim;
        let max = -Infinity;
        for (let p = 0; p <= last; p++) {
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += f32[q + i] * cacheAt(kCache, p * kvDim + kvOff + i);
          const s = dot * scale;
          f32[att + p] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let p = 0; p <= last; p++) {
          const e = Math.exp(f32[att + p] - max);
          f32[att + p] = e;
          sum += e;
        }
        const o = (outPtr >> 2) + (t * nHeads + h) * headDim;
        for (let i = 0; i < headDim; i++) f32[o + i] = 0;
        for (let p = 0; p <= last; p++) {
          const wgt = f32[att + p] / sum;
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
    for (let i = 0; i < count; i++) {
      const x = f32[x0 + i];
      f32[x0 + i] = 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * x * (1 + 0.044715 * x * x)));
    }
  }
}
