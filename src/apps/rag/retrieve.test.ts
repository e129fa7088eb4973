import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODEL_PATH } from "../../cli/default-model.js";
import { loadModel, type LoadedModel } from "../../engine.js";
import { modelEmbedder, modelFingerprint, type TextEmbedder } from "./embedder.js";
import { buildIndex, type RagIndex } from "./rag-index.js";
import { retrieve, RRF_K } from "./retrieve.js";
import { collapseWhitespace } from "./sentences.js";
import { QUESTIONS, UNANSWERABLE, writeTestDocs, type TestDocs } from "./test-docs.js";

describe("rag retrieval", () => {
  let docs: TestDocs;
  let index: RagIndex;
  before(async () => {
    docs = writeTestDocs();
    index = await buildIndex([docs.docs]);
  });
  after(() => rmSync(docs.dir, { recursive: true, force: true }));

  it("ranks the chunk holding the fact first for a question with the fact's words", async () => {
    for (const { q, file, fact } of QUESTIONS) {
      const r = await retrieve(index, q);
      assert.equal(r.notFound, false, q);
      const top = r.passages[0];
      assert.equal(top.chunk.file, docs[file], q);
      assert.ok(collapseWhitespace(top.chunk.text).includes(fact), `${q}: ${top.chunk.text}`);
      assert.deepEqual(r.passages.map((p) => p.n), r.passages.map((_, i) => i + 1));
      for (let i = 1; i < r.passages.length; i++) assert.ok(r.passages[i - 1].bm25 >= r.passages[i].bm25);
    }
  });

  it("BM25 alone: fused is 1/(60 + rank)", async () => {
    const r = await retrieve(index, QUESTIONS[0].q);
    assert.ok(r.passages.length >= 2);
    r.passages.forEach((p, i) => assert.equal(p.fused, 1 / (RRF_K + i + 1)));
    assert.equal(r.passages[0].cosine, undefined);
  });

  it("finds nothing for a question whose words are not in the documents, or that has only function words", async () => {
    for (const q of [UNANSWERABLE, "What is it, and who is there?", "?!"]) {
      const r = await retrieve(index, q);
      assert.equal(r.notFound, true, q);
      assert.deepEqual(r.passages, []);
    }
  });

  it("--min-score drops weak passages, and a high one finds nothing", async () => {
    const all = await retrieve(index, QUESTIONS[0].q);
    const weakest = all.passages[all.passages.length - 1].bm25;
    const some = await retrieve(index, QUESTIONS[0].q, { minScore: weakest + 0.01 });
    assert.ok(some.passages.length < all.passages.length && some.passages.every((p) => p.bm25 > weakest));
    assert.equal((await retrieve(index, QUESTIONS[0].q, { minScore: 1e6 })).notFound, true);
  });

  it("k bounds the passages; a bad k or empty question is bad_argument", async () => {
    assert.equal((await retrieve(index, "kiosk temperature line use", { k: 1 })).passages.length, 1);
    await assert.rejects(retrieve(index, "kiosk", { k: 0 }), { code: "bad_argument" });
    await assert.rejects(retrieve(index, "kiosk", { k: 17 }), { code: "bad_argument" });
    await assert.rejects(retrieve(index, "  "), { code: "bad_argument" });
  });
});

describe("rag retrieval with embeddings (the bundled model as embedder)", () => {
  let docs: TestDocs;
  let lm: LoadedModel;
  let embedder: TextEmbedder;
  let index: RagIndex;
  before(async () => {
    docs = writeTestDocs();
    lm = loadModel(DEFAULT_MODEL_PATH, { threads: 1 });
    embedder = modelEmbedder(lm);
    index = await buildIndex([docs.docs], { embedder });
  });
  after(() => {
    lm?.dispose();
    rmSync(docs.dir, { recursive: true, force: true });
  });

  it("stores one normalized vector per chunk, with the model's fingerprint", () => {
    const e = index.embeddings!;
    assert.equal(e.vectors.length, index.chunks.length * e.dim);
    assert.equal(e.fingerprint, modelFingerprint(DEFAULT_MODEL_PATH));
    for (let c = 0; c < index.chunks.length; c++) {
      const v = e.vectors.subarray(c * e.dim, (c + 1) * e.dim);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4);
    }
  });

  it("fuses BM25 and cosine ranks: the fact's chunk is retrieved, every passage has a cosine", async () => {
    for (const { q, fact } of QUESTIONS) {
      const r = await retrieve(index, q, { embedder });
      assert.equal(r.embeddings, true);
      assert.ok(r.passages.some((p) => collapseWhitespace(p.chunk.text).includes(fact)), q);
      for (const p of r.passages) {
        assert.ok(typeof p.cosine === "number" && p.cosine >= -1.0001 && p.cosine <= 1.0001);
        assert.ok(p.fused > 0 && p.fused <= 2 / (RRF_K + 1) + 1e-12, "at most rank 1 in both rankings");
      }
    }
  });

  it("embeddings alone admit a chunk only with minCosine", async () => {
    assert.equal((await retrieve(index, UNANSWERABLE, { embedder })).notFound, true);
    const r = await retrieve(index, UNANSWERABLE, { embedder, minCosine: -1, k: 3 });
    assert.equal(r.passages.length, 3);
    assert.ok(r.passages.every((p) => p.bm25 === 0));
  });

  it("the fingerprint follows the weights, not the file name; another model is refused", async () => {
    const copy = join(docs.dir, "renamed.gguf");
    copyFileSync(DEFAULT_MODEL_PATH, copy);
    assert.equal(modelFingerprint(copy), embedder.fingerprint);
    const other = modelFingerprint(DEFAULT_MODEL_PATH.replace("q8_0", "ternary-tq2_0"));
    assert.notEqual(other, embedder.fingerprint);
    const impostor = { ...embedder, name: "other.gguf", fingerprint: other };
    await assert.rejects(retrieve(index, QUESTIONS[0].q, { embedder: impostor }), (e: Error & { code?: string }) => {
      assert.equal(e.code, "bad_argument");
      assert.match(e.message, /embedded with edgellm-assistant-q8_0\.gguf .*not other\.gguf/);
      return true;
    });
    const plain = await buildIndex([docs.docs]);
    await assert.rejects(retrieve(plain, QUESTIONS[0].q, { embedder }), /the index has no embeddings/);
  });
});
