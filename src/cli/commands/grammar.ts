// `edgellm grammar check` and `edgellm grammar from-schema`: tools for people writing grammars and schemas.
//   grammar check (--grammar FILE | --json-schema FILE | --json-mode) (--jsonl | -p TEXT)
//     --jsonl: one JSON string per line on stdin → one line per input, {"accept": true|false} (whether the whole
//     string is a complete sentence of the grammar); a line that is not a JSON string gets {"error": …}.
//   grammar from-schema FILE.json: prints the GBNF the schema becomes.
import { createInterface } from "node:readline";
import { EdgeError } from "../../errors.js";
import { Grammar } from "../../runtime/grammar/grammar.js";
import { jsonSchemaToGbnf } from "../../runtime/grammar/json-schema.js";
import { helpText, parseArgs, type OptionSpec } from "../args.js";
import { GRAMMAR_OPTIONS, gbnfFromArgs, readJsonSchema } from "../grammar-options.js";

const CHECK_SPEC: Record<string, OptionSpec> = {
  ...GRAMMAR_OPTIONS,
  jsonl: { type: "boolean", help: "read one JSON string per line on stdin; print {\"accept\": bool} per line" },
  prompt: { type: "string", alias: "p", help: "check this one text instead" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const CHECK_USAGE = "edgellm grammar check (--grammar FILE | --json-schema FILE | --json-mode) (--jsonl | -p TEXT)";
const FROM_SCHEMA_USAGE = "edgellm grammar from-schema FILE.json";

export const command = {
  summary: "check strings against a grammar, or turn a JSON Schema into GBNF",
  async run(argv: string[]): Promise<void> {
    const sub = argv[0];
    if (sub === "check") return check(argv.slice(1));
    if (sub === "from-schema") return fromSchema(argv.slice(1));
    if (sub === undefined || sub === "--help" || sub === "-h") {
      return void process.stdout.write(`usage:\n  ${CHECK_USAGE}\n  ${FROM_SCHEMA_USAGE}\n`);
    }
    throw new EdgeError("bad_argument", `unknown grammar subcommand "${sub}" (check, from-schema)`);
  },
};

async function check(argv: string[]): Promise<void> {
  const p = parseArgs(argv, CHECK_SPEC);
  if (p.help) return void process.stdout.write(helpText(CHECK_USAGE, CHECK_SPEC) + "\n");
  if (p._.length) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}"`);
  const source = gbnfFromArgs(p);
  if (!source) throw new EdgeError("bad_argument", "grammar check needs --grammar FILE, --json-schema FILE or --json-mode");
  let grammar: Grammar;
  try {
    grammar = Grammar.fromGbnf(source.gbnf);
  } catch (e) {
    throw e instanceof EdgeError ? new EdgeError(e.code, `${source.source}: ${e.message}`) : e;
  }
  if (typeof p.prompt === "string") {
    if (p.jsonl) throw new EdgeError("bad_argument", "-p and --jsonl cannot be used together");
    return void process.stdout.write(JSON.stringify({ accept: grammar.accepts(p.prompt) }) + "\n");
  }
  if (!p.jsonl) throw new EdgeError("bad_argument", "grammar check needs --jsonl (strings on stdin) or -p TEXT");
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let lineNo = 0;
  let bad = 0;
  for await (const line of rl) {
    lineNo++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (typeof value !== "string") {
      bad++;
      process.stdout.write(JSON.stringify({ error: { message: `line ${lineNo}: expected one JSON string`, code: "bad_argument", line: lineNo } }) + "\n");
      continue;
    }
    process.stdout.write(JSON.stringify({ accept: grammar.accepts(value) }) + "\n");
  }
  if (bad) throw new EdgeError("bad_argument", `${bad} input line${bad > 1 ? "s were" : " was"} not a JSON string`);
}

async function fromSchema(argv: string[]): Promise<void> {
  const p = parseArgs(argv, { help: { type: "boolean", alias: "h", help: "show this help" } });
  if (p.help) return void process.stdout.write(`usage: ${FROM_SCHEMA_USAGE}\n`);
  if (p._.length !== 1) throw new EdgeError("bad_argument", `usage: ${FROM_SCHEMA_USAGE}`);
  const file = p._[0];
  try {
    process.stdout.write(jsonSchemaToGbnf(readJsonSchema(file)));
  } catch (e) {
    throw e instanceof EdgeError && !e.message.startsWith(file) ? new EdgeError(e.code, `${file}: ${e.message}`) : e;
  }
}
