// Grammars for tool calls: the call syntax of a format around each tool's parameters schema (JSON Schema → GBNF by
// runtime/grammar/json-schema.ts, one grammar per tool, merged by renaming their rules), so that a constrained reply
// is always a parseable call with valid arguments. Also the grammars of tool_choice "none" (any text without the
// call marker) and of a constrained "auto" (free text until the marker, then a valid call), llama.cpp's lazy grammar
// written as an ordinary one.
import { EdgeError } from "../errors.js";
import { Grammar } from "../runtime/grammar/grammar.js";
import { jsonSchemaToGbnf } from "../runtime/grammar/json-schema.js";
import type { ToolDefinition } from "./tool-calls.js";
import { HERMES_CLOSE, HERMES_OPEN, MISTRAL_ARGS, MISTRAL_CALL_ID, MISTRAL_CALLS, type ToolCallFormat } from "./tool-formats.js";
import { cachedGrammar } from "../runtime/grammar/grammar-cache.js";

export interface ToolGrammarOptions {
  /** Allow several calls in one reply (formats that have a syntax for it). */
  parallel?: boolean;
  /**
   * The id of the single control token whose text this is (e.g. Mistral's "[TOOL_CALLS]"), if the vocabulary has one:
   * the grammar then asks for that token, as the model was trained to write it.
   */
  controlToken?: (text: string) => number | undefined;
}

/** What the grammar allows: only calls (tool_choice required / named), text or calls ("auto"), text without calls. */
export type ToolGrammarMode = "calls" | "auto" | "text";

/** GBNF text for replies in `format` under `mode`; `tools` are the callable ones (ignored in "text" mode). */
export function toolCallGbnf(format: ToolCallFormat, tools: readonly ToolDefinition[], mode: ToolGrammarMode, options: ToolGrammarOptions = {}): string {
  const b = new Builder(options);
  const parallel = options.parallel ?? false;
  if (mode !== "text") {
    if (tools.length === 0) throw new EdgeError("tools_invalid", "a tool-call grammar needs at least one tool");
    b.args = mergeSchemaGrammars(tools.map((t) => jsonSchemaToGbnf(parametersSchema(t))));
  }
  const callAlts = () => tools.map((t, i) => b.rule(`call-${i}`, callBody(format, t.function.name, b, `a${i}-${b.args.roots[i]}`))).join(" | ");
  const sp = b.space();
  switch (format) {
    case "hermes": {
      if (mode === "text") return b.root(b.markerFree("text", HERMES_OPEN, undefined));
      const body = b.rule("tool-call-body", callAlts());
      const rest = b.rule("tool-call-rest", `${sp} ${body} ${sp} ${lit(HERMES_CLOSE)}`);
      const call = b.rule("tool-call", `${b.marker(HERMES_OPEN)} ${rest}`);
      const more = parallel ? b.rule("more-calls", `( ${sp} ${call} )*`) : "";
      if (mode === "calls") return b.root(`${call} ${more}`);
      return b.root(b.markerFree("text", HERMES_OPEN, `${rest} ${more}`));
    }
    case "llama3": {
      const text = b.rule("text", `[ \\t\\r\\n]* ( [^{ \\t\\r\\n] .* )?`); // an answer: anything that does not open a JSON object
      if (mode === "text") return b.root(text);
      const call = b.rule("tool-call", callAlts()); // Llama 3.x writes one call per reply
      return b.root(mode === "calls" ? call : `${call} | ${text}`);
    }
    case "mistral": {
      if (mode === "text") return b.root(b.markerFree("text", MISTRAL_CALLS, undefined));
      const call = b.rule("tool-call", callAlts());
      const list = b.rule("tool-calls", `${sp} "[" ${sp} ${call} ${parallel ? `( ${sp} "," ${sp} ${call} )*` : ""} ${sp} "]"`);
      if (mode === "calls") return b.root(`${b.marker(MISTRAL_CALLS)} ${list}`);
      return b.root(b.markerFree("text", MISTRAL_CALLS, list));
    }
    case "mistral-v11": {
      if (mode === "text") return b.root(b.markerFree("text", MISTRAL_CALLS, undefined));
      const body = b.rule("tool-call-body", callAlts());
      const more = parallel ? b.rule("more-calls", `( ${b.marker(MISTRAL_CALLS)} ${body} )*`) : "";
      if (mode === "calls") return b.root(`${b.marker(MISTRAL_CALLS)} ${body} ${more}`);
      return b.root(b.markerFree("text", MISTRAL_CALLS, `${body} ${more}`));
    }
  }
}

/** Compile GBNF text, reusing the Grammar (and so its automaton and token masks) of the same text seen lately. */
export function compileToolGrammar(gbnf: string): Grammar {
  return cachedGrammar(gbnf);
}

/** A tool's parameters schema; a function without parameters takes an empty object. */
export function parametersSchema(tool: ToolDefinition): unknown {
  return tool.function.parameters ?? { type: "object", properties: {} };
}

/** The JSON of one call after its marker: name and arguments (rule `args` is the tool's parameters). */
function callBody(format: ToolCallFormat, name: string, b: Builder, args: string): string {
  const sp = b.space();
  const key = (k: string) => `${lit(JSON.stringify(k))} ${sp} ":" ${sp}`;
  const nameJson = lit(JSON.stringify(name));
  switch (format) {
    case "hermes":
      return `"{" ${sp} ${key("name")} ${nameJson} ${sp} "," ${sp} ${key("arguments")} ${args} ${sp} "}"`;
    case "llama3":
      return `"{" ${sp} ${key("name")} ${nameJson} ${sp} "," ${sp} ${key("parameters")} ${args} ${sp} "}"`;
    case "mistral": // Nemo's template writes a 9-character id after the arguments; the model may too
      return `"{" ${sp} ${key("name")} ${nameJson} ${sp} "," ${sp} ${key("arguments")} ${args} ( ${sp} "," ${sp} ${key("id")} "\\"" [a-zA-Z0-9]{9} "\\"" )? ${sp} "}"`;
    case "mistral-v11":
      return `${lit(name)} ( ${b.marker(MISTRAL_CALL_ID)} [a-zA-Z0-9]{9} )? ${b.marker(MISTRAL_ARGS)} ${args}`;
  }
}

/** Collects the wrapper rules (all named `tc-…`, apart from the argument grammars' `a<i>-…`). */
class Builder {
  private readonly rules: string[] = [];
  args: MergedGrammars = { text: "", roots: [] };

  constructor(private readonly options: ToolGrammarOptions) {}

  rule(name: string, body: string): string {
    const n = `tc-${name}`;
    this.rules.push(`${n} ::= ${body.trim()}`);
    return n;
  }

  space(): string {
    if (!this.rules.some((r) => r.startsWith("tc-space ::="))) this.rules.push(`tc-space ::= | " " | "\\n"`);
    return "tc-space";
  }

  /** A marker text as a grammar element: its control token when the vocabulary has one, else the literal text. */
  marker(text: string): string {
    const id = this.options.controlToken?.(text);
    return id === undefined ? lit(text) : `<[${id}]>`;
  }

  /**
   * Text that never contains `marker` (a Knuth–Morris–Pratt automaton over its characters, one rule per matched
   * prefix); when `then` is given, completing the marker continues with `then` instead of being refused.
   */
  markerFree(name: string, marker: string, then: string | undefined): string {
    const w = Array.from(marker);
    const m = w.length;
    const fail = new Array<number>(m).fill(0);
    for (let i = 1, k = 0; i < m; i++) {
      while (k > 0 && w[i] !== w[k]) k = fail[k - 1];
      if (w[i] === w[k]) k++;
      fail[i] = k;
    }
    const next = (k: number, c: string) => {
      while (k > 0 && w[k] !== c) k = fail[k - 1];
      return w[k] === c ? k + 1 : 0;
    };
    const chars = [...new Set(w)];
    const state = (k: number) => `tc-${name}-${k}`;
    const id = this.options.controlToken?.(marker);
    for (let k = 0; k < m; k++) {
      const alts = [""]; // the reply may end anywhere
      for (const c of chars) {
        const t = next(k, c);
        if (t < m) alts.push(`${lit(c)} ${state(t)}`);
        else if (then !== undefined) alts.push(`${lit(c)} ${then}`);
      }
      alts.push(`[^${chars.map(classChar).join("")}] ${state(0)}`);
      if (id !== undefined && then !== undefined) alts.push(`<[${id}]> ${then}`);
      this.rules.push(`${state(k)} ::= ${alts.join(" | ")}`);
    }
    return state(0);
  }

  root(body: string): string {
    return [`root ::= ${body.trim()}`, ...this.rules, this.args.text].filter((s) => s !== "").join("\n") + "\n";
  }
}

// ---- merging the argument grammars ----

export interface MergedGrammars {
  /** Rules of every grammar, renamed `a<i>-<name>` (rules equal in all they reach are kept once). */
  text: string;
  /** The original name of each grammar's start rule ("root"): the merged start rule is `a<i>-<root>`, or shared. */
  roots: string[];
}

type Tok = string | { ref: string };

interface GbnfRule {
  name: string;
  body: Tok[];
}

/**
 * Put several GBNF grammars into one: grammar i's rule `x` becomes `a<i>-x`, unless an earlier grammar has a rule
 * `x` with the same body reaching the same rules (llama.cpp's `space`, `string`, `char`, …): that one is shared.
 */
export function mergeSchemaGrammars(grammars: readonly string[]): MergedGrammars {
  const out: string[] = [];
  const roots: string[] = [];
  const seen = new Map<string, string>(); // closure signature → merged name
  grammars.forEach((text, i) => {
    const rules = lexGbnf(text);
    const byName = new Map(rules.map((r) => [r.name, r]));
    const root = byName.has("root") ? "root" : rules[0].name;
    roots.push(root);
    const names = new Map<string, string>();
    const signatures = new Map<string, string>();
    for (const r of rules) {
      const sig = closureSignature(r.name, byName);
      signatures.set(r.name, sig);
      names.set(r.name, seen.get(sig) ?? `a${i}-${r.name}`);
    }
    for (const r of rules) {
      const sig = signatures.get(r.name)!;
      if (seen.has(sig)) continue;
      seen.set(sig, names.get(r.name)!);
      out.push(`${names.get(r.name)} ::= ${r.body.map((t) => (typeof t === "string" ? t : names.get(t.ref) ?? t.ref)).join(" ")}`);
    }
    // the start rule is looked up as a<i>-<root>: alias it when it was shared with an earlier grammar
    const rootName = names.get(root)!;
    if (rootName !== `a${i}-${root}`) out.push(`a${i}-${root} ::= ${rootName}`);
  });
  return { text: out.join("\n"), roots };
}

/** The rule's name and body with those of every rule it reaches (same signature ⇒ same language). */
function closureSignature(start: string, byName: Map<string, GbnfRule>): string {
  const order: string[] = [];
  const stack = [start];
  const visited = new Set<string>();
  while (stack.length) {
    const n = stack.pop()!;
    if (visited.has(n)) continue;
    visited.add(n);
    order.push(n);
    for (const t of byName.get(n)?.body ?? []) if (typeof t !== "string") stack.push(t.ref);
  }
  return order
    .sort()
    .map((n) => `${n}=${(byName.get(n)?.body ?? []).map((t) => (typeof t === "string" ? t : `@${t.ref}`)).join(" ")}`)
    .join("\n");
}

/** GBNF text → rules with their bodies as tokens (rule references marked); comments dropped. */
export function lexGbnf(text: string): GbnfRule[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = text.length;
  const until = (close: string, from: number) => {
    let j = from;
    while (j < n && text[j] !== close) j += text[j] === "\\" ? 2 : 1;
    return Math.min(j + 1, n);
  };
  while (i < n) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") i++;
    else if (c === "#") while (i < n && text[i] !== "\n") i++;
    else if (text.startsWith("::=", i)) {
      toks.push("::=");
      i += 3;
    } else if (c === '"' || c === "[") {
      const end = until(c === '"' ? '"' : "]", i + 1);
      toks.push(text.slice(i, end));
      i = end;
    } else if (c === "{" || c === "<" || (c === "!" && text[i + 1] === "<")) {
      const end = text.indexOf(c === "{" ? "}" : ">", i);
      const e = end < 0 ? n : end + 1;
      toks.push(text.slice(i, e));
      i = e;
    } else if (/[a-zA-Z0-9-]/.test(c)) {
      let j = i;
      while (j < n && /[a-zA-Z0-9-]/.test(text[j])) j++;
      toks.push({ ref: text.slice(i, j) });
      i = j;
    } else {
      toks.push(c);
      i++;
    }
  }
  const rules: GbnfRule[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (typeof t !== "string" && toks[k + 1] === "::=") {
      rules.push({ name: t.ref, body: [] });
      k++;
    } else if (rules.length) rules[rules.length - 1].body.push(t);
  }
  return rules;
}

// ---- GBNF literals ----

/** A GBNF string literal matching exactly `s`. */
export function lit(s: string): string {
  let out = '"';
  for (const ch of s) out += ch === '"' ? '\\"' : ch === "\\" ? "\\\\" : escapeControl(ch);
  return out + '"';
}

function classChar(ch: string): string {
  return ch === "]" || ch === "[" || ch === "\\" || ch === "-" ? "\\" + ch : escapeControl(ch);
}

function escapeControl(ch: string): string {
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  if (ch === "\t") return "\\t";
  const cp = ch.codePointAt(0)!;
  return cp < 0x20 || cp === 0x7f ? "\\x" + cp.toString(16).padStart(2, "0") : ch;
}
