import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Grammar } from "../../runtime/grammar/grammar.js";
import { alertGrammar } from "./alert-grammar.js";
import { checkAlert } from "./check.js";
import { parsePolicy, type Policy } from "./policy.js";
import { examplePolicy, examplePolicyJson, PUMP, prepare, type Prepared } from "./test-policy.js";

function grammarOf(p: Prepared, policy: Policy = examplePolicy()) {
  const g = alertGrammar(p.parts, p.facts, p.lp, policy);
  return { ...g, grammar: Grammar.fromGbnf(g.gbnf) };
}

/** Whether the grammar lets the model write `text` (the prefill is given, the rest generated, then "\n"). */
function accepts(p: Prepared, text: string, policy?: Policy): boolean {
  const g = grammarOf(p, policy);
  return text.startsWith(g.prefill) && g.grammar.accepts(text.slice(g.prefill.length) + "\n");
}

const EVENTS: Record<string, unknown>[] = [];
for (const value of [500, 850, 910, 950, 1200.25]) {
  for (const location of [undefined, { en: "Hall B", bn: "হল বি" }]) {
    EVENTS.push({ ...PUMP, sensor: { en: "pump-2 pressure", bn: "পাম্প-২ চাপ" }, value, location });
  }
}
for (const value of [5, 10, 15, 20, 60]) EVENTS.push({ sensor: "tank-7 level", unit: "%", value, direction: "low", limits: { warn: 20, critical: 10 } });
for (const value of [190, 205, 225, 245, 260]) {
  EVENTS.push({ sensor: "line \"A\" \\ voltage", unit: "V", value, limits: { warn: 240, critical: 250 }, low_limits: { warn: 210, critical: 200 } });
}

describe("alert grammar", () => {
  it("accepts the template text of every severity, side and language, with and without a location", () => {
    let n = 0;
    for (const ev of EVENTS) {
      for (const lang of ["en", "bn"]) {
        const p = prepare(ev, lang);
        assert.deepEqual(checkAlert(p.text, p.facts, p.lp, examplePolicy()), [], p.text);
        assert.ok(accepts(p, p.text), `${lang}: ${p.text}`);
        n++;
      }
    }
    assert.equal(n, 40);
  });

  it("the prefill is the prefix and the facts before the first free words", () => {
    assert.equal(grammarOf(prepare(PUMP)).prefill, "Warning: pump-2 pressure");
    assert.equal(grammarOf(prepare({ ...PUMP, value: 960, location: "Hall B" })).prefill, "CRITICAL: Hall B: pump-2 pressure");
    assert.equal(grammarOf(prepare({ ...PUMP, sensor: { en: "x", bn: "পাম্প-২ চাপ" } }, "bn")).prefill, "সতর্কতা: পাম্প-২ চাপ");
  });

  it("accepts a natural model phrasing, and other words and word counts than the template's", () => {
    const p = prepare(PUMP);
    assert.ok(accepts(p, "Warning: pump-2 pressure is 910 PSI, above the normal 850 PSI. Schedule an inspection soon."));
    assert.ok(accepts(p, "Warning: pump-2 pressure is 910PSI, above the 850PSI safety limit. Stop the machine immediately."));
    assert.ok(accepts(p, "Warning: pump-2 pressure 910 PSI, limit 850 PSI."), "runs of words may be left out");
    const b = prepare({ ...PUMP, sensor: { en: "x", bn: "পাম্প-২ চাপ" }, value: 960 }, "bn");
    assert.ok(accepts(b, "জরুরি সতর্কতা: পাম্প-২ চাপ ৯৬০ PSI, নিরাপদ সীমা ৯৫০ PSI ছাড়িয়ে গেছে। এখনই বন্ধ করে পরীক্ষা করুন।"));
  });

  it("rejects what the checker would: numbers, glued words, banned and unknown words, misplaced facts", () => {
    const p = prepare(PUMP);
    const ok = "Warning: pump-2 pressure is 910 PSI, above the normal 850 PSI. Schedule an inspection soon.";
    assert.ok(!accepts(p, ok.replace("soon.", "soon, 2.")), "a digit outside the facts");
    assert.ok(!accepts(p, ok.replace("is 910", "is 911")), "an altered value");
    assert.ok(!accepts(p, ok.replace("910 PSI", "910 psi")), "an altered unit");
    assert.ok(!accepts(p, ok.replace("pressure is", "pressureis")), "a word glued to the sensor name");
    assert.ok(!accepts(p, ok.replace("normal", "safe")), "a forbidden word");
    assert.ok(!accepts(p, ok.replace("above the normal", "below the normal")), "the false relation");
    assert.ok(!accepts(p, ok.replace("normal", "critical")), "another severity's claim");
    assert.ok(!accepts(p, ok.replace("normal", "low")), "the other side");
    assert.ok(!accepts(p, ok.replace("normal", "purple")), "a word outside the vocabulary");
    assert.ok(!accepts(p, ok.replace("is 910", "limit 910")), "a limit word before the value");
    assert.ok(!accepts(p, ok.replace("910 PSI, above", "910 PSI limit, above")), "a limit word after the value");
    assert.ok(!accepts(p, ok.replace("PSI, above", "PSI. Above")), "a sentence break where the template has none");
    assert.ok(!accepts(p, ok.replace("850 PSI", "850 PSI and 910 PSI")), "a fact twice");
    assert.ok(!accepts(p, "Warning: pump-2 pressure is 850 PSI, above the normal 910 PSI."), "value and limit swapped");
    const at = prepare({ ...PUMP, value: 850 });
    assert.ok(!accepts(at, "Warning: pump-2 pressure is 850 PSI, above the normal 850 PSI."), "'above' a limit the value is exactly at");
    assert.ok(accepts(at, "Warning: pump-2 pressure is 850 PSI, at or above the normal 850 PSI."));
    const g = grammarOf(p);
    assert.ok(!g.grammar.accepts(ok.slice(g.prefill.length)), "the newline ends every alert");
  });

  it("open vocabulary (no vocabulary in the policy): any word of the script, minus the banned ones", async () => {
    const json = await examplePolicyJson();
    delete json.languages.en.vocabulary;
    delete json.languages.bn.vocabulary;
    const open = parsePolicy(json);
    const p = prepare(PUMP, "en", open);
    const ok = "Warning: pump-2 pressure is 910 PSI, above the normal 850 PSI. Schedule an inspection soon.";
    assert.ok(accepts(p, ok.replace("normal", "purple"), open));
    assert.ok(accepts(p, ok.replace("normal", "Ünusual"), open), "Latin-1 letters");
    for (const w of ["safe", "SAFE", "safely", "Safety", "ignored", "below", "critical", "low"]) {
      assert.ok(!accepts(p, ok.replace("normal", w), open), w);
    }
    assert.ok(accepts(p, ok.replace("850 PSI.", "850 PSI safety limit."), open), "an exception phrase");
    assert.ok(!accepts(p, ok.replace("normal", "safety limit of"), open), "…but not next to the value: it names the limit");
    assert.ok(accepts(p, ok.replace("normal", "saf"), open) && accepts(p, ok.replace("normal", "sa"), open), "prefixes of banned words are words");
    assert.ok(!accepts(p, ok.replace("normal", "nörmal\u0301"), open), "no combining marks in Latin words");
    const b = prepare({ ...PUMP, sensor: { en: "x", bn: "পাম্প-২ চাপ" }, value: 960 }, "bn", open);
    const bnOk = "জরুরি সতর্কতা: পাম্প-২ চাপ ৯৬০ PSI, জরুরি সীমা ৯৫০ PSI-এর সমান বা বেশি। এখনই বন্ধ করে পরীক্ষা করুন।";
    assert.ok(accepts(b, bnOk, open));
    assert.ok(accepts(b, bnOk.replace("পরীক্ষা", "যাচাই"), open));
    assert.ok(!accepts(b, bnOk.replace("পরীক্ষা", "নিরাপদে"), open), "নিরাপদ* is forbidden");
    assert.ok(!accepts(b, bnOk.replace("বেশি", "বেশিোোো"), open), "a stack of vowel signs");
    assert.ok(!accepts(b, bnOk.replace("বেশি", "\u09cbবেশি"), open), "a word starting with a vowel sign");
    assert.ok(!accepts(b, bnOk.replace("সমান", "৩"), open), "Bengali digits are no letters");
  });
});
