import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkAlert, violationKinds, type Violation } from "./check.js";
import { examplePolicy, PUMP, prepare, type Prepared } from "./test-policy.js";

const check = (p: Prepared, text: string): Violation[] => checkAlert(text, p.facts, p.lp, examplePolicy());
const kinds = (p: Prepared, text: string) => violationKinds(check(p, text));

describe("alert checker", () => {
  const en = prepare(PUMP); // warning, 910 PSI, limit 850 PSI
  const crit = prepare({ ...PUMP, value: 960 });
  const bnEvent = { ...PUMP, sensor: { en: "pump-2 pressure", bn: "পাম্প-২ চাপ" }, value: 960 };
  const bn = prepare(bnEvent, "bn");
  const ok = "Warning: pump-2 pressure is 910 PSI, above the normal 850 PSI. Schedule an inspection soon.";

  it("passes the template texts and a good model phrasing", () => {
    assert.deepEqual(check(en, en.text), []);
    assert.deepEqual(check(en, ok), []);
    assert.deepEqual(check(bn, bn.text), []);
    assert.deepEqual(check(bn, "জরুরি সতর্কতা: পাম্প-২ চাপ ৯৬০ PSI, নিরাপদ সীমা ৯৫০ PSI ছাড়িয়ে গেছে। এখনই বন্ধ করে পরীক্ষা করুন।"), []);
  });

  it("missing and altered numbers, extra numbers, digits of the wrong script", () => {
    assert.deepEqual(check(en, ok.replace("910 PSI", "high")), [{ kind: "missing_fact", fact: "value", expected: "910 PSI" }]);
    assert.deepEqual(check(en, ok.replace("910", "911")), [{ kind: "extra_number", found: "911" }, { kind: "missing_fact", fact: "value", expected: "910 PSI" }]);
    assert.deepEqual(kinds(en, ok.replace("910", "9100")), ["extra_number", "missing_fact"]);
    assert.deepEqual(kinds(en, ok.replace("910", "91.0")), ["extra_number", "missing_fact"]);
    assert.deepEqual(kinds(en, ok.replace("910", "-910")), ["extra_number", "missing_fact"]);
    assert.deepEqual(kinds(en, ok.replace("normal 850 PSI", "normal")), ["missing_fact"]);
    assert.deepEqual(check(en, ok.replace("soon.", "soon, 2.")), [{ kind: "extra_number", found: "2" }]);
    // Bangla with Bengali digits: ASCII digits are the right number in the wrong script
    assert.deepEqual(check(bn, bn.text.replace("৯৬০", "960")), [
      { kind: "wrong_digits", found: "960", expected: "৯৬০" },
      { kind: "missing_fact", fact: "value", expected: "৯৬০ PSI" },
    ]);
    assert.deepEqual(kinds(bn, bn.text.replace("৯৬০", "৯৬1")), ["extra_number", "missing_fact"]);
  });

  it("the unit must follow each number exactly", () => {
    assert.deepEqual(check(en, ok.replace("910 PSI", "910 psi"))[0], { kind: "wrong_unit", number: "910", expected: "PSI", found: " psi, above " });
    assert.deepEqual(kinds(en, ok.replace("910 PSI", "910 bar")), ["wrong_unit", "unknown_word"]);
    assert.deepEqual(kinds(en, ok.replace("910 PSI", "910 PSIG")), ["wrong_unit", "unknown_word"]);
    assert.deepEqual(kinds(en, ok.replace("850 PSI", "850")), ["wrong_unit"]);
    assert.deepEqual(check(en, ok.replace("910 PSI", "910PSI")), [], "no space is fine");
  });

  it("the sensor name (and a required location) must appear whole", () => {
    const v = check(en, ok.replace("pump-2 pressure", "pump 2 pressure"));
    assert.deepEqual(v.slice(0, 2), [{ kind: "missing_fact", fact: "sensor", expected: "pump-2 pressure" }, { kind: "extra_number", found: "2" }]);
    assert.deepEqual(kinds(en, ok.replace("pump-2 pressure", "pump-2 pressures")), ["missing_fact", "extra_number", "unknown_word"]);
    const loc = prepare({ ...PUMP, location: "Hall B" });
    assert.deepEqual(check(loc, loc.text), []);
    assert.deepEqual(check(loc, ok), [{ kind: "missing_fact", fact: "location", expected: "Hall B" }]);
  });

  it("facts are blanked before the word checks: a sensor called 'safe-room 2' is no forbidden word", () => {
    const p = prepare({ ...PUMP, sensor: "safe-room 2 pressure" });
    assert.deepEqual(check(p, ok.replace("pump-2 pressure", "safe-room 2 pressure")), []);
  });

  it("forbidden words and phrases, English and Bangla, without case, whole words or prefixes", () => {
    assert.deepEqual(check(en, ok.replace("Schedule an inspection soon.", "It is SAFE.")).filter((v) => v.kind === "forbidden_word"), [{ kind: "forbidden_word", word: "safe*" }]);
    assert.ok(kinds(en, ok.replace("Schedule", "Ignore it and schedule")).includes("forbidden_word"));
    assert.ok(kinds(en, ok.replace("Schedule an inspection soon.", "No action needed.")).includes("forbidden_word"));
    assert.ok(kinds(en, ok.replace("Schedule an inspection soon.", "No   ACTION needed.")).includes("forbidden_word"));
    assert.ok(!kinds(en, ok.replace("normal", "safety limit of")).includes("forbidden_word"), "an exception phrase");
    assert.ok(kinds(bn, bn.text.replace("এখনই বন্ধ করে পরীক্ষা করুন।", "উপেক্ষা করুন।")).includes("forbidden_word"));
    assert.ok(kinds(bn, bn.text.replace("এখনই বন্ধ করে পরীক্ষা করুন।", "কিছু করার দরকার নেই।")).includes("forbidden_word"));
    assert.ok(kinds(bn, bn.text.replace("জরুরি সীমা", "নিরাপদের সীমা")).includes("forbidden_word"));
  });

  it("claims of another severity, false relations, the other side, the value called the limit", () => {
    assert.deepEqual(check(crit, crit.text.replace("critical limit", "warning limit")), [{ kind: "severity_claim", word: "warning", claims: "warning" }]);
    assert.deepEqual(check(en, ok.replace("above the normal", "below the normal")), [{ kind: "false_relation", word: "below*", relation: "below" }]);
    const info = prepare({ ...PUMP, value: 500 });
    assert.deepEqual(check(info, info.text.replace("below", "above")), [{ kind: "false_relation", word: "above*", relation: "above" }]);
    assert.deepEqual(check(en, ok.replace("normal", "low")), [{ kind: "wrong_side", word: "low", side: "high" }]);
    // exactly at the limit it reached: neither above nor below is true, "at or above" is
    const at = prepare({ ...PUMP, value: 850 });
    assert.deepEqual(check(at, at.text), []);
    assert.match(at.text, /at or above the 850 PSI limit/);
    assert.deepEqual(check(at, ok.replace("910", "850")), [{ kind: "false_relation", word: "above*", relation: "at" }]);
    const bnAt = prepare({ ...bnEvent, value: 950 }, "bn");
    assert.deepEqual(check(bnAt, bnAt.text), []);
    assert.deepEqual(kinds(bnAt, "জরুরি সতর্কতা: পাম্প-২ চাপ ৯৫০ PSI, নিরাপদ সীমা ৯৫০ PSI ছাড়িয়ে গেছে। এখনই বন্ধ করে পরীক্ষা করুন।"), ["false_relation"]);
    assert.deepEqual(check(en, "Warning: pump-2 pressure limit is 910 PSI, above the normal 850 PSI. Schedule an inspection soon."), [{ kind: "value_called_limit", word: "limit" }]);
    assert.deepEqual(kinds(en, "Warning: pump-2 pressure is 910 PSI limit, above the normal 850 PSI. Schedule an inspection soon."), ["value_called_limit"]);
    assert.deepEqual(check(en, "Warning: pump-2 pressure is 910 PSI, limit 850 PSI. Schedule an inspection soon."), [], "a limit word right before the limit");
  });

  it("length, script, malformed and repeated words, unknown words, prefix and ending", () => {
    assert.deepEqual(check(en, ok.replace("soon.", "soon" + " and inspect it now, shut it down, check it".repeat(6) + ".")).map((v) => v.kind), ["too_long"]);
    assert.deepEqual(check(en, ok.replace("normal", "নরমাল"))[0], { kind: "wrong_script", char: "ন", codepoint: "U+09A8" });
    assert.deepEqual(kinds(en, ok.replace("soon.", "soon 🔥.")), ["wrong_script"]);
    assert.deepEqual(kinds(en, ok.replace("soon.", "soon\tnow.")), ["wrong_script"]);
    assert.deepEqual(kinds(en, ok.replace("normal", "n\u200dormal")), ["wrong_script", "unknown_word"]);
    assert.deepEqual(kinds(bn, bn.text.replace("পরীক্ষা", "pariksha")), ["wrong_script", "unknown_word"]);
    assert.deepEqual(check(bn, bn.text.replace("বেশি", "বেশিোো")), [{ kind: "malformed_word", word: "বেশিোো" }, { kind: "unknown_word", word: "বেশিোো" }]);
    assert.deepEqual(check(en, ok.replace("Schedule an", "Schedule schedule an")), [{ kind: "repeated_word", word: "Schedule schedule" }]);
    assert.deepEqual(kinds(en, ok.replace("normal", "normal is normal is")), ["repeated_word"]);
    assert.deepEqual(check(en, ok.replace("normal", "purple")), [{ kind: "unknown_word", word: "purple" }]);
    assert.deepEqual(check(en, ok.replace("Warning:", "Heads up:")), [{ kind: "missing_prefix", expected: "Warning:" }, { kind: "unknown_word", word: "Heads" }, { kind: "unknown_word", word: "up" }]);
    assert.deepEqual(check(en, ok.slice(0, -1)), [{ kind: "bad_ending", expected: [".", "!"] }]);
    assert.deepEqual(check(bn, bn.text.replace(/।$/, ".")), [{ kind: "bad_ending", expected: ["।", "!"] }]);
  });

  it("never throws on hostile text", () => {
    for (const t of ["", " ", "\u0000", "\ud800", "9".repeat(5000), "-".repeat(100), "ো", "\u202e" + ok]) {
      assert.ok(check(en, t).length > 0);
      assert.ok(check(bn, t).length > 0);
    }
  });
});
