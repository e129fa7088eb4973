// Turns raw run measurements into per-backend summaries (median over runs with min–max) and renders them as
// JSON lines, CSV and a table for people.
import { basename } from "node:path";
import { latencySummary, spread, type Spread } from "./stats.js";
import { rooflineFraction, toMiB, type ModelFacts } from "./model-facts.js";
import type { BenchBackend, RunMeasurement } from "./protocol.js";
import { JSON_KEYS, METRIC_KEYS, type JsonLine, type RunMetrics } from "./metric-keys.js";

export { JSON_KEYS, METRIC_KEYS, type JsonLine, type RunMetrics };

/** Metrics a backend does not measure are NaN (llama-bench: per-token times; only edgellm: the floor). */
export function runMetrics(m: RunMeasurement, promptTokens: number): RunMetrics {
  const timed = m.tokenMs.length > 0;
  const lat = timed ? latencySummary(m.tokenMs) : { p50: NaN, p90: NaN, p99: NaN, max: NaN, stddev: NaN, jitter: NaN };
  const decodeMs = m.tokenMs.reduce((a, b) => a + b, 0);
  const floor = m.floorMs?.length ? latencySummary(m.floorMs) : undefined;
  return {
    prefill_tok_s: m.rates ? m.rates.prefillTokS : (promptTokens * 1000) / m.prefillMs,
    decode_tok_s: m.rates ? m.rates.decodeTokS : (m.tokenMs.length * 1000) / decodeMs,
    ttft_ms: m.ttftMs,
    token_ms_p50: lat.p50,
    token_ms_p90: lat.p90,
    token_ms_p99: lat.p99,
    token_ms_max: lat.max,
    token_ms_stddev: lat.stddev,
    jitter_ms: lat.jitter,
    token_p99_p50: lat.p99 / lat.p50,
    floor_p99_p50: floor ? floor.p99 / floor.p50 : NaN,
    // 0: the backend's peak was not seen (a native run too short to sample without GNU time)
    peak_rss_mb: m.peakRssKiB > 0 ? m.peakRssKiB / 1024 : NaN,
  };
}

export interface BenchSetup {
  model: string;
  facts: ModelFacts;
  threads: number;
  promptTokens: number;
  genTokens: number;
  runs: number;
  warmup: number;
  bandwidthGbs: number;
}

export interface BackendSummary {
  backend: BenchBackend;
  kernels: string;
  runs: RunMetrics[];
  /** Median and min–max of every metric over the runs. */
  stats: { [K in keyof RunMetrics]: Spread };
  /** Model load (file to ready session) of each run, ms, and their spread: table and CSV only, not the JSON line. */
  loadTimes: number[];
  loadMs: Spread;
  /** Greedy tokens of the first run (to compare backends). */
  tokens: number[];
  /** llama-bench: tok/s of each flash-attention mode (medians over runs). */
  modes?: { prefill: Record<string, number>; decode: Record<string, number> };
}

export function summarize(backend: BenchBackend, measurements: RunMeasurement[], promptTokens: number): BackendSummary {
  const runs = measurements.map((m) => runMetrics(m, promptTokens));
  const stats = {} as BackendSummary["stats"];
  for (const k of METRIC_KEYS) stats[k] = spread(runs.map((r) => r[k]));
  const withRates = measurements.filter((m) => m.rates);
  const modeMedians = (pick: (m: RunMeasurement) => Record<string, number>) => {
    const keys = [...new Set(withRates.flatMap((m) => Object.keys(pick(m))))];
    return Object.fromEntries(keys.map((k) => [k, spread(withRates.map((m) => pick(m)[k]).filter((v) => v !== undefined)).median]));
  };
  return {
    backend, kernels: measurements[0]?.kernels ?? "?", runs, stats,
    loadTimes: measurements.map((m) => m.loadMs), loadMs: spread(measurements.map((m) => m.loadMs)),
    tokens: measurements[0]?.tokens ?? [],
    modes: withRates.length ? { prefill: modeMedians((m) => m.rates!.prefillByMode), decode: modeMedians((m) => m.rates!.decodeByMode) } : undefined,
  };
}

/** Rounded; NaN (not measured) stays NaN, written as null in JSON and empty in CSV. */
function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function medians(s: BackendSummary): RunMetrics {
  const out = {} as RunMetrics;
  for (const k of METRIC_KEYS) out[k] = s.stats[k].median;
  return out;
}

/** One `--json` object: exactly JSON_KEYS, medians over the runs. */
export function jsonLine(setup: BenchSetup, s: BackendSummary): JsonLine {
  const m = medians(s);
  const line = {
    backend: s.backend,
    model: setup.model,
    threads: setup.threads,
    prompt_tokens: setup.promptTokens,
    gen_tokens: setup.genTokens,
    model_mb: round(toMiB(setup.facts.fileBytes)),
  } as Record<string, string | number>;
  for (const k of METRIC_KEYS) line[k] = Number.isNaN(m[k]) ? (null as unknown as number) : round(m[k]);
  const ordered = {} as Record<string, string | number>;
  for (const k of JSON_KEYS) ordered[k] = line[k];
  return ordered as JsonLine;
}

export const CSV_COLUMNS = [
  "backend", "run", "kernels", "model", "threads", "prompt_tokens", "gen_tokens", ...METRIC_KEYS,
  "decode_roofline_frac", "load_ms", "model_mb", "bytes_per_token",
] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(v: string | number): string {
  if (typeof v === "number" && Number.isNaN(v)) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Header, one row per run ("run" = 1..N) and one row per backend with the medians ("run" = "median"). */
export function toCsv(setup: BenchSetup, summaries: BackendSummary[]): string {
  const rows: string[] = [CSV_COLUMNS.join(",")];
  const row = (s: BackendSummary, run: string | number, m: RunMetrics, loadMs: number) => {
    const cells: Record<string, string | number> = {
      backend: s.backend, run, kernels: s.kernels, model: setup.model, threads: setup.threads,
      prompt_tokens: setup.promptTokens, gen_tokens: setup.genTokens,
      decode_roofline_frac: round(rooflineFraction(m.decode_tok_s, setup.facts.bytesPerToken, setup.bandwidthGbs), 4),
      load_ms: round(loadMs), model_mb: round(toMiB(setup.facts.fileBytes)), bytes_per_token: setup.facts.bytesPerToken,
    };
    for (const k of METRIC_KEYS) cells[k] = round(m[k]);
    rows.push(CSV_COLUMNS.map((c) => csvField(cells[c])).join(","));
  };
  for (const s of summaries) {
    s.runs.forEach((m, i) => row(s, i + 1, m, s.loadTimes[i]));
    row(s, "median", medians(s), s.loadMs.median);
  }
  return rows.join("\n") + "\n";
}

/** How many leading greedy tokens two backends agree on (the same model and prompt should mostly agree). */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function fmt(x: number): string {
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

const TABLE_ROWS: [keyof RunMetrics, string, boolean][] = [
  // [metric, label, higher is better]
  ["prefill_tok_s", "prefill tok/s", true],
  ["decode_tok_s", "decode tok/s", true],
  ["ttft_ms", "time to first token ms", false],
  ["token_ms_p50", "token ms p50", false],
  ["token_ms_p90", "token ms p90", false],
  ["token_ms_p99", "token ms p99", false],
  ["token_ms_max", "token ms max", false],
  ["token_ms_stddev", "token ms stddev", false],
  ["jitter_ms", "jitter ms (max-min)", false],
  ["token_p99_p50", "token p99/p50", false],
  ["floor_p99_p50", "machine floor p99/p50", false],
  ["peak_rss_mb", "peak RSS MB", false],
];

/** The table for people: one column per backend, "median (min–max)" cells, and a ratio column for two backends. */
export function toTable(setup: BenchSetup, summaries: BackendSummary[]): string {
  const f = setup.facts;
  const roofTokS = (setup.bandwidthGbs * 1e9) / f.bytesPerToken;
  const lines = [
    `model    ${basename(setup.model)}: ${f.architecture}, ${toMiB(f.fileBytes).toFixed(1)} MB file, ` +
      `${toMiB(f.bytesPerToken).toFixed(1)} MB of weights read per token${f.tied ? " (tied embeddings)" : ""}`,
    `workload ${setup.promptTokens}-token prompt, ${setup.genTokens} greedy decode steps, ${setup.threads} thread${setup.threads === 1 ? "" : "s"}, ` +
      `${setup.runs} run${setup.runs === 1 ? "" : "s"} in fresh processes (${setup.warmup} warm-up pass${setup.warmup === 1 ? "" : "es"} each); median (min-max)`,
    `roofline ${setup.bandwidthGbs} GB/s / ${toMiB(f.bytesPerToken).toFixed(1)} MB = ${fmt(roofTokS)} tok/s decode at most`,
    "",
  ];
  const header = ["", ...summaries.map((s) => `${s.backend} [${s.kernels}]`)];
  // ratios: the first backend (edgellm) against each other one
  const others = summaries.slice(1);
  for (const o of others) header.push(`${summaries[0].backend}/${o.backend}`);
  const ratios = (key: keyof RunMetrics) => others.map((o) => ratio(summaries[0].stats[key].median, o.stats[key].median));
  const blank = others.map(() => "");
  const body: string[][] = [];
  for (const [key, label] of TABLE_ROWS) {
    if (summaries.every((s) => Number.isNaN(s.stats[key].median))) continue;
    body.push([label, ...summaries.map((s) => cell(s.stats[key], setup.runs)), ...ratios(key)]);
    if (key === "decode_tok_s") {
      body.push(["decode % of roofline", ...summaries.map((s) => `${(100 * rooflineFraction(s.stats.decode_tok_s.median, f.bytesPerToken, setup.bandwidthGbs)).toFixed(0)}%`), ...blank]);
    }
  }
  body.push(["load ms", ...summaries.map((s) => cell(s.loadMs, setup.runs)), ...blank]);
  const rows = [header, ...body];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) lines.push(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  ").trimEnd());
  const modes = summaries.filter((s) => s.modes);
  for (const s of modes) {
    const m = s.modes!;
    const list = (x: Record<string, number>) => Object.entries(x).map(([k, v]) => `${k} ${fmt(v)}`).join(", ");
    lines.push("", `${s.backend}: flash attention per test (medians, tok/s): prefill ${list(m.prefill)}; decode ${list(m.decode)}; best kept. No per-token times (llama-bench measures throughput only).`);
  }
  const timed = summaries.filter((s) => s.tokens.length);
  if (timed.length >= 2) {
    const n = Math.min(timed[0].tokens.length, timed[1].tokens.length);
    lines.push("", `greedy tokens: ${timed[0].backend} and ${timed[1].backend} agree on the first ${commonPrefix(timed[0].tokens, timed[1].tokens)} of ${n}`);
  }
  return lines.join("\n") + "\n";
}

function cell(s: Spread, runs: number): string {
  if (Number.isNaN(s.median)) return "—";
  return runs > 1 ? `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})` : fmt(s.median);
}

function ratio(a: number, b: number): string {
  return b > 0 && !Number.isNaN(a) && !Number.isNaN(b) ? `${(a / b).toFixed(2)}x` : "";
}
