// The package's public entry point: load, tokenize, logits, generate — as a user of `import "edgellm"` would.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as edgellm from "../src/index.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { writeTinyModel } from "./helpers/models.js";

describe("library API", () => {
  it("loads a model, tokenizes, evaluates and generates as an async iterator", async () => {
    const path = await writeTinyModel("qwen2", GgmlType.Q8_0, 11);
    const lm = edgellm.loadModel(path, { threads: 1 });
    try {
      assert.equal(lm.config.architecture, "qwen2");
      const ids = lm.tokenizer.encode("hello world");
      assert.ok(ids.length > 0);
      assert.equal(lm.tokenizer.decode(ids), "hello world");
      const session = lm.createSession({ ctx: 64 });
      session.eval(ids);
      const first = edgellm.argmax(session.lastLogits());
      const out: number[] = [];
      for await (const t of lm.generate(session, ids, { temperature: 0, maxTokens: 5 })) if (t.token >= 0) out.push(t.token);
      assert.equal(out[0], first, "generate's first token is the argmax of the logits after the prompt");
      assert.ok(out.length <= 5);
      assert.throws(() => lm.createSession({ ctx: 1e9 }), (e: unknown) => e instanceof edgellm.EdgeError && e.code === "out_of_memory");
    } finally {
      lm.dispose();
    }
  });
});
