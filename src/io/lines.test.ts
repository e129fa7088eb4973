import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readLines, type InputLine } from "./lines.js";

async function collect(chunks: (string | Uint8Array)[], max?: number): Promise<InputLine[]> {
  const out: InputLine[] = [];
  async function* src() {
    for (const c of chunks) yield typeof c === "string" ? Buffer.from(c) : c;
  }
  for await (const l of readLines(src(), max)) out.push(l);
  return out;
}

describe("JSON-lines input", () => {
  it("splits at newlines across chunks, keeps UTF-8 characters split between chunks, numbers lines, skips blanks", async () => {
    const bytes = Buffer.from("a\n\nপাম্প\r\n  \nlast");
    const cut = bytes.indexOf(Buffer.from("প")) + 1; // inside the first Bengali character
    assert.deepEqual(await collect([bytes.subarray(0, cut), bytes.subarray(cut)]), [
      { line: 1, text: "a" },
      { line: 3, text: "পাম্প" },
      { line: 5, text: "last" },
    ]);
  });

  it("a line that is not UTF-8 is an error for that line only", async () => {
    const bad = Buffer.concat([Buffer.from('{"sensor": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\nok\n')]);
    assert.deepEqual(await collect([bad]), [{ line: 1, error: "bad_utf8" }, { line: 2, text: "ok" }]);
    assert.deepEqual(await collect([Buffer.from([0xed, 0xa0, 0x80, 0x0a])]), [{ line: 1, error: "bad_utf8" }], "an encoded surrogate");
  });

  it("a line over the cap is dropped as one error and the stream goes on", async () => {
    assert.deepEqual(await collect(["x".repeat(10), "y".repeat(10), "\nshort\n", "z".repeat(30)], 16), [
      { line: 1, error: "too_long" },
      { line: 2, text: "short" },
      { line: 3, error: "too_long" },
    ]);
  });

  it("a byte-order mark at the start is not part of the line", async () => {
    assert.deepEqual(await collect([Buffer.from([0xef, 0xbb, 0xbf]), "{}\n"]), [{ line: 1, text: "{}" }]);
  });
});
