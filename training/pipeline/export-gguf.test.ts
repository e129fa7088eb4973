// The exporter writes a BitNet model trained with `train.py --arch bitnet` as llama.cpp's `bitnet` GGUF: its keys and
// tensors (with the sub-norms), and ternary matrices that TQ2_0 / TQ1_0 hold exactly (up to the f16 scale).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGguf } from "../../src/format/gguf-reader.js";
import { BufferSource } from "../../src/io/byte-source.js";
import { roundToF16 } from "../../src/tensor/f16.js";
import { GgmlType } from "../../src/tensor/ggml-type.js";
import { dequantize } from "../../src/tensor/types.js";
import { chatTokenIds, countWords, trainBpe } from "./bpe-trainer.js";
import { CHAT_TEMPLATE, SPECIAL_TOKENS } from "./chat-format.js";
import { buildGguf, type LoadedWeights, type ModelConfig } from "./export-gguf.js";
import type { TokenizerFile } from "./prepare-data.js";
import { Rng } from "./rng.js";

function tokenizer(): TokenizerFile {
  const bpe = trainBpe(countWords(["turn on the lights", "turn off the lights"], "qwen35", SPECIAL_TOKENS), {
    vocabSize: 300, pre: "qwen35", specialTokens: SPECIAL_TOKENS,
  });
  const ids = chatTokenIds(bpe);
  return { ...bpe, bosId: ids.endOfText, eosId: ids.imEnd, eotId: ids.imEnd, padId: ids.endOfText, chatTemplate: CHAT_TEMPLATE };
}

/** What train.py saves for a BitLinear matrix: round(W / mean|W|) clipped to {-1, 0, 1}, times mean|W|. */
function ternaryMatrix(rng: Rng, n: number): Float32Array {
  const w = Float32Array.from({ length: n }, () => rng.float() - 0.5);
  const g = Math.fround(w.reduce((s, x) => s + Math.abs(x), 0) / n);
  return w.map((x) => Math.max(-1, Math.min(1, Math.round(x / g))) * g);
}

function bitnetWeights(vocab: number): LoadedWeights {
  const config: ModelConfig = {
    vocab_size: vocab, dim: 256, n_layers: 2, n_heads: 4, n_kv_heads: 2, hidden_dim: 512, context_length: 64,
    norm_eps: 1e-5, rope_theta: 10000, arch: "bitnet", ternary_weights: true,
  };
  const rng = new Rng(3);
  const kv = (config.dim / config.n_heads) * config.n_kv_heads;
  const tensors: LoadedWeights["tensors"] = [
    { name: "token_embd.weight", shape: [vocab, config.dim], data: Float32Array.from({ length: vocab * config.dim }, () => rng.float() - 0.5) },
    { name: "output_norm.weight", shape: [config.dim], data: new Float32Array(config.dim).fill(1) },
  ];
  for (let l = 0; l < config.n_layers; l++) {
    const m = (name: string, out: number, inp: number) => tensors.push({ name: `blk.${l}.${name}`, shape: [out, inp], data: ternaryMatrix(rng, out * inp) });
    const v = (name: string, n: number) => tensors.push({ name: `blk.${l}.${name}`, shape: [n], data: new Float32Array(n).fill(1) });
    v("attn_norm.weight", config.dim);
    m("attn_q.weight", config.dim, config.dim);
    m("attn_k.weight", kv, config.dim);
    m("attn_v.weight", kv, config.dim);
    v("attn_sub_norm.weight", config.dim);
    m("attn_output.weight", config.dim, config.dim);
    v("ffn_norm.weight", config.dim);
    m("ffn_gate.weight", config.hidden_dim, config.dim);
    m("ffn_up.weight", config.hidden_dim, config.dim);
    v("ffn_sub_norm.weight", config.hidden_dim);
    m("ffn_down.weight", config.dim, config.hidden_dim);
  }
  return { config, tensors };
}

describe("GGUF export of a BitNet b1.58 model", () => {
  const tok = tokenizer();
  const weights = bitnetWeights(tok.tokens.length);
  const info = { name: "test", sizeLabel: "1M", description: "test" };

  for (const [type, ggml, ftype] of [["TQ2_0", GgmlType.TQ2_0, 37], ["TQ1_0", GgmlType.TQ1_0, 36]] as const) {
    it(`${type}: bitnet keys, sub-norms, ternary blocks exact up to the f16 scale, Q6_K embedding`, () => {
      const bytes = buildGguf(weights, tok, type, info, "Q6_K");
      const f = parseGguf(new BufferSource(bytes, "test.gguf"));
      const meta = (k: string) => f.metadata.get(k)?.value;
      assert.equal(meta("general.architecture"), "bitnet");
      assert.equal(meta("general.file_type"), ftype);
      assert.equal(meta("bitnet.embedding_length"), 256);
      assert.equal(meta("bitnet.feed_forward_length"), 512);
      assert.equal(meta("bitnet.rope.dimension_count"), 64);
      assert.equal(f.tensors.length, 2 + 11 * 2);
      const byName = new Map(weights.tensors.map((t) => [t.name, t]));
      for (const t of f.tensors) {
        const src = byName.get(t.name)!;
        const expected = t.name === "token_embd.weight" ? GgmlType.Q6_K : src.shape.length === 1 ? GgmlType.F32 : ggml;
        assert.equal(t.type, expected, t.name);
        if (t.type !== ggml) continue;
        const n = src.data.length;
        const start = t.fileOffset;
        const got = dequantize(t.type, bytes.subarray(start, start + t.byteSize), n);
        // One scale per matrix, so every 256-block's absmax is that scale: the block holds exactly sign * f16(g).
        for (let i = 0; i < n; i++) {
          const want = Math.sign(src.data[i]) * roundToF16(Math.abs(src.data[i]));
          if (got[i] !== want) assert.fail(`${t.name}[${i}]: ${got[i]} != ${want} (source ${src.data[i]})`);
        }
      }
    });
  }

  it("refuses a tokenizer that does not match the model's vocabulary", () => {
    const bad = { ...weights, config: { ...weights.config, vocab_size: weights.config.vocab_size + 1 } };
    assert.throws(() => buildGguf(bad, tok, "TQ2_0", info), /tokenizer has \d+ tokens, model \d+/);
  });
});
