// A retrieval index: the chunks of a set of documents (file, line range, heading path, text), optionally each
// chunk's embedding, and the BM25 search over them (MiniSearch, built from the chunks when first searched: the
// saved file holds only data that loadIndex can check, never a serialized search structure).
import MiniSearch from "minisearch";
import { EdgeError } from "../../errors.js";
import type { Pooling } from "../../runtime/embed.js";
import { chunkDocument, MAX_CHUNK_CHARS, MIN_CHUNK_CHARS } from "./chunker.js";
import { documentText, readSources, type DocType, type SourceFile } from "./documents.js";
import type { TextEmbedder } from "./embedder.js";
import { processTerm, tokenize } from "./terms.js";

export interface IndexedFile {
  path: string;
  type: DocType;
  bytes: number;
  sha256: string;
  lines: number;
}

export interface Chunk {
  /** Position in RagIndex.chunks. */
  id: number;
  file: string;
  /** First and last line in the file, 1-based, inclusive. */
  lines: [number, number];
  /** The headings the chunk sits under, outermost first. */
  headings: string[];
  text: string;
}

export interface IndexEmbeddings {
  /** The embedding model's file name, and the fingerprint of its weights (embedder.ts). */
  model: string;
  fingerprint: string;
  pooling: Pooling;
  dim: number;
  /** chunks × dim, each row L2-normalized. */
  vectors: Float32Array;
}

export interface RagIndex {
  version: 1;
  created: string;
  /** Chunks hold at most `maxChars` characters (Unicode code points). */
  maxChars: number;
  files: IndexedFile[];
  chunks: Chunk[];
  embeddings?: IndexEmbeddings;
}

export interface BuildOptions {
  /** Most characters (Unicode code points) per chunk (default 512). */
  maxChars?: number;
  /** Store each chunk's embedding from this model. */
  embedder?: TextEmbedder;
  /** Called after each chunk is embedded. */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_CHUNK_CHARS = 512;

/** Read, chunk and (with an embedder) embed the documents: files and directories, or sources already read. */
export async function buildIndex(documents: readonly string[] | readonly SourceFile[], options: BuildOptions = {}): Promise<RagIndex> {
  const maxChars = options.maxChars ?? DEFAULT_CHUNK_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < MIN_CHUNK_CHARS || maxChars > MAX_CHUNK_CHARS) {
    throw new EdgeError("bad_argument", `chunk size must be an integer from ${MIN_CHUNK_CHARS} to ${MAX_CHUNK_CHARS} characters, got ${maxChars}`);
  }
  const sources = documents.length && typeof documents[0] === "string" ? readSources(documents as string[]) : (documents as SourceFile[]);
  const chunks: Chunk[] = [];
  const files: IndexedFile[] = [];
  for (const s of sources) {
    files.push({ path: s.path, type: s.type, bytes: s.bytes, sha256: s.sha256, lines: s.lines });
    for (const c of chunkDocument(documentText(s.text, s.type), maxChars)) {
      chunks.push({ id: chunks.length, file: s.path, lines: c.lines, headings: c.headings, text: c.text });
    }
  }
  const index: RagIndex = { version: 1, created: new Date().toISOString(), maxChars, files, chunks };
  const e = options.embedder;
  if (e) {
    const vectors = new Float32Array(chunks.length * e.dim);
    for (const c of chunks) {
      const v = await e.embed(embeddingText(c));
      if (v.length !== e.dim) throw new EdgeError("bad_argument", `${e.name}: an embedding of ${v.length} values, expected ${e.dim}`);
      vectors.set(v, c.id * e.dim);
      options.onProgress?.(c.id + 1, chunks.length);
    }
    index.embeddings = { model: e.name, fingerprint: e.fingerprint, pooling: e.pooling, dim: e.dim, vectors };
  }
  return index;
}

/** What a chunk's embedding is computed from: its heading path, then its text. */
export function embeddingText(c: Pick<Chunk, "headings" | "text">): string {
  return c.headings.length ? `${c.headings.join(" › ")}\n${c.text}` : c.text;
}

// ---- BM25 ----

export interface SearchHit {
  id: number;
  /** MiniSearch's BM25+ score (k1 1.2, b 0.7, δ 0.5), summed over text and headings, times the terms matched. */
  score: number;
  /** The question's terms found in the chunk. */
  terms: string[];
}

const engines = new WeakMap<RagIndex, MiniSearch<{ id: number; text: string; headings: string }>>();

/** The BM25 engine over an index's chunks (built on first use, kept for the index's lifetime). */
function engine(index: RagIndex) {
  let ms = engines.get(index);
  if (!ms) {
    ms = new MiniSearch({
      fields: ["text", "headings"],
      tokenize,
      processTerm,
      searchOptions: { combineWith: "OR", prefix: false, fuzzy: false },
    });
    ms.addAll(index.chunks.map((c) => ({ id: c.id, text: c.text, headings: c.headings.join("\n") })));
    engines.set(index, ms);
  }
  return ms;
}

/** BM25 hits for the question, best first (ties: earlier chunk first); only chunks sharing a term with it. */
export function searchBm25(index: RagIndex, question: string): SearchHit[] {
  const hits = engine(index).search(question);
  return hits
    .map((h) => ({ id: h.id as number, score: h.score, terms: h.queryTerms }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

/** In how many chunks each term occurs (for weighting the terms of a sentence). */
export function documentFrequency(index: RagIndex, term: string): number {
  return engine(index).search(term).length;
}
