import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgeError } from "../../errors.js";
import { intentCounts, OOS_LABEL, readIntentJsonl } from "./dataset.js";
import { importClinc150, importSnips, writeSplits } from "./import-datasets.js";
import { CLINC, clincFull, SNIPS_DIR } from "./test-data.js";

const VARIETIES = ["formalbangla", "informalbangla", "sylheti"];

describe("intent dataset import", () => {
  it("CLINC150 (train/val layout): 15,000 + 100 oos train, 3,000 + 100 oos val, 150 intents x 100 / 20", { skip: CLINC.skip }, () => {
    const s = clincFull();
    assert.equal(s.test, undefined);
    assert.deepEqual([s.train.length, s.val.length], [15_100, 3_100]);
    const train = intentCounts(s.train), val = intentCounts(s.val);
    assert.equal(train.get(OOS_LABEL), 100);
    assert.equal(val.get(OOS_LABEL), 100);
    assert.equal(train.size, 151);
    for (const [intent, n] of train) if (intent !== OOS_LABEL) assert.deepEqual([intent, n, val.get(intent)], [intent, 100, 20]);
    assert.deepEqual(s.train[0], { text: "what expression would i use to say i love you if i were an italian", intent: "translate" });
  });

  it("Bangla/Sylheti SNIPS (JointBERT layout): 262 train and 33 dev (→ val) per variety, 10 intents, labels aligned", { skip: SNIPS_DIR.skip }, () => {
    for (const v of VARIETIES) {
      const s = importSnips(join(SNIPS_DIR.path!, v));
      assert.deepEqual([s.train.length, s.val.length, s.test], [262, 33, undefined], v);
      assert.equal(intentCounts(s.train).size, 10);
      assert.equal(intentCounts(s.train).get(OOS_LABEL), undefined);
      assert.deepEqual(s.train[0].intent, "RequestRide");
    }
    // the three varieties are parallel: same labels line by line
    const labels = VARIETIES.map((v) => importSnips(join(SNIPS_DIR.path!, v)).val.map((e) => e.intent).join());
    assert.equal(new Set(labels).size, 1);
  });

  it("writes train.jsonl and val.jsonl that read back as the same examples", { skip: SNIPS_DIR.skip }, () => {
    const s = importSnips(join(SNIPS_DIR.path!, "sylheti"));
    const out = join(mkdtempSync(join(tmpdir(), "intent-import-")), "sylheti");
    const written = writeSplits(s, out);
    assert.deepEqual(written.map((w) => [w.file, w.examples, w.oos]), [[join(out, "train.jsonl"), 262, 0], [join(out, "val.jsonl"), 33, 0]]);
    assert.deepEqual(readIntentJsonl(join(out, "val.jsonl")).map(({ text, intent }) => ({ text, intent })), s.val);
  });

  it("layout errors: misaligned SNIPS files, CLINC pairs that are not [text, intent], missing files; UNK becomes oos", () => {
    const dir = mkdtempSync(join(tmpdir(), "intent-bad-"));
    for (const split of ["train", "dev"]) mkdirSync(join(dir, split));
    writeFileSync(join(dir, "train", "seq.in"), "a\nb\n");
    writeFileSync(join(dir, "train", "label"), "X\n");
    writeFileSync(join(dir, "dev", "seq.in"), "c\n");
    writeFileSync(join(dir, "dev", "label"), "UNK\n");
    const err = (f: () => unknown, code: string, pattern: RegExp) =>
      assert.throws(f, (e: unknown) => e instanceof EdgeError && e.code === code && pattern.test(e.message) && !e.message.includes("\n"));
    err(() => importSnips(dir), "dataset_invalid", /train: seq\.in has 2 lines but label has 1$/);
    writeFileSync(join(dir, "train", "label"), "X\nY\n");
    assert.deepEqual(importSnips(dir).val, [{ text: "c", intent: OOS_LABEL }]);
    writeFileSync(join(dir, "train", "label"), "X\n\n");
    err(() => importSnips(dir), "dataset_invalid", /train[/\\]label:2: intent must be a non-empty string/);
    err(() => importSnips(join(dir, "nowhere")), "file_not_found", /not a directory/);
    const clinc = join(dir, "data_full.json");
    writeFileSync(clinc, JSON.stringify({ train: [["hi", "greeting"], ["x"]], val: [] }));
    err(() => importClinc150(dir), "dataset_invalid", /data_full\.json: train\[1\]: expected \[text, intent\]/);
    writeFileSync(clinc, JSON.stringify({ train: [] }));
    err(() => importClinc150(clinc), "dataset_invalid", /val: missing/);
    writeFileSync(clinc, "{");
    err(() => importClinc150(clinc), "dataset_invalid", /not valid JSON/);
    err(() => importClinc150(join(dir, "train")), "file_not_found", /no data_full\.json or data_train_val\.json/);
  });
});
