// `edgellm chat`: a conversation through the model's own chat template (any GGUF that carries one), one-shot with -p
// or interactive on stdin. The KV cache is kept between turns: only the new part of the rendered chat is evaluated.
import { createInterface } from "node:readline";
import { EdgeError } from "../../errors.js";
import type { LoadedModel } from "../../engine.js";
import type { Session } from "../../runtime/session.js";
import { ChatTemplate, type ChatMessage } from "../../tokenizer/chat-template.js";
import { helpText, parseArgs, type OptionSpec } from "../args.js";
import { contextOf, MEMORY_OPTIONS, MODEL_OPTIONS, openModel, SAMPLING_OPTIONS, samplingFromArgs, singleTokenId } from "../common.js";
import { GRAMMAR_OPTIONS, grammarFromArgs } from "../grammar-options.js";

const SPEC: Record<string, OptionSpec> = {
  ...MODEL_OPTIONS,
  ...MEMORY_OPTIONS,
  ...SAMPLING_OPTIONS,
  ...GRAMMAR_OPTIONS,
  "n-predict": { ...SAMPLING_OPTIONS["n-predict"], default: 256 },
  prompt: { type: "string", alias: "p", help: "one user message: answer it and exit (otherwise read messages from stdin)" },
  system: { type: "string", alias: "s", help: "system prompt (default: the template's own)" },
};
const USAGE = "edgellm chat [-m FILE] [-p TEXT] [--system TEXT] [options]";

export const command = {
  summary: "chat with a model through its chat template (default: the bundled demo model)",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const options = samplingFromArgs(p, argv);
    const lm = openModel(p, true);
    const sampling = { ...options, grammar: grammarFromArgs(p, singleTokenId(lm)) };
    const chat = new Conversation(lm, contextOf(p, lm), typeof p.system === "string" ? p.system : undefined);
    const reply = async (text: string) => {
      for await (const piece of chat.say(text, sampling)) process.stdout.write(piece);
      process.stdout.write("\n");
    };
    if (typeof p.prompt === "string") await reply(p.prompt);
    else {
      const tty = process.stdin.isTTY;
      if (tty) process.stderr.write("[edgellm] type a message and press Enter; an empty line or Ctrl-D ends the chat\n");
      const rl = createInterface({ input: process.stdin, terminal: false });
      if (tty) process.stdout.write("> ");
      for await (const line of rl) {
        if (line.trim() === "") break;
        await reply(line);
        if (tty) process.stdout.write("> ");
      }
    }
    lm.dispose();
  },
};

/** A chat history bound to one session; each turn re-renders the template and reuses the cached prefix. */
export class Conversation {
  private readonly template: ChatTemplate;
  private readonly session: Session;
  private readonly messages: ChatMessage[] = [];
  /** Token ids currently held by the session's KV cache. */
  private cached: number[] = [];

  constructor(private readonly lm: LoadedModel, ctx?: number, system?: string) {
    const t = ChatTemplate.fromGguf(lm.file, lm.tokenizer);
    if (!t) throw new EdgeError("bad_argument", `${lm.path}: the model has no chat template (tokenizer.chat_template); use edgellm run`);
    this.template = t;
    this.session = lm.createSession({ ctx });
    if (system !== undefined) this.messages.push({ role: "system", content: system });
  }

  /** Tokens of the whole conversation so far, ending with the assistant prompt. */
  promptIds(): number[] {
    return this.template.promptIds(this.lm.tokenizer, this.messages);
  }

  async *say(userText: string, options: Parameters<LoadedModel["generate"]>[2]): AsyncGenerator<string> {
    this.messages.push({ role: "user", content: userText });
    const ids = this.promptIds();
    let common = 0;
    while (common < this.cached.length && common < ids.length - 1 && this.cached[common] === ids[common]) common++;
    this.session.truncate(common);
    const generated: number[] = [];
    let text = "";
    for await (const piece of this.lm.generate(this.session, ids.slice(common), { ...options, continueSession: true })) {
      if (piece.token >= 0) generated.push(piece.token);
      text += piece.text;
      if (piece.text) yield piece.text;
    }
    this.cached = [...ids, ...generated].slice(0, this.session.nPast);
    this.messages.push({ role: "assistant", content: text.trim() });
  }
}
