// Reads what `edgellm bench` writes (--json: one object per line or a JSON array; --csv: run rows and a "median" row
// per backend) into labelled rows of numbers, one per bar. Text in, rows out: no file system, so the dashboard runs
// the same parser in the browser (result-files.ts reads files for `edgellm plot`).
import { EdgeError } from "../errors.js";
import { METRIC_KEYS } from "../bench/metric-keys.js";
import { median } from "../bench/stats.js";
import { parseCsv } from "./csv.js";

export interface ResultRow {
  /** Bar label: backend (or serve-bench target and concurrency) and model file name; unique over all rows. */
  label: string;
  /** The backend (or serve-bench target) alone: bars of one backend share a colour. */
  group: string;
  /** Metric name → value; null where the backend did not measure it. Strings (kernels, url) are left out. */
  values: Record<string, number | null>;
  /** "file:line" the row came from, for errors. */
  source: string;
}

/** One input: its name (a path, or a browser File's name) and its text. */
export interface ResultText {
  name: string;
  text: string;
}

type Raw = { fields: Record<string, unknown>; source: string };

/** Columns that describe a run rather than measure it; never offered as metrics. */
const NOT_METRICS = new Set(["run"]);

/** The last part of a path, for / and \ alike (node:path is not available in the browser). */
export function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/** Rows of every input, in order; an input without rows is an error naming it. */
export function resultRows(inputs: readonly ResultText[]): ResultRow[] {
  const raws: Raw[] = [];
  for (const { name, text } of inputs) {
    const before = raws.length;
    raws.push(...parseResults(name, text));
    if (raws.length === before) throw new EdgeError("dataset_invalid", `${name}: no benchmark rows`);
  }
  return labelRows(raws);
}

/** JSON when the text starts with "{" or "[", CSV otherwise. */
export function parseResults(file: string, text: string): Raw[] {
  const body = text.replace(/^\uFEFF/, "");
  const first = body.trimStart()[0];
  if (first === "[") return parseJsonArray(file, body);
  if (first === "{") return parseJsonLines(file, body);
  return parseCsvResults(file, body);
}

function parseJsonLines(file: string, text: string): Raw[] {
  const out: Raw[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const source = `${file}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new EdgeError("dataset_invalid", `${source}: not a JSON object (bench --json prints one per line)`);
    }
    out.push({ fields: asObject(v, source), source });
  });
  return out;
}

function parseJsonArray(file: string, text: string): Raw[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new EdgeError("dataset_invalid", `${file}: not valid JSON (${(e as Error).message})`);
  }
  const lines = arrayItemLines(text);
  return (v as unknown[]).map((item, i) => {
    const source = `${file}:${lines[i] ?? 1}`;
    return { fields: asObject(item, source), source };
  });
}

/** The line each top-level array item starts on (the array is known to be valid JSON). */
function arrayItemLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectItem = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (depth === 1 && expectItem && c !== "]") {
      lines.push(line);
      expectItem = false;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      depth++;
      if (depth === 1) expectItem = true;
    } else if (c === "]" || c === "}") depth--;
    else if (c === "," && depth === 1) expectItem = true;
  }
  return lines;
}

function asObject(v: unknown, source: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new EdgeError("dataset_invalid", `${source}: expected a JSON object`);
  return v as Record<string, unknown>;
}

function parseCsvResults(file: string, text: string): Raw[] {
  const parsed = parseCsv(text);
  if ("unterminatedQuoteLine" in parsed) {
    throw new EdgeError("dataset_invalid", `${file}:${parsed.unterminatedQuoteLine}: unterminated quoted field`);
  }
  const [header, ...records] = parsed.records;
  if (!header) return [];
  const columns = header.cells.map((c) => c.trim());
  if (!columns.includes("backend") && !columns.includes("target")) {
    throw new EdgeError("dataset_invalid", `${file}:${header.line}: header has no "backend" column (expected bench --csv output)`);
  }
  const rows: Raw[] = records.map((r) => {
    const source = `${file}:${r.line}`;
    if (r.cells.length !== columns.length) {
      throw new EdgeError("dataset_invalid", `${source}: ${r.cells.length} fields, the header has ${columns.length}`);
    }
    const fields: Record<string, unknown> = {};
    columns.forEach((c, i) => (fields[c] = csvValue(r.cells[i])));
    return { fields, source };
  });
  return medianRows(rows);
}

/** Numbers as numbers, empty (not measured) as null, anything else as text. */
function csvValue(cell: string): unknown {
  if (cell.trim() === "") return null;
  const n = Number(cell);
  return Number.isFinite(n) ? n : cell;
}

/** Per backend (and model, and serve-bench concurrency): its "median" row, or the median of its run rows. */
function medianRows(rows: Raw[]): Raw[] {
  const groups = new Map<string, Raw[]>();
  for (const r of rows) {
    const f = r.fields;
    const key = JSON.stringify([f.backend ?? f.target, f.model, f.concurrency]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: Raw[] = [];
  for (const group of groups.values()) {
    const given = group.find((r) => r.fields.run === "median");
    if (given) {
      out.push(given);
      continue;
    }
    const fields: Record<string, unknown> = { ...group[0].fields, run: "median" };
    for (const [k, v] of Object.entries(group[0].fields)) {
      if (typeof v !== "number" && v !== null) continue;
      const xs = group.map((r) => r.fields[k]).filter((x): x is number => typeof x === "number");
      fields[k] = xs.length ? median(xs) : null;
    }
    out.push({ fields, source: group[0].source });
  }
  return out;
}

function labelRows(raws: Raw[]): ResultRow[] {
  const rows = raws.map((r) => {
    const f = r.fields;
    const who = typeof f.backend === "string" ? f.backend : typeof f.target === "string" ? f.target : undefined;
    if (who === undefined) throw new EdgeError("dataset_invalid", `${r.source}: no "backend" field (expected bench --json or --csv output)`);
    const parts = [who];
    if (typeof f.concurrency === "number") parts.push(`c=${f.concurrency}`);
    if (typeof f.model === "string" && f.model !== "") parts.push(fileName(f.model));
    const values: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(f)) {
      if (!NOT_METRICS.has(k) && (typeof v === "number" || v === null)) values[k] = v;
    }
    return { label: parts.join(" · "), group: who, values, source: r.source };
  });
  // the band scale merges equal labels into one bar: name the file (then a count) to keep every row apart
  const repeated = new Set(rows.filter((r, i) => rows.findIndex((q) => q.label === r.label) !== i).map((r) => r.label));
  for (const r of rows) if (repeated.has(r.label)) r.label += ` (${fileName(r.source.replace(/:\d+$/, ""))})`;
  const seen = new Map<string, number>();
  for (const r of rows) {
    const n = (seen.get(r.label) ?? 0) + 1;
    seen.set(r.label, n);
    if (n > 1) r.label += ` #${n}`;
  }
  return rows;
}

/** Every metric some row has a number for: bench's own metrics first, in their order, then the rest. */
export function availableMetrics(rows: readonly ResultRow[]): string[] {
  const present = new Set(rows.flatMap((r) => Object.keys(r.values)));
  return [...METRIC_KEYS.filter((k) => present.has(k)), ...[...present].filter((k) => !(METRIC_KEYS as readonly string[]).includes(k))];
}

/** The metric's value of each row; a missing metric is named as unknown, a row without it by file:line. */
export function metricValues(rows: readonly ResultRow[], metric: string): number[] {
  const metrics = availableMetrics(rows);
  if (!metrics.includes(metric)) {
    throw new EdgeError("bad_argument", `unknown --metric "${metric}": the inputs have ${metrics.join(", ")}`);
  }
  return rows.map((r) => {
    const v = r.values[metric];
    if (typeof v !== "number") {
      const why = v === null ? "null (not measured by this backend)" : "missing";
      throw new EdgeError("dataset_invalid", `${r.source}: ${metric} is ${why} (${r.label})`);
    }
    return v;
  });
}
