import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Grammar } from "./grammar.js";
import { integerRangeGbnf } from "./json-schema-int-range.js";
import { grammarFromJsonSchema } from "./json-schema.js";

const BOUNDS = [undefined, -1000, -999, -123, -100, -10, -9, -5, -1, 0, 1, 5, 9, 10, 15, 99, 100, 105, 123, 300, 999, 1000, 1001];

describe("integer ranges", () => {
  it("accept exactly the integers in range, in canonical form, by brute force", () => {
    for (const lo of BOUNDS) {
      for (const hi of BOUNDS) {
        if ((lo === undefined && hi === undefined) || (lo !== undefined && hi !== undefined && lo > hi)) continue;
        const body = integerRangeGbnf(lo === undefined ? undefined : BigInt(lo), hi === undefined ? undefined : BigInt(hi));
        assert.ok(body !== null);
        const g = Grammar.fromGbnf(`root ::= ${body}`);
        const name = `[${lo}, ${hi}]: ${body}`;
        for (let n = -1100; n <= 1100; n += n > -20 && n < 20 ? 1 : 3) {
          assert.equal(g.accepts(String(n)), (lo === undefined || n >= lo) && (hi === undefined || n <= hi), `${name}: ${n}`);
          if (n > 0) assert.ok(!g.accepts(`0${n}`) && !g.accepts(`-0${n}`), `${name}: leading zero ${n}`);
        }
        // "-0": llama.cpp's form of 0 when a lower bound below 0 meets a range holding 0
        assert.equal(g.accepts("-0"), lo !== undefined && lo < 0 && (hi === undefined || hi >= 0), `${name}: -0`);
        // an unbounded side stops at 16 digits, as llama.cpp's integral-part
        if (hi === undefined) assert.ok(g.accepts("9".repeat(16)) && !g.accepts("1" + "0".repeat(16)), name);
        if (lo === undefined) assert.ok(g.accepts("-" + "9".repeat(16)) && !g.accepts("-1" + "0".repeat(16)), name);
      }
    }
  });

  it("wide ranges across digit counts and beyond 2^53", () => {
    const lo = -98765432109876543n;
    const hi = 1234567890123456789n;
    const g = Grammar.fromGbnf(`root ::= ${integerRangeGbnf(lo, hi)}`);
    for (const n of [lo, lo + 1n, -1n, 0n, 7n, 10n ** 17n, hi - 1n, hi]) assert.ok(g.accepts(n.toString()), n.toString());
    for (const n of [lo - 1n, hi + 1n, hi * 10n]) assert.ok(!g.accepts(n.toString()), n.toString());
  });

  it("empty ranges are null", () => {
    assert.equal(integerRangeGbnf(5n, 4n), null);
    assert.equal(integerRangeGbnf(10n ** 16n, undefined), null);
  });

  it("schema bounds: fractional ones round inwards, exclusive ones shift, the tighter form of a side wins", () => {
    const cases: [object, number[], number[]][] = [
      [{ minimum: 1.5, maximum: 4.5 }, [2, 3, 4], [1, 5]],
      [{ exclusiveMinimum: 1.5, exclusiveMaximum: 4.5 }, [2, 4], [1, 5]],
      [{ exclusiveMinimum: 2, exclusiveMaximum: 5 }, [3, 4], [2, 5]],
      [{ minimum: 0, exclusiveMinimum: 3 }, [4, 100], [3, 0]],
      [{ maximum: 10, exclusiveMaximum: 7 }, [6, -3], [7, 10]],
      [{ minimum: -2.5 }, [-2, 0, 99], [-3]],
    ];
    for (const [bounds, yes, no] of cases) {
      const g = grammarFromJsonSchema({ type: "integer", ...bounds });
      for (const n of yes) assert.ok(g.accepts(String(n)), `${JSON.stringify(bounds)} ${n}`);
      for (const n of no) assert.ok(!g.accepts(String(n)), `${JSON.stringify(bounds)} ${n}`);
    }
  });
});
