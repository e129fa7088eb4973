// Chat templates: a model's `tokenizer.chat_template` (Jinja, as Hugging Face writes them) rendered with
// @huggingface/jinja, plus the text that marks the template's special tokens.
import { Template } from "@huggingface/jinja";
import { EdgeError } from "../errors.js";
import type { GgufFile } from "../format/gguf-types.js";
import { getString } from "../format/gguf-meta.js";
import type { Tokenizer } from "./tokenizer.js";

/** A tool call inside an assistant message, as OpenAI's API writes it (`arguments`: JSON text, or an object). */
export interface ChatMessageToolCall {
  id?: string;
  type?: "function";
  function: { name: string; arguments: string | Record<string, unknown> };
}

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool" | string;
  content: string;
  /** Assistant messages: the calls it made (OpenAI's `tool_calls`). */
  tool_calls?: ChatMessageToolCall[];
  /** Tool messages: the call this result answers, and the tool's name. */
  tool_call_id?: string;
  name?: string;
  /** Assistant messages of reasoning models: the thinking text, apart from the content. */
  reasoning_content?: string;
}

/**
 * Extra template variables, passed as Hugging Face's `apply_chat_template(messages, tools=..., **kwargs)` passes them:
 * `tools` (a list of `{type: "function", function: {name, description, parameters}}`), and any keyword a template reads
 * (`enable_thinking`, `date_string`, `tools_in_user_message`, ...). They may override `bos_token` / `eos_token`, never
 * `messages` or `add_generation_prompt`.
 */
export interface ChatTemplateVariables {
  tools?: readonly unknown[];
  [name: string]: unknown;
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

  /**
   * Render a conversation; with addGenerationPrompt the text ends where the assistant's reply begins. `variables` go
   * to the template as well (`tools`, template keywords); without them the template sees what it always saw.
   */
  render(messages: readonly ChatMessage[], addGenerationPrompt = true, variables: ChatTemplateVariables = {}): string {
    try {
      return this.template.render({
        bos_token: this.bosText,
        eos_token: this.eosText,
        ...variables,
        messages,
        add_generation_prompt: addGenerationPrompt,
      });
    } catch (e) {
      throw new EdgeError("bad_tokenizer", `chat template failed to render: ${(e as Error).message.split("\n")[0]}`);
    }
  }

  /** Whether rendered text already begins with the BOS text (then the tokenizer must not add another BOS). */
  startsWithBos(text: string): boolean {
    return this.bosText !== "" && text.startsWith(this.bosText);
  }

  /** A conversation as a prompt: rendered up to the assistant's reply, tokenized with special-token text parsed. */
  promptIds(tokenizer: Tokenizer, messages: readonly ChatMessage[]): number[] {
    const text = this.render(messages, true);
    return tokenizer.encode(text, { addSpecial: !this.startsWithBos(text), parseSpecial: true });
  }
}
