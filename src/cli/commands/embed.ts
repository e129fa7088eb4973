// `edgellm embed`: sentence embeddings as JSON arrays of floats, one per input (a text, or each JSON string line on
// stdin), pooled as the model says (or --pooling) and L2-normalized unless --no-normalize.
import { EdgeError } from "../../errors.js";
import { POOLINGS, type Pooling } from "../../runtime/embed.js";
import { helpText, parseArgs, requireString, type OptionSpec } from "../args.js";
import { openModel, readJsonStringLines } from "../common.js";

const SPEC: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "GGUF file (an encoder such as BGE/MiniLM, or a decoder)" },
  prompt: { type: "string", alias: "p", help: "text to embed" },
  jsonl: { type: "boolean", help: "read one JSON string per line from stdin, print one JSON array per line, in order" },
  pooling: { type: "string", help: "mean | cls | last (default: the model's pooling_type; mean for decoders)" },
  normalize: { type: "boolean", help: "L2-normalize (the default)" },
  "no-normalize": { type: "boolean", help: "print the pooled vector as it is" },
  threads: { type: "string", alias: "t", help: "worker threads" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = "edgellm embed -m FILE (-p TEXT | --jsonl) [--pooling mean|cls|last] [--no-normalize]";

export const command = {
  summary: "print sentence embeddings as JSON arrays",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    if (p.normalize && p["no-normalize"]) throw new EdgeError("bad_argument", "use either --normalize or --no-normalize");
    const pooling = p.pooling as string | undefined;
    if (pooling !== undefined && !POOLINGS.includes(pooling as Pooling)) {
      throw new EdgeError("bad_argument", `--pooling must be one of ${POOLINGS.join(", ")}, got "${pooling}"`);
    }
    if (p.jsonl && p.prompt !== undefined) throw new EdgeError("bad_argument", "use either -p or --jsonl, not both");
    const texts = p.jsonl ? await readJsonStringLines(true) : [requireString(p, "prompt", "text")];
    const lm = openModel(p);
    try {
      const opts = { pooling: pooling as Pooling | undefined, normalize: p["no-normalize"] !== true };
      const out: string[] = [];
      for (const t of texts) out.push(JSON.stringify(Array.from(lm.embed([t], opts)[0])));
      process.stdout.write(out.length ? out.join("\n") + "\n" : "");
    } finally {
      lm.dispose();
    }
  },
};
