// A tool-enabled reply as it streams (OpenAI and Ollama APIs alike): text goes out as it comes until a possible
// call marker appears (from there on it is held back), everything is held under a forced call, and at the end the
// whole reply — decoded with control tokens shown, since markers such as [TOOL_CALLS] are control tokens — is parsed
// into content and calls. A forced call cut short (token budget, timeout) is returned as text, not as an error.
import type { ParsedReply, ToolCallPlan, ToolChoice } from "../chat/tool-calls.js";
import type { JobFinish, TokenEvent } from "../runtime/job.js";
import type { ServedModel } from "./served-models.js";

/** Markers after which a streamed reply may be a tool call. */
const CALL_MARKERS: Record<string, string[]> = {
  hermes: ["<tool_call>"],
  llama3: ["<|python_tag|>", "{"],
  mistral: ["[TOOL_CALLS]"],
  "mistral-v11": ["[TOOL_CALLS]"],
};

export class ToolReplyStream {
  private readonly markers: string[];
  private readonly decoder: { push(id: number): string; flush(): string };
  private full = "";
  private streamed = 0; // characters of `full` sent as content
  private holding: boolean;

  constructor(model: ServedModel, private readonly plan: ToolCallPlan, choice: ToolChoice) {
    this.markers = choice === "none" ? [] : CALL_MARKERS[plan.format] ?? [];
    this.holding = choice !== "auto" && choice !== "none";
    this.decoder = model.lm.tokenizer.createStreamDecoder({ special: true });
  }

  /** The content that may be sent now for this token. */
  push(e: TokenEvent): string {
    if (e.token >= 0) this.full += this.decoder.push(e.token);
    if (this.holding) return "";
    const cut = holdFrom(this.full, this.markers);
    if (cut < this.full.length) this.holding = true;
    if (cut <= this.streamed) return "";
    const text = this.full.slice(this.streamed, cut);
    this.streamed = cut;
    return text;
  }

  /** The parsed reply and the content not sent yet. */
  end(finish: JobFinish): { rest: string; parsed: ParsedReply } {
    this.full += this.decoder.flush();
    const parsed = parseReply(this.plan, this.full, finish);
    const sent = this.full.slice(0, this.streamed);
    return { rest: parsed.content.startsWith(sent) ? parsed.content.slice(sent.length) : "", parsed };
  }
}

/**
 * plan.parse, except that a reply which did not end by itself ("length", "timeout") may be an unfinished forced call:
 * then it is content, and the finish reason says why it stopped.
 */
export function parseReply(plan: ToolCallPlan, text: string, finish: JobFinish): ParsedReply {
  try {
    return plan.parse(text);
  } catch (e) {
    if (finish === "stop") throw e;
    return { content: text, toolCalls: [], invalidToolCalls: [] };
  }
}

/** Where streamed content must stop: the first marker, or a marker's beginning at the end of the text. */
function holdFrom(text: string, markers: string[]): number {
  let cut = text.length;
  for (const m of markers) {
    if (m === "{") {
      // Llama 3's JSON calls are the whole reply: hold a reply that starts with "{"
      const t = text.trimStart();
      if (t.startsWith("{") || (t === "" && text.length)) cut = 0;
      continue;
    }
    const at = text.indexOf(m);
    if (at >= 0) cut = Math.min(cut, at);
    for (let k = Math.min(m.length - 1, text.length); k > 0; k--) {
      if (text.endsWith(m.slice(0, k))) {
        cut = Math.min(cut, text.length - k);
        break;
      }
    }
  }
  return cut;
}
