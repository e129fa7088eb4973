// The typed error a function throws (the test fails when it throws nothing or something untyped).
import assert from "node:assert/strict";
import { EdgeError } from "../../src/errors.js";

export function errorOf(f: () => unknown): EdgeError {
  try {
    f();
  } catch (e) {
    if (e instanceof EdgeError) return e;
    throw e;
  }
  assert.fail("expected an error");
}
