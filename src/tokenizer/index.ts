// Public surface of the tokenizer layer.
export { Tokenizer, StreamDecoder } from "./tokenizer.js";
export type { EncodeOptions, DecodeOptions, StreamDecoderOptions } from "./tokenizer.js";
export { TokenType } from "./vocab-data.js";
export type { VocabData } from "./vocab-data.js";
export { vocabFromGguf } from "./from-gguf.js";
export { vocabFromHfTokenizer } from "./from-hf.js";
export type { HfImportOptions, HfTokenizerConfig } from "./from-hf.js";
export { supportedPreTokenizers } from "./pre-tokenizer.js";
