// The data file reader: valid lines of each task, and hostile files — broken JSON, missing or mistyped fields,
// invalid UTF-8, over-long lines, missing files — each one dataset_invalid (or file_not_found / io_error) naming
// file:line and the field.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { EdgeError } from "../../errors.js";
import { MAX_LINE_BYTES, normalizeLabel, parseItem, readDataset, type Task } from "./data.js";

const dir = mkdtempSync(join(tmpdir(), "edgellm-eval-data-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer): string {
  const p = join(dir, `d${n++}.jsonl`);
  writeFileSync(p, content);
  return p;
}
const lines = (...objs: unknown[]) => objs.map((o) => (typeof o === "string" ? o : JSON.stringify(o))).join("\n") + "\n";

async function rejects(path: string, task: Task, code: string, message: RegExp, options = {}): Promise<void> {
  await assert.rejects(readDataset(path, task, options), (e: unknown) => {
    assert.ok(e instanceof EdgeError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
}

describe("eval data: valid files", () => {
  it("qa: ids default to the line number, answers may be strings or {text}, blank lines and CRLF are fine", async () => {
    const p = file('{"id":"q1","question":"Q?","context":"C.","answers":["a","b"]}\r\n\n{"id":7,"question":"R?","answers":[{"text":"x","answer_start":3}],"extra":1}\n');
    const d = await readDataset(p, "qa");
    assert.deepEqual(d.items, [
      { task: "qa", line: 1, id: "q1", question: "Q?", context: "C.", answers: ["a", "b"] },
      { task: "qa", line: 3, id: "7", question: "R?", context: undefined, answers: ["x"] },
    ]);
    assert.deepEqual(d.labels, []);
  });

  it("summarize: one summary or several", async () => {
    const d = await readDataset(file(lines({ document: "D", summary: "S" }, { document: "E", summaries: ["S1", ""] })), "summarize");
    assert.deepEqual(d.items.map((i) => (i.task === "summarize" ? i.summaries : [])), [["S"], ["S1", ""]]);
  });

  it("classify: the label set is every label of the file in order, first spelling kept, normalized duplicates merged", async () => {
    const d = await readDataset(file(lines({ text: "t", label: "Positive " }, { text: "u", label: "negative", labels: ["negative", "positive", "neutral"] }, { text: "v", label: "POSITIVE" })), "classify");
    assert.deepEqual(d.labels, ["Positive", "negative", "neutral"]);
    assert.equal(normalizeLabel("  Très\u00a0 Bien "), "très bien");
  });

  it("--limit keeps the first N items; qa and summarize stop reading there, classify reads on for the label set", async () => {
    const p = file(lines({ question: "a", answers: ["x"], text: "a", label: "x" }, { question: "b", answers: ["y"], text: "b", label: "y" }, "not json"));
    assert.equal((await readDataset(p, "qa", { limit: 1 })).items.length, 1);
    await rejects(p, "classify", "dataset_invalid", /:3: not valid JSON/, { limit: 1 });
  });
});

describe("eval data: hostile files", () => {
  it("missing or mistyped fields name file:line and the field", async () => {
    const cases: [Task, unknown, RegExp][] = [
      ["qa", { context: "c", answers: ["a"] }, /:1: field "question" is missing/],
      ["qa", { question: 3, answers: ["a"] }, /:1: field "question" must be a string, got number/],
      ["qa", { question: "q" }, /:1: field "answers" is missing/],
      ["qa", { question: "q", answers: [] }, /:1: field "answers" must be a non-empty array of strings/],
      ["qa", { question: "q", answers: "a" }, /:1: field "answers" must be a non-empty array/],
      ["qa", { question: "q", answers: ["a", 2] }, /:1: field "answers\[1\]" must be a string or \{"text": string\}, got number/],
      ["qa", { question: "q", answers: ["a"], context: null }, /:1: field "context" must be a string, got null/],
      ["qa", { question: "q", answers: ["a"], id: { x: 1 } }, /:1: field "id" must be a string or a number, got object/],
      ["summarize", { summary: "s" }, /:1: field "document" is missing/],
      ["summarize", { document: "d" }, /:1: field "summary" is missing \(or give "summaries"\)/],
      ["summarize", { document: "d", summary: "s", summaries: ["t"] }, /:1: field "summary" and "summaries" cannot both be given/],
      ["summarize", { document: "d", summaries: [null] }, /:1: field "summaries\[0\]" must be a string, got null/],
      ["classify", { label: "x" }, /:1: field "text" is missing/],
      ["classify", { text: "t", label: "  " }, /:1: field "label" is empty/],
      ["classify", { text: "t", label: "x", labels: ["y", "z"] }, /:1: field "label" "x" is not one of "labels"/],
      ["classify", { text: "t", label: "x", labels: ["x", ""] }, /:1: field "labels\[1\]" is empty/],
      ["classify", { text: "t\ud800", label: "x" }, /:1: field "text" holds a lone UTF-16 surrogate/],
    ];
    for (const [task, obj, re] of cases) {
      const p = file(lines(obj));
      await rejects(p, task, "dataset_invalid", new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}${re.source}`));
    }
  });

  it("a line that is not a JSON object names its line", async () => {
    await rejects(file(lines({ question: "q", answers: ["a"] }, "{oops")), "qa", "dataset_invalid", /:2: not valid JSON/);
    await rejects(file(lines({ question: "q", answers: ["a"] }, [1, 2])), "qa", "dataset_invalid", /:2: expected a JSON object/);
    await rejects(file("null\n"), "qa", "dataset_invalid", /:1: expected a JSON object/);
  });

  it("invalid UTF-8 (a bad byte, an encoded surrogate, an overlong form) names its line", async () => {
    for (const bad of [[0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const p = file(Buffer.concat([Buffer.from(lines({ question: "q", answers: ["a"] })), Buffer.from('{"question": "'), Buffer.from(bad), Buffer.from('", "answers": ["a"]}\n')]));
      await rejects(p, "qa", "dataset_invalid", /:2: not valid UTF-8/);
    }
  });

  it("a line longer than the cap (1 MiB by default) names its line, without reading it into memory", async () => {
    await rejects(file(lines({ question: "q", answers: ["a"] }, { question: "x".repeat(100), answers: ["a"] })), "qa", "dataset_invalid", /:2: line longer than 64 bytes/, { maxLineBytes: 64 });
    const big = file(lines({ question: "q", answers: ["a"] }) + "x".repeat(MAX_LINE_BYTES + 1) + "\n");
    await rejects(big, "qa", "dataset_invalid", new RegExp(`:2: line longer than ${MAX_LINE_BYTES} bytes`));
  });

  it("no file, a directory, an empty file", async () => {
    await rejects(join(dir, "absent.jsonl"), "qa", "file_not_found", /absent\.jsonl: data file not found/);
    await rejects(dir, "qa", "io_error", /is a directory/);
    await rejects(file("\n  \n"), "qa", "dataset_invalid", /no items/);
  });
});

describe("eval data: parseItem properties", () => {
  it("any line either parses or fails with one dataset_invalid line that starts with file:line", () => {
    const anyLine = fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.record({ question: fc.jsonValue(), answers: fc.jsonValue(), text: fc.jsonValue(), label: fc.jsonValue(), document: fc.jsonValue(), summary: fc.jsonValue() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)));
    fc.assert(
      fc.property(anyLine, fc.constantFrom<Task>("qa", "summarize", "classify"), (line, task) => {
        try {
          const item = parseItem(line, task, "f.jsonl:9", 9);
          assert.equal(item.task, task);
        } catch (e) {
          assert.ok(e instanceof EdgeError && e.code === "dataset_invalid", String(e));
          assert.ok(e.message.startsWith("f.jsonl:9: ") && !e.message.includes("\n"), e.message);
        }
      }),
    );
  });

  it("a valid qa item comes back as it was written", () => {
    const wellFormed = (x: string) => !/[\ud800-\udfff]/.test(x.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));
    const s = fc.string({ unit: "binary", maxLength: 20 }).filter(wellFormed);
    fc.assert(
      fc.property(s, fc.option(s, { nil: undefined }), fc.array(s, { minLength: 1, maxLength: 3 }), (question, context, answers) => {
        const item = parseItem(JSON.stringify({ question, context, answers }), "qa", "f:1", 1);
        assert.deepEqual(item, { task: "qa", line: 1, id: "1", question, context, answers });
      }),
    );
  });
});
