// JSON request bodies: Fastify's own parser (prototype poisoning refused), after a linear scan that refuses nesting
// deeper than MAX_JSON_DEPTH. JSON.parse itself takes 100,000 nested arrays, but what reads the body afterwards —
// the chat template, the JSON Schema converter, tool definitions — recurses, and a few thousand levels overflow the
// stack (a RangeError, a 500): refused here, as a 400, before anything recurses.
import type { FastifyInstance } from "fastify";
import { ApiError } from "./api-error.js";

/** Deepest nesting of arrays and objects a request body may have (JSON Schemas are refused past 256 schema levels). */
export const MAX_JSON_DEPTH = 1000;

/** Deepest nesting of arrays and objects in JSON text (string contents skipped); stops once past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote (escapes included)
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Replace Fastify's application/json parser by the same parser behind the depth check. */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (jsonDepth(body as string, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      return done(new ApiError(400, `invalid JSON in the request body: nested deeper than ${MAX_JSON_DEPTH} levels`, "invalid_request_error", "invalid_json"), undefined);
    }
    parse(request, body as string, done);
  });
}
