// The Jinja chat template (rendered by @huggingface/jinja) produces exactly the text the training data used.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Template } from "@huggingface/jinja";
import { CHAT_TEMPLATE, DEFAULT_SYSTEM_PROMPT, parseAction, renderChat, type ChatMessage } from "./chat-format.js";

const jinja = new Template(CHAT_TEMPLATE);
const viaJinja = (messages: ChatMessage[], gen: boolean): string =>
  jinja.render({ messages, add_generation_prompt: gen, bos_token: "<|endoftext|>", eos_token: "<|im_end|>" });

describe("chat template", () => {
  const cases: ChatMessage[][] = [
    [{ role: "user", content: "Turn off the bedroom lights" }],
    [{ role: "system", content: "You are EdgeLLM. Be concise." }, { role: "user", content: "রান্নাঘরের লাইট জ্বালাও" }],
    [
      { role: "user", content: "hi" },
      { role: "assistant", content: "Hi! How can I help you today?\n{\"intent\":\"greeting\"}" },
      { role: "user", content: "Lock the front door, it's late" },
    ],
  ];

  it("matches renderChat with and without the generation prompt", () => {
    for (const msgs of cases) {
      for (const gen of [true, false]) assert.equal(viaJinja(msgs, gen), renderChat(msgs, gen));
    }
  });

  it("inserts the default system prompt when none is given", () => {
    const text = viaJinja([{ role: "user", content: "hello" }], true);
    assert.equal(text, `<|im_start|>system\n${DEFAULT_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n`);
  });

  it("parses the action line of a reply", () => {
    assert.deepEqual(parseAction("Turning off the den lights.\n{\"intent\":\"lights_off\",\"room\":\"den\"}"), {
      intent: "lights_off",
      room: "den",
    });
    assert.equal(parseAction("no action here"), undefined);
    assert.equal(parseAction("broken\n{\"intent\":"), undefined);
  });
});
