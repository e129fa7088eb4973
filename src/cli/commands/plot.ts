// `edgellm plot`: bar charts of `edgellm bench --json` / `--csv` results, one bar per backend and model, as SVG or PNG.
import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { EdgeError } from "../../errors.js";
import { helpText, parseArgs, requireString, type OptionSpec } from "../args.js";
import { readResultFiles } from "../../plot/result-files.js";
import { barChartSvg } from "../../plot/bar-chart-svg.js";
import { svgToPng } from "../../plot/rasterize.js";

const SPEC: Record<string, OptionSpec> = {
  output: { type: "string", alias: "o", help: "FILE.svg or FILE.png to write" },
  metric: { type: "string", help: "what the bars measure: decode_tok_s, prefill_tok_s, token_ms_p50, token_ms_p99, peak_rss_mb, ttft_ms, …", default: "decode_tok_s" },
  width: { type: "number", help: "image width in pixels", default: 720 },
  height: { type: "number", help: "image height in pixels (default: 110 + 36 per bar)" },
  title: { type: "string", help: "chart title (default: the metric's name)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = "edgellm plot RESULTS.json|RESULTS.csv … -o FILE.svg|FILE.png [--metric NAME] [--width W] [--height H] [--title T]";

function pixels(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 100 || v > 10000) {
    throw new EdgeError("bad_argument", `--${name} must be a whole number of pixels from 100 to 10000, got ${String(v)}`);
  }
  return v;
}

export async function plotCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, SPEC);
  if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
  const output = requireString(p, "output", "output file");
  const ext = extname(output).toLowerCase();
  if (ext !== ".svg" && ext !== ".png") throw new EdgeError("bad_argument", `-o ${output}: the file must end in .svg or .png`);
  if (p._.length === 0) throw new EdgeError("bad_argument", "missing input: give one or more files written by edgellm bench --json or --csv");
  const rows = await readResultFiles(p._);
  const width = pixels(p.width, "width");
  const height = p.height === undefined ? Math.min(10000, 110 + 36 * rows.length) : pixels(p.height, "height");
  const svg = barChartSvg(rows, { metric: String(p.metric), width, height, title: p.title as string | undefined });
  const data = ext === ".png" ? svgToPng(svg, width, height) : svg;
  try {
    await writeFile(output, data);
  } catch (e) {
    throw new EdgeError("io_error", `${output}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export const command = {
  summary: "draw bar charts (SVG or PNG) of edgellm bench --json / --csv results",
  run: (argv: string[]) => plotCommand(argv),
};
