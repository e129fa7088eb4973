// Builds the AssemblyScript kernels (src/kernels/wasm/assembly/index.ts) into dist/wasm/kernels.wasm (base SIMD) and
// dist/wasm/kernels-relaxed.wasm (relaxed SIMD too), each also as a `-single` build that imports an unshared memory
// (one thread, for a browser page without cross-origin isolation, which has no SharedArrayBuffer), and checks that
// each module fits the memory contract of src/kernels/memory.ts: it imports one memory (shared, except the -single
// builds), allocates nothing at run time, and its static data ends below WASM_RESERVED_BYTES (1 MiB).
// Usage: node scripts/build-wasm.mjs [--wat]   (--wat also writes dist/wasm/*.wat for reading the output)
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "dist", "wasm");
const RESERVED_BYTES = 1 << 20; // keep in sync with WASM_RESERVED_BYTES in src/kernels/memory.ts

const entry = "src/kernels/wasm/assembly/index.ts";
const wantWat = process.argv.includes("--wat");
mkdirSync(outDir, { recursive: true });

// Two builds of the same source: base SIMD128 (runs everywhere WebAssembly SIMD does) and one that also uses
// relaxed SIMD (int8 dot products; chosen at run time when the engine supports it, see load-node.ts).
// Each again for an unshared memory: the same source, the threads feature kept (the atomics in parallel.ts must
// validate; on one thread they are never reached).
await build("kernels", ["simd", "threads"]);
await build("kernels-relaxed", ["simd", "threads", "relaxed-simd"]);
await build("kernels-single", ["simd", "threads"], false);
await build("kernels-relaxed-single", ["simd", "threads", "relaxed-simd"], false);

async function build(name, features, shared = true) {
  const outFile = join(outDir, `${name}.wasm`);
  // the text form is needed for the checks below; it is kept only on request
  const tmp = wantWat ? undefined : mkdtempSync(join(tmpdir(), "edgellm-wasm-"));
  const watFile = join(tmp ?? outDir, `${name}.wat`);
  const args = [
    entry,
    "--outFile", outFile,
    "--textFile", watFile,
    "-O3", "--noAssert",
    "--runtime", "stub",
    "--importMemory", ...(shared ? ["--sharedMemory"] : []), "--maximumMemory", "65536", "--noExportMemory",
    ...features.flatMap((f) => ["--enable", f]),
    "--use", "abort=",
    "--baseDir", root,
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    fail(`asc failed for ${name}: ${error.message}`);
  }

  const wat = readFileSync(watFile, "utf8");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  // A heap would start right after the static data and grow into the arena: the kernels must never allocate.
  for (const marker of ["__heap_base", "~lib/rt/", "memory.grow"]) {
    if (wat.includes(marker)) fail(`${name}: module uses ${marker}: kernels must not allocate (no heap in the shared memory)`);
  }
  // the base build must stay free of relaxed instructions (it is the fallback where they are unsupported)
  if (!features.includes("relaxed-simd") && wat.includes(".relaxed_")) fail(`${name}: base build contains relaxed SIMD`);

  const bytes = readFileSync(outFile);
  const { dataEnd, memoryImport } = inspectModule(bytes);
  if (!memoryImport || memoryImport.shared !== shared || memoryImport.max !== 65536) {
    fail(`${name}: module must import a${shared ? " shared" : "n unshared"} memory with maximum 65536 pages, got ${JSON.stringify(memoryImport)}`);
  }
  if (dataEnd > RESERVED_BYTES) fail(`${name}: static data ends at ${dataEnd}, beyond the reserved ${RESERVED_BYTES} bytes`);
  console.log(`build-wasm: ${outFile} (${bytes.length} bytes, static data ends at ${dataEnd} of ${RESERVED_BYTES} reserved)`);
}

function fail(message) {
  console.error(`build-wasm: ${message}`);
  process.exit(1);
}

/** Walk the binary: end of active data segments and the memory import's limits. */
function inspectModule(buf) {
  let pos = 8;
  const u = () => {
    let result = 0, shift = 0, b;
    do {
      b = buf[pos++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const s = () => {
    let result = 0, shift = 0, b;
    do {
      b = buf[pos++];
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return shift < 32 && b & 0x40 ? result | (-1 << shift) : result;
  };
  const name = () => {
    const n = u();
    const str = buf.subarray(pos, pos + n).toString("utf8");
    pos += n;
    return str;
  };
  let dataEnd = 0;
  let memoryImport;
  while (pos < buf.length) {
    const id = buf[pos++];
    const size = u();
    const end = pos + size;
    if (id === 2) {
      for (let i = u(); i > 0; i--) {
        const mod = name(), field = name(), kind = buf[pos++];
        if (kind === 0) { u(); continue; }
        if (kind === 1) { pos++; const f = u(); u(); if (f & 1) u(); continue; }
        if (kind === 3) { pos += 2; continue; }
        if (kind === 2) {
          const flags = u();
          const min = u();
          const max = flags & 1 ? u() : undefined;
          memoryImport = { module: mod, field, min, max, shared: (flags & 2) !== 0 };
        }
      }
    } else if (id === 11) {
      for (let i = u(); i > 0; i--) {
        const flags = u();
        if (flags === 1) { pos += u(); continue; }
        if (flags === 2) u();
        if (buf[pos++] !== 0x41) fail("data segment offset is not an i32.const");
        const offset = s();
        if (buf[pos++] !== 0x0b) fail("unexpected data segment offset expression");
        const len = u();
        pos += len;
        dataEnd = Math.max(dataEnd, offset + len);
      }
    }
    pos = end;
  }
  return { dataEnd, memoryImport };
}
