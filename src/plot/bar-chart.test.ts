import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOMParser } from "linkedom";
import { EdgeError } from "../errors.js";
import { JSON_KEYS } from "../bench/report.js";
import { metricUnit } from "./bar-chart.js";
import { barChartSvg } from "./bar-chart-svg.js";
import { chartFontFiles, rasterizeSvg } from "./rasterize.js";
import { plotCommand } from "../cli/commands/plot.js";
import type { ResultRow } from "./bench-results.js";

const dir = mkdtempSync(join(tmpdir(), "edgellm-plot-chart-"));

function row(label: string, decode: number): ResultRow {
  return { label, group: label.split(" · ")[0]!, values: { decode_tok_s: decode, peak_rss_mb: decode * 10 }, source: "x.jsonl:1" };
}

function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

/** Width and height from the IHDR chunk, after checking the PNG signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.subarray(12, 16).toString("latin1"), "IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

test("one bar mark per row, in input order, with labels, values, axis label with unit, and the title", () => {
  const rows = [row("edgellm · a.gguf", 41.7), row("llama.cpp · a.gguf", 77.3), row("edgellm <&> b.gguf", 12)];
  const svg = barChartSvg(rows, { metric: "decode_tok_s", width: 640, height: 300 });
  const doc = parseSvg(svg);
  const root = doc.querySelector("svg")!;
  assert.equal(root.getAttribute("width"), "640");
  assert.equal(root.getAttribute("xmlns"), "http://www.w3.org/2000/svg");
  assert.equal(doc.querySelectorAll('g[aria-label="bar"] rect').length, rows.length);
  const texts = [...doc.querySelectorAll("text")].map((t) => t.textContent);
  for (const r of rows) assert.ok(texts.includes(r.label), r.label);
  assert.ok(texts.includes("41.7") && texts.includes("77.3"));
  assert.ok(texts.includes("decode_tok_s"), "the title defaults to the metric");
  assert.ok(texts.some((t) => t?.startsWith("decode_tok_s (tokens/s)")));
  assert.ok(svg.includes("edgellm &lt;&amp;&gt; b.gguf"), "markup in labels is escaped");
  // input order, top to bottom
  const ys = [...doc.querySelectorAll('g[aria-label="bar"] rect')].map((r) => Number(r.getAttribute("y")));
  assert.deepEqual(ys, [...ys].sort((a, b) => a - b));
});

test("bars of one backend share a colour, other backends get another", () => {
  const rows = [row("edgellm · a.gguf", 40), row("llama-bench · a.gguf", 70), row("edgellm · b.gguf", 50)];
  const doc = parseSvg(barChartSvg(rows, { metric: "decode_tok_s", width: 640, height: 300 }));
  const fills = [...doc.querySelectorAll('g[aria-label="bar"] rect')].map((r) => r.getAttribute("fill"));
  assert.equal(fills.length, 3);
  assert.ok(fills.every((f) => f), "every bar has its own fill");
  assert.equal(fills[0], fills[2]);
  assert.notEqual(fills[0], fills[1]);
});

test("a given title replaces the metric name; units follow the metric's name", () => {
  const svg = barChartSvg([row("a", 1)], { metric: "peak_rss_mb", width: 500, height: 200, title: "Memory" });
  const texts = [...parseSvg(svg).querySelectorAll("text")].map((t) => t.textContent);
  assert.ok(texts.includes("Memory") && !texts.includes("peak_rss_mb"));
  assert.equal(metricUnit("token_ms_p99"), "ms");
  assert.equal(metricUnit("ttft_ms"), "ms");
  assert.equal(metricUnit("prefill_tok_s"), "tokens/s");
  assert.equal(metricUnit("token_p99_p50"), "ratio");
});

test("too small a chart is a bad_argument", () => {
  assert.throws(() => barChartSvg([row("a long backend label · some-model-file.gguf", 1)], { metric: "decode_tok_s", width: 100, height: 100 }), (e: unknown) => e instanceof EdgeError && e.code === "bad_argument");
});

test("PNG: exact size asked, and the title text is drawn (dark pixels above the plot area)", () => {
  const svg = barChartSvg([row("edgellm", 10), row("llama.cpp", 20)], { metric: "decode_tok_s", width: 613, height: 257 });
  const { png, rgba } = rasterizeSvg(svg, 613, 257);
  assert.deepEqual(pngSize(png), { width: 613, height: 257 });
  assert.ok(chartFontFiles().length > 0, "DejaVu Sans is found (the dejavu-fonts-ttf package)");
  // rows 0..30 hold only the title: count pixels that are clearly not white
  let dark = 0;
  for (let y = 0; y < 30; y++) for (let x = 0; x < 613; x++) if (rgba[(y * 613 + x) * 4] < 128) dark++;
  assert.ok(dark > 50, `title pixels: ${dark}`);
});

test("edgellm plot writes SVG and PNG files from bench --json lines", async () => {
  const line = (backend: string, v: number) => JSON.stringify(Object.fromEntries(JSON_KEYS.map((k) => [k, k === "backend" ? backend : k === "model" ? "m.gguf" : v])));
  const input = join(dir, "r.jsonl");
  writeFileSync(input, `${line("edgellm", 5)}\n${line("llama.cpp", 9)}\n`);
  const svgOut = join(dir, "out.svg");
  await plotCommand([input, "-o", svgOut, "--metric", "ttft_ms", "--width", "500"]);
  const doc = parseSvg(readFileSync(svgOut, "utf8"));
  assert.equal(doc.querySelectorAll('g[aria-label="bar"] rect').length, 2);
  assert.equal(doc.querySelector("svg")!.getAttribute("height"), String(110 + 36 * 2));
  const pngOut = join(dir, "out.png");
  await plotCommand([input, "-o", pngOut, "--width", "800", "--height", "320"]);
  assert.deepEqual(pngSize(readFileSync(pngOut)), { width: 800, height: 320 });
  const bad = (argv: string[], pattern: RegExp) =>
    assert.rejects(plotCommand(argv), (e: unknown) => e instanceof EdgeError && e.code === "bad_argument" && pattern.test(e.message));
  await bad([input, "-o", join(dir, "x.jpg")], /must end in \.svg or \.png/);
  await bad(["-o", svgOut], /missing input/);
  await bad([input], /missing output file/);
  await bad([input, "-o", svgOut, "--width", "12.5"], /--width must be a whole number/);
  await bad([input, "-o", svgOut, "--metric", "nope"], /unknown --metric "nope"/);
});
