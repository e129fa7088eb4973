// Statistics of the benchmark, checked against hand-computed values (numpy's "linear" percentile, population stddev).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EdgeError } from "../errors.js";
import { latencySummary, mean, median, percentile, spread, stddev } from "./stats.js";

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

describe("percentile", () => {
  const oneToTen = [7, 3, 10, 1, 5, 2, 9, 4, 8, 6]; // shuffled 1..10

  it("interpolates linearly between closest ranks (numpy: 5.5, 9.1, 9.91 for 1..10)", () => {
    close(percentile(oneToTen, 50), 5.5);
    close(percentile(oneToTen, 90), 9.1);
    close(percentile(oneToTen, 99), 9.91);
    close(percentile(oneToTen, 25), 3.25);
  });

  it("p0 is the minimum and p100 the maximum; exact ranks hit sample values", () => {
    assert.equal(percentile(oneToTen, 0), 1);
    assert.equal(percentile(oneToTen, 100), 10);
    assert.equal(percentile([10, 20, 30, 40, 50], 75), 40);
  });

  it("does not reorder its input", () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    assert.deepEqual(xs, [3, 1, 2]);
  });

  it("of one value is that value; empty samples and bad p are errors", () => {
    assert.equal(percentile([4.5], 99), 4.5);
    assert.throws(() => percentile([], 50), EdgeError);
    assert.throws(() => percentile([1, 2], 101), /outside 0..100/);
    assert.throws(() => percentile([1, 2], NaN), /outside 0..100/);
  });
});

describe("median, mean, stddev, spread", () => {
  it("median of odd and even samples", () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it("population standard deviation: 2 for [2,4,4,4,5,5,7,9], 0 for a constant", () => {
    close(stddev([2, 4, 4, 4, 5, 5, 7, 9]), 2);
    assert.equal(stddev([3, 3, 3]), 0);
    assert.equal(mean([2, 4, 4, 4, 5, 5, 7, 9]), 5);
  });

  it("stddev does not lose precision on a large offset", () => {
    close(stddev([2, 4, 4, 4, 5, 5, 7, 9].map((x) => x + 1e9)), 2, 1e-6);
  });

  it("spread gives the median with min and max", () => {
    assert.deepEqual(spread([12, 10, 11, 50, 9]), { median: 11, min: 9, max: 50 });
    assert.throws(() => spread([]), EdgeError);
  });
});

describe("latencySummary", () => {
  it("p50/p90/p99/max/stddev/jitter of per-token latencies", () => {
    // 99 tokens at 10 ms and one 30 ms hiccup
    const ms = Array.from({ length: 100 }, (_, i) => (i === 42 ? 30 : 10));
    const s = latencySummary(ms);
    assert.equal(s.p50, 10);
    assert.equal(s.p90, 10);
    close(s.p99, 10 + 0.01 * 20); // rank 98.01: 1% of the way from 10 to 30
    assert.equal(s.max, 30);
    assert.equal(s.min, 10);
    assert.equal(s.jitter, 20);
    close(s.stddev, Math.sqrt((99 * 0.2 ** 2 + 19.8 ** 2) / 100)); // mean 10.2
  });
});
