// A small RFC 4180 CSV reader (quoted fields, doubled quotes, line breaks inside quotes) that remembers the line
// each record starts on, so errors can name file:line.

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  cells: string[];
}

/** The records, or the line of a quote that never closes. Blank lines are skipped. */
export function parseCsv(text: string): { records: CsvRecord[] } | { unterminatedQuoteLine: number } {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  let sawAny = false; // a record of only "" is still a record; a blank line is not
  const endRecord = () => {
    cells.push(cell);
    if (sawAny || cells.length > 1 || cell !== "") records.push({ line: recordLine, cells });
    cells = [];
    cell = "";
    sawAny = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === "") {
      quoted = true;
      quoteLine = line;
      sawAny = true;
    } else if (c === ",") {
      cells.push(cell);
      cell = "";
      sawAny = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      recordLine = line;
    } else cell += c;
  }
  if (quoted) return { unterminatedQuoteLine: quoteLine };
  if (sawAny || cell !== "") endRecord();
  return { records };
}
