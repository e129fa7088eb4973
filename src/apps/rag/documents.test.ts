import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lineCount, readSources } from "./documents.js";
import { processTerm, sStem, termsOf } from "./terms.js";

describe("rag documents", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "edgellm-rag-docs-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads UTF-8, drops a BOM and counts lines as editors do (CRLF, CR, final newline)", () => {
    const f = join(dir, "crlf.txt");
    writeFileSync(f, "\ufeffone\r\ntwo\rthree\r\n");
    const [s] = readSources([f]);
    assert.deepEqual([s.text, s.lines, s.type, s.bytes], ["one\ntwo\nthree\n", 3, "text", 19]);
    assert.equal(lineCount(""), 0);
    assert.equal(lineCount("a\n\nb"), 3);
  });

  it("a file given by name is read whatever its extension; binary, non-UTF-8 and missing files are one-line errors", () => {
    const notes = join(dir, "NOTES");
    writeFileSync(notes, "plain words\n");
    assert.equal(readSources([notes])[0].type, "text");
    const bin = join(dir, "x.bin");
    writeFileSync(bin, Buffer.from([1, 0, 2]));
    assert.throws(() => readSources([bin]), { code: "dataset_invalid", message: /binary file/ });
    const latin1 = join(dir, "l.txt");
    writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    assert.throws(() => readSources([latin1]), { code: "dataset_invalid", message: /not valid UTF-8/ });
    assert.throws(() => readSources([join(dir, "missing.md")]), { code: "file_not_found" });
    assert.throws(() => readSources([]), { code: "bad_argument" });
  });

  it("a directory without documents is dataset_invalid", () => {
    const empty = mkdtempSync(join(dir, "empty-"));
    writeFileSync(join(empty, "a.png"), "x");
    assert.throws(() => readSources([empty]), { code: "dataset_invalid", message: /no \.md, \.html or \.txt files/ });
  });
});

describe("rag search terms", () => {
  it("folds case and width, drops function words, conflates plurals (Harman's S-stemmer)", () => {
    assert.deepEqual(termsOf("What are the VALVES, batteries and glasses of the Pump's bay?"), ["valve", "battery", "glasse", "pump", "bay"]);
    assert.deepEqual(["lines", "closes", "bus", "glass", "species", "toes", "is"].map(sStem), ["line", "close", "bus", "glass", "specy", "toe", "is"]);
    assert.equal(processTerm("ＡＢＣ"), "abc");
    assert.deepEqual(termsOf("রান্নাঘরের আলো"), ["রান্নাঘরের", "আলো"], "vowel signs stay inside their words");
  });
});
