import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadModel, type LoadedModel } from "../engine.js";
import { EdgeError } from "../errors.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { writeTinyModel } from "../../test/helpers/models.js";
import { Grammar } from "./grammar/grammar.js";
import { Scheduler, type CompletionRequest } from "./scheduler.js";

async function solo(lm: LoadedModel, req: Partial<CompletionRequest> & { promptIds: number[] }): Promise<number[]> {
  const out: number[] = [];
  const session = lm.createSession({ ctx: 128 });
  for await (const t of lm.generate(session, req.promptIds, { temperature: 0, maxTokens: req.maxTokens ?? 12, grammar: req.grammar, stop: req.stop })) if (t.token >= 0) out.push(t.token);
  return out;
}

async function collect(job: ReturnType<Scheduler["submit"]>) {
  const tokens: number[] = [];
  let text = "";
  for await (const e of job) {
    if (e.token >= 0) tokens.push(e.token);
    text += e.text;
  }
  return { tokens, text, result: await job.done };
}

describe("Scheduler", () => {
  let lm: LoadedModel;
  before(async () => {
    lm = loadModel(await writeTinyModel("llama", GgmlType.Q8_0, 4), { threads: 2 });
  });
  after(() => lm?.dispose());

  it("concurrent greedy jobs each generate what they generate alone", async () => {
    const prompts = [[3, 60, 99, 7], [120, 5, 5, 8, 200, 1], [42], [17, 18, 19, 20, 21, 22, 23, 24, 25, 26]];
    const expected = await Promise.all(prompts.map((p) => solo(lm, { promptIds: p })));
    const sched = new Scheduler(lm.model, lm.tokenizer, { parallel: 3, ctx: 128, queue: 4, chunk: 4 });
    try {
      const jobs = prompts.map((p) => sched.submit({ promptIds: p, maxTokens: 12, temperature: 0 }));
      const got = await Promise.all(jobs.map(collect));
      got.forEach((g, i) => {
        assert.deepEqual(g.tokens, expected[i], `prompt ${i}`);
        assert.equal(g.result.finishReason, "length");
        assert.equal(g.result.promptTokens, prompts[i].length);
        assert.equal(g.text, lm.tokenizer.decode(g.tokens));
      });
    } finally {
      await sched.close();
    }
  });

  it("a slot reuses the longest common prefix of the next prompt; the output does not change", async () => {
    const sched = new Scheduler(lm.model, lm.tokenizer, { parallel: 1, ctx: 128, queue: 2 });
    try {
      const first = await collect(sched.submit({ promptIds: [9, 8, 7, 6, 5], maxTokens: 4, temperature: 0 }));
      const turn2 = [9, 8, 7, 6, 5, ...first.tokens, 30, 31];
      const second = await collect(sched.submit({ promptIds: turn2, maxTokens: 6, temperature: 0 }));
      assert.equal(first.result.cachedTokens, 0);
      assert.equal(second.result.cachedTokens, 5 + first.tokens.length - 1, "everything in the cache but the last generated token");
      assert.deepEqual(second.tokens, await solo(lm, { promptIds: turn2, maxTokens: 6 }));
    } finally {
      await sched.close();
    }
  });

  it("a full queue refuses at once; a cancelled job ends within a step; a deadline ends with timeout", async () => {
    const sched = new Scheduler(lm.model, lm.tokenizer, { parallel: 1, ctx: 128, queue: 1 });
    try {
      const long = sched.submit({ promptIds: [1, 2, 3], maxTokens: 100, temperature: 0 });
      const queued = sched.submit({ promptIds: [4], maxTokens: 3, temperature: 0 });
      assert.throws(() => sched.submit({ promptIds: [5], maxTokens: 3 }), (e: unknown) => e instanceof EdgeError && e.code === "queue_full");
      let seen = 0;
      for await (const e of long) {
        if (e.token >= 0 && ++seen === 3) long.cancel();
      }
      const r = await long.done;
      assert.equal(r.finishReason, "cancelled");
      assert.ok(r.tokens.length <= 4, `stopped within a step (${r.tokens.length} tokens)`);
      assert.equal((await queued.done).finishReason, "length");
      // 5 ms: far less than the 127 tokens left in the context take even on a fast machine (CI once did them in 30 ms)
      const timed = await collect(sched.submit({ promptIds: [6], maxTokens: 100_000, temperature: 0, deadline: performance.now() + 5 }));
      assert.equal(timed.result.finishReason, "timeout");
      assert.ok(timed.tokens.length < 127);
    } finally {
      await sched.close();
    }
  });

  it("grammar-constrained jobs run beside free ones", async () => {
    const grammar = Grammar.fromGbnf(`root ::= "[" [a-z]{2,6} "]"`);
    const sched = new Scheduler(lm.model, lm.tokenizer, { parallel: 2, ctx: 128, queue: 2 });
    try {
      const [g, free] = await Promise.all([
        collect(sched.submit({ promptIds: [11, 12], maxTokens: 20, temperature: 0, grammar })),
        collect(sched.submit({ promptIds: [13, 14], maxTokens: 8, temperature: 0 })),
      ]);
      assert.ok(grammar.accepts(g.text), g.text);
      assert.equal(g.result.finishReason, "stop");
      assert.deepEqual(g.tokens, await solo(lm, { promptIds: [11, 12], maxTokens: 20, grammar }));
      assert.deepEqual(free.tokens, await solo(lm, { promptIds: [13, 14], maxTokens: 8 }));
    } finally {
      await sched.close();
    }
  });

  it("embeddings: mean-pooled, normalized final hidden states, the same alone and next to a generation", async () => {
    const sched = new Scheduler(lm.model, lm.tokenizer, { parallel: 2, ctx: 128, queue: 2 });
    try {
      const a = await sched.embed({ promptIds: [5, 6, 7, 8], pooling: "mean", normalize: true });
      const gen = sched.submit({ promptIds: [1, 2], maxTokens: 10, temperature: 0 });
      const b = await sched.embed({ promptIds: [5, 6, 7, 8], pooling: "mean", normalize: true });
      await gen.done;
      assert.equal(a.length, lm.config.dim);
      assert.ok(Math.abs(a.reduce((s, v) => s + v * v, 0) - 1) < 1e-5);
      assert.deepEqual(Array.from(a), Array.from(b));
      const last = await sched.embed({ promptIds: [5, 6, 7, 8], pooling: "last", normalize: false });
      assert.notDeepEqual(Array.from(last), Array.from(a));
    } finally {
      await sched.close();
    }
  });

  it("refuses prompts longer than the context and bad token ids", () => {
    const sched = new Scheduler(lm.model, lm.tokenizer, { parallel: 1, ctx: 8, queue: 1 });
    assert.throws(() => sched.submit({ promptIds: Array(9).fill(1), maxTokens: 1 }), /context_exceeded|does not fit/);
    assert.throws(() => sched.submit({ promptIds: [1e9], maxTokens: 1 }), /outside the vocabulary/);
    return sched.close();
  });
});
