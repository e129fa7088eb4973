// Intent data as JSON lines: one {"text": "...", "intent": "..."} per line; the intent "oos" marks out-of-scope
// examples. Reading is strict (UTF-8, JSON, field types): a bad line is a dataset_invalid error naming file:line and field.
import { readFileSync } from "node:fs";
import { EdgeError } from "../../errors.js";

/** The label of out-of-scope examples, in data files and in classifier output. */
export const OOS_LABEL = "oos";

export interface IntentExample {
  text: string;
  intent: string;
  /** Line number in the file it was read from (for messages about it). */
  line?: number;
}

/** Longest intent name accepted: labels end up in output, grammars and prompts. */
export const MAX_INTENT_CHARS = 200;

/** Why `intent` cannot be a label, or undefined when it can (non-empty, no control characters, not too long). */
export function intentNameProblem(intent: unknown): string | undefined {
  if (typeof intent !== "string") return "must be a string";
  if (intent.trim() === "") return "must be a non-empty string";
  if (intent !== intent.trim()) return "must not start or end with white space";
  if (intent.length > MAX_INTENT_CHARS) return `must be at most ${MAX_INTENT_CHARS} characters`;
  if (/[\p{Cc}\p{Cs}]/u.test(intent)) return "must not contain control characters or lone surrogates";
  return undefined;
}

/** Read a JSONL data file (blank lines skipped); file_not_found / dataset_invalid with file:line on anything wrong. */
export function readIntentJsonl(path: string): IntentExample[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new EdgeError("file_not_found", `${path}: cannot read data file`);
  }
  return parseIntentJsonl(bytes, path);
}

export function parseIntentJsonl(bytes: Uint8Array | string, name: string): IntentExample[] {
  const buf = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const out: IntentExample[] = [];
  let start = 0;
  for (let line = 1; start <= buf.length; line++) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    let text: string;
    try {
      text = decoder.decode(buf.subarray(start, end));
    } catch {
      throw new EdgeError("dataset_invalid", `${name}:${line}: not valid UTF-8`);
    }
    start = end + 1;
    if (line === 1 && text.startsWith("\uFEFF")) text = text.slice(1);
    if (text.trim() === "") continue;
    out.push({ ...parseExampleLine(text, `${name}:${line}`), line });
  }
  if (out.length === 0) throw new EdgeError("dataset_invalid", `${name}: no examples (expected one {"text", "intent"} object per line)`);
  return out;
}

function parseExampleLine(line: string, where: string): IntentExample {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new EdgeError("dataset_invalid", `${where}: not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EdgeError("dataset_invalid", `${where}: expected a JSON object {"text": ..., "intent": ...}`);
  }
  const o = value as Record<string, unknown>;
  if (!("text" in o)) throw new EdgeError("dataset_invalid", `${where}: field "text" is missing`);
  if (typeof o.text !== "string") throw new EdgeError("dataset_invalid", `${where}: field "text" must be a string`);
  if (/\p{Cs}/u.test(o.text)) throw new EdgeError("dataset_invalid", `${where}: field "text" contains a lone surrogate`);
  if (!("intent" in o)) throw new EdgeError("dataset_invalid", `${where}: field "intent" is missing`);
  const problem = intentNameProblem(o.intent);
  if (problem) throw new EdgeError("dataset_invalid", `${where}: field "intent" ${problem}`);
  return { text: o.text, intent: o.intent as string };
}

/** JSONL text for examples: one object per line, keys in the order text, intent. */
export function formatIntentJsonl(examples: readonly IntentExample[]): string {
  return examples.map((e) => JSON.stringify({ text: e.text, intent: e.intent }) + "\n").join("");
}

/** Intent names in first-seen order, and how many examples each has. */
export function intentCounts(examples: readonly IntentExample[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of examples) m.set(e.intent, (m.get(e.intent) ?? 0) + 1);
  return m;
}
