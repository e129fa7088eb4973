import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeError } from "../../errors.js";
import type { TextEmbedder } from "./embedder.js";
import { loadIndex, saveIndex } from "./index-file.js";
import { buildIndex, type RagIndex } from "./rag-index.js";
import { writeTestDocs, type TestDocs } from "./test-docs.js";

/** Deterministic 4-dimensional "embeddings" (no model needed to test the file format). */
const fakeEmbedder: TextEmbedder = {
  name: "fake.gguf",
  fingerprint: "sha256s1:" + "ab".repeat(32),
  pooling: "mean",
  dim: 4,
  embed(text) {
    const v = new Float32Array([text.length, 1, (text.match(/e/g) ?? []).length, 0.5]);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  },
};

describe("rag index file", () => {
  let docs: TestDocs;
  let index: RagIndex;
  let path: string;
  before(async () => {
    docs = writeTestDocs();
    index = await buildIndex([docs.docs], { embedder: fakeEmbedder });
    path = join(docs.dir, "index.json");
    saveIndex(index, path);
  });
  after(() => rmSync(docs.dir, { recursive: true, force: true }));

  it("reads back what was saved, embeddings included", () => {
    const back = loadIndex(path);
    assert.deepEqual(back.chunks, index.chunks);
    assert.deepEqual(back.files, index.files);
    assert.equal(back.maxChars, 512);
    assert.deepEqual(Array.from(back.embeddings!.vectors), Array.from(index.embeddings!.vectors));
    assert.deepEqual({ ...back.embeddings, vectors: undefined }, { ...index.embeddings, vectors: undefined });
  });

  it("walks directories: .md, .html and .txt files in name order, hidden files and other types skipped", () => {
    assert.deepEqual(index.files.map((f) => [f.path, f.type]), [[docs.greenhouse, "markdown"], [docs.kiosk, "html"], [docs.warehouse, "text"]]);
  });

  /** Write a changed copy of the saved JSON and load it: index_invalid naming `field`. */
  const corrupt = (field: RegExp, change: (j: Record<string, any>) => unknown) => {
    const j = JSON.parse(readFileSync(path, "utf8"));
    const out = change(j) ?? j;
    const bad = join(docs.dir, "bad.json");
    writeFileSync(bad, typeof out === "string" ? out : JSON.stringify(out));
    assert.throws(() => loadIndex(bad), (e: unknown) => {
      assert.ok(e instanceof EdgeError, String(e));
      assert.equal(e.code, "index_invalid");
      assert.match(e.message, field);
      assert.ok(!e.message.includes("\n"), "one line");
      return true;
    });
  };

  it("a corrupt file is index_invalid, naming the field", () => {
    corrupt(/not valid JSON/, () => readFileSync(path, "utf8").slice(0, 200));
    corrupt(/format/, (j) => void (j.format = "something-else"));
    corrupt(/version: 2 is not supported/, (j) => void (j.version = 2));
    corrupt(/unknown field "extra"/, (j) => void (j.extra = 1));
    corrupt(/chunks\[1\]: missing "text"/, (j) => void delete j.chunks[1].text);
    corrupt(/chunks\[0\]\.file/, (j) => void (j.chunks[0].file = 9));
    corrupt(/chunks\[2\]\.lines\[1\]/, (j) => void (j.chunks[2].lines = [3, 2]));
    corrupt(/chunks\[0\]\.lines\[1\]/, (j) => void (j.chunks[0].lines = [1, 10_000]));
    corrupt(/chunks\[0\]\.text: longer than chunking\.max/, (j) => void (j.chunks[0].text = "x".repeat(600)));
    corrupt(/chunks\[0\]\.headings\[0\]/, (j) => void (j.chunks[0].headings = [7]));
    corrupt(/files\[0\]\.sha256/, (j) => void (j.files[0].sha256 = "xyz"));
    corrupt(/files: a path is listed twice/, (j) => void (j.files[1].path = j.files[0].path));
    corrupt(/embeddings\.vectors: \d+ bytes, expected/, (j) => void (j.embeddings.vectors = j.embeddings.vectors.slice(0, 8)));
    corrupt(/embeddings\.vectors: not base64/, (j) => void (j.embeddings.vectors = "!!!!"));
    corrupt(/embeddings\.vectors: value 0 of chunk 0 is not a finite number/, (j) => {
      const b = Buffer.from(j.embeddings.vectors, "base64");
      b.writeFloatLE(NaN, 0);
      j.embeddings.vectors = b.toString("base64");
    });
    corrupt(/embeddings\.fingerprint/, (j) => void (j.embeddings.fingerprint = "md5:1"));
    corrupt(/embeddings\.pooling/, (j) => void (j.embeddings.pooling = "max"));
    corrupt(/the index: expected an object/, () => "[1, 2]");
  });

  it("a missing file is file_not_found", () => {
    assert.throws(() => loadIndex(join(docs.dir, "nope.json")), { code: "file_not_found" });
  });
});
