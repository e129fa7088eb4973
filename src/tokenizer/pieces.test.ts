// llama.cpp's clean_up_tokenization_spaces pass, case by case.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cleanUpSpaces } from "./pieces.js";

describe("cleanUpSpaces", () => {
  it("removes the space before ? ! . ,", () => {
    assert.equal(cleanUpSpaces("Hello , world . Yes ? No !"), "Hello, world. Yes? No!");
  });
  it("joins a lone apostrophe between spaces", () => {
    assert.equal(cleanUpSpaces("rock ' n roll"), "rock'n roll");
  });
  it("attaches 's 'm 're 've but not 't 'd 'll", () => {
    assert.equal(cleanUpSpaces("he 's I 'm we 're they 've don 't I 'd we 'll"), "he's I'm we're they've don 't I 'd we 'll");
  });
  it("leaves text without those patterns alone", () => {
    assert.equal(cleanUpSpaces(""), "");
    assert.equal(cleanUpSpaces(" leading space and ünïcode 🦙"), " leading space and ünïcode 🦙");
  });
});
