// Draws one horizontal bar per benchmark row with Observable Plot into the document it is given: the browser's own
// (the dashboard), or linkedom's in Node (bar-chart-svg.ts, for `edgellm plot`); Plot only needs createElementNS and
// friends, so the chart is the same in both.
import * as Plot from "@observablehq/plot";
import { EdgeError } from "../errors.js";
import { metricValues, type ResultRow } from "./bench-results.js";

export interface BarChartOptions {
  metric: string;
  width: number;
  height: number;
  /** Default: the metric's name. */
  title?: string;
}

/** The family the SVG asks for; rasterize.ts loads a file of it so PNGs look the same on every machine. */
export const CHART_FONT = "DejaVu Sans";
const FONT_SIZE = 12;
const TITLE_SIZE = 15;
/** Average advance of a character of CHART_FONT at FONT_SIZE, to size the margins that hold labels. */
const CHAR_WIDTH = FONT_SIZE * 0.62;

/** The unit a metric is measured in, from the naming rules of src/bench/report.ts. */
export function metricUnit(metric: string): string {
  if (metric.endsWith("_tok_s")) return "tokens/s";
  if (/_p\d+_p\d+$/.test(metric)) return "ratio";
  if (metric.endsWith("_frac")) return "fraction";
  if (metric.endsWith("_mb")) return "MiB";
  if (/(^|_)ms(_|$)/.test(metric)) return "ms";
  if (metric.endsWith("_tokens") || metric === "threads" || metric === "concurrency") return "count";
  if (metric.endsWith("_bytes") || metric.startsWith("bytes_")) return "bytes";
  return "";
}

/** Tokens per second: more is better; everything else bench measures (times, memory, ratios): less is better. */
export function higherIsBetter(metric: string): boolean {
  return metric.endsWith("_tok_s") || metric.endsWith("_frac");
}

/** Three or four significant digits, without trailing zeros. */
export function formatValue(x: number): string {
  const a = Math.abs(x);
  return String(Number(x.toFixed(a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3)));
}

/** The chart as an SVG element of `document` (not attached to it). */
export function barChart(rows: readonly ResultRow[], o: BarChartOptions, document: Document): SVGSVGElement {
  if (rows.length === 0) throw new EdgeError("dataset_invalid", "no benchmark rows to plot");
  const values = metricValues(rows, o.metric);
  const data = rows.map((r, i) => ({ label: r.label, group: r.group, value: values[i], text: formatValue(values[i]) }));
  const unit = metricUnit(o.metric);
  const title = o.title ?? o.metric;
  const longestLabel = Math.max(...data.map((d) => d.label.length));
  const longestValue = Math.max(...data.map((d) => d.text.length));
  const marginTop = TITLE_SIZE + 26;
  const marginLeft = Math.min(Math.round(o.width * 0.5), Math.ceil(longestLabel * CHAR_WIDTH) + 16);
  const marginRight = Math.ceil(longestValue * CHAR_WIDTH) + 14;
  const marginBottom = 42;
  if (o.width - marginLeft - marginRight < 40 || o.height - marginTop - marginBottom < 10 * rows.length) {
    throw new EdgeError("bad_argument", `a ${o.width}x${o.height} chart is too small for ${rows.length} bars with these labels: raise --width or --height`);
  }
  const axisLabel = `${o.metric}${unit ? ` (${unit})` : ""} ${higherIsBetter(o.metric) ? "→ higher is better" : "← lower is better"}`;
  const chart = Plot.plot({
    document,
    width: o.width,
    height: o.height,
    marginTop, marginLeft, marginRight, marginBottom,
    style: { fontFamily: `${CHART_FONT}, sans-serif`, fontSize: `${FONT_SIZE}px`, background: "white", color: "black" },
    x: { label: axisLabel, labelAnchor: "center", labelOffset: 34, grid: true, nice: true },
    // rows keep their input order (files in the order given); Plot would sort the band domain otherwise
    y: { label: null, domain: data.map((d) => d.label), padding: 0.25 },
    // one colour per backend, in order of first appearance (the labels name it too: no legend needed)
    color: { type: "categorical", domain: [...new Set(data.map((d) => d.group))], scheme: "tableau10" },
    marks: [
      Plot.barX(data, { x: "value", y: "label", fill: "group" }),
      Plot.text(data, { x: "value", y: "label", text: "text", dx: 4, textAnchor: "start", fill: "black" }),
      Plot.ruleX([0]),
      Plot.text([title], { frameAnchor: "top", dy: -marginTop + TITLE_SIZE + 4, fontSize: TITLE_SIZE, fontWeight: "bold", fill: "black" }),
    ],
    ariaLabel: `${title}: bar chart, one bar per backend and model`,
    ariaDescription: data.map((d) => `${d.label}: ${d.text}${unit ? ` ${unit}` : ""}`).join("; "),
  }) as unknown as SVGSVGElement;
  return chart;
}
