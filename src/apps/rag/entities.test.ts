import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeEntities } from "./entities.js";
import { htmlDocument } from "./html.js";

describe("rag HTML: character references", () => {
  it("decodes named and numeric references once", () => {
    assert.equal(decodeEntities("Ottoline &amp; her deputy &lt;b&gt; &eacute;t&eacute; &#233; &#xE9; &nbsp;&hellip;"), "Ottoline & her deputy <b> été é é \u00a0…");
    assert.equal(decodeEntities("&amp;lt;"), "&lt;", "never decoded twice");
    assert.equal(decodeEntities("&yuml;&iexcl;&AElig;"), "ÿ¡Æ", "the whole Latin-1 table is there");
  });

  it("maps unsafe numeric references to U+FFFD and 0x80–0x9F as windows-1252", () => {
    for (const bad of ["&#0;", "&#xD800;", "&#x110000;", "&#99999999999;", "&#1;", "&#x7F;", "&#x81;"]) assert.equal(decodeEntities(bad), "\ufffd", bad);
    assert.equal(decodeEntities("&#150;&#x80;"), "–€");
    assert.equal(decodeEntities("&#x1F600;"), "😀");
  });

  it("leaves unknown names and references without ';' as written", () => {
    assert.equal(decodeEntities("&bogus; &amp AT&T &#;"), "&bogus; &amp AT&T &#;");
  });

  it("escaping then decoding any text gives it back; decoding never throws or makes lone surrogates", () => {
    const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => assert.equal(decodeEntities(escape(s)), s)), { numRuns: 300 });
    const refs = fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("&", "&#", "&#x", ";", "amp", "D800", "12", "x1F600")), { maxLength: 12 }).map((xs) => xs.join(""));
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    fc.assert(fc.property(refs, (s) => assert.ok(!lone.test(decodeEntities(s)))), { numRuns: 300 });
  });
});

describe("rag HTML: text and structure", () => {
  it("drops the contents of script, style, head and comments, whatever they hold", () => {
    const d = htmlDocument("<head><title>T</title></head><p>a</p><script>if (x</p>) '<p>'</script><style>p{}</style><!-- <p>c</p> --><p>b</p>");
    assert.equal(d.text, "a\n\nb");
  });

  it("reads attributes only to skip them (a '>' inside quotes does not end the tag)", () => {
    assert.equal(htmlDocument('<p title="a > b">x</p>').text, "x");
  });

  it("keeps <pre> whitespace, turns <br> into a line break, and cells into spaces", () => {
    const d = htmlDocument("<pre>a  b\n  c</pre><p>one<br>two</p><table><tr><td>x</td><td>y</td></tr></table>");
    assert.equal(d.text, "a  b\n  c\n\none\ntwo\n\nx y");
    assert.deepEqual(d.blocks.map((b) => b.code), [true, false, false]);
  });

  it("headings set the path: a lower level replaces the ones at or below it", () => {
    const d = htmlDocument("<h1>A</h1><p>1</p><h2>B</h2><p>2</p><h3>C</h3><p>3</p><h2>D &amp; E</h2><p>4</p>");
    assert.deepEqual(d.blocks.map((b) => b.headings), [["A"], ["A", "B"], ["A", "B", "C"], ["A", "D & E"]]);
  });
});
