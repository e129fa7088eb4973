// `edgellm intent` end to end in child processes (the compiled command module, run the way main.ts runs commands):
// import, train, classify --jsonl, eval --json, errors as one line on stderr with exit code 1, the fallback model
// and the embedding features with the bundled model.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../../test/helpers/fixtures.js";
import { IntentClassifier } from "./classifier.js";
import { formatIntentJsonl } from "./dataset.js";
import { loadHead } from "./head-file.js";
import { CLINC, clincSubset, SNIPS_DIR } from "./test-data.js";

const BUNDLED = join(repoRoot, "models", "edgellm-assistant-q8_0.gguf");
const RUNNER = `
const { command } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, "dist/src/cli/commands/intent.js")).href)});
const { reportError } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, "dist/src/cli/main.js")).href)});
try { await command.run(process.argv.slice(1)); } catch (e) { reportError(e, false); process.exitCode = 1; }
`;

function intent(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", RUNNER, ...args], { input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
}

const dir = mkdtempSync(join(tmpdir(), "intent-cli-"));
const jsonLines = (s: string) => s.trim().split("\n").map((l) => JSON.parse(l));

describe("edgellm intent", { skip: CLINC.skip }, () => {
  const train = join(dir, "train.jsonl"), val = join(dir, "val.jsonl"), head = join(dir, "head.json");

  it("import clinc150 writes the JSONL splits and says how many examples each has", () => {
    const r = intent(["import", "clinc150", join(CLINC.path!, ".."), "-o", join(dir, "clinc")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${join(dir, "clinc", "train.jsonl")}: 15100 examples (100 oos)\n${join(dir, "clinc", "val.jsonl")}: 3100 examples (100 oos)\n`);
  });

  it("train → classify --jsonl (one object per line, in order) → eval --json", () => {
    const s = clincSubset();
    writeFileSync(train, formatIntentJsonl(s.train));
    writeFileSync(val, formatIntentJsonl(s.val));
    const t = intent(["train", "--data", train, "--val", val, "-o", head]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /2100 examples, 21 labels, \d+ feature columns; trained in [\d.]+ s; wrote /);
    assert.match(t.stderr, /threshold [\d.]+ for oos recall 0\.8 on val\.jsonl \(500 examples, 100 oos\): in-scope accuracy [\d.]+% → [\d.]+%/);

    const texts = ["what's my account balance", "", "book a hotel in rome", 'say "cancel" please', "মোবাইল রিচার্জ করো"];
    const c = intent(["classify", "--head", head, "--jsonl"], texts.map((x) => JSON.stringify(x)).join("\n") + "\n");
    assert.equal(c.code, 0, c.stderr);
    const out = jsonLines(c.stdout);
    const classifier = new IntentClassifier(loadHead(head));
    assert.deepEqual(out, texts.map((x) => classifier.classify(x)));
    for (const o of out) {
      assert.deepEqual(Object.keys(o), ["intent", "confidence", "top", "fallback"]);
      assert.equal(o.top.length, 3);
      assert.ok(o.top[0][1] >= o.top[1][1] && o.top[1][1] >= o.top[2][1]);
      assert.equal(o.confidence, o.top[0][1]);
    }
    assert.equal(out[0].intent, "balance");
    assert.deepEqual([out[1].intent, out[1].fallback], ["oos", true], "empty text falls back");

    const one = intent(["classify", "--head", head, "-p", "book a hotel in rome"]);
    assert.deepEqual(JSON.parse(one.stdout), out[2]);

    const e = intent(["eval", "--head", head, "--data", val, "--json"]);
    assert.equal(e.code, 0, e.stderr);
    const m = JSON.parse(e.stdout);
    const h = JSON.parse(readFileSync(head, "utf8"));
    assert.equal(m.in_scope_accuracy, h.validation.with_threshold.in_scope_accuracy);
    assert.equal(m.oos_recall, h.validation.with_threshold.oos_recall);
    assert.deepEqual([m.examples, m.oos_examples, m.threshold], [500, 100, h.threshold]);
    assert.ok(m.latency_ms.p50 > 0 && Array.isArray(m.confusions));
    const text = intent(["eval", "--head", head, "--data", val]);
    assert.match(text.stdout, /^examples {12}500 \(400 in scope, 100 out of scope\)\nin-scope accuracy   \d+\.\d\d%\noos recall/);
    assert.match(text.stdout, /latency per query   p50 [\d.]+ ms, p99 [\d.]+ ms/);
  });

  it("errors are one line with the code, exit 1: bad data line, bad head, bad options", () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"text": "hi", "intent": "greet"}\n{"text": "yo"}\n');
    const cases: [string[], RegExp][] = [
      [["train", "--data", bad, "-o", join(dir, "x.json")], /^edgellm: .*bad\.jsonl:2: field "intent" is missing \[dataset_invalid\]\n$/],
      [["classify", "--head", bad, "-p", "x"], /^edgellm: .*bad\.jsonl: not valid JSON \(not an intent head file\?\) \[head_invalid\]\n$/],
      [["classify", "--head", join(dir, "none.json"), "-p", "x"], /\[file_not_found\]\n$/],
      [["classify", "--head", head], /missing text to classify \(-p TEXT or --jsonl\) \[bad_argument\]/],
      [["train", "--data", train, "-o", head, "--oos-recall", "2"], /--oos-recall must be from 0 to 1, got 2 \[bad_argument\]/],
      [["train", "--data", train, "-o", head, "--char-ngrams", "5-2"], /--char-ngrams must be MIN-MAX/],
      [["train", "--data", train, "-o", head, "--features", "embedding"], /--features embedding needs a model/],
      [["nope"], /unknown intent subcommand "nope"/],
      [["import", "snips"], /needs the dataset directory/],
    ];
    for (const [args, pattern] of cases) {
      const r = intent(args);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.split("\n").length, 2, "one line");
    }
  });

  it("--fallback-model: low-confidence requests get a label of the set from the bundled model; share reported", { skip: !existsSync(BUNDLED) && "bundled model missing" }, () => {
    const all = join(dir, "head-fixed.json");
    assert.equal(intent(["train", "--data", train, "--val", val, "--threshold", "0.9", "-o", all]).code, 0);
    const labels: string[] = JSON.parse(readFileSync(all, "utf8")).labels;
    const texts = ["can you tell me my balance", "which card got declined", "হ্যালো"];
    const r = intent(["classify", "--head", all, "--fallback-model", BUNDLED, "-t", "1", "--jsonl"], texts.map((x) => JSON.stringify(x)).join("\n"));
    assert.equal(r.code, 0, r.stderr);
    const out = jsonLines(r.stdout);
    assert.equal(out.length, 3);
    for (const o of out) assert.ok(labels.includes(o.intent), o.intent);
    assert.ok(out.some((o) => o.fallback));
    assert.match(r.stderr, /\[edgellm\] intent: \d of 3 requests \(\d+\.\d\d%\) went to the fallback model/);
  });

  it("embedding features with -m (bundled model, Sylheti SNIPS): the head needs the same model to classify", { skip: SNIPS_DIR.skip || (!existsSync(BUNDLED) && "bundled model missing") }, () => {
    const out = join(dir, "sylheti");
    assert.equal(intent(["import", "snips", join(SNIPS_DIR.path!, "sylheti"), "-o", out]).code, 0);
    const h = join(out, "head.json");
    const t = intent(["train", "--data", join(out, "train.jsonl"), "--val", join(out, "val.jsonl"), "-m", BUNDLED, "-t", "1", "-o", h]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /no oos examples to calibrate on: no fallback/);
    const j = JSON.parse(readFileSync(h, "utf8"));
    assert.deepEqual([j.features.embedding.dim, j.features.embedding.model.file], [256, "edgellm-assistant-q8_0.gguf"]);
    assert.ok(j.validation.with_threshold.in_scope_accuracy >= 0.75);
    const noModel = intent(["classify", "--head", h, "-p", "আমারে এখটা ট্যাক্সি দেও"]);
    assert.match(noModel.stderr, /the head uses sentence embeddings of edgellm-assistant-q8_0\.gguf .*give that model with -m \[bad_argument\]/);
    const ok = intent(["classify", "--head", h, "-m", BUNDLED, "-t", "1", "-p", "আমারে এখটা ট্যাক্সি দেও"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).intent, "RequestRide");
  });
});
