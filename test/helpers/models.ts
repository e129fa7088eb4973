// Small random-weight models of every supported architecture and tensor type, written to a temp folder once per process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeGgufFile } from "../../src/io/gguf-file-writer.js";
import { GgmlType } from "../../src/tensor/ggml-type.js";
import { synthModel, type SynthShape } from "../../src/tools/synth.js";

/** Row lengths are multiples of 256 so every K-quant applies; small enough for the reference kernels. */
const base = { dim: 256, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 512, vocabSize: 512, contextLength: 256, ropeBase: 10000, normEps: 1e-5 };

/**
 * One small model per architecture with what makes it different switched on: head sizes other than dim / heads,
 * sliding windows far shorter than the test's 44 positions (so positions beyond the window are checked), soft caps
 * low enough to bite, partial rotary dimensions, Phi-3's long RoPE factors, SmolLM3's 4th-layer NoPE.
 */
export const TINY = {
  llama: { ...base, arch: "llama", tied: false },
  qwen2: { ...base, arch: "qwen2", nKvHeads: 1, ropeBase: 1000000, normEps: 1e-6, tied: true },
  gpt2: { ...base, arch: "gpt2", nKvHeads: 4, ffnDim: 1024, tied: true },
  qwen3: { ...base, arch: "qwen3", headDim: 128, ropeBase: 1000000, normEps: 1e-6, tied: true },
  gemma: { ...base, arch: "gemma", nKvHeads: 1, headDim: 128, normEps: 1e-6, tied: true },
  gemma2: { ...base, arch: "gemma2", headDim: 128, slidingWindow: 8, attnSoftcap: 4, finalSoftcap: 15, ropeBaseSwa: 5000, normEps: 1e-6, tied: true },
  gemma3: { ...base, arch: "gemma3", nKvHeads: 1, headDim: 128, slidingWindow: 6, swaPattern: 2, ropeBase: 1000000, ropeBaseSwa: 10000, normEps: 1e-6, tied: true },
  phi2: { ...base, arch: "phi2", nKvHeads: 4, ropeDim: 32, ffnDim: 1024, tied: false },
  phi3: { ...base, arch: "phi3", nKvHeads: 4, contextLength: 512, longRope: { originalContext: 64, attnFactor: 1.19 }, tied: false },
  smollm3: { ...base, arch: "smollm3", nLayers: 4, normEps: 1e-6, tied: true },
  bitnet: { ...base, arch: "bitnet", ffnDim: 768, projectionScales: true, tied: true },
  bert: { ...base, arch: "bert", nKvHeads: 4, ffnDim: 1024, vocabSize: 600, contextLength: 128, normEps: 1e-12, tied: true, pooling: 1 },
} satisfies Record<string, SynthShape>;

/** The decoder architectures (next-token logits); TINY.bert is the encoder. */
export const DECODERS = (Object.keys(TINY) as (keyof typeof TINY)[]).filter((a) => a !== "bert");

export const ALL_TYPES: GgmlType[] = [
  GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
  GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.TQ1_0, GgmlType.TQ2_0,
];

let dir: string | undefined;
export function tempDir(): string {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), "edgellm-test-"));
    process.on("exit", () => rmSync(dir!, { recursive: true, force: true }));
  }
  return dir;
}

/**
 * Writes a tiny model and returns its path. The embedding/output scales make next-token distributions peaked, so
 * that small rounding differences between engines rarely change the argmax.
 */
export async function writeTinyModel(
  arch: keyof typeof TINY, type: GgmlType, seed = 7, shape: Partial<SynthShape> = {}, typeFor?: (name: string) => GgmlType | undefined,
): Promise<string> {
  const path = join(tempDir(), `${arch}-${GgmlType[type]}-${seed}${typeFor ? "-mixed" : ""}.gguf`);
  const w = synthModel({ ...TINY[arch], ...shape }, { type, seed, weightStd: 0.05, embedStd: 1, outputStd: 1, typeFor });
  await writeGgufFile(path, w);
  return path;
}

/** Q4_K_M-like mix, as llama-quantize makes it: Q6_K for attn_v, ffn_down and the output, Q8_0 embeddings, Q4_K elsewhere. */
export function q4kmMix(name: string): GgmlType | undefined {
  if (/attn_v|ffn_down|^output\./.test(name)) return GgmlType.Q6_K;
  if (name.startsWith("token_embd")) return GgmlType.Q8_0;
  return undefined;
}
