// `edgellm plot`'s chart as SVG text: bar-chart.ts drawn into linkedom's document in Node, serialized.
import { parseHTML } from "linkedom";
import { barChart, type BarChartOptions } from "./bar-chart.js";
import type { ResultRow } from "./bench-results.js";

export function barChartSvg(rows: readonly ResultRow[], o: BarChartOptions): string {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  const chart = barChart(rows, o, document as unknown as Document);
  // resvg and other strict SVG readers need the namespace, which an HTML serializer leaves implicit
  chart.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  return `<?xml version="1.0" encoding="UTF-8"?>\n${chart.outerHTML}\n`;
}
