// `edgellm plot`'s inputs: bench result files read from disk into rows (the parsing itself is bench-results.ts).
import { readFile } from "node:fs/promises";
import { EdgeError } from "../errors.js";
import { resultRows, type ResultRow, type ResultText } from "./bench-results.js";

export async function readResultFiles(files: readonly string[]): Promise<ResultRow[]> {
  const inputs: ResultText[] = [];
  for (const file of files) {
    try {
      inputs.push({ name: file, text: await readFile(file, "utf8") });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new EdgeError("file_not_found", `${file}: no such file`);
      throw new EdgeError("io_error", `${file}: cannot read (${code ?? String(e)})`);
    }
  }
  return resultRows(inputs);
}
