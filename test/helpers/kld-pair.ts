// The base model and text on which edgellm's KL-divergence statistics are checked against llama-perplexity's
// (recorded by scripts/kld-oracle.mjs into test/kld-oracle.json).
import { join } from "node:path";
import { writeGgufFile } from "../../src/io/gguf-file-writer.js";
import { GgmlType } from "../../src/tensor/ggml-type.js";
import { synthModel } from "../../src/tools/synth.js";
import { repoRoot } from "./fixtures.js";

export const KLD_PAIR = {
  text: join(repoRoot, "models", "edgellm-assistant-heldout.txt"),
  ctx: 256,
  chunks: 8,
  types: ["Q8_0", "Q4_0", "Q2_K"],
};

/** A random F16 llama whose next-token distributions are neither flat nor one-hot (embedding std 0.1). */
export async function writeKldBase(path: string): Promise<void> {
  await writeGgufFile(path, synthModel(
    { arch: "llama", dim: 256, nLayers: 4, nHeads: 4, nKvHeads: 2, ffnDim: 512, vocabSize: 2000, contextLength: 512, ropeBase: 10000, normEps: 1e-5, tied: true },
    { type: GgmlType.F16, seed: 9, embedStd: 0.1, weightStd: 0.05 },
  ));
}
