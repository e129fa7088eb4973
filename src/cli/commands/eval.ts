// `edgellm eval`: a model on a task's JSON-lines data set — qa (SQuAD exact match and token F1), summarize (ROUGE-1/2/L
// and sacreBLEU corpus BLEU), classify (accuracy, the output held to the label set by a grammar) — greedy by default.
// The summary (metrics, latency, tokens/s) goes to stdout as a table or --json; each item's output to --out.
import { closeSync, openSync, writeSync } from "node:fs";
import { EdgeError } from "../../errors.js";
import type { LoadedModel } from "../../engine.js";
import { Grammar } from "../../runtime/grammar/grammar.js";
import { ChatTemplate, type ChatMessage } from "../../tokenizer/chat-template.js";
import { readDataset, TASKS, type Task } from "../../eval/tasks/data.js";
import { checkTemplate } from "../../eval/tasks/prompt.js";
import { runEval, summaryTable, type Generate } from "../../eval/tasks/task-runner.js";
import { collect, MODEL_OPTIONS, openModel, positiveInt } from "../common.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec } from "../args.js";

const { model: _model, help, ...LOAD_OPTIONS } = MODEL_OPTIONS;
const SPEC: Record<string, OptionSpec> = {
  task: { type: "string", help: "qa | summarize | classify" },
  data: { type: "string", help: "JSON-lines data (qa: question, context?, answers; summarize: document, summary | summaries; classify: text, label, labels?)" },
  model: { type: "string", alias: "m", help: "GGUF model file" },
  template: { type: "string", help: "prompt template with the task's placeholders: {question} {context} | {document} | {text} {labels} (default: a short instruction per task)" },
  "n-predict": { type: "number", alias: "n", help: "most tokens to generate per item (default: qa 32, summarize 128, classify 32)" },
  limit: { type: "number", help: "evaluate only the first N items" },
  json: { type: "boolean", help: "print the summary as one JSON object" },
  out: { type: "string", help: "write one JSON line per item (prediction, references, scores, ms) to this file" },
  stem: { type: "boolean", help: "ROUGE with Porter stemming (rouge-score's use_stemmer=True)" },
  system: { type: "string", help: "system message for chat models (default: the chat template's own)" },
  raw: { type: "boolean", help: "give the prompt as plain text, not through the model's chat template" },
  ctx: { type: "number", alias: "c", help: "context size in tokens (default: the model's, capped by the memory budget)" },
  temp: { type: "number", help: "temperature (0 = greedy)", default: 0 },
  seed: { type: "number", help: "random seed (used when --temp > 0)", default: 0 },
  stop: { type: "string", help: "stop string (repeat the option for several)" },
  ...LOAD_OPTIONS,
  help,
};
const USAGE = "edgellm eval --task qa|summarize|classify --data FILE.jsonl -m MODEL [--template T] [-n MAX_TOKENS] [--limit N] [--json] [--out PER_ITEM.jsonl]";
const DEFAULT_MAX_TOKENS: Record<Task, number> = { qa: 32, summarize: 128, classify: 32 };

export const command = {
  summary: "evaluate a model on a qa, summarize or classify data set (exact match/F1, ROUGE/BLEU, accuracy)",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const task = requireString(p, "task", "task") as Task;
    if (!TASKS.includes(task)) throw new EdgeError("bad_argument", `--task must be one of ${TASKS.join(", ")}, got "${task}"`);
    const dataPath = requireString(p, "data", "data file");
    requireString(p, "model", "model file");
    const template = typeof p.template === "string" ? p.template : undefined;
    if (template !== undefined) checkTemplate(template, task);
    const maxTokens = positiveInt(p, "n-predict") ?? DEFAULT_MAX_TOKENS[task];
    const limit = positiveInt(p, "limit");
    const temperature = optionalNumber(p, "temp")!;
    if (!(temperature >= 0)) throw new EdgeError("bad_argument", `--temp must be 0 or more, got ${temperature}`);
    const seed = optionalNumber(p, "seed")!;
    if (!Number.isInteger(seed) || seed < 0) throw new EdgeError("bad_argument", `--seed must be a non-negative integer, got ${seed}`);
    const stop = collect(argv, "--stop");

    // The data is read and checked before the model is loaded: a bad line fails in milliseconds.
    const data = await readDataset(dataPath, task, { limit });
    const outPath = typeof p.out === "string" ? p.out : undefined;
    const out = outPath === undefined ? undefined : openOut(outPath);
    const t0 = performance.now();
    let lm: LoadedModel | undefined;
    try {
      lm = openModel(p);
      const loadMs = performance.now() - t0;
      const chat = p.raw ? undefined : ChatTemplate.fromGguf(lm.file, lm.tokenizer);
      const generate = modelGenerator(lm, {
        ctx: positiveInt(p, "ctx"),
        chat,
        system: typeof p.system === "string" ? p.system : undefined,
        options: { maxTokens, temperature, seed, stop },
        where: (line) => `${dataPath}:${line}`,
      });
      const tty = process.stderr.isTTY;
      const summary = await runEval(data, task, {
        template,
        stem: p.stem === true,
        generate,
        onResult(r, i, n) {
          if (out) writeLine(out, outPath!, JSON.stringify(r) + "\n");
          if (tty) process.stderr.write(`\r[edgellm] ${i + 1}/${n} items`);
        },
      });
      if (tty) process.stderr.write("\n");
      if (p.json) process.stdout.write(JSON.stringify({ model: lm.path, data: dataPath, ...summary }) + "\n");
      else process.stdout.write(summaryTable(summary));
      process.stderr.write(
        `[edgellm] model ${lm.config.name} (${lm.config.architecture}), kernels ${lm.kernels.name}, load ${loadMs.toFixed(0)} ms; ` +
          `${chat ? "chat template" : "plain prompts"}, ${temperature === 0 ? "greedy" : `temperature ${temperature}, seed ${seed}`}, at most ${maxTokens} tokens per item\n`,
      );
    } finally {
      lm?.dispose();
      if (out !== undefined) closeSync(out);
    }
  },
};

interface GeneratorSetup {
  ctx?: number;
  chat?: ChatTemplate;
  system?: string;
  options: { maxTokens: number; temperature: number; seed: number; stop: string[] };
  /** "file:line" of an item, for errors that happen while generating it. */
  where: (line: number) => string;
}

/** A runner Generate over one session of `lm`: chat template (when given), grammar per label set, errors naming the item. */
function modelGenerator(lm: LoadedModel, s: GeneratorSetup): Generate {
  const session = lm.createSession({ ctx: s.ctx });
  const grammars = new Map<string, Grammar>();
  return async (prompt, gbnf, item) => {
    try {
      const messages: ChatMessage[] = s.system !== undefined ? [{ role: "system", content: s.system }] : [];
      messages.push({ role: "user", content: prompt });
      const ids = s.chat ? s.chat.promptIds(lm.tokenizer, messages) : lm.tokenizer.encode(prompt);
      let grammar: Grammar | undefined;
      if (gbnf !== undefined) {
        grammar = grammars.get(gbnf) ?? Grammar.fromGbnf(gbnf);
        grammars.set(gbnf, grammar);
      }
      let text = "";
      let tokens = 0;
      for await (const piece of lm.generate(session, ids, { ...s.options, grammar })) {
        if (piece.token >= 0) tokens++;
        text += piece.text;
      }
      return { text, tokens, promptTokens: ids.length };
    } catch (e) {
      if (e instanceof EdgeError) throw new EdgeError(e.code, `${s.where(item.line)}: ${e.message}`);
      throw e;
    }
  };
}

function openOut(path: string): number {
  try {
    return openSync(path, "w");
  } catch (e) {
    throw new EdgeError("io_error", `${path}: cannot write the per-item file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

function writeLine(fd: number, path: string, text: string): void {
  try {
    writeSync(fd, text);
  } catch (e) {
    throw new EdgeError("io_error", `${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
