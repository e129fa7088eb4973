// Architecture registry: GGUF `general.architecture` → factory. A new architecture is one file plus one line here.
import { EdgeError } from "../errors.js";
import { createGpt2 } from "./gpt2.js";
import { createLlama } from "./llama.js";
import type { Model, ModelContext, ModelFactory } from "./model.js";
import { createQwen2 } from "./qwen2.js";

export const ARCHITECTURES: Record<string, ModelFactory> = {
  llama: createLlama,
  qwen2: createQwen2,
  gpt2: createGpt2,
};

export function createModel(architecture: string, ctx: ModelContext, source = "model"): Model {
  const factory = Object.hasOwn(ARCHITECTURES, architecture) ? ARCHITECTURES[architecture] : undefined;
  if (!factory) {
    throw new EdgeError(
      "unsupported_architecture",
      `${source}: architecture "${architecture}" is not supported (supported: ${Object.keys(ARCHITECTURES).join(", ")})`,
    );
  }
  return factory(ctx);
}
