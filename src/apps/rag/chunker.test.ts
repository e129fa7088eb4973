import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { chunkDocument, codePointLength } from "./chunker.js";
import { documentText, lineCount, normalizeSource, type DocType } from "./documents.js";
import { decodeEntities } from "./entities.js";
import { collapseWhitespace } from "./sentences.js";
import { GREENHOUSE_MD, KIOSK_HTML, WAREHOUSE_TXT } from "./test-docs.js";

const chunksOf = (text: string, type: DocType, max = 512) => chunkDocument(documentText(normalizeSource(text), type), max);
const lineSpan = (src: string, [a, b]: [number, number]) => normalizeSource(src).split("\n").slice(a - 1, b).join("\n");

describe("rag chunker: the test documents", () => {
  it("Markdown: sections are chunks with their heading path and lines; front matter and headings are left out", () => {
    const c = chunksOf(GREENHOUSE_MD, "markdown");
    assert.deepEqual(c.map((x) => [x.lines, x.headings]), [
      [[6, 6], ["Greenhouse Operations"]],
      [[10, 11], ["Greenhouse Operations", "Irrigation"]],
      [[15, 21], ["Greenhouse Operations", "Heating"]],
    ]);
    assert.ok(c[2].text.includes("# not a heading"), "a # line inside a code fence is code, not a heading");
    assert.ok(!c.some((x) => x.text.includes("title: Greenhouse")));
  });

  it("HTML: tags stripped, entities decoded, script and style dropped, lines of the source kept", () => {
    const c = chunksOf(KIOSK_HTML, "html");
    assert.deepEqual(c.map((x) => [x.lines, x.headings]), [[[5, 7], ["Visitor Kiosk"]], [[9, 10], ["Visitor Kiosk", "Parking"]]]);
    assert.equal(c[0].text, "The kiosk in the east atrium closes at 21:15 on Sundays.\n\nLost badges are reported to the desk officer Ottoline & her deputy, who keep them for thirty days.");
    assert.ok(!c.some((x) => /99|color/.test(x.text)));
  });

  it("text: blank-line paragraphs packed up to the limit, cut between them when it is small", () => {
    assert.deepEqual(chunksOf(WAREHOUSE_TXT, "text").map((x) => x.lines), [[1, 5]]);
    assert.deepEqual(chunksOf(WAREHOUSE_TXT, "text", 80).map((x) => x.lines), [[1, 1], [3, 3], [5, 5]]);
  });

  it("a paragraph longer than the limit is cut at sentence ends, then between words, never inside a surrogate pair", () => {
    const para = "One two three four five. Six seven eight nine ten. Eleven twelve thirteen fourteen.";
    const c = chunksOf(para, "text", 40);
    assert.deepEqual(c.map((x) => x.text), ["One two three four five.", "Six seven eight nine ten.", "Eleven twelve thirteen fourteen."]);
    const emoji = "😀".repeat(50);
    const e = chunksOf(emoji, "text", 32);
    assert.deepEqual(e.map((x) => codePointLength(x.text)), [32, 18]);
    assert.equal(e.map((x) => x.text).join(""), emoji);
  });
});

// ---- property tests: random documents ----

const word = fc.constantFrom("pump", "valve", "Marigold", "bay", "seven", "über", "রান্নাঘর", "40", "psi", "QF-19", "a", "the", "😀", "x_y", "*bold*", "`code`");
const sentence = fc.array(word, { minLength: 1, maxLength: 14 }).chain((ws) => fc.constantFrom(".", "!", "?", "", ":").map((p) => ws.join(" ") + p));
const paragraph = fc.array(sentence, { minLength: 1, maxLength: 6 }).chain((ss) => fc.integer({ min: 1, max: 3 }).map((wrap) => wrapLines(ss.join(" "), wrap)));

function wrapLines(text: string, every: number): string {
  const ws = text.split(" ");
  const lines: string[] = [];
  for (let i = 0; i < ws.length; i += every * 4) lines.push(ws.slice(i, i + every * 4).join(" "));
  return lines.join("\n");
}

const mdElement = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 4 }), sentence).map(([l, s]) => `${"#".repeat(l)} ${s}`),
  sentence.map((s) => `${s}\n${"=".repeat(3)}`),
  paragraph,
  fc.array(sentence, { minLength: 1, maxLength: 4 }).map((items) => items.map((s, i) => (i % 2 ? `${i}. ${s}` : `- ${s}`)).join("\n")),
  fc.array(sentence, { minLength: 0, maxLength: 4 }).map((ls) => ["```", ...ls, "```"].join("\n")),
  fc.constant("---"),
  paragraph.map((p) => p.split("\n").map((l) => `> ${l}`).join("\n")),
);
const markdownDoc = fc.tuple(fc.array(mdElement, { maxLength: 12 }), fc.constantFrom("\n\n", "\n", "\n\n\n", "\r\n\r\n")).map(([els, sep]) => els.join(sep));
const textDoc = fc.array(paragraph, { maxLength: 8 }).chain((ps) => fc.constantFrom("\n\n", "\n \n", "\r\n\r\n").map((sep) => ps.join(sep)));

const htmlText = fc.array(fc.oneof(word, fc.constantFrom("&amp;", "&lt;", "&eacute;", "&#233;", "&#x1F600;", "&nbsp;", "&bogus;", "5 < 6")), { minLength: 1, maxLength: 12 }).map((ws) => ws.join(" "));
const htmlInline = htmlText.chain((t) => fc.constantFrom(t, `<b>${t}</b>`, `<a href="x>y">${t}</a>`, `${t}<br>${t}`));
const htmlElement = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 3 }), htmlText).map(([l, t]) => `<h${l}>${t}</h${l}>`),
  fc.array(htmlInline, { minLength: 1, maxLength: 3 }).map((xs) => `<p>${xs.join("\n")}</p>`),
  fc.array(htmlInline, { minLength: 1, maxLength: 3 }).map((xs) => `<ul>\n${xs.map((x) => `<li>${x}</li>`).join("\n")}\n</ul>`),
  htmlText.map((t) => `<div class="c">${t}</div>`),
  htmlText.map((t) => `<pre>${t}\n  ${t}</pre>`),
  htmlText.map((t) => `<script>if (a < b) { x = "${t}" }</script>`),
  htmlText.map((t) => `<!-- ${t} -->`),
  fc.array(htmlText, { minLength: 1, maxLength: 3 }).map((cells) => `<table><tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr></table>`),
);
const htmlDoc = fc.array(htmlElement, { maxLength: 10 }).map((els) => `<html><body>\n${els.join("\n")}\n</body></html>`);

/** The visible text of some source lines, by a cruder route than html.ts: inline tags dropped, other markup as a space. */
function visibleText(lines: string): string {
  const noScript = lines.replace(/<script>[\s\S]*?<\/script>/g, " ").replace(/<!--[\s\S]*?-->/g, " ");
  const attrs = `(?:[^>"']|"[^"]*"|'[^']*')*`;
  const inline = new RegExp(`<\\/?(?:b|a)(?:\\s${attrs})?>`, "g");
  const other = new RegExp(`<\\/?[A-Za-z]${attrs}>`, "g");
  return collapseWhitespace(decodeEntities(noScript.replace(inline, "").replace(other, " ")));
}

function checkChunks(src: string, type: DocType, max: number): void {
  const norm = normalizeSource(src);
  const total = lineCount(norm);
  const doc = documentText(norm, type);
  const chunks = chunkDocument(doc, max);
  for (const c of chunks) {
    assert.ok(codePointLength(c.text) <= max, `chunk of ${codePointLength(c.text)} characters > ${max}`);
    assert.ok(c.text.trim() !== "" && c.text === c.text.trim());
    const [a, b] = c.lines;
    assert.ok(Number.isInteger(a) && a >= 1 && a <= b && b <= total, `lines ${a}-${b} of ${total}`);
    const span = lineSpan(src, c.lines);
    if (type === "html") assert.ok(visibleText(span).includes(collapseWhitespace(c.text)), `${JSON.stringify(c.text)} not in lines ${a}-${b}: ${JSON.stringify(span)}`);
    else assert.ok(span.includes(c.text), `${JSON.stringify(c.text)} not in lines ${a}-${b}: ${JSON.stringify(span)}`);
  }
  // nothing is lost: every visible character of every block is in a chunk
  for (const blk of doc.blocks) {
    for (let i = blk.start; i < blk.end; i++) {
      if (/\s/.test(doc.text[i])) continue;
      assert.ok(chunks.some((c) => c.start <= i && i < c.end), `character ${i} (${JSON.stringify(doc.text[i])}) is in no chunk`);
    }
  }
  // chunks follow the document in order, without overlap
  for (let i = 1; i < chunks.length; i++) assert.ok(chunks[i].start >= chunks[i - 1].end);
}

describe("rag chunker: properties (fast-check)", () => {
  const size = fc.integer({ min: 32, max: 240 });
  it("Markdown: every chunk fits, lies within its line range, and together they hold all the text", () => {
    fc.assert(fc.property(markdownDoc, size, (src, max) => checkChunks(src, "markdown", max)), { numRuns: 150 });
  });
  it("plain text: the same", () => {
    fc.assert(fc.property(textDoc, size, (src, max) => checkChunks(src, "text", max)), { numRuns: 150 });
  });
  it("HTML: a chunk's text is the visible text of its line range", () => {
    fc.assert(fc.property(htmlDoc, size, (src, max) => checkChunks(src, "html", max)), { numRuns: 150 });
  });
  it("chunking never throws on arbitrary text, of any type", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.constantFrom<DocType>("markdown", "html", "text"), (s, type) => {
      for (const c of chunksOf(s, type, 32)) assert.ok(codePointLength(c.text) <= 32);
    }), { numRuns: 200 });
  });
});
