// Retrieval-grounded answers over local documents: chunking, a saved index, hybrid retrieval, cited answers.
export { buildIndex, embeddingText, searchBm25, DEFAULT_CHUNK_CHARS, type RagIndex, type Chunk, type IndexedFile, type IndexEmbeddings, type BuildOptions, type SearchHit } from "./rag-index.js";
export { saveIndex, loadIndex, parseIndex, INDEX_FORMAT, INDEX_VERSION } from "./index-file.js";
export { readSources, documentText, type SourceFile, type DocType } from "./documents.js";
export type { DocText, Block } from "./doc-text.js";
export { chunkDocument, type TextChunk } from "./chunker.js";
export { modelEmbedder, modelFingerprint, embeddingIds, embeddingTokenLimit, type TextEmbedder } from "./embedder.js";
export { retrieve, checkEmbedder, RRF_K, DEFAULT_K, MAX_K, type RetrieveOptions, type Retrieval, type Passage } from "./retrieve.js";
export {
  answer, planAnswer, generateAnswer, finishAnswer, notFoundAnswer, settledAlternative, extractiveAlternatives, answerJson, NOT_FOUND_ANSWER,
  type AnswerOptions, type LocalAnswerOptions, type AnswerResult, type AnswerPlan, type Citation, type GenerateFn,
} from "./answer.js";
export { type AnswerMode, type PromptModel } from "./prompt.js";
export { decodeEntities } from "./entities.js";
