// A small document set for the tests (unit tests here and the server test in test/): facts no model was trained on,
// in Markdown, HTML and plain text, with the questions that should find them.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const GREENHOUSE_MD = `---
title: Greenhouse
---
# Greenhouse Operations

The Halvard greenhouse grows seedlings for the northern farms.

## Irrigation

The drip lines in bay seven are flushed every Thursday at 05:40.
Flushing uses the quartz filter cartridge QF-19.

## Heating

- The boiler named Marigold keeps the night temperature at 14 degrees.
- The backup heater is stored behind the potting shed.

\`\`\`
# not a heading: a config line
night_temperature = 14
\`\`\`
`;

export const KIOSK_HTML = `<!DOCTYPE html>
<html><head><title>Kiosk</title><style>p { color: red } /* closes at 99 */</style></head>
<body>
<h1>Visitor Kiosk</h1>
<p>The kiosk in the east atrium closes at 21:15 on Sundays.</p>
<p>Lost badges are reported to the desk officer Ottoline &amp; her deputy,
who keep them for <b>thirty</b> days.</p>
<h2>Parking</h2>
<ul><li>Level B3 is reserved for bicycles with cargo trailers.</li>
<li>The parking barrier code changes every nine days.</li></ul>
<script>var note = "the kiosk closes at 99";</script>
</body></html>
`;

export const WAREHOUSE_TXT = `Warehouse notes.

The forklift battery in aisle twelve is swapped after 380 operating hours.

The loading dock radio uses channel 23 for deliveries.
`;

export interface TestDocs {
  dir: string;
  /** The directory holding the three documents (index it whole). */
  docs: string;
  greenhouse: string;
  kiosk: string;
  warehouse: string;
}

/** The documents written to a new temporary directory. */
export function writeTestDocs(): TestDocs {
  const dir = mkdtempSync(join(tmpdir(), "edgellm-rag-"));
  const docs = join(dir, "docs");
  mkdirSync(join(docs, "site"), { recursive: true });
  const greenhouse = join(docs, "greenhouse.md");
  const kiosk = join(docs, "site", "kiosk.html");
  const warehouse = join(docs, "warehouse.txt");
  writeFileSync(greenhouse, GREENHOUSE_MD);
  writeFileSync(kiosk, KIOSK_HTML);
  writeFileSync(warehouse, WAREHOUSE_TXT);
  writeFileSync(join(docs, ".hidden.md"), "A hidden file the index must not read: the kiosk closes at noon.\n");
  writeFileSync(join(docs, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
  return { dir, docs, greenhouse, kiosk, warehouse };
}

/** Questions whose answer is in one chunk: the file and the sentence that answers it. */
export const QUESTIONS: { q: string; file: "greenhouse" | "kiosk" | "warehouse"; fact: string }[] = [
  { q: "How often are the drip lines in bay seven flushed?", file: "greenhouse", fact: "The drip lines in bay seven are flushed every Thursday at 05:40." },
  { q: "When does the kiosk in the east atrium close?", file: "kiosk", fact: "The kiosk in the east atrium closes at 21:15 on Sundays." },
  { q: "After how many operating hours is the forklift battery swapped?", file: "warehouse", fact: "The forklift battery in aisle twelve is swapped after 380 operating hours." },
  { q: "Which boiler keeps the night temperature?", file: "greenhouse", fact: "The boiler named Marigold keeps the night temperature at 14 degrees." },
  { q: "What channel does the loading dock radio use?", file: "warehouse", fact: "The loading dock radio uses channel 23 for deliveries." },
];

/** A question none of whose words are in the documents. */
export const UNANSWERABLE = "Who painted the lighthouse mural?";
