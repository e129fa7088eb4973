// BPE pre-tokenizers: `tokenizer.ggml.pre` name -> the regex cascade llama.cpp splits text with before merging.
import { EdgeError } from "../errors.js";

/**
 * How one pre-tokenizer behaves. Each regex in `regexes` splits every current piece further: matches and the
 * unmatched gaps between them both become pieces (llama.cpp's unicode_regex_split). Patterns are written in the
 * HF/llama.cpp syntax and rewritten for JS by `compilePattern` (\s means Unicode White_Space there, not JS \s).
 */
export interface PreTokenizerSpec {
  regexes: readonly string[];
  /** A pre-split word that is itself a token is emitted whole, without merges (Llama 3 style). */
  ignoreMerges?: boolean;
  /** llama.cpp turns add_bos on for this pre-tokenizer unless the metadata says otherwise. */
  addBos?: boolean;
  /** llama.cpp's clean_up_tokenization_spaces for this pre-tokenizer (BPE default: true). */
  cleanSpaces?: boolean;
  /** llama.cpp drops the default BOS id for this pre-tokenizer (GLM-4). */
  noDefaultBos?: boolean;
}

const CONTRACTIONS_CI = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const LLAMA3 = `${CONTRACTIONS_CI}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const QWEN2 = `${CONTRACTIONS_CI}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const QWEN35 = `${CONTRACTIONS_CI}|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const ASCII_PUNCT_CLASS = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]";
const DEEPSEEK3_MAIN = `${ASCII_PUNCT_CLASS}[A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const UPPER_THEN_LOWER = "((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+";
const LOWER_AFTER_UPPER = "((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*";
const PORO = " ?[^(\\s|.,!?…。，、।۔،)]+";
// Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee... letter ranges of the DeepSeek LLM tokenizer (from its
// tokenizer.json), escaped so that no editor or tool can normalise the Greek code points into other ones.
const DEEPSEEK_LLM_LETTERS = String.raw`\s?[A-Za-z` +
  String.raw`\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373` +
  String.raw`\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481` +
  String.raw`\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-` +
  String.raw`\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57` +
  String.raw`\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-` +
  String.raw`\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-` +
  String.raw`\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184` +
  String.raw`\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-` +
  String.raw`\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\u{10400}-` +
  String.raw`\u{1044F}\u{104B0}-\u{104D3}\u{104D8}-\u{104FB}\u{10C80}-\u{10CB2}\u{10CC0}-\u{10CF2}\u{118A0}-` +
  String.raw`\u{118DF}\u{1E900}-\u{1E943}` +
  "]+";
const CJK_HANGUL = "[一-龥ࠀ-一가-퟿]+";

const SPECS = {
  default: { regexes: ["[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"] },
  gpt2: { regexes: [GPT2] },
  llama3: { regexes: [LLAMA3], ignoreMerges: true, addBos: true },
  llama3Regex: { regexes: [LLAMA3] },
  deepseekLlm: {
    regexes: ["[\r\n]", DEEPSEEK_LLM_LETTERS, "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", CJK_HANGUL, "\\p{N}+"],
    cleanSpaces: false,
  },
  deepseekCoder: {
    regexes: ["[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK_HANGUL, "\\p{N}"],
    cleanSpaces: false,
  },
  deepseek3: { regexes: ["\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", DEEPSEEK3_MAIN], cleanSpaces: false },
  falcon: { regexes: ["[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"] },
  starcoder: { regexes: ["\\p{N}", GPT2] },
  starcoderNoClean: { regexes: ["\\p{N}", GPT2], cleanSpaces: false },
  qwen2: { regexes: [QWEN2], cleanSpaces: false },
  qwen2Clean: { regexes: [QWEN2] },
  qwen35: { regexes: [QWEN35], cleanSpaces: false },
  poro: { regexes: [PORO], cleanSpaces: false },
  bloom: { regexes: [PORO] },
  chatglm4: { regexes: [LLAMA3], noDefaultBos: true },
  viking: { regexes: [PORO, "\\p{N}"], cleanSpaces: false },
  tekken: {
    regexes: [
      `[^\\r\\n\\p{L}\\p{N}]?${UPPER_THEN_LOWER}|[^\\r\\n\\p{L}\\p{N}]?${LOWER_AFTER_UPPER}|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
    ],
    cleanSpaces: false,
    ignoreMerges: true,
    addBos: true,
  },
  chameleon: {
    regexes: [
      "<sentinel:[0-9]+>",
      "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
      "([\\t\\n]|    |  )",
      "\\p{N}",
      "[\\p{P}!-/:-@\\[-`{-~]",
      GPT2,
    ],
    cleanSpaces: false,
    addBos: true,
  },
  gpt4o: {
    regexes: [
      `[^\\r\\n\\p{L}\\p{N}]?${UPPER_THEN_LOWER}${CONTRACTIONS_CI}?|[^\\r\\n\\p{L}\\p{N}]?${LOWER_AFTER_UPPER}${CONTRACTIONS_CI}?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
    ],
    cleanSpaces: false,
  },
  seedCoder: {
    regexes: [`${CONTRACTIONS_CI}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`],
    cleanSpaces: false,
  },
  bailingmoe: {
    regexes: ["'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"],
    cleanSpaces: false,
  },
} satisfies Record<string, PreTokenizerSpec>;

type SpecKey = keyof typeof SPECS;

/** Every `tokenizer.ggml.pre` value llama.cpp accepts that this port implements, with its behaviour. */
const PRE_NAMES: Record<string, SpecKey> = {
  default: "default",
  llama3: "llama3", "llama-v3": "llama3", "llama-bpe": "llama3", falcon3: "llama3", "falcon-h1": "llama3",
  pixtral: "llama3", "midm-2.0": "llama3", lfm2: "llama3", "jina-v5-nano": "llama3",
  dbrx: "llama3Regex", "smaug-bpe": "llama3Regex",
  "deepseek-llm": "deepseekLlm",
  "deepseek-coder": "deepseekCoder",
  "deepseek-v3": "deepseek3", "hunyuan-dense": "deepseek3", hy_v4: "deepseek3", "joyai-llm": "deepseek3",
  falcon: "falcon",
  mpt: "gpt2", "gpt-2": "gpt2", "phi-2": "gpt2", "jina-es": "gpt2", "jina-de": "gpt2", gigachat: "gpt2",
  "jina-v2-es": "gpt2", "jina-v2-de": "gpt2", "a.x-4.0": "gpt2", mellum: "gpt2", "modern-bert": "gpt2",
  exaone4: "gpt2", olmo: "gpt2", jais: "gpt2",
  starcoder: "starcoder", refact: "starcoder", codeshell: "starcoder", exaone: "starcoder",
  "minerva-7b": "starcoder", mellum2: "starcoder",
  "command-r": "starcoderNoClean", smollm: "starcoderNoClean",
  qwen2: "qwen2", "deepseek-r1-qwen": "qwen2", kormo: "qwen2", f2llmv2: "qwen2", hunyuan: "qwen2",
  "solar-open": "qwen2",
  megrez: "qwen2Clean", stablelm2: "qwen2Clean",
  qwen35: "qwen35",
  "poro-chat": "poro", bloom: "bloom", "gpt3-finnish": "bloom",
  glm4: "chatglm4", "chatglm-bpe": "chatglm4",
  viking: "viking",
  tekken: "tekken",
  chameleon: "chameleon",
  "gpt-4o": "gpt4o", llama4: "gpt4o", kanana2: "gpt4o", talkie: "gpt4o", "minimax-m2": "gpt4o",
  "seed-coder": "seedCoder",
  bailingmoe: "bailingmoe", bailingmoe2: "bailingmoe", "llada-moe": "bailingmoe",
};

export interface PreTokenizer extends PreTokenizerSpec {
  name: string;
  compiled: RegExp[];
}

const compiledCache = new Map<string, PreTokenizer>();

/** The pre-tokenizer for a `tokenizer.ggml.pre` value (undefined/empty -> "default"), or unsupported_tokenizer. */
export function getPreTokenizer(pre: string | undefined): PreTokenizer {
  const name = pre === undefined || pre === "" ? "default" : pre;
  const cached = compiledCache.get(name);
  if (cached) return cached;
  const key = Object.prototype.hasOwnProperty.call(PRE_NAMES, name) ? PRE_NAMES[name] : undefined;
  if (key === undefined) {
    throw new EdgeError("unsupported_tokenizer", `tokenizer.ggml.pre "${name}" is not a supported BPE pre-tokenizer`);
  }
  const spec: PreTokenizerSpec = SPECS[key];
  const result: PreTokenizer = { ...spec, name, compiled: spec.regexes.map(compilePattern) };
  compiledCache.set(name, result);
  return result;
}

/** Names accepted by getPreTokenizer (for error messages and tests). */
export function supportedPreTokenizers(): string[] {
  return Object.keys(PRE_NAMES);
}

/**
 * Rewrite a llama.cpp/HF pattern into a global Unicode JS RegExp:
 * - `\s`/`\S` become White_Space / not White_Space (llama.cpp's whitespace set: it includes U+0085, excludes U+FEFF);
 * - `\p{Lu}`, `\p{Ll}`, `\p{Lt}`, `\p{Lm}`, `\p{Lo}` become `\p{L}`, because llama.cpp only knows the letter category.
 */
export function compilePattern(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c !== "\\" || i + 1 >= pattern.length) {
      out += c;
      continue;
    }
    const n = pattern[i + 1];
    if (n === "s") {
      out += "\\p{White_Space}";
      i++;
    } else if (n === "S") {
      out += "\\P{White_Space}";
      i++;
    } else if (n === "p" && /^\{L[ultmo]\}/.test(pattern.slice(i + 2, i + 6))) {
      out += "\\p{L}";
      i += 5;
    } else {
      out += c + n;
      i++;
    }
  }
  return new RegExp(out, "gu");
}

/**
 * Split `text` with the regex cascade. Each regex refines the current pieces; a piece's matches and the gaps between
 * them are all kept, so the pieces always concatenate back to `text`.
 */
export function preTokenize(text: string, regexes: readonly RegExp[]): string[] {
  let pieces = [text];
  for (const re of regexes) {
    const next: string[] = [];
    for (const piece of pieces) {
      let last = 0;
      re.lastIndex = 0;
      for (let m = re.exec(piece); m !== null; m = re.exec(piece)) {
        const start = m.index;
        const len = m[0].length;
        if (len === 0) {
          // Empty matches produce no piece; step past one code point like String.prototype.matchAll.
          const code = piece.charCodeAt(start);
          re.lastIndex = start + (code >= 0xd800 && code < 0xdc00 ? 2 : 1);
          continue;
        }
        if (start > last) next.push(piece.slice(last, start));
        next.push(m[0]);
        last = start + len;
      }
      if (last < piece.length) next.push(piece.slice(last));
    }
    pieces = next;
  }
  return pieces;
}
