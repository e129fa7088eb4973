// The low-confidence path: a (larger) model reads the request and the label list and answers with one label, its
// output constrained by a grammar that is exactly the alternation of the label strings, so whatever it generates is
// a label of the head. Greedy, so the same request gets the same answer.
import type { LoadedModel } from "../../engine.js";
import { Grammar } from "../../runtime/grammar/grammar.js";
import type { Session } from "../../runtime/session.js";
import { ChatTemplate } from "../../tokenizer/chat-template.js";
import { OOS_LABEL } from "./dataset.js";

/** GBNF whose sentences are exactly the labels (every non-ASCII character written as an escape). */
export function labelGbnf(labels: readonly string[]): string {
  return `root ::= ${labels.map(gbnfLiteral).join(" | ")}\n`;
}

function gbnfLiteral(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else out += cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}

/** The instruction: the labels to choose from (oos last, spelled out) and the request. */
export function fallbackInstruction(text: string, labels: readonly string[]): string {
  const inScope = labels.filter((l) => l !== OOS_LABEL);
  return (
    "Classify the user request into exactly one of these intents: " +
    inScope.join(", ") +
    `. Answer "${OOS_LABEL}" if none of them fits.\nRequest: ${text}\nIntent:`
  );
}

export interface FallbackStats {
  /** Requests the model answered. */
  calls: number;
  /** Requests too long for the model's context even with the shortest label list (the head's answer stood). */
  skipped: number;
  /** Milliseconds per answered request. */
  ms: number[];
}

export class FallbackModel {
  private readonly grammar: Grammar;
  private readonly template?: ChatTemplate;
  private readonly session: Session;
  private readonly maxTokens: number;
  readonly stats: FallbackStats = { calls: 0, skipped: 0, ms: [] };

  /** @param labels every label the model may answer (the head's labels; oos included when the head has it) */
  constructor(private readonly lm: LoadedModel, readonly labels: readonly string[]) {
    const all = labels.includes(OOS_LABEL) ? labels : [...labels, OOS_LABEL];
    this.grammar = Grammar.fromGbnf(labelGbnf(all));
    this.template = ChatTemplate.fromGguf(lm.file, lm.tokenizer);
    this.session = lm.createSession({ ctx: Math.min(lm.config.contextLength, 2048) });
    const longest = Math.max(...all.map((l) => lm.tokenizer.encode(l, { addSpecial: false, parseSpecial: false }).length));
    this.maxTokens = longest + 4; // a label may take more tokens in context than alone; the grammar ends it anyway
  }

  /**
   * The model's label for `text`. `ranked`: the labels best first by the head; the prompt lists as many of them as
   * fit in the context (all, for any head whose list fits), the grammar always allows every label. Undefined when
   * the request does not fit at all.
   */
  async choose(text: string, ranked: readonly string[]): Promise<string | undefined> {
    const t0 = performance.now();
    const ids = this.fittingPrompt(text, ranked.filter((l) => l !== OOS_LABEL));
    if (!ids) {
      this.stats.skipped++;
      return undefined;
    }
    let out = "";
    for await (const piece of this.lm.generate(this.session, ids, { temperature: 0, maxTokens: this.maxTokens, grammar: this.grammar })) out += piece.text;
    this.stats.calls++;
    this.stats.ms.push(performance.now() - t0);
    // the grammar only lets a label through; a cut-off partial label (token budget) counts as out of scope
    return this.labels.includes(out) || out === OOS_LABEL ? out : OOS_LABEL;
  }

  /** Prompt token ids listing the longest prefix of `ranked` that fits the context with room for the answer. */
  private fittingPrompt(text: string, ranked: readonly string[]): number[] | undefined {
    const room = this.session.ctx - this.maxTokens;
    const encode = (k: number) => this.promptIds(text, ranked.slice(0, k));
    const all = encode(ranked.length);
    if (all.length <= room) return all;
    let lo = 0, hi = ranked.length; // encode(lo) fits (checked below), encode(hi) does not
    if (encode(lo).length > room) return undefined;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (encode(mid).length <= room) lo = mid;
      else hi = mid;
    }
    return encode(lo);
  }

  private promptIds(text: string, labels: readonly string[]): number[] {
    const instruction = fallbackInstruction(text, labels);
    if (!this.template) return this.lm.tokenizer.encode(instruction + " ");
    const rendered = this.template.render([{ role: "user", content: instruction }], true);
    return this.lm.tokenizer.encode(rendered, { addSpecial: !this.template.startsWithBos(rendered), parseSpecial: true });
  }
}
