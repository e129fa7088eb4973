// sacreBLEU's default "13a" tokenizer: the tokenization of mteval-v13a.pl, the WMT scoring script. Punctuation and
// symbols become tokens of their own; a period or comma stays inside a number (3.14, 1,000); a dash after a digit is
// split off. The apostrophe and the hyphen between letters are left alone ("wasn't", "well-known").
import { pySplit } from "./python-text.js";

// ASCII symbol ranges { … ~, [ … `, space … &, ( … +, : … @, and /: everything printable but letters, digits, ' - . ,
const SYMBOL = /([{-~[-` -&(-+:-@/])/g;
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/g;
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/g;
const DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** One line as space-separated 13a tokens (what sacreBLEU's Tokenizer13a()(line) returns). */
export function tokenize13a(line: string): string {
  let s = line.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (s.includes("&")) s = s.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  s = ` ${s} `
    .replace(SYMBOL, " $1 ")
    .replace(PERIOD_COMMA_AFTER_NON_DIGIT, "$1 $2 ")
    .replace(PERIOD_COMMA_BEFORE_NON_DIGIT, " $1 $2")
    .replace(DASH_AFTER_DIGIT, "$1 $2 ");
  return pySplit(s).join(" ");
}
