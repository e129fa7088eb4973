// Typed errors with stable codes: one line for people, `code` for programs (and later the OpenAI error envelope).

export type ErrorCode =
  // format/
  | "gguf_bad_magic"
  | "gguf_bad_version"
  | "gguf_truncated"
  | "gguf_bad_key"
  | "gguf_bad_value_type"
  | "gguf_limit_exceeded"
  | "gguf_bad_alignment"
  | "gguf_duplicate_key"
  | "gguf_duplicate_tensor"
  | "gguf_bad_tensor"
  | "gguf_bad_tensor_layout"
  | "gguf_tensor_out_of_bounds"
  | "gguf_bad_utf8"
  | "llama2c_bad_file"
  // tensor/
  | "unsupported_tensor_type"
  // kernels/
  | "kernel_failed"
  | "unsupported_platform"
  // model/
  | "unsupported_architecture"
  | "missing_metadata"
  | "bad_metadata"
  | "missing_tensor"
  | "bad_tensor_shape"
  | "out_of_memory"
  // tokenizer/
  | "unsupported_tokenizer"
  | "bad_tokenizer"
  // runtime/
  | "context_exceeded"
  | "bad_argument"
  // runtime/grammar/: grammar text, JSON Schema, and constrained generation
  | "grammar_syntax"
  | "grammar_undefined_rule"
  | "grammar_left_recursion"
  | "grammar_empty"
  | "grammar_limit_exceeded"
  | "grammar_too_complex"
  | "grammar_rejected_token"
  | "grammar_dead_end"
  | "schema_invalid"
  // runtime/scheduler.ts and server/: serving
  | "queue_full"
  | "server_shutting_down"
  | "timeout"
  | "cancelled"
  | "schema_unsupported"
  // chat/: tool calls (definitions, the template's call format, the model's reply)
  | "tools_invalid"
  | "tool_format_unsupported"
  | "tool_call_invalid"
  // apps/alerts/: the alert policy file and sensor events
  | "policy_invalid"
  | "event_invalid"
  // apps/intent, apps/rag, eval/tasks, apps/plan: datasets, saved heads and indexes, the memory plan
  | "dataset_invalid"
  | "head_invalid"
  | "index_invalid"
  | "does_not_fit"
  // io / cli / tools
  | "file_not_found"
  | "io_error"
  | "bench_failed"
  | "quantize_failed"
  // tools/convert-hf: Hugging Face checkpoints
  | "safetensors_invalid"
  | "hf_invalid"
  | "hf_unsupported";

export class EdgeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "EdgeError";
    this.code = code;
  }
}

export function fail(code: ErrorCode, message: string): never {
  throw new EdgeError(code, message);
}
