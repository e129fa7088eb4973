// The saved intent head: one JSON file with a format name and version, the feature config, the labels, the fallback
// threshold with its calibration target and the validation figures it was measured at, and the weights as base64
// little-endian arrays (int8 weights with a float32 scale per row). Reading checks everything: any problem is one
// head_invalid line naming the file and the field.
import { readFileSync, writeFileSync } from "node:fs";
import { EdgeError } from "../../errors.js";
import { intentNameProblem, OOS_LABEL } from "./dataset.js";
import { FeatureSpace } from "./feature-space.js";
import { QuantizedSoftmaxHead } from "./softmax-head.js";
import { lexicalConfigProblem, type LexicalConfig } from "./text-features.js";

export const HEAD_FORMAT = "edgellm-intent-head";
export const HEAD_VERSION = 1;
/** How n-grams are hashed (text-features.ts); a head hashed otherwise cannot be read. */
export const HASH_NAME = "fnv1a-utf16-fmix32";
export const WEIGHT_ENCODING = "int8-row-scaled";

/** The model whose sentence embedding a head was trained on (a different model's vectors mean nothing to it). */
export interface EmbeddingModelId {
  file: string;
  architecture: string;
  embeddingLength: number;
  vocabSize: number;
}

export interface EmbeddingSpec {
  dim: number;
  /** Length of the embedding part of a feature vector (the lexical part has length 1). */
  weight: number;
  model: EmbeddingModelId;
}

/** in-scope accuracy, oos recall / precision (null when undefined), macro F1: on the calibration split. */
export interface HeadFigures {
  in_scope_accuracy: number | null;
  oos_recall: number | null;
  oos_precision: number | null;
  macro_f1: number;
}

export interface HeadRecord {
  calibration: {
    /** "oos_recall": threshold chosen for that recall; "fixed": given by the user; "none": no oos examples to calibrate on. */
    target: "oos_recall" | "fixed" | "none";
    value: number | null;
    /** What the threshold was calibrated on (the val file, or the part of train held out for it). */
    split: string;
    examples: number;
    oos_examples: number;
  };
  /** Figures on the calibration split with the threshold, and with no threshold (what the fallback costs). */
  validation: { with_threshold: HeadFigures; without_threshold: HeadFigures };
  training: { examples: number; epochs: number; learning_rate: number; l2: number; seed: number; balanced: boolean };
}

export interface IntentHead extends HeadRecord {
  labels: string[];
  space: FeatureSpace;
  embedding: EmbeddingSpec | null;
  softmax: QuantizedSoftmaxHead;
  threshold: number;
}

export function headToJson(h: IntentHead): string {
  const lex = h.space.lexical;
  const json = {
    format: HEAD_FORMAT,
    version: HEAD_VERSION,
    labels: h.labels,
    features: {
      lexical: lex && { hash: HASH_NAME, buckets: lex.buckets, word_ngrams: lex.words, char_ngrams: lex.chars, sublinear_tf: lex.sublinearTf, idf: lex.idf, min_df: lex.minDf },
      embedding: h.embedding && {
        dim: h.embedding.dim,
        weight: h.embedding.weight,
        model: { file: h.embedding.model.file, architecture: h.embedding.model.architecture, embedding_length: h.embedding.model.embeddingLength, vocab_size: h.embedding.model.vocabSize },
      },
    },
    threshold: h.threshold,
    calibration: h.calibration,
    validation: h.validation,
    training: h.training,
    weights: {
      encoding: WEIGHT_ENCODING,
      rows: h.softmax.rows,
      classes: h.softmax.classes,
      lexical_columns: h.space.lexicalColumns,
      buckets: b64u32(h.space.buckets),
      idf: b64f32(h.space.idf),
      scales: b64f32(h.softmax.scales),
      bias: b64f32(h.softmax.bias),
      values: Buffer.from(h.softmax.values.buffer, h.softmax.values.byteOffset, h.softmax.values.byteLength).toString("base64"),
    },
  };
  return JSON.stringify(json, null, 1) + "\n";
}

export function saveHead(h: IntentHead, path: string): void {
  try {
    writeFileSync(path, headToJson(h));
  } catch {
    throw new EdgeError("io_error", `${path}: cannot write the head file`);
  }
}

export function loadHead(path: string): IntentHead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new EdgeError("file_not_found", `${path}: cannot read head file`);
  }
  return parseHead(text, path);
}

export function parseHead(text: string, name: string): IntentHead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EdgeError("head_invalid", `${name}: not valid JSON (not an intent head file?)`);
  }
  const r = new Reader(name);
  const o = r.object(json, "");
  r.keys(o, "", ["format", "version", "labels", "features", "threshold", "calibration", "validation", "training", "weights"]);
  if (o.format !== HEAD_FORMAT) r.fail("format", `must be "${HEAD_FORMAT}"`);
  if (o.version !== HEAD_VERSION) r.fail("version", `must be ${HEAD_VERSION} (this edgellm reads version ${HEAD_VERSION})`);
  const labels = r.array(o.labels, "labels").map((l, i) => {
    const problem = intentNameProblem(l);
    if (problem) r.fail(`labels[${i}]`, problem);
    return l as string;
  });
  if (labels.length < 2) r.fail("labels", "needs at least 2 labels");
  if (new Set(labels).size !== labels.length) r.fail("labels", "has duplicates");

  const f = r.object(o.features, "features");
  r.keys(f, "features", ["lexical", "embedding"]);
  let lexical: LexicalConfig | null = null;
  if (f.lexical !== null) {
    const l = r.object(f.lexical, "features.lexical");
    r.keys(l, "features.lexical", ["hash", "buckets", "word_ngrams", "char_ngrams", "sublinear_tf", "idf", "min_df"]);
    if (l.hash !== HASH_NAME) r.fail("features.lexical.hash", `must be "${HASH_NAME}"`);
    lexical = {
      buckets: r.int(l.buckets, "features.lexical.buckets"),
      words: l.word_ngrams === null ? null : (r.array(l.word_ngrams, "features.lexical.word_ngrams") as [number, number]),
      chars: l.char_ngrams === null ? null : (r.array(l.char_ngrams, "features.lexical.char_ngrams") as [number, number]),
      sublinearTf: r.bool(l.sublinear_tf, "features.lexical.sublinear_tf"),
      idf: r.bool(l.idf, "features.lexical.idf"),
      minDf: r.int(l.min_df, "features.lexical.min_df"),
    };
    const problem = lexicalConfigProblem(lexical);
    if (problem) r.fail("features.lexical", problem);
  }
  let embedding: EmbeddingSpec | null = null;
  if (f.embedding !== null) {
    const e = r.object(f.embedding, "features.embedding");
    r.keys(e, "features.embedding", ["dim", "weight", "model"]);
    const m = r.object(e.model, "features.embedding.model");
    r.keys(m, "features.embedding.model", ["file", "architecture", "embedding_length", "vocab_size"]);
    embedding = {
      dim: r.int(e.dim, "features.embedding.dim", 1),
      weight: r.number(e.weight, "features.embedding.weight"),
      model: {
        file: r.string(m.file, "features.embedding.model.file"),
        architecture: r.string(m.architecture, "features.embedding.model.architecture"),
        embeddingLength: r.int(m.embedding_length, "features.embedding.model.embedding_length", 1),
        vocabSize: r.int(m.vocab_size, "features.embedding.model.vocab_size", 1),
      },
    };
    if (!(embedding.weight > 0)) r.fail("features.embedding.weight", "must be positive");
    if (embedding.dim !== embedding.model.embeddingLength) r.fail("features.embedding.dim", "must equal the model's embedding_length");
  }
  if (!lexical && !embedding) r.fail("features", "needs lexical or embedding features");

  const threshold = r.number(o.threshold, "threshold");
  if (threshold < 0 || threshold > 1) r.fail("threshold", "must be from 0 to 1");
  const record = readRecord(r, o);

  const w = r.object(o.weights, "weights");
  r.keys(w, "weights", ["encoding", "rows", "classes", "lexical_columns", "buckets", "idf", "scales", "bias", "values"]);
  if (w.encoding !== WEIGHT_ENCODING) r.fail("weights.encoding", `must be "${WEIGHT_ENCODING}"`);
  const rows = r.int(w.rows, "weights.rows", 1);
  const classes = r.int(w.classes, "weights.classes", 2);
  const lexCols = r.int(w.lexical_columns, "weights.lexical_columns");
  if (classes !== labels.length) r.fail("weights.classes", `is ${classes} but there are ${labels.length} labels`);
  if (rows !== lexCols + (embedding?.dim ?? 0)) r.fail("weights.rows", `must be lexical_columns + embedding dim = ${lexCols + (embedding?.dim ?? 0)}`);
  if (!lexical && lexCols !== 0) r.fail("weights.lexical_columns", "must be 0 without lexical features");
  const bucketBytes = r.base64(w.buckets, "weights.buckets", lexCols * 4);
  const buckets = new Uint32Array(lexCols);
  const dv = new DataView(bucketBytes.buffer, bucketBytes.byteOffset, bucketBytes.byteLength);
  for (let i = 0; i < lexCols; i++) {
    buckets[i] = dv.getUint32(i * 4, true);
    if (i > 0 && buckets[i] <= buckets[i - 1]) r.fail("weights.buckets", "must be strictly ascending");
    if (lexical && buckets[i] >= lexical.buckets) r.fail("weights.buckets", `bucket ${buckets[i]} is outside the hash space of ${lexical.buckets}`);
  }
  const idf = r.f32(w.idf, "weights.idf", lexCols);
  if (idf.some((x) => !(x > 0))) r.fail("weights.idf", "must be positive");
  const scales = r.f32(w.scales, "weights.scales", rows);
  if (scales.some((x) => x < 0)) r.fail("weights.scales", "must not be negative");
  const bias = r.f32(w.bias, "weights.bias", classes);
  const valueBytes = r.base64(w.values, "weights.values", rows * classes);
  const values = new Int8Array(valueBytes.buffer, valueBytes.byteOffset, valueBytes.byteLength).slice();
  if (values.includes(-128)) r.fail("weights.values", "must be from -127 to 127");

  const space = new FeatureSpace(lexical, buckets, idf, embedding?.dim ?? 0, embedding?.weight ?? 1);
  return { labels, space, embedding, softmax: new QuantizedSoftmaxHead(rows, classes, scales, values, bias), threshold, ...record };
}

function readRecord(r: Reader, o: Record<string, unknown>): HeadRecord {
  const c = r.object(o.calibration, "calibration");
  r.keys(c, "calibration", ["target", "value", "split", "examples", "oos_examples"]);
  if (c.target !== "oos_recall" && c.target !== "fixed" && c.target !== "none") r.fail("calibration.target", `must be "oos_recall", "fixed" or "none"`);
  const value = c.value === null ? null : r.number(c.value, "calibration.value");
  const figures = (x: unknown, where: string): HeadFigures => {
    const g = r.object(x, where);
    r.keys(g, where, ["in_scope_accuracy", "oos_recall", "oos_precision", "macro_f1"]);
    const share = (k: string, nullable: boolean) => {
      if (nullable && g[k] === null) return null;
      const v = r.number(g[k], `${where}.${k}`);
      if (v < 0 || v > 1) r.fail(`${where}.${k}`, "must be from 0 to 1");
      return v;
    };
    return { in_scope_accuracy: share("in_scope_accuracy", true), oos_recall: share("oos_recall", true), oos_precision: share("oos_precision", true), macro_f1: share("macro_f1", false)! };
  };
  const v = r.object(o.validation, "validation");
  r.keys(v, "validation", ["with_threshold", "without_threshold"]);
  const t = r.object(o.training, "training");
  r.keys(t, "training", ["examples", "epochs", "learning_rate", "l2", "seed", "balanced"]);
  return {
    calibration: {
      target: c.target,
      value,
      split: r.string(c.split, "calibration.split"),
      examples: r.int(c.examples, "calibration.examples"),
      oos_examples: r.int(c.oos_examples, "calibration.oos_examples"),
    },
    validation: { with_threshold: figures(v.with_threshold, "validation.with_threshold"), without_threshold: figures(v.without_threshold, "validation.without_threshold") },
    training: {
      examples: r.int(t.examples, "training.examples", 1),
      epochs: r.int(t.epochs, "training.epochs", 1),
      learning_rate: r.number(t.learning_rate, "training.learning_rate"),
      l2: r.number(t.l2, "training.l2"),
      seed: r.int(t.seed, "training.seed"),
      balanced: r.bool(t.balanced, "training.balanced"),
    },
  };
}

/** Field checks that fail with `NAME: FIELD: problem`. */
class Reader {
  constructor(private readonly name: string) {}

  fail(field: string, problem: string): never {
    throw new EdgeError("head_invalid", `${this.name}: ${field ? `${field}: ` : ""}${problem}`);
  }
  object(x: unknown, field: string): Record<string, unknown> {
    if (typeof x !== "object" || x === null || Array.isArray(x)) this.fail(field, "must be an object");
    return x as Record<string, unknown>;
  }
  /** Every listed key present, no other key. */
  keys(o: Record<string, unknown>, field: string, keys: string[]): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(field ? `${field}.${k}` : k, "unknown field");
    for (const k of keys) if (!(k in o)) this.fail(field ? `${field}.${k}` : k, "missing");
  }
  array(x: unknown, field: string): unknown[] {
    if (!Array.isArray(x)) this.fail(field, "must be an array");
    return x;
  }
  string(x: unknown, field: string): string {
    if (typeof x !== "string") this.fail(field, "must be a string");
    return x;
  }
  bool(x: unknown, field: string): boolean {
    if (typeof x !== "boolean") this.fail(field, "must be true or false");
    return x;
  }
  number(x: unknown, field: string): number {
    if (typeof x !== "number" || !Number.isFinite(x)) this.fail(field, "must be a finite number");
    return x;
  }
  int(x: unknown, field: string, min = 0): number {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min) this.fail(field, `must be an integer of at least ${min}`);
    return x;
  }
  /** Strict base64 (no white space or stray characters) of exactly `bytes` bytes. */
  base64(x: unknown, field: string, bytes: number): Uint8Array {
    const s = this.string(x, field);
    if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) this.fail(field, "must be base64");
    const buf = Buffer.from(s, "base64");
    if (buf.length !== bytes) this.fail(field, `holds ${buf.length} bytes, expected ${bytes}`);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
  f32(x: unknown, field: string, count: number): Float32Array {
    const bytes = this.base64(x, field, count * 4);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = dv.getFloat32(i * 4, true);
      if (!Number.isFinite(out[i])) this.fail(field, `value ${i} is not finite`);
    }
    return out;
  }
}

function b64f32(a: Float32Array): string {
  const bytes = new Uint8Array(a.length * 4);
  const dv = new DataView(bytes.buffer);
  a.forEach((x, i) => dv.setFloat32(i * 4, x, true));
  return Buffer.from(bytes).toString("base64");
}

function b64u32(a: Uint32Array): string {
  const bytes = new Uint8Array(a.length * 4);
  const dv = new DataView(bytes.buffer);
  a.forEach((x, i) => dv.setUint32(i * 4, x, true));
  return Buffer.from(bytes).toString("base64");
}

/** The oos label's class index, or -1 when the head has no oos class. */
export function oosIndex(h: IntentHead): number {
  return h.labels.indexOf(OOS_LABEL);
}
