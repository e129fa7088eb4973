// Prompts from templates, and the label grammar: it accepts exactly the labels, whatever characters they hold.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Grammar } from "../../runtime/grammar/grammar.js";
import type { ClassifyItem, QaItem } from "./data.js";
import { buildPrompt, checkTemplate, DEFAULT_TEMPLATES, gbnfLiteral, labelGbnf } from "./prompt.js";

const qa = (over: Partial<QaItem> = {}): QaItem => ({ task: "qa", line: 1, id: "1", question: "Which room?", context: "The kitchen light is on.", answers: ["kitchen"], ...over });
const cls: ClassifyItem = { task: "classify", line: 1, id: "1", text: "Turn it off", label: "off" };

describe("eval prompts", () => {
  it("the defaults: qa with and without context, summarize, classify with the label list", () => {
    assert.equal(buildPrompt(qa(), []), "Read the text and answer the question in a few words.\n\nText: The kitchen light is on.\n\nQuestion: Which room?\nAnswer:");
    assert.equal(buildPrompt(qa({ context: undefined }), []), "Answer the question in a few words.\n\nQuestion: Which room?\nAnswer:");
    assert.equal(buildPrompt({ task: "summarize", line: 1, id: "1", document: "Doc.", summaries: ["S"] }, []), DEFAULT_TEMPLATES.summarize.replace("{document}", "Doc."));
    assert.equal(buildPrompt(cls, ["on", "off"]), "Classify the text. Answer with one of these labels: on, off.\n\nText: Turn it off\nLabel:");
  });

  it("a template fills each placeholder once: a field holding {context} is not expanded again", () => {
    assert.equal(buildPrompt(qa({ question: "What is {context}?" }), [], "Q: {question} C: {context} {question}"), "Q: What is {context}? C: The kitchen light is on. What is {context}?");
    assert.equal(buildPrompt(qa({ context: undefined }), [], "[{context}] {question}"), "[] Which room?", "a missing context is empty");
    assert.equal(buildPrompt(qa(), [], 'JSON {"a": 1} and {question}'), 'JSON {"a": 1} and Which room?', "braces that are not a placeholder stay");
  });

  it("a placeholder the task does not have is a bad_argument naming it and the task's own", () => {
    assert.throws(() => checkTemplate("{document}", "qa"), { code: "bad_argument", message: "--template: {document} is not a placeholder of the qa task (it has {question}, {context})" });
    assert.throws(() => checkTemplate("{labels} {question}", "classify"), /\{question\} is not a placeholder of the classify task/);
    checkTemplate("{text} {labels}", "classify");
  });
});

describe("label grammar", () => {
  it("escapes quotes, backslashes and control characters in literals", () => {
    assert.equal(gbnfLiteral('a "b" \\ c\n\x7f'), '"a \\"b\\" \\\\ c\\x0a\\x7f"');
    assert.equal(labelGbnf(["yes", "no"]), 'root ::= "yes" | "no"\n');
    assert.throws(() => labelGbnf([]), { code: "bad_argument" });
  });

  it("accepts every label and nothing else (labels of any characters, one a prefix of another)", () => {
    const wellFormed = (s: string) => !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));
    const label = fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 8 }), fc.constantFrom("পাম্প", "ok \"quoted\"", "back\\slash", "a", "ab")).filter(wellFormed);
    fc.assert(
      fc.property(fc.uniqueArray(label, { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 6 }), (labels, other) => {
        const g = Grammar.fromGbnf(labelGbnf(labels));
        for (const l of labels) assert.ok(g.accepts(l), `accepts ${JSON.stringify(l)}`);
        if (!labels.includes(other)) assert.ok(!g.accepts(other), `rejects ${JSON.stringify(other)}`);
        if (!labels.includes(labels[0] + "\u0000x")) assert.ok(!g.accepts(labels[0] + "\u0000x"));
      }),
      { numRuns: 60 },
    );
  });
});
