import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EdgeError } from "../../errors.js";
import { formatIntentJsonl, parseIntentJsonl, type IntentExample } from "./dataset.js";

/** The dataset_invalid message parsing `text` gives (one line). */
function dataError(text: string | Uint8Array): string {
  try {
    parseIntentJsonl(text, "d.jsonl");
  } catch (e) {
    assert.ok(e instanceof EdgeError, String(e));
    assert.equal(e.code, "dataset_invalid");
    assert.ok(!e.message.includes("\n"), "one line");
    return e.message;
  }
  assert.fail("expected dataset_invalid");
}

describe("intent data files", () => {
  it("reads one example per line, skipping blank lines and a BOM; empty text is allowed; extra fields are ignored", () => {
    const got = parseIntentJsonl('\uFEFF{"text": "turn on the lights", "intent": "lights_on"}\n\n  \r\n{"text": "", "intent": "oos", "domain": "x"}\r\n', "d.jsonl");
    assert.deepEqual(got, [
      { text: "turn on the lights", intent: "lights_on", line: 1 },
      { text: "", intent: "oos", line: 4 },
    ]);
  });

  it("bad lines name file:line and the field", () => {
    const ok = '{"text": "a", "intent": "x"}\n';
    assert.match(dataError(ok + "{nope\n"), /^d\.jsonl:2: not valid JSON$/);
    assert.match(dataError(ok + ok + "[1, 2]\n"), /^d\.jsonl:3: expected a JSON object/);
    assert.match(dataError('{"intent": "x"}'), /^d\.jsonl:1: field "text" is missing$/);
    assert.match(dataError('{"text": 5, "intent": "x"}'), /^d\.jsonl:1: field "text" must be a string$/);
    assert.match(dataError('{"text": "\\ud800", "intent": "x"}'), /^d\.jsonl:1: field "text" contains a lone surrogate$/);
    assert.match(dataError('{"text": "a"}'), /^d\.jsonl:1: field "intent" is missing$/);
    assert.match(dataError('{"text": "a", "intent": ""}'), /^d\.jsonl:1: field "intent" must be a non-empty string$/);
    assert.match(dataError('{"text": "a", "intent": 3}'), /field "intent" must be a string$/);
    assert.match(dataError('{"text": "a", "intent": " x"}'), /field "intent" must not start or end with white space$/);
    assert.match(dataError('{"text": "a", "intent": "x\\ty"}'), /field "intent" must not contain control characters/);
    assert.match(dataError(`{"text": "a", "intent": "${"x".repeat(201)}"}`), /field "intent" must be at most 200 characters/);
    assert.match(dataError(Buffer.concat([Buffer.from(ok), Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x0a])])), /^d\.jsonl:2: not valid UTF-8$/);
    assert.match(dataError("\n\n"), /^d\.jsonl: no examples/);
  });

  it("property: whatever the text (Unicode, quotes, newlines, empty), format then parse gives the examples back", () => {
    const intent = fc.stringMatching(/^[a-z_]{1,12}$/);
    const example = fc.record({ text: fc.string({ unit: "grapheme", maxLength: 40 }), intent });
    fc.assert(
      fc.property(fc.array(example, { minLength: 1, maxLength: 20 }), (examples: IntentExample[]) => {
        const back = parseIntentJsonl(formatIntentJsonl(examples), "p.jsonl");
        assert.deepEqual(back.map(({ text, intent }) => ({ text, intent })), examples.map(({ text, intent }) => ({ text, intent })));
      }),
      { numRuns: 200 },
    );
  });

  it("property: arbitrary bytes either parse or fail with dataset_invalid naming a line", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          parseIntentJsonl(bytes, "f.jsonl");
        } catch (e) {
          assert.ok(e instanceof EdgeError && e.code === "dataset_invalid", String(e));
          assert.match(e.message, /^f\.jsonl(:\d+)?: /);
        }
      }),
      { numRuns: 300 },
    );
  });
});
