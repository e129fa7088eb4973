import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODEL_PATH } from "../default-model.js";
import { loadIndex } from "../../apps/rag/index-file.js";
import { QUESTIONS, UNANSWERABLE, writeTestDocs, type TestDocs } from "../../apps/rag/test-docs.js";
import { command } from "./rag.js";

/** Run `edgellm rag ARGS…` in-process: what it wrote to stdout and stderr. */
async function rag(...argv: string[]): Promise<{ out: string; err: string }> {
  let out = "";
  let err = "";
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    await command.run(argv);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  return { out, err };
}

describe("edgellm rag (command)", () => {
  let docs: TestDocs;
  let index: string;
  before(async () => {
    docs = writeTestDocs();
    index = join(docs.dir, "docs.json");
    await rag("index", docs.docs, "-o", index, "--chunk", "300");
  });
  after(() => rmSync(docs.dir, { recursive: true, force: true }));

  it("rag index writes an index of the documents, chunked at --chunk characters", () => {
    const i = loadIndex(index);
    assert.equal(i.maxChars, 300);
    assert.equal(i.files.length, 3);
    assert.equal(i.embeddings, undefined);
  });

  it("rag ask: the answer, then its sources as file:lines (heading path)", async () => {
    const { out, err } = await rag("ask", "--index", index, "-m", DEFAULT_MODEL_PATH, "-q", QUESTIONS[1].q, "-t", "1");
    assert.equal(out, `${QUESTIONS[1].fact} [1]\n\nSources:\n[1] ${docs.kiosk}:5-7 (Visitor Kiosk)\n`);
    assert.match(err, /\[edgellm\] rag: \d passages? \(BM25\), prompt \d+ tokens/);
  });

  it("rag ask --json; 'not in the documents' for a question the documents do not answer", async () => {
    const j = JSON.parse((await rag("ask", "--index", index, "-m", DEFAULT_MODEL_PATH, "-q", QUESTIONS[0].q, "--json", "--k", "2")).out);
    assert.equal(j.not_found, false);
    assert.ok(j.retrieval.length <= 2 && j.citations.every((c: { n: number }) => j.retrieval.some((p: { n: number }) => p.n === c.n)));
    assert.equal((await rag("ask", "--index", index, "-m", DEFAULT_MODEL_PATH, "-q", UNANSWERABLE)).out, "not in the documents\n");
  });

  it("one-line errors: no documents, a bad mode, an --embed-model for an index without embeddings", async () => {
    await assert.rejects(rag("index", "-o", index), { code: "bad_argument", message: /no documents given/ });
    await assert.rejects(rag("ask", "--index", index, "-q", "x", "--mode", "poem"), { code: "bad_argument" });
    await assert.rejects(rag("ask", "--index", index, "-q", "x", "--embed-model", DEFAULT_MODEL_PATH), { message: /the index has no embeddings/ });
    await assert.rejects(rag("frobnicate"), { message: /unknown rag command/ });
  });
});
