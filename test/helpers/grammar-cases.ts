// The GBNF acceptance suite, written from llama.cpp's grammar description (grammars/README.md): each case is a
// grammar, strings that are complete sentences of it, and strings that are not. Used by the engine's unit tests and,
// against llama.cpp's own grammar engine, by test/grammar-oracle.test.ts.

export interface AcceptanceCase {
  name: string;
  grammar: string;
  pass: string[];
  fail: string[];
}

export const ACCEPTANCE: AcceptanceCase[] = [
  { name: "literal", grammar: `root ::= "hello"`, pass: ["hello"], fail: ["", "hell", "hello!", "Hello"] },
  { name: "alternatives", grammar: `root ::= "cat" | "dog" | "bird"`, pass: ["cat", "dog", "bird"], fail: ["", "cow", "catdog"] },
  { name: "sequence of rules", grammar: `root ::= greeting " " name\ngreeting ::= "hi" | "hello"\nname ::= [A-Z] [a-z]*`, pass: ["hi Bob", "hello X"], fail: ["hi bob", "hello", "hi  Bob"] },
  { name: "rules referenced before definition", grammar: `root ::= a b\nb ::= "2"\na ::= "1"`, pass: ["12"], fail: ["21", "1"] },
  { name: "grouping", grammar: `root ::= ("ab" | "cd") "!"`, pass: ["ab!", "cd!"], fail: ["ab", "abcd!"] },
  { name: "star", grammar: `root ::= "a"*`, pass: ["", "a", "aaaa"], fail: ["b", "aab"] },
  { name: "plus", grammar: `root ::= [0-9]+`, pass: ["0", "12345"], fail: ["", "12a"] },
  { name: "optional", grammar: `root ::= "-"? [0-9]`, pass: ["5", "-5"], fail: ["--5", "-"] },
  { name: "exact count {m}", grammar: `root ::= [a-f]{3}`, pass: ["abc", "fff"], fail: ["ab", "abcd", "ggg"] },
  { name: "at least {m,}", grammar: `root ::= "x"{2,}`, pass: ["xx", "xxxxxxx"], fail: ["", "x"] },
  { name: "between {m,n}", grammar: `root ::= "x"{2,4}`, pass: ["xx", "xxx", "xxxx"], fail: ["x", "xxxxx"] },
  { name: "at most {0,n}", grammar: `root ::= "x"{0,2} "."`, pass: [".", "x.", "xx."], fail: ["xxx."] },
  { name: "repetition of a group", grammar: `root ::= ("ab" " "?){2}`, pass: ["abab", "ab ab ", "ab ab"], fail: ["ab", "ababab"] },
  { name: "nested repetition", grammar: `root ::= ("<" [a-z]{1,3} ">"){1,3}`, pass: ["<a>", "<abc><d><ef>"], fail: ["<>", "<abcd>", "<a><b><c><d>"] },
  { name: "character ranges", grammar: `root ::= [a-zA-Z_] [a-zA-Z0-9_]*`, pass: ["_x1", "Abc"], fail: ["1a", "a-b"] },
  { name: "negated class", grammar: `root ::= "\\"" [^"\\n]* "\\""`, pass: ['""', '"hi there"', '"বাংলা"'], fail: ['"a"b"', '"a\nb"'] },
  { name: "dash literal at class end", grammar: `root ::= [a-]+`, pass: ["a-a", "-"], fail: ["b"] },
  { name: "escapes in classes", grammar: `root ::= [\\]\\[\\-\\\\]+`, pass: ["]", "[-\\]"], fail: ["a"] },
  { name: "escapes in literals", grammar: `root ::= "tab\\there\\nquote\\"back\\\\"`, pass: ['tab\there\nquote"back\\'], fail: ["tab\\there"] },
  { name: "hex escapes", grammar: `root ::= "\\x41" [\\x30-\\x39] "\\u00e9" "\\U0001F600"`, pass: ["A5é😀"], fail: ["A5e😀", "a5é😀"] },
  { name: "any character", grammar: `root ::= "<" . ">"`, pass: ["<a>", "<😀>", "<ক>", "<\n>"], fail: ["<>", "<ab>"] },
  { name: "comments", grammar: `# a comment before\nroot ::= "a" # after a rule\n  # indented\n`, pass: ["a"], fail: [""] },
  { name: "multi-line rule inside parentheses", grammar: `root ::= (\n  "a"\n  | "b"\n)`, pass: ["a", "b"], fail: ["ab"] },
  { name: "newline after | continues the rule", grammar: `root ::= "a" |\n  "b"`, pass: ["a", "b"], fail: [""] },
  { name: "CRLF line ends", grammar: `root ::= a\r\na ::= "x"\r\n`, pass: ["x"], fail: [""] },
  { name: "empty alternative", grammar: `root ::= "a" | `, pass: ["", "a"], fail: ["aa"] },
  { name: "right recursion", grammar: `root ::= "(" root ")" | ""`, pass: ["", "()", "((()))"], fail: ["(", "())", ")("] },
  { name: "Bangla characters", grammar: `root ::= [\\u0980-\\u09FF]+ ("।")?`, pass: ["বাংলা", "আমি।"], fail: ["bangla", "বাংলা."] },
  { name: "Bangla literal", grammar: `root ::= "সতর্কতা: " [০-৯]+`, pass: ["সতর্কতা: ৯১০"], fail: ["সতর্কতা: 910", "সতর্কতা:৯"] },
  { name: "emoji and astral ranges", grammar: `root ::= [\\U0001F600-\\U0001F64F]{1,3}`, pass: ["😀", "😀🙏😊"], fail: ["", "😀😀😀😀", "a"] },
  { name: "ZWJ sequence", grammar: `root ::= "👩" "\\u200D" "💻"`, pass: ["👩‍💻"], fail: ["👩💻"] },
  { name: "JSON-like object", grammar: `root ::= "{" ws pair ("," ws pair)* ws "}"\npair ::= "\\"" [a-z]+ "\\"" ws ":" ws [0-9]+\nws ::= [ ]*`, pass: ['{"a":1}', '{ "ab" : 12, "c":3 }'], fail: ["{}", '{"a":}', '{"A":1}'] },
];

/** Grammars both engines must refuse. */
export const MALFORMED: { name: string; grammar: string; code: string }[] = [
  { name: "undefined rule", grammar: `root ::= foo`, code: "grammar_undefined_rule" },
  { name: "no root rule", grammar: `foo ::= "a"`, code: "grammar_undefined_rule" },
  { name: "empty grammar", grammar: ``, code: "grammar_empty" },
  { name: "only a comment", grammar: `# nothing here`, code: "grammar_empty" },
  { name: "unbalanced parenthesis", grammar: `root ::= ("a" | "b"`, code: "grammar_syntax" },
  { name: "stray closing parenthesis", grammar: `root ::= "a" )`, code: "grammar_syntax" },
  { name: "unterminated string", grammar: `root ::= "abc`, code: "grammar_syntax" },
  { name: "unbalanced bracket", grammar: `root ::= [a-z`, code: "grammar_syntax" },
  { name: "missing ::=", grammar: `root = "a"`, code: "grammar_syntax" },
  { name: "repetition without an item", grammar: `root ::= *`, code: "grammar_syntax" },
  { name: "unterminated repetition", grammar: `root ::= "a"{2`, code: "grammar_syntax" },
  { name: "unknown escape", grammar: `root ::= "\\q"`, code: "grammar_syntax" },
  { name: "short hex escape", grammar: `root ::= "\\x4"`, code: "grammar_syntax" },
  { name: "direct left recursion", grammar: `root ::= root "a" | "b"`, code: "grammar_left_recursion" },
  { name: "indirect left recursion", grammar: `root ::= a\na ::= b "x"\nb ::= c\nc ::= a | "y"`, code: "grammar_left_recursion" },
  { name: "left recursion through an empty alternative", grammar: `root ::= a root "x" | "y"\na ::= "" | "z"`, code: "grammar_left_recursion" },
  { name: "repetition count above the limit", grammar: `root ::= "a"{3000}`, code: "grammar_limit_exceeded" },
];
