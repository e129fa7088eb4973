// The timing loop of the in-process A/Bs (not a test): two sets of kernels run the same calls, alternating which goes
// first in each round, so that a shared machine's drift hits both alike; the first rounds are warm-up.

/** Times (ms) of `call(set, weight, i)` for each set i over its weights, `rounds` rounds, the first `skip` untimed. */
export function alternate(sets, mats, call, rounds = 40, skip = 4) {
  const times = sets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 ? [0, 1] : [1, 0]) {
      for (const w of mats[i]) {
        const t0 = performance.now();
        call(sets[i], w, i);
        if (round >= skip) times[i].push(performance.now() - t0);
      }
    }
  }
  return times;
}

export const median = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];
