// `edgellm bench --backend openai`: per-request samples from SSE timings, per-run metrics at one concurrency level,
// medians over runs with min–max, and the JSON lines, CSV and table (in the style of report.ts).
import { basename } from "node:path";
import { csvField } from "./report.js";
import type { StreamTiming } from "./http-driver.js";
import { mean, percentile, spread, type Spread } from "./stats.js";

/** One request, as the client saw it (ms). */
export interface RequestSample {
  /** Request sent → first chunk with generated text. */
  ttftMs: number;
  /** Request sent → end of the stream. */
  totalMs: number;
  promptTokens: number;
  completionTokens: number;
  /** SSE chunks that carried text. */
  chunks: number;
  /** Gaps between consecutive chunks, each divided by the tokens a chunk carries on average (see requestSample). */
  tokenMs: number[];
  /** (tokens − 1) ÷ (last chunk − first chunk); NaN with a single chunk. */
  decodeTokS: number;
  sentAt: number;
  endAt: number;
  /** The server sent usage (token counts); otherwise every chunk counts as one token. */
  usage: boolean;
}

/**
 * A request's sample. Servers may put several tokens in one chunk (edgellm sends none for a token that ends inside a
 * UTF-8 character; proxies coalesce), so the decode tokens (usage.completion_tokens − 1, the first being in the first
 * chunk) are spread evenly over the chunk gaps: with one token per chunk the gaps are the per-token latencies.
 */
export function requestSample(t: StreamTiming, promptTokensSent: number): RequestSample {
  const chunks = t.chunkAt.length;
  const completion = t.completionTokens ?? chunks;
  const first = t.chunkAt[0] ?? NaN;
  const last = t.chunkAt[chunks - 1] ?? NaN;
  const perChunk = chunks > 1 ? (completion - 1) / (chunks - 1) : NaN;
  const tokenMs: number[] = [];
  if (perChunk > 0) for (let i = 1; i < chunks; i++) tokenMs.push((t.chunkAt[i] - t.chunkAt[i - 1]) / perChunk);
  return {
    ttftMs: first - t.sentAt,
    totalMs: t.endAt - t.sentAt,
    promptTokens: t.promptTokens ?? promptTokensSent,
    completionTokens: completion,
    chunks,
    tokenMs,
    decodeTokS: chunks > 1 && last > first ? ((completion - 1) * 1000) / (last - first) : NaN,
    sentAt: t.sentAt,
    endAt: t.endAt,
    usage: t.completionTokens !== undefined,
  };
}

/** One run at one concurrency level: `concurrency` requests sent together. */
export interface LevelRun {
  requests: RequestSample[];
  /** VmHWM of the server process after the run, KiB (when its PID is known). */
  peakRssKiB?: number;
}

/** The per-run numbers, named as in the JSON output. Times in ms; NaN (JSON null) when a run cannot give one. */
export interface ServeRunMetrics {
  aggregate_tok_s: number;
  decode_tok_s: number;
  ttft_ms: number;
  prefill_tok_s: number;
  token_ms_p50: number;
  token_ms_p90: number;
  token_ms_p99: number;
  request_ms_p50: number;
  request_ms_p90: number;
  request_ms_p99: number;
  prompt_tokens: number;
  generated_tokens: number;
  tokens_per_chunk: number;
  peak_rss_mb: number;
}
export const SERVE_METRIC_KEYS = [
  "aggregate_tok_s", "decode_tok_s", "ttft_ms", "prefill_tok_s", "token_ms_p50", "token_ms_p90", "token_ms_p99",
  "request_ms_p50", "request_ms_p90", "request_ms_p99", "prompt_tokens", "generated_tokens", "tokens_per_chunk", "peak_rss_mb",
] as const satisfies readonly (keyof ServeRunMetrics)[];

const finite = (xs: number[]) => xs.filter(Number.isFinite);
const pct = (xs: number[], p: number) => (finite(xs).length ? percentile(finite(xs), p) : NaN);
const avg = (xs: number[]) => (finite(xs).length ? mean(finite(xs)) : NaN);

export function levelRunMetrics(r: LevelRun): ServeRunMetrics {
  const q = r.requests;
  const generated = q.reduce((a, s) => a + s.completionTokens, 0);
  const wall = Math.max(...q.map((s) => s.endAt)) - Math.min(...q.map((s) => s.sentAt));
  const gaps = q.flatMap((s) => s.tokenMs);
  const multi = q.filter((s) => s.chunks > 1);
  const decodeTokens = multi.reduce((a, s) => a + s.completionTokens - 1, 0);
  const decodeGaps = multi.reduce((a, s) => a + s.chunks - 1, 0);
  return {
    aggregate_tok_s: (generated * 1000) / wall,
    decode_tok_s: avg(q.map((s) => s.decodeTokS)),
    ttft_ms: pct(q.map((s) => s.ttftMs), 50),
    prefill_tok_s: pct(q.map((s) => (s.promptTokens * 1000) / s.ttftMs), 50),
    token_ms_p50: pct(gaps, 50),
    token_ms_p90: pct(gaps, 90),
    token_ms_p99: pct(gaps, 99),
    request_ms_p50: pct(q.map((s) => s.totalMs), 50),
    request_ms_p90: pct(q.map((s) => s.totalMs), 90),
    request_ms_p99: pct(q.map((s) => s.totalMs), 99),
    prompt_tokens: pct(q.map((s) => s.promptTokens), 50),
    generated_tokens: generated / q.length,
    tokens_per_chunk: decodeGaps > 0 ? decodeTokens / decodeGaps : NaN,
    peak_rss_mb: r.peakRssKiB !== undefined ? r.peakRssKiB / 1024 : NaN,
  };
}

/** A server as the report names it. */
export interface TargetInfo {
  label: string;
  url: string;
  /** How bench started it (absent for --url). */
  command?: string;
  pid?: number;
  /** `owned_by` of its model in GET /v1/models, and the model name sent. */
  servedBy?: string;
  model?: string;
}

export interface ServeSetup {
  targets: TargetInfo[];
  concurrency: number[];
  promptTokens: number;
  genTokens: number;
  runs: number;
  warmup: number;
  prompt: "ids" | "text";
  /** The GGUF file the servers run, when known. */
  gguf?: string;
}

export interface LevelSummary {
  target: string;
  concurrency: number;
  runs: ServeRunMetrics[];
  stats: { [K in keyof ServeRunMetrics]: Spread };
  requests: number;
  /** Requests that ended before the tokens asked for (a server that does not honour ignore_eos). */
  stoppedEarly: number;
  /** Every request's stream carried usage. */
  usage: boolean;
}

const NAN_SPREAD: Spread = { median: NaN, min: NaN, max: NaN };

export function summarizeLevel(target: string, concurrency: number, runs: LevelRun[], genTokens: number): LevelSummary {
  const metrics = runs.map(levelRunMetrics);
  const stats = {} as LevelSummary["stats"];
  for (const k of SERVE_METRIC_KEYS) {
    const xs = finite(metrics.map((m) => m[k]));
    stats[k] = xs.length ? spread(xs) : NAN_SPREAD;
  }
  const all = runs.flatMap((r) => r.requests);
  return {
    target, concurrency, runs: metrics, stats, requests: all.length,
    stoppedEarly: all.filter((s) => s.completionTokens < genTokens).length, usage: all.every((s) => s.usage),
  };
}

function round(x: number, digits = 3): number | null {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The keys of one `--json` line (one per server and concurrency level), in order. */
export const SERVE_JSON_KEYS = [
  "target", "url", "model", "concurrency", "prompt", "prompt_tokens_asked", "gen_tokens_asked", "runs", "requests",
  ...SERVE_METRIC_KEYS, "stopped_early",
] as const;

/** One `--json` object: medians over the runs (null where there is no value, e.g. peak RSS of a remote server). */
export function serveJsonLine(setup: ServeSetup, s: LevelSummary): Record<(typeof SERVE_JSON_KEYS)[number], string | number | null> {
  const t = setup.targets.find((x) => x.label === s.target);
  const line: Record<string, string | number | null> = {
    target: s.target, url: t?.url ?? null, model: t?.model ?? (setup.gguf ? basename(setup.gguf) : null), concurrency: s.concurrency,
    prompt: setup.prompt, prompt_tokens_asked: setup.promptTokens, gen_tokens_asked: setup.genTokens, runs: s.runs.length,
    requests: s.requests, stopped_early: s.stoppedEarly,
  };
  // peak RSS only grows during a server's life: its value is the one after the level's last run
  for (const k of SERVE_METRIC_KEYS) line[k] = round(k === "peak_rss_mb" ? s.stats[k].max : s.stats[k].median);
  const ordered = {} as Record<string, string | number | null>;
  for (const k of SERVE_JSON_KEYS) ordered[k] = line[k];
  return ordered;
}

export const SERVE_CSV_COLUMNS = [
  "target", "concurrency", "run", "url", "prompt", "prompt_tokens_asked", "gen_tokens_asked", ...SERVE_METRIC_KEYS,
] as const;

/** Header, one row per run ("run" = 1..N) and a "median" row per server and level. */
export function serveCsv(setup: ServeSetup, summaries: LevelSummary[]): string {
  const rows: string[] = [SERVE_CSV_COLUMNS.join(",")];
  const row = (s: LevelSummary, run: string | number, get: (k: keyof ServeRunMetrics) => number) => {
    const cells: Record<string, string | number> = {
      target: s.target, concurrency: s.concurrency, run, url: setup.targets.find((x) => x.label === s.target)?.url ?? "",
      prompt: setup.prompt, prompt_tokens_asked: setup.promptTokens, gen_tokens_asked: setup.genTokens,
    };
    for (const k of SERVE_METRIC_KEYS) cells[k] = round(get(k)) ?? "";
    rows.push(SERVE_CSV_COLUMNS.map((c) => csvField(cells[c])).join(","));
  };
  for (const s of summaries) {
    s.runs.forEach((m, i) => row(s, i + 1, (k) => m[k]));
    row(s, "median", (k) => (k === "peak_rss_mb" ? s.stats[k].max : s.stats[k].median));
  }
  return rows.join("\n") + "\n";
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "-";
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function cell(s: Spread, runs: number): string {
  if (!Number.isFinite(s.median)) return "-";
  return runs > 1 && s.min !== s.max ? `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})` : fmt(s.median);
}

const TABLE_ROWS: [keyof ServeRunMetrics, string][] = [
  ["aggregate_tok_s", "aggregate tok/s (all streams)"],
  ["decode_tok_s", "decode tok/s per stream"],
  ["ttft_ms", "time to first token ms"],
  ["prefill_tok_s", "prefill tok/s (prompt / TTFT)"],
  ["token_ms_p50", "token ms p50"],
  ["token_ms_p90", "token ms p90"],
  ["token_ms_p99", "token ms p99"],
  ["request_ms_p50", "request ms p50"],
  ["request_ms_p90", "request ms p90"],
  ["request_ms_p99", "request ms p99"],
  ["peak_rss_mb", "server peak RSS MB"],
  ["prompt_tokens", "prompt tokens"],
  ["generated_tokens", "generated tokens per request"],
  ["tokens_per_chunk", "tokens per SSE chunk"],
];

/** Rows that describe the workload rather than measure a server: no ratio. */
const NO_RATIO = new Set<keyof ServeRunMetrics>(["prompt_tokens", "generated_tokens", "tokens_per_chunk"]);

/** How each number is measured: printed under the table, so a pasted table says it itself. */
export const SERVE_METHOD = [
  "TTFT = request sent -> first SSE chunk with text (queueing and prefill included); prefill tok/s = prompt tokens / TTFT (an estimate);",
  "token ms = gaps between SSE chunks / tokens per chunk (usage.completion_tokens - 1 over chunks - 1; 1.00 = one token per chunk, exact);",
  "decode tok/s per stream = (tokens - 1) / (last chunk - first chunk), mean of the streams; aggregate tok/s = all generated tokens /",
  "(first request sent -> last stream ended); request ms = sent -> end of stream, percentiles over the run's requests; TTFT and prefill:",
  "median of the run's streams; token ms: percentiles over all streams' gaps; server peak RSS = VmHWM of its process after the level.",
];

/** The table for people: one block per concurrency level, one column per server, a ratio column for two servers. */
export function serveTable(setup: ServeSetup, summaries: LevelSummary[]): string {
  const lines: string[] = [];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  for (const t of setup.targets) {
    const who = [t.servedBy ? `owned_by ${t.servedBy}` : "", t.model ? `model ${t.model}` : "", t.pid !== undefined ? `pid ${t.pid}` : ""].filter(Boolean).join(", ");
    lines.push(`server   ${t.label}: ${t.url}${who ? ` (${who})` : ""}`);
    if (t.command) lines.push(`         started as: ${t.command}`);
  }
  const promptWhat = setup.prompt === "ids"
    ? `token ids${setup.gguf ? ` from ${basename(setup.gguf)}'s vocabulary` : ""}`
    : "text, length from usage.prompt_tokens";
  lines.push(
    `workload ${setup.promptTokens}-token prompts (${promptWhat}; a different prompt per request), ${setup.genTokens} tokens asked per request ` +
      `(max_tokens, ignore_eos, temperature 0), POST /v1/completions streamed`,
    `runs     ${plural(setup.runs, "run")} per concurrency level (servers interleaved run by run), ${plural(setup.warmup, "warm-up round")} first; median (min-max)`,
  );
  const labels = setup.targets.map((t) => t.label);
  const two = labels.length === 2;
  for (const c of setup.concurrency) {
    const level = labels.map((l) => summaries.find((s) => s.target === l && s.concurrency === c));
    const header = [`concurrency ${c}`, ...labels];
    if (two) header.push(`${labels[0]}/${labels[1]}`);
    const body: string[][] = [];
    for (const [key, label] of TABLE_ROWS) {
      const cells = [label, ...level.map((s) => (!s ? "" : key === "peak_rss_mb" ? fmt(s.stats[key].max) : cell(s.stats[key], s.runs.length)))];
      if (key === "peak_rss_mb" && level.every((s) => !s || !Number.isFinite(s.stats[key].max))) continue;
      if (two) cells.push(NO_RATIO.has(key) ? "" : ratio(level[0]?.stats[key], level[1]?.stats[key], key === "peak_rss_mb"));
      body.push(cells);
    }
    const rows = [header, ...body];
    const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    lines.push("");
    for (const r of rows) lines.push(r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ").trimEnd());
  }
  const notes: string[] = [];
  for (const s of summaries) {
    if (s.stoppedEarly) notes.push(`note: ${s.target} at concurrency ${s.concurrency}: ${s.stoppedEarly} of ${s.requests} requests ended before ${setup.genTokens} tokens (ignore_eos not honoured?); rates use the tokens generated`);
  }
  for (const l of labels) {
    if (summaries.some((s) => s.target === l && !s.usage)) notes.push(`note: ${l} sent no usage in the stream: every SSE chunk is counted as one token`);
  }
  lines.push("", ...SERVE_METHOD, ...notes);
  return lines.join("\n") + "\n";
}

function ratio(a: Spread | undefined, b: Spread | undefined, peak: boolean): string {
  const x = peak ? a?.max : a?.median;
  const y = peak ? b?.max : b?.median;
  return x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) && y > 0 ? `${(x / y).toFixed(2)}x` : "";
}
