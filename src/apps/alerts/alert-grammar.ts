// The grammar the model phrases an alert under, built from the rendered template and the event's facts:
//
//   [prefill: "CRITICAL: pump-2 pressure"] · words · "910" " "? "PSI" · words · "950" " "? "PSI" · words · end "\n"
//
// Facts are literal strings in the template's order, so the model can only copy them. The template's opening, up to
// its first free words (the prefix and the facts right after it), is not generated at all: it is put after the chat
// prompt as the start of the reply, tokenized as the model saw such text in training (a forced literal is often
// spelled out byte by byte, which wastes the token budget). Between the facts go free words: no digits (so no
// number but the event's), separated by punctuation (so no word is glued to a fact), following the template's
// sentences: each run of template words between sentence endings may hold its word count plus `model.extra_words`
// (or be left out), and sentence endings come only where the template has them; a stretch the template leaves
// without words stays without. Words the checker would reject (forbidden words, other severities' claims, the false
// relation word) are left out of the word rule, and next to the value no limit word may stand (the value must not be
// called the limit), so the model takes its next choice instead of failing the check. The output ends with a
// sentence ending and a newline, which completes the grammar: generation stops there.
import { bannedWords, type AlertFacts } from "./facts.js";
import type { LanguagePolicy, Policy } from "./policy.js";
import type { Part } from "./template.js";
import { alternatives, charClass, codePoints, literal, wordSetRules } from "./word-grammar.js";
import { entryPattern, GAP_PUNCTUATION } from "./words.js";

export interface AlertGrammar {
  /** GBNF for what follows the prefill. */
  gbnf: string;
  /** The start of the alert, given to the model as the start of its reply. */
  prefill: string;
}

type Item = { lit: string; slot: string } | { text: string };

export function alertGrammar(parts: readonly Part[], facts: AlertFacts, lp: LanguagePolicy, policy: Policy): AlertGrammar {
  const items = splitItems(parts, facts.prefix);
  const slotAt = (i: number) => (items[i] && "slot" in items[i] ? (items[i] as { slot: string }).slot : undefined);
  const isUnitJoin = (i: number, text: string) =>
    (slotAt(i - 1) === "value" || slotAt(i - 1) === "limit") && slotAt(i + 1) === "unit" && (text === "" || text === " ");

  // The prefill: literals and word-free gaps from the start, up to the first free words.
  let prefill = "";
  let i = 0;
  for (; i < items.length - 1; i++) {
    const it = items[i];
    if ("lit" in it) prefill += it.lit;
    else if (wordCount(it.text) === 0) prefill += it.text;
    else break;
  }

  const endings = codePoints(lp.endings.join(""));
  const inner = charClass(codePoints(GAP_PUNCTUATION).filter((c) => !endings.includes(c)));
  const ending = charClass(endings);
  const rules: string[] = [
    `gap ::= ${inner}{1,4}`,
    `sgap ::= ${inner}{0,3} ${ending} ${inner}{0,3}`,
    `end ::= ${inner}{0,3} ${ending} "\\n"`,
  ];
  const groups = new Set<string>();
  const group = (word: string, k: number) => (groups.add(`${word} ${k}`), `${word}group${k}`);
  const limitWords = lp.vocabulary
    ? lp.vocabulary.filter((w) => lp.limitWords.some((e) => entryPattern(e).test(w)))
    : lp.limitWords.map((e) => e.replace(/\*$/, "")).filter((e) => !/\s/.test(e));

  const seq: string[] = [];
  let stretches = 0;
  for (; i < items.length; i++) {
    const it = items[i];
    if ("lit" in it) {
      seq.push(literal(it.lit));
      continue;
    }
    const atEnd = i === items.length - 1;
    if (isUnitJoin(i, it.text)) {
      seq.push('" "?'); // the value or the limit, then its unit: at most one space between them
      continue;
    }
    // Next to the value no limit word, except right before the limit that follows it ("910 PSI, limit 950 PSI").
    const afterValue = slotAt(i - 1) === "unit" && (slotAt(i - 2) === "value" || slotAt(i - 3) === "value");
    const beforeValue = slotAt(i + 1) === "value";
    const nearValue = limitWords.length > 0 && (afterValue || beforeValue);
    const word = nearValue ? "wordnl" : "word";
    const limitLast = nearValue && afterValue && slotAt(i + 1) === "limit";
    const body = stretch(it.text, atEnd, lp.endings, policy.model.extraWords, (k) => group(word, k), limitLast);
    const name = `stretch${stretches++}`;
    rules.push(`${name} ::= ${body}`);
    seq.push(name);
  }
  rules.unshift(`root ::= ${seq.length ? seq.join(" ") : "end"}`);
  for (const g of groups) {
    const [word, k] = g.split(" ");
    rules.push(`${word}group${k} ::= ${word} (gap ${word}){0,${Number(k) - 1}}`);
  }

  const banned = bannedSingleWords(facts, lp, policy);
  const allowed = bannedWords(facts, lp, policy).allowed;
  rules.push(...wordSetRules(lp, { name: "word", banned, exceptions: allowed }, policy.model.maxWordChars));
  if (limitWords.length) {
    const nl = [...banned, ...lp.limitWords];
    const exceptions = allowed.filter((e) => !lp.limitWords.some((w) => entryPattern(w).test(e)));
    rules.push(...wordSetRules(lp, { name: "wordnl", banned: nl, exceptions }, policy.model.maxWordChars));
    // before the limit also the exception phrases that end in a limit word ("নিরাপদ সীমা ৯০০ PSI")
    const named = allowed.filter((e) => !exceptions.includes(e));
    rules.push(`limitword ::= ${[alternatives(limitWords), ...named.map(literal)].join(" | ")}`);
  }
  return { gbnf: rules.join("\n") + "\n", prefill };
}

/** The rendered template as literals (the prefix, the slots) and the stretches of text between them. */
function splitItems(parts: readonly Part[], prefix: string): Item[] {
  const items: Item[] = [];
  let pending = "";
  for (const p of parts) {
    if (p.kind === "text") pending += p.text;
    else {
      items.push({ text: pending }, { lit: p.text, slot: p.slot });
      pending = "";
    }
  }
  items.push({ text: pending });
  const first = items[0] as { text: string };
  if (prefix !== "" && first.text.startsWith(prefix)) {
    items.splice(0, 1, { text: "" }, { lit: prefix, slot: "prefix" }, { text: first.text.slice(prefix.length) });
  }
  return items;
}

/**
 * The rule body for one stretch of template text between literals (or before the end). The template's words are cut
 * into runs at its sentence breaks; each run, with the gap before it, may be left out or hold up to its word count
 * plus `extra` words. The gap after the last run always stays, so a fact is never glued to a word.
 *
 *   ", at or above the " → (gap group8)? gap        " limit. Act now." → (gap group5)? (sgap group6)? end
 *
 * With `limitLast` one limit word may end the stretch, before its last gap.
 */
function stretch(text: string, atEnd: boolean, endings: string[], extra: number, group: (k: number) => string, limitLast = false): string {
  // split("(letters)") alternates gap, word, gap, ..., gap (the outer gaps may be "")
  const toks = text.split(/([\p{L}\p{M}\u200c\u200d]+)/u);
  const isBreak = (g: string) => endings.some((e) => g.includes(e));
  const gapRule = (g: string) => (g === "" ? [] : [isBreak(g) ? "sgap" : "gap"]);
  const out: string[] = [];
  let lead = toks[0];
  let words = 0;
  for (let i = 1; i < toks.length; i += 2) {
    words++;
    const g = toks[i + 1];
    const last = i + 1 === toks.length - 1;
    if (!last && !isBreak(g)) continue; // an inner gap: the words on both sides are one run
    out.push(`(${[...gapRule(lead), group(words + extra)].join(" ")})?`);
    lead = g;
    words = 0;
  }
  // a limit word may stand last, right before the limit ("…, limit 950 PSI")
  if (limitLast) out.push("(gap limitword)?");
  if (atEnd) out.push("end");
  else out.push(...gapRule(lead));
  return out.length ? out.join(" ") : '""';
}

/** Words in a stretch of template text (runs of letters and marks). */
export function wordCount(text: string): number {
  return (text.match(/[\p{L}\p{M}\u200c\u200d]+/gu) ?? []).length;
}

/** One-word entries the checker rejects for these facts; multi-word phrases are left to the checker. */
function bannedSingleWords(facts: AlertFacts, lp: LanguagePolicy, policy: Policy): string[] {
  const b = bannedWords(facts, lp, policy);
  return [...b.forbidden, ...b.claims.map(([w]) => w), ...b.relation, ...b.side].filter((w) => !/\s/.test(w));
}
