import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EdgeError } from "../../errors.js";
import { inLanguage, parseEvent } from "./event.js";
import { FieldError } from "./fields.js";
import { examplePolicy, PUMP } from "./test-policy.js";

function rejects(json: unknown, path: string, pattern: RegExp): void {
  assert.throws(
    () => parseEvent(json, examplePolicy()),
    (e: unknown) => {
      assert.ok(e instanceof FieldError && e instanceof EdgeError, String(e));
      assert.equal(e.code, "event_invalid");
      assert.equal(e.path, path);
      assert.ok(!e.message.includes("\n"));
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe("sensor events", () => {
  it("a full event: localized names, location, id, timestamp, two-sided limits", () => {
    const ev = parseEvent({
      id: "e-1", timestamp: "2025-03-01T12:00:00Z", lang: "bn", sensor: { en: "line voltage", bn: "লাইন ভোল্টেজ" }, value: 251,
      unit: "V", location: "Hall B", limits: { warn: 240, critical: 250 }, low_limits: { warn: 210, critical: 200 }, meta: { any: [1] },
    }, examplePolicy());
    assert.deepEqual(ev.high, { warn: 240, critical: 250 });
    assert.deepEqual(ev.low, { warn: 210, critical: 200 });
    assert.equal(inLanguage(ev.sensor, "bn", "sensor"), "লাইন ভোল্টেজ");
    assert.equal(ev.id, "e-1");
    assert.deepEqual(parseEvent({ ...PUMP, direction: "low", limits: { warn: 20 } }, examplePolicy()).low, { warn: 20 });
  });

  it("texts are NFC-normalised and trimmed", () => {
    const ev = parseEvent({ ...PUMP, sensor: "  ঘড়ি-১  " }, examplePolicy()); // ড় typed precomposed (U+09DC)
    assert.equal(ev.sensor, "ঘড়ি-১".normalize("NFC"));
  });

  it("missing and unknown fields", () => {
    rejects([], "", /must be an object, got an array/);
    rejects(null, "", /must be an object, got null/);
    rejects({ ...PUMP, sensor: undefined }, "sensor", /missing/);
    rejects({ sensor: "s", unit: "u", value: 1 }, "limits", /missing/);
    rejects({ ...PUMP, directon: "low" }, "directon", /unknown field/);
    rejects({ ...PUMP, limits: {} }, "limits", /needs at least one limit \(warn, critical\)/);
    rejects({ ...PUMP, limits: { warning: 3 } }, "limits.warning", /unknown limit \(the policy's limits: warn, critical\)/);
  });

  it("numbers: finite, no exponent needed, within ±1e15, never strings", () => {
    rejects({ ...PUMP, value: "910" }, "value", /must be a number, got the string "910"/);
    rejects({ ...PUMP, value: null }, "value", /must be a number, got null/);
    rejects({ ...PUMP, value: NaN }, "value", /must be a finite number/);
    rejects({ ...PUMP, value: Infinity }, "value", /must be a finite number/);
    rejects({ ...PUMP, value: JSON.parse("1e999") }, "value", /must be a finite number/);
    rejects({ ...PUMP, value: 1e300 }, "value", /out of range/);
    rejects({ ...PUMP, value: 1e-9 }, "value", /too small to write without an exponent/);
    rejects({ ...PUMP, limits: { warn: NaN } }, "limits.warn", /finite/);
    assert.equal(parseEvent({ ...PUMP, value: -0.000001 }, examplePolicy()).value, -0.000001);
  });

  it("limits must be ordered, low below high, and direction low excludes low_limits", () => {
    rejects({ ...PUMP, limits: { warn: 950, critical: 850 } }, "limits.critical", /critical \(850\) must be at or above warn \(950\)/);
    rejects({ ...PUMP, direction: "low", limits: { warn: 10, critical: 20 } }, "limits.critical", /must be at or below warn/);
    rejects({ ...PUMP, low_limits: { warn: 900 } }, "low_limits", /every low limit must be below every high limit/);
    rejects({ ...PUMP, direction: "low", low_limits: { warn: 1 } }, "low_limits", /not allowed with "direction": "low"/);
    rejects({ ...PUMP, direction: "up" }, "direction", /must be one of "high", "low"/);
  });

  it("hostile texts: huge names, control characters, broken surrogates, digits in units, unknown languages", () => {
    rejects({ ...PUMP, sensor: "x".repeat(121) }, "sensor", /121 characters long, at most 120/);
    rejects({ ...PUMP, sensor: "pump\n2" }, "sensor", /control character/);
    rejects({ ...PUMP, sensor: "pump\u0000" }, "sensor", /control character/);
    rejects({ ...PUMP, sensor: "bad \ud800 half" }, "sensor", /invalid character/);
    rejects({ ...PUMP, sensor: "bad \ufffd replacement" }, "sensor", /invalid character/);
    rejects({ ...PUMP, sensor: "private \ue000 use" }, "sensor", /invalid character/);
    rejects({ ...PUMP, sensor: "   " }, "sensor", /must not be empty/);
    rejects({ ...PUMP, sensor: { fr: "pompe" } }, "sensor.fr", /the policy has no language "fr"/);
    rejects({ ...PUMP, sensor: {} }, "sensor", /at least one entry/);
    rejects({ ...PUMP, unit: "m3/h" }, "unit", /must not contain digits/);
    rejects({ ...PUMP, unit: "x".repeat(25) }, "unit", /at most 24/);
    rejects({ ...PUMP, lang: "de" }, "lang", /must be one of "en", "bn"/);
    rejects({ ...PUMP, id: { a: 1 } }, "id", /must be a string/);
    rejects({ ...PUMP, id: 1.5 }, "id", /must be an integer/);
    rejects({ ...PUMP, timestamp: "yesterday" }, "timestamp", /ISO 8601/);
    rejects({ ...PUMP, timestamp: "2025-13-45" }, "timestamp", /ISO 8601/);
  });

  it("a name given only in another language is an error when the alert is in this one", () => {
    const ev = parseEvent({ ...PUMP, sensor: { en: "pump-2 pressure" } }, examplePolicy());
    assert.throws(() => inLanguage(ev.sensor, "bn", "sensor"), (e: unknown) => e instanceof FieldError && e.path === "sensor.bn" && /alert is in "bn"/.test(e.message));
  });
});
