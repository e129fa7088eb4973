// Hybrid retrieval: BM25 over the chunks (MiniSearch) and, when the index holds embeddings and the same embedding
// model is given, cosine similarity to the question; the two rankings fused by reciprocal rank fusion,
// fused(d) = Σ 1 / (60 + rank(d)) over the rankings d is in (Cormack et al., 2009), which needs no calibration
// between BM25 scores and cosines. A chunk is evidence only if it shares a term with the question and reaches
// --min-score, or (when asked for with minCosine) its cosine reaches minCosine; with no evidence the answer is
// "not in the documents". Embeddings alone never admit a chunk by default: cosines of unrelated texts differ too much
// between models for one default threshold.
import { EdgeError } from "../../errors.js";
import type { TextEmbedder } from "./embedder.js";
import { searchBm25, type Chunk, type RagIndex } from "./rag-index.js";
import { termsOf } from "./terms.js";

export const RRF_K = 60;
export const DEFAULT_K = 4;
export const MAX_K = 16;
/** Ranks taken from each ranking into the fusion. */
export const FUSION_DEPTH = 50;

export interface RetrieveOptions {
  /** Passages returned (default 4, at most 16). */
  k?: number;
  /** The model that embedded the index (checked by fingerprint); without it retrieval is BM25 only. */
  embedder?: TextEmbedder;
  /** Least BM25 score of a passage (default 0: any term of the question in it). */
  minScore?: number;
  /** A chunk whose cosine reaches this is evidence even without a shared term (default: none is). */
  minCosine?: number;
}

export interface Passage {
  /** The number the passage has in the prompt and in citations, 1..k. */
  n: number;
  chunk: Chunk;
  /** 0 when it shares no term with the question. */
  bm25: number;
  /** With embeddings. */
  cosine?: number;
  fused: number;
  /** The question's terms that occur in the chunk. */
  terms: string[];
}

export interface Retrieval {
  question: string;
  /** The question's search terms (terms.ts). */
  terms: string[];
  passages: Passage[];
  notFound: boolean;
  embeddings: boolean;
}

export async function retrieve(index: RagIndex, question: string, options: RetrieveOptions = {}): Promise<Retrieval> {
  const k = options.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new EdgeError("bad_argument", `k must be an integer from 1 to ${MAX_K}, got ${k}`);
  const minScore = options.minScore ?? 0;
  if (!(minScore >= 0)) throw new EdgeError("bad_argument", `the minimum score must be 0 or more, got ${minScore}`);
  const minCosine = options.minCosine;
  if (minCosine !== undefined && !(minCosine >= -1 && minCosine <= 1)) throw new EdgeError("bad_argument", `the minimum cosine must be from -1 to 1, got ${minCosine}`);
  if (question.trim() === "") throw new EdgeError("bad_argument", "the question is empty");

  const hits = searchBm25(index, question);
  const bm25 = new Map(hits.map((h) => [h.id, h]));
  const cosine = options.embedder ? await cosines(index, question, options.embedder) : undefined;

  const fused = new Map<number, number>();
  const addRanking = (ids: number[]) => ids.slice(0, FUSION_DEPTH).forEach((id, r) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + r + 1)));
  addRanking(hits.map((h) => h.id));
  if (cosine) addRanking(topByValue(cosine, FUSION_DEPTH));

  const evidence = (id: number) => {
    const h = bm25.get(id);
    if (h && h.score > 0 && h.score >= minScore) return true;
    return cosine !== undefined && minCosine !== undefined && cosine[id] >= minCosine;
  };
  const ranked = [...fused.keys()]
    .filter(evidence)
    .sort((a, b) => fused.get(b)! - fused.get(a)! || (bm25.get(b)?.score ?? 0) - (bm25.get(a)?.score ?? 0) || a - b)
    .slice(0, k);
  const passages = ranked.map((id, i) => ({
    n: i + 1,
    chunk: index.chunks[id],
    bm25: bm25.get(id)?.score ?? 0,
    ...(cosine && { cosine: cosine[id] }),
    fused: fused.get(id)!,
    terms: bm25.get(id)?.terms ?? [],
  }));
  return { question, terms: termsOf(question), passages, notFound: passages.length === 0, embeddings: cosine !== undefined };
}

/** Whether the embedder is the one that embedded the index; throws bad_argument naming both when not. */
export function checkEmbedder(index: RagIndex, e: TextEmbedder): void {
  const ie = index.embeddings;
  if (!ie) throw new EdgeError("bad_argument", `the index has no embeddings (build it with -m EMBED_MODEL to use ${e.name})`);
  if (ie.fingerprint !== e.fingerprint) {
    throw new EdgeError("bad_argument", `the index was embedded with ${ie.model} (${ie.fingerprint.slice(0, 21)}…), not ${e.name} (${e.fingerprint.slice(0, 21)}…): use the same embedding model`);
  }
  if (ie.pooling !== e.pooling) throw new EdgeError("bad_argument", `the index was embedded with ${ie.pooling} pooling, not ${e.pooling}`);
  if (ie.dim !== e.dim) throw new EdgeError("bad_argument", `the index holds ${ie.dim}-dimensional embeddings, ${e.name} gives ${e.dim}`);
}

/** Cosine of the question with every chunk (vectors are normalized: a dot product). */
async function cosines(index: RagIndex, question: string, e: TextEmbedder): Promise<Float32Array> {
  checkEmbedder(index, e);
  const { vectors, dim } = index.embeddings!;
  const q = await e.embed(question);
  const out = new Float32Array(index.chunks.length);
  for (let c = 0; c < out.length; c++) {
    let s = 0;
    const base = c * dim;
    for (let i = 0; i < dim; i++) s += q[i] * vectors[base + i];
    out[c] = s;
  }
  return out;
}

/** Indexes of the `n` largest values, largest first (ties: lower index first). */
function topByValue(v: Float32Array, n: number): number[] {
  return [...v.keys()].sort((a, b) => v[b] - v[a] || a - b).slice(0, n);
}
