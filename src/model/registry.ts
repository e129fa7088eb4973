// Architecture registry: GGUF `general.architecture` → factory. A new architecture is one file plus one line here.
import { EdgeError } from "../errors.js";
import { createBert } from "./bert.js";
import { createBitnet } from "./bitnet.js";
import { createGemma } from "./gemma.js";
import { createGemma2 } from "./gemma2.js";
import { createGemma3 } from "./gemma3.js";
import { createGpt2 } from "./gpt2.js";
import { createLlama } from "./llama.js";
import type { Model, ModelContext, ModelFactory } from "./model.js";
import { createPhi2 } from "./phi2.js";
import { createPhi3 } from "./phi3.js";
import { createQwen2 } from "./qwen2.js";
import { createQwen3 } from "./qwen3.js";
import { createSmolLm3 } from "./smollm3.js";

export const ARCHITECTURES: Record<string, ModelFactory> = {
  llama: createLlama,
  qwen2: createQwen2,
  qwen3: createQwen3,
  gpt2: createGpt2,
  gemma: createGemma,
  gemma2: createGemma2,
  gemma3: createGemma3,
  phi2: createPhi2,
  phi3: createPhi3,
  smollm3: createSmolLm3,
  bitnet: createBitnet,
  bert: createBert,
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
