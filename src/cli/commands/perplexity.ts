// `edgellm perplexity`: perplexity of a model over a text file, computed as llama-perplexity does.
import { EdgeError } from "../../errors.js";
import { klDivergence, type KldStats } from "../../eval/kl-divergence.js";
import { chunkBos, perplexity } from "../../eval/perplexity.js";
import { helpText, parseArgs, requireString, type OptionSpec, type Parsed } from "../args.js";
import { MODEL_OPTIONS, openModel, positiveInt, readTextFile } from "../common.js";

const SPEC: Record<string, OptionSpec> = {
  ...MODEL_OPTIONS,
  file: { type: "string", alias: "f", help: "UTF-8 text file" },
  ctx: { type: "number", alias: "c", help: "tokens per chunk", default: 512 },
  batch: { type: "number", alias: "b", help: "tokens per forward pass", default: 64 },
  chunks: { type: "number", help: "score at most this many chunks" },
  "kld-base": { type: "string", help: "base model (e.g. the F16 file the model was quantized from): also KL divergence and top-token agreement against it, as llama-perplexity --kl-divergence" },
  json: { type: "boolean", help: 'print {"perplexity", "tokens", "chunks"} (with --kld-base: every statistic)' },
};
const USAGE = "edgellm perplexity -m FILE -f TEXTFILE [--ctx N] [--kld-base BASE.gguf] [--json]";

export const command = {
  summary: "perplexity of a model over a text file",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const textPath = requireString(p, "file", "text file");
    const text = readTextFile(textPath);
    const ctx = positiveInt(p, "ctx")!;
    if (p["kld-base"] !== undefined) return kldCommand(p, text, ctx);
    const lm = openModel(p);
    const tokens = lm.tokenizer.encode(text);
    const maxChunks = positiveInt(p, "chunks");
    const usable = maxChunks ? tokens.slice(0, maxChunks * ctx) : tokens;
    const session = lm.createSession({ ctx, batch: Math.min(positiveInt(p, "batch")!, ctx), allLogits: true });
    const bos = chunkBos(lm.tokenizer);
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

/** --kld-base: both models side by side over the same chunks. */
function kldCommand(p: Parsed, text: string, ctx: number): void {
  const basePath = p["kld-base"];
  if (typeof basePath !== "string" || basePath === "") throw new EdgeError("bad_argument", "--kld-base needs a GGUF file");
  const lm = openModel(p);
  const base = openModel({ ...p, model: basePath });
  try {
    const tokens = lm.tokenizer.encode(text);
    const baseTokens = base.tokenizer.encode(text);
    if (baseTokens.length !== tokens.length || baseTokens.some((t, i) => t !== tokens[i])) {
      throw new EdgeError("bad_argument", `${basePath}: its tokenizer splits the text differently from the model's: not the same model`);
    }
    const maxChunks = positiveInt(p, "chunks");
    const usable = maxChunks ? tokens.slice(0, maxChunks * ctx) : tokens;
    const batch = Math.min(positiveInt(p, "batch")!, ctx);
    const session = lm.createSession({ ctx, batch, allLogits: true });
    const baseSession = base.createSession({ ctx, batch, allLogits: true });
    const bos = chunkBos(lm.tokenizer);
    const r = klDivergence(session, baseSession, usable, ctx, bos, (i, n, s) => {
      process.stderr.write(`[edgellm] chunk ${i + 1}/${n}: perplexity ${s.ppl.toFixed(4)}, mean KLD ${s.kld.toFixed(6)}\n`);
    });
    if (p.json) process.stdout.write(JSON.stringify(r) + "\n");
    else process.stdout.write(kldReport(r));
  } finally {
    lm.dispose();
    base.dispose();
  }
}

/** The statistics in llama-perplexity's words. */
export function kldReport(r: KldStats): string {
  const f = (x: number, d = 6) => x.toFixed(d);
  return [
    `scored ${r.count} tokens in ${r.chunks} chunks`,
    `Mean PPL(Q)                   : ${f(r.ppl)} ± ${f(r.pplUnc)}`,
    `Mean PPL(base)                : ${f(r.pplBase)} ± ${f(r.pplBaseUnc)}`,
    `Cor(ln(PPL(Q)), ln(PPL(base))): ${(100 * r.logPplCorrelation).toFixed(2)}%`,
    `Mean ln(PPL(Q)/PPL(base))     : ${f(r.logPplRatio)} ± ${f(r.logPplRatioUnc)}`,
    `Mean PPL(Q)-PPL(base)         : ${f(r.pplDiff)} ± ${f(r.pplDiffUnc)}`,
    `Mean    KLD: ${f(r.kldMean)} ± ${f(r.kldUnc)}`,
    `Maximum KLD: ${f(r.kldMax)}`,
    `99.9%   KLD: ${f(r.kldP999)}`,
    `99.0%   KLD: ${f(r.kldP99)}`,
    `90.0%   KLD: ${f(r.kldP90)}`,
    `Median  KLD: ${f(r.kldMedian)}`,
    `Same top p: ${(100 * r.sameTop).toFixed(3)} ± ${(100 * r.sameTopUnc).toFixed(3)} %`,
    "",
  ].join("\n");
}
