// The documents an index is built from: files and directories on the command line → plain text, Markdown and HTML
// files, read as strict UTF-8 with line breaks normalized, each turned into a DocText (the text the chunker cuts,
// its blocks, and the source line of every character).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { EdgeError } from "../../errors.js";
import { htmlDocument } from "./html.js";
import { markdownDocument, textDocument } from "./markdown.js";
import type { DocText } from "./doc-text.js";

export type DocType = "markdown" | "html" | "text";

export interface SourceFile {
  /** As given on the command line, or joined under the directory given. */
  path: string;
  type: DocType;
  /** UTF-8 text, BOM removed, CRLF and CR turned into LF. */
  text: string;
  bytes: number;
  sha256: string;
  /** Number of lines (a final line break does not start another). */
  lines: number;
}

const EXTENSIONS: Record<string, DocType> = {
  ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown", ".mkd": "markdown",
  ".html": "html", ".htm": "html", ".xhtml": "html",
  ".txt": "text", ".text": "text",
};

/** Most files one index takes (a directory given by mistake, such as /, fails early instead of reading for hours). */
export const MAX_FILES = 100_000;
/** Largest file read (bytes): a bigger one is almost surely not a document. */
export const MAX_FILE_BYTES = 64 * 2 ** 20;

/**
 * The documents named: files are read whatever their extension (unknown ones as plain text); directories are walked
 * recursively in name order, taking only the extensions above and skipping hidden entries and node_modules.
 */
export function readSources(paths: readonly string[]): SourceFile[] {
  if (paths.length === 0) throw new EdgeError("bad_argument", "no documents given (files or directories)");
  const out: SourceFile[] = [];
  const seen = new Set<string>();
  const add = (path: string, type: DocType) => {
    if (seen.has(path)) return;
    seen.add(path);
    if (out.length >= MAX_FILES) throw new EdgeError("dataset_invalid", `more than ${MAX_FILES} documents under ${paths.join(", ")}`);
    out.push(readSource(path, type));
  };
  for (const p of paths) {
    const st = statOf(p);
    if (st.isDirectory()) for (const f of walk(p)) add(f, EXTENSIONS[extname(f).toLowerCase()]);
    else add(p, EXTENSIONS[extname(p).toLowerCase()] ?? "text");
  }
  if (out.length === 0) throw new EdgeError("dataset_invalid", `no .md, .html or .txt files under ${paths.join(", ")}`);
  return out;
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EdgeError("file_not_found", `${path}: no such file or directory`);
    throw new EdgeError("io_error", `${path}: cannot read (${code ?? (e as Error).message})`);
  }
}

function* walk(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new EdgeError("io_error", `${dir}: cannot list (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const name of names) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const path = join(dir, name);
    const st = statOf(path);
    if (st.isDirectory()) yield* walk(path);
    else if (st.isFile() && EXTENSIONS[extname(name).toLowerCase()]) yield path;
  }
}

/** One file, read and checked: UTF-8 without NUL bytes, at most MAX_FILE_BYTES. */
export function readSource(path: string, type: DocType): SourceFile {
  const st = statOf(path);
  if (st.size > MAX_FILE_BYTES) throw new EdgeError("dataset_invalid", `${path}: ${st.size} bytes, more than the ${MAX_FILE_BYTES} a document may have`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new EdgeError("io_error", `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (bytes.includes(0)) throw new EdgeError("dataset_invalid", `${path}: a binary file (NUL bytes), not a document`);
  let raw: string;
  try {
    raw = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new EdgeError("dataset_invalid", `${path}: not valid UTF-8 text`);
  }
  const text = normalizeSource(raw);
  return { path, type, text, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), lines: lineCount(text) };
}

/** BOM dropped, CRLF and lone CR as LF: line numbers as editors count them. */
export function normalizeSource(raw: string): string {
  return raw.replace(/^\ufeff/, "").replace(/\r\n?/g, "\n");
}

export function lineCount(text: string): number {
  if (text === "") return 0;
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < text.length - 1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** The document text, blocks and line map of a source of this type. */
export function documentText(text: string, type: DocType): DocText {
  if (type === "markdown") return markdownDocument(text);
  if (type === "html") return htmlDocument(text);
  return textDocument(text);
}
