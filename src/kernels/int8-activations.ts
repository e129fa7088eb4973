// Int8 activations exactly as the WASM kernels round them (assembly/quantize.ts), for the plain-TS twins of the
// repacked-layout kernels (x4-layout.ts, ternary-lut.ts): per block, id = 127/amax in f32 and q = round half to even of
// x · id; the scale d is f16(amax/127) for blocks of 32 (ggml's Q8_0/Q8_1) and 1/id for blocks of 256 (Q8_K).
import { f16ToF32, f32ToF16 } from "../tensor/f16.js";

export function quantizeActivationsInt8(x: Float32Array, n: number, cols: number, block: 32 | 256): { q: Int8Array; d: Float32Array } {
  const nb = cols / block;
  const q = new Int8Array(n * cols);
  const d = new Float32Array(n * nb);
  for (let t = 0; t < n; t++) {
    for (let b = 0; b < nb; b++) {
      const o = t * cols + b * block;
      let amax = 0;
      for (let i = 0; i < block; i++) amax = Math.max(amax, Math.abs(x[o + i]!));
      const id = amax > 0 ? Math.fround(127 / amax) : 0;
      if (amax > 0) d[t * nb + b] = block === 32 ? f16ToF32(f32ToF16(Math.fround(amax / 127))) : Math.fround(1 / id);
      for (let i = 0; i < block; i++) {
        const v = Math.fround(x[o + i]! * id);
        let r = Math.round(v);
        if (r - v === 0.5 && r % 2 !== 0) r -= 1; // ties to even
        q[o + i] = r;
      }
    }
  }
  return { q, d };
}
