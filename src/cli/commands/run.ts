// `edgellm run`: generate a continuation of a prompt, streamed to stdout (statistics to stderr).
import { EdgeError } from "../../errors.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec } from "../args.js";
import { MODEL_OPTIONS, openModel, positiveInt } from "../common.js";

const SPEC: Record<string, OptionSpec> = {
  ...MODEL_OPTIONS,
  prompt: { type: "string", alias: "p", help: "prompt text" },
  "n-predict": { type: "number", alias: "n", help: "tokens to generate (-1 = until the context is full)", default: 128 },
  temp: { type: "number", help: "temperature (0 = greedy)", default: 0.8 },
  "top-k": { type: "number", help: "top-k (0 = off)", default: 40 },
  "top-p": { type: "number", help: "top-p (1 = off)", default: 0.95 },
  "min-p": { type: "number", help: "min-p (0 = off)", default: 0.05 },
  "repeat-penalty": { type: "number", help: "repetition penalty (1 = off)", default: 1 },
  "repeat-last-n": { type: "number", help: "tokens the repetition penalty looks back over", default: 64 },
  seed: { type: "number", help: "random seed (default: random)" },
  ctx: { type: "number", alias: "c", help: "context size in tokens (default: the model's, capped by the memory budget)" },
  stop: { type: "string", help: "stop string (repeat the option for several)" },
  logprobs: { type: "number", help: "with --json: the K most likely tokens at each step" },
  json: { type: "boolean", help: "print one JSON object {text, tokens, prompt_tokens, logprobs} when done" },
};
const USAGE = "edgellm run -m FILE -p TEXT [options]";

export const command = {
  summary: "generate text from a prompt",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const prompt = requireString(p, "prompt", "prompt");
    const stops = collect(argv, "--stop");
    const nPredict = optionalNumber(p, "n-predict")!;
    if (!Number.isInteger(nPredict) || nPredict < -1) throw new EdgeError("bad_argument", `-n must be -1 or a non-negative integer, got ${nPredict}`);
    const logprobs = optionalNumber(p, "logprobs");
    if (logprobs !== undefined && (!Number.isInteger(logprobs) || logprobs < 1)) throw new EdgeError("bad_argument", `--logprobs must be a positive integer`);
    const seed = optionalNumber(p, "seed") ?? Math.floor(Math.random() * 2 ** 31);

    const t0 = performance.now();
    const lm = openModel(p);
    const t1 = performance.now();
    const session = lm.createSession({ ctx: positiveInt(p, "ctx") });
    const promptIds = lm.tokenizer.encode(prompt);
    const json = p.json === true;
    const out = { text: "", tokens: [] as number[], prompt_tokens: promptIds, logprobs: [] as [number, number][][] };
    let tFirst = 0;
    for await (const piece of lm.generate(session, promptIds, {
      maxTokens: nPredict,
      temperature: optionalNumber(p, "temp"),
      topK: optionalNumber(p, "top-k"),
      topP: optionalNumber(p, "top-p"),
      minP: optionalNumber(p, "min-p"),
      repeatPenalty: optionalNumber(p, "repeat-penalty"),
      repeatLastN: optionalNumber(p, "repeat-last-n"),
      seed,
      stop: stops,
      logprobs,
    })) {
      if (!tFirst) tFirst = performance.now();
      if (piece.token >= 0) out.tokens.push(piece.token);
      if (piece.logprobs) out.logprobs.push(piece.logprobs);
      out.text += piece.text;
      if (!json && piece.text) process.stdout.write(piece.text);
    }
    const t2 = performance.now();
    if (json) {
      const obj: Record<string, unknown> = { text: out.text, tokens: out.tokens, prompt_tokens: out.prompt_tokens };
      if (logprobs) obj.logprobs = out.logprobs;
      process.stdout.write(JSON.stringify(obj) + "\n");
    } else process.stdout.write("\n");
    const decodeN = Math.max(0, out.tokens.length - 1);
    const prefillMs = (tFirst || t2) - t1;
    process.stderr.write(
      `[edgellm] model ${lm.config.name} (${lm.config.architecture}), kernels ${lm.kernels.name}, ctx ${session.ctx}, seed ${seed}\n` +
        `[edgellm] load ${(t1 - t0).toFixed(0)} ms; prompt ${promptIds.length} tokens in ${prefillMs.toFixed(0)} ms ` +
        `(${((promptIds.length * 1000) / prefillMs).toFixed(1)} tok/s); generated ${out.tokens.length} tokens` +
        (decodeN > 0 ? `, ${((decodeN * 1000) / (t2 - tFirst)).toFixed(1)} tok/s` : "") +
        "\n",
    );
    lm.dispose();
  },
};

/** All values of a repeatable option. */
function collect(argv: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag && i + 1 < argv.length) out.push(argv[++i]);
    else if (argv[i].startsWith(flag + "=")) out.push(argv[i].slice(flag.length + 1));
  }
  return out;
}
