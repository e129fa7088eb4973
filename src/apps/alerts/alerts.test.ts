// End to end with the bundled model: every returned alert passes the checker; the fallback and its reasons; hostile
// input lines give per-line errors in order, never a crash.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { loadModel, type LoadedModel } from "../../engine.js";
import { AlertWriter, type Alert, type LineError } from "./alerts.js";
import { checkAlert } from "./check.js";
import { parseEvent } from "./event.js";
import { alertFacts } from "./facts.js";
import { readLines } from "../../io/lines.js";
import { languageOf, parsePolicy, type Policy } from "./policy.js";
import { gradeEvent } from "./severity.js";
import { examplePolicy, examplePolicyJson, PUMP, REPO_ROOT } from "./test-policy.js";

const MODEL = resolve(REPO_ROOT, "models/edgellm-assistant-q8_0.gguf");

/** The checker run again on a returned alert, from the event alone. */
function recheck(raw: unknown, alert: Alert, policy: Policy = examplePolicy()) {
  const ev = parseEvent(raw, policy);
  const lp = languageOf(policy, alert.lang)!;
  const grade = gradeEvent(ev, policy);
  assert.equal(alert.severity, grade.severity.name, "severity is computed");
  return checkAlert(alert.text, alertFacts(ev, grade, lp), lp, policy);
}

const bnPump = { ...PUMP, sensor: { en: "pump-2 pressure", bn: "পাম্প-২ চাপ" } };
const EVENTS = [
  { ...PUMP, id: 1 },
  { ...PUMP, id: 2, value: 960, location: "Hall B" },
  { ...PUMP, id: 3, value: 500 },
  { ...bnPump, id: 4, value: 900, lang: "bn" },
  { ...bnPump, id: 5, value: 975, lang: "bn" },
  { id: 6, sensor: { en: "motor 5 vibration", bn: "মোটর ৫ কম্পন" }, unit: { en: "mm", bn: "মিমি" }, value: 1.2, limits: { warn: 0.8, critical: 1.5 }, lang: "bn" },
  { id: 7, sensor: "tank-7 level", unit: "%", value: 8, direction: "low", limits: { warn: 20, critical: 10 } },
];

describe("guarded alerts with the bundled model", () => {
  let lm: LoadedModel;
  before(() => {
    lm = loadModel(MODEL, { threads: 1 });
  });
  after(() => lm?.dispose());

  it("every returned alert passes the checker; the model phrases some, the template the rest", async () => {
    const w = new AlertWriter(examplePolicy(), lm);
    const alerts: Alert[] = [];
    for (const raw of EVENTS) {
      const ev = parseEvent(raw, examplePolicy());
      const a = await w.write(ev, ev.lang ?? "en");
      assert.deepEqual(recheck(raw, a), [], JSON.stringify(a));
      assert.equal(a.id, raw.id);
      if (a.source === "model") assert.deepEqual(a.violations, []);
      alerts.push(a);
    }
    assert.deepEqual(alerts.map((a) => a.severity), ["warning", "critical", "info", "warning", "critical", "warning", "critical"]);
    assert.deepEqual(alerts.map((a) => a.lang), ["en", "en", "en", "bn", "bn", "bn", "en"]);
    // info is template-only in the example policy: no model attempt, so no violations either
    assert.equal(alerts[2].source, "template");
    assert.deepEqual(alerts[2].violations, []);
    // pump pressure is what the model was trained on: it phrases these itself
    assert.equal(alerts[0].source, "model", alerts[0].text);
    assert.match(alerts[0].text, /^Warning: pump-2 pressure .*910 ?PSI.*850 ?PSI/);
    assert.equal(w.stats.events, EVENTS.length);
    assert.equal(w.stats.model + w.stats.template, EVENTS.length);
  });

  it("greedy by default: the same event gives the same alert; a seed makes sampling repeatable", async () => {
    const ev = parseEvent({ ...PUMP, value: 960 }, examplePolicy());
    const greedy = new AlertWriter(examplePolicy(), lm);
    assert.deepEqual(await greedy.write(ev, "en"), await greedy.write(ev, "en"));
    const a = await new AlertWriter(examplePolicy(), lm, { temperature: 0.9, seed: 7 }).write(ev, "en");
    const b = await new AlertWriter(examplePolicy(), lm, { temperature: 0.9, seed: 7 }).write(ev, "en");
    assert.deepEqual(a, b);
    assert.deepEqual(recheck({ ...PUMP, value: 960 }, a), []);
  });

  it("when generation runs out of tokens or the model is unsure, the template is returned with the reason", async () => {
    const short = await examplePolicyJson();
    short.model.max_tokens = 8;
    const ev = parseEvent({ ...PUMP, value: 960 }, examplePolicy());
    const a = await new AlertWriter(parsePolicy(short), lm).write(ev, "en");
    assert.equal(a.source, "template");
    assert.deepEqual(a.violations, [{ kind: "incomplete", tokens: 8 }]);
    assert.equal(a.text, "CRITICAL: pump-2 pressure is 960 PSI, at or above the 950 PSI critical limit. Shut it down and inspect it now.");

    const strict = await examplePolicyJson();
    strict.model.min_mean_logprob = -0.001;
    const b = await new AlertWriter(parsePolicy(strict), lm).write(ev, "en");
    assert.equal(b.source, "template");
    assert.equal(b.violations.length, 1);
    assert.equal(b.violations[0].kind, "low_confidence");
  });

  it("a stream of hostile lines: per-line errors with line numbers and ids, in order, alerts in between", async () => {
    const lines = [
      JSON.stringify({ ...PUMP, id: "ok-1" }),
      "",
      "{not json",
      '{"sensor": "pump", "value": NaN, "unit": "PSI", "limits": {"warn": 1}}',
      JSON.stringify({ id: "no-limits", sensor: "pump", value: 3, unit: "PSI" }),
      '{"id": "huge", "sensor": "pump", "value": 1e999, "unit": "PSI", "limits": {"warn": 1}}',
      JSON.stringify({ ...PUMP, id: "long", sensor: "p".repeat(500) }),
      JSON.stringify({ ...PUMP, id: "too-long-alert", sensor: "p".repeat(120), location: "q".repeat(120) }),
      JSON.stringify({ ...PUMP, id: "no-bn-name", sensor: { en: "pump-2 pressure" }, lang: "bn" }),
      '"just a string"',
      JSON.stringify({ ...PUMP, id: "ok-2", value: 100 }),
    ];
    const bytes = Buffer.concat([
      Buffer.from(lines.slice(0, 3).join("\n") + "\n"),
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), // line 4: not UTF-8
      Buffer.from(lines.slice(3).join("\n")),
    ]);
    async function* src() {
      yield bytes;
    }
    const out: (Alert | LineError)[] = [];
    for await (const o of new AlertWriter(examplePolicy()).lines(readLines(src()), "en")) out.push(o);
    const summary = out.map((o) => ("error" in o ? [o.line, o.error.code, o.error.param ?? "", o.id ?? ""] : ["alert", o.id]));
    assert.deepEqual(summary, [
      ["alert", "ok-1"],
      [3, "event_invalid", "", ""],
      [4, "event_invalid", "", ""],
      [5, "event_invalid", "", ""],
      [6, "event_invalid", "limits", "no-limits"],
      [7, "event_invalid", "value", "huge"],
      [8, "event_invalid", "sensor", "long"],
      [9, "event_invalid", "", "too-long-alert"],
      [10, "event_invalid", "sensor.bn", "no-bn-name"],
      [11, "event_invalid", "", ""],
      ["alert", "ok-2"],
    ]);
    const errors = out.filter((o): o is LineError => "error" in o);
    assert.match(errors[0].error.message, /^not valid JSON/);
    assert.equal(errors[1].error.message, "the line is not valid UTF-8");
    assert.match(errors[6].error.message, /template cannot state this event within the policy \(too_long/);
    assert.match(errors[8].error.message, /must be an object, got "just a string"/);
    for (const e of errors) assert.ok(!e.error.message.includes("\n"));
  });
});
