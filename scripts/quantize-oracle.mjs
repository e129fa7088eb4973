// Records llama-quantize's output digests for the cases of test/helpers/quantize-cases.ts into
// test/quantize-oracle.json (not a test; run after changing the cases or the llama.cpp release):
//   npm run build && scripts/build-llama-cpp.sh && node scripts/quantize-oracle.mjs [path/to/llama-quantize]
// The tests then quantize the same inputs with edgellm and compare digests (so CI needs no llama.cpp build), and run
// llama-quantize itself where it is built.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { caseKey, QUANTIZE_CASES } from "../dist/test/helpers/quantize-cases.js";
import { writeGgufFile } from "../dist/src/io/gguf-file-writer.js";
import { synthModel } from "../dist/src/tools/synth.js";

const cache = process.env.EDGELLM_LLAMA_CPP_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "edgellm", "llama.cpp");
const bin = process.argv[2] ?? [join(cache, "build-noamx", "bin", "llama-quantize"), join(cache, "build", "bin", "llama-quantize")].find((p) => {
  try { readFileSync(p, { flag: "r" }).length; return true; } catch { return false; }
});
if (!bin) {
  console.error("quantize-oracle: llama-quantize not found (run scripts/build-llama-cpp.sh or give its path)");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "edgellm-qoracle-"));
const digests = {};
try {
  for (const c of QUANTIZE_CASES) {
    const input = join(dir, `${c.id}.gguf`);
    await writeGgufFile(input, synthModel(c.shape, { type: c.inputType, seed: c.seed }));
    for (const type of c.types) {
      const out = join(dir, "out.gguf");
      execFileSync(bin, ["--allow-requantize", ...(c.flags ?? []), input, out, type, "2"], { stdio: ["ignore", "ignore", "pipe"] });
      digests[caseKey(c, type)] = createHash("sha256").update(readFileSync(out)).digest("hex");
      process.stderr.write(".");
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const commit = execFileSync("git", ["-C", join(cache, "src"), "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
writeFileSync("test/quantize-oracle.json", JSON.stringify({ llamaCpp: commit, tool: "llama-quantize --allow-requantize", digests }, null, 1) + "\n");
console.error(`\nquantize-oracle: ${Object.keys(digests).length} digests from llama.cpp ${commit} → test/quantize-oracle.json`);
