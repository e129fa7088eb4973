// edgellm's library surface: load a GGUF model, tokenize, get next-token logits, generate as an async iterator.
export { loadModel, loadTokenizer, readGgufHeader, LoadedModel } from "./engine.js";
export type { LoadOptions, ModelGenerateOptions } from "./engine.js";
export { EdgeError } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { Session } from "./runtime/session.js";
export type { SessionOptions } from "./runtime/session.js";
export { Sampler, argmax } from "./runtime/sampler.js";
export type { SamplerOptions } from "./runtime/sampler.js";
export type { GenerateOptions, GeneratedToken } from "./runtime/generate.js";
export { POOLINGS, type EmbedOptions, type Pooling } from "./runtime/embed.js";
export * from "./tokenizer/index.js";
export { ChatTemplate } from "./tokenizer/chat-template.js";
export type { ChatMessage, ChatMessageToolCall, ChatTemplateVariables } from "./tokenizer/chat-template.js";
// structured output: GBNF grammars, JSON Schema, constrained sampling; tool calls
export * from "./runtime/grammar/index.js";
export * from "./chat/index.js";
// guarded alerts (edgellm alert)
export { AlertWriter, loadPolicy, type Alert, type WriterOptions } from "./apps/alerts/alerts.js";
export { parseEvent, type SensorEvent } from "./apps/alerts/event.js";
export type { Policy } from "./apps/alerts/policy.js";
export { parseGguf } from "./format/gguf-reader.js";
export { GgufWriter } from "./format/gguf-writer.js";
export type { GgufFile, GgufKv, GgufTensorInfo } from "./format/gguf-types.js";
export { GgmlType } from "./tensor/ggml-type.js";
export { quantize, dequantize } from "./tensor/types.js";
export { perplexity } from "./eval/perplexity.js";
export { ARCHITECTURES } from "./model/registry.js";
export type { ModelConfig } from "./model/config.js";
// edge applications: retrieval-grounded answers (edgellm rag), the memory plan (edgellm plan)
export { buildIndex, saveIndex, loadIndex, retrieve, answer, answerJson, modelEmbedder, NOT_FOUND_ANSWER } from "./apps/rag/index.js";
export type { RagIndex, Chunk, BuildOptions, RetrieveOptions, Retrieval, Passage, AnswerOptions, AnswerResult, Citation, AnswerMode } from "./apps/rag/index.js";
export { planMemory, readDevice, type MemoryPlan, type MemoryBreakdown, type PlanOptions, type Device } from "./apps/plan/index.js";
