// The output-constraint options shared by run, chat and grammar: --grammar FILE.gbnf, --json-schema FILE.json,
// --json-mode. Every problem (missing file, bad JSON, bad grammar) is one line that names the file.
import { readFileSync } from "node:fs";
import { EdgeError } from "../errors.js";
import { Grammar } from "../runtime/grammar/grammar.js";
import { anyJsonGbnf, jsonSchemaToGbnf } from "../runtime/grammar/json-schema.js";
import type { OptionSpec, Parsed } from "./args.js";

export const GRAMMAR_OPTIONS: Record<string, OptionSpec> = {
  grammar: { type: "string", help: "constrain the output to a GBNF grammar file (llama.cpp's dialect)" },
  "json-schema": { type: "string", help: "constrain the output to JSON valid under this JSON Schema file (or inline JSON)" },
  "json-mode": { type: "boolean", help: "constrain the output to any JSON value" },
};

/** Reads a text file as UTF-8, with one-line errors. */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EdgeError("file_not_found", `${path}: ${what} not found`);
    if (code === "EISDIR") throw new EdgeError("io_error", `${path}: is a directory, not a ${what}`);
    throw new EdgeError("io_error", `${path}: cannot read ${what} (${code ?? String(e)})`);
  }
}

/** The JSON Schema given by --json-schema: a file, or inline JSON when the value starts with `{`. */
export function readJsonSchema(value: string): unknown {
  const inline = value.trimStart().startsWith("{");
  const text = inline ? value : readTextFile(value, "JSON Schema file");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EdgeError("schema_invalid", `${inline ? "--json-schema" : value}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
}

/** Prefix a grammar/schema error with the file it came from. */
function fromFile<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EdgeError) throw new EdgeError(e.code, `${path}: ${e.message}`);
    throw e;
  }
}

/** The GBNF text the options ask for, or undefined when none of them is given. */
export function gbnfFromArgs(p: Parsed): { gbnf: string; source: string } | undefined {
  const given = ["grammar", "json-schema", "json-mode"].filter((k) => p[k] !== undefined);
  if (given.length > 1) throw new EdgeError("bad_argument", `--${given[0]} and --${given[1]} cannot be used together`);
  if (typeof p.grammar === "string") return { gbnf: readTextFile(p.grammar, "grammar file"), source: p.grammar };
  const schema = p["json-schema"];
  if (typeof schema === "string") {
    const label = schema.trimStart().startsWith("{") ? "--json-schema" : schema;
    return { gbnf: fromFile(label, () => jsonSchemaToGbnf(readJsonSchema(schema))), source: label };
  }
  if (p["json-mode"]) return { gbnf: anyJsonGbnf(), source: "--json-mode" };
  return undefined;
}

/** The compiled grammar the options ask for (tokens `<text>` resolved with `tokenId`), or undefined. */
export function grammarFromArgs(p: Parsed, tokenId?: (text: string) => number | undefined): Grammar | undefined {
  const g = gbnfFromArgs(p);
  return g && fromFile(g.source, () => Grammar.fromGbnf(g.gbnf, { tokenId }));
}
