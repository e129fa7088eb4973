// Integer bounds → GBNF: the decimal forms (no leading zeros, "-" for negatives) of exactly the integers in a range.
//
// The language is llama.cpp's for `{"type": "integer", "minimum": …, "maximum": …}`: a side without a bound stops at
// 16 digits (as its `integral-part` does), and "-0" is a form of 0 exactly when the range has a lower bound below 0
// and contains 0. Where llama.cpp's builder admits numbers outside the range (a lower bound whose tail has zeros, e.g.
// minimum 100 accepts 10; an upper bound below 0 accepts "-05"), this one does not.

/** The largest magnitude written when a side has no bound: 16 digits. */
export const UNBOUNDED_LIMIT = 10n ** 16n - 1n;

const nines = (n: number) => "9".repeat(n);
const zeros = (n: number) => "0".repeat(n);

function digits(len: number): string {
  return len === 0 ? "" : len === 1 ? "[0-9]" : `[0-9]{${len}}`;
}

function digitClass(lo: number, hi: number): string {
  return lo === hi ? `"${lo}"` : `[${lo}-${hi}]`;
}

/** Alternatives for the numbers from `a` to `b`, decimal strings of the same length, a ≤ b (leading zeros allowed). */
function sameLength(a: string, b: string): string[] {
  let k = 0;
  while (k < a.length && a[k] === b[k]) k++;
  if (k === a.length) return [`"${a}"`];
  const head = k ? `"${a.slice(0, k)}" ` : "";
  const x = a.slice(k);
  const y = b.slice(k);
  const r = x.length - 1;
  const x0 = Number(x[0]);
  const y0 = Number(y[0]);
  if (r === 0) return [`${head}${digitClass(x0, y0)}`];
  const lowFull = x.slice(1) === zeros(r); // the first digit x0 can take every tail
  const highFull = y.slice(1) === nines(r);
  const alts: string[] = [];
  if (!lowFull) alts.push(`"${x0}" ${group(sameLength(x.slice(1), nines(r)))}`);
  const from = lowFull ? x0 : x0 + 1;
  const to = highFull ? y0 : y0 - 1;
  if (from <= to) alts.push(`${digitClass(from, to)} ${digits(r)}`);
  if (!highFull) alts.push(`"${y0}" ${group(sameLength(zeros(r), y.slice(1)))}`);
  return head ? [`${head}${group(alts)}`] : alts;
}

function group(alts: string[]): string {
  return alts.length === 1 && !alts[0].includes(" ") ? alts[0] : `(${alts.join(" | ")})`;
}

/** Alternatives for the canonical decimal forms of the integers from `lo` to `hi`, 0 ≤ lo ≤ hi. */
function naturals(lo: bigint, hi: bigint): string[] {
  const alts: string[] = [];
  if (lo === 0n) {
    alts.push(`"0"`);
    if (hi === 0n) return alts;
    lo = 1n;
  }
  const loLen = lo.toString().length;
  const hiLen = hi.toString().length;
  // lengths whose every number is in range are written together: [1-9] [0-9]{m,n}
  let fullFrom = -1;
  let fullTo = -1;
  for (let len = loLen; len <= hiLen; len++) {
    const first = len === loLen ? lo : 10n ** BigInt(len - 1);
    const last = len === hiLen ? hi : 10n ** BigInt(len) - 1n;
    if (first === 10n ** BigInt(len - 1) && last === 10n ** BigInt(len) - 1n) {
      if (fullFrom < 0) fullFrom = len;
      fullTo = len;
      continue;
    }
    alts.push(...sameLength(first.toString(), last.toString()));
  }
  if (fullFrom > 0) {
    const m = fullFrom - 1;
    const n = fullTo - 1;
    alts.push(n === 0 ? "[1-9]" : `[1-9] [0-9]{${m === n ? m : `${m},${n}`}}`);
  }
  return alts;
}

/**
 * GBNF alternatives (a rule body) for the integers n with lo ≤ n ≤ hi; an absent bound is ±(10^16 − 1).
 * Returns null when the range is empty.
 */
export function integerRangeGbnf(lo: bigint | undefined, hi: bigint | undefined): string | null {
  const L = lo ?? -UNBOUNDED_LIMIT;
  const H = hi ?? UNBOUNDED_LIMIT;
  if (L > H) return null;
  const alts: string[] = [];
  if (L < 0n) {
    // magnitudes of the negative part; "-0" too when a lower bound below 0 meets a range that holds 0
    const top = -L;
    const bottom = H < 0n ? -H : lo !== undefined ? 0n : 1n;
    alts.push(`"-" ${group(naturals(bottom, top))}`);
  }
  if (H >= 0n) alts.push(...naturals(L > 0n ? L : 0n, H));
  return alts.join(" | ");
}
