import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Arena } from "../kernels/memory.js";
import type { Kernels } from "../kernels/types.js";
import type { ModelConfig } from "../model/config.js";
import type { Model, ModelState, StateOptions } from "../model/model.js";
import { generateTokens, topLogprobs, type TextDecoderSource } from "./generate.js";
import { Session } from "./session.js";

const VOCAB = 12;
const EOS = 11;

/** A model whose next token is always (last token + 1), stopping at EOS: the loop's behaviour is then exact. */
function countingModel(): Model {
  const arena = new Arena(1 << 16);
  const config = { vocabSize: VOCAB, contextLength: 64, nLayers: 1 } as ModelConfig;
  return {
    config,
    file: undefined as never,
    kernels: { arena } as unknown as Kernels,
    stateBytes: () => VOCAB * 4,
    createState(options: StateOptions): ModelState {
      return { options, logitsPtr: arena.alloc(VOCAB * 4), bytes: VOCAB * 4, kvBytes: 0 };
    },
    forward(state, tokens, n) {
      const logits = arena.f32View(state.logitsPtr, VOCAB);
      logits.fill(0);
      logits[(tokens[n - 1] + 1) % VOCAB] = 10;
    },
  };
}

/** Token i renders as letters; token 3 is the first half of a two-byte character, completed by token 4. */
const detok: TextDecoderSource = {
  isEog: (id) => id === EOS,
  createStreamDecoder() {
    let held = "";
    return {
      push(id: number) {
        if (id === 3) {
          held = "é";
          return "";
        }
        const out = held + (id === 4 ? "" : String.fromCharCode(97 + id));
        held = "";
        return out;
      },
      flush: () => held,
    };
  },
};

async function collect(prompt: number[], opts: Parameters<typeof generateTokens>[3], ctx = 64) {
  const session = new Session(countingModel(), { ctx });
  const tokens: number[] = [];
  let text = "";
  for await (const t of generateTokens(session, detok, prompt, opts)) {
    if (t.token >= 0) tokens.push(t.token);
    text += t.text;
  }
  return { tokens, text, session };
}

describe("generateTokens", () => {
  it("generates up to maxTokens and streams their text", async () => {
    const r = await collect([0], { temperature: 0, maxTokens: 2 });
    assert.deepEqual(r.tokens, [1, 2]);
    assert.equal(r.text, "bc");
  });

  it("stops at an end-of-generation token without emitting it", async () => {
    const r = await collect([7], { temperature: 0, maxTokens: 50 });
    assert.deepEqual(r.tokens, [8, 9, 10]);
    assert.equal(r.text, "ijk");
  });

  it("holds back a split character until it is complete", async () => {
    const r = await collect([1], { temperature: 0, maxTokens: 4 });
    assert.deepEqual(r.tokens, [2, 3, 4, 5]);
    assert.equal(r.text, "céf");
  });

  it("stops at a stop string, which is not emitted, even across tokens", async () => {
    const r = await collect([0], { temperature: 0, maxTokens: 20, stop: ["fg", "zz"] });
    assert.equal(r.text, "bcé");
  });

  it("a prompt longer than the context is a context_exceeded error", async () => {
    await assert.rejects(collect([0, 1, 2, 3, 4, 5], { maxTokens: 2 }, 4), (e: Error & { code?: string }) => e.code === "context_exceeded");
  });

  it("stops when the context is full", async () => {
    const r = await collect([0], { temperature: 0, maxTokens: 100 }, 6);
    assert.equal(r.session.nPast, 6);
    assert.deepEqual(r.tokens, [1, 2, 3, 4, 5, 6]);
  });

  it("with logprobs, each token carries its own log-probability under the model's logits (before any mask)", async () => {
    const session = new Session(countingModel(), { ctx: 64 });
    // the counting model puts logit 10 on the next token and 0 on the other 11
    const expected = 10 - Math.log(Math.exp(10) + (VOCAB - 1));
    const filter = { allows: (t: number) => t !== 3, applyMask: (l: Float32Array) => ((l[3] = -Infinity), VOCAB - 1), accept() {}, isComplete: false, midCharacter: false };
    const got: { token: number; logprob?: number }[] = [];
    for await (const t of generateTokens(session, detok, [1], { temperature: 0, maxTokens: 3, logprobs: 2, constraint: filter })) if (t.token >= 0) got.push(t);
    assert.equal(got[0].token, 2);
    assert.ok(Math.abs(got[0].logprob! - expected) < 1e-5);
    // token 3 is forbidden: the grammar forced another token, whose own probability is low
    assert.notEqual(got[1].token, 3);
    assert.ok(Math.abs(got[1].logprob! - (0 - Math.log(Math.exp(10) + (VOCAB - 1)))) < 1e-5);
  });

  it("topLogprobs: best first, natural-log probabilities of the full softmax", () => {
    const l = Float32Array.from([1, 3, 2, 0]);
    const top = topLogprobs(l, 2);
    const z = Math.log(Math.exp(1) + Math.exp(3) + Math.exp(2) + 1);
    assert.deepEqual(top.map((t) => t[0]), [1, 2]);
    assert.ok(Math.abs(top[0][1] - (3 - z)) < 1e-6 && Math.abs(top[1][1] - (2 - z)) < 1e-6);
  });
});
