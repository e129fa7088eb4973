// `edgellm tokenize`: token ids of a text (or of each JSON string line on stdin) as JSON arrays.
import { EdgeError } from "../../errors.js";
import { loadTokenizer } from "../../engine.js";
import { helpText, parseArgs, requireString, type OptionSpec } from "../args.js";
import { readJsonStringLines } from "../common.js";

const SPEC: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "GGUF file (a vocabulary-only file is enough)" },
  prompt: { type: "string", alias: "p", help: "text to tokenize" },
  jsonl: { type: "boolean", help: "read one JSON string per line from stdin, print one JSON array per line" },
  "no-special": { type: "boolean", help: "add no BOS/EOS and treat special-token text as plain text" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = "edgellm tokenize -m FILE (-p TEXT | --jsonl) [--no-special]";

export const command = {
  summary: "print the token ids of a text as JSON",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const { tokenizer } = loadTokenizer(requireString(p, "model", "model file"));
    const special = p["no-special"] !== true;
    const encode = (text: string) => tokenizer.encode(text, { addSpecial: special, parseSpecial: special });
    if (p.jsonl) {
      if (p.prompt !== undefined) throw new EdgeError("bad_argument", "use either -p or --jsonl, not both");
      const out = (await readJsonStringLines()).map((text) => JSON.stringify(encode(text)));
      process.stdout.write(out.length ? out.join("\n") + "\n" : "");
    } else {
      process.stdout.write(JSON.stringify(encode(requireString(p, "prompt", "text"))) + "\n");
    }
  },
};
