// The memory plan against the engine it plans for: the arena loadModel fills, the model's own stateBytes, the
// context search, the refusal; and on headers of real model shapes (made without their weights).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadModel, readGgufHeader } from "../../engine.js";
import { EdgeError } from "../../errors.js";
import { parseGguf } from "../../format/gguf-reader.js";
import type { GgufFile } from "../../format/gguf-types.js";
import type { ByteSource } from "../../io/byte-source.js";
import { kvBytes } from "../../model/model.js";
import { GgmlType } from "../../tensor/ggml-type.js";
import { SHAPES, synthModel } from "../../tools/synth.js";
import { TINY, writeTinyModel } from "../../../test/helpers/models.js";
import { workspaceBound } from "./arena-layout.js";
import { describeDevice, type Device } from "./device.js";
import { fitSession } from "./fit.js";
import { breakdownAt, CONTEXT_STEP, decodeWeightBytes, fitsIn, largestFitting, modelFacts, planMemory } from "./memory-plan.js";
import { RUNTIME_BASE_BYTES, RUNTIME_BYTES_PER_TOKEN, RUNTIME_BYTES_PER_WORKER } from "./runtime-cost.js";

const MIB = 2 ** 20;
const DEVICE: Device = describeDevice({ cores: 2, totalBytes: 4096 * MIB, freeBytes: 1024 * MIB, memAvailableBytes: 2048 * MIB });

/** The header of a synthesized model of a real shape: the writer's layout parsed, no weight generated or written. */
function shapeHeader(shape: keyof typeof SHAPES, type: GgmlType): GgufFile {
  const layout = synthModel(SHAPES[shape]!, { type, seed: 1 }).layout();
  const src: ByteSource = {
    size: layout.totalSize,
    name: `${shape}.gguf`,
    readInto(offset, length, dest, destOffset = 0) {
      dest.fill(0, destOffset, destOffset + length);
      dest.set(layout.header.subarray(Math.min(offset, layout.header.length), Math.min(offset + length, layout.header.length)), destOffset);
      return dest;
    },
  };
  return parseGguf(src);
}

describe("memory plan against the engine", () => {
  const cases: [keyof typeof TINY, GgmlType][] = [
    ["llama", GgmlType.Q8_0], ["qwen2", GgmlType.Q4_K], ["gpt2", GgmlType.F16], ["phi3", GgmlType.Q8_0],
    ["gemma3", GgmlType.Q6_K], ["bitnet", GgmlType.TQ2_0], ["bert", GgmlType.F32],
  ];
  for (const [arch, type] of cases) {
    it(`${arch} ${GgmlType[type]}: the load layout is the arena loadModel fills, byte for byte`, async () => {
      const path = await writeTinyModel(arch, type);
      const file = readGgufHeader(path);
      for (const threads of [1, 2]) {
        const f = modelFacts(file, { threads, prefetchProbe: false });
        const lm = loadModel(path, { threads, prefetch: 0 });
        try {
          assert.equal(f.load.used, lm.kernels.arena.used, `threads ${threads}`);
          assert.equal(f.load.tensorDataBytes, file.tensors.reduce((a, t) => a + t.byteSize, 0));
          assert.ok(f.load.tensors >= f.load.tensorDataBytes && f.load.tensors < f.load.tensorDataBytes + 64 * file.tensors.length);
        } finally {
          lm.dispose();
        }
      }
      // with the prefetch measurement: its probe rows exactly, its kernel workspace within the bound
      const f = modelFacts(file, { threads: 1 });
      const lm = loadModel(path, { threads: 1 });
      try {
        const used = lm.kernels.arena.used;
        const bound = workspaceBound(file, { maxRows: 1, positions: 1, headDim: f.model.config.headDim, threads: 1 });
        assert.ok(f.load.used <= used && used <= f.load.used + bound, `${f.load.used} ≤ ${used} ≤ ${f.load.used} + ${bound}`);
      } finally {
        lm.dispose();
      }
    });
  }

  it("KV cache and scratch are the loaded model's stateBytes; a session takes no more, workspace included", async () => {
    const path = await writeTinyModel("llama", GgmlType.Q8_0);
    const f = modelFacts(readGgufHeader(path), { threads: 1 });
    const lm = loadModel(path, { threads: 1 });
    try {
      for (const [ctx, batch] of [[256, 64], [128, 16], [32, 64]] as const) {
        const b = breakdownAt(f, ctx, batch, "f16");
        const o = { ctx, maxBatch: Math.min(batch, ctx), kvType: "f16" as const, allLogits: false };
        assert.equal(b.kv + b.parts.stateScratch, lm.model.stateBytes(o));
        assert.equal(b.kv, kvBytes(f.model.config.nLayers, ctx, f.model.config.nKvHeads * f.model.config.headDim, "f16"));
        assert.equal(b.batch, o.maxBatch);
        assert.equal(b.weights + b.kv + b.scratch, b.arena);
        assert.equal(b.arena + b.runtime, b.total);
      }
      // a session of the planned context, fed a whole batch and then decoding to the end, stays inside the arena plan
      const b = breakdownAt(f, 256, 64, "f16");
      const session = lm.createSession({ ctx: 256, batch: 64 });
      assert.equal(session.state.kvBytes, b.kv);
      session.eval(Array.from({ length: 64 }, (_, i) => i % 500));
      for (let i = 0; i < 40; i++) session.step(i);
      assert.ok(lm.kernels.arena.used <= b.arena, `arena ${lm.kernels.arena.used} ≤ planned ${b.arena}`);
    } finally {
      lm.dispose();
    }
  });
});

describe("memory plan on real shapes (headers only)", () => {
  const smol = shapeHeader("smollm-135m", GgmlType.Q8_0);

  it("SmolLM-135M Q8_0: weights as loaded, KV of 30 layers × 2 × 3 KV heads × 64 × f16, runtime of 49152 tokens", () => {
    const plan = planMemory(smol, DEVICE, { threads: 2 });
    const b = plan.breakdown;
    assert.equal(plan.ctx, 2048);
    assert.equal(plan.largestContext, 2048);
    assert.equal(b.kv, 2 * 30 * (2048 * 192 * 2 + 64));
    const data = smol.tensors.reduce((a, t) => a + t.byteSize, 0);
    assert.equal(b.parts.load.tensorDataBytes, data);
    assert.ok(b.weights >= data && b.weights - data < 64 * smol.tensors.length);
    assert.equal(b.runtime, RUNTIME_BASE_BYTES + 49152 * RUNTIME_BYTES_PER_TOKEN + RUNTIME_BYTES_PER_WORKER);
    assert.ok(b.scratch < 8 * MIB, `scratch ${b.scratch}`);
    assert.equal(plan.minimumContext, 256);
    assert.equal(plan.minimum.weights, b.weights);
    // tied embeddings: the output matrix is the embedding, read whole every token
    assert.equal(decodeWeightBytes(smol, "llama"), data);
  });

  it("the planned context is the largest step of 256 that fits, or the model's own", () => {
    const f = modelFacts(smol, { threads: 2 });
    const at = (ctx: number) => breakdownAt(f, ctx, 64, "f16");
    for (const ctx of [256, 1280, 1536, 2048]) {
      assert.equal(planMemory(smol, DEVICE, { maxMemory: at(ctx).total }).largestContext, ctx);
      assert.equal(planMemory(smol, DEVICE, { maxMemory: at(ctx).total - 1 }).largestContext, ctx === 256 ? undefined : ctx - CONTEXT_STEP);
    }
    const plan = planMemory(smol, DEVICE, { maxMemory: 300 * MIB });
    assert.ok(fitsIn(plan.breakdown, 300 * MIB));
    assert.ok(plan.largestBatch! >= 64);
    assert.ok(!fitsIn(breakdownAt(f, plan.ctx, plan.largestBatch! * 2, "f16"), 300 * MIB) || plan.largestBatch! * 2 > plan.ctx);
  });

  it("a long-context model: the largest multiple of 256 under its 32768 (Qwen2.5-0.5B)", () => {
    const qwen = shapeHeader("qwen2.5-0.5b", GgmlType.Q4_0);
    const budget = 600 * MIB;
    const plan = planMemory(qwen, DEVICE, { maxMemory: budget, threads: 2 });
    const f = modelFacts(qwen, { threads: 2 });
    assert.ok(plan.largestContext! < 32768 && plan.largestContext! > 4096, String(plan.largestContext));
    assert.equal(plan.largestContext! % CONTEXT_STEP, 0);
    assert.ok(fitsIn(breakdownAt(f, plan.largestContext!, 64, "f16"), budget));
    assert.ok(!fitsIn(breakdownAt(f, plan.largestContext! + CONTEXT_STEP, 64, "f16"), budget));
    // an f32 cache takes twice the bytes per position, so its free room holds about half as many
    const f32 = planMemory(qwen, DEVICE, { maxMemory: budget, threads: 2, kvType: "f32" });
    const room = (p: typeof plan) => p.largestContext! * p.speed.kvBytesPerPosition;
    assert.ok(Math.abs(room(f32) - room(plan)) < 0.05 * room(plan), `${f32.largestContext} vs ${plan.largestContext}`);
  });

  it("fused projections, an encoder, an untied output: Phi-3-mini, BGE-small, Phi-2", () => {
    // 32 layers × 2 × 3072 × f16 = 384 KiB per position: 3000 MiB leave room for about 2000 of them
    const phi3 = planMemory(shapeHeader("phi-3-mini", GgmlType.Q4_0), DEVICE, { maxMemory: 3000 * MIB });
    assert.equal(phi3.speed.kvBytesPerPosition, 384 * 1024);
    assert.ok(phi3.largestContext! >= 1536 && phi3.largestContext! < 4096, String(phi3.largestContext));
    assert.equal(planMemory(shapeHeader("phi-3-mini", GgmlType.Q4_0), DEVICE, { maxMemory: 4000 * MIB }).largestContext, 4096);
    const bge = planMemory(shapeHeader("bge-small", GgmlType.F16), DEVICE);
    assert.equal(bge.model.causal, false);
    assert.equal(bge.minimumContext, 256);
    assert.ok(bge.breakdown.parts.load.modelExtras > 0, "the token type row computed at load");
    const phi2 = shapeHeader("phi-2", GgmlType.Q8_0);
    const embd = phi2.tensors.find((t) => t.name === "token_embd.weight")!.byteSize;
    assert.equal(decodeWeightBytes(phi2, "phi2"), phi2.tensors.reduce((a, t) => a + t.byteSize, 0) - embd);
  });

  it("more threads cost a worker each; the reference kernels none", () => {
    const one = planMemory(smol, DEVICE, { threads: 1 }).breakdown.runtime;
    assert.equal(planMemory(smol, DEVICE, { threads: 4 }).breakdown.runtime - one, 3 * RUNTIME_BYTES_PER_WORKER);
    assert.equal(planMemory(smol, DEVICE, { threads: 4, backend: "reference" }).breakdown.runtime, one);
  });
});

describe("fitting a session into --max-memory", () => {
  const smol = shapeHeader("smollm-135m", GgmlType.Q8_0);

  it("the minimum context not fitting is one line with the numbers", () => {
    const plan = planMemory(smol, DEVICE, { threads: 2 });
    const m = plan.minimum;
    const budget = Math.floor(m.total / MIB) * MIB - 10 * MIB;
    assert.throws(() => fitSession(smol, budget, DEVICE, { threads: 2 }), (e: unknown) => {
      assert.ok(e instanceof EdgeError && e.code === "does_not_fit");
      const r = /^model needs (\d+) MiB of weights \+ (\d+) MiB for the minimum 256-token context \+ (\d+) MiB runtime = (\d+) MiB > --max-memory (\d+) MiB$/.exec(e.message);
      assert.ok(r, e.message);
      const [w, s, rt, t, mm] = r.slice(1).map(Number);
      assert.equal(w, Math.ceil(m.weights / MIB));
      assert.equal(s, Math.ceil((m.kv + m.scratch) / MIB));
      assert.equal(rt, Math.ceil(m.runtime / MIB));
      assert.equal(t, w + s + rt);
      assert.equal(mm, budget / MIB);
      assert.ok(t > mm);
      return true;
    });
  });

  it("a budget that fits: the largest context, and the arena budget is what the runtime leaves", () => {
    const fit = fitSession(smol, 260 * MIB, DEVICE, { threads: 2 });
    assert.equal(fit.ctx, fit.plan.largestContext);
    assert.equal(fit.arenaBudget, 260 * MIB - fit.plan.breakdown.runtime);
    assert.ok(fit.plan.breakdown.arena <= fit.arenaBudget);
  });

  it("a context asked for that does not fit says how many would", () => {
    assert.throws(() => fitSession(smol, 240 * MIB, DEVICE, { threads: 2, ctx: 2048 }), (e: unknown) => {
      assert.ok(e instanceof EdgeError && e.code === "does_not_fit");
      assert.match(e.message, /^a context of 2048 tokens needs \d+ MiB of weights \+ \d+ MiB of KV cache and scratch \+ \d+ MiB runtime = \d+ MiB > --max-memory 240 MiB \(at most \d+ tokens fit\)$/);
      return true;
    });
  });
});

describe("largestFitting", () => {
  it("searches the model's context, then multiples of the step below it", () => {
    assert.equal(largestFitting(2048, (c) => c <= 5000), 2048);
    assert.equal(largestFitting(2000, (c) => c <= 1999), 1792);
    assert.equal(largestFitting(32768, (c) => c <= 10000), 9984);
    assert.equal(largestFitting(32768, (c) => c < 256), undefined);
    assert.equal(largestFitting(128, (c) => c <= 128), 128);
    assert.equal(largestFitting(128, () => false), undefined);
  });
});
