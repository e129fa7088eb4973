// The prompt of an evaluation item: a template with {placeholders} filled from the item's fields, and for classify
// the GBNF grammar that lets the model say nothing but one of the labels.
import { EdgeError } from "../../errors.js";
import type { EvalItem, Task } from "./data.js";

/** The placeholders each task fills. */
export const PLACEHOLDERS: Record<Task, readonly string[]> = {
  qa: ["question", "context"],
  summarize: ["document"],
  classify: ["text", "labels"],
};

/** Default prompts, short instructions that end on a cue (they suit base and chat models alike). */
export const DEFAULT_TEMPLATES = {
  qa: "Read the text and answer the question in a few words.\n\nText: {context}\n\nQuestion: {question}\nAnswer:",
  /** qa when the item has no context. */
  qaClosedBook: "Answer the question in a few words.\n\nQuestion: {question}\nAnswer:",
  summarize: "Summarize the text in one or two sentences.\n\nText: {document}\nSummary:",
  classify: "Classify the text. Answer with one of these labels: {labels}.\n\nText: {text}\nLabel:",
} as const;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Fails (bad_argument) when a template names a placeholder the task does not fill. */
export function checkTemplate(template: string, task: Task): void {
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!PLACEHOLDERS[task].includes(m[1])) {
      throw new EdgeError("bad_argument", `--template: {${m[1]}} is not a placeholder of the ${task} task (it has ${PLACEHOLDERS[task].map((p) => `{${p}}`).join(", ")})`);
    }
  }
}

/** The prompt text of an item: `template` (or the task's default) with each placeholder replaced once, in one pass. */
export function buildPrompt(item: EvalItem, labels: readonly string[], template?: string): string {
  let values: Record<string, string>;
  let t: string;
  switch (item.task) {
    case "qa":
      values = { question: item.question, context: item.context ?? "" };
      t = template ?? (item.context !== undefined && item.context !== "" ? DEFAULT_TEMPLATES.qa : DEFAULT_TEMPLATES.qaClosedBook);
      break;
    case "summarize":
      values = { document: item.document };
      t = template ?? DEFAULT_TEMPLATES.summarize;
      break;
    case "classify":
      values = { text: item.text, labels: labels.join(", ") };
      t = template ?? DEFAULT_TEMPLATES.classify;
      break;
  }
  // One pass, so a field that itself contains "{question}" is not expanded again.
  return t.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

/** A GBNF string literal for `text`: quotes, backslashes and control characters escaped, the rest as it is. */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** `root ::= "label-1" | "label-2" | …`: the output is exactly one of the labels. */
export function labelGbnf(labels: readonly string[]): string {
  if (labels.length === 0) throw new EdgeError("bad_argument", "a label grammar needs at least one label");
  return `root ::= ${labels.map(gbnfLiteral).join(" | ")}\n`;
}
