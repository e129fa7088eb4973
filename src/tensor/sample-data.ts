// Deterministic sample tensors for quantization tests and benchmarks: plain arithmetic only (no Math.log/cos), so
// every platform produces the same floats, and 256-element blocks cycle through the shapes quantizers get wrong.

/** Uniform [0, 1) generator from a 32-bit LCG (Numerical Recipes constants). */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** Roughly normal, unit variance: centred sum of four uniforms (Irwin–Hall). */
export function gaussianish(rand: () => number): number {
  return (rand() + rand() + rand() + rand() - 2) * Math.sqrt(3);
}

/** Block shapes, in the order sampleTensor cycles through them (one per 256 elements). */
export const SAMPLE_BLOCK_KINDS = [
  "gaussian", "small", "uniform", "zeros", "tiny", "large", "outliers", "half-steps", "positive", "negative",
  "zero-sub-blocks", "constant", "fp16-subnormal", "heavy-tail",
] as const;

/** `n` floats (n a multiple of 256) whose 256-element blocks cycle through SAMPLE_BLOCK_KINDS. */
export function sampleTensor(n: number, seed = 1): Float32Array {
  const rand = lcg(seed);
  const out = new Float32Array(n);
  for (let b = 0; b * 256 < n; b++) {
    const kind = SAMPLE_BLOCK_KINDS[b % SAMPLE_BLOCK_KINDS.length]!;
    for (let i = 0; i < 256 && b * 256 + i < n; i++) {
      const g = gaussianish(rand);
      let v: number;
      switch (kind) {
        case "gaussian": v = g; break;
        case "small": v = g * 0.02; break;
        case "uniform": v = (rand() - 0.5) * 10; break;
        case "zeros": v = 0; break;
        case "tiny": v = g * 1e-6; break;
        case "large": v = g * 1e4; break;
        case "outliers": v = i % 32 === 0 ? 5 : g * 0.1; break;
        case "half-steps": v = Math.round(g * 8) / 2; break; // many exact .5 ties after scaling
        case "positive": v = rand() + 1; break;
        case "negative": v = -rand() - 0.5; break;
        case "zero-sub-blocks": v = (i >> 4) % 2 ? 0 : g; break;
        case "constant": v = 3.25; break;
        case "fp16-subnormal": v = g * 1e-4; break; // block scales land in binary16's subnormal range
        case "heavy-tail": {
          const u = rand();
          v = g * (1 + 50 * u * u * u * u);
          break;
        }
      }
      out[b * 256 + i] = v;
    }
  }
  return out;
}
