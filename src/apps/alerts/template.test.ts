import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileTemplate, renderParts, renderText, templateSlots } from "./template.js";
import { PUMP, prepare } from "./test-policy.js";

describe("alert templates", () => {
  it("slots, optional parts and escapes", () => {
    const t = compileTemplate("A: {sensor}[ at {location}] is {value} {unit} \\[ok\\].");
    assert.deepEqual(templateSlots(t), { always: ["sensor", "value", "unit"], optional: ["location"] });
    assert.equal(renderText(t, { sensor: "s", value: "1", unit: "u" }), "A: s is 1 u [ok].");
    assert.equal(renderText(t, { sensor: "s", value: "1", unit: "u", location: "Hall" }), "A: s at Hall is 1 u [ok].");
    assert.deepEqual(renderParts(t, { sensor: "s", value: "1", unit: "u" }).map((p) => p.kind), ["text", "slot", "text", "slot", "text", "slot", "text"]);
    assert.throws(() => renderText(t, { value: "1", unit: "u" }), /no value for \{sensor\}/);
  });

  it("syntax errors say what is wrong", () => {
    assert.throws(() => compileTemplate("{sensor"), /"\{" without "\}"/);
    assert.throws(() => compileTemplate("a}"), /"\}" without "\{"/);
    assert.throws(() => compileTemplate("[a [b {sensor}]]"), /do not nest/);
    assert.throws(() => compileTemplate("[plain text]"), /needs a slot inside/);
    assert.throws(() => compileTemplate("{colour}"), /unknown slot \{colour\}/);
    assert.throws(() => compileTemplate("a \\n"), /escapes only/);
  });

  it("the example policy in English: each severity and side, with and without a location", () => {
    assert.equal(prepare({ ...PUMP, value: 500 }).text, "Info: pump-2 pressure is 500 PSI, below the 850 PSI limit. Keep monitoring it.");
    assert.equal(prepare(PUMP).text, "Warning: pump-2 pressure is 910 PSI, at or above the 850 PSI limit. Schedule an inspection soon.");
    assert.equal(
      prepare({ ...PUMP, value: 951.5, location: "Hall B" }).text,
      "CRITICAL: Hall B: pump-2 pressure is 951.5 PSI, at or above the 950 PSI critical limit. Shut it down and inspect it now.",
    );
    const tank = { sensor: "tank-7 level", unit: "%", direction: "low", limits: { warn: 20, critical: 10 } };
    assert.equal(prepare({ ...tank, value: 9 }).text, "CRITICAL: tank-7 level is 9 %, at or below the 10 % critical low limit. Act now.");
    assert.equal(prepare({ ...tank, value: 35 }).text, "Info: tank-7 level is 35 %, above the 20 % low limit. Keep monitoring it.");
  });

  it("the example policy in Bangla: Bengali digits, Bangla names and units when given", () => {
    const ev = { ...PUMP, sensor: { en: "pump-2 pressure", bn: "পাম্প-২ চাপ" }, value: 960.5 };
    assert.equal(
      prepare(ev, "bn").text,
      "জরুরি সতর্কতা: পাম্প-২ চাপ এখন ৯৬০.৫ PSI, জরুরি সীমা ৯৫০ PSI-এর সমান বা বেশি। এখনই বন্ধ করে পরীক্ষা করুন।",
    );
    const vib = { sensor: { en: "motor 5 vibration", bn: "মোটর ৫ কম্পন" }, unit: { en: "mm", bn: "মিমি" }, limits: { warn: 0.8, critical: 1.5 } };
    assert.equal(
      prepare({ ...vib, value: 1.2, location: { en: "Hall B", bn: "হল বি" } }, "bn").text,
      "সতর্কতা: হল বি: মোটর ৫ কম্পন এখন ১.২ মিমি, সীমা ০.৮ মিমি-এর সমান বা বেশি। শিগগিরই পরিদর্শন করান।",
    );
    assert.equal(prepare({ ...vib, value: -0.5 }, "bn").text, "তথ্য: মোটর ৫ কম্পন এখন -০.৫ মিমি, সীমা ০.৮ মিমি-এর নিচে। নজর রাখুন।");
  });
});
