import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import fc from "fast-check";
import { GrammarConstraint } from "../runtime/grammar/constraint.js";
import { Grammar } from "../runtime/grammar/grammar.js";
import type { GrammarVocabulary } from "../runtime/grammar/token-trie.js";
import { LIGHT, packageTemplate, PING, TIMER, WEATHER } from "../../test/helpers/chat-templates.js";
import { prepareToolCalls, type ToolCallPlan, type ToolChoice, type ToolDefinition } from "./tool-calls.js";
import { TOOL_CALL_FORMATS, writeToolCalls, type ToolCallFormat } from "./tool-formats.js";
import { lexGbnf, mergeSchemaGrammars, parametersSchema, toolCallGbnf } from "./tool-grammar.js";

const TOOLS = [WEATHER, LIGHT, TIMER, PING];
const ajv = new Ajv({ strict: false });
const validators = new Map(TOOLS.map((t) => [t.function.name, ajv.compile(parametersSchema(t) as object)]));
const template = packageTemplate("tokenizer-qwen3");

const utf8 = new TextEncoder();
const CONTROL = ["[TOOL_CALLS]", "[ARGS]", "[CALL_ID]"];

/**
 * A character-level vocabulary: EOG (id 0), printable ASCII, a few non-ASCII characters, whole markers as single
 * tokens, and the Mistral markers as control tokens (no text unless decoded with special tokens).
 */
function charVocab(): { vocab: GrammarVocabulary; pieces: string[]; controlId: (t: string) => number | undefined } {
  const pieces = ["", ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), "\n", "\t", "é", "ব", "😀", "<tool_call>", "</tool_call>", '"name"', '"arguments"', ...CONTROL];
  const control = new Set(CONTROL.map((t) => pieces.indexOf(t)));
  const bytes = pieces.map((p) => utf8.encode(p));
  return {
    pieces,
    controlId: (t) => (CONTROL.includes(t) ? pieces.indexOf(t) : undefined),
    vocab: { vocabSize: pieces.length, tokenToPiece: (id, special = true) => (control.has(id) && !special ? new Uint8Array(0) : bytes[id]), isEog: (id) => id === 0 },
  };
}

const VOCAB = charVocab();
const CLOSERS = ['"', "}", "]", "0", "</tool_call>", "e"];

/**
 * A random sentence of the grammar, walking the vocabulary under the grammar's token masks (as generation does):
 * uniform over the allowed tokens, then, past `budget` tokens, ending or closing whatever is open.
 */
function sampleSentence(grammar: Grammar, seed: number, prefix = "", budget = 120): string {
  let x = seed >>> 0 || 1;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const con = new GrammarConstraint(grammar, VOCAB.vocab);
  const out: number[] = [];
  for (const id of tokensOf(prefix)) {
    con.accept(id);
    out.push(id);
  }
  for (let step = 0; step < 2000 && !con.isComplete; step++) {
    const logits = new Float32Array(VOCAB.vocab.vocabSize);
    con.applyMask(logits);
    const allowed = [...logits.keys()].filter((i) => logits[i] === 0);
    assert.ok(allowed.length > 0, "the grammar has a dead end");
    let pick: number;
    if (step >= budget) {
      const close = [0, ...CLOSERS.map((c) => VOCAB.pieces.indexOf(c))].filter((i) => allowed.includes(i));
      pick = close.length ? close[0] : allowed[Math.floor(rnd() * allowed.length)];
    } else pick = allowed[Math.floor(rnd() * allowed.length)];
    if (pick === 0) break;
    con.accept(pick);
    out.push(pick);
  }
  return out.map((id) => VOCAB.pieces[id]).join("");
}

function plan(format: ToolCallFormat, choice: ToolChoice, tools: ToolDefinition[] = TOOLS, parallel = true, extra: object = {}): ToolCallPlan {
  return prepareToolCalls(template, [{ role: "user", content: "hi" }], tools, choice, { format, parallelToolCalls: parallel, seed: 1, controlToken: VOCAB.controlId, ...extra });
}

/**
 * Every call in `text` names one of `names` and its arguments validate against the tool's schema. A JSON number
 * beyond a double's range (llama.cpp's number grammar allows any exponent) is still a JSON Schema number: it is
 * read as ±MAX_VALUE, since JSON.parse would make it ±Infinity, which ajv refuses.
 */
function assertValidCalls(p: ToolCallPlan, text: string, names: string[]): number {
  const r = p.parse(text);
  for (const c of r.toolCalls) {
    assert.ok(names.includes(c.name), c.name);
    const validate = validators.get(c.name)!;
    const args: unknown = JSON.parse(c.arguments, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? Math.sign(v) * Number.MAX_VALUE : v));
    assert.ok(validate(args), `${c.name}(${c.arguments}): ${ajv.errorsText(validate.errors)} in ${JSON.stringify(text)}`);
  }
  return r.toolCalls.length;
}

describe("merging argument grammars", () => {
  it("renames every grammar's rules and shares the rules that are equal in all they reach", () => {
    const a = `root ::= "{" space item "}"\nitem ::= [a-z]+ space\nspace ::= | " "`;
    const b = `root ::= "[" space item "]"\nitem ::= [0-9]+ space # digits\nspace ::= | " "`;
    const m = mergeSchemaGrammars([a, b]);
    assert.deepEqual(m.roots, ["root", "root"]);
    const g = Grammar.fromGbnf(`root ::= a0-root | a1-root\n${m.text}`);
    assert.ok(g.accepts("{ abc }") && g.accepts("[ 12 ]") && !g.accepts("{ 12 }") && !g.accepts("[ abc ]"));
    assert.match(m.text, /^a0-space ::=/m);
    assert.doesNotMatch(m.text, /^a1-space ::=/m); // shared
    assert.match(m.text, /^a1-item ::= \[0-9\] \+ a0-space$/m); // same name, other body: kept apart
  });

  it("aliases a start rule that is shared", () => {
    const m = mergeSchemaGrammars([`root ::= "x"`, `root ::= "x"`]);
    assert.ok(Grammar.fromGbnf(`root ::= a1-root\n${m.text}`).accepts("x"));
  });

  it("lexes llama.cpp's GBNF: literals, classes, repetitions, tokens, comments", () => {
    const rules = lexGbnf(`# comment\nroot ::= "a\\"b" [\\]x] {1,2} !<[12]> <[3]> ( r-1 )* # trailing\nr-1 ::= "::=" | [#]`);
    assert.deepEqual(rules.map((r) => r.name), ["root", "r-1"]);
    assert.deepEqual(rules[0].body, ['"a\\"b"', "[\\]x]", "{1,2}", "!<[12]>", "<[3]>", "(", { ref: "r-1" }, ")", "*"]);
    assert.deepEqual(rules[1].body, ['"::="', "|", "[#]"]);
  });
});

describe("required / named tool grammars", () => {
  for (const format of TOOL_CALL_FORMATS) {
    it(`${format}: calls as the model writes them are sentences; unknown tools and bad arguments are not`, () => {
      const p = plan(format, "required", TOOLS, format !== "llama3");
      assert.ok(p.grammar && p.gbnf);
      const ok = (calls: { name: string; arguments: string }[]) => writeToolCalls(format, calls);
      const accepts = (text: string) => acceptsWithControlTokens(p.grammar!, text);
      assert.ok(accepts(ok([{ name: "get_weather", arguments: '{"city": "Paris"}' }])));
      assert.ok(accepts(ok([{ name: "set_light", arguments: '{"room": "kitchen", "on": true, "level": 40}' }])));
      assert.ok(accepts(ok([{ name: "ping", arguments: "{}" }])));
      assert.ok(!accepts(ok([{ name: "rm_rf", arguments: "{}" }])), "unknown tool");
      assert.ok(!accepts(ok([{ name: "get_weather", arguments: "{}" }])), "missing required argument");
      assert.ok(!accepts(ok([{ name: "get_weather", arguments: '{"city": 7}' }])), "wrong type");
      assert.ok(!accepts(ok([{ name: "get_weather", arguments: '{"city": "Paris", "unit": "kelvin"}' }])), "not in the enum");
      assert.ok(!accepts(ok([{ name: "set_light", arguments: '{"room": "kitchen", "on": "yes"}' }])), "not a boolean");
      assert.ok(!accepts("Sure! " + ok([{ name: "ping", arguments: "{}" }])), "text before the call");
      assert.ok(!accepts(""), "no call");
    });
  }

  it("hermes: the Qwen3 template's own rendering of calls is a sentence", () => {
    const p = plan("hermes", "required");
    const rendered = template.render(
      [
        { role: "user", content: "x" },
        { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } } }, { type: "function", function: { name: "start_timer", arguments: { minutes: 5, repeat: ["mon"] } } }] },
      ],
      false,
    );
    // the template opens the last assistant turn with an empty <think></think> block, as enable_thinking=false does
    const turn = rendered.slice(rendered.lastIndexOf("<|im_start|>assistant\n") + "<|im_start|>assistant\n".length, rendered.lastIndexOf("<|im_end|>"));
    const reply = turn.replace(/^<think>\n\n<\/think>\n\n/, "");
    assert.ok(p.grammar!.accepts(reply), reply);
    assert.equal(p.parse(reply).toolCalls.length, 2);
  });

  it("a named function: only its calls", () => {
    const p = plan("hermes", { type: "function", function: { name: "set_light" } });
    assert.ok(p.grammar!.accepts(writeToolCalls("hermes", [{ name: "set_light", arguments: '{"room": "hall", "on": false}' }])));
    assert.ok(!p.grammar!.accepts(writeToolCalls("hermes", [{ name: "get_weather", arguments: '{"city": "Paris"}' }])));
    assert.throws(() => p.parse(writeToolCalls("hermes", [{ name: "get_weather", arguments: '{"city": "Paris"}' }])), { code: "tool_call_invalid" });
  });

  it("one call unless parallel calls are allowed", () => {
    const two = writeToolCalls("hermes", [{ name: "ping", arguments: "{}" }, { name: "ping", arguments: "{}" }]);
    assert.ok(!plan("hermes", "required", TOOLS, false).grammar!.accepts(two));
    assert.ok(plan("hermes", "required", TOOLS, true).grammar!.accepts(two));
  });

  for (const format of TOOL_CALL_FORMATS) {
    it(`${format}: every sentence the grammar generates parses into valid calls (property)`, () => {
      for (const choice of ["required", { type: "function", function: { name: "start_timer" } }] as ToolChoice[]) {
        const p = plan(format, choice, TOOLS, format !== "llama3");
        const names = typeof choice === "string" ? TOOLS.map((t) => t.function.name) : [choice.function.name];
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
            const text = sampleSentence(p.grammar!, seed);
            assert.ok(assertValidCalls(p, text, names) >= 1, text);
          }),
          { numRuns: 40 },
        );
      }
    });
  }
});

describe('"none" and constrained "auto" grammars', () => {
  it('"none": text without the call marker; the parser keeps everything as content', () => {
    for (const format of ["hermes", "mistral", "mistral-v11"] as const) {
      const p = plan(format, "none");
      const marker = format === "hermes" ? "<tool_call>" : "[TOOL_CALLS]";
      assert.ok(p.grammar!.accepts("The lights are <b>on</b> [OK]."));
      assert.ok(p.grammar!.accepts("<tool_cal <tool_calx <<tool_cal"));
      assert.ok(!p.grammar!.accepts(`Sure. ${marker}`));
      assert.ok(!p.grammar!.accepts(`x${marker.slice(0, 3)}${marker}y`));
      const call = writeToolCalls(format, [{ name: "ping", arguments: "{}" }]);
      assert.deepEqual(p.parse(call), { content: call, toolCalls: [], invalidToolCalls: [] });
    }
    const llama = plan("llama3", "none").grammar!;
    assert.ok(llama.accepts("It is sunny.") && llama.accepts("") && !llama.accepts('{"name": "ping", "parameters": {}}') && !llama.accepts('  {"a": 1}'));
  });

  it('"none": a control-token marker is never allowed, nor its text', () => {
    const p = plan("mistral", "none");
    const con = new GrammarConstraint(p.grammar!, VOCAB.vocab);
    assert.ok(!con.allows(VOCAB.controlId("[TOOL_CALLS]")!));
    assert.ok(con.allows(VOCAB.pieces.indexOf("[")));
  });

  for (const format of TOOL_CALL_FORMATS) {
    it(`${format}: constrained "auto" leaves text free and makes every call valid (property)`, () => {
      const p = plan(format, "auto", TOOLS, format !== "llama3", { constrainAuto: true });
      assert.ok(p.grammar!.accepts("Nothing to call here."));
      const opener = { hermes: "Let me check. <tool_call>", llama3: "{", mistral: "Checking. [TOOL_CALLS]", "mistral-v11": "Checking.[TOOL_CALLS]" }[format];
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
          const text = sampleSentence(p.grammar!, seed, opener);
          assert.ok(text.startsWith(opener));
          assert.ok(assertValidCalls(p, text, TOOLS.map((t) => t.function.name)) >= 1, text);
        }),
        { numRuns: 20 },
      );
    });
  }
});

describe("control-token markers", () => {
  it("mistral-v11: the grammar asks for the [TOOL_CALLS] and [ARGS] tokens, and the decoded text parses", () => {
    const p = plan("mistral-v11", "required");
    assert.match(p.gbnf!, /<\[\d+\]>/);
    for (let seed = 1; seed <= 20; seed++) {
      const text = sampleSentence(p.grammar!, seed);
      assert.ok(text.startsWith("[TOOL_CALLS]") && text.includes("[ARGS]"), text);
      assert.ok(assertValidCalls(p, text, TOOLS.map((t) => t.function.name)) >= 1);
    }
  });

  it("without a vocabulary lookup the markers are literal text", () => {
    const gbnf = toolCallGbnf("mistral", [PING], "calls");
    assert.ok(gbnf.includes(`"[TOOL_CALLS]"`) && !/<\[\d+\]>/.test(gbnf));
    assert.ok(Grammar.fromGbnf(gbnf).accepts('[TOOL_CALLS][{"name": "ping", "arguments": {}}]'));
  });
});

/** Token ids of `text` in VOCAB: the Mistral marker texts as their control tokens, the rest character by character. */
function tokensOf(text: string): number[] {
  return text
    .split(/(\[TOOL_CALLS\]|\[ARGS\]|\[CALL_ID\])/)
    .filter((s) => s !== "")
    .flatMap((part) => (CONTROL.includes(part) ? [VOCAB.controlId(part)!] : [...part].map((ch) => VOCAB.pieces.indexOf(ch))));
}

/** Whether `text` (read as tokensOf) is a sentence. */
function acceptsWithControlTokens(grammar: Grammar, text: string): boolean {
  const con = new GrammarConstraint(grammar, VOCAB.vocab);
  for (const id of tokensOf(text)) {
    if (id < 0 || !con.allows(id)) return false;
    con.accept(id);
  }
  return con.canEnd;
}
