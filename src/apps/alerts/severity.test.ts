import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseEvent } from "./event.js";
import { parsePolicy } from "./policy.js";
import { gradeEvent } from "./severity.js";
import { examplePolicy, examplePolicyJson } from "./test-policy.js";

const grade = (ev: Record<string, unknown>, policy = examplePolicy()) => {
  const g = gradeEvent(parseEvent({ sensor: "s", unit: "u", ...ev }, policy), policy);
  return { severity: g.severity.name, limit: g.limit, side: g.side, reached: g.reached };
};

describe("severity bands", () => {
  const limits = { warn: 850, critical: 950 };

  it("high limits: below warn is info, at warn is warning, at critical is critical (inclusive)", () => {
    assert.deepEqual(grade({ value: 849.9, limits }), { severity: "info", limit: 850, side: "high", reached: false });
    assert.deepEqual(grade({ value: 850, limits }), { severity: "warning", limit: 850, side: "high", reached: true });
    assert.deepEqual(grade({ value: 949, limits }), { severity: "warning", limit: 850, side: "high", reached: true });
    assert.deepEqual(grade({ value: 950, limits }), { severity: "critical", limit: 950, side: "high", reached: true });
    assert.deepEqual(grade({ value: 1e9, limits }), { severity: "critical", limit: 950, side: "high", reached: true });
    assert.equal(grade({ value: -1e9, limits }).severity, "info");
  });

  it("an exclusive policy needs the value past the limit", async () => {
    const json = await examplePolicyJson();
    json.inclusive = false;
    const p = parsePolicy(json);
    assert.equal(grade({ value: 850, limits }, p).severity, "info");
    assert.equal(grade({ value: 850.5, limits }, p).severity, "warning");
    assert.equal(grade({ value: 950, limits }, p).severity, "warning");
    assert.equal(grade({ value: 950.001, limits }, p).severity, "critical");
  });

  it("low limits (direction low): at or below", () => {
    const low = { limits: { warn: 20, critical: 10 }, direction: "low" };
    assert.deepEqual(grade({ value: 21, ...low }), { severity: "info", limit: 20, side: "low", reached: false });
    assert.deepEqual(grade({ value: 20, ...low }), { severity: "warning", limit: 20, side: "low", reached: true });
    assert.deepEqual(grade({ value: 10.5, ...low }), { severity: "warning", limit: 20, side: "low", reached: true });
    assert.deepEqual(grade({ value: 10, ...low }), { severity: "critical", limit: 10, side: "low", reached: true });
    assert.deepEqual(grade({ value: -40, ...low }), { severity: "critical", limit: 10, side: "low", reached: true });
  });

  it("two-sided: both sides grade, info names the nearer limit", () => {
    const two = { limits: { warn: 240, critical: 250 }, low_limits: { warn: 210, critical: 200 } };
    assert.deepEqual(grade({ value: 251, ...two }), { severity: "critical", limit: 250, side: "high", reached: true });
    assert.deepEqual(grade({ value: 241, ...two }), { severity: "warning", limit: 240, side: "high", reached: true });
    assert.deepEqual(grade({ value: 209, ...two }), { severity: "warning", limit: 210, side: "low", reached: true });
    assert.deepEqual(grade({ value: 200, ...two }), { severity: "critical", limit: 200, side: "low", reached: true });
    assert.deepEqual(grade({ value: 235, ...two }), { severity: "info", limit: 240, side: "high", reached: false });
    assert.deepEqual(grade({ value: 214, ...two }), { severity: "info", limit: 210, side: "low", reached: false });
  });

  it("only some limits given: the highest severity whose limit is reached", () => {
    assert.deepEqual(grade({ value: 900, limits: { critical: 950 } }), { severity: "info", limit: 950, side: "high", reached: false });
    assert.deepEqual(grade({ value: 960, limits: { critical: 950 } }), { severity: "critical", limit: 950, side: "high", reached: true });
    assert.deepEqual(grade({ value: 960, limits: { warn: 950 } }), { severity: "warning", limit: 950, side: "high", reached: true });
    // equal warn and critical: critical wins
    assert.equal(grade({ value: 950, limits: { warn: 950, critical: 950 } }).severity, "critical");
  });
});
