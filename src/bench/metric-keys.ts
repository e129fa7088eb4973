// The names of what `edgellm bench` measures and writes, in output order: shared by the report (Node) and by the
// readers of its files (src/plot, also bundled for the dashboard in the browser), so this file imports nothing.

/** The per-run numbers, named as in the JSON output. Times in ms, sizes in MiB (2²⁰ bytes). */
export interface RunMetrics {
  prefill_tok_s: number;
  decode_tok_s: number;
  ttft_ms: number;
  token_ms_p50: number;
  token_ms_p90: number;
  token_ms_p99: number;
  token_ms_max: number;
  token_ms_stddev: number;
  jitter_ms: number;
  /** token_ms_p99 / token_ms_p50. */
  token_p99_p50: number;
  /** p99/p50 of fixed work of one decode step's length in the same process and run: the machine's own floor. */
  floor_p99_p50: number;
  peak_rss_mb: number;
}
export const METRIC_KEYS = [
  "prefill_tok_s", "decode_tok_s", "ttft_ms", "token_ms_p50", "token_ms_p90", "token_ms_p99", "token_ms_max",
  "token_ms_stddev", "jitter_ms", "token_p99_p50", "floor_p99_p50", "peak_rss_mb",
] as const satisfies readonly (keyof RunMetrics)[];

/** The keys of one `--json` line, in order. */
export const JSON_KEYS = [
  "backend", "model", "threads", "prompt_tokens", "gen_tokens", ...METRIC_KEYS, "model_mb",
] as const;
/** Metrics a backend does not measure are null. */
export type JsonLine = { [K in (typeof JSON_KEYS)[number]]: K extends "backend" | "model" ? string : number | null };
