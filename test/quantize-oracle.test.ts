// edgellm quantize against llama-quantize: every file type on small models of the three architectures must give the
// same file, byte for byte, as llama-quantize of the llama.cpp release node-llama-cpp ships (digests recorded by
// scripts/quantize-oracle.mjs in test/quantize-oracle.json); plus the command's contracts and one-line errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { loadModel, readGgufHeader } from "../src/engine.js";
import { writeGgufFile } from "../src/io/gguf-file-writer.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { fileTypeByName } from "../src/tools/quant-plan.js";
import { quantizeModel } from "../src/tools/quantize.js";
import { synthModel } from "../src/tools/synth.js";
import { repoRoot } from "./helpers/fixtures.js";
import { tempDir } from "./helpers/models.js";
import { caseKey, QUANTIZE_CASES } from "./helpers/quantize-cases.js";

const ORACLE = JSON.parse(readFileSync(join(repoRoot, "test", "quantize-oracle.json"), "utf8")) as { llamaCpp: string; digests: Record<string, string> };
const BIN = join(repoRoot, "bin", "edgellm.js");
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

function edgellm(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(`edgellm quantize = llama-quantize (llama.cpp ${ORACLE.llamaCpp})`, () => {
  const dir = tempDir();
  const inputs = new Map<string, string>();
  before(async () => {
    for (const c of QUANTIZE_CASES) {
      if (inputs.has(c.id)) continue;
      const path = join(dir, `${c.id}.gguf`);
      await writeGgufFile(path, synthModel(c.shape, { type: c.inputType, seed: c.seed }));
      inputs.set(c.id, path);
    }
  });

  for (const c of QUANTIZE_CASES.filter((c) => !c.flags)) {
    it(`${c.id}: ${c.types.join(" ")} byte-identical`, async () => {
      for (const type of c.types) {
        const want = ORACLE.digests[caseKey(c, type)];
        assert.ok(want, `no llama-quantize digest for "${caseKey(c, type)}" (run scripts/quantize-oracle.mjs)`);
        const out = join(dir, `${c.id}-${type}.gguf`);
        await quantizeModel(inputs.get(c.id)!, out, { fileType: fileTypeByName(type), threads: 2 });
        assert.equal(sha256(out), want, `${c.id} ${type}: differs from llama-quantize's file`);
      }
    });
  }

  it("the flags (--pure, --leave-output-tensor, --output-tensor-type, --token-embedding-type) through the command line", () => {
    for (const c of QUANTIZE_CASES.filter((c) => c.flags)) {
      for (const type of c.types) {
        const out = join(dir, `${c.id}-${type}-flags.gguf`);
        const r = edgellm(["quantize", ...c.flags!, inputs.get(c.id)!, out, type, "--threads", "2"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`^\\[edgellm\\] quantized .* → .* MB\\), ${fileTypeByName(type).name}: \\d+ tensors quantized, \\d+ copied, [\\d.]+ s on 2 thread`));
        assert.equal(sha256(out), ORACLE.digests[caseKey(c, type)], `${caseKey(c, type)}: differs from llama-quantize's file`);
      }
    }
  });

  it("the quantized file loads and generates; the mix is what llama.cpp chooses (Q6_K output, Q6_K attn_v/ffn_down at the edges)", async () => {
    const c = QUANTIZE_CASES[0]!;
    const out = join(dir, "mix.gguf");
    await quantizeModel(inputs.get(c.id)!, out, { fileType: fileTypeByName("Q4_K_M"), threads: 1 });
    const types = new Map(readGgufHeader(out).tensors.map((t) => [t.name, t.type]));
    assert.equal(types.get("token_embd.weight"), GgmlType.Q6_K, "tied embedding = output → Q6_K");
    assert.equal(types.get("blk.0.attn_v.weight"), GgmlType.Q6_K);
    assert.equal(types.get("blk.1.attn_v.weight"), GgmlType.Q4_K);
    assert.equal(types.get("blk.8.ffn_down.weight"), GgmlType.Q6_K);
    assert.equal(types.get("blk.1.ffn_up.weight"), GgmlType.Q4_K);
    assert.equal(types.get("blk.0.attn_norm.weight"), GgmlType.F32);
    const header = readGgufHeader(out);
    assert.equal(header.metadata.get("general.file_type")?.value, 15);
    assert.equal(header.metadata.get("general.quantization_version")?.value, 2);
    const lm = loadModel(out, { threads: 1 });
    try {
      const s = lm.createSession({ ctx: 32 });
      s.eval(Int32Array.from([1, 2, 3]));
      assert.ok(Number.isFinite(s.lastLogits()[0]!));
    } finally {
      lm.dispose();
    }
  });

  it("bad input: one line naming the problem, non-zero exit, no output file left", () => {
    const input = inputs.get(QUANTIZE_CASES[0]!.id)!;
    const out = join(dir, "never.gguf");
    const cases: [string[], RegExp][] = [
      [[input, out, "Q4_K_X"], /unknown quantization type "Q4_K_X"/],
      [[input, input, "Q4_0"], /must differ from the input/],
      [[join(dir, "missing.gguf"), out, "Q4_0"], /missing\.gguf: no such file/],
      [[input, out], /expected IN\.gguf OUT\.gguf TYPE, got 2/],
      [[input, out, "Q4_0", "--output-type", "Q9"], /--output-type must be one of/],
      [[input, out, "Q4_0", "--threads", "0"], /--threads must be an integer/],
    ];
    const truncated = join(dir, "truncated.gguf");
    writeFileSync(truncated, readFileSync(input).subarray(0, 200_000));
    cases.push([[truncated, out, "Q4_0"], /truncated\.gguf/]);
    for (const [args, pattern] of cases) {
      const r = edgellm(["quantize", ...args]);
      assert.notEqual(r.code, 0, args.join(" "));
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
      assert.match(lines[0]!, pattern);
      assert.ok(!existsSync(out) && !existsSync(`${out}.partial`), `${args.join(" ")} left a file`);
    }
  });
});
