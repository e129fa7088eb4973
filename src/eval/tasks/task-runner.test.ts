// The runner with a scripted model: prompts and grammars it asks for, per-item scores, and a summary that recomputes
// from the per-item results (means; corpus BLEU from the summed statistics), with empty outputs scoring 0, not NaN.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { percentile } from "../../bench/stats.js";
import { bleuFromStats, corpusBleu, sumStats } from "./bleu.js";
import type { Dataset, EvalItem } from "./data.js";
import { buildPrompt, labelGbnf } from "./prompt.js";
import { runEval, summaryTable, type Generate, type ItemResult } from "./task-runner.js";

/** A model that answers item i with answers[i], and records what it was asked. */
function scripted(answers: string[]) {
  const calls: { prompt: string; gbnf?: string; item: EvalItem }[] = [];
  let i = 0;
  const generate: Generate = async (prompt, gbnf, item) => {
    calls.push({ prompt, gbnf, item });
    const text = answers[i++] ?? "";
    return { text, tokens: text.split(" ").length, promptTokens: prompt.length };
  };
  return { calls, generate };
}

const qaData: Dataset = {
  labels: [],
  items: [
    { task: "qa", line: 1, id: "a", question: "Who?", context: "Denver won.", answers: ["Denver Broncos", "Broncos"] },
    { task: "qa", line: 2, id: "b", question: "Where?", answers: ["Paris"] },
    { task: "qa", line: 4, id: "c", question: "When?", answers: [""] },
  ],
};

describe("eval runner", () => {
  it("qa: default prompts, predictions trimmed, per-item scores, and a summary that is their mean", async () => {
    const m = scripted(["  the Denver Broncos\n", "London", ""]);
    const results: ItemResult[] = [];
    const s = await runEval(qaData, "qa", { generate: m.generate, onResult: (r) => void results.push(r) });
    assert.deepEqual(m.calls.map((c) => c.prompt), qaData.items.map((it) => buildPrompt(it, [])));
    assert.ok(m.calls.every((c) => c.gbnf === undefined));
    assert.deepEqual(results.map((r) => [r.id, r.line, r.prediction, r.scores]), [
      ["a", 1, "the Denver Broncos", { exact_match: 100, f1: 100 }],
      ["b", 2, "London", { exact_match: 0, f1: 0 }],
      ["c", 4, "", { exact_match: 100, f1: 0 }], // SQuAD v1.1: "" vs "" is an exact match with F1 0
    ]);
    assert.deepEqual(s.metrics, { exact_match: 200 / 3, f1: 100 / 3 });
    assert.equal(s.items, 3);
    const ms = results.map((r) => r.ms);
    assert.deepEqual(s.latency_ms, { mean: ms.reduce((a, b) => a + b) / 3, p50: percentile(ms, 50), p99: percentile(ms, 99) });
    assert.equal(s.generated_tokens, results.reduce((a, r) => a + r.tokens, 0));
    assert.equal(s.total_ms, ms.reduce((a, b) => a + b));
    assert.equal(s.tokens_per_second, (s.generated_tokens * 1000) / s.total_ms);
  });

  it("summarize: ROUGE means and corpus BLEU recompute from the items; empty predictions score 0, never NaN", async () => {
    const data: Dataset = {
      labels: [],
      items: [
        { task: "summarize", line: 1, id: "1", document: "d1", summaries: ["The dog bit the man.", "The dog had bit the man."] },
        { task: "summarize", line: 2, id: "2", document: "d2", summaries: ["It was not unexpected.", "No one was surprised."] },
        { task: "summarize", line: 3, id: "3", document: "d3", summaries: ["The man bit him first.", "The man had bitten the dog."] },
      ],
    };
    const hyps = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
    const results: ItemResult[] = [];
    const s = await runEval(data, "summarize", { generate: scripted(hyps).generate, onResult: (r) => void results.push(r) });
    assert.ok(Math.abs(s.metrics.bleu - 48.530827) < 1e-6, "the sacreBLEU README corpus");
    assert.equal(s.metrics.bleu, corpusBleu(hyps, data.items.map((i) => (i.task === "summarize" ? i.summaries : []))).score);
    assert.equal(bleuFromStats(sumStats(results.map((r) => r.bleu_stats!))).score, s.metrics.bleu);
    for (const k of ["rouge1", "rouge2", "rougeL"]) assert.ok(Math.abs(s.metrics[k] - results.reduce((a, r) => a + r.scores[k], 0) / 3) < 1e-9);
    assert.deepEqual(s.bleu && [s.bleu.hyp_len, s.bleu.ref_len, s.bleu.bp.toFixed(3)], [17, 18, "0.943"]);
    assert.deepEqual(Object.keys(s.metrics), ["rouge1", "rouge2", "rougeL", "bleu"]);

    const empty = await runEval(data, "summarize", { generate: scripted(["", "", ""]).generate });
    assert.deepEqual(empty.metrics, { rouge1: 0, rouge2: 0, rougeL: 0, bleu: 0 });
  });

  it("classify: the grammar of the item's own labels, else the file's; accuracy after normalizing", async () => {
    const data: Dataset = {
      labels: ["on", "off", "timer"],
      items: [
        { task: "classify", line: 1, id: "1", text: "Lights on", label: "On" },
        { task: "classify", line: 2, id: "2", text: "Timer 5", label: "timer", labels: ["timer", "alarm"] },
      ],
    };
    const m = scripted([" on ", "alarm"]);
    const results: ItemResult[] = [];
    const s = await runEval(data, "classify", { generate: m.generate, onResult: (r) => void results.push(r) });
    assert.deepEqual(m.calls.map((c) => c.gbnf), [labelGbnf(["on", "off", "timer"]), labelGbnf(["timer", "alarm"])]);
    assert.match(m.calls[0].prompt, /labels: on, off, timer\./);
    assert.deepEqual(results.map((r) => [r.prediction, r.references, r.labels, r.scores.accuracy]), [
      ["on", ["On"], ["on", "off", "timer"], 100],
      ["alarm", ["timer"], ["timer", "alarm"], 0],
    ]);
    assert.deepEqual(s.metrics, { accuracy: 50 });
  });

  it("the summary table: metrics then timing, two columns", async () => {
    const s = await runEval(qaData, "qa", { generate: scripted(["Broncos", "Paris", "x"]).generate });
    const t = summaryTable(s).trimEnd().split("\n");
    assert.deepEqual(t.slice(0, 6), ["| metric | value |", "|---|---|", "| task | qa |", "| items | 3 |", "| exact_match | 66.67 |", "| f1 | 66.67 |"]);
    assert.deepEqual(t.slice(6).map((l) => l.split(" | ")[0]), ["| latency mean ms", "| latency p50 ms", "| latency p99 ms", "| generated tokens", "| generated tokens/s"]);
  });
});
