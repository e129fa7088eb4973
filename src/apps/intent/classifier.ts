// A loaded head at work: text → features (n-grams, and the model's sentence embedding when the head uses one) →
// class probabilities → {intent, confidence, top, fallback}.
import { EdgeError } from "../../errors.js";
import type { LoadedModel } from "../../engine.js";
import { finalLabel, type Scored } from "./calibrate.js";
import type { SparseVector } from "./feature-space.js";
import type { EmbeddingModelId, IntentHead } from "./head-file.js";

/** What classify prints for one input. */
export interface IntentResult {
  intent: string;
  /** Probability of the head's best label (before any fallback). */
  confidence: number;
  /** The head's three most probable labels with their probabilities. */
  top: [string, number][];
  /** The head's confidence was at or under the threshold: the answer is "oos" or the fallback model's. */
  fallback: boolean;
}

/** A sentence-embedding source (a loaded model, or a stand-in in tests). */
export interface TextEmbedder {
  readonly id: EmbeddingModelId;
  embed(text: string): Float32Array;
}

/** Mean-pooled (or the model's own pooling), L2-normalized sentence embeddings of a loaded GGUF model. */
export function modelEmbedder(lm: LoadedModel, file: string): TextEmbedder {
  const id = { file, architecture: lm.config.architecture, embeddingLength: lm.config.dim, vocabSize: lm.config.vocabSize };
  return {
    id,
    // an empty text has no tokens to pool over (for models without BOS): its embedding part is left out
    embed: (text) => (text.trim() === "" ? new Float32Array(id.embeddingLength) : lm.embed([text.normalize("NFC")])[0]),
  };
}

export class IntentClassifier {
  constructor(readonly head: IntentHead, private readonly embedder?: TextEmbedder) {
    const spec = head.embedding;
    if (spec && !embedder) {
      throw new EdgeError("bad_argument", `the head uses sentence embeddings of ${spec.model.file} (${spec.model.architecture}, dim ${spec.dim}): give that model with -m`);
    }
    if (spec && embedder) {
      const a = spec.model, b = embedder.id;
      if (a.architecture !== b.architecture || a.embeddingLength !== b.embeddingLength || a.vocabSize !== b.vocabSize) {
        throw new EdgeError(
          "bad_argument",
          `the head was trained on embeddings of ${a.file} (${a.architecture}, dim ${a.embeddingLength}, vocab ${a.vocabSize}); ${b.file} is ${b.architecture}, dim ${b.embeddingLength}, vocab ${b.vocabSize}`,
        );
      }
    }
  }

  get labels(): string[] {
    return this.head.labels;
  }

  vectorize(text: string): SparseVector {
    return this.head.space.vectorize(text, this.head.embedding ? this.embedder!.embed(text) : undefined);
  }

  /** The head's probabilities and best class for a text. */
  score(text: string): Scored & { probs: Float64Array } {
    const x = this.vectorize(text);
    const probs = this.head.softmax.probabilities(x);
    let best = 0;
    for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
    return { probs, best, confidence: probs[best], noEvidence: x.idx.length === 0 };
  }

  classify(text: string): IntentResult {
    return this.resultOf(this.score(text));
  }

  resultOf(s: Scored & { probs: Float64Array }): IntentResult {
    const { label, fallback } = finalLabel(s, this.head.labels, this.head.threshold);
    return { intent: label, confidence: round(s.confidence), top: topLabels(s.probs, this.head.labels, 3).map(([l, p]) => [l, round(p)]), fallback };
  }
}

/** The k most probable labels, best first (ties by label order). */
export function topLabels(probs: Float64Array, labels: readonly string[], k: number): [string, number][] {
  const order = Array.from(probs, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  return order.slice(0, k).map((i) => [labels[i], probs[i]]);
}

/** Six decimals are plenty for a probability people read, and keep output lines short. */
function round(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}
