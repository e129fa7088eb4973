// One evaluation run: each item → prompt → generation → scores, then the set's scores and timing. The model is behind
// a `Generate` function, so the runner (and its tests) know nothing of sessions or tokenizers.
import { mean, percentile } from "../../bench/stats.js";
import type { BleuScore, BleuStats } from "./bleu.js";
import type { Dataset, EvalItem, Task } from "./data.js";
import { buildPrompt, labelGbnf } from "./prompt.js";
import { referencesOf, scoreItem, scoreSet, type ItemScore, type ScoreOptions } from "./task-scores.js";

export interface Generation {
  text: string;
  /** Tokens generated. */
  tokens: number;
  /** Tokens of the prompt as the model saw it (chat template included). */
  promptTokens: number;
}

/** Generates the model's answer to `prompt`; with `gbnf`, only text the grammar accepts. */
export type Generate = (prompt: string, gbnf: string | undefined, item: EvalItem) => Promise<Generation>;

export interface ItemResult {
  line: number;
  id: string;
  /** The generated text, trimmed. */
  prediction: string;
  references: string[];
  /** classify: the choices the grammar allowed. */
  labels?: string[];
  scores: Record<string, number>;
  bleu_stats?: BleuStats;
  /** Wall time of the item: prompt evaluation and generation. */
  ms: number;
  tokens: number;
  prompt_tokens: number;
}

export interface EvalSummary {
  task: Task;
  items: number;
  /** 0–100 each. */
  metrics: Record<string, number>;
  bleu?: { score: number; precisions: number[]; bp: number; ratio: number; hyp_len: number; ref_len: number };
  latency_ms: { mean: number; p50: number; p99: number };
  /** Generated tokens over the summed item time. */
  tokens_per_second: number;
  generated_tokens: number;
  prompt_tokens: number;
  total_ms: number;
}

export interface RunOptions extends ScoreOptions {
  /** Prompt template with the task's placeholders (default: the task's own, see prompt.ts). */
  template?: string;
  generate: Generate;
  /** Called after each item, in order (for --out and progress). */
  onResult?: (r: ItemResult, index: number, count: number) => void | Promise<void>;
}

export async function runEval(data: Dataset, task: Task, options: RunOptions): Promise<EvalSummary> {
  const results: ItemResult[] = [];
  const scored: ItemScore[] = [];
  for (const [index, item] of data.items.entries()) {
    const labels = item.task === "classify" ? (item.labels ?? data.labels) : undefined;
    const prompt = buildPrompt(item, labels ?? [], options.template);
    const t0 = performance.now();
    const g = await options.generate(prompt, labels ? labelGbnf(labels) : undefined, item);
    const ms = Math.round((performance.now() - t0) * 1000) / 1000; // µs are plenty; the summary uses the same values
    const prediction = g.text.trim();
    const s = scoreItem(item, prediction, options);
    scored.push(s);
    const r: ItemResult = {
      line: item.line,
      id: item.id,
      prediction,
      references: referencesOf(item),
      ...(labels ? { labels } : {}),
      scores: s.scores,
      ...(s.bleuStats ? { bleu_stats: s.bleuStats } : {}),
      ms,
      tokens: g.tokens,
      prompt_tokens: g.promptTokens,
    };
    results.push(r);
    await options.onResult?.(r, index, data.items.length);
  }
  const set = scoreSet(task, scored);
  const ms = results.map((r) => r.ms);
  const totalMs = ms.reduce((a, b) => a + b, 0);
  const generated = results.reduce((a, r) => a + r.tokens, 0);
  return {
    task,
    items: results.length,
    metrics: set.metrics,
    ...(set.bleu ? { bleu: bleuSummary(set.bleu) } : {}),
    latency_ms: { mean: mean(ms), p50: percentile(ms, 50), p99: percentile(ms, 99) },
    tokens_per_second: totalMs > 0 ? (generated * 1000) / totalMs : 0,
    generated_tokens: generated,
    prompt_tokens: results.reduce((a, r) => a + r.prompt_tokens, 0),
    total_ms: totalMs,
  };
}

function bleuSummary(b: BleuScore): NonNullable<EvalSummary["bleu"]> {
  return { score: b.score, precisions: b.precisions, bp: b.bp, ratio: b.ratio, hyp_len: b.stats.hypLen, ref_len: b.stats.refLen };
}

/** The summary as a two-column Markdown table (metrics first, then timing). */
export function summaryTable(s: EvalSummary): string {
  const f = (x: number, d = 2) => x.toFixed(d);
  const rows: [string, string][] = [["task", s.task], ["items", String(s.items)]];
  for (const [k, v] of Object.entries(s.metrics)) rows.push([k, f(v)]);
  if (s.bleu) rows.push(["bleu detail", `${s.bleu.precisions.map((p) => p.toFixed(1)).join("/")} (BP = ${f(s.bleu.bp, 3)} ratio = ${f(s.bleu.ratio, 3)} hyp_len = ${s.bleu.hyp_len} ref_len = ${s.bleu.ref_len})`]);
  rows.push(
    ["latency mean ms", f(s.latency_ms.mean, 1)],
    ["latency p50 ms", f(s.latency_ms.p50, 1)],
    ["latency p99 ms", f(s.latency_ms.p99, 1)],
    ["generated tokens", String(s.generated_tokens)],
    ["generated tokens/s", f(s.tokens_per_second, 1)],
  );
  return ["| metric | value |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n") + "\n";
}
