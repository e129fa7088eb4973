// The architectures beyond Llama: hostile hyperparameters give one-line typed errors, and the per-layer and
// per-context choices (sliding windows, RoPE factors) do what llama.cpp does. Their numerics against llama.cpp are
// in test/model-oracle.test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadModel } from "../engine.js";
import { writeGgufFile } from "../io/gguf-file-writer.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { synthModel, type SynthShape } from "../tools/synth.js";
import { GgufValueType } from "../format/gguf-types.js";
import type { GgufWriter } from "../format/gguf-writer.js";
import { argmax } from "../runtime/sampler.js";
import { errorOf } from "../../test/helpers/errors.js";
import { tempDir, TINY } from "../../test/helpers/models.js";
import { ARCHITECTURES } from "./registry.js";

let n = 0;
async function write(shape: SynthShape, edit?: (w: GgufWriter) => void): Promise<string> {
  const w = synthModel(shape, { type: GgmlType.F32, seed: 5, weightStd: 0.05, embedStd: 1, outputStd: 1 });
  edit?.(w);
  const path = join(tempDir(), `arch-${shape.arch}-${n++}.gguf`);
  await writeGgufFile(path, w);
  return path;
}

describe("architectures: hostile hyperparameters", () => {
  const cases: [string, SynthShape, ((w: GgufWriter) => void) | undefined, string, RegExp][] = [
    ["gemma2 window 0", TINY.gemma2, (w) => w.setU32("gemma2.attention.sliding_window", 0), "bad_metadata", /gemma2: gemma2\.attention\.sliding_window must be a positive integer, found 0/],
    ["gemma2 soft cap 0", TINY.gemma2, (w) => w.setF32("gemma2.attn_logit_softcapping", 0), "bad_metadata", /soft-capping values must be positive/],
    ["gemma3 pattern array too short", TINY.gemma3, (w) => w.setArray("gemma3.attention.sliding_window_pattern", GgufValueType.BOOL, [true]), "bad_metadata", /must hold a bool for each of the 2 layers/],
    ["qwen3 heads 4 / kv 3", TINY.qwen3, (w) => w.setU32("qwen3.attention.head_count_kv", 3), "missing_metadata", /qwen3: invalid hyperparameter head counts 4\/3/],
    ["phi2 rope dims beyond the head", TINY.phi2, (w) => w.setU32("phi2.rope.dimension_count", 128), "missing_metadata", /phi2: invalid hyperparameter rope\.dimension_count 128/],
    ["bert without token types", TINY.bert, (w) => w.setU32("tokenizer.ggml.token_type_count", 0), "missing_metadata", /bert: the model needs tokenizer\.ggml\.token_type_count/],
    ["bert rank pooling", TINY.bert, (w) => w.setU32("bert.pooling_type", 4), "unsupported_architecture", /bert: rank pooling .* is not supported/],
    ["bert heads 4 / kv 3", TINY.bert, (w) => w.setU32("bert.attention.head_count_kv", 3), "missing_metadata", /bert: invalid hyperparameter head counts 4\/3/],
    ["phi3 fused qkv of the wrong size", TINY.phi3, (w) => w.setU32("phi3.attention.head_count_kv", 2), "bad_tensor_shape", /tensor "blk\.0\.attn_qkv\.weight" has shape \[256, 768\], expected \[256, 512\]/],
  ];
  for (const [what, shape, edit, code, message] of cases) {
    it(`${what}: ${code}`, async () => {
      const path = await write(shape, edit);
      const e = errorOf(() => loadModel(path, { backend: "reference" }));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      assert.ok(!e.message.includes("\n"), "one line");
    });
  }

  it("a Llama-shaped file called qwen3 lacks the per-head norms: missing_tensor naming it", async () => {
    const path = await write(TINY.llama, (w) => {
      w.setString("general.architecture", "qwen3");
      for (const [k, v] of [["context_length", 256], ["embedding_length", 256], ["block_count", 2], ["feed_forward_length", 512], ["attention.head_count", 4], ["attention.head_count_kv", 2]] as const) {
        w.setU32(`qwen3.${k}`, v);
      }
    });
    const e = errorOf(() => loadModel(path, { backend: "reference" }));
    assert.equal(e.code, "missing_tensor");
    assert.match(e.message, /model has no tensor "blk\.0\.attn_q_norm\.weight"/);
  });

  it("an architecture llama.cpp has and edgellm does not fails with one line naming it and the supported ones", async () => {
    const path = await write(TINY.llama, (w) => w.setString("general.architecture", "mamba"));
    const e = errorOf(() => loadModel(path, { backend: "reference" }));
    assert.equal(e.code, "unsupported_architecture");
    assert.match(e.message, /architecture "mamba" is not supported \(supported: .*gemma3.*phi3.*smollm3/);
  });

  it("the registry names every architecture the synth writes", () => {
    for (const shape of Object.values(TINY)) assert.ok(Object.hasOwn(ARCHITECTURES, shape.arch), shape.arch);
  });
});

describe("architectures: per-layer and per-context choices", () => {
  const PROMPT = [17, 200, 3, 99, 45, 310, 7, 256, 128, 64, 500, 11, 90, 4, 33];

  it("phi3 picks rope_factors_short up to the training context and rope_factors_long beyond it", async () => {
    const path = await write(TINY.phi3); // original context 64
    const lm = loadModel(path, { backend: "wasm", threads: 1 });
    try {
      const at = (ctx: number) => {
        const s = lm.createSession({ ctx });
        s.eval(PROMPT);
        return s.lastLogits().slice();
      };
      const short32 = at(32), short64 = at(64), long128 = at(128), long256 = at(256);
      assert.deepEqual(short32, short64, "same factors at both contexts ≤ 64");
      assert.deepEqual(long128, long256, "same factors at both contexts > 64");
      assert.notDeepEqual(short64, long128, "the factors differ, so must the logits");
    } finally {
      lm.dispose();
    }
  });

  it("a sliding window longer than the sequence changes nothing; a short one changes what late tokens see", async () => {
    const logitsWith = async (window: number) => {
      const lm = loadModel(await write({ ...TINY.gemma2, slidingWindow: window }), { backend: "wasm", threads: 1 });
      try {
        const s = lm.createSession({ ctx: 64 });
        s.eval(PROMPT);
        return s.lastLogits().slice();
      } finally {
        lm.dispose();
      }
    };
    const wide = await logitsWith(64), wider = await logitsWith(4096), narrow = await logitsWith(4);
    assert.deepEqual(wide, wider);
    assert.notDeepEqual(wide, narrow);
    assert.equal(typeof argmax(narrow), "number");
  });
});
