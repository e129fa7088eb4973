// The bundled demo model: used when no -m is given, so a fresh install works offline.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EdgeError } from "../errors.js";

/** Package root, from dist/src/cli/ (compiled) or src/cli/ (tsx). */
const root = resolve(dirname(fileURLToPath(import.meta.url)), import.meta.url.includes("/dist/") ? "../../.." : "../..");

export const DEFAULT_MODEL_FILE = "edgellm-assistant-q8_0.gguf";
export const DEFAULT_MODEL_PATH = resolve(root, "models", DEFAULT_MODEL_FILE);

/** The model path to use: the one given, or the bundled demo model (announced on stderr). */
export function modelPathOrDefault(given: string | undefined, quiet = false): string {
  if (given) return given;
  if (!existsSync(DEFAULT_MODEL_PATH)) {
    throw new EdgeError("file_not_found", `no -m given and the bundled demo model is missing (${DEFAULT_MODEL_PATH})`);
  }
  if (!quiet) {
    process.stderr.write(
      `[edgellm] no -m given: using the bundled demo model models/${DEFAULT_MODEL_FILE} — a small English/Bangla ` +
        `edge-assistant demo model, not a general-purpose LLM. Pass -m FILE.gguf to use your own model.\n`,
    );
  }
  return DEFAULT_MODEL_PATH;
}
