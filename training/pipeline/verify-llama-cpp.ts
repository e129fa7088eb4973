// Check an exported GGUF in llama.cpp (node-llama-cpp): tokenization agrees with ours, held-out perplexity from
// llama.cpp's logits, and greedy replies to held-out commands carry the right intent and slots.
// CLI: npx tsx src/train/verify-llama-cpp.ts --model models/edgellm-assistant-q8_0.gguf --test /tmp/edgellm-train/corpus/test.jsonl
import { readFileSync, writeFileSync } from "node:fs";
import { getLlama, LlamaLogLevel, type ControlledEvaluateInputItem, type Token } from "node-llama-cpp";
import { FileSource } from "../../src/io/file-source.js";
import { parseGguf } from "../../src/format/gguf-reader.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { parseAction, renderChat } from "./chat-format.js";
import type { Conversation } from "./corpus.js";
import { messagesOf } from "./prepare-data.js";

interface Args {
  model: string;
  test: string;
  ppl: number;
  gen: number;
  out: string;
}

function parseArgs(): Args {
  const a: Args = { model: "models/edgellm-assistant-q8_0.gguf", test: "/tmp/edgellm-train/corpus/test.jsonl", ppl: 300, gen: 400, out: "" };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "") as keyof Args;
    if (!(k in a)) throw new Error(`unknown argument ${argv[i]}`);
    (a as unknown as Record<string, string | number>)[k] = typeof a[k] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs();
  // The explicit options forbid building or downloading llama.cpp; the prebuilt CPU binary is used.
  const llama = await getLlama({ gpu: false, build: "never", skipDownload: true, maxThreads: 0, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: args.model });
  const context = await model.createContext({ contextSize: 512 });
  const seq = context.getSequence();
  const test = readFileSync(args.test, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Conversation);

  const src = new FileSource(args.model);
  const ours = Tokenizer.fromGguf(parseGguf(src));
  src.close();

  // 1. Tokenization: llama.cpp vs this project's Tokenizer, on every rendered held-out conversation.
  let tokMismatch = 0;
  for (const c of test) {
    const text = renderChat(messagesOf(c), false);
    const a = Array.from(model.tokenize(text, true), Number);
    const b = ours.encode(text, { addSpecial: false, parseSpecial: true });
    if (JSON.stringify(a) !== JSON.stringify(b)) tokMismatch++;
  }

  // 2. Held-out perplexity from llama.cpp's logits over whole conversations (every token after the first).
  let nll = 0;
  let count = 0;
  let aNll = 0;
  let aCount = 0;
  for (const c of test.slice(0, args.ppl)) {
    const ids = ours.encode(renderChat(messagesOf(c), false), { addSpecial: false, parseSpecial: true });
    await seq.clearHistory();
    const toks = ids.map((t) => t as Token);
    const input: ControlledEvaluateInputItem[] = toks.map((t, i) => (i < toks.length - 1 ? [t, { generateNext: { logits: true } }] : t));
    const res = await seq.controlledEvaluate(input);
    const assistantMask = assistantTargets(ours, ids);
    for (let i = 0; i + 1 < ids.length; i++) {
      const logits = res[i]?.next.logits;
      if (!logits) throw new Error(`no logits at ${i}`);
      let max = -Infinity;
      for (const v of logits.values()) max = Math.max(max, v);
      let sum = 0;
      for (const v of logits.values()) sum += Math.exp(v - max);
      const l = max + Math.log(sum) - logits.get(toks[i + 1])!;
      nll += l;
      count++;
      if (assistantMask[i + 1]) {
        aNll += l;
        aCount++;
      }
    }
  }

  // 3. Greedy replies to the first user turn of held-out conversations.
  const results: { lang: string; intent: string; ok: boolean; slotsOk: boolean; user: string; reply: string }[] = [];
  for (const c of test.slice(0, args.gen)) {
    const t = c.turns[0];
    const prompt = renderChat([{ role: "system", content: c.system }, { role: "user", content: t.user }], true);
    await seq.clearHistory();
    const out: number[] = [];
    for await (const tok of seq.evaluate(model.tokenize(prompt, true), { temperature: 0 })) {
      if (model.isEogToken(tok) || out.length >= 160) break;
      out.push(Number(tok));
    }
    const reply = ours.decode(out);
    const action = parseAction(reply);
    results.push({
      lang: c.lang, intent: t.intent, ok: action?.intent === t.intent,
      slotsOk: JSON.stringify(action) === JSON.stringify(t.action), user: t.user, reply,
    });
  }
  const acc = (rs: typeof results, f: (r: (typeof results)[0]) => boolean): number => rs.filter(f).length / Math.max(1, rs.length);
  const report = {
    model: args.model,
    tokenizationMismatches: `${tokMismatch} of ${test.length}`,
    heldout: { conversations: Math.min(args.ppl, test.length), tokens: count, ppl: Math.exp(nll / count), assistantPpl: Math.exp(aNll / aCount) },
    intentAccuracy: {
      n: results.length,
      all: acc(results, (r) => r.ok),
      en: acc(results.filter((r) => r.lang === "en"), (r) => r.ok),
      bn: acc(results.filter((r) => r.lang === "bn"), (r) => r.ok),
      exactAction: acc(results, (r) => r.slotsOk),
      exactActionEn: acc(results.filter((r) => r.lang === "en"), (r) => r.slotsOk),
      exactActionBn: acc(results.filter((r) => r.lang === "bn"), (r) => r.slotsOk),
    },
    perIntent: Object.fromEntries(
      [...new Set(results.map((r) => r.intent))].sort().map((i) => {
        const rs = results.filter((r) => r.intent === i);
        return [i, { n: rs.length, intent: acc(rs, (r) => r.ok), exact: acc(rs, (r) => r.slotsOk) }];
      }),
    ),
    samples: results.slice(0, 12).map((r) => ({ user: r.user, reply: r.reply, intentOk: r.ok, exact: r.slotsOk })),
    failures: results.filter((r) => !r.slotsOk).slice(0, 30).map((r) => ({ user: r.user, reply: r.reply, intent: r.intent })),
  };
  const json = JSON.stringify(report, null, 2);
  if (args.out) writeFileSync(args.out, json + "\n");
  console.log(json);
  await context.dispose();
  await model.dispose();
}

/** 1 at token positions inside assistant messages (content and closing <|im_end|>), like the training mask. */
function assistantTargets(tok: Tokenizer, ids: number[]): number[] {
  const imStart = tok.encode("<|im_start|>", { addSpecial: false, parseSpecial: true })[0];
  const imEnd = tok.encode("<|im_end|>", { addSpecial: false, parseSpecial: true })[0];
  const assistantHeader = tok.encode("assistant\n", { addSpecial: false, parseSpecial: false });
  const mask = new Array<number>(ids.length).fill(0);
  let inAssistant = false;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === imStart) {
      inAssistant = assistantHeader.every((t, j) => ids[i + 1 + j] === t);
      if (inAssistant) i += assistantHeader.length;
      continue;
    }
    if (inAssistant) mask[i] = 1;
    if (ids[i] === imEnd) inAssistant = false;
  }
  return mask;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
