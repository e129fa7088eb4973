// Test helpers: the CLINC150 fixture cut down to 20 intents + oos (fast to train on, still with confusable pairs
// such as balance / bill_balance and cancel / cancel_reservation), and a head trained on it once per process.
import { fixtureOrSkip } from "../../../test/helpers/fixtures.js";
import { OOS_LABEL, type IntentExample } from "./dataset.js";
import type { IntentHead } from "./head-file.js";
import { importClinc150, type ImportedSplits } from "./import-datasets.js";
import { DEFAULT_TRAIN_OPTIONS, trainIntentHead } from "./train-head.js";

export const CLINC = fixtureOrSkip("datasets/clinc150/data_train_val.json");
export const SNIPS_DIR = fixtureOrSkip("datasets/bangla-sylheti-snips");

let full: ImportedSplits | undefined;
export function clincFull(): ImportedSplits {
  return (full ??= importClinc150(CLINC.path!));
}

/** The first 20 intents in sorted order, and oos: 2,100 train and 500 val examples. */
export function clincSubset(): { intents: string[]; train: IntentExample[]; val: IntentExample[] } {
  const s = clincFull();
  const intents = [...new Set(s.train.map((e) => e.intent))].filter((l) => l !== OOS_LABEL).sort().slice(0, 20);
  const keep = new Set([...intents, OOS_LABEL]);
  return { intents, train: s.train.filter((e) => keep.has(e.intent)), val: s.val.filter((e) => keep.has(e.intent)) };
}

let subsetHead: IntentHead | undefined;
/** A head trained on clincSubset() with the default options (oos recall target 0.8). */
export function clincSubsetHead(): IntentHead {
  if (!subsetHead) {
    const { train, val } = clincSubset();
    subsetHead = trainIntentHead(train, val, "val.jsonl", DEFAULT_TRAIN_OPTIONS).head;
  }
  return subsetHead;
}
