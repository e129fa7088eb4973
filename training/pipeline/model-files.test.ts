// The committed default model: GGUF metadata and tensors, exact tokenizer round trips over the whole held-out split,
// and llama.cpp (node-llama-cpp) loading it, tokenizing like us and answering held-out commands with the right intent.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../../test/helpers/fixtures.js";
import { openOracle, type Oracle } from "../../test/helpers/oracle.js";
import { parseGguf } from "../../src/format/gguf-reader.js";
import type { GgufFile } from "../../src/format/gguf-types.js";
import { BufferSource } from "../../src/io/byte-source.js";
import { GgmlType } from "../../src/tensor/ggml-type.js";
import { dequantize } from "../../src/tensor/types.js";
import { loadModel, type LoadedModel } from "../../src/engine.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { parseAction, renderChat } from "./chat-format.js";
import { generateCorpus } from "./corpus.js";
import { messagesOf } from "./prepare-data.js";

const modelsDir = join(repoRoot, "models");
const F16 = join(modelsDir, "edgellm-assistant-f16.gguf");
const Q8 = join(modelsDir, "edgellm-assistant-q8_0.gguf");
const HELDOUT = join(modelsDir, "edgellm-assistant-heldout.txt");

function load(path: string): GgufFile {
  return parseGguf(new BufferSource(new Uint8Array(readFileSync(path)), path));
}
const meta = (f: GgufFile, key: string): unknown => {
  const kv = f.metadata.get(key);
  if (kv === undefined) return undefined;
  const v = kv.value;
  return typeof v === "object" && v !== null && "items" in v ? v.items : v;
};

// The held-out split the bundled model was evaluated on (seed 1; the test stream does not depend on the train size).
const heldout = generateCorpus({ seed: 1, trainConversations: 0, testConversations: 2000 }).test;

describe("bundled model files", () => {
  const f16 = load(F16);
  const q8 = load(Q8);

  it("are small enough to commit", () => {
    const total = statSync(F16).size + statSync(Q8).size;
    assert.ok(total < 25 * 1024 * 1024, `${total} bytes`);
  });

  it("carry llama metadata consistent with the tensor shapes", () => {
    for (const f of [f16, q8]) {
      assert.equal(meta(f, "general.architecture"), "llama");
      const dim = meta(f, "llama.embedding_length") as number;
      const heads = meta(f, "llama.attention.head_count") as number;
      const kvHeads = meta(f, "llama.attention.head_count_kv") as number;
      const layers = meta(f, "llama.block_count") as number;
      const vocab = meta(f, "llama.vocab_size") as number;
      assert.equal(meta(f, "llama.rope.dimension_count"), dim / heads);
      const byName = new Map(f.tensors.map((t) => [t.name, t]));
      assert.deepEqual(byName.get("token_embd.weight")!.dims, [dim, vocab]);
      assert.deepEqual(byName.get("blk.0.attn_k.weight")!.dims, [dim, (dim / heads) * kvHeads]);
      assert.deepEqual(byName.get("blk.0.ffn_down.weight")!.dims, [meta(f, "llama.feed_forward_length"), dim]);
      assert.equal(byName.has("output.weight"), false, "embeddings are tied");
      assert.equal(f.tensors.length, 2 + 9 * layers);
      assert.equal((meta(f, "tokenizer.ggml.tokens") as string[]).length, vocab);
    }
  });

  it("store matrices as F16 / Q8_0 and norms as F32", () => {
    for (const [f, matrixType] of [[f16, GgmlType.F16], [q8, GgmlType.Q8_0]] as const) {
      for (const t of f.tensors) assert.equal(t.type, t.dims.length === 1 ? GgmlType.F32 : matrixType, t.name);
    }
    assert.equal(meta(f16, "general.file_type"), 1);
    assert.equal(meta(q8, "general.file_type"), 7);
  });

  it("describe a byte-level BPE tokenizer with ChatML control tokens and a chat template", () => {
    for (const f of [f16, q8]) {
      assert.equal(meta(f, "tokenizer.ggml.model"), "gpt2");
      assert.equal(meta(f, "tokenizer.ggml.pre"), "qwen35");
      const tokens = meta(f, "tokenizer.ggml.tokens") as string[];
      const types = meta(f, "tokenizer.ggml.token_type") as Int32Array;
      for (const s of ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]) assert.equal(types[tokens.indexOf(s)], 3, s);
      assert.equal(tokens[meta(f, "tokenizer.ggml.eos_token_id") as number], "<|im_end|>");
      assert.equal(tokens[meta(f, "tokenizer.ggml.eot_token_id") as number], "<|im_end|>");
      assert.equal(tokens[meta(f, "tokenizer.ggml.bos_token_id") as number], "<|endoftext|>");
      assert.equal(meta(f, "tokenizer.ggml.add_bos_token"), false);
      assert.match(meta(f, "tokenizer.chat_template") as string, /<\|im_start\|>/);
    }
  });

  it("were built from the current corpus generator (held-out text matches the seed-1 test split)", () => {
    const committed = readFileSync(HELDOUT, "utf8");
    const regenerated = heldout.slice(0, 100).map((c) => renderChat(messagesOf(c), false)).join("");
    assert.ok(committed === regenerated, "templates or entities changed since the bundled model was trained: retrain it");
  });

  it("tokenizer round-trips every held-out string exactly, English and Bangla", () => {
    const tok = Tokenizer.fromGguf(q8);
    const counts = { en: 0, bn: 0 };
    for (const c of heldout) {
      for (const t of c.turns) {
        for (const s of [t.user, t.assistant]) {
          const ids = tok.encode(s, { addSpecial: false, parseSpecial: false });
          assert.equal(tok.decode(ids), s);
          counts[c.lang]++;
        }
      }
      const text = renderChat(messagesOf(c), false);
      assert.equal(tok.decode(tok.encode(text, { addSpecial: false, parseSpecial: true }), { special: true }), text);
    }
    assert.ok(counts.en > 1000 && counts.bn > 1000, JSON.stringify(counts));
  });
});

describe("bundled model in llama.cpp", { skip: existsSync(Q8) ? false : "model missing" }, () => {
  let oracle: Oracle;
  let tok: Tokenizer;
  before(async () => {
    oracle = await openOracle(Q8, { threads: 1, contextSize: 512 });
    tok = Tokenizer.fromGguf(load(Q8));
  });
  after(async () => {
    await oracle?.dispose();
  });

  const reply = async (user: string): Promise<string> => {
    const prompt = renderChat([{ role: "user", content: user }], true);
    const ids = tok.encode(prompt, { addSpecial: false, parseSpecial: true });
    assert.deepEqual(oracle.tokenize(prompt, { parseSpecial: true }), ids);
    const out = await oracle.greedy(ids, 120, { stopAtEog: true });
    return tok.decode(out.filter((id) => !oracle.isEog(id)));
  };

  it("tokenizes held-out conversations exactly like the project's Tokenizer", () => {
    for (const c of heldout.slice(0, 300)) {
      const text = renderChat(messagesOf(c), false);
      assert.deepEqual(oracle.tokenize(text, { parseSpecial: true }), tok.encode(text, { addSpecial: false, parseSpecial: true }));
    }
  });

  it("answers the issue's sensor example with a warning alert", async () => {
    const action = parseAction(await reply("Pressure 847 PSI, vibration 0.3 mm on pump 3"));
    assert.equal(action?.intent, "sensor_alert");
    assert.equal(action?.severity, "warning");
  });

  it("gets the intent of most held-out first turns right, in both languages", async () => {
    const picks = [...heldout.filter((c) => c.lang === "en").slice(0, 12), ...heldout.filter((c) => c.lang === "bn").slice(0, 12)];
    let right = 0;
    const wrong: string[] = [];
    for (const c of picks) {
      const t = c.turns[0];
      const r = await reply(t.user);
      if (parseAction(r)?.intent === t.intent) right++;
      else wrong.push(`${t.user} -> ${r}`);
    }
    // The model's held-out intent accuracy is 81% (training/eval-llama-cpp-q8_0.json, 400 first turns; 89% English, 74% Bangla; and
    // models/README.md); two thirds of 24 catches a broken model or pipeline without failing on that known error rate.
    assert.ok(right >= 16, `${right}/24 right; wrong:\n${wrong.join("\n")}`);
  });
});

// The ternary twin (scripts/train-ternary-model.sh): BitNet b1.58 trained in ternary, exported as TQ2_0 and TQ1_0.
const TQ2 = join(modelsDir, "edgellm-assistant-ternary-tq2_0.gguf");
const TQ1 = join(modelsDir, "edgellm-assistant-ternary-tq1_0.gguf");
const q8Meta = load(Q8);
const TERNARY_INTENT_FLOOR = 10;
/** Logit gap below which llama.cpp's top two tokens count as tied (see the greedy test). */
const TERNARY_NEAR_TIE = 0.1;

describe("bundled ternary model files", () => {
  const tq2 = load(TQ2);
  const tq1 = load(TQ1);

  it("are bitnet GGUFs: ternary block matrices, Q6_K tied embedding, F32 norms incl. the sub-norms", () => {
    for (const [f, ternary, ftype] of [[tq2, GgmlType.TQ2_0, 37], [tq1, GgmlType.TQ1_0, 36]] as const) {
      assert.equal(meta(f, "general.architecture"), "bitnet");
      assert.equal(meta(f, "general.file_type"), ftype);
      const layers = meta(f, "bitnet.block_count") as number;
      assert.equal(f.tensors.length, 2 + 11 * layers);
      for (const t of f.tensors) {
        const want = t.name === "token_embd.weight" ? GgmlType.Q6_K : t.dims.length === 1 ? GgmlType.F32 : ternary;
        assert.equal(t.type, want, t.name);
      }
      assert.ok(f.tensors.some((t) => t.name === "blk.0.attn_sub_norm.weight") && f.tensors.some((t) => t.name === "blk.0.ffn_sub_norm.weight"));
      assert.deepEqual(meta(f, "tokenizer.ggml.tokens"), meta(q8Meta, "tokenizer.ggml.tokens"), "same tokenizer as the bundled model");
    }
  });

  it("hold the same ternary weights in TQ2_0 and TQ1_0, one scale per matrix (trained ternary, not rounded after)", () => {
    const bytes2 = new Uint8Array(readFileSync(TQ2));
    const bytes1 = new Uint8Array(readFileSync(TQ1));
    const ternaryTensors = tq2.tensors.filter((t) => t.type === GgmlType.TQ2_0);
    for (const t2 of ternaryTensors) {
      const t1 = tq1.tensors.find((t) => t.name === t2.name)!;
      const n = t2.dims.reduce((a, b) => a * b, 1);
      const a = dequantize(t2.type, bytes2.subarray(t2.fileOffset, t2.fileOffset + t2.byteSize), n);
      const b = dequantize(t1.type, bytes1.subarray(t1.fileOffset, t1.fileOffset + t1.byteSize), n);
      const scale = a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      for (let i = 0; i < n; i++) {
        if (a[i] !== b[i]) assert.fail(`${t2.name}[${i}]: TQ2_0 ${a[i]} vs TQ1_0 ${b[i]}`);
        if (a[i] !== 0 && Math.abs(a[i]) !== scale) assert.fail(`${t2.name}[${i}] = ${a[i]} is not ±${scale}`);
      }
    }
    assert.ok(ternaryTensors.length > 0);
  });
});

describe("bundled ternary model: edgellm and llama.cpp", { skip: existsSync(TQ2) ? false : "model missing" }, () => {
  let oracle: Oracle;
  let lm: LoadedModel;
  before(async () => {
    oracle = await openOracle(TQ2, { threads: 1, contextSize: 512 });
    lm = loadModel(TQ2, { threads: 1 });
  });
  after(async () => {
    lm?.dispose();
    await oracle?.dispose();
  });

  it("give the same greedy replies to held-out commands (apart from near-ties), which mostly carry the right intent", async () => {
    const picks = [...heldout.filter((c) => c.lang === "en").slice(0, 8), ...heldout.filter((c) => c.lang === "bn").slice(0, 8)];
    let right = 0;
    let nearTies = 0;
    for (const c of picks) {
      const prompt = renderChat([{ role: "user", content: c.turns[0].user }], true);
      const ids = lm.tokenizer.encode(prompt, { addSpecial: false, parseSpecial: true });
      const theirs = await oracle.greedy(ids, 80, { stopAtEog: true });
      const session = lm.createSession({ ctx: 512 });
      const ours: number[] = [];
      for await (const t of lm.generate(session, ids, { temperature: 0, maxTokens: 80 })) if (t.token >= 0) ours.push(t.token);
      const eog = theirs.findIndex((id) => oracle.isEog(id));
      const expected = eog >= 0 ? theirs.slice(0, eog) : theirs;
      const k = expected.findIndex((id, i) => ours[i] !== id);
      if (k >= 0) {
        // As in test/model-oracle.test.ts: the engines may part ways only where llama.cpp's own top two logits are
        // within rounding distance. Both round activations to 8 bits per 256 (Q8_K), in a different summation order:
        // the logits differ by up to 0.08 (measured); the ties measured here are 0.001–0.02 apart.
        const logits = await oracle.nextTokenLogits([...ids, ...expected.slice(0, k)]);
        const gap = logits[expected[k]] - logits[ours[k]];
        assert.ok(gap <= TERNARY_NEAR_TIE, `reply to ${JSON.stringify(c.turns[0].user)} differs at token ${k} (logit gap ${gap.toFixed(3)} is no tie)`);
        nearTies++;
        process.stderr.write(`[model-files] ternary: near-tie at token ${k} of ${JSON.stringify(c.turns[0].user)} (gap ${gap.toFixed(3)})\n`);
      }
      if (parseAction(lm.tokenizer.decode(expected))?.intent === c.turns[0].intent) right++;
    }
    // 11 of these 16 are right (72% of 400 held-out first turns through llama.cpp: models/README.md); the floor catches
    // a broken model or export without failing on its known error rate.
    assert.ok(right >= TERNARY_INTENT_FLOOR, `${right}/16 held-out first turns with the right intent`);
    process.stderr.write(`[model-files] ternary: ${right}/16 right intents, ${nearTies} near-ties\n`);
    assert.ok(nearTies <= 4, `${nearTies} of 16 replies part ways at a near-tie: more than rounding explains`);
  });
});
