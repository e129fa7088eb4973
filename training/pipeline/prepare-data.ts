// Training data prep: train the BPE vocabulary on the train split, tokenize both splits into flat binary arrays.
// CLI: npx tsx src/train/prepare-data.ts --corpus /tmp/edgellm-train/corpus --out /tmp/edgellm-train/data
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import type { VocabData } from "../../src/tokenizer/vocab-data.js";
import { BpeEncoder, chatTokenIds, countWords, trainBpe, type TrainedBpe } from "./bpe-trainer.js";
import { CHAT_TEMPLATE, renderChat, SPECIAL_TOKENS, type ChatMessage } from "./chat-format.js";
import type { Conversation } from "./corpus.js";
import { Rng } from "./rng.js";

/** The pre-tokenizer: keeps Bengali vowel signs (\p{M}) inside words, splits digits one by one. */
export const DEFAULT_PRE = "qwen35";

export interface TokenizerFile extends TrainedBpe {
  bosId: number;
  eosId: number;
  eotId: number;
  padId: number;
  chatTemplate: string;
}

export function toVocabData(t: TokenizerFile): VocabData {
  return {
    model: "gpt2", pre: t.pre, tokens: t.tokens, tokenTypes: t.tokenTypes, merges: t.merges,
    bosId: t.bosId, eosId: t.eosId, eotId: t.eotId, padId: t.padId, addBos: false, addEos: false,
  };
}

export function messagesOf(c: Conversation): ChatMessage[] {
  const out: ChatMessage[] = [{ role: "system", content: c.system }];
  for (const t of c.turns) out.push({ role: "user", content: t.user }, { role: "assistant", content: t.assistant });
  return out;
}

export interface EncodedConversation {
  ids: number[];
  /** 1 where the token is assistant content or the <|im_end|> closing it (what a reply must produce). */
  mask: number[];
}

/**
 * Tokens of a rendered conversation, fragment by fragment as llama.cpp tokenizes a ChatML prompt. With `dropout`,
 * a random 30% of the word pieces in user/assistant messages get a BPE-dropout split, memoised per conversation so
 * a value copied from the question into the reply keeps the same tokens; this trains the intermediate merge tokens
 * that unseen words are made of.
 */
export function encodeConversation(enc: BpeEncoder, vocab: TrainedBpe, c: Conversation, dropout?: Rng): EncodedConversation {
  const { imStart, imEnd } = chatTokenIds(vocab);
  const ids: number[] = [];
  const mask: number[] = [];
  const memo = new Map<string, number[]>();
  const nl = enc.encode("\n");
  for (const m of messagesOf(c)) {
    ids.push(imStart);
    mask.push(0);
    const pieces = enc.pieces(`${m.role}\n${m.content}`);
    pieces.forEach((piece, i) => {
      let toks: number[];
      if (dropout && m.role !== "system" && i >= 2) {
        let hit = memo.get(piece);
        if (!hit) {
          hit = dropout.chance(0.3) ? enc.encodePiece(piece, { p: 0.1, random: () => dropout.float() }) : enc.encodePiece(piece);
          memo.set(piece, hit);
        }
        toks = hit;
      } else toks = enc.encodePiece(piece);
      // The role name and its newline (pieces 0 and 1) are prompt, the rest of an assistant message is target.
      for (const t of toks) {
        ids.push(t);
        mask.push(m.role === "assistant" && i >= 2 ? 1 : 0);
      }
    });
    ids.push(imEnd);
    mask.push(m.role === "assistant" ? 1 : 0);
    for (const t of nl) {
      ids.push(t);
      mask.push(0);
    }
  }
  return { ids, mask };
}

function loadJsonl(path: string): Conversation[] {
  return readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Conversation);
}

function writeSplit(dir: string, name: string, encoded: EncodedConversation[]): { tokens: number; maxLen: number } {
  const total = encoded.reduce((s, e) => s + e.ids.length, 0);
  const tokens = new Uint16Array(total);
  const mask = new Uint8Array(total);
  const offsets = new Uint32Array(encoded.length + 1);
  let pos = 0;
  let maxLen = 0;
  encoded.forEach((e, i) => {
    tokens.set(e.ids, pos);
    mask.set(e.mask, pos);
    pos += e.ids.length;
    offsets[i + 1] = pos;
    maxLen = Math.max(maxLen, e.ids.length);
  });
  writeFileSync(join(dir, `${name}.tokens.u16`), new Uint8Array(tokens.buffer));
  writeFileSync(join(dir, `${name}.mask.u8`), mask);
  writeFileSync(join(dir, `${name}.offsets.u32`), new Uint8Array(offsets.buffer));
  return { tokens: total, maxLen };
}

function main(): void {
  // Merges stop below 100 occurrences: fragments of one-off invented words would only add rare, barely trained tokens.
  const args = { corpus: "/tmp/edgellm-train/corpus", out: "/tmp/edgellm-train/data", vocab: 4096, seed: 1, minPairCount: 100 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "") as keyof typeof args;
    if (!(k in args)) throw new Error(`unknown argument ${argv[i]}`);
    (args as Record<string, string | number>)[k] = typeof args[k] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  const train = loadJsonl(join(args.corpus, "train.jsonl"));
  const test = loadJsonl(join(args.corpus, "test.jsonl"));
  mkdirSync(args.out, { recursive: true });

  const t0 = Date.now();
  const counts = countWords(train.map((c) => renderChat(messagesOf(c), false)), DEFAULT_PRE, SPECIAL_TOKENS);
  const bpe = trainBpe(counts, { vocabSize: args.vocab, pre: DEFAULT_PRE, specialTokens: SPECIAL_TOKENS, minPairCount: args.minPairCount });
  const ids = chatTokenIds(bpe);
  const tokFile: TokenizerFile = {
    ...bpe, bosId: ids.endOfText, eosId: ids.imEnd, eotId: ids.imEnd, padId: ids.endOfText, chatTemplate: CHAT_TEMPLATE,
  };
  writeFileSync(join(args.out, "tokenizer.json"), JSON.stringify(tokFile));
  const trainSeconds = (Date.now() - t0) / 1000;

  // Canonical encodings must match the project's Tokenizer exactly (same vocabulary through VocabData).
  const enc = new BpeEncoder(bpe);
  const reference = Tokenizer.fromVocab(toVocabData(tokFile));
  const testEncoded = test.map((c) => encodeConversation(enc, bpe, c));
  test.forEach((c, i) => {
    const want = reference.encode(renderChat(messagesOf(c), false), { addSpecial: false, parseSpecial: true });
    if (JSON.stringify(want) !== JSON.stringify(testEncoded[i].ids)) throw new Error(`encoding mismatch on ${c.id}`);
  });
  const rng = new Rng(args.seed);
  const trainEncoded = train.map((c) => encodeConversation(enc, bpe, c, rng));

  // Tokens per whitespace-separated word of the held-out user messages, per language.
  const perWord: Record<string, { words: number; tokens: number }> = { en: { words: 0, tokens: 0 }, bn: { words: 0, tokens: 0 } };
  for (const c of test) for (const t of c.turns) {
    perWord[c.lang].words += t.user.split(/\s+/).filter(Boolean).length;
    perWord[c.lang].tokens += reference.encode(t.user, { addSpecial: false, parseSpecial: false }).length;
  }
  const seen = new Set(trainEncoded.flatMap((e) => e.ids));
  const testTokens = testEncoded.flatMap((e) => e.ids);
  const stats = {
    pre: DEFAULT_PRE,
    vocabSize: bpe.tokens.length,
    merges: bpe.merges.length,
    distinctWords: counts.size,
    tokenizerTrainSeconds: trainSeconds,
    tokensPerWord: { en: perWord.en.tokens / perWord.en.words, bn: perWord.bn.tokens / perWord.bn.words },
    vocabUsedInTrain: seen.size,
    testTokensUnseenInTrain: testTokens.filter((t) => !seen.has(t)).length / testTokens.length,
    train: writeSplit(args.out, "train", trainEncoded),
    test: writeSplit(args.out, "test", testEncoded),
    specialIds: ids,
  };
  // A held-out text for perplexity tools: the first 100 test conversations, rendered exactly as trained.
  writeFileSync(join(args.out, "heldout.txt"), test.slice(0, 100).map((c) => renderChat(messagesOf(c), false)).join(""));
  writeFileSync(join(args.out, "prep-stats.json"), JSON.stringify(stats, null, 2) + "\n");
  console.log(JSON.stringify(stats));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();
