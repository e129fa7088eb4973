import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgeError } from "../errors.js";
import { CSV_COLUMNS, JSON_KEYS, csvField } from "../bench/report.js";
import { SERVE_CSV_COLUMNS } from "../bench/serve-report.js";
import { parseCsv } from "./csv.js";
import { availableMetrics, metricValues } from "./bench-results.js";
import { readResultFiles } from "./result-files.js";

const dir = mkdtempSync(join(tmpdir(), "edgellm-plot-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** One bench --json line with every key of JSON_KEYS; metrics numbered from `base`. */
export function jsonLineFor(backend: string, model: string, base: number, nulls: string[] = []): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  JSON_KEYS.forEach((k, i) => (line[k] = k === "backend" ? backend : k === "model" ? model : nulls.includes(k) ? null : base + i));
  return line;
}

function csvRow(cells: Record<string, string | number>): string {
  return CSV_COLUMNS.map((c) => csvField(cells[c] ?? 1)).join(",");
}

function assertEdgeError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof EdgeError && e.code === code && pattern.test(e.message) && !e.message.includes("\n"));
}
async function assertRejects(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof EdgeError && e.code === code && pattern.test(e.message) && !e.message.includes("\n"));
}

test("parseCsv: quoted commas, doubled quotes, line breaks in quotes, CRLF, and the line each record starts on", () => {
  const r = parseCsv('a,b,c\r\n"x, y","say ""hi""","two\nlines"\n\nlast,,""\n');
  assert.ok("records" in r);
  assert.deepEqual(r.records.map((x) => x.cells), [["a", "b", "c"], ["x, y", 'say "hi"', "two\nlines"], ["last", "", ""]]);
  assert.deepEqual(r.records.map((x) => x.line), [1, 2, 5]);
  assert.deepEqual(parseCsv('a\n"open\n'), { unterminatedQuoteLine: 2 });
});

test("JSON lines and a JSON array: one row per object, labelled by backend and model file", async () => {
  const a = jsonLineFor("edgellm", "models/a.gguf", 10);
  const b = jsonLineFor("llama.cpp", "models/a.gguf", 20);
  const lines = file("a.jsonl", `${JSON.stringify(a)}\n\n${JSON.stringify(b)}\n`);
  const array = file("b.json", JSON.stringify([jsonLineFor("edgellm", "/x/b.gguf", 30)], null, 2));
  const rows = await readResultFiles([lines, array]);
  assert.deepEqual(rows.map((r) => r.label), ["edgellm · a.gguf", "llama.cpp · a.gguf", "edgellm · b.gguf"]);
  assert.deepEqual(metricValues(rows, "decode_tok_s"), [a.decode_tok_s, b.decode_tok_s, 30 + JSON_KEYS.indexOf("decode_tok_s")]);
  assert.deepEqual(rows.map((r) => r.source), [`${lines}:1`, `${lines}:3`, `${array}:2`]);
  assert.equal(availableMetrics(rows)[0], "prefill_tok_s");
});

test("the same backend and model in two files stay two bars", async () => {
  const line = JSON.stringify(jsonLineFor("edgellm", "a.gguf", 1));
  const rows = await readResultFiles([file("before.jsonl", line), file("after.jsonl", line)]);
  assert.deepEqual(rows.map((r) => r.label), ["edgellm · a.gguf (before.jsonl)", "edgellm · a.gguf (after.jsonl)"]);
});

test("CSV: the median row per backend is plotted, run rows are not; a quoted model path survives", async () => {
  const model = 'models/odd, "name".gguf';
  const csv = [
    CSV_COLUMNS.join(","),
    csvRow({ backend: "edgellm", run: 1, model, decode_tok_s: 40 }),
    csvRow({ backend: "edgellm", run: 2, model, decode_tok_s: 44 }),
    csvRow({ backend: "edgellm", run: "median", model, decode_tok_s: 42 }),
    csvRow({ backend: "llama.cpp", run: 1, model, decode_tok_s: 70 }),
    csvRow({ backend: "llama.cpp", run: "median", model, decode_tok_s: 70 }),
  ].join("\n");
  const rows = await readResultFiles([file("r.csv", csv + "\n")]);
  assert.deepEqual(rows.map((r) => r.label), ['edgellm · odd, "name".gguf', 'llama.cpp · odd, "name".gguf']);
  assert.deepEqual(metricValues(rows, "decode_tok_s"), [42, 70]);
  assert.ok(!availableMetrics(rows).includes("run"));
});

test("CSV with run rows only: their median per backend", async () => {
  const csv = [CSV_COLUMNS.join(","), ...[10, 30, 20].map((v, i) => csvRow({ backend: "edgellm", run: i + 1, model: "m.gguf", ttft_ms: v }))].join("\n");
  const rows = await readResultFiles([file("runs.csv", csv)]);
  assert.equal(rows.length, 1);
  assert.deepEqual(metricValues(rows, "ttft_ms"), [20]);
});

test("errors: unknown metric lists the available ones; a row without the metric names file:line", async () => {
  const path = file("n.jsonl", [jsonLineFor("edgellm", "a.gguf", 1), jsonLineFor("llama.cpp", "a.gguf", 1, ["token_ms_p99"])].map((l) => JSON.stringify(l)).join("\n"));
  const rows = await readResultFiles([path]);
  assertEdgeError(() => metricValues(rows, "speed"), "bad_argument", /unknown --metric "speed".*decode_tok_s.*peak_rss_mb/);
  assertEdgeError(() => metricValues(rows, "token_ms_p99"), "dataset_invalid", new RegExp(`${path}:2: token_ms_p99 is null`));
  const arr = file("m.json", `[\n  {"backend": "edgellm", "decode_tok_s": 1},\n  {"backend": "x"}\n]`);
  assertEdgeError(() => metricValues([], "x"), "bad_argument", /unknown --metric/);
  const arrRows = await readResultFiles([arr]);
  assertEdgeError(() => metricValues(arrRows, "decode_tok_s"), "dataset_invalid", new RegExp(`${arr}:3: decode_tok_s is missing`));
});

test("errors: missing file, broken JSON line, short CSV row, unterminated quote, no backend column", async () => {
  await assertRejects(readResultFiles([join(dir, "nope.json")]), "file_not_found", /nope\.json: no such file/);
  const bad = file("bad.jsonl", `${JSON.stringify(jsonLineFor("a", "m", 1))}\n{"backend": \n`);
  await assertRejects(readResultFiles([bad]), "dataset_invalid", new RegExp(`${bad}:2: not a JSON object`));
  const short = file("short.csv", `${CSV_COLUMNS.join(",")}\nedgellm,1\n`);
  await assertRejects(readResultFiles([short]), "dataset_invalid", new RegExp(`${short}:2: 2 fields, the header has ${CSV_COLUMNS.length}`));
  const open = file("open.csv", `backend,decode_tok_s\n"edgellm,1\n`);
  await assertRejects(readResultFiles([open]), "dataset_invalid", new RegExp(`${open}:2: unterminated quoted field`));
  const other = file("other.csv", "name,score\na,1\n");
  await assertRejects(readResultFiles([other]), "dataset_invalid", /other\.csv:1: header has no "backend" column/);
  await assertRejects(readResultFiles([file("empty.json", "\n")]), "dataset_invalid", /empty\.json: no benchmark rows/);
});

test("serve-bench CSV (--backend openai): one bar per server and concurrency level", async () => {
  const row = (target: string, c: number, run: string | number, v: number) =>
    SERVE_CSV_COLUMNS.map((k) => csvField(k === "target" ? target : k === "concurrency" ? c : k === "run" ? run : k === "aggregate_tok_s" ? v : 1)).join(",");
  const csv = [SERVE_CSV_COLUMNS.join(","), row("edgellm", 1, 1, 5), row("edgellm", 1, "median", 5), row("edgellm", 4, 1, 18), row("edgellm", 4, "median", 18)].join("\n");
  const rows = await readResultFiles([file("serve.csv", csv)]);
  assert.deepEqual(rows.map((r) => r.label), ["edgellm · c=1", "edgellm · c=4"]);
  assert.deepEqual(metricValues(rows, "aggregate_tok_s"), [5, 18]);
});
