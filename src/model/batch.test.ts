// forwardBatch (several sequences in one pass, each over its own KV cache) against one forward per sequence.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadModel, type LoadedModel } from "../engine.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { argmax } from "../runtime/sampler.js";
import { DECODERS, writeTinyModel } from "../../test/helpers/models.js";
import type { Segment } from "./model.js";

for (const arch of DECODERS) {
  describe(`${arch}: forwardBatch`, () => {
    let lm: LoadedModel;
    before(async () => {
      lm = loadModel(await writeTinyModel(arch, GgmlType.Q8_0, 3), { threads: 2 });
    });
    after(() => lm?.dispose());

    it("decoding three sequences together gives each the logits it gets alone", () => {
      const model = lm.model;
      const V = model.config.vocabSize;
      const prompts = [[5, 9, 200, 17], [300, 2, 45, 45, 45, 8, 1], [77]];
      // alone: each sequence prefilled, then 6 greedy steps
      const alone: Float32Array[][] = [];
      const tokensAlone: number[][] = [];
      for (const p of prompts) {
        const s = lm.createSession({ ctx: 64 });
        s.eval(p);
        const rows: Float32Array[] = [];
        const toks: number[] = [];
        let logits = s.lastLogits();
        for (let i = 0; i < 6; i++) {
          rows.push(logits.slice());
          const t = argmax(logits);
          toks.push(t);
          logits = s.step(t);
        }
        alone.push(rows);
        tokensAlone.push(toks);
      }
      // together: same prefills, then every decode step as one batch of three rows
      const sessions = prompts.map((p) => {
        const s = lm.createSession({ ctx: 64 });
        s.eval(p);
        return s;
      });
      const scratch = model.createState({ ctx: 64, maxBatch: 4, kvType: "f16", allLogits: true, scratchOnly: true });
      const logitsOf = (i: number) => lm.kernels.arena.f32View(scratch.logitsPtr + i * V * 4, V);
      let current = sessions.map((s) => s.lastLogits().slice());
      const tokens = new Int32Array(3);
      for (let step = 0; step < 6; step++) {
        const segs: Segment[] = [];
        for (let i = 0; i < 3; i++) {
          const want = alone[i][step];
          let worst = 0;
          for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(current[i][v] - want[v]));
          assert.ok(worst < 2e-3, `sequence ${i} step ${step}: logits differ by ${worst}`);
          tokens[i] = argmax(current[i]);
          assert.equal(tokens[i], tokensAlone[i][step]);
          segs.push({ state: sessions[i].state, start: i, len: 1, pos0: sessions[i].nPast });
          sessions[i].nPast++;
        }
        model.forwardBatch!(scratch, segs, tokens, 3);
        current = [0, 1, 2].map((i) => logitsOf(i).slice());
      }
    });

    it("a batch can mix a prompt chunk of one sequence with decode rows of others", () => {
      const model = lm.model;
      const V = model.config.vocabSize;
      const a = lm.createSession({ ctx: 64 });
      a.eval([10, 20, 30]);
      const ref = lm.createSession({ ctx: 64 });
      ref.eval([10, 20, 30, 40]);
      const b = lm.createSession({ ctx: 64 });
      const bRef = lm.createSession({ ctx: 64 });
      bRef.eval([7, 8, 9, 10, 11]);
      const scratch = model.createState({ ctx: 64, maxBatch: 8, kvType: "f16", allLogits: true, scratchOnly: true });
      const tokens = Int32Array.from([40, 7, 8, 9, 10, 11]);
      model.forwardBatch!(scratch, [{ state: a.state, start: 0, len: 1, pos0: 3 }, { state: b.state, start: 1, len: 5, pos0: 0 }], tokens, 6);
      const rowA = lm.kernels.arena.f32View(scratch.logitsPtr, V);
      const rowB = lm.kernels.arena.f32View(scratch.logitsPtr + V * 4, V);
      const diff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
      assert.ok(diff(rowA, ref.lastLogits()) < 2e-3);
      assert.ok(diff(rowB, bRef.lastLogits()) < 2e-3);
    });
  });
}
