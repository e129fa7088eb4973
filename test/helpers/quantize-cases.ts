// The inputs on which `edgellm quantize` is checked against llama-quantize: small random-weight models of the three
// architectures (rows that are and are not multiples of 256, tied and untied outputs, float and quantized inputs,
// nine layers so that the attn_v/ffn_down layer patterns of the mixes show). Deterministic: the same seed gives the
// same bytes, so scripts/quantize-oracle.mjs can record llama-quantize's digests once and the tests compare with them.
import { GgmlType } from "../../src/tensor/ggml-type.js";
import type { SynthShape } from "../../src/tools/synth.js";

export interface QuantizeCase {
  id: string;
  shape: SynthShape;
  inputType: GgmlType;
  seed: number;
  /** llama-quantize TYPE names. */
  types: string[];
  /** Extra flags, as llama-quantize spells them (edgellm quantize takes the same). */
  flags?: string[];
}

const ALL = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "TQ1_0", "TQ2_0"];
const base = { nLayers: 9, contextLength: 256, ropeBase: 10000, normEps: 1e-5 };

export const QUANTIZE_CASES: QuantizeCase[] = [
  { id: "llama-256-tied-f16", shape: { ...base, arch: "llama", dim: 256, nHeads: 4, nKvHeads: 1, ffnDim: 256, vocabSize: 300, tied: true }, inputType: GgmlType.F16, seed: 3, types: ALL },
  { id: "qwen2-96-tied-f32", shape: { ...base, arch: "qwen2", dim: 96, nHeads: 4, nKvHeads: 2, ffnDim: 160, vocabSize: 300, tied: true }, inputType: GgmlType.F32, seed: 4, types: ALL },
  { id: "gpt2-128-untied-f16", shape: { ...base, arch: "gpt2", dim: 128, nHeads: 4, nKvHeads: 4, ffnDim: 512, vocabSize: 300, tied: false }, inputType: GgmlType.F16, seed: 5, types: ["Q8_0", "Q4_0", "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_S", "Q6_K", "TQ2_0"] },
  { id: "llama-512-untied-q8_0", shape: { ...base, arch: "llama", dim: 512, nHeads: 8, nKvHeads: 2, ffnDim: 256, vocabSize: 300, tied: false }, inputType: GgmlType.Q8_0, seed: 6, types: ["Q4_0", "Q4_K_M", "Q6_K", "TQ1_0", "TQ2_0"] },
  { id: "llama-256-tied-f16", shape: { ...base, arch: "llama", dim: 256, nHeads: 4, nKvHeads: 1, ffnDim: 256, vocabSize: 300, tied: true }, inputType: GgmlType.F16, seed: 3, types: ["Q4_K_M"], flags: ["--pure"] },
  { id: "gpt2-128-untied-f16", shape: { ...base, arch: "gpt2", dim: 128, nHeads: 4, nKvHeads: 4, ffnDim: 512, vocabSize: 300, tied: false }, inputType: GgmlType.F16, seed: 5, types: ["Q4_0"], flags: ["--leave-output-tensor"] },
  { id: "gpt2-128-untied-f16", shape: { ...base, arch: "gpt2", dim: 128, nHeads: 4, nKvHeads: 4, ffnDim: 512, vocabSize: 300, tied: false }, inputType: GgmlType.F16, seed: 5, types: ["Q4_K_M"], flags: ["--output-tensor-type", "q8_0", "--token-embedding-type", "q4_0"] },
];

/** The key of one recorded result. */
export function caseKey(c: QuantizeCase, type: string): string {
  return [c.id, type, ...(c.flags ?? [])].join(" ");
}
