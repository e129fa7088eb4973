// The saved index: one JSON file, versioned, checked field by field on load (a hand-edited, truncated or foreign
// file is one index_invalid line naming the field, never a crash later). Embeddings are stored as one base64 string
// of little-endian float32 values, chunk after chunk.
//
//   {"format": "edgellm-rag-index", "version": 1, "created": ISO date, "chunking": {"max": 512, "unit": "characters"},
//    "files": [{"path", "type": "markdown"|"html"|"text", "bytes", "sha256", "lines"}],
//    "chunks": [{"file": index into files, "lines": [first, last], "headings": [...], "text"}],
//    "embeddings"?: {"model", "fingerprint", "pooling", "dim", "vectors": base64}}
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { EdgeError } from "../../errors.js";
import { POOLINGS, type Pooling } from "../../runtime/embed.js";
import { codePointLength, MAX_CHUNK_CHARS, MIN_CHUNK_CHARS } from "./chunker.js";
import type { DocType } from "./documents.js";
import type { Chunk, IndexedFile, IndexEmbeddings, RagIndex } from "./rag-index.js";

export const INDEX_FORMAT = "edgellm-rag-index";
export const INDEX_VERSION = 1;

/** Write the index as JSON (to a temporary file first, then renamed: a crash never leaves half an index). */
export function saveIndex(index: RagIndex, path: string): void {
  const fileIds = new Map(index.files.map((f, i) => [f.path, i]));
  const e = index.embeddings;
  const json = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    created: index.created,
    chunking: { max: index.maxChars, unit: "characters" },
    files: index.files,
    chunks: index.chunks.map((c) => ({ file: fileIds.get(c.file), lines: c.lines, headings: c.headings, text: c.text })),
    ...(e && { embeddings: { model: e.model, fingerprint: e.fingerprint, pooling: e.pooling, dim: e.dim, vectors: floatsToBase64(e.vectors) } }),
  };
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(json) + "\n");
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw new EdgeError("io_error", `${path}: cannot write the index (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Read and check a saved index. */
export function loadIndex(path: string): RagIndex {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EdgeError("file_not_found", `${path}: no such index file`);
    throw new EdgeError("io_error", `${path}: cannot read (${code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EdgeError("index_invalid", `${path}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  return parseIndex(json, path);
}

class Reader {
  constructor(readonly label: string) {}

  fail(where: string, what: string): never {
    throw new EdgeError("index_invalid", `${this.label}: ${where}: ${what}`);
  }

  object(v: unknown, where: string, keys: { required: string[]; optional?: string[] }): Record<string, unknown> {
    if (v === null || typeof v !== "object" || Array.isArray(v)) this.fail(where, "expected an object");
    const o = v as Record<string, unknown>;
    for (const k of keys.required) if (!(k in o)) this.fail(where, `missing "${k}"`);
    const known = new Set([...keys.required, ...(keys.optional ?? [])]);
    for (const k of Object.keys(o)) if (!known.has(k)) this.fail(where, `unknown field "${k}"`);
    return o;
  }

  string(v: unknown, where: string, max = 1 << 20): string {
    if (typeof v !== "string") this.fail(where, "expected a string");
    if (v.length > max) this.fail(where, `longer than ${max} characters`);
    return v;
  }

  int(v: unknown, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) this.fail(where, `expected an integer from ${min} to ${max}`);
    return v;
  }

  array(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v)) this.fail(where, "expected an array");
    return v;
  }
}

/** A parsed index JSON value, checked; `label` names the file in errors. */
export function parseIndex(json: unknown, label = "index"): RagIndex {
  const r = new Reader(label);
  const top = r.object(json, "the index", { required: ["format", "version", "created", "chunking", "files", "chunks"], optional: ["embeddings"] });
  if (top.format !== INDEX_FORMAT) r.fail("format", `expected "${INDEX_FORMAT}" (not an edgellm rag index)`);
  if (top.version !== INDEX_VERSION) r.fail("version", `${JSON.stringify(top.version)} is not supported (this edgellm reads version ${INDEX_VERSION})`);
  const created = r.string(top.created, "created", 64);
  const chunking = r.object(top.chunking, "chunking", { required: ["max", "unit"] });
  const maxChars = r.int(chunking.max, "chunking.max", MIN_CHUNK_CHARS, MAX_CHUNK_CHARS);
  if (chunking.unit !== "characters") r.fail("chunking.unit", `expected "characters"`);

  const files: IndexedFile[] = r.array(top.files, "files").map((v, i) => {
    const w = `files[${i}]`;
    const f = r.object(v, w, { required: ["path", "type", "bytes", "sha256", "lines"] });
    const type = f.type;
    if (type !== "markdown" && type !== "html" && type !== "text") r.fail(`${w}.type`, `expected "markdown", "html" or "text"`);
    const sha256 = r.string(f.sha256, `${w}.sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) r.fail(`${w}.sha256`, "expected 64 hex digits");
    const path = r.string(f.path, `${w}.path`, 4096);
    if (path === "") r.fail(`${w}.path`, "empty");
    return { path, type: type as DocType, bytes: r.int(f.bytes, `${w}.bytes`, 0), sha256, lines: r.int(f.lines, `${w}.lines`, 0) };
  });
  if (new Set(files.map((f) => f.path)).size !== files.length) r.fail("files", "a path is listed twice");

  const chunks: Chunk[] = r.array(top.chunks, "chunks").map((v, i) => {
    const w = `chunks[${i}]`;
    const c = r.object(v, w, { required: ["file", "lines", "headings", "text"] });
    const file = files[r.int(c.file, `${w}.file`, 0, files.length - 1)];
    const lines = r.array(c.lines, `${w}.lines`);
    if (lines.length !== 2) r.fail(`${w}.lines`, "expected [first, last]");
    const first = r.int(lines[0], `${w}.lines[0]`, 1, file.lines);
    const last = r.int(lines[1], `${w}.lines[1]`, first, file.lines);
    const headings = r.array(c.headings, `${w}.headings`).map((h, j) => r.string(h, `${w}.headings[${j}]`, 4096));
    const text = r.string(c.text, `${w}.text`, 2 * maxChars);
    if (text.trim() === "") r.fail(`${w}.text`, "empty");
    if (codePointLength(text) > maxChars) r.fail(`${w}.text`, `longer than chunking.max (${maxChars} characters)`);
    return { id: i, file: file.path, lines: [first, last] as [number, number], headings, text };
  });

  const index: RagIndex = { version: 1, created, maxChars, files, chunks };
  if (top.embeddings !== undefined) index.embeddings = parseEmbeddings(r, top.embeddings, chunks.length);
  return index;
}

function parseEmbeddings(r: Reader, v: unknown, chunks: number): IndexEmbeddings {
  const e = r.object(v, "embeddings", { required: ["model", "fingerprint", "pooling", "dim", "vectors"] });
  const model = r.string(e.model, "embeddings.model", 4096);
  const fingerprint = r.string(e.fingerprint, "embeddings.fingerprint", 128);
  if (!/^sha256s1:[0-9a-f]{64}$/.test(fingerprint)) r.fail("embeddings.fingerprint", `expected "sha256s1:" and 64 hex digits`);
  if (!POOLINGS.includes(e.pooling as Pooling)) r.fail("embeddings.pooling", `expected one of ${POOLINGS.join(", ")}`);
  const dim = r.int(e.dim, "embeddings.dim", 1, 1 << 16);
  const b64 = r.string(e.vectors, "embeddings.vectors", Number.MAX_SAFE_INTEGER);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) r.fail("embeddings.vectors", "not base64");
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length !== chunks * dim * 4) r.fail("embeddings.vectors", `${bytes.length} bytes, expected ${chunks} chunks × ${dim} values × 4`);
  const vectors = new Float32Array(chunks * dim);
  for (let i = 0; i < vectors.length; i++) {
    const x = bytes.readFloatLE(i * 4);
    if (!Number.isFinite(x)) r.fail("embeddings.vectors", `value ${i % dim} of chunk ${Math.floor(i / dim)} is not a finite number`);
    vectors[i] = x;
  }
  return { model, fingerprint, pooling: e.pooling as Pooling, dim, vectors };
}

function floatsToBase64(v: Float32Array): string {
  const buf = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) buf.writeFloatLE(v[i], i * 4);
  return buf.toString("base64");
}
