import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { argmax, Sampler } from "./sampler.js";

const logits = (xs: number[]) => Float32Array.from(xs);

function histogram(s: Sampler, l: number[], n: number): number[] {
  const counts = new Array(l.length).fill(0);
  for (let i = 0; i < n; i++) counts[s.sample(logits(l))]++;
  return counts;
}

describe("Sampler", () => {
  it("temperature 0 is argmax, whatever the other settings", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 50 }), (xs) => {
        const s = new Sampler(xs.length, { temperature: 0, topK: 3, topP: 0.5, minP: 0.2 });
        assert.equal(s.sample(logits(xs)), argmax(xs));
      }),
    );
  });

  it("top-k keeps only the k most likely tokens", () => {
    const s = new Sampler(6, { temperature: 1, topK: 2, topP: 1, minP: 0, seed: 1 });
    const h = histogram(s, [0, 1, 5, 4.8, 2, -1], 2000);
    assert.deepEqual([h[0], h[1], h[4], h[5]], [0, 0, 0, 0]);
    assert.ok(h[2] > 0 && h[3] > 0);
  });

  it("top-p keeps the smallest set whose probability reaches p", () => {
    // probabilities ≈ 0.64, 0.24, 0.09, 0.03: p = 0.8 needs the first two
    const s = new Sampler(4, { temperature: 1, topK: 0, topP: 0.8, minP: 0, seed: 2 });
    const h = histogram(s, [3, 2, 1, 0], 3000);
    assert.equal(h[2] + h[3], 0);
    assert.ok(h[1] > 500);
  });

  it("min-p drops tokens below p × the best probability", () => {
    const s = new Sampler(3, { temperature: 1, topK: 0, topP: 1, minP: 0.3, seed: 3 });
    // p ∝ e^2, e^1, e^0 → relative 1, 0.37, 0.14: the last falls under 0.3
    const h = histogram(s, [2, 1, 0], 3000);
    assert.equal(h[2], 0);
    assert.ok(h[1] > 0);
  });

  it("sampling frequencies follow softmax(logits / T)", () => {
    const T = 0.7;
    const l = [1, 0.5, 0, -0.5];
    const s = new Sampler(4, { temperature: T, topK: 0, topP: 1, minP: 0, seed: 4 });
    const n = 20000;
    const h = histogram(s, l, n);
    const z = l.reduce((a, x) => a + Math.exp(x / T), 0);
    l.forEach((x, i) => assert.ok(Math.abs(h[i] / n - Math.exp(x / T) / z) < 0.015, `token ${i}: ${h[i] / n}`));
  });

  it("same seed gives the same draws; another seed differs", () => {
    const l = Array.from({ length: 100 }, (_, i) => Math.sin(i) * 3);
    const draw = (seed: number) => {
      const s = new Sampler(100, { temperature: 1.2, topK: 0, topP: 1, minP: 0, seed });
      return Array.from({ length: 50 }, () => s.sample(logits(l)));
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
  });

  it("repetition penalty divides positive and multiplies negative logits of recent tokens, once each", () => {
    const s = new Sampler(4, { temperature: 0, repeatPenalty: 2, repeatLastN: 2 });
    s.accept(0);
    s.accept(0);
    const l = logits([4, 3, -1, -1.5]);
    assert.equal(s.sample(l), 1, "token 0 (4 → 2) falls below token 1");
    assert.deepEqual(Array.from(l), [2, 3, -1, -1.5]);
    s.accept(2);
    s.accept(3); // window of 2: token 0 has left it
    const l2 = logits([4, 3, -1, -1.5]);
    s.sample(l2);
    assert.deepEqual(Array.from(l2), [4, 3, -2, -3]);
  });

  it("rejects invalid options with a named error", () => {
    assert.throws(() => new Sampler(4, { topP: 0 }), /top-p/);
    assert.throws(() => new Sampler(4, { temperature: -1 }), /temperature/);
    assert.throws(() => new Sampler(4, { topK: 1.5 }), /top-k/);
  });
  it("presence and frequency penalties subtract once per distinct token and once per occurrence in the window", () => {
    const s = new Sampler(3, { temperature: 0, presencePenalty: 0.5, frequencyPenalty: 1, repeatLastN: 8 });
    for (const t of [0, 0, 1]) s.accept(t);
    const l = logits([5, 5, 0]);
    assert.equal(s.sample(l), 1);
    assert.deepEqual(Array.from(l), [2.5, 3.5, 0]);
    assert.throws(() => new Sampler(3, { presencePenalty: 3 }), /presence penalty/);
  });
});
