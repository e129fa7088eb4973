// `edgellm rag index` and `edgellm rag ask`: answers grounded in local documents, with citations (src/apps/rag/).
import { EdgeError } from "../../errors.js";
import { loadModel, type LoadedModel } from "../../engine.js";
import { answer, answerJson, type AnswerResult } from "../../apps/rag/answer.js";
import { modelEmbedder, modelFingerprint } from "../../apps/rag/embedder.js";
import { loadIndex, saveIndex } from "../../apps/rag/index-file.js";
import { buildIndex, DEFAULT_CHUNK_CHARS, type RagIndex } from "../../apps/rag/rag-index.js";
import { DEFAULT_K } from "../../apps/rag/retrieve.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec } from "../args.js";
import { MODEL_OPTIONS, openModel, positiveInt } from "../common.js";

const INDEX_SPEC: Record<string, OptionSpec> = {
  output: { type: "string", alias: "o", help: "index file to write (JSON)" },
  chunk: { type: "number", help: "most characters (Unicode code points) per chunk", default: DEFAULT_CHUNK_CHARS },
  ...MODEL_OPTIONS,
  model: { type: "string", alias: "m", help: "embedding model (GGUF): store each chunk's embedding for hybrid retrieval" },
};
const INDEX_USAGE = "edgellm rag index DOCS... -o INDEX.json [--chunk 512] [-m EMBED_MODEL.gguf]";

const ASK_SPEC: Record<string, OptionSpec> = {
  index: { type: "string", help: "index file (from edgellm rag index)" },
  question: { type: "string", alias: "q", help: "the question" },
  ...MODEL_OPTIONS,
  model: { type: "string", alias: "m", help: "model that answers (default: the bundled demo model)" },
  k: { type: "number", help: "passages retrieved and shown to the model", default: DEFAULT_K },
  "embed-model": { type: "string", help: "the embedding model the index was built with (checked by fingerprint)" },
  "min-score": { type: "number", help: "least BM25 score of a passage (0: any word of the question in it)", default: 0 },
  "min-cosine": { type: "number", help: "with embeddings: a passage this similar counts even without a shared word" },
  mode: { type: "string", help: "extractive (quote a sentence of a passage) | free (the model's words)", default: "extractive" },
  "n-predict": { type: "number", alias: "n", help: "free mode: most tokens generated", default: 128 },
  temp: { type: "number", help: "temperature (0 = greedy)", default: 0 },
  seed: { type: "number", help: "random seed for --temp > 0", default: 0 },
  json: { type: "boolean", help: "print {answer, citations, retrieval, not_found} as JSON" },
};
const ASK_USAGE = "edgellm rag ask --index INDEX.json [-m MODEL.gguf] -q QUESTION [--k 4] [--embed-model E.gguf] [--min-score S] [--mode extractive|free] [--json]";

export const command = {
  summary: "answers from your documents, with citations: rag index DOCS… -o INDEX | rag ask --index INDEX -q QUESTION",
  async run(argv: string[]): Promise<void> {
    const [sub, ...rest] = argv;
    if (sub === "index") return indexCommand(rest);
    if (sub === "ask") return askCommand(rest);
    if (sub === undefined || sub === "--help" || sub === "-h") {
      return void process.stdout.write(`${helpText(INDEX_USAGE, INDEX_SPEC)}\n\n${helpText(ASK_USAGE, ASK_SPEC)}\n`);
    }
    throw new EdgeError("bad_argument", `unknown rag command "${sub}" (index or ask)`);
  },
};

async function indexCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, INDEX_SPEC);
  if (p.help) return void process.stdout.write(helpText(INDEX_USAGE, INDEX_SPEC) + "\n");
  const out = requireString(p, "output", "index file");
  if (p._.length === 0) throw new EdgeError("bad_argument", "no documents given (files or directories to index)");
  const maxChars = positiveInt(p, "chunk")!;
  const t0 = performance.now();
  const lm = typeof p.model === "string" && p.model !== "" ? openModel(p) : undefined;
  try {
    const embedder = lm ? modelEmbedder(lm) : undefined;
    const index = await buildIndex(p._, {
      maxChars,
      embedder,
      onProgress: (done, total) => {
        if (done % 100 === 0 || done === total) process.stderr.write(`[edgellm] rag index: embedded ${done}/${total} chunks\r${done === total ? "\n" : ""}`);
      },
    });
    saveIndex(index, out);
    const ms = performance.now() - t0;
    const e = index.embeddings;
    process.stderr.write(
      `[edgellm] rag index: ${index.files.length} file${index.files.length === 1 ? "" : "s"}, ${index.chunks.length} chunks of at most ${maxChars} characters` +
        `${e ? `, embeddings from ${e.model} (${e.dim} dimensions, ${e.pooling} pooling)` : ""} → ${out} in ${ms.toFixed(0)} ms\n`,
    );
  } finally {
    lm?.dispose();
  }
}

async function askCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, ASK_SPEC);
  if (p.help) return void process.stdout.write(helpText(ASK_USAGE, ASK_SPEC) + "\n");
  if (p._.length) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}" (the question goes after -q)`);
  const index = loadIndex(requireString(p, "index", "index file"));
  const question = requireString(p, "question", "question");
  const mode = String(p.mode);
  if (mode !== "extractive" && mode !== "free") throw new EdgeError("bad_argument", `--mode must be extractive or free, got "${mode}"`);
  const embedPath = typeof p["embed-model"] === "string" ? p["embed-model"] : undefined;
  // refuse a wrong embedding model before loading anything
  if (embedPath !== undefined) {
    if (!index.embeddings) throw new EdgeError("bad_argument", `--embed-model: the index has no embeddings (build it with rag index -m ${embedPath})`);
    if (modelFingerprint(embedPath) !== index.embeddings.fingerprint) {
      throw new EdgeError("bad_argument", `--embed-model ${embedPath}: not the model the index was embedded with (${index.embeddings.model})`);
    }
  }
  const t0 = performance.now();
  const lm = openModel(p, true);
  let embedModel: LoadedModel | undefined;
  try {
    embedModel = embedPath !== undefined ? loadModel(embedPath, { threads: positiveInt(p, "threads") }) : sameModel(lm, index);
    if (index.embeddings && !embedModel) {
      process.stderr.write(`[edgellm] rag: the index has embeddings from ${index.embeddings.model}; pass --embed-model to use them (BM25 only now)\n`);
    }
    const r = await answer(lm, index, question, {
      mode, k: positiveInt(p, "k"), embedModel, minScore: optionalNumber(p, "min-score"), minCosine: optionalNumber(p, "min-cosine"),
      maxTokens: positiveInt(p, "n-predict"), temperature: optionalNumber(p, "temp"), seed: optionalNumber(p, "seed"),
    });
    process.stdout.write(p.json ? JSON.stringify(answerJson(r)) + "\n" : textAnswer(r));
    const ms = performance.now() - t0;
    process.stderr.write(
      `[edgellm] rag: ${r.notFound ? "nothing found" : `${r.retrieval.length} passage${r.retrieval.length === 1 ? "" : "s"}`} ` +
        `(BM25${embedModel ? " + embeddings" : ""}), prompt ${r.promptTokens} tokens, generated ${r.generatedTokens}, ${ms.toFixed(0)} ms\n`,
    );
  } finally {
    if (embedModel && embedModel !== lm) embedModel.dispose();
    lm.dispose();
  }
}

/** The answering model, when it is also the model that embedded the index. */
function sameModel(lm: LoadedModel, index: RagIndex): LoadedModel | undefined {
  return index.embeddings && modelFingerprint(lm.path) === index.embeddings.fingerprint ? lm : undefined;
}

/** The answer, then its sources: `[n] file:first-last (heading › path)`. */
export function textAnswer(r: AnswerResult): string {
  if (r.notFound) return r.answer + "\n";
  const lines = [r.answer, "", "Sources:"];
  for (const c of r.citations) {
    const span = c.lines[0] === c.lines[1] ? `${c.lines[0]}` : `${c.lines[0]}-${c.lines[1]}`;
    lines.push(`[${c.n}] ${c.file}:${span}${c.headings.length ? ` (${c.headings.join(" › ")})` : ""}`);
  }
  return lines.join("\n") + "\n";
}
