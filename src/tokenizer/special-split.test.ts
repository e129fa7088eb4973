// Special-token partition: longest token first, every occurrence, user-defined always, control only when parsing specials.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { splitOnSpecialTokens, type SpecialTokenInfo } from "./special-split.js";

const sp = (id: number, text: string, controlOrUnknown: boolean, lstrip = false, rstrip = false): SpecialTokenInfo => ({ id, text, controlOrUnknown, lstrip, rstrip });

describe("splitOnSpecialTokens", () => {
  const specials = [sp(1, "<|im_start|>", true), sp(2, "<think>", false), sp(3, "<|im", true)];

  it("cuts control and user-defined tokens when parsing specials, longest first", () => {
    assert.deepEqual(splitOnSpecialTokens("a<|im_start|>b<|im c<think>", specials, true), ["a", 1, "b", 3, " c", 2]);
  });

  it("cuts only user-defined tokens without special parsing", () => {
    assert.deepEqual(splitOnSpecialTokens("a<|im_start|><think>x<think>", specials, false), ["a<|im_start|>", 2, "x", 2]);
  });

  it("strips ASCII whitespace around tokens flagged lstrip/rstrip", () => {
    const s = [sp(7, "<|end|>", true, true, true)];
    assert.deepEqual(splitOnSpecialTokens("hi \t<|end|>\n\n next", s, true), ["hi", 7, "next"]);
    assert.deepEqual(splitOnSpecialTokens("<|end|><|end|>", s, true), [7, 7]);
  });
});
