// The bundled model's chat format: ChatML special tokens, default system prompt, Jinja template and a renderer.

export const ENDOFTEXT = "<|endoftext|>";
export const IM_START = "<|im_start|>";
export const IM_END = "<|im_end|>";
/** Control tokens, in vocabulary order (they take the last ids). */
export const SPECIAL_TOKENS = [ENDOFTEXT, IM_START, IM_END] as const;

export const DEFAULT_SYSTEM_PROMPT =
  "You are EdgeLLM, an offline edge assistant for home devices, sensors, kiosks and calendars. " +
  "Reply briefly in the user's language, then give the action as JSON.";

/** Other system prompts seen in training (a few percent), so a custom --system prompt does not derail the model. */
export const ALTERNATE_SYSTEM_PROMPTS = [
  "You are a helpful home assistant. Keep answers short.",
  "You are the lobby kiosk assistant. Answer visitors briefly.",
  "You are EdgeLLM. Be concise.",
  "You monitor factory sensors and help the maintenance team.",
  "তুমি একটি অফলাইন হোম অ্যাসিস্ট্যান্ট। সংক্ষেপে উত্তর দাও।",
];

/**
 * ChatML with a default system prompt, in the shape llama.cpp's template detection recognises (it contains
 * "<|im_start|>"). Whitespace control (`{%-`/`-%}`) keeps the output byte-identical to `renderChat`.
 */
export const CHAT_TEMPLATE =
  "{%- if messages[0]['role'] == 'system' -%}" +
  "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' -}}" +
  "{%- set loop_messages = messages[1:] -%}" +
  "{%- else -%}" +
  `{{- '<|im_start|>system\\n${DEFAULT_SYSTEM_PROMPT.replace(/'/g, "\\'")}<|im_end|>\\n' -}}` +
  "{%- set loop_messages = messages -%}" +
  "{%- endif -%}" +
  "{%- for message in loop_messages -%}" +
  "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}" +
  "{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What CHAT_TEMPLATE produces, without a Jinja engine (the training data is rendered with this). */
export function renderChat(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
  let out = "";
  let rest = messages;
  if (messages.length > 0 && messages[0].role === "system") {
    out += `${IM_START}system\n${messages[0].content}${IM_END}\n`;
    rest = messages.slice(1);
  } else {
    out += `${IM_START}system\n${DEFAULT_SYSTEM_PROMPT}${IM_END}\n`;
  }
  for (const m of rest) out += `${IM_START}${m.role}\n${m.content}${IM_END}\n`;
  if (addGenerationPrompt) out += `${IM_START}assistant\n`;
  return out;
}

/** The action line at the end of an assistant reply, parsed; undefined when the reply has none. */
export function parseAction(reply: string): Record<string, string> | undefined {
  const lines = reply.trimEnd().split("\n");
  const last = lines[lines.length - 1].trim();
  if (!last.startsWith("{")) return undefined;
  try {
    const v: unknown = JSON.parse(last);
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) out[k] = String(x);
    return out;
  } catch {
    return undefined;
  }
}
