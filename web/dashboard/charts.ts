// The dashboard's own charts (the benchmark bars are src/plot/bar-chart.ts, shared with `edgellm plot`): the per-token
// latency strip of a reply, a latency histogram, bench latency quantiles and a model's memory by part.
import * as Plot from "@observablehq/plot";
import type { ResultRow } from "../../src/plot/bench-results.js";
import type { TokenPoint } from "./reply-metrics.js";

const FONT = { fontFamily: "system-ui, sans-serif", fontSize: "12px" };

/** One dot per token: x the token's number, y the ms since the previous one; the first (prompt) token set apart. */
export function tokenStrip(points: readonly TokenPoint[], document: Document, width: number, labels: { first: string; later: string }, title: string): Element {
  const data = points.map((p) => ({ ...p, kind: p.first ? labels.first : labels.later }));
  return Plot.plot({
    document, width, height: 200, marginLeft: 48, style: FONT,
    ariaLabel: title,
    x: { label: "token", domain: [0, Math.max(10, points.length + 1)] },
    y: { label: "ms", grid: true, zero: true, nice: true, type: "linear" },
    // the legend only when there is a first (prompt) token to tell apart: a bench's decode steps have none
    color: { domain: [labels.first, labels.later], range: ["#e15759", "#4e79a7"], legend: points.some((p) => p.first) },
    marks: [
      Plot.ruleY([0]),
      Plot.lineY(data.filter((d) => !d.first), { x: "n", y: "ms", stroke: "#9db4d1", strokeWidth: 1 }),
      Plot.dot(data, { x: "n", y: "ms", fill: "kind", r: 2.5, tip: true }),
    ],
  }) as unknown as Element;
}

/** How the per-token times of a bench spread: a histogram of ms per step. */
export function latencyHistogram(tokenMs: readonly number[], document: Document, width: number, title: string): Element {
  return Plot.plot({
    document, width, height: 200, marginLeft: 48, style: FONT,
    ariaLabel: title,
    x: { label: "ms per token" },
    y: { label: "tokens", grid: true },
    marks: [Plot.rectY(tokenMs.map((ms) => ({ ms })), { ...Plot.binX({ y: "count" }, { x: "ms" }), fill: "#4e79a7" }), Plot.ruleY([0])],
  }) as unknown as Element;
}

const QUANTILES = [
  ["token_ms_p50", "p50"],
  ["token_ms_p90", "p90"],
  ["token_ms_p99", "p99"],
  ["token_ms_max", "max"],
] as const;

/** The rows that measured per-token times (llama-bench does not). */
export function rowsWithLatencies(rows: readonly ResultRow[]): ResultRow[] {
  return rows.filter((r) => QUANTILES.every(([k]) => typeof r.values[k] === "number"));
}

/** bench --json keeps the token-time distribution as quantiles: one line per row from p50 to max, a dot per quantile. */
export function latencyQuantiles(rows: readonly ResultRow[], document: Document, width: number, title: string): Element {
  const data = rows.flatMap((r) => QUANTILES.map(([k, q]) => ({ label: r.label, q, ms: r.values[k] as number })));
  const longest = Math.max(...rows.map((r) => r.label.length));
  return Plot.plot({
    document, width, height: 90 + 34 * rows.length, marginLeft: Math.min(Math.round(width * 0.5), longest * 7 + 16), style: FONT,
    ariaLabel: title,
    x: { label: "ms per token", grid: true, zero: true },
    y: { label: null, domain: rows.map((r) => r.label) },
    color: { domain: QUANTILES.map(([, q]) => q), scheme: "tableau10", legend: true },
    marks: [
      Plot.link(rows, { x1: (r: ResultRow) => r.values.token_ms_p50, x2: (r: ResultRow) => r.values.token_ms_max, y1: "label", y2: "label", stroke: "#bbb" }),
      Plot.dot(data, { x: "ms", y: "label", fill: "q", r: 4, tip: true }),
    ],
  }) as unknown as Element;
}

/** A model's planned memory as one stacked bar: weights, KV cache, scratch, runtime. */
export function memoryBars(parts: readonly { part: string; mib: number }[], document: Document, width: number, title: string): Element {
  return Plot.plot({
    document, width, height: 110, marginLeft: 10, style: FONT,
    ariaLabel: title,
    x: { label: "MiB", grid: true },
    color: { domain: parts.map((p) => p.part), scheme: "tableau10", legend: true },
    marks: [Plot.barX(parts, Plot.stackX({ x: "mib", fill: "part", tip: true })), Plot.ruleX([0])],
  }) as unknown as Element;
}
