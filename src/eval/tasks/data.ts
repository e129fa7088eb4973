// The evaluation data: a JSON-lines file, one item per line, read as a stream (strict UTF-8, at most 1 MiB a line) and
// checked field by field. Every problem is a dataset_invalid error naming file:line and the field.
//   qa         {"id"?, "question", "context"?, "answers": [string | {"text": string}, …]}
//   summarize  {"id"?, "document", "summary": string} or {"id"?, "document", "summaries": [string, …]}
//   classify   {"id"?, "text", "label", "labels"?: [string, …]}   (labels: this item's choices; default: every label in the file)
// Other fields are ignored. Blank lines are skipped but counted.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { EdgeError } from "../../errors.js";
import { readLines } from "../../io/lines.js";

export const TASKS = ["qa", "summarize", "classify"] as const;
export type Task = (typeof TASKS)[number];

/** 1 MiB: a long document fits; a runaway line does not fill memory. */
export const MAX_LINE_BYTES = 1 << 20;

interface ItemBase {
  /** 1-based line of the data file. */
  line: number;
  /** The item's "id", or its line number. */
  id: string;
}
export interface QaItem extends ItemBase {
  task: "qa";
  question: string;
  context?: string;
  answers: string[];
}
export interface SummarizeItem extends ItemBase {
  task: "summarize";
  document: string;
  summaries: string[];
}
export interface ClassifyItem extends ItemBase {
  task: "classify";
  text: string;
  label: string;
  /** This item's own choices, when the line gives them. */
  labels?: string[];
}
export type EvalItem = QaItem | SummarizeItem | ClassifyItem;

export interface Dataset {
  items: EvalItem[];
  /** classify: every distinct label (gold labels and choices) in file order, first spelling kept; else []. */
  labels: string[];
}

export interface ReadOptions {
  /** Keep at most this many items (classify still reads every line, for the label set). */
  limit?: number;
  maxLineBytes?: number;
}

/** Labels compare after Unicode NFC, trimming, collapsing whitespace and lowercasing. */
export function normalizeLabel(label: string): string {
  return label.normalize("NFC").trim().replace(/\s+/gu, " ").toLowerCase();
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Reads and checks the whole data file (up to the limit). */
export async function readDataset(path: string, task: Task, options: ReadOptions = {}): Promise<Dataset> {
  await checkReadable(path);
  const items: EvalItem[] = [];
  const labels = new LabelSet();
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    for await (const l of readLines(stream, options.maxLineBytes ?? MAX_LINE_BYTES)) {
      const where = `${path}:${l.line}`;
      if ("error" in l) {
        if (l.error === "too_long") throw new EdgeError("dataset_invalid", `${where}: line longer than ${options.maxLineBytes ?? MAX_LINE_BYTES} bytes`);
        throw new EdgeError("dataset_invalid", `${where}: not valid UTF-8`);
      }
      const item = parseItem(l.text, task, where, l.line);
      if (item.task === "classify") for (const x of [item.label, ...(item.labels ?? [])]) labels.add(x);
      if (options.limit === undefined || items.length < options.limit) items.push(item);
      else if (task !== "classify") break;
    }
  } catch (e) {
    if (e instanceof EdgeError) throw e;
    throw new EdgeError("io_error", `${path}: cannot read data file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    stream.destroy();
  }
  if (items.length === 0) throw new EdgeError("dataset_invalid", `${path}: no items (expected one JSON object per line)`);
  return { items, labels: labels.list };
}

async function checkReadable(path: string): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) throw new EdgeError("io_error", `${path}: is a directory, not a data file`);
  } catch (e) {
    if (e instanceof EdgeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EdgeError("file_not_found", `${path}: data file not found`);
    throw new EdgeError("io_error", `${path}: cannot read data file (${code ?? String(e)})`);
  }
}

/** Distinct labels by normalized form, in first-seen order. */
class LabelSet {
  readonly list: string[] = [];
  private readonly seen = new Set<string>();
  add(label: string): void {
    const key = normalizeLabel(label);
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.list.push(label.trim());
    }
  }
}

/** One line of the file as an item of `task`; `where` is "file:line" for the messages. */
export function parseItem(lineText: string, task: Task, where: string, line: number): EvalItem {
  let json: unknown;
  try {
    json = JSON.parse(lineText);
  } catch (e) {
    throw new EdgeError("dataset_invalid", `${where}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new EdgeError("dataset_invalid", `${where}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  const fail = (field: string, problem: string): never => {
    throw new EdgeError("dataset_invalid", `${where}: field "${field}" ${problem}`);
  };
  const str = (field: string, optional = false): string | undefined => {
    const v = o[field];
    if (v === undefined) return optional ? undefined : fail(field, "is missing");
    if (typeof v !== "string") return fail(field, `must be a string, got ${kind(v)}`);
    if (LONE_SURROGATE.test(v)) fail(field, "holds a lone UTF-16 surrogate");
    return v;
  };
  const strings = (field: string, allowObjects: boolean, nonEmpty: boolean): string[] => {
    const v = o[field];
    if (v === undefined) return fail(field, "is missing");
    if (!Array.isArray(v) || v.length === 0) return fail(field, "must be a non-empty array of strings");
    return v.map((x, i) => {
      const s = allowObjects && typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>).text : x;
      if (typeof s !== "string") return fail(`${field}[${i}]`, `must be a string${allowObjects ? ' or {"text": string}' : ""}, got ${kind(x)}`);
      if (LONE_SURROGATE.test(s)) fail(`${field}[${i}]`, "holds a lone UTF-16 surrogate");
      if (nonEmpty && normalizeLabel(s) === "") fail(`${field}[${i}]`, "is empty");
      return s;
    });
  };
  const rawId = o.id;
  if (rawId !== undefined && typeof rawId !== "string" && typeof rawId !== "number") fail("id", `must be a string or a number, got ${kind(rawId)}`);
  const base = { line, id: rawId === undefined ? String(line) : String(rawId) };

  if (task === "qa") {
    return { task, ...base, question: str("question")!, context: str("context", true), answers: strings("answers", true, false) };
  }
  if (task === "summarize") {
    const document = str("document")!;
    if (o.summary === undefined && o.summaries === undefined) fail("summary", 'is missing (or give "summaries")');
    if (o.summary !== undefined && o.summaries !== undefined) fail("summary", 'and "summaries" cannot both be given');
    const summaries = o.summaries !== undefined ? strings("summaries", false, false) : [str("summary")!];
    return { task, ...base, document, summaries };
  }
  const text = str("text")!;
  const label = str("label")!;
  if (normalizeLabel(label) === "") fail("label", "is empty");
  const labels = o.labels === undefined ? undefined : strings("labels", false, true);
  if (labels && !labels.some((x) => normalizeLabel(x) === normalizeLabel(label))) fail("label", `"${label}" is not one of "labels"`);
  return { task, ...base, text, label, labels };
}

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}
