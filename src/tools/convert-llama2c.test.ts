// Tests for the llama2.c → GGUF converter: metadata, tensor layout and bytes (read back with the GGUF reader),
// vocabulary mapping (checked against llama.cpp's own Llama-2 vocab GGUF), and failure handling.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgeError } from "../errors.js";
import { parseGguf } from "../format/gguf-reader.js";
import type { GgufArray, GgufFile } from "../format/gguf-types.js";
import { readLlama2cTokenizer } from "../format/llama2c.js";
import { BufferSource } from "../io/byte-source.js";
import { FileSource } from "../io/file-source.js";
import { fixture } from "../../test/helpers/fixtures.js";
import { TokenType, convertLlama2c, llama2cVocabToGguf } from "./convert-llama2c.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "edgellm-llama2c-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function meta(file: GgufFile, key: string): unknown {
  const kv = file.metadata.get(key);
  assert.ok(kv, `missing metadata ${key}`);
  return typeof kv.value === "object" && kv.value !== null && "items" in kv.value ? (kv.value as GgufArray).items : kv.value;
}

/** Synthetic checkpoint (float i = i * 0.5) and a matching tokenizer; returns their paths. */
function writeSynthetic(name: string, h: number[], tokens: Array<string | number[]>): { model: string; tok: string } {
  const [dim, hidden, layers, heads, kvHeads, vocab, seqLen] = h as [number, number, number, number, number, number, number];
  const hs = dim / heads;
  const kv = kvHeads * hs;
  const v = Math.abs(vocab);
  const n = v * dim + layers * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hidden * dim) + dim + seqLen * hs + (vocab < 0 ? v * dim : 0);
  const model = new Uint8Array(28 + 4 * n);
  const mv = new DataView(model.buffer);
  h.forEach((x, i) => mv.setInt32(4 * i, x, true));
  for (let i = 0; i < n; i++) mv.setFloat32(28 + 4 * i, i * 0.5, true);
  const enc = tokens.map((t) => (typeof t === "string" ? new TextEncoder().encode(t) : Uint8Array.from(t)));
  const tok = new Uint8Array(4 + enc.reduce((a, e) => a + 8 + e.length, 0));
  const tv = new DataView(tok.buffer);
  tv.setInt32(0, Math.max(1, ...enc.map((e) => e.length)), true);
  let o = 4;
  enc.forEach((e, i) => {
    tv.setFloat32(o, -i, true);
    tv.setInt32(o + 4, e.length, true);
    tok.set(e, o + 8);
    o += 8 + e.length;
  });
  const paths = { model: join(dir, `${name}.bin`), tok: join(dir, `${name}-tok.bin`) };
  writeFileSync(paths.model, model);
  writeFileSync(paths.tok, tok);
  return paths;
}

describe("convertLlama2c on aidreams260K", () => {
  const model = fixture("models/aidreams260K/aidreams260K.bin");
  const tok = fixture("models/aidreams260K/tok512.bin");
  it("writes llama metadata and F32 tensors whose bytes are the checkpoint's", { skip: model && tok ? false : "fixture missing" }, async () => {
    const out = join(dir, "aidreams.gguf");
    const result = await convertLlama2c(model!, tok!, out);
    assert.equal(result.tensorCount, 2 + 9 * 4);
    const src = new FileSource(out);
    try {
      const g = parseGguf(src);
      assert.equal(result.bytesWritten, g.fileSize);
      assert.equal(meta(g, "general.architecture"), "llama");
      assert.equal(meta(g, "general.name"), "aidreams260K");
      const expectU32: Record<string, number> = {
        "llama.context_length": 128, "llama.embedding_length": 64, "llama.block_count": 4, "llama.feed_forward_length": 172,
        "llama.attention.head_count": 4, "llama.attention.head_count_kv": 4, "llama.rope.dimension_count": 16,
        "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2, "tokenizer.ggml.unknown_token_id": 0,
      };
      for (const [k, v] of Object.entries(expectU32)) assert.equal(meta(g, k), v, k);
      assert.equal(meta(g, "llama.attention.layer_norm_rms_epsilon"), Math.fround(1e-5));
      assert.equal(meta(g, "llama.rope.freq_base"), 10000);
      assert.equal(meta(g, "tokenizer.ggml.model"), "llama");
      const tokens = meta(g, "tokenizer.ggml.tokens") as string[];
      assert.equal(tokens.length, 512);
      assert.deepEqual(tokens.slice(0, 4), ["<unk>", "<s>", "</s>", "<0x00>"]);
      assert.equal(tokens[319], "\u2581\"");
      assert.deepEqual([...(meta(g, "tokenizer.ggml.token_type") as Int32Array).slice(0, 4)], [2, 3, 3, 6]);

      const names = g.tensors.map((t) => t.name);
      assert.ok(!names.includes("output.weight"), "shared classifier: no output.weight");
      const byName = new Map(g.tensors.map((t) => [t.name, t]));
      const dims = (n: string) => byName.get(n)?.dims;
      assert.deepEqual(dims("token_embd.weight"), [64, 512]);
      assert.deepEqual(dims("blk.3.attn_q.weight"), [64, 64]);
      assert.deepEqual(dims("blk.0.ffn_gate.weight"), [64, 172]);
      assert.deepEqual(dims("blk.0.ffn_down.weight"), [172, 64]);
      assert.deepEqual(dims("blk.0.ffn_up.weight"), [64, 172]);
      assert.deepEqual(dims("output_norm.weight"), [64]);
      assert.ok(g.tensors.every((t) => t.type === 0 && t.fileOffset % 32 === 0));

      // Bytes: the checkpoint is header + arrays in a fixed order; compare a few tensors to raw file slices.
      const ck = readFileSync(model!);
      const outBytes = readFileSync(out);
      const floatsAt = (floatIndex: number, n: number) => ck.subarray(28 + 4 * floatIndex, 28 + 4 * (floatIndex + n));
      const tensorBytes = (name: string) => {
        const t = byName.get(name)!;
        return outBytes.subarray(t.fileOffset, t.fileOffset + t.byteSize);
      };
      const D = 64, H = 172, L = 4, V = 512;
      assert.ok(tensorBytes("token_embd.weight").equals(floatsAt(0, V * D)));
      const wq = V * D + L * D;
      assert.ok(tensorBytes("blk.2.attn_q.weight").equals(floatsAt(wq + 2 * D * D, D * D)));
      const w2 = wq + 4 * L * D * D + L * D + L * H * D;
      assert.ok(tensorBytes("blk.1.ffn_down.weight").equals(floatsAt(w2 + D * H, D * H)));
      const rmsFinal = w2 + 2 * L * H * D;
      assert.ok(tensorBytes("output_norm.weight").equals(floatsAt(rmsFinal, D)));
    } finally {
      src.close();
    }
  });
});

describe("llama2cVocabToGguf", () => {
  const bin = fixture("vocab/llama2c/tokenizer.bin");
  const spm = fixture("vocab/ggml-vocab-llama-spm.gguf");
  it("turns Llama-2's tokenizer.bin into exactly llama.cpp's Llama-2 SPM vocabulary", { skip: bin && spm ? false : "fixture missing" }, () => {
    const src = new FileSource(bin!);
    const ref = new FileSource(spm!);
    try {
      const mine = llama2cVocabToGguf(readLlama2cTokenizer(src, 32000));
      const g = parseGguf(ref);
      const tokens = meta(g, "tokenizer.ggml.tokens") as string[];
      const scores = meta(g, "tokenizer.ggml.scores") as Float32Array;
      const types = meta(g, "tokenizer.ggml.token_type") as Int32Array;
      for (let i = 0; i < 32000; i++) {
        if (mine.tokens[i] !== tokens[i] || mine.scores[i] !== scores[i] || mine.types[i] !== types[i]) {
          assert.fail(`token ${i}: mine ${JSON.stringify([mine.tokens[i], mine.scores[i], mine.types[i]])} vs llama.cpp ${JSON.stringify([tokens[i], scores[i], types[i]])}`);
        }
      }
      assert.equal(mine.tokens[30143], "\uFEFF", "a token that is a lone BOM must survive decoding");
    } finally {
      src.close();
      ref.close();
    }
  });

  it("classifies specials, bytes, empty pieces and escapes spaces", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const v = llama2cVocabToGguf({ maxTokenLength: 8, tokens: ["x", "\n<s>\n", "\n</s>\n", "<0x0A>", "", " a b", "<0x0a>"].map(enc), scores: new Float32Array(7) });
    assert.deepEqual(v.tokens, ["<unk>", "<s>", "</s>", "<0x0A>", "", "\u2581a\u2581b", "<0x0a>"]);
    assert.deepEqual([...v.types], [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL, TokenType.BYTE, TokenType.CONTROL, TokenType.NORMAL, TokenType.NORMAL]);
    assert.throws(
      () => llama2cVocabToGguf({ maxTokenLength: 2, tokens: [enc("a"), enc("b"), enc("c"), Uint8Array.of(0xe2, 0x82)], scores: new Float32Array(4) }, "t.bin"),
      (e: unknown) => e instanceof EdgeError && e.code === "llama2c_bad_file" && /t\.bin: token 3 is not valid UTF-8 \(bytes e2 82\)/.test(e.message),
    );
  });
});

describe("convertLlama2c on synthetic checkpoints", () => {
  const toks = ["<unk>", "\n<s>\n", "\n</s>\n", " ", "a", "b"];
  it("writes output.weight from wcls and GQA-sized k/v when the classifier is separate", async () => {
    const p = writeSynthetic("gqa", [8, 6, 2, 4, 2, -6, 3], toks);
    const out = join(dir, "gqa.gguf");
    const r = await convertLlama2c(p.model, p.tok, out, { name: "tiny" });
    assert.equal(r.tensorCount, 2 + 9 * 2 + 1);
    const bytes = readFileSync(out);
    const g = parseGguf(new BufferSource(bytes));
    assert.equal(meta(g, "general.name"), "tiny");
    const byName = new Map(g.tensors.map((t) => [t.name, t]));
    assert.deepEqual(byName.get("blk.1.attn_k.weight")!.dims, [8, 4]);
    assert.deepEqual(byName.get("blk.1.attn_v.weight")!.dims, [8, 4]);
    assert.deepEqual(byName.get("output.weight")!.dims, [8, 6]);
    assert.equal(meta(g, "llama.attention.head_count_kv"), 2);
    // wcls is the last array: its first float index is (total floats - 6*8).
    const out0 = byName.get("output.weight")!;
    const first = new DataView(bytes.buffer, bytes.byteOffset + out0.fileOffset, 4).getFloat32(0, true);
    const total = (readFileSync(p.model).length - 28) / 4;
    assert.equal(first, (total - 48) * 0.5);
  });

  it("fails cleanly, leaving no output, when tokenizer and checkpoint disagree", async () => {
    const p = writeSynthetic("mismatch", [8, 6, 1, 2, 2, 7, 3], toks);
    const out = join(dir, "mismatch.gguf");
    await assert.rejects(convertLlama2c(p.model, p.tok, out), (e: unknown) => e instanceof EdgeError && e.code === "llama2c_bad_file" && /token 6 entry/.test(e.message));
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
    await assert.rejects(convertLlama2c(join(dir, "nope.bin"), p.tok, out), (e: unknown) => e instanceof EdgeError && e.code === "file_not_found");
    const good = writeSynthetic("good", [8, 6, 1, 2, 2, 6, 3], toks);
    await assert.rejects(convertLlama2c(good.model, good.tok, join(dir, "no-such-dir", "x.gguf")), (e: unknown) => e instanceof EdgeError && e.code === "io_error");
  });
});
