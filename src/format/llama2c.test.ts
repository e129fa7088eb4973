// Tests for the llama2.c checkpoint and tokenizer readers: real fixtures plus synthetic and fuzzed corrupt files.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EdgeError } from "../errors.js";
import { BufferSource } from "../io/byte-source.js";
import { FileSource } from "../io/file-source.js";
import { fixture } from "../../test/helpers/fixtures.js";
import {
  llama2cSpan,
  readLlama2cCheckpoint,
  readLlama2cFloats,
  readLlama2cTokenizer,
  type Llama2cCheckpoint,
} from "./llama2c.js";

interface Header { dim: number; hidden: number; layers: number; heads: number; kvHeads: number; vocab: number; seqLen: number }

/** Number of float32 values the legacy layout needs (independent re-statement of PROVENANCE.md's list). */
function floatCount(h: Header): number {
  const v = Math.abs(h.vocab);
  const hs = h.dim / h.heads;
  const kv = h.kvHeads * hs;
  let n = v * h.dim + h.layers * (2 * h.dim + 2 * h.dim * h.dim + 2 * kv * h.dim + 3 * h.hidden * h.dim) + h.dim + h.seqLen * hs;
  if (h.vocab < 0) n += v * h.dim;
  return n;
}

/** A synthetic checkpoint whose float i holds the value i (so spans can be checked by content). */
function makeCheckpoint(h: Header, extraFloats = 0): Uint8Array {
  const n = floatCount(h) + extraFloats;
  const bytes = new Uint8Array(28 + 4 * n);
  const view = new DataView(bytes.buffer);
  [h.dim, h.hidden, h.layers, h.heads, h.kvHeads, h.vocab, h.seqLen].forEach((v, i) => view.setInt32(4 * i, v, true));
  for (let i = 0; i < n; i++) view.setFloat32(28 + 4 * i, i, true);
  return bytes;
}

const small: Header = { dim: 8, hidden: 12, layers: 2, heads: 2, kvHeads: 1, vocab: 5, seqLen: 3 };

function badFile(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EdgeError, `expected EdgeError, got ${String(e)}`);
    assert.equal(e.code, "llama2c_bad_file");
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"), "message must be one line");
    return true;
  });
}

describe("readLlama2cCheckpoint on fixtures", () => {
  const aid = fixture("models/aidreams260K/aidreams260K.bin");
  it("parses aidreams260K's header and layout", { skip: aid ? false : "fixture missing" }, () => {
    const src = new FileSource(aid!);
    try {
      const ck = readLlama2cCheckpoint(src);
      assert.deepEqual(
        { ...ck.config },
        { dim: 64, hiddenDim: 172, nLayers: 4, nHeads: 4, nKvHeads: 4, vocabSize: 512, seqLen: 128, sharedClassifier: true, headSize: 16, kvDim: 64 },
      );
      assert.equal(ck.fileSize, 932124);
      assert.equal(ck.arrays.get("token_embedding")!.offset, 28);
      assert.equal(ck.arrays.has("wcls"), false);
      const wk1 = llama2cSpan(ck, "wk", 1);
      assert.deepEqual(wk1.shape, [64, 64]);
      assert.equal(wk1.offset, ck.arrays.get("wk")!.offset + 64 * 64 * 4);
      // RMSNorm gains of a trained model are positive and O(1); a misaligned read would give garbage.
      const gains = readLlama2cFloats(src, llama2cSpan(ck, "rms_final"));
      assert.ok(gains.every((g) => g > 0 && g < 20), `rms_final looks misaligned: ${gains.slice(0, 4).join(",")}`);
    } finally {
      src.close();
    }
  });

  const stories = fixture("models/unverified/stories260K.bin");
  it("parses stories260K's header (GQA: 8 heads, 4 kv heads)", { skip: stories ? false : "fixture missing" }, () => {
    const src = new FileSource(stories!);
    try {
      const ck = readLlama2cCheckpoint(src);
      assert.deepEqual(
        [ck.config.dim, ck.config.hiddenDim, ck.config.nLayers, ck.config.nHeads, ck.config.nKvHeads, ck.config.vocabSize, ck.config.seqLen],
        [64, 172, 5, 8, 4, 512, 512],
      );
      assert.equal(ck.config.kvDim, 32);
      assert.deepEqual(ck.arrays.get("wk")!.shape, [5, 32, 64]);
      assert.equal(28 + 4 * 264128, ck.fileSize);
    } finally {
      src.close();
    }
  });
});

describe("readLlama2cCheckpoint on synthetic files", () => {
  it("locates every array in order, with per-layer spans", () => {
    const ck: Llama2cCheckpoint = readLlama2cCheckpoint(new BufferSource(makeCheckpoint(small)));
    const names = [...ck.arrays.keys()];
    assert.deepEqual(names, ["token_embedding", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3", "rms_final", "freq_cis_real", "freq_cis_imag"]);
    const src = new BufferSource(makeCheckpoint(small));
    // float index of w2 layer 1 = emb + rms_att + wq + wk + wv + wo + rms_ffn + w1 + w2[layer 0]
    const kv = 1 * 4;
    const expectFirst = 5 * 8 + 2 * 8 + 2 * 64 + 2 * kv * 8 * 2 + 2 * 64 + 2 * 8 + 2 * 12 * 8 + 8 * 12;
    const w2l1 = readLlama2cFloats(src, llama2cSpan(ck, "w2", 1));
    assert.deepEqual(llama2cSpan(ck, "w2", 1).shape, [8, 12]);
    assert.equal(w2l1.length, 96);
    assert.equal(w2l1[0], expectFirst);
    assert.equal(w2l1[95], expectFirst + 95);
  });

  it("finds a separate classifier when vocab_size is negative", () => {
    const ck = readLlama2cCheckpoint(new BufferSource(makeCheckpoint({ ...small, vocab: -5 })));
    assert.equal(ck.config.sharedClassifier, false);
    assert.equal(ck.config.vocabSize, 5);
    assert.deepEqual(ck.arrays.get("wcls")!.shape, [5, 8]);
    assert.equal(ck.arrays.get("wcls")!.offset + 5 * 8 * 4, ck.fileSize);
  });

  it("rejects bad header values with the field and offset", () => {
    badFile(() => readLlama2cCheckpoint(new BufferSource(new Uint8Array(27))), /header needs 28 bytes at offset 0/);
    const patch = (index: number, value: number): BufferSource => {
      const b = makeCheckpoint(small);
      new DataView(b.buffer).setInt32(index * 4, value, true);
      return new BufferSource(b, "ck.bin");
    };
    badFile(() => readLlama2cCheckpoint(patch(0, 0)), /^ck\.bin: header field dim at offset 0 is 0/);
    badFile(() => readLlama2cCheckpoint(patch(1, -4)), /hidden_dim at offset 4 is -4/);
    badFile(() => readLlama2cCheckpoint(patch(2, 0)), /n_layers at offset 8/);
    badFile(() => readLlama2cCheckpoint(patch(3, 3)), /n_heads at offset 12 is 3, which does not divide dim 8/);
    badFile(() => readLlama2cCheckpoint(patch(3, 8)), /odd head size 1/);
    badFile(() => readLlama2cCheckpoint(patch(4, 4)), /n_kv_heads at offset 16 is 4, which must divide n_heads 2/);
    badFile(() => readLlama2cCheckpoint(patch(5, 0)), /vocab_size at offset 20 is 0/);
    badFile(() => readLlama2cCheckpoint(patch(6, -1)), /seq_len at offset 24 is -1/);
    badFile(() => readLlama2cCheckpoint(patch(0, 0x616b3432)), /"ak42" at offset 0/);
  });

  it("rejects files whose size does not match the header", () => {
    const full = makeCheckpoint(small);
    badFile(() => readLlama2cCheckpoint(new BufferSource(full.subarray(0, full.length - 4))), /array freq_cis_imag \[3x2\] at offset \d+ needs 24 bytes, file has 20 left/);
    badFile(() => readLlama2cCheckpoint(new BufferSource(makeCheckpoint(small, 1))), /4 unexpected trailing bytes at offset \d+/);
    // A positive vocab_size on a file that carries wcls: say so.
    const withCls = makeCheckpoint({ ...small, vocab: -5 });
    new DataView(withCls.buffer).setInt32(20, 5, true);
    badFile(() => readLlama2cCheckpoint(new BufferSource(withCls)), /fits a separate classifier/);
    // A huge header cannot make the reader allocate: it fails on the size check.
    const huge = makeCheckpoint(small);
    new DataView(huge.buffer).setInt32(0, 1 << 20, true);
    new DataView(huge.buffer).setInt32(12, 1 << 10, true);
    badFile(() => readLlama2cCheckpoint(new BufferSource(huge)), /array token_embedding/);
  });

  it("fuzz: any valid header round-trips, any truncation or header corruption is a clean llama2c_bad_file", () => {
    const header = fc
      .record({ heads: fc.integer({ min: 1, max: 4 }), group: fc.integer({ min: 1, max: 4 }), hs: fc.integer({ min: 1, max: 4 }),
        hidden: fc.integer({ min: 1, max: 9 }), layers: fc.integer({ min: 1, max: 3 }), vocab: fc.integer({ min: 3, max: 9 }),
        seqLen: fc.integer({ min: 1, max: 5 }), shared: fc.boolean() })
      .map((r): Header => ({ dim: r.heads * r.group * r.hs * 2, hidden: r.hidden, layers: r.layers, heads: r.heads * r.group,
        kvHeads: r.heads, vocab: r.shared ? r.vocab : -r.vocab, seqLen: r.seqLen }));
    fc.assert(
      fc.property(header, fc.nat(), fc.integer({ min: 0, max: 6 }), fc.integer(), (h, cut, field, value) => {
        const bytes = makeCheckpoint(h);
        const ck = readLlama2cCheckpoint(new BufferSource(bytes));
        assert.equal(ck.fileSize, bytes.length);
        const truncated = bytes.subarray(0, cut % bytes.length);
        badFile(() => readLlama2cCheckpoint(new BufferSource(truncated)), /./);
        const corrupt = bytes.slice();
        new DataView(corrupt.buffer).setInt32(field * 4, value, true);
        try {
          readLlama2cCheckpoint(new BufferSource(corrupt));
        } catch (e) {
          assert.ok(e instanceof EdgeError && e.code === "llama2c_bad_file", String(e));
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** Builds a tokenizer.bin from (score, bytes) entries. */
function makeTokenizer(maxLen: number, entries: Array<[number, string | number[]]>): Uint8Array {
  const parts = entries.map(([, t]) => (typeof t === "string" ? new TextEncoder().encode(t) : Uint8Array.from(t)));
  const out = new Uint8Array(4 + parts.reduce((a, p) => a + 8 + p.length, 0));
  const view = new DataView(out.buffer);
  view.setInt32(0, maxLen, true);
  let o = 4;
  entries.forEach(([score], i) => {
    view.setFloat32(o, score, true);
    view.setInt32(o + 4, parts[i]!.length, true);
    out.set(parts[i]!, o + 8);
    o += 8 + parts[i]!.length;
  });
  return out;
}

describe("readLlama2cTokenizer", () => {
  const tok512 = fixture("models/aidreams260K/tok512.bin");
  it("parses aidreams' tok512.bin", { skip: tok512 ? false : "fixture missing" }, () => {
    const src = new FileSource(tok512!);
    try {
      const v = readLlama2cTokenizer(src, 512);
      assert.equal(v.maxTokenLength, 10);
      assert.equal(v.tokens.length, 512);
      const text = (i: number) => new TextDecoder().decode(v.tokens[i]);
      assert.equal(text(0), "<unk>");
      assert.equal(text(1), "\n<s>\n");
      assert.equal(text(3), "<0x00>");
      assert.equal(text(258), "<0xFF>");
      assert.equal(text(319), ' "');
      assert.equal(text(262), " a");
      assert.equal(v.scores[262], -3);
      assert.equal(Math.max(...v.tokens.map((t) => t.length)), 10);
      // Without the expected count it reads to the end of the file and finds the same 512 entries.
      assert.equal(readLlama2cTokenizer(src).tokens.length, 512);
    } finally {
      src.close();
    }
  });

  const big = fixture("vocab/llama2c/tokenizer.bin");
  it("parses the 32k Llama-2 tokenizer.bin and rejects a wrong expected count", { skip: big ? false : "fixture missing" }, () => {
    const src = new FileSource(big!);
    try {
      const v = readLlama2cTokenizer(src, 32000);
      assert.equal(v.maxTokenLength, 27);
      assert.equal(new TextDecoder().decode(v.tokens[259]), "  ");
      assert.equal(v.scores[259], -1e9);
      badFile(() => readLlama2cTokenizer(src, 512), /unexpected trailing bytes at offset \d+ after 512 tokens/);
      badFile(() => readLlama2cTokenizer(src, 32001), /token 32000 entry at offset 433869 needs 8 header bytes, file has 0 left/);
    } finally {
      src.close();
    }
  });

  it("rejects corrupt tokenizers with the field and offset", () => {
    const good = makeTokenizer(3, [[0, "a"], [-1, "bc"], [-2, "abc"]]);
    assert.equal(readLlama2cTokenizer(new BufferSource(good), 3).tokens.length, 3);
    badFile(() => readLlama2cTokenizer(new BufferSource(good.subarray(0, 3))), /needs 4 bytes at offset 0/);
    badFile(() => readLlama2cTokenizer(new BufferSource(makeTokenizer(0, [[0, "a"]]))), /max_token_length at offset 0 is 0/);
    badFile(() => readLlama2cTokenizer(new BufferSource(makeTokenizer(2, [[0, "a"], [0, "abc"]]))), /token 1 length at offset 17 is 3, expected 0\.\.max_token_length 2/);
    badFile(() => readLlama2cTokenizer(new BufferSource(makeTokenizer(2, [[NaN, "a"]]))), /token 0 score at offset 4 is NaN/);
    badFile(() => readLlama2cTokenizer(new BufferSource(good.subarray(0, good.length - 1))), /token 2 text at offset \d+ needs 3 bytes, file has 2 left/);
    badFile(() => readLlama2cTokenizer(new BufferSource(good.subarray(0, 4))), /no tokens/);
  });

  it("fuzz: truncations never escape as anything but llama2c_bad_file", () => {
    const entries = fc.array(fc.tuple(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 })), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(entries, fc.nat(), (es, cut) => {
        const bytes = makeTokenizer(4, es);
        const v = readLlama2cTokenizer(new BufferSource(bytes), es.length);
        assert.deepEqual(v.tokens.map((t) => [...t]), es.map(([, t]) => t));
        const n = cut % bytes.length;
        badFile(() => readLlama2cTokenizer(new BufferSource(bytes.subarray(0, n)), es.length), /./);
      }),
      { numRuns: 200 },
    );
  });
});
