// `edgellm perplexity`: perplexity of a model over a text file, computed as llama-perplexity does.
import { readFileSync } from "node:fs";
import { EdgeError } from "../../errors.js";
import { perplexity } from "../../eval/perplexity.js";
import { helpText, parseArgs, requireString, type OptionSpec } from "../args.js";
import { MODEL_OPTIONS, openModel, positiveInt } from "../common.js";

const SPEC: Record<string, OptionSpec> = {
  ...MODEL_OPTIONS,
  file: { type: "string", alias: "f", help: "UTF-8 text file" },
  ctx: { type: "number", alias: "c", help: "tokens per chunk", default: 512 },
  batch: { type: "number", alias: "b", help: "tokens per forward pass", default: 64 },
  chunks: { type: "number", help: "score at most this many chunks" },
  json: { type: "boolean", help: 'print {"perplexity", "tokens", "chunks"}' },
};
const USAGE = "edgellm perplexity -m FILE -f TEXTFILE [--ctx N] [--json]";

export const command = {
  summary: "perplexity of a model over a text file",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const textPath = requireString(p, "file", "text file");
    let text: string;
    try {
      text = readFileSync(textPath, "utf8");
    } catch {
      throw new EdgeError("file_not_found", `${textPath}: cannot read text file`);
    }
    const ctx = positiveInt(p, "ctx")!;
    const lm = openModel(p);
    const tokens = lm.tokenizer.encode(text);
    const maxChunks = positiveInt(p, "chunks");
    const usable = maxChunks ? tokens.slice(0, maxChunks * ctx) : tokens;
    const session = lm.createSession({ ctx, batch: Math.min(positiveInt(p, "batch")!, ctx), allLogits: true });
    const bos = lm.tokenizer.addsBos ? (lm.tokenizer.bos ?? -1) : -1;
    const t0 = performance.now();
    const r = perplexity(session, usable, ctx, bos, (i, n, ppl) => {
      process.stderr.write(`[edgellm] chunk ${i + 1}/${n}: perplexity ${ppl.toFixed(4)}\n`);
    });
    const secs = (performance.now() - t0) / 1000;
    if (p.json) process.stdout.write(JSON.stringify({ perplexity: r.perplexity, tokens: r.tokens, chunks: r.chunks }) + "\n");
    else process.stdout.write(`perplexity ${r.perplexity.toFixed(4)} over ${r.tokens} scored tokens in ${r.chunks} chunks of ${ctx}\n`);
    process.stderr.write(`[edgellm] ${tokens.length} text tokens, ${(r.chunks * ctx / secs).toFixed(1)} tok/s\n`);
    lm.dispose();
  },
};
