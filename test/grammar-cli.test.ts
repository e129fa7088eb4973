// Structured output from the command line: run/chat under --grammar / --json-schema / --json-mode, and the
// `grammar check` / `grammar from-schema` tools. Outputs are checked by the grammar itself (through the CLI) and by an
// independent JSON Schema validator (ajv).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { repoRoot } from "./helpers/fixtures.js";
import { tempDir, writeTinyModel } from "./helpers/models.js";

const BIN = join(repoRoot, "bin", "edgellm.js");

function edgellm(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

const SCHEMA = {
  type: "object",
  properties: {
    intent: { enum: ["lights_on", "lights_off", "alert"] },
    room: { type: "string", maxLength: 20 },
    level: { type: "integer", minimum: 0, maximum: 10 },
  },
  required: ["intent", "room"],
};

describe("structured output on the command line", () => {
  let tiny: string;
  let dir: string;
  let gbnf: string;
  let schema: string;
  before(async () => {
    tiny = await writeTinyModel("llama", GgmlType.Q8_0, 21);
    dir = tempDir();
    gbnf = join(dir, "list.gbnf");
    writeFileSync(gbnf, `root ::= "- " item ("\\n- " item){0,3}\nitem ::= [a-z]{1,10}\n`);
    schema = join(dir, "intent.schema.json");
    writeFileSync(schema, JSON.stringify(SCHEMA));
  });

  it("run --grammar: stdout is exactly a sentence (or prefix) of the grammar, and grammar check accepts it", () => {
    for (const seed of [1, 2, 3]) {
      const r = edgellm(["run", "-m", tiny, "-p", "list", "-n", "40", "--temp", "1", "--seed", String(seed), "--grammar", gbnf, "--threads", "1"]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.endsWith("\n"));
      const text = r.stdout.slice(0, -1);
      assert.match(text, /^- [a-z]{1,10}(\n- [a-z]{1,10}){0,3}$|^- [a-z]*/);
      const check = edgellm(["grammar", "check", "--grammar", gbnf, "--jsonl"], JSON.stringify(text) + "\n");
      assert.equal(check.code, 0, check.stderr);
      const complete = /^- [a-z]{1,10}(\n- [a-z]{1,10}){0,3}$/.test(text);
      assert.deepEqual(JSON.parse(check.stdout), { accept: complete });
    }
  });

  it("run --json-schema with the bundled model: every output validates with ajv", () => {
    const validate = new Ajv().compile(SCHEMA);
    for (const [prompt, seed] of [["Turn off the bedroom lights", 1], ["রান্নাঘরের আলো জ্বালাও", 2], ["Pump 2 pressure is 910 PSI", 3]] as const) {
      const r = edgellm(["run", "-p", prompt, "-n", "96", "--temp", "0.7", "--seed", String(seed), "--json-schema", schema, "--threads", "1"]);
      assert.equal(r.code, 0, r.stderr);
      const value = JSON.parse(r.stdout);
      assert.ok(validate(value), `${r.stdout} ${JSON.stringify(validate.errors)}`);
    }
  });

  it("run --json-mode gives one JSON value; inline --json-schema works too", () => {
    const r = edgellm(["run", "-m", tiny, "-p", "x", "-n", "200", "--temp", "0", "--json-mode", "--threads", "1"]);
    assert.equal(r.code, 0, r.stderr);
    const check = edgellm(["grammar", "check", "--json-mode", "-p", r.stdout.slice(0, -1)]);
    assert.equal(check.code, 0, check.stderr);
    const inline = edgellm(["run", "-m", tiny, "-p", "x", "-n", "60", "--temp", "0", "--json-schema", '{"type":"boolean"}', "--threads", "1"]);
    assert.equal(inline.code, 0, inline.stderr);
    assert.match(inline.stdout, /^(true|false)\n$/);
  });

  it("chat --json-schema constrains each reply", () => {
    const r = edgellm(["chat", "-p", "Turn on the kitchen lights", "-n", "96", "--temp", "0", "--json-schema", schema, "--threads", "1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(new Ajv().compile(SCHEMA)(JSON.parse(r.stdout)), r.stdout);
  });

  it("grammar check --jsonl: one answer per line, in order; a line that is not a JSON string is reported", () => {
    const input = ['"- ab"', '"- ab\\n- cd"', '"-ab"', '""', "42", '"- abcdefghijk"'].join("\n") + "\n";
    const r = edgellm(["grammar", "check", "--grammar", gbnf, "--jsonl"], input);
    assert.notEqual(r.code, 0);
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.slice(0, 4), [{ accept: true }, { accept: true }, { accept: false }, { accept: false }]);
    assert.equal(lines[4].error.line, 5);
    assert.deepEqual(lines[5], { accept: false });
    assert.match(r.stderr, /1 input line was not a JSON string/);
  });

  it("grammar from-schema prints GBNF that grammar check uses", () => {
    const r = edgellm(["grammar", "from-schema", schema]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^root ::= /m);
    const file = join(dir, "from-schema.gbnf");
    writeFileSync(file, r.stdout);
    const check = edgellm(["grammar", "check", "--grammar", file, "--jsonl"], [JSON.stringify('{"intent": "alert", "room": "hall"}'), JSON.stringify('{"room": "hall"}')].join("\n"));
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(check.stdout.trimEnd().split("\n").map((l) => JSON.parse(l)), [{ accept: true }, { accept: false }]);
  });

  it("bad grammars, schemas and option mixes are one-line errors naming the file", () => {
    const bad = join(dir, "bad.gbnf");
    writeFileSync(bad, `root ::= item\n`);
    oneLineError(edgellm(["run", "-m", tiny, "-p", "x", "--grammar", bad]), /bad\.gbnf: grammar line 1, column 10: undefined rule 'item' \[grammar_undefined_rule\]/);
    oneLineError(edgellm(["run", "-m", tiny, "-p", "x", "--grammar", join(dir, "missing.gbnf")]), /missing\.gbnf: grammar file not found \[file_not_found\]/);
    const badJson = join(dir, "bad.json");
    writeFileSync(badJson, `{"type": `);
    oneLineError(edgellm(["grammar", "from-schema", badJson]), /bad\.json: not valid JSON .*\[schema_invalid\]/);
    const unsupported = join(dir, "unsupported.json");
    writeFileSync(unsupported, JSON.stringify({ type: "array", uniqueItems: true }));
    oneLineError(edgellm(["run", "-m", tiny, "-p", "x", "--json-schema", unsupported]), /unsupported\.json: .*uniqueItems.*\[schema_unsupported\]/);
    oneLineError(edgellm(["run", "-m", tiny, "-p", "x", "--json-mode", "--grammar", gbnf]), /cannot be used together/);
    oneLineError(edgellm(["grammar", "check", "--jsonl"]), /needs --grammar FILE/);
  });
});
