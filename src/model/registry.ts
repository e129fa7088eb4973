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

/** The factory for `architecture`, or a one-line unsupported_architecture error naming it. */
export function architectureFactory(architecture: string, source = "model"): ModelFactory {
  const factory = Object.hasOwn(ARCHITECTURES, architecture) ? ARCHITECTURES[architecture] : undefined;
  if (!factory) {
    throw new EdgeError(
      "unsupported_architecture",
      `${source}: architecture "${architecture}" is not supported (supported: ${Object.keys(ARCHITECTURES).join(", ")})`,
    );
  }
  return factory;
}

export function createModel(architecture: string, ctx: ModelContext, source = "model"): Model {
  return architectureFactory(architecture, source)(ctx);
}
