// `edgellm run`: generate a continuation of a prompt, streamed to stdout (statistics to stderr).
import { EdgeError } from "../../errors.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec } from "../args.js";
import { ChatTemplate } from "../../tokenizer/chat-template.js";
import { contextOf, MEMORY_OPTIONS, MODEL_OPTIONS, openModel, SAMPLING_OPTIONS, samplingFromArgs, singleTokenId } from "../common.js";
import { GRAMMAR_OPTIONS, grammarFromArgs } from "../grammar-options.js";

const SPEC: Record<string, OptionSpec> = {
  ...MODEL_OPTIONS,
  ...MEMORY_OPTIONS,
  prompt: { type: "string", alias: "p", help: "prompt text" },
  ...SAMPLING_OPTIONS,
  ...GRAMMAR_OPTIONS,
  logprobs: { type: "number", help: "with --json: the K most likely tokens at each step" },
  json: { type: "boolean", help: "print one JSON object {text, tokens, prompt_tokens, logprobs} when done" },
};
const USAGE = "edgellm run [-m FILE] -p TEXT [options]";

export const command = {
  summary: "generate text from a prompt",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const prompt = requireString(p, "prompt", "prompt");
    const logprobs = optionalNumber(p, "logprobs");
    if (logprobs !== undefined && (!Number.isInteger(logprobs) || logprobs < 1)) throw new EdgeError("bad_argument", `--logprobs must be a positive integer`);
    const sampling = samplingFromArgs(p, argv);

    const t0 = performance.now();
    const lm = openModel(p, true);
    const t1 = performance.now();
    const grammar = grammarFromArgs(p, singleTokenId(lm));
    const session = lm.createSession({ ctx: contextOf(p, lm) });
    // The bundled demo model is a chat model: without -m the prompt goes through its chat template.
    const template = p.model === undefined ? ChatTemplate.fromGguf(lm.file, lm.tokenizer) : undefined;
    const promptIds = template ? template.promptIds(lm.tokenizer, [{ role: "user", content: prompt }]) : lm.tokenizer.encode(prompt);
    const json = p.json === true;
    const out = { text: "", tokens: [] as number[], prompt_tokens: promptIds, logprobs: [] as [number, number][][] };
    let tFirst = 0;
    for await (const piece of lm.generate(session, promptIds, { ...sampling, logprobs, grammar })) {
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
      `[edgellm] model ${lm.config.name} (${lm.config.architecture}), kernels ${lm.kernels.name}, ctx ${session.ctx}, seed ${sampling.seed}\n` +
        `[edgellm] load ${(t1 - t0).toFixed(0)} ms; prompt ${promptIds.length} tokens in ${prefillMs.toFixed(0)} ms ` +
        `(${((promptIds.length * 1000) / prefillMs).toFixed(1)} tok/s); generated ${out.tokens.length} tokens` +
        (decodeN > 0 ? `, ${((decodeN * 1000) / (t2 - tFirst)).toFixed(1)} tok/s` : "") +
        "\n",
    );
    lm.dispose();
  },
};
