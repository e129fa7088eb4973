// Tool-call formats: which syntax a chat template teaches its model for calls (found in the template's source, as
// llama.cpp's chat code finds it), how a reply in that syntax is parsed into content and calls, and how calls are
// written in it (for polyfilled templates and tests).
//
//   hermes       <tool_call>{"name": …, "arguments": {…}}</tool_call> (several; content around them)
//                Hermes 2/3 Pro, Qwen2.5, Qwen3, and edgellm's fallback for templates that know no tools
//   llama3       {"name": …, "parameters": {…}} as the whole reply, optionally after <|python_tag|>; also
//                {"type": "function", "name": …, …} and "arguments" for "parameters"          Llama 3.1 / 3.2 / 3.3
//   mistral      [TOOL_CALLS] [{"name": …, "arguments": {…}, "id": …}, …]        Mistral 7B v0.3, Nemo, Small ≤ 3.1
//   mistral-v11  [TOOL_CALLS]name[ARGS]{…} per call, optionally name[CALL_ID]id[ARGS] (mistral-common tokenizer v11+:
//                Mistral Small 3.2, Magistral, Devstral)
//
// Malformed calls never throw here: a block the model plainly meant as a call (after its marker) but that does not
// parse stays in the content verbatim and is listed in `invalidToolCalls`; text without a call marker is content.
import type { InvalidToolCall } from "./tool-calls.js";

export type ToolCallFormat = "hermes" | "llama3" | "mistral" | "mistral-v11";

export const TOOL_CALL_FORMATS: readonly ToolCallFormat[] = ["hermes", "llama3", "mistral", "mistral-v11"];

/** Marker texts of each format (some are single special tokens of the model's vocabulary). */
export const HERMES_OPEN = "<tool_call>";
export const HERMES_CLOSE = "</tool_call>";
export const PYTHON_TAG = "<|python_tag|>";
export const MISTRAL_CALLS = "[TOOL_CALLS]";
export const MISTRAL_ARGS = "[ARGS]";
export const MISTRAL_CALL_ID = "[CALL_ID]";

/**
 * The tool-call format a template's source text teaches, or undefined when it names none of the known markers.
 * Checked in llama.cpp's order: `<tool_call>` (Hermes / Qwen), the Llama 3.1+ `ipython` header, `[TOOL_CALLS]`.
 */
export function detectToolCallFormat(source: string): ToolCallFormat | undefined {
  if (source.includes(HERMES_OPEN)) return "hermes";
  if (source.includes("<|start_header_id|>ipython<|end_header_id|>")) return "llama3";
  if (source.includes(MISTRAL_CALLS)) return source.includes(MISTRAL_ARGS) ? "mistral-v11" : "mistral";
  return undefined;
}

/** A call as parsed from the reply, before it gets an id. */
export interface RawToolCall {
  name: string;
  /** JSON text of the arguments object, as the model wrote it. */
  arguments: string;
  /** An id the model wrote itself (Mistral formats), if any. */
  id?: string;
}

export interface RawParse {
  content: string;
  calls: RawToolCall[];
  invalid: InvalidToolCall[];
  reasoning?: string;
}

export interface ParseOptions {
  /** Names of the declared tools: a call to any other name is invalid. */
  toolNames?: ReadonlySet<string>;
}

/** Split a reply in `format` into content, calls and invalid calls. Never throws. */
export function parseToolCallReply(format: ToolCallFormat, text: string, options: ParseOptions = {}): RawParse {
  const { reasoning, rest } = splitReasoning(text);
  const out = PARSERS[format](rest, options.toolNames);
  if (reasoning !== undefined) out.reasoning = reasoning;
  return out;
}

/** Write calls (and content before them) as a model replying in `format` writes them. */
export function writeToolCalls(format: ToolCallFormat, calls: readonly RawToolCall[], content = ""): string {
  // re-spaced as tojson writes JSON; text that is not JSON (a client's own history) is written as it came
  const args = (c: RawToolCall) => {
    try {
      return pyJson(JSON.parse(c.arguments));
    } catch {
      return c.arguments;
    }
  };
  const lead = content === "" ? "" : calls.length ? content + "\n" : content;
  switch (format) {
    case "hermes":
      return lead + calls.map((c) => `${HERMES_OPEN}\n{"name": ${JSON.stringify(c.name)}, "arguments": ${args(c)}}\n${HERMES_CLOSE}`).join("\n");
    case "llama3":
      // the call is the whole reply: content can only follow it
      return calls.map((c) => `{"name": ${JSON.stringify(c.name)}, "parameters": ${args(c)}}`).join("\n") + (content && calls.length ? "\n" + content : content);
    case "mistral":
      if (!calls.length) return content;
      return content + MISTRAL_CALLS + "[" + calls.map((c) => `{"name": ${JSON.stringify(c.name)}, "arguments": ${args(c)}${c.id ? `, "id": ${JSON.stringify(c.id)}` : ""}}`).join(", ") + "]";
    case "mistral-v11":
      return content + calls.map((c) => `${MISTRAL_CALLS}${c.name}${c.id ? MISTRAL_CALL_ID + c.id : ""}${MISTRAL_ARGS}${args(c)}`).join("");
  }
}

/** JSON as Python's json.dumps (and so Jinja's tojson) writes it: `{"a": 1, "b": [1, 2]}`. */
export function pyJson(value: unknown): string {
  if (Array.isArray(value)) return "[" + value.map(pyJson).join(", ") + "]";
  if (value !== null && typeof value === "object") {
    return "{" + Object.entries(value).map(([k, v]) => JSON.stringify(k) + ": " + pyJson(v)).join(", ") + "}";
  }
  return JSON.stringify(value) ?? "null";
}

// ---- per-format parsers ----

type Parser = (text: string, toolNames: ReadonlySet<string> | undefined) => RawParse;

const PARSERS: Record<ToolCallFormat, Parser> = {
  hermes: parseHermes,
  llama3: parseLlama3,
  mistral: parseMistral,
  "mistral-v11": parseMistralV11,
};

const CUT = Symbol("cut");

/** Content pieces around removed call blocks: whitespace next to a removed block goes, the rest stays. */
class ContentBuilder {
  private readonly pieces: (string | typeof CUT)[] = [];

  add(piece: string): void {
    this.pieces.push(piece);
  }

  /** A call block was removed here. */
  removed(): void {
    this.pieces.push(CUT);
  }

  /** Untouched text when nothing was removed; else the text between the cuts, trimmed at the cuts, one part a line. */
  text(): string {
    if (!this.pieces.includes(CUT)) return this.pieces.join("");
    const segments = [""];
    for (const p of this.pieces) {
      if (p === CUT) segments.push("");
      else segments[segments.length - 1] += p;
    }
    const last = segments.length - 1;
    return segments
      .map((t, k) => (k === 0 ? t.trimEnd() : k === last ? t.trimStart() : t.trim()))
      .filter((t) => t !== "")
      .join("\n");
  }
}

function parseHermes(text: string, toolNames: ReadonlySet<string> | undefined): RawParse {
  const content = new ContentBuilder();
  const calls: RawToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  let pos = 0;
  for (;;) {
    const open = text.indexOf(HERMES_OPEN, pos);
    if (open < 0) break;
    content.add(text.slice(pos, open));
    // the JSON first (its strings may hold "</tool_call>"), then the closing tag
    const scanned = scanJson(text, skipSpace(text, open + HERMES_OPEN.length));
    const after = scanned ? skipSpace(text, scanned.end) : -1;
    const closed = scanned !== undefined && text.startsWith(HERMES_CLOSE, after);
    // a reply that stops right after the call's JSON (no closing tag) still made the call
    const call = scanned && (closed || after === text.length) ? callAt(text, scanned, skipSpace(text, open + HERMES_OPEN.length), scanned.value, ["arguments", "parameters"], toolNames) : undefined;
    if (call && "name" in call) {
      calls.push(call);
      content.removed();
      pos = closed ? after + HERMES_CLOSE.length : text.length;
      continue;
    }
    const close = text.indexOf(HERMES_CLOSE, open + HERMES_OPEN.length);
    const blockEnd = close < 0 ? text.length : close + HERMES_CLOSE.length;
    const error = !scanned ? "the call is not a JSON object" : call ? (call as { error: string }).error : `text after the call's JSON, before ${HERMES_CLOSE}`;
    invalid.push({ text: text.slice(open, blockEnd), error, ...nameOf(scanned?.value) });
    content.add(text.slice(open, blockEnd));
    pos = blockEnd;
  }
  content.add(text.slice(pos));
  return { content: content.text(), calls, invalid };
}

function parseLlama3(text: string, toolNames: ReadonlySet<string> | undefined): RawParse {
  let i = skipSpace(text, 0);
  const tagged = text.startsWith(PYTHON_TAG, i);
  if (tagged) i = skipSpace(text, i + PYTHON_TAG.length);
  const calls: RawToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  const asContent = (): RawParse => ({ content: text, calls: [], invalid });
  const looksLikeCall = (at: number) => /^\{\s*"(?:type|name)"\s*:/.test(text.slice(at, at + 64));
  for (;;) {
    const scanned = text[i] === "{" ? scanJson(text, i) : undefined;
    const call = scanned ? callAt(text, scanned, i, scanned.value, ["parameters", "arguments"], toolNames, true) : undefined;
    if (scanned && call && "name" in call) {
      calls.push(call);
      i = scanned.end;
      // Llama 3.2 sometimes writes several calls: separated by ';' or new lines
      let j = skipSpace(text, i);
      if (text[j] === ";") j = skipSpace(text, j + 1);
      if (text[j] === "{" && looksLikeCall(j)) {
        i = j;
        continue;
      }
      break;
    }
    if (calls.length === 0) {
      // JSON that is not a call is an answer, unless the python tag or the call's shape says a call was meant
      if (tagged || looksLikeCall(i) || (call && "error" in call && call.meant)) {
        invalid.push({ text: text.slice(skipSpace(text, 0)), error: call && "error" in call ? call.error : "the call is not a JSON object", ...nameOf(scanned?.value) });
      }
      return asContent();
    }
    break;
  }
  return { content: text.slice(i).trim(), calls, invalid };
}

function parseMistral(text: string, toolNames: ReadonlySet<string> | undefined): RawParse {
  const content = new ContentBuilder();
  const calls: RawToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  let pos = 0;
  for (;;) {
    const at = text.indexOf(MISTRAL_CALLS, pos);
    if (at < 0) break;
    content.add(text.slice(pos, at));
    const start = skipSpace(text, at + MISTRAL_CALLS.length);
    const scanned = text[start] === "[" || text[start] === "{" ? scanJson(text, start) : undefined;
    const items = scanned ? (Array.isArray(scanned.value) ? scanned.value : [scanned.value]) : [];
    const spans = scanned && Array.isArray(scanned.value) ? scanned.items.get(start)! : [[start, 0]];
    const parsed = items.map((v, k) => callAt(text, scanned!, spans[k][0], v, ["arguments", "parameters"], toolNames));
    const bad = !scanned ? "no JSON array of calls after " + MISTRAL_CALLS : items.length === 0 ? "an empty list of calls" : parsed.find((p) => "error" in p);
    const end = scanned ? scanned.end : nextMarkerOrEnd(text, start, MISTRAL_CALLS);
    if (bad === undefined) {
      for (const p of parsed) calls.push(p as RawToolCall);
      content.removed();
    } else {
      invalid.push({ text: text.slice(at, end), error: typeof bad === "string" ? bad : (bad as { error: string }).error });
      content.add(text.slice(at, end));
    }
    pos = end;
  }
  content.add(text.slice(pos));
  return { content: content.text(), calls, invalid };
}

function parseMistralV11(text: string, toolNames: ReadonlySet<string> | undefined): RawParse {
  const content = new ContentBuilder();
  const calls: RawToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  let pos = 0;
  for (;;) {
    const at = text.indexOf(MISTRAL_CALLS, pos);
    if (at < 0) break;
    content.add(text.slice(pos, at));
    const argsAt = text.indexOf(MISTRAL_ARGS, at + MISTRAL_CALLS.length);
    const nextCall = text.indexOf(MISTRAL_CALLS, at + MISTRAL_CALLS.length);
    let error: string | undefined;
    let end = nextCall < 0 ? text.length : nextCall;
    if (argsAt < 0 || (nextCall >= 0 && argsAt > nextCall)) error = `no ${MISTRAL_ARGS} after the function name`;
    else {
      let name = text.slice(at + MISTRAL_CALLS.length, argsAt);
      let id: string | undefined;
      const idAt = name.indexOf(MISTRAL_CALL_ID);
      if (idAt >= 0) {
        id = name.slice(idAt + MISTRAL_CALL_ID.length).trim();
        name = name.slice(0, idAt);
      }
      name = name.trim();
      const start = skipSpace(text, argsAt + MISTRAL_ARGS.length);
      const scanned = text[start] === "{" ? scanJson(text, start) : undefined;
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) error = "no valid function name after " + MISTRAL_CALLS;
      else if (!scanned || !isPlainObject(scanned.value)) error = "the arguments are not a JSON object";
      else if (toolNames && !toolNames.has(name)) error = `unknown tool '${name}'`;
      else {
        calls.push({ name, arguments: text.slice(start, scanned.end), ...(id ? { id } : {}) });
        content.removed();
        end = scanned.end;
      }
    }
    if (error !== undefined) {
      invalid.push({ text: text.slice(at, end), error });
      content.add(text.slice(at, end));
    }
    pos = end;
  }
  content.add(text.slice(pos));
  return { content: content.text(), calls, invalid };
}

// ---- helpers ----

/** A leading <think>…</think> block (Qwen3, DeepSeek R1 style) is reasoning, not content: calls inside it don't count. */
function splitReasoning(text: string): { reasoning?: string; rest: string } {
  const i = skipSpace(text, 0);
  if (!text.startsWith("<think>", i)) return { rest: text };
  const end = text.indexOf("</think>", i);
  if (end < 0) return { rest: text };
  return { reasoning: text.slice(i + "<think>".length, end).trim(), rest: text.slice(end + "</think>".length).replace(/^\s+/, "") };
}

type CallOrError = RawToolCall | { error: string; meant?: boolean };

/**
 * The call object at `at` in `scan` (of `text`): `{name, <argsKey>: {...}}`, arguments also as JSON text of an
 * object, or absent (= {}). The arguments come back as the model wrote them.
 */
function callAt(text: string, scan: ScannedJson, at: number, value: unknown, argsKeys: string[], toolNames: ReadonlySet<string> | undefined, llama = false): CallOrError {
  if (!isPlainObject(value)) return { error: "the call is not a JSON object" };
  const name = value.name;
  if (typeof name !== "string" || name === "") return { error: "the call has no function name" };
  if (llama) {
    if (value.type !== undefined && value.type !== "function") return { error: `a call of type ${JSON.stringify(value.type)}`, meant: true };
    if (!argsKeys.some((k) => k in value)) return { error: "the call has no parameters" };
  }
  const key = argsKeys.find((k) => k in value);
  let args: unknown = key === undefined ? {} : value[key];
  let argsText = "{}";
  if (typeof args === "string") {
    argsText = args.trim();
    try {
      args = JSON.parse(argsText);
    } catch {
      return { error: "the arguments are not JSON", meant: true };
    }
  } else if (key !== undefined) {
    const span = scan.members.get(at)?.get(key);
    argsText = span ? text.slice(span[0], span[1]) : JSON.stringify(args);
  }
  if (!isPlainObject(args)) return { error: "the arguments are not a JSON object", meant: true };
  if (toolNames && !toolNames.has(name)) return { error: `unknown tool '${name}'`, meant: true };
  const id = typeof value.id === "string" && value.id !== "" ? value.id : undefined;
  return { name, arguments: argsText, ...(id ? { id } : {}) };
}

function nameOf(value: unknown): { name?: string } {
  return isPlainObject(value) && typeof value.name === "string" ? { name: value.name } : {};
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

function nextMarkerOrEnd(text: string, from: number, marker: string): number {
  const n = text.indexOf(marker, from);
  return n < 0 ? text.length : n;
}

/** A JSON value found in a reply: its value, where it ends, and where the members of its objects and arrays lie. */
export interface ScannedJson {
  value: unknown;
  end: number;
  /** Object start → its members' value spans [start, end) (objects at depth ≤ 2). */
  members: Map<number, Map<string, [number, number]>>;
  /** Array start → its items' spans (arrays at depth ≤ 2). */
  items: Map<number, [number, number][]>;
}

const MAX_JSON_DEPTH = 512;

/**
 * The JSON object or array that starts at `start` (strict JSON), or undefined when it does not close or is not JSON.
 * Spans let a call's arguments be returned as the model wrote them (numbers beyond double precision included).
 */
export function scanJson(text: string, start: number): ScannedJson | undefined {
  const first = text[start];
  if (first !== "{" && first !== "[") return undefined;
  const members = new Map<number, Map<string, [number, number]>>();
  const items = new Map<number, [number, number][]>();
  const ws = (i: number) => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
    return i;
  };
  const str = (i: number): number => {
    for (i++; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return i + 1;
      if (c < 0x20) return -1;
      if (c === 0x5c) i++;
    }
    return -1;
  };
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const value = (i: number, depth: number): number => {
    if (depth > MAX_JSON_DEPTH) return -1;
    const c = text[i];
    if (c === '"') return str(i);
    if (c === "{" || c === "[") {
      const spans = new Map<string, [number, number]>();
      const list: [number, number][] = [];
      if (depth <= 2) (c === "{" ? members.set(i, spans) : items.set(i, list));
      let j = ws(i + 1);
      if (text[j] === (c === "{" ? "}" : "]")) return j + 1;
      for (;;) {
        let key = "";
        if (c === "{") {
          if (text[j] !== '"') return -1;
          const k = str(j);
          if (k < 0) return -1;
          key = text.slice(j, k);
          j = ws(k);
          if (text[j] !== ":") return -1;
          j = ws(j + 1);
        }
        const e = value(j, depth + 1);
        if (e < 0) return -1;
        if (c === "{") spans.set(JSON.parse(key) as string, [j, e]);
        else list.push([j, e]);
        j = ws(e);
        if (text[j] === ",") j = ws(j + 1);
        else if (text[j] === (c === "{" ? "}" : "]")) return j + 1;
        else return -1;
      }
    }
    for (const word of ["true", "false", "null"]) if (text.startsWith(word, i)) return i + word.length;
    NUMBER.lastIndex = i;
    return NUMBER.test(text) ? NUMBER.lastIndex : -1;
  };
  const end = value(start, 0);
  if (end < 0) return undefined;
  return { value: JSON.parse(text.slice(start, end)), end, members, items };
}
