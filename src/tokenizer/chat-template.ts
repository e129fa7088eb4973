// Chat templates: a model's `tokenizer.chat_template` (Jinja, as Hugging Face writes them) rendered with
// @huggingface/jinja, plus the text that marks the template's special tokens.
import { Template } from "@huggingface/jinja";
import { EdgeError } from "../errors.js";
import type { GgufFile } from "../format/gguf-types.js";
import { getString } from "../format/gguf-meta.js";
import type { Tokenizer } from "./tokenizer.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant" | string;
  content: string;
}

export class ChatTemplate {
  private readonly template: Template;

  constructor(readonly source: string, private readonly bosText: string, private readonly eosText: string) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new EdgeError("bad_tokenizer", `chat template does not parse: ${(e as Error).message.split("\n")[0]}`);
    }
  }

  /** The model's template, or undefined when the file carries none. */
  static fromGguf(file: GgufFile, tokenizer: Tokenizer): ChatTemplate | undefined {
    const source = getString(file, "tokenizer.chat_template", undefined);
    if (source === undefined) return undefined;
    const text = (id: number | undefined) => (id === undefined ? "" : tokenizer.tokenText(id) ?? "");
    return new ChatTemplate(source, text(tokenizer.bos), text(tokenizer.eos));
  }

  /** Render a conversation; with addGenerationPrompt the text ends where the assistant's reply begins. */
  render(messages: ChatMessage[], addGenerationPrompt = true): string {
    try {
      return this.template.render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: this.bosText,
        eos_token: this.eosText,
      });
    } catch (e) {
      throw new EdgeError("bad_tokenizer", `chat template failed to render: ${(e as Error).message.split("\n")[0]}`);
    }
  }

  /** Whether rendered text already begins with the BOS text (then the tokenizer must not add another BOS). */
  startsWithBos(text: string): boolean {
    return this.bosText !== "" && text.startsWith(this.bosText);
  }
}
