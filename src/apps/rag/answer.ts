// Grounded answers: retrieve → (nothing found: "not in the documents", no generation) → the passages that fit the
// context, numbered 1..k in the prompt → generation under a grammar that admits only citations [1]..[k] →
// the answer with its citations resolved to files and line ranges.
//
// Extractive mode (the default) makes the model choose one sentence of the passages; the grammar holds only those
// sentences, each followed by its own passage number, so the answer is quoted text with a correct citation by
// construction, whatever the model — a 5.8M-parameter demo model included. The sentences offered are those that share
// terms with the question (IDF-weighted), at most 12, so even a model that cannot read picks among relevant ones.
// Generation stops as soon as the text written so far fits only one sentence (the rest is fixed by the grammar), so
// a long quote costs a few tokens. Free mode lets the model write its own words, cut into parts that each end with
// citations from [1]..[k]: fluent with a capable model, and still never citing a passage it was not shown.
import { EdgeError } from "../../errors.js";
import type { LoadedModel } from "../../engine.js";
import { Grammar } from "../../runtime/grammar/grammar.js";
import { cachedGrammar } from "../../runtime/grammar/grammar-cache.js";
import type { Session } from "../../runtime/session.js";
import { ChatTemplate } from "../../tokenizer/chat-template.js";
import { citationGbnf, citedNumbers, extractiveAlternative, extractiveGbnf, freeGbnf } from "./answer-grammar.js";
import { modelEmbedder } from "./embedder.js";
import { promptIds, type AnswerMode, type PromptModel } from "./prompt.js";
import { documentFrequency, type RagIndex } from "./rag-index.js";
import { retrieve, type Passage, type Retrieval, type RetrieveOptions } from "./retrieve.js";
import { passageSentences } from "./sentences.js";
import { termsOf } from "./terms.js";

export const NOT_FOUND_ANSWER = "not in the documents";
export const MAX_CANDIDATES = 12;
export const DEFAULT_FREE_TOKENS = 128;

export interface AnswerOptions extends RetrieveOptions {
  mode?: AnswerMode;
  /** Free mode: most tokens generated (default 128). */
  maxTokens?: number;
  /** Default 0 (greedy). */
  temperature?: number;
  seed?: number;
}

export interface Citation {
  n: number;
  file: string;
  lines: [number, number];
  headings: string[];
  text: string;
}

export interface AnswerResult {
  answer: string;
  mode: AnswerMode;
  notFound: boolean;
  citations: Citation[];
  /** The passages in the prompt, 1..k (empty when nothing was found). */
  retrieval: Passage[];
  promptTokens: number;
  generatedTokens: number;
}

/** Everything needed to generate one answer and read the output. */
export interface AnswerPlan {
  mode: AnswerMode;
  passages: Passage[];
  promptIds: number[];
  grammar: Grammar;
  /** Token budget for generation. */
  maxTokens: number;
  temperature: number;
  seed: number;
  /** Extractive: the answers the grammar allows, most relevant first. */
  alternatives: string[];
  /** Free: the grammar of a citation alone, for an answer whose budget ran out before its first one. */
  citationGrammar?: Grammar;
}

/** Tokens kept back in free mode for a citation the budget would otherwise have no room for. */
export const CITATION_TOKENS = 8;

/** An answer that needs no generation. */
export function notFoundAnswer(mode: AnswerMode = "extractive"): AnswerResult {
  return { answer: NOT_FOUND_ANSWER, mode, notFound: true, citations: [], retrieval: [], promptTokens: 0, generatedTokens: 0 };
}

/**
 * The prompt and grammar for a retrieval that found passages: as many of them (best first) as fit in `ctx` with the
 * answer's token budget. Throws context_exceeded when not even the first one fits.
 */
export function planAnswer(pm: PromptModel, ctx: number, index: RagIndex, retrieval: Retrieval, options: AnswerOptions = {}): AnswerPlan {
  const mode = options.mode ?? "extractive";
  if (mode !== "extractive" && mode !== "free") throw new EdgeError("bad_argument", `the answer mode must be "extractive" or "free", got "${String(mode)}"`);
  const freeTokens = options.maxTokens ?? DEFAULT_FREE_TOKENS;
  if (!Number.isInteger(freeTokens) || freeTokens < 8) throw new EdgeError("bad_argument", `the token budget must be an integer of at least 8, got ${freeTokens}`);
  const temperature = options.temperature ?? 0;
  if (!(temperature >= 0)) throw new EdgeError("bad_argument", `the temperature must be 0 or more, got ${temperature}`);
  const seed = options.seed ?? 0;
  let need = 0;
  for (let m = retrieval.passages.length; m >= 1; m--) {
    const passages = retrieval.passages.slice(0, m);
    const ids = promptIds(pm, retrieval.question, passages, mode);
    const alternatives = mode === "extractive" ? extractiveAlternatives(index, retrieval.terms, passages) : [];
    const reserve = mode === "extractive" ? settleBudget(alternatives) : freeTokens + CITATION_TOKENS;
    need = ids.length + reserve;
    if (need > ctx) continue;
    if (mode === "extractive") {
      const grammar = Grammar.fromGbnf(extractiveGbnf(alternatives));
      return { mode, passages, promptIds: ids, grammar, maxTokens: ctx - ids.length, temperature, seed, alternatives };
    }
    const grammar = cachedGrammar(freeGbnf(m));
    return { mode, passages, promptIds: ids, grammar, maxTokens: freeTokens, temperature, seed, alternatives, citationGrammar: cachedGrammar(citationGbnf(m)) };
  }
  throw new EdgeError("context_exceeded", `the best passage and the answer need ${need} tokens, more than the context of ${ctx} (index with a smaller --chunk, or a larger context)`);
}

/**
 * The extractive answers for these passages: their sentences that share terms with the question, weighted by
 * inverse document frequency, best first (at most MAX_CANDIDATES; a sentence in two passages is offered once, with
 * the better one); when no sentence shares a term (a passage found by its headings or its embedding), the sentences
 * of the first passage.
 */
export function extractiveAlternatives(index: RagIndex, questionTerms: readonly string[], passages: readonly Passage[]): string[] {
  const N = index.chunks.length;
  const idf = new Map(questionTerms.map((t) => {
    const df = documentFrequency(index, t);
    return [t, Math.log(1 + (N - df + 0.5) / (df + 0.5))];
  }));
  const scored: { text: string; n: number; score: number; order: number }[] = [];
  const seen = new Set<string>();
  for (const p of passages) {
    for (const s of passageSentences(p.chunk.text)) {
      if (seen.has(s)) continue;
      seen.add(s);
      const score = termsOf(s).reduce((a, t) => a + (idf.get(t) ?? 0), 0);
      scored.push({ text: s, n: p.n, score, order: scored.length });
    }
  }
  let pool = scored.filter((s) => s.score > 0).sort((a, b) => b.score - a.score || a.order - b.order);
  if (pool.length === 0) pool = scored.filter((s) => s.n === passages[0].n);
  if (pool.length === 0) pool = scored; // the first passage has no sentence with a letter or digit
  return pool.slice(0, MAX_CANDIDATES).map((s) => extractiveAlternative(s.text, s.n));
}

/**
 * Tokens that always suffice to tell the alternatives apart: every token holds at least one byte, so once the
 * longest prefix two alternatives share (plus one character) is written, only one is left.
 */
function settleBudget(alternatives: readonly string[]): number {
  const enc = new TextEncoder();
  const bytes = alternatives.map((a) => enc.encode(a));
  let longest = 0;
  for (let i = 0; i < bytes.length; i++) {
    for (let j = i + 1; j < bytes.length; j++) {
      let k = 0;
      while (k < bytes[i].length && k < bytes[j].length && bytes[i][k] === bytes[j][k]) k++;
      longest = Math.max(longest, k);
    }
  }
  return longest + 8;
}

/** Extractive: the one alternative the text so far can still become, if only one is left. */
export function settledAlternative(plan: AnswerPlan, text: string): string | undefined {
  if (plan.mode !== "extractive") return undefined;
  let found: string | undefined;
  for (const a of plan.alternatives) {
    if (!a.startsWith(text)) continue;
    if (found !== undefined) return undefined;
    found = a;
  }
  return found;
}

/** The answer from the generated text: the whole quote (extractive), or the text up to its last citation (free). */
export function finishAnswer(plan: AnswerPlan, text: string, generatedTokens: number): AnswerResult {
  let answer: string;
  if (plan.mode === "extractive") {
    // the grammar allows nothing else; should the budget have run out first, the best alternative it still fits
    answer = settledAlternative(plan, text) ?? plan.alternatives.find((a) => a.startsWith(text)) ?? plan.alternatives[0];
  } else {
    // the text up to its last complete citation (the budget may have ended a later part half-way)
    const cut = /^[\s\S]*\](?:[.!?])?/.exec(text);
    if (!cut) throw new Error(`free answer without a citation: ${JSON.stringify(text)}`);
    answer = cut[0];
  }
  const byN = new Map(plan.passages.map((p) => [p.n, p]));
  // a quote may hold bracketed numbers of its own ("as shown in [3]."): its citation is the one it ends with
  const cited = plan.mode === "extractive" ? [Number(/\[(\d+)\]$/.exec(answer)![1])] : citedNumbers(answer);
  const citations = cited.map((n) => {
    const p = byN.get(n);
    // the grammar makes this impossible; a failure here is a bug, not a bad answer to pass on
    if (!p) throw new Error(`answer cites [${n}], which is not one of the ${plan.passages.length} passages`);
    return { n, file: p.chunk.file, lines: p.chunk.lines, headings: p.chunk.headings, text: p.chunk.text };
  });
  return { answer, mode: plan.mode, notFound: false, citations, retrieval: plan.passages, promptTokens: plan.promptIds.length, generatedTokens };
}

// ---- with a LoadedModel ----

export interface LocalAnswerOptions extends AnswerOptions {
  /** The session to generate in (default: one per model, made on first use with a context of at most 4096). */
  session?: Session;
  /** The model that embedded the index, when it has embeddings (retrieval is BM25 only without it). */
  embedModel?: LoadedModel;
}

const sessions = new WeakMap<LoadedModel, Session>();
const templates = new WeakMap<LoadedModel, ChatTemplate | null>();

/**
 * One generation under a grammar: the text and token ids generated. `stop` ends it early (the text is then final);
 * `continues` says the prompt is the previous call's prompt and output, so a session may keep its cache.
 */
export type GenerateFn = (
  promptIds: number[],
  grammar: Grammar,
  maxTokens: number,
  options: { stop?: (text: string) => boolean; continues?: boolean },
) => Promise<{ text: string; tokens: number[] }>;

/** Generate a plan's answer (extractive: until the quote is settled; free: plus a citation if it wrote none). */
export async function generateAnswer(plan: AnswerPlan, generate: GenerateFn): Promise<AnswerResult> {
  const stop = plan.mode === "extractive" ? (t: string) => settledAlternative(plan, t) !== undefined : undefined;
  if (stop?.("")) return finishAnswer(plan, "", 0); // one sentence to offer: nothing for the model to choose
  const first = await generate(plan.promptIds, plan.grammar, plan.maxTokens, { stop });
  let text = first.text;
  let tokens = first.tokens.length;
  if (plan.citationGrammar && !text.includes("]")) {
    const cite = await generate([...plan.promptIds, ...first.tokens], plan.citationGrammar, CITATION_TOKENS, { continues: true });
    text = text.replace(/\s*\[\d*$/, "").trimEnd() + cite.text; // a citation cut half-way ("… [1") gives way to the whole one
    tokens += cite.tokens.length;
  }
  return finishAnswer(plan, text, tokens);
}

/** Retrieve, then answer with `lm` (generation in-process; the server goes through its scheduler instead). */
export async function answer(lm: LoadedModel, index: RagIndex, question: string, options: LocalAnswerOptions = {}): Promise<AnswerResult> {
  const embedder = options.embedder ?? (options.embedModel && index.embeddings ? modelEmbedder(options.embedModel, index.embeddings.pooling) : undefined);
  const retrieval = await retrieve(index, question, { ...options, embedder });
  if (retrieval.notFound) return notFoundAnswer(options.mode);
  let session = options.session ?? sessions.get(lm);
  if (!session) sessions.set(lm, (session = lm.createSession({ ctx: Math.min(lm.config.contextLength, 4096) })));
  let template = templates.get(lm);
  if (template === undefined) templates.set(lm, (template = ChatTemplate.fromGguf(lm.file, lm.tokenizer) ?? null));
  const plan = planAnswer({ tokenizer: lm.tokenizer, template: template ?? undefined }, session.ctx, index, retrieval, options);
  const s = session;
  return generateAnswer(plan, async (ids, grammar, maxTokens, { stop, continues }) => {
    // a continuation feeds only what the session does not hold yet (the previous call's last token at least)
    const resume = continues && s.nPast > 0 && s.nPast < ids.length;
    const feed = resume ? ids.slice(s.nPast) : ids;
    let text = "";
    const tokens: number[] = [];
    for await (const piece of lm.generate(s, feed, { grammar, maxTokens, temperature: plan.temperature, seed: plan.seed, continueSession: resume })) {
      text += piece.text;
      if (piece.token >= 0) tokens.push(piece.token);
      if (stop?.(text)) break;
    }
    return { text, tokens };
  });
}

/** The JSON shape of an answer (CLI --json and POST /v1/rag/ask). */
export function answerJson(r: AnswerResult) {
  return {
    answer: r.answer,
    mode: r.mode,
    citations: r.citations.map((c) => ({ n: c.n, file: c.file, lines: c.lines, headings: c.headings, text: c.text })),
    retrieval: r.retrieval.map((p) => ({
      n: p.n, file: p.chunk.file, lines: p.chunk.lines, headings: p.chunk.headings,
      bm25: round(p.bm25), ...(p.cosine !== undefined && { cosine: round(p.cosine) }), fused: round(p.fused),
    })),
    not_found: r.notFound,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
