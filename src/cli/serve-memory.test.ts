// serve --max-memory without --ctx: the slot context is the largest whose totals fit, never planned below the
// server's own runtime figure, and a budget below the minimum is one does_not_fit line.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readGgufHeader } from "../engine.js";
import { EdgeError } from "../errors.js";
import { CONTEXT_STEP, modelFacts } from "../apps/plan/memory-plan.js";
import { hasSmallYoungGeneration } from "../apps/plan/runtime-cost.js";
import { RUNTIME_BYTES } from "../server/served-models.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { writeTinyModel } from "../../test/helpers/models.js";
import { serveContext, serveTotals } from "./serve-memory.js";

const MIB = 2 ** 20;

describe("serve --max-memory", () => {
  let path: string;
  before(async () => {
    path = await writeTinyModel("llama", GgmlType.Q8_0, 7, { contextLength: 4096 });
  });

  it("the largest slot context whose weights, slots and runtime fit", () => {
    const o = { maxMemory: 0, parallel: 4, threads: 2 };
    // as serveContext makes them: this process's young generation decides part of the runtime
    const facts = [modelFacts(readGgufHeader(path), { threads: 2, smallYoungGeneration: hasSmallYoungGeneration() })];
    const budget = serveTotals(facts, 1536, o).total;
    const ctx = serveContext([path], { ...o, maxMemory: budget });
    assert.equal(ctx, 1536);
    assert.equal(serveContext([path], { ...o, maxMemory: budget - 1 }), 1536 - CONTEXT_STEP);
    assert.equal(serveContext([path], { ...o, maxMemory: 4096 * MIB }), 4096);
    assert.ok(serveTotals(facts, 256, o).runtime >= RUNTIME_BYTES);
    // two models: each one's weights and slots, one runtime
    const two = serveTotals([facts[0]!, facts[0]!], 1024, o);
    const one = serveTotals(facts, 1024, o);
    assert.equal(two.weights, 2 * one.weights);
    assert.equal(two.kv, 2 * one.kv);
  });

  it("below the minimum: does_not_fit with the numbers", () => {
    assert.throws(() => serveContext([path, path], { maxMemory: 100 * MIB, parallel: 1, threads: 1 }), (e: unknown) => {
      assert.ok(e instanceof EdgeError && e.code === "does_not_fit");
      assert.match(e.message, /^2 models need \d+ MiB of weights \+ \d+ MiB for the minimum 256-token context \+ \d+ MiB runtime = \d+ MiB > --max-memory 100 MiB$/);
      return true;
    });
  });
});
