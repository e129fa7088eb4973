// The models a server serves: each loaded once, with its scheduler (slots, queue) and chat template, found by name.
// Loading refuses, with the numbers, a configuration whose weights, KV caches and scratch do not fit the budget.
import { basename } from "node:path";
import { statSync } from "node:fs";
import { EdgeError } from "../errors.js";
import { loadModelAsync, readGgufHeader, type LoadedModel } from "../engine.js";
import { Scheduler } from "../runtime/scheduler.js";
import { ChatTemplate } from "../tokenizer/chat-template.js";
import { ApiError } from "./api-error.js";

export interface ServedModel {
  /** The name clients use (--alias, or the file name without .gguf). */
  id: string;
  path: string;
  lm: LoadedModel;
  scheduler: Scheduler;
  /** The model's chat template, or ChatML when the file has none (as llama.cpp falls back). */
  template: ChatTemplate;
  templateIsDefault: boolean;
  /** Unix seconds the file was last modified (OpenAI's `created`). */
  created: number;
  ctx: number;
  bytes: { weights: number; slots: number };
}

export interface ServeModelOptions {
  ctx?: number;
  parallel: number;
  queue: number;
  threads?: number;
  /** Process budget in bytes for everything the models take (weights, KV caches, scratch) plus the runtime. */
  maxMemory?: number;
  chunk?: number;
}

/**
 * What Node, the server and its worker threads take on top of the models' weights, KV caches and scratch: measured
 * ~86 MiB after loading the bundled model and 110–125 MiB at the peak of a load test (test/server-load.test.ts).
 */
export const RUNTIME_BYTES = 128 * 2 ** 20;

const CHATML = `{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}`;

export class ServedModels {
  readonly list: ServedModel[] = [];

  static async load(paths: string[], aliases: string[], o: ServeModelOptions, onLoaded?: (m: ServedModel) => void): Promise<ServedModels> {
    if (aliases.length > paths.length) throw new EdgeError("bad_argument", `${aliases.length} --alias for ${paths.length} model${paths.length > 1 ? "s" : ""}`);
    const served = new ServedModels();
    let total = RUNTIME_BYTES;
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i];
      if (o.maxMemory !== undefined) {
        // the weights alone, from the header, before reading them
        const weights = readGgufHeader(path).tensors.reduce((a, t) => a + t.byteSize + 64, 0);
        if (total + weights > o.maxMemory) {
          throw new EdgeError(
            "out_of_memory",
            `${path}: weights ${mib(weights)} MiB + runtime and earlier models ${mib(total)} MiB = ${mib(total + weights)} MiB, more than --max-memory ${mib(o.maxMemory)} MiB`,
          );
        }
      }
      const lm = await loadModelAsync(path, { threads: o.threads });
      try {
        const ctx = Math.min(o.ctx ?? Math.min(lm.config.contextLength, 4096), lm.config.contextLength);
        const opts = { parallel: o.parallel, ctx, queue: o.queue, chunk: o.chunk };
        const slots = Scheduler.bytesNeeded(lm.model, opts);
        const weights = lm.kernels.arena.used;
        if (o.maxMemory !== undefined && total + weights + slots > o.maxMemory) {
          throw new EdgeError(
            "out_of_memory",
            `${path}: weights ${mib(weights)} MiB + ${o.parallel} slot${o.parallel > 1 ? "s" : ""} of ${ctx} tokens ${mib(slots)} MiB ` +
              `+ runtime and earlier models ${mib(total)} MiB = ${mib(total + weights + slots)} MiB, more than --max-memory ${mib(o.maxMemory)} MiB ` +
              `(lower --ctx or --parallel)`,
          );
        }
        if (weights + slots > lm.memoryBudget) {
          throw new EdgeError("out_of_memory", `${path}: weights ${mib(weights)} MiB + slots ${mib(slots)} MiB exceed the ${mib(lm.memoryBudget)} MiB that one model may use`);
        }
        const scheduler = new Scheduler(lm.model, lm.tokenizer, opts);
        const own = ChatTemplate.fromGguf(lm.file, lm.tokenizer);
        const template = own ?? new ChatTemplate(CHATML, "", "");
        const id = aliases[i] ?? basename(path).replace(/\.gguf$/i, "");
        if (served.list.some((m) => m.id === id)) throw new EdgeError("bad_argument", `two models are called "${id}" (give each an --alias)`);
        const m: ServedModel = {
          id, path, lm, scheduler, template, templateIsDefault: !own, created: Math.floor(statSync(path).mtimeMs / 1000), ctx,
          bytes: { weights, slots },
        };
        served.list.push(m);
        total += weights + slots;
        onLoaded?.(m);
      } catch (e) {
        lm.dispose();
        throw e;
      }
    }
    return served;
  }

  /** The model called `name`; the first one when no name is given; 404 otherwise. */
  get(name: string | undefined): ServedModel {
    if (name === undefined || name === "") return this.list[0];
    const m = this.list.find((x) => x.id === name);
    if (!m) throw new ApiError(404, `The model \`${name}\` does not exist (served: ${this.list.map((x) => x.id).join(", ")})`, "not_found_error", "model_not_found", "model");
    return m;
  }

  async close(mode: "finish" | "cancel"): Promise<void> {
    await Promise.all(this.list.map((m) => m.scheduler.close(mode)));
    if (this.disposed) return;
    this.disposed = true;
    for (const m of this.list) m.lm.dispose();
  }
  private disposed = false;
}
