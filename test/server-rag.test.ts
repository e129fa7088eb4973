// POST /v1/rag/ask end to end: `edgellm serve` with --rag-index indexes (one with the served model's embeddings), the
// answer's citations against its retrieval, "not in the documents", and 4xx envelopes for unknown indexes and bad bodies.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "../src/server/server.js";
import { DEFAULT_MODEL_PATH } from "../src/cli/default-model.js";
import { loadModel } from "../src/engine.js";
import { buildIndex, modelEmbedder, NOT_FOUND_ANSWER, saveIndex } from "../src/apps/rag/index.js";
import { collapseWhitespace } from "../src/apps/rag/sentences.js";
import { QUESTIONS, UNANSWERABLE, writeTestDocs, type TestDocs } from "../src/apps/rag/test-docs.js";

interface AskReply {
  answer: string;
  mode: string;
  not_found: boolean;
  citations: { n: number; file: string; lines: [number, number]; text: string }[];
  retrieval: { n: number; file: string; lines: [number, number]; bm25: number; cosine?: number; fused: number }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  error?: { message: string; type: string; code: string; param: string | null };
}

describe("edgellm serve: POST /v1/rag/ask", () => {
  let server: RunningServer;
  let docs: TestDocs;
  const logs: string[] = [];
  const ask = async (body: unknown): Promise<{ status: number; json: AskReply }> => {
    const r = await fetch(server.url + "/v1/rag/ask", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as AskReply };
  };

  before(async () => {
    docs = writeTestDocs();
    const lm = loadModel(DEFAULT_MODEL_PATH, { threads: 1 });
    try {
      saveIndex(await buildIndex([docs.docs], { embedder: modelEmbedder(lm) }), join(docs.dir, "embedded.json"));
    } finally {
      lm.dispose();
    }
    saveIndex(await buildIndex([docs.warehouse], { maxChars: 64 }), join(docs.dir, "plain.json"));
    server = await startServer({
      models: [DEFAULT_MODEL_PATH], aliases: ["assistant"], port: 0, parallel: 1, queue: 4, threads: 1, ctx: 512,
      ragIndexes: { docs: join(docs.dir, "embedded.json"), warehouse: join(docs.dir, "plain.json") },
      announce: () => {}, log: (l) => logs.push(l),
    });
  });
  after(async () => {
    await server?.close(1000);
    rmSync(docs.dir, { recursive: true, force: true });
  });

  it("answers with a quoted sentence whose citation is one of the retrieved passages", async () => {
    for (const { q, file } of QUESTIONS.slice(0, 3)) {
      const { status, json } = await ask({ index: "docs", question: q });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.not_found, false);
      assert.ok(json.retrieval.some((p) => p.file === docs[file]), `${q}: the fact's file is retrieved`);
      assert.ok(json.retrieval.every((p) => typeof p.cosine === "number"), "the served model embedded this index: hybrid retrieval");
      const m = /^(.*) \[(\d+)\]$/.exec(json.answer);
      assert.ok(m, json.answer);
      assert.equal(json.citations.length, 1);
      const c = json.citations[0];
      assert.equal(c.n, Number(m[2]));
      const p = json.retrieval.find((x) => x.n === c.n);
      assert.ok(p, `[${c.n}] was not retrieved`);
      assert.deepEqual([c.file, c.lines], [p.file, p.lines]);
      assert.ok(collapseWhitespace(c.text).includes(m[1]));
      assert.ok(json.retrieval.some((x) => x.n === 1 && x.bm25 > 0));
    }
  });

  it("free mode through the scheduler: citations only of retrieved passages, usage counted", async () => {
    const { status, json } = await ask({ index: "warehouse", question: QUESTIONS[2].q, mode: "free", max_tokens: 24, k: 2 });
    assert.equal(status, 200, JSON.stringify(json));
    assert.ok(json.citations.length >= 1);
    const ns = new Set(json.retrieval.map((p) => p.n));
    assert.ok(json.retrieval.length <= 2);
    for (const n of [...json.answer.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))) assert.ok(ns.has(n), json.answer);
    assert.ok(json.usage!.prompt_tokens > 20 && json.usage!.completion_tokens >= 1);
    assert.ok(logs.some((l) => /^POST \/v1\/rag\/ask 200 \d+\+\d+ tokens \d+ ms$/.test(l)), logs.join("\n"));
  });

  it("not in the documents, without generating", async () => {
    const { status, json } = await ask({ index: "docs", question: UNANSWERABLE });
    assert.equal(status, 200);
    assert.deepEqual([json.answer, json.not_found, json.citations, json.retrieval], [NOT_FOUND_ANSWER, true, [], []]);
  });

  it("an unknown index is a 404 in the server's error envelope", async () => {
    const { status, json } = await ask({ index: "nope", question: "When does the kiosk close?" });
    assert.equal(status, 404);
    assert.equal(json.error!.type, "not_found_error");
    assert.equal(json.error!.code, "index_not_found");
    assert.equal(json.error!.param, "index");
    assert.match(json.error!.message, /no rag index named "nope" \(served: docs, warehouse\)/);
  });

  it("a bad body is a 400 naming the field", async () => {
    const cases: [unknown, RegExp][] = [
      [{ index: "docs" }, /missing required field question/],
      [{ index: "docs", question: "kiosk", k: 0 }, /k must be >= 1/],
      [{ index: "docs", question: "kiosk", k: "2" }, /k must be integer/],
      [{ index: "docs", question: "kiosk", mode: "poetry" }, /mode must be equal to one of the allowed values/],
      [{ index: "docs", question: "   " }, /the question is empty/],
      [{ index: "docs", question: "kiosk", model: "nope" }, /does not exist/],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await ask(body);
      assert.ok(status === 400 || status === 404, `${JSON.stringify(body)} → ${status}`);
      assert.match(json.error!.message, message);
    }
  });

  it("a corrupt index refuses the start with index_invalid", async () => {
    const bad = join(docs.dir, "bad.json");
    writeFileSync(bad, '{"format": "edgellm-rag-index", "version": 1}');
    await assert.rejects(startServer({ models: [DEFAULT_MODEL_PATH], port: 0, parallel: 1, queue: 1, ragIndexes: { bad }, announce: () => {}, log: () => {} }), { code: "index_invalid" });
  });
});
