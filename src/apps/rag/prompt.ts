// The prompt of a grounded answer: the passages numbered 1..k, the question, the instruction for the mode, through
// the model's chat template. Document text never becomes control tokens: the template is rendered around a
// placeholder and the passages and question are tokenized with special-token parsing off, so a document that
// contains "<|im_end|>" is read as those characters, not as the end of the message.
import type { Tokenizer } from "../../tokenizer/tokenizer.js";
import type { ChatTemplate } from "../../tokenizer/chat-template.js";
import type { Passage } from "./retrieve.js";

export type AnswerMode = "extractive" | "free";

export interface PromptModel {
  tokenizer: Tokenizer;
  /** The model's chat template (undefined: a plain-text prompt). */
  template?: ChatTemplate;
}

const SYSTEM = "You answer questions from the numbered passages only. Every statement ends with the number of the passage it comes from, in brackets, like [1].";

const INSTRUCTION: Record<AnswerMode, string> = {
  extractive: "Answer by quoting the one sentence of the passages that answers the question, followed by its passage number in brackets.",
  free: "Answer in one or two short sentences, each followed by the number of its passage in brackets.",
};

const PLACEHOLDER = "\u27e6edgellm-rag-user-message\u27e7";

/** The user message: passages with their source, then the question and what to do. */
export function userMessage(question: string, passages: readonly Passage[], mode: AnswerMode): string {
  const parts = ["Passages:"];
  for (const p of passages) {
    const c = p.chunk;
    const where = `${c.file}, lines ${c.lines[0]}-${c.lines[1]}${c.headings.length ? `, ${c.headings.join(" › ")}` : ""}`;
    parts.push(`[${p.n}] (${where})\n${c.text}`);
  }
  parts.push(`Question: ${question}\n${INSTRUCTION[mode]}`);
  return parts.join("\n\n");
}

/** Token ids of the whole prompt, ending where the answer begins. */
export function promptIds(pm: PromptModel, question: string, passages: readonly Passage[], mode: AnswerMode): number[] {
  const tok = pm.tokenizer;
  const user = userMessage(question, passages, mode);
  const plain = (s: string) => tok.encode(s, { addSpecial: false, parseSpecial: false });
  if (pm.template) {
    const rendered = pm.template.render([{ role: "system", content: SYSTEM }, { role: "user", content: PLACEHOLDER }], true);
    const at = rendered.indexOf(PLACEHOLDER);
    if (at >= 0 && rendered.indexOf(PLACEHOLDER, at + 1) < 0) {
      const head = rendered.slice(0, at);
      const tail = rendered.slice(at + PLACEHOLDER.length);
      return [
        ...tok.encode(head, { addSpecial: !pm.template.startsWithBos(head), parseSpecial: true }),
        ...plain(user),
        ...tok.encode(tail, { addSpecial: false, parseSpecial: true }),
      ];
    }
    // a template that rewrites the message: fall through to the plain prompt rather than guess at its tokens
  }
  const bos = tok.addsBos && tok.bos !== undefined ? [tok.bos] : [];
  return [...bos, ...plain(`${SYSTEM}\n\n${user}\n\nAnswer: `)];
}
