import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgeError } from "../../errors.js";
import { loadPolicy, selfCheck } from "./alerts.js";
import { parsePolicy } from "./policy.js";
import { examplePolicy, examplePolicyJson } from "./test-policy.js";

/** The example policy with one change; the error it gives (message must be one line naming `pattern`). */
async function policyError(change: (j: Record<string, any>) => void, pattern: RegExp): Promise<void> {
  const json = await examplePolicyJson();
  change(json);
  assert.throws(
    () => selfCheck(parsePolicy(json, "p.json"), "p.json"),
    (e: unknown) => {
      assert.ok(e instanceof EdgeError, String(e));
      assert.equal(e.code, "policy_invalid");
      assert.ok(!e.message.includes("\n"), "one line");
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe("alert policy", () => {
  it("the example policy loads: three severities, English and Bangla (Bengali digits)", () => {
    const p = examplePolicy();
    assert.deepEqual(p.severities.map((s) => [s.name, s.limit]), [["info", undefined], ["warning", "warn"], ["critical", "critical"]]);
    assert.deepEqual(p.languages.map((l) => [l.code, l.digits]), [["en", "ascii"], ["bn", "bengali"]]);
    assert.equal(p.inclusive, true);
  });

  it("field errors name the path", async () => {
    await policyError((j) => (j.version = 2), /^p\.json: version: must be 1/);
    await policyError((j) => (j.colour = "red"), /p\.json: colour: unknown field/);
    await policyError((j) => (j.max_chars = "long"), /max_chars: must be a finite number/);
    await policyError((j) => (j.max_chars = 5), /max_chars: must be from 20 to 2000/);
    await policyError((j) => (j.severities[0].limit = "warn"), /severities\[0\]\.limit: the lowest severity .* takes no limit/);
    await policyError((j) => delete j.severities[2].limit, /severities\[2\]\.limit: missing/);
    await policyError((j) => (j.severities[2].limit = "warn"), /severities\[2\]\.limit: limit "warn" already triggers/);
    await policyError((j) => (j.severities[1].name = "Warning!"), /severities\[1\]\.name: must be lowercase/);
    await policyError((j) => (j.required_facts = ["sensor", "value"]), /required_facts: must include "unit"/);
    await policyError((j) => (j.languages.bn.digits = "roman"), /languages\.bn\.digits: must be one of "ascii", "bengali"/);
    await policyError((j) => (j.languages.bn.scripts = ["Klingon"]), /languages\.bn\.scripts\[0\]: must be one of "Latin", "Bengali"/);
    await policyError((j) => (j.languages.en.endings = ["x"]), /languages\.en\.endings\[0\]: must be one punctuation character/);
    await policyError((j) => delete j.languages.en.severity.warning, /languages\.en\.severity\.warning: missing/);
    await policyError((j) => (j.languages.en.forbidden = ["no 1 way"]), /languages\.en\.forbidden\[0\]: "no 1 way" must be words of letters/);
    await policyError((j) => (j.languages.en.severity.info.prefix = "Info 1:"), /severity\.info\.prefix: must not contain digits/);
    await policyError((j) => (j.model = { max_tokens: 1 }), /model\.max_tokens: must be from 8 to 512/);
    await policyError((j) => (j.languages.en.severity.info.prefix = "All safe:"), /severity\.info\.prefix: contains the forbidden word "safe\*"/);
    await policyError((j) => (j.languages.EN = j.languages.en), /languages\.EN: language codes are 2 or 3 lowercase letters/);
  });

  it("templates: slots, optional parts, units after numbers, prefix, ending, no digits", async () => {
    const t = (key: string, text: string) => (j: Record<string, any>) => (j.languages.en.templates[key] = text);
    await policyError(t("critical", "CRITICAL: {sensor} is high."), /templates\.critical: missing \{value\}/);
    await policyError(t("critical", "CRITICAL: {sensor} is {value} {unit}, {location}, limit {limit} {unit}."), /\{location\} .*optional part/);
    await policyError(t("critical", "CRITICAL: [{location}: ]{sensor} is {value}, limit {limit} {unit}."), /\{value\} must be followed by \{unit\}/);
    await policyError(t("critical", "ALARM: [{location}: ]{sensor} is {value} {unit}, limit {limit} {unit}."), /must start with the severity's prefix "CRITICAL:"/);
    await policyError(t("critical", "CRITICAL: [{location}: ]{sensor} is {value} {unit}, limit {limit} {unit}"), /must end with one of the endings/);
    await policyError(t("critical", "CRITICAL: [{location}: ]{sensor} is {value} {unit}, 3 times the {limit} {unit}."), /must not contain digits/);
    await policyError(t("critical", "CRITICAL: [{location}: ]{sensr} is {value} {unit}."), /unknown slot \{sensr\}/);
    await policyError(t("critical", "CRITICAL: [{sensor} is {value} {unit}."), /"\[" without "\]"/);
    await policyError(t("critical.left", "x"), /templates\["critical\.left"\]: unknown template/);
    await policyError((j) => (j.languages.en.prompt = "{sensor} at {location}: {value}"), /languages\.en\.prompt: \{location\} must be inside an optional part/);
  });

  it("a template that fails its own check is refused at load, naming the template and the violation", async () => {
    await policyError(
      (j) => (j.languages.en.templates.warning = "Warning: [{location}: ]{sensor} is {value} {unit}, above the {limit} {unit} limit. It is safe."),
      /languages\.en\.templates\.warning: the template fails its own check \(forbidden_word "safe\*";/,
    );
    await policyError(
      (j) => (j.languages.bn.templates.critical = "জরুরি সতর্কতা: [{location}: ]{sensor} এখন {value} {unit}, সীমা {limit} {unit}-এর নিচে। এখনই বন্ধ করুন।"),
      /languages\.bn\.templates\.critical: .*false_relation "নিচে\*"/,
    );
    await policyError(
      (j) => (j.languages.en.templates.info = "Info: [{location}: ]{sensor} is {value} {unit}, below the {limit} {unit} warning limit. Keep monitoring it."),
      /templates\.info: .*severity_claim "warning" "warning"/,
    );
  });

  it("loadPolicy: a missing file and broken JSON are one-line typed errors", () => {
    assert.throws(() => loadPolicy("/nonexistent/policy.json"), (e: unknown) => e instanceof EdgeError && e.code === "file_not_found");
    const dir = mkdtempSync(join(tmpdir(), "edgellm-policy-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"version": 1,');
    assert.throws(() => loadPolicy(bad), (e: unknown) => e instanceof EdgeError && e.code === "policy_invalid" && /bad\.json: not valid JSON/.test(e.message));
    writeFileSync(bad, "[]");
    assert.throws(() => loadPolicy(bad), /bad\.json: must be an object, got an array/);
  });
});
