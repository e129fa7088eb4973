// edgellm convert hf: Hugging Face directories written from GGUF files (test/helpers/hf-dir.ts) convert back to the
// same tensors, hyperparameters and vocabulary, for llama (q/k permutation), qwen2 (biases) and gpt2 (Conv1D
// transposes), from one file or shards; llama.cpp gives the same greedy tokens on the result as on the original;
// hostile safetensors files and unsupported checkpoints are one-line typed errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { readGgufHeader } from "../src/engine.js";
import { EdgeError } from "../src/errors.js";
import { parseSafetensors } from "../src/format/safetensors.js";
import { parseSentencePieceModel, writeSentencePieceModel } from "../src/format/sentencepiece.js";
import { BufferSource } from "../src/io/byte-source.js";
import { writeGgufFile } from "../src/io/gguf-file-writer.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { dequantize, quantize } from "../src/tensor/types.js";
import { convertHf } from "../src/tools/convert-hf.js";
import { synthModel, type SynthShape } from "../src/tools/synth.js";
import { repoRoot } from "./helpers/fixtures.js";
import { safetensorsBytes, writeBertHfDir, writeBitnetHfDir, writeGemmaHfDir, writeHfDir, writePhi3HfDir } from "./helpers/hf-dir.js";
import { GgufWriter as Writer } from "../src/format/gguf-writer.js";
import { loadModel } from "../src/engine.js";
import { argmax } from "../src/runtime/sampler.js";
import { GgufValueType } from "../src/format/gguf-types.js";
import type { GgufWriter } from "../src/format/gguf-writer.js";
import { tempDir, TINY } from "./helpers/models.js";
import { openEmbeddingOracle, openOracle } from "./helpers/oracle.js";

const SHAPES: Record<string, SynthShape> = {
  llama: { arch: "llama", dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128, vocabSize: 300, contextLength: 128, ropeBase: 10000, normEps: 1e-5, tied: false },
  qwen2: { arch: "qwen2", dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 1, ffnDim: 96, vocabSize: 300, contextLength: 128, ropeBase: 1000000, normEps: 1e-6, tied: true },
  gpt2: { arch: "gpt2", dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 4, ffnDim: 256, vocabSize: 300, contextLength: 128, ropeBase: 10000, normEps: 1e-5, tied: true },
  qwen3: { arch: "qwen3", dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, headDim: 32, ffnDim: 96, vocabSize: 300, contextLength: 128, ropeBase: 1000000, normEps: 1e-6, tied: true },
  phi2: { arch: "phi2", dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 4, ropeDim: 8, ffnDim: 256, vocabSize: 300, contextLength: 128, ropeBase: 10000, normEps: 1e-5, tied: false },
  smollm3: { arch: "smollm3", dim: 64, nLayers: 4, nHeads: 4, nKvHeads: 2, ffnDim: 96, vocabSize: 300, contextLength: 128, ropeBase: 5000000, normEps: 1e-6, tied: true },
};
const HYPER = ["attention.key_length", "attention.value_length", "context_length", "embedding_length", "feed_forward_length", "block_count", "attention.head_count", "attention.head_count_kv", "rope.freq_base", "attention.layer_norm_rms_epsilon", "attention.layer_norm_epsilon"];

function tensorData(path: string) {
  const file = readGgufHeader(path);
  const bytes = readFileSync(path);
  return new Map(file.tensors.map((t) => [t.name, { type: t.type, dims: t.dims, bytes: bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize) }]));
}

describe("edgellm convert hf", () => {
  const dir = tempDir();
  const originals = new Map<string, string>();
  before(async () => {
    for (const [arch, shape] of Object.entries(SHAPES)) {
      const path = join(dir, `hf-orig-${arch}.gguf`);
      await writeGgufFile(path, synthModel(shape, { type: GgmlType.F32, seed: 21, embedStd: 0.5 }));
      originals.set(arch, path);
    }
  });

  for (const arch of Object.keys(SHAPES)) {
    it(`${arch}: back to the same tensors, hyperparameters and vocabulary (f32; f16 rounds the matrices; 2 shards)`, async () => {
      const orig = originals.get(arch)!;
      const hf = join(dir, `hf-${arch}`);
      writeHfDir(orig, hf, arch === "qwen2" ? 2 : 1);
      const out = join(dir, `hf-${arch}-f32.gguf`);
      const r = await convertHf(hf, out, { outtype: "f32" });
      assert.equal(r.arch, arch);
      const want = tensorData(orig), got = tensorData(out);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [name, t] of want) {
        const g = got.get(name)!;
        assert.deepEqual(g.dims, t.dims, name);
        assert.equal(g.type, GgmlType.F32, name);
        assert.ok(Buffer.from(g.bytes).equals(Buffer.from(t.bytes)), `${name}: data differs`);
      }
      const a = readGgufHeader(orig).metadata, b = readGgufHeader(out).metadata;
      // (llama.cpp's GPT-2 converter writes no head_count_kv: the model reads it as head_count)
      // llama.cpp's converter writes rotary dims for the adjacent-pair families and Phi-2's partial rotation only
      for (const k of ["llama", "smollm3", "phi2"].includes(arch) ? [...HYPER, "rope.dimension_count"] : HYPER) if (!(arch === "gpt2" && k === "attention.head_count_kv")) assert.deepEqual(b.get(`${arch}.${k}`)?.value, a.get(`${arch}.${k}`)?.value, k);
      for (const k of ["tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type", "tokenizer.ggml.eos_token_id"]) {
        assert.deepEqual(b.get(k)?.value, a.get(k)?.value, k);
      }
      assert.equal(b.get("general.file_type")?.value, 0);
      const f16 = join(dir, `hf-${arch}-f16.gguf`);
      await convertHf(hf, f16, { outtype: "f16" });
      for (const [name, t] of tensorData(f16)) {
        const w = want.get(name)!;
        const n = w.dims.reduce((x, y) => x * y, 1);
        // 1-D tensors and learned positions stay f32, as llama.cpp's converter keeps them
        if (w.dims.length === 1 || name === "position_embd.weight") assert.equal(t.type, GgmlType.F32, `${name} stays f32`);
        else assert.ok(Buffer.from(t.bytes).equals(Buffer.from(quantize(GgmlType.F16, dequantize(GgmlType.F32, w.bytes, n)))), `${name}: f16 of the weights`);
      }
    });
  }

  it("llama.cpp gives the same greedy continuation on the converted file as on the original", async () => {
    for (const arch of ["llama", "gpt2", "qwen3", "smollm3", "phi2"]) {
      const prompt = [10, 20, 30, 40];
      const o1 = await openOracle(originals.get(arch)!), o2 = await openOracle(join(dir, `hf-${arch}-f16.gguf`));
      try {
        const want = await o1.greedy(prompt, 12), got = await o2.greedy(prompt, 12);
        assert.deepEqual(got, want, `${arch}: converted f16 file vs original f32`);
      } finally {
        await o1.dispose();
        await o2.dispose();
      }
    }
  });

  it("bert (a sentence-transformers BertForMaskedLM directory): same tensors, vocabulary, pooling; llama.cpp's embeddings equal", async () => {
    const orig = join(dir, "hf-orig-bert.gguf");
    await writeGgufFile(orig, synthModel({ ...TINY.bert, pooling: 2 }, { type: GgmlType.F32, seed: 23, embedStd: 0.5 }));
    const hf = join(dir, "hf-bert");
    writeBertHfDir(orig, hf);
    const out = join(dir, "hf-bert-f16.gguf");
    assert.equal((await convertHf(hf, out, { outtype: "f16" })).arch, "bert");
    const a = readGgufHeader(orig).metadata, b = readGgufHeader(out).metadata;
    for (const k of ["bert.pooling_type", "bert.attention.causal", "bert.block_count", "bert.context_length", "tokenizer.ggml.token_type_count", "tokenizer.ggml.seperator_token_id", "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.model"]) {
      assert.deepEqual(b.get(k)?.value, a.get(k)?.value, k);
    }
    assert.deepEqual((b.get("tokenizer.ggml.tokens")!.value as { items: string[] }).items, (a.get("tokenizer.ggml.tokens")!.value as { items: string[] }).items);
    const want = tensorData(orig), got = tensorData(out);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), "the pooler is dropped, every other tensor named as llama.cpp names it");
    assert.equal(got.get("position_embd.weight")!.type, GgmlType.F32);
    assert.equal(got.get("blk.0.attn_q.weight")!.type, GgmlType.F16);
    const ids = [2, 40, 77, 300, 5, 12, 3];
    const o1 = await openEmbeddingOracle(orig, { contextSize: 128 }), o2 = await openEmbeddingOracle(out, { contextSize: 128 });
    try {
      const e1 = await o1.embed(ids), e2 = await o2.embed(ids);
      let dot = 0, n1 = 0, n2 = 0;
      for (let i = 0; i < e1.length; i++) { dot += e1[i] * e2[i]; n1 += e1[i] ** 2; n2 += e2[i] ** 2; }
      assert.ok(dot / Math.sqrt(n1 * n2) > 0.9999, `cosine ${dot / Math.sqrt(n1 * n2)}`);
    } finally {
      await o1.dispose();
      await o2.dispose();
    }
  });

  /** A SentencePiece vocabulary of `size` pieces in place of the synth's BPE one: <unk> <s> </s> <|endoftext|>, 256 byte pieces, words. */
  function spmVocab(w: GgufWriter, size: number): void {
    // <|endoftext|> too: llama.cpp looks it up by name in a vocabulary of a model called phi3
    const tokens = ["<unk>", "<s>", "</s>", "<|endoftext|>", ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`)];
    const types = [2, 3, 3, 3, ...new Array(256).fill(6)];
    for (let i = 0; tokens.length < size; i++) {
      tokens.push((i % 3 ? "" : "\u2581") + "abcdefghijklmnopqrstuvwxyz"[i % 26] + "etaoin"[Math.floor(i / 26) % 6] + (i >= 156 ? String(i) : ""));
      types.push(1);
    }
    w.setString("tokenizer.ggml.model", "llama").delete("tokenizer.ggml.merges");
    w.setArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens);
    w.setArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, Float32Array.from(tokens, (_, i) => -i));
    w.setArray("tokenizer.ggml.token_type", GgufValueType.INT32, Int32Array.from(types));
    w.setU32("tokenizer.ggml.bos_token_id", 1);
    w.setU32("tokenizer.ggml.eos_token_id", 2);
    w.setU32("tokenizer.ggml.unknown_token_id", 0);
  }

  for (const arch of ["gemma", "gemma2", "gemma3"] as const) {
    it(`${arch}: a SentencePiece checkpoint converts back to the same tensors (norms 1 + w), hyperparameters and vocabulary; llama.cpp agrees`, async () => {
      const shape: SynthShape = { ...TINY[arch], dim: 64, headDim: 32, ffnDim: 128, vocabSize: 320, swaPattern: undefined, ropeBaseSwa: undefined, slidingWindow: arch === "gemma" ? undefined : 8 };
      const orig = join(dir, `hf-orig-${arch}.gguf`);
      const w = synthModel(shape, { type: GgmlType.F32, seed: 29, embedStd: 0.5 });
      spmVocab(w, shape.vocabSize);
      await writeGgufFile(orig, w);
      const hf = join(dir, `hf-${arch}`);
      writeGemmaHfDir(orig, hf);
      const out = join(dir, `hf-${arch}-f32.gguf`);
      assert.equal((await convertHf(hf, out, { outtype: "f32" })).arch, arch);
      const want = tensorData(orig), got = tensorData(out);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [name, t] of want) assert.ok(Buffer.from(got.get(name)!.bytes).equals(Buffer.from(t.bytes)), `${name} bytes`);
      const a = readGgufHeader(orig).metadata, b = readGgufHeader(out).metadata;
      for (const k of ["embedding_length", "attention.key_length", "attention.head_count_kv", "attention.sliding_window", "attn_logit_softcapping", "final_logit_softcapping", "rope.freq_base"]) {
        assert.deepEqual(b.get(`${arch}.${k}`)?.value, a.get(`${arch}.${k}`)?.value, k);
      }
      for (const k of ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id"]) assert.deepEqual(b.get(k)?.value, a.get(k)?.value, k);
      assert.equal(b.get("tokenizer.ggml.add_space_prefix")?.value, false);
      const o1 = await openOracle(orig), o2 = await openOracle(out);
      try {
        assert.deepEqual(await o2.greedy([10, 20, 30, 40], 12), await o1.greedy([10, 20, 30, 40], 12));
      } finally {
        await o1.dispose();
        await o2.dispose();
      }
    });
  }

  it("phi3 (LongRoPE): fused projections, factor tensors and attn_factor as llama.cpp's converter; llama.cpp agrees", async () => {
    const attnFactor = Math.sqrt(1 + Math.log(512 / 64) / Math.log(64)); // what the converter derives from the config
    const shape: SynthShape = { ...TINY.phi3, dim: 128, ffnDim: 256, vocabSize: 320, longRope: { originalContext: 64, attnFactor } };
    const orig = join(dir, "hf-orig-phi3.gguf");
    const w = synthModel(shape, { type: GgmlType.F32, seed: 31, embedStd: 0.5, outputStd: 0.5 });
    spmVocab(w, shape.vocabSize);
    await writeGgufFile(orig, w);
    const hf = join(dir, "hf-phi3");
    writePhi3HfDir(orig, hf);
    const out = join(dir, "hf-phi3-f32.gguf");
    assert.equal((await convertHf(hf, out, { outtype: "f32" })).arch, "phi3");
    const want = tensorData(orig), got = tensorData(out);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [name, t] of want) assert.ok(Buffer.from(got.get(name)!.bytes).equals(Buffer.from(t.bytes)), `${name} bytes`);
    const a = readGgufHeader(orig).metadata, b = readGgufHeader(out).metadata;
    for (const k of ["rope.dimension_count", "rope.scaling.original_context_length", "attention.head_count_kv", "feed_forward_length"]) {
      assert.deepEqual(b.get(`phi3.${k}`)?.value, a.get(`phi3.${k}`)?.value, k);
    }
    assert.ok(Math.abs(Number(b.get("phi3.rope.scaling.attn_factor")?.value) - attnFactor) < 1e-6);
    const o1 = await openOracle(orig, { contextSize: 128 }), o2 = await openOracle(out, { contextSize: 128 });
    try {
      assert.deepEqual(await o2.greedy([10, 20, 30, 40], 12), await o1.greedy([10, 20, 30, 40], 12));
    } finally {
      await o1.dispose();
      await o2.dispose();
    }
  });

  it("bitnet (BitnetForCausalLM / BitNetForCausalLM): projections ternarized with their absmean scale, sub-norms mapped, TQ1_0/TQ2_0 exact; llama.cpp agrees", async () => {
    const shape: SynthShape = { ...TINY.bitnet, projectionScales: false, vocabSize: 320 };
    const orig = join(dir, "hf-orig-bitnet.gguf");
    const w = synthModel(shape, { type: GgmlType.F32, seed: 37, embedStd: 0.5 });
    spmVocab(w, shape.vocabSize);
    await writeGgufFile(orig, w);
    const want = tensorData(orig);
    // the expectation, from the definition: s = mean |w| per matrix; w/s rounds to −1, 0 or +1; the value is that times s
    const projection = /\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight$/;
    const expected = new Map<string, Float32Array>();
    for (const [name, t] of want) {
      const v = dequantize(t.type, t.bytes, t.dims.reduce((a, b) => a * b, 1));
      if (!projection.test(name)) continue;
      const s = v.reduce((a, x) => a + Math.abs(x), 0) / v.length;
      expected.set(name, v.map((x) => (Math.abs(x / s) < 0.5 ? 0 : Math.sign(x) * s)));
    }
    for (const style of ["1bitllm", "microsoft"] as const) {
      const hf = join(dir, `hf-bitnet-${style}`);
      writeBitnetHfDir(orig, hf, style);
      const out = join(dir, `hf-bitnet-${style}-f32.gguf`);
      assert.equal((await convertHf(hf, out, { outtype: "f32" })).arch, "bitnet");
      const got = tensorData(out);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), style);
      for (const [name, t] of want) {
        const g = got.get(name)!;
        const e = expected.get(name);
        if (!e) {
          assert.ok(Buffer.from(g.bytes).equals(Buffer.from(t.bytes)), `${style} ${name} bytes`);
          continue;
        }
        const v = dequantize(g.type, g.bytes, e.length);
        const levels = new Set(Array.from(v, Math.abs));
        assert.ok(levels.size <= 2 && levels.has(0), `${name}: ${levels.size} magnitudes, want 0 and s`);
        for (let i = 0; i < e.length; i++) assert.ok(Math.abs(v[i]! - e[i]!) <= 1e-6 * Math.abs(e[i]!), `${name}[${i}]: ${v[i]} vs ${e[i]}`);
      }
      const b = readGgufHeader(out).metadata;
      assert.equal(b.get("bitnet.rope.scaling.type")?.value, "linear");
      assert.equal(b.get("tokenizer.ggml.model")?.value, "llama");
      assert.equal(b.get("tokenizer.ggml.add_space_prefix"), undefined); // Llama-2's SentencePiece: the loader's default prefix
      const a = readGgufHeader(orig).metadata;
      for (const k of HYPER) assert.deepEqual(b.get(`bitnet.${k}`)?.value, a.get(`bitnet.${k}`)?.value, k);
    }

    // the ternary types hold the projections exactly (one f16 scale per 256 weights); the embedding stays F16
    const f32 = join(dir, "hf-bitnet-1bitllm-f32.gguf");
    const ref = tensorData(f32);
    for (const type of ["tq2_0", "tq1_0"] as const) {
      const out = join(dir, `hf-bitnet-${type}.gguf`);
      await convertHf(join(dir, "hf-bitnet-1bitllm"), out, { outtype: type });
      const got = tensorData(out);
      const tq = type === "tq2_0" ? GgmlType.TQ2_0 : GgmlType.TQ1_0;
      assert.equal(got.get("token_embd.weight")!.type, GgmlType.F16);
      assert.equal(got.get("blk.0.attn_norm.weight")!.type, GgmlType.F32);
      for (const name of expected.keys()) {
        const g = got.get(name)!;
        assert.equal(g.type, tq, name);
        const r = ref.get(name)!;
        const n = r.dims.reduce((x, y) => x * y, 1);
        assert.ok(Buffer.from(g.bytes).equals(Buffer.from(quantize(tq, dequantize(r.type, r.bytes, n)))), `${type} ${name}`);
      }
      assert.equal(readGgufHeader(out).metadata.get("general.file_type")?.value, type === "tq2_0" ? 37 : 36);
    }

    // llama.cpp runs the converted file as it runs a file written from the expectation directly
    const exp = join(dir, "hf-bitnet-expected.gguf");
    const header = readGgufHeader(orig);
    await writeGgufFile(exp, Writer.fromFile(header, (t) => {
      const e = expected.get(t.name);
      return e ? quantize(GgmlType.F32, e) : want.get(t.name)!.bytes;
    }));
    const o1 = await openOracle(exp), o2 = await openOracle(f32);
    try {
      const g = await o2.greedy([10, 20, 30, 40], 12);
      assert.deepEqual(g, await o1.greedy([10, 20, 30, 40], 12));
      // and edgellm on the TQ2_0 file follows the same first steps (exact ternary values; only the scales round to f16)
      const lm = loadModel(join(dir, "hf-bitnet-tq2_0.gguf"), { threads: 1, prefetch: 0 });
      try {
        const ses = lm.createSession({ ctx: 64 });
        ses.eval([10, 20, 30, 40]);
        assert.equal(argmax(ses.lastLogits()), g[0]);
      } finally {
        lm.dispose();
      }
    } finally {
      await o1.dispose();
      await o2.dispose();
    }
  });

  it("bitnet: an untied lm_head, and ternary output for a model not trained ternary, are one typed error each", async () => {
    const shape: SynthShape = { ...TINY.bitnet, projectionScales: false, vocabSize: 320 };
    const orig = join(dir, "hf-orig-bitnet-head.gguf");
    const w = synthModel(shape, { type: GgmlType.F32, seed: 38, embedStd: 0.5 });
    spmVocab(w, shape.vocabSize);
    await writeGgufFile(orig, w);
    const hf = join(dir, "hf-bitnet-head");
    writeBitnetHfDir(orig, hf, "1bitllm", true);
    await assert.rejects(convertHf(hf, join(dir, "x.gguf")), (e: unknown) => e instanceof EdgeError && e.code === "hf_unsupported" && /lm_head\.weight is not tied/.test(e.message));
    await assert.rejects(convertHf(join(dir, "hf-llama"), join(dir, "x.gguf"), { outtype: "tq2_0" }), (e: unknown) => e instanceof EdgeError && e.code === "bad_argument" && /ternary-trained checkpoints/.test(e.message));
  });

  it("hostile tokenizer.model files are one typed error", () => {
    const good = writeSentencePieceModel({ pieces: [{ piece: "<unk>", score: 0, type: 2 }, { piece: "\u2581a", score: -1, type: 1 }], addDummyPrefix: true });
    assert.equal(parseSentencePieceModel(good).pieces.length, 2);
    for (const [bytes, re] of [
      [good.subarray(0, good.length - 5), /truncated|beyond/],
      [Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f), /length .* beyond the message/],
      [Uint8Array.of(0x0a, 0x04, 0x18, 0x09, 0x15, 0x00), /unknown type 9|truncated float/],
      [Uint8Array.of(0x0f), /unsupported wire type 7/],
      [Uint8Array.of(), /no pieces/],
    ] as [Uint8Array, RegExp][]) {
      assert.throws(() => parseSentencePieceModel(bytes), (e: unknown) => e instanceof EdgeError && e.code === "hf_invalid" && re.test(e.message), String(re));
    }
  });

  it("tokenizer.ggml.pre: SmolLM's split (digits, then byte-level) without space clean-up is smollm, with it starcoder", async () => {
    const hf = join(dir, "hf-llama");
    const tok = JSON.parse(readFileSync(join(hf, "tokenizer.json"), "utf8")) as Record<string, unknown>;
    tok.pre_tokenizer = { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: true }, { type: "ByteLevel", add_prefix_space: false, use_regex: true }] };
    const cfg = JSON.parse(readFileSync(join(hf, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    const variant = join(dir, "hf-llama-digits");
    mkdirSync(variant, { recursive: true });
    for (const f of ["config.json", "model.safetensors"]) writeFileSync(join(variant, f), readFileSync(join(hf, f)));
    writeFileSync(join(variant, "tokenizer.json"), JSON.stringify(tok));
    for (const [clean, want] of [[false, "smollm"], [true, "starcoder"]] as const) {
      writeFileSync(join(variant, "tokenizer_config.json"), JSON.stringify({ ...cfg, clean_up_tokenization_spaces: clean }));
      const out = join(dir, `hf-digits-${want}.gguf`);
      await convertHf(variant, out, { outtype: "f32" });
      assert.equal(readGgufHeader(out).metadata.get("tokenizer.ggml.pre")?.value, want);
    }
  });

  it("hostile safetensors: one typed error naming the problem", () => {
    const good = safetensorsBytes([["a", [2, 2], new Float32Array(4)], ["b", [3], new Float32Array(3)]]);
    const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + headerLen))) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
    const withHeader = (h: unknown) => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + json.length + 28);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, 5), /too short/],
      [good.subarray(0, 8 + headerLen - 3), /runs past the end of the file/],
      [(() => { const b = good.slice(); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(), /header length \d+ exceeds/],
      [withHeader({ ...header, a: { ...header.a, dtype: "F8_E4M3" } }), /tensor "a": dtype "F8_E4M3" is not supported/],
      [withHeader({ ...header, b: { ...header.b, data_offsets: [8, 20] } }), /tensors "a" and "b" overlap/],
      [withHeader({ ...header, a: { ...header.a, shape: [3, 2] } }), /needs 24 bytes, data_offsets give 16/],
      [withHeader({ ...header, b: { ...header.b, data_offsets: [16, 4000] } }), /runs past the end of the data/],
      [withHeader({ ...header, a: { ...header.a, shape: [-1, 2] } }), /shape \[-1,2\] is not a list/],
      [withHeader([1, 2]), /not a JSON object/],
      [(() => { const b = good.slice(); b[9] = 0xff; return b; })(), /not valid UTF-8 JSON/],
    ];
    assert.equal(parseSafetensors(new BufferSource(good, "good.safetensors")).tensors.length, 2);
    for (const [bytes, pattern] of cases) {
      assert.throws(() => parseSafetensors(new BufferSource(bytes, "x.safetensors")), (e: unknown) => {
        assert.ok(e instanceof EdgeError && e.code === "safetensors_invalid", String(e));
        assert.match((e as Error).message, /^x\.safetensors: /);
        assert.match((e as Error).message, pattern);
        return true;
      });
    }
  });

  it("the command: a pickle checkpoint, an unknown architecture, a bad --outtype are one line each", () => {
    const bin = join(repoRoot, "bin", "edgellm.js");
    const run = (args: string[]) => spawnSync(process.execPath, [bin, "convert", ...args], { encoding: "utf8", timeout: 60_000 });
    const pickle = join(dir, "hf-pickle");
    mkdirSync(pickle, { recursive: true });
    writeFileSync(join(pickle, "config.json"), JSON.stringify({ architectures: ["LlamaForCausalLM"] }));
    writeFileSync(join(pickle, "pytorch_model.bin"), "not read");
    const odd = join(dir, "hf-odd");
    mkdirSync(odd, { recursive: true });
    writeFileSync(join(odd, "config.json"), JSON.stringify({ architectures: ["MambaForCausalLM"] }));
    const cases: [string[], RegExp][] = [
      [["hf", pickle, join(dir, "p.gguf")], /PyTorch pickle checkpoints are not read/],
      [["hf", odd, join(dir, "o.gguf")], /architecture "MambaForCausalLM" is not supported/],
      [["hf", join(dir, "hf-llama"), join(dir, "x.gguf"), "--outtype", "q4_0"], /--outtype must be one of f32, f16, bf16, q8_0, tq1_0, tq2_0, got "q4_0"/],
      [["hf", join(dir, "missing-dir"), join(dir, "x.gguf")], /no such directory/],
    ];
    for (const [args, pattern] of cases) {
      const r = run(args);
      assert.notEqual(r.status, 0, args.join(" "));
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
    // an unknown --pre is refused by the tokenizer setup; a known one is written as given
    const badPre = run(["hf", join(dir, "hf-llama"), join(dir, "bp.gguf"), "--pre", "no-such-pre"]);
    assert.notEqual(badPre.status, 0);
    assert.equal(badPre.stderr.trimEnd().split("\n").length, 1, badPre.stderr);
    const ok = run(["hf", join(dir, "hf-llama"), join(dir, "hf-llama-q8.gguf"), "--outtype", "q8_0", "--pre", "smollm"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /wrote .*hf-llama-q8\.gguf: llama, \d+ tensors/);
    const types = new Set(readGgufHeader(join(dir, "hf-llama-q8.gguf")).tensors.filter((t) => t.dims.length === 2).map((t) => t.type));
    assert.deepEqual([...types], [GgmlType.Q8_0]);
    assert.equal(readGgufHeader(join(dir, "hf-llama-q8.gguf")).metadata.get("tokenizer.ggml.pre")?.value, "smollm");
  });
});
