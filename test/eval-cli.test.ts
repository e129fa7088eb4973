// `edgellm eval` end to end on the bundled demo model (a 5.8M-parameter smart-home assistant: its scores are low, so
// these tests check shape and arithmetic, not quality): the summary recomputes from the per-item --out lines, classify
// predictions are always one of the labels, and bad input is one line on stderr before the model is loaded.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { percentile } from "../src/bench/stats.js";
import { bleuFromStats, sumStats, type BleuStats } from "../src/eval/tasks/bleu.js";
import type { ItemResult } from "../src/eval/tasks/task-runner.js";
import { repoRoot } from "./helpers/fixtures.js";

const RUNNER = join(repoRoot, "dist", "test", "helpers", "run-command.js");
const MODEL = join(repoRoot, "models", "edgellm-assistant-q8_0.gguf");
const dir = mkdtempSync(join(tmpdir(), "edgellm-eval-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function edgellmEval(args: string[]) {
  const r = spawnSync(process.execPath, [RUNNER, "eval", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function data(name: string, lines: unknown[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return p;
}
const readJsonl = (p: string) => readFileSync(p, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

type Item = ItemResult;

/** The timing part of the summary from the items. */
function checkTiming(s: Record<string, any>, items: Item[]): void {
  const ms = items.map((i) => i.ms);
  near(s.latency_ms.mean, sum(ms) / ms.length, "mean latency");
  near(s.latency_ms.p50, percentile(ms, 50), "p50");
  near(s.latency_ms.p99, percentile(ms, 99), "p99");
  assert.equal(s.generated_tokens, sum(items.map((i) => i.tokens)));
  assert.equal(s.prompt_tokens, sum(items.map((i) => i.prompt_tokens)));
  near(s.tokens_per_second, (s.generated_tokens * 1000) / sum(ms), "tokens/s");
  for (const i of items) assert.ok(i.ms > 0 && i.prompt_tokens > 0 && Number.isInteger(i.tokens));
}

describe("edgellm eval", () => {
  const base = ["-m", MODEL, "-t", "1", "--json"];

  it("qa: summary in JSON, one --out line per item, the summary recomputes from the items, greedy runs repeat", () => {
    const qa = data("qa.jsonl", [
      { id: "k", question: "Which light is on?", context: "The kitchen light is on; the bedroom is dark.", answers: ["the kitchen light", "kitchen"] },
      { question: "Which room is dark?", context: "The kitchen light is on; the bedroom is dark.", answers: [{ text: "the bedroom" }] },
      "",
      { id: 3, question: "Turn off the bedroom lights", answers: ["Done"] },
    ]);
    const out = join(dir, "qa.out.jsonl");
    const r = edgellmEval([...base, "--task", "qa", "--data", qa, "--out", out, "-n", "24"]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(s), ["model", "data", "task", "items", "metrics", "latency_ms", "tokens_per_second", "generated_tokens", "prompt_tokens", "total_ms"]);
    assert.equal(s.items, 3);
    const items = readJsonl(out) as Item[];
    assert.deepEqual(items.map((i) => [i.line, i.id, i.references]), [[1, "k", ["the kitchen light", "kitchen"]], [2, "2", ["the bedroom"]], [4, "3", ["Done"]]]);
    for (const k of ["exact_match", "f1"]) {
      near(s.metrics[k], sum(items.map((i) => i.scores[k])) / 3, k);
      for (const i of items) assert.ok(i.scores[k] >= 0 && i.scores[k] <= 100);
    }
    for (const i of items) assert.ok(i.tokens <= 24 && i.prediction === i.prediction.trim());
    checkTiming(s, items);
    assert.match(r.stderr, /chat template, greedy, at most 24 tokens per item/);

    const again = edgellmEval([...base, "--task", "qa", "--data", qa, "--out", out, "-n", "24"]);
    assert.deepEqual(readJsonl(out).map((i: Item) => i.prediction), items.map((i) => i.prediction), "greedy decoding repeats");
    assert.deepEqual(JSON.parse(again.stdout).metrics, s.metrics);
  });

  it("summarize: ROUGE means and corpus BLEU recompute from the items (BLEU from their summed statistics)", () => {
    const sm = data("sum.jsonl", [
      { document: "The living room lights were turned on at 7 pm and off at 11 pm.", summary: "The living room lights were on from 7 to 11 pm." },
      { document: "Pump 2 pressure rose to 960 PSI, above its critical limit of 950 PSI.", summaries: ["Pump 2 pressure is critical at 960 PSI.", "Pump 2 is above its critical limit."] },
    ]);
    const out = join(dir, "sum.out.jsonl");
    const r = edgellmEval([...base, "--task", "summarize", "--data", sm, "--out", out, "-n", "32", "--stem"]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const items = readJsonl(out) as Item[];
    assert.deepEqual(Object.keys(s.metrics), ["rouge1", "rouge2", "rougeL", "bleu"]);
    for (const k of ["rouge1", "rouge2", "rougeL"]) near(s.metrics[k], sum(items.map((i) => i.scores[k])) / items.length, k);
    const bleu = bleuFromStats(sumStats(items.map((i) => i.bleu_stats!)));
    near(s.metrics.bleu, bleu.score, "corpus BLEU");
    assert.deepEqual([s.bleu.hyp_len, s.bleu.ref_len], [bleu.stats.hypLen, bleu.stats.refLen]);
    for (const v of Object.values(s.metrics) as number[]) assert.ok(v >= 0 && v <= 100 && !Number.isNaN(v));
    checkTiming(s, items);
  });

  it("classify: every prediction is one of the item's labels (the grammar), accuracy recomputes", () => {
    const cl = data("cls.jsonl", [
      { text: "Turn off the bedroom lights", label: "lights_off" },
      { text: "Switch on the kitchen light", label: "lights_on" },
      { text: "What's the weather in Paris tomorrow?", label: "out_of_scope" },
      { text: "Set a timer for five minutes", label: "timer", labels: ["timer", "reminder", "out_of_scope"] },
      { text: "Remind me to call mum", label: "reminder" },
    ]);
    const out = join(dir, "cls.out.jsonl");
    const r = edgellmEval([...base, "--task", "classify", "--data", cl, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const items = readJsonl(out) as Item[];
    const fileLabels = ["lights_off", "lights_on", "out_of_scope", "timer", "reminder"];
    assert.deepEqual(items.map((i) => i.labels), [fileLabels, fileLabels, fileLabels, ["timer", "reminder", "out_of_scope"], fileLabels]);
    for (const i of items) assert.ok(i.labels!.includes(i.prediction), `${JSON.stringify(i.prediction)} is one of ${i.labels}`);
    near(s.metrics.accuracy, sum(items.map((i) => i.scores.accuracy)) / items.length, "accuracy");
    assert.deepEqual(items.map((i) => i.scores.accuracy), items.map((i) => (i.prediction === i.references[0] ? 100 : 0)));
  });

  it("without --json: a two-column table; --template and --raw change the prompt", () => {
    const qa = data("qa2.jsonl", [{ question: "Which room?", context: "Kitchen.", answers: ["kitchen"] }]);
    const r = edgellmEval(["-m", MODEL, "-t", "1", "--task", "qa", "--data", qa, "-n", "8", "--raw", "--template", "Q: {question} ({context})\nA:"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\| metric \| value \|\n\|---\|---\|\n\| task \| qa \|\n\| items \| 1 \|\n\| exact_match \| \d+\.\d\d \|\n\| f1 \| \d+\.\d\d \|\n/);
    assert.match(r.stderr, /plain prompts/);
  });

  it("bad input is one line on stderr naming the problem, exit code 1", () => {
    const fails = (args: string[], re: RegExp) => {
      const r = edgellmEval(args);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, re);
    };
    const good = data("good.jsonl", [{ question: "q", answers: ["a"] }]);
    const missing = data("missing.jsonl", [{ question: "q", answers: ["a"] }, { context: "c", answers: ["a"] }]);
    fails(["-m", MODEL, "--task", "qa", "--data", missing], new RegExp(`missing\\.jsonl:2: field "question" is missing \\[dataset_invalid\\]`));
    const badUtf8 = join(dir, "bad.jsonl");
    writeFileSync(badUtf8, Buffer.concat([Buffer.from('{"question": "q", "answers": ["a"]}\n{"question": "'), Buffer.from([0xff]), Buffer.from('", "answers": ["a"]}\n')]));
    fails(["-m", MODEL, "--task", "qa", "--data", badUtf8], /bad\.jsonl:2: not valid UTF-8 \[dataset_invalid\]/);
    fails(["-m", MODEL, "--task", "translate", "--data", good], /--task must be one of qa, summarize, classify, got "translate" \[bad_argument\]/);
    fails(["-m", MODEL, "--task", "qa"], /missing data file \(--data\) \[bad_argument\]/);
    fails(["--task", "qa", "--data", good], /missing model file \(--model\) \[bad_argument\]/);
    fails(["-m", MODEL, "--task", "qa", "--data", join(dir, "nope.jsonl")], /nope\.jsonl: data file not found \[file_not_found\]/);
    fails(["-m", MODEL, "--task", "qa", "--data", good, "--template", "{document}"], /\{document\} is not a placeholder of the qa task/);
    fails(["-m", MODEL, "--task", "qa", "--data", good, "--limit", "0"], /--limit must be a positive integer/);
    fails(["-m", MODEL, "--task", "qa", "--data", good, "--out", join(dir, "no", "such", "dir.jsonl")], /cannot write the per-item file \(ENOENT\) \[io_error\]/);
  });
});
