// `edgellm alert` end to end (compiled CLI in a child process): JSON lines in, one alert or per-line error out,
// bad policies and options as one line on stderr.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./helpers/fixtures.js";

const BIN = join(repoRoot, "bin", "edgellm.js");
const POLICY = join(repoRoot, "examples", "alert-policy.json");

function edgellm(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
}

const jsonLines = (s: string) => s.trim().split("\n").map((l) => JSON.parse(l));

describe("edgellm alert", () => {
  it("one alert per event, in order, with computed severity and the event id; stats on stderr", () => {
    const events = [
      { id: "a", sensor: "pump-2 pressure", value: 960, unit: "PSI", limits: { warn: 850, critical: 950 } },
      { id: "b", sensor: { en: "pump-2 pressure", bn: "পাম্প-২ চাপ" }, value: 900, unit: "PSI", limits: { warn: 850, critical: 950 }, lang: "bn" },
      { id: "c", sensor: "tank-7 level", value: 30, unit: "%", direction: "low", limits: { warn: 20, critical: 10 }, timestamp: "2025-01-01T10:00:00Z" },
    ];
    const r = edgellm(["alert", "--policy", POLICY, "--threads", "1"], events.map((e) => JSON.stringify(e)).join("\n") + "\n");
    assert.equal(r.code, 0, r.stderr);
    const out = jsonLines(r.stdout);
    assert.deepEqual(out.map((o) => [o.id, o.severity, o.lang]), [["a", "critical", "en"], ["b", "warning", "bn"], ["c", "info", "en"]]);
    for (const o of out) {
      assert.deepEqual(Object.keys(o).filter((k) => !["id", "timestamp"].includes(k)), ["severity", "text", "lang", "source", "violations"]);
      assert.ok(o.source === "model" || o.source === "template");
      if (o.source === "model") assert.deepEqual(o.violations, []);
    }
    assert.match(out[0].text, /^CRITICAL: pump-2 pressure\b.*960 ?PSI/);
    assert.match(out[1].text, /^সতর্কতা: পাম্প-২ চাপ .*৯০০ ?PSI/);
    assert.equal(out[2].text, "Info: tank-7 level is 30 %, above the 20 % low limit. Keep monitoring it.");
    assert.equal(out[2].timestamp, "2025-01-01T10:00:00Z");
    assert.match(r.stderr, /\[edgellm\] alert: 3 alerts \(\d phrased by the model, \d from templates.*\), 0 invalid lines/);
  });

  it("bad lines give {error, line} objects on stdout and the stream goes on (exit 0)", () => {
    const input = Buffer.concat([
      Buffer.from('{"sensor": "pump", "value": 1, "unit": "PSI"}\n'),
      Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x0a]),
      Buffer.from("not json\n\n"),
      Buffer.from(JSON.stringify({ id: 9, sensor: "pump", value: 5, unit: "PSI", limits: { warn: 4 } }) + "\n"),
    ]);
    const r = edgellm(["alert", "--policy", POLICY, "--no-model"], input);
    assert.equal(r.code, 0, r.stderr);
    const out = jsonLines(r.stdout);
    assert.deepEqual(out[0], { error: { code: "event_invalid", message: "limits: missing", param: "limits" }, line: 1 });
    assert.deepEqual(out[1], { error: { code: "event_invalid", message: "the line is not valid UTF-8" }, line: 2 });
    assert.equal(out[2].line, 3);
    assert.match(out[2].error.message, /^not valid JSON/);
    assert.deepEqual(out[3], {
      id: 9, severity: "warning", text: "Warning: pump is 5 PSI, at or above the 4 PSI limit. Schedule an inspection soon.",
      lang: "en", source: "template", violations: [],
    });
    assert.match(r.stderr, /1 alert .*3 invalid lines/);
  });

  it("--lang sets the language of events without one", () => {
    const ev = { sensor: "pump-2 pressure", value: 100, unit: "PSI", limits: { warn: 850 } };
    const out = jsonLines(edgellm(["alert", "--policy", POLICY, "--no-model", "--lang", "bn"], JSON.stringify(ev)).stdout);
    assert.equal(out[0].text, "তথ্য: pump-2 pressure এখন ১০০ PSI, সীমা ৮৫০ PSI-এর নিচে। নজর রাখুন।");
  });

  it("a bad policy or option is one line on stderr and exit code 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgellm-alert-"));
    const bad = join(dir, "policy.json");
    const json = JSON.parse(readFileSync(POLICY, "utf8"));
    json.languages.en.templates.critical = "CRITICAL: {sensor} is bad.";
    writeFileSync(bad, JSON.stringify(json));
    const cases: [string[], RegExp][] = [
      [["alert", "--policy", bad], /^edgellm: .*policy\.json: languages\.en\.templates\.critical: missing \{value\} .*\[policy_invalid\]$/],
      [["alert"], /^edgellm: missing policy file \(--policy\) \[bad_argument\]$/],
      [["alert", "--policy", join(dir, "none.json")], /no such file \[file_not_found\]$/],
      [["alert", "--policy", POLICY, "--lang", "fr"], /--lang fr: the policy has no such language \(en, bn\) \[bad_argument\]$/],
      [["alert", "--policy", POLICY, "--temp", "-1"], /--temp must be 0 or more/],
      [["alert", "--policy", POLICY, "-m", join(dir, "none.gguf")], /\[file_not_found\]$/],
    ];
    for (const [args, pattern] of cases) {
      const r = edgellm(args, "");
      assert.equal(r.code, 1, args.join(" "));
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], pattern);
      assert.equal(r.stdout, "");
    }
  });

  it("--help lists the options", () => {
    const r = edgellm(["alert", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: edgellm alert --policy POLICY\.json/);
    assert.match(r.stdout, /--no-model/);
  });
});
