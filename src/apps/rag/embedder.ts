// Embeddings for retrieval: what an index needs of an embedding model (a fingerprint, its pooling, vectors), and that
// for a LoadedModel. The fingerprint identifies the weights, not the file name: SHA-256 over the file size, its
// first MiB and 32 windows of 64 KiB spread over the rest, so a copy or a rename matches and another model (or
// another quantization of the same one) does not; it reads ~3 MiB however large the file is.
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { EdgeError } from "../../errors.js";
import type { LoadedModel } from "../../engine.js";
import type { Pooling } from "../../runtime/embed.js";

export interface TextEmbedder {
  /** File name of the model (for messages). */
  name: string;
  fingerprint: string;
  pooling: Pooling;
  dim: number;
  /** An L2-normalized embedding of the text. */
  embed(text: string): Float32Array | Promise<Float32Array>;
}

const HEAD_BYTES = 2 ** 20;
const WINDOWS = 32;
const WINDOW_BYTES = 64 * 2 ** 10;

/** "sha256s1:<hex>": the sampled SHA-256 of a model file (see the top of this file). */
export function modelFingerprint(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EdgeError("file_not_found", `${path}: no such file`);
    throw new EdgeError("io_error", `${path}: cannot read (${code ?? (e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const h = createHash("sha256").update(`edgellm-model-fingerprint-1 ${size}\n`);
    const read = (at: number, n: number) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(n, size - at)));
      const got = buf.length ? readSync(fd, buf, 0, buf.length, at) : 0;
      h.update(buf.subarray(0, got));
    };
    read(0, HEAD_BYTES);
    if (size > HEAD_BYTES) {
      const span = size - HEAD_BYTES;
      for (let i = 0; i < WINDOWS; i++) read(HEAD_BYTES + Math.floor((span * i) / WINDOWS), WINDOW_BYTES);
      read(Math.max(HEAD_BYTES, size - WINDOW_BYTES), WINDOW_BYTES);
    }
    return `sha256s1:${h.digest("hex")}`;
  } finally {
    closeSync(fd);
  }
}

const fingerprints = new WeakMap<LoadedModel, string>();

/** Most tokens one embedding takes: an encoder's context, a decoder's up to 2048 (as LoadedModel.embed allows). */
export function embeddingTokenLimit(lm: LoadedModel): number {
  return lm.model.causal === false ? lm.config.contextLength : Math.min(lm.config.contextLength, 2048);
}

/**
 * A loaded model as an embedder (pooling: the model's own unless given). Text longer than the model takes is cut
 * to its first tokens: an index holds chunks of a bounded size, so only a very small embedding model cuts at all.
 */
export function modelEmbedder(lm: LoadedModel, pooling: Pooling = lm.pooling): TextEmbedder {
  const limit = embeddingTokenLimit(lm);
  let fingerprint = fingerprints.get(lm);
  if (fingerprint === undefined) fingerprints.set(lm, (fingerprint = modelFingerprint(lm.path)));
  return {
    name: basename(lm.path),
    fingerprint,
    pooling,
    dim: lm.config.dim,
    embed(text: string): Float32Array {
      const ids = embeddingIds(lm, text, limit);
      return lm.embed([ids], { pooling, normalize: true })[0];
    },
  };
}

/** The token ids LoadedModel.embed would take for this text, cut to `limit`. */
export function embeddingIds(lm: { tokenizer: LoadedModel["tokenizer"] }, text: string, limit: number): number[] {
  const ids = lm.tokenizer.encode(text, { addSpecial: true, parseSpecial: false });
  return ids.length > limit ? ids.slice(0, limit) : ids;
}
