// The library entry point in Node: open a GGUF file (weights into one WebAssembly memory), its tokenizer, and
// generate. The loading itself is open-model.ts's, shared with the browser build; this file adds files and Node's
// kernel platform (cores, dist/wasm, worker_threads) and its default memory budget.
import { totalmem } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseGguf } from "./format/gguf-reader.js";
import type { GgufFile } from "./format/gguf-types.js";
import { FileSource } from "./io/file-source.js";
import { NODE_PLATFORM } from "./kernels/select.js";
import type { LoadedModel } from "./loaded-model.js";
import { openModel, openModelAsync, type LoadOptions } from "./open-model.js";
import { Tokenizer } from "./tokenizer/tokenizer.js";

export { LoadedModel, MERGES_KEY, type ModelGenerateOptions } from "./loaded-model.js";
export type { LoadOptions } from "./open-model.js";

/** The options openModel gets in Node: its kernel platform, ¾ of RAM as the default budget, a collection before the weights. */
function nodeOptions(options: LoadOptions) {
  return { ...options, platform: NODE_PLATFORM, memoryBudget: options.memoryBudget ?? totalmem() * 0.75, afterHeader: collectGarbage };
}

/**
 * A full garbage collection. Parsing a header leaves ~10–15 MB of garbage for a 128k–152k vocabulary (its strings and
 * arrays, the merges' strings), which V8 would free only at some later full collection: after the weights arrived, so
 * it counted in the peak RSS. Node gives no gc() without --expose-gc; the flag can be set at run time, and a new
 * context then has the function.
 */
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      gc = (runInNewContext("gc") as (() => void) | undefined) ?? null;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
let gc: (() => void) | null | undefined;

/** Open a GGUF file: parse, check, stream weights into WebAssembly memory, build the tokenizer. */
export function loadModel(path: string, options: LoadOptions = {}): LoadedModel {
  const src = new FileSource(path);
  try {
    return openModel(src, nodeOptions(options));
  } finally {
    src.close();
  }
}

/** loadModel, yielding to the event loop while the weights are read (for a server that answers while it loads). */
export async function loadModelAsync(path: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const src = new FileSource(path);
  try {
    return await openModelAsync(src, nodeOptions(options));
  } finally {
    src.close();
  }
}

/** Only the tokenizer of a GGUF file (no weights are read; vocabulary-only files work). */
export function loadTokenizer(path: string): { file: GgufFile; tokenizer: Tokenizer } {
  const src = new FileSource(path);
  try {
    const file = parseGguf(src);
    return { file, tokenizer: Tokenizer.fromGguf(file) };
  } finally {
    src.close();
  }
}

/** Parse a GGUF header (metadata and tensor table) without reading weights. */
export function readGgufHeader(path: string): GgufFile {
  const src = new FileSource(path);
  try {
    return parseGguf(src);
  } finally {
    src.close();
  }
}
