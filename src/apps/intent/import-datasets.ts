// Public intent datasets in their published layouts → our JSONL splits (train.jsonl, val.jsonl, and test.jsonl when
// the layout has a test split). CLINC150 (clinc/oos-eval): one JSON file with lists of [text, intent] pairs under
// train / val / test and oos_train / oos_val / oos_test. SNIPS in the JointBERT layout (also the Bangla/Sylheti SNIPS):
// DIR/{train,dev,test}/seq.in and label, one utterance and one intent per line; dev becomes val.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeError } from "../../errors.js";
import { formatIntentJsonl, intentNameProblem, OOS_LABEL, type IntentExample } from "./dataset.js";

export type ImportedSplits = Record<"train" | "val", IntentExample[]> & { test?: IntentExample[] };

export const IMPORT_FORMATS = ["clinc150", "snips"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The JSON files CLINC150 is published as, in the order they are looked for inside DIR. */
const CLINC_FILES = ["data_full.json", "data_train_val.json"];

export function importDataset(format: ImportFormat, path: string): ImportedSplits {
  return format === "clinc150" ? importClinc150(path) : importSnips(path);
}

/** CLINC150 from DIR (data_full.json or data_train_val.json inside) or from the JSON file itself. */
export function importClinc150(path: string): ImportedSplits {
  const file = isDirectory(path) ? CLINC_FILES.map((f) => join(path, f)).find((f) => existsSync(f)) : path;
  if (!file || !existsSync(file)) throw new EdgeError("file_not_found", `${path}: no ${CLINC_FILES.join(" or ")} found`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new EdgeError("dataset_invalid", `${file}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new EdgeError("dataset_invalid", `${file}: expected a JSON object of splits`);
  const o = data as Record<string, unknown>;
  const pairs = (key: string, oos: boolean): IntentExample[] => {
    const list = o[key];
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw new EdgeError("dataset_invalid", `${file}: ${key}: expected a list of [text, intent] pairs`);
    return list.map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "string" || typeof p[1] !== "string") {
        throw new EdgeError("dataset_invalid", `${file}: ${key}[${i}]: expected [text, intent] (two strings)`);
      }
      const problem = intentNameProblem(p[1]);
      if (problem) throw new EdgeError("dataset_invalid", `${file}: ${key}[${i}]: intent ${problem}`);
      return { text: p[0], intent: oos ? OOS_LABEL : p[1] };
    });
  };
  for (const key of ["train", "val"]) {
    if (!Array.isArray(o[key])) throw new EdgeError("dataset_invalid", `${file}: ${key}: missing (expected a list of [text, intent] pairs)`);
  }
  const out: ImportedSplits = { train: [...pairs("train", false), ...pairs("oos_train", true)], val: [...pairs("val", false), ...pairs("oos_val", true)] };
  if (o.test !== undefined || o.oos_test !== undefined) out.test = [...pairs("test", false), ...pairs("oos_test", true)];
  return out;
}

/**
 * JointBERT-layout SNIPS from DIR: train/ and dev/ are required, test/ is optional. JointBERT's placeholder label
 * "UNK" (an utterance of no known intent) becomes "oos".
 */
export function importSnips(dir: string): ImportedSplits {
  if (!isDirectory(dir)) throw new EdgeError("file_not_found", `${dir}: not a directory (expected train/ and dev/ with seq.in and label)`);
  const split = (name: string): IntentExample[] => {
    const texts = readLinesOf(join(dir, name, "seq.in"));
    const labels = readLinesOf(join(dir, name, "label"));
    if (texts.length !== labels.length) {
      throw new EdgeError("dataset_invalid", `${join(dir, name)}: seq.in has ${texts.length} lines but label has ${labels.length}`);
    }
    return texts.map((text, i) => {
      const label = labels[i].trim();
      const problem = intentNameProblem(label);
      if (problem) throw new EdgeError("dataset_invalid", `${join(dir, name, "label")}:${i + 1}: intent ${problem}`);
      return { text: text.trim(), intent: label === "UNK" ? OOS_LABEL : label };
    });
  };
  const out: ImportedSplits = { train: split("train"), val: split("dev") };
  if (existsSync(join(dir, "test", "seq.in"))) out.test = split("test");
  return out;
}

/** Write train.jsonl, val.jsonl (and test.jsonl) into outDir; the files written and their example counts. */
export function writeSplits(splits: ImportedSplits, outDir: string): { file: string; examples: number; oos: number }[] {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch {
    throw new EdgeError("io_error", `${outDir}: cannot create the output directory`);
  }
  const written: { file: string; examples: number; oos: number }[] = [];
  for (const name of ["train", "val", "test"] as const) {
    const examples = splits[name];
    if (!examples) continue;
    const file = join(outDir, `${name}.jsonl`);
    try {
      writeFileSync(file, formatIntentJsonl(examples));
    } catch {
      throw new EdgeError("io_error", `${file}: cannot write`);
    }
    written.push({ file, examples: examples.length, oos: examples.filter((e) => e.intent === OOS_LABEL).length });
  }
  return written;
}

function readLinesOf(file: string): string[] {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw new EdgeError("file_not_found", `${file}: cannot read`);
    throw new EdgeError("dataset_invalid", `${file}: not valid UTF-8`);
  }
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.length && lines[lines.length - 1] === "") lines.pop(); // the final newline ends the last line
  return lines;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
