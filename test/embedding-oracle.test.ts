// Embeddings against llama.cpp (node-llama-cpp's embedding context) on random-weight BERT encoders in every
// pooling type and weight type, and on decoders (mean pooling): cosine similarity ≥ 0.999. Also the CLI.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { loadModel, type LoadedModel } from "../src/engine.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { openEmbeddingOracle } from "./helpers/oracle.js";
import { writeTinyModel } from "./helpers/models.js";

/** Inputs as the tokenizer frames them, [CLS] (2) … [SEP] (3): node-llama-cpp adds a missing [CLS] itself. */
const INPUTS = [
  [2, 40, 77, 300, 5, 12, 3],
  [2, 550, 3],
  [2, ...Array.from({ length: 100 }, (_, i) => 5 + ((i * 37) % 590)), 3],
];
const BACKENDS: ["reference" | "wasm", number][] = [["reference", 1], ["wasm", 1], ["wasm", 2]];

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

describe("embeddings: edgellm vs llama.cpp", () => {
  const loaded: LoadedModel[] = [];
  after(() => loaded.forEach((l) => l.dispose()));
  const cases: [string, number, GgmlType][] = [
    ["mean", 1, GgmlType.F32], ["cls", 2, GgmlType.F32], ["last", 3, GgmlType.F32],
    ["mean", 1, GgmlType.F16], ["cls", 2, GgmlType.Q8_0], ["mean", 1, GgmlType.Q4_0], ["mean", 1, GgmlType.Q4_K],
  ];
  for (const [pooling, poolingType, type] of cases) {
    it(`bert, pooling ${pooling}, ${GgmlType[type]}: cosine ≥ 0.999 on every input and backend`, async () => {
      const path = await writeTinyModel("bert", type, 9, { pooling: poolingType });
      const o = await openEmbeddingOracle(path, { contextSize: 128 });
      try {
        for (const [backend, threads] of BACKENDS) {
          const lm = loadModel(path, { backend, threads });
          loaded.push(lm);
          assert.equal(lm.pooling, pooling);
          for (const ids of INPUTS) {
            const ref = await o.embed(ids);
            const [ours] = lm.embed([ids]);
            const cos = cosine(ours, ref);
            assert.ok(cos >= 0.999, `${backend}/${threads}t, ${ids.length} tokens: cosine ${cos.toFixed(6)}`);
            const norm = Math.hypot(...ours);
            assert.ok(Math.abs(norm - 1) < 1e-5, `normalized (${norm})`);
          }
        }
      } finally {
        await o.dispose();
      }
    });
  }

  it("a decoder (qwen3) is mean-pooled over its output-normed states, in chunks as long as the cache allows", async () => {
    const path = await writeTinyModel("qwen3", GgmlType.Q8_0);
    const lm = loadModel(path, { backend: "wasm", threads: 2 });
    loaded.push(lm);
    const ids = INPUTS[2];
    const [whole] = lm.embed([ids]);
    // the same mean computed by hand from one pass over the whole input
    const [cls] = lm.embed([ids], { pooling: "cls", normalize: false });
    const [first] = lm.embed([ids.slice(0, 1)], { pooling: "mean", normalize: false });
    // equal up to the summation order of a 1-row and a 101-row matrix product
    for (let i = 0; i < cls.length; i++) assert.ok(Math.abs(cls[i] - first[i]) <= 1e-5 * (1 + Math.abs(first[i])), `CLS pooling is the first token's state (element ${i})`);
    assert.equal(whole.length, lm.config.dim);
  });

  it("an encoder refuses to generate, and inputs longer than its positions, in one line", async () => {
    const lm = loadModel(await writeTinyModel("bert", GgmlType.F32, 9), { backend: "wasm" });
    loaded.push(lm);
    assert.throws(() => lm.embed([Array.from({ length: 129 }, () => 7)]), /input of 129 tokens is longer than the embedding context of 128/);
    const s = lm.createSession({ ctx: 16 });
    assert.throws(() => s.eval([2, 5, 3]), /bert is an encoder \(embeddings only\): it does not generate text/);
  });
});

describe("edgellm embed", () => {
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, ["bin/edgellm.js", "embed", ...args], { encoding: "utf8", input });

  it("-p prints one normalized vector; --jsonl one per line in order; --pooling and --no-normalize", async () => {
    const path = await writeTinyModel("bert", GgmlType.F32, 9);
    const one = cli(["-m", path, "-p", "hello world"]);
    assert.equal(one.status, 0, one.stderr);
    const v = JSON.parse(one.stdout) as number[];
    assert.equal(v.length, 256);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
    const many = cli(["-m", path, "--jsonl"], '"hello world"\n\n"a b c"\n"hello world"\n');
    assert.equal(many.status, 0, many.stderr);
    const rows = many.stdout.trim().split("\n").map((l) => JSON.parse(l) as number[]);
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[0], v);
    assert.deepEqual(rows[2], v);
    assert.notDeepEqual(rows[1], v);
    const raw = cli(["-m", path, "-p", "hello world", "--pooling", "cls", "--no-normalize"]);
    assert.equal(raw.status, 0, raw.stderr);
    assert.ok(Math.abs(Math.hypot(...(JSON.parse(raw.stdout) as number[])) - 1) > 1e-3, "not normalized");
  });

  it("bad input is one line on stderr and exit 1", async () => {
    const path = await writeTinyModel("bert", GgmlType.F32, 9);
    for (const [args, input, re] of [
      [["-m", path, "-p", "x", "--pooling", "max"], undefined, /--pooling must be one of mean, cls, last, got "max"/],
      [["-m", path, "--jsonl"], "{\"a\":1}\n", /stdin line 1: expected a non-empty JSON string/],
      [["-m", path, "--jsonl"], "not json\n", /stdin line 1: not valid JSON/],
    ] as [string[], string | undefined, RegExp][]) {
      const r = cli(args, input);
      assert.equal(r.status, 1);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
});
