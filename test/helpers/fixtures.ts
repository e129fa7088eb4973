// Where the shared third-party fixtures live (never copied into the repo). Override with EDGELLM_FIXTURES.
// Under CI a missing fixture is a failure, never a silent skip.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root, whether running from test/ (tsx) or dist/test/ (compiled). */
export const repoRoot = resolve(here, here.includes(`${"dist"}`) ? "../../.." : "../..");

export const fixturesDir = process.env.EDGELLM_FIXTURES
  ? resolve(process.env.EDGELLM_FIXTURES)
  : resolve(repoRoot, "../shared/fixtures");

/**
 * Absolute path of a fixture, or undefined when it is absent outside CI (callers then skip with a reason).
 * Under CI (env CI set) a missing fixture throws, so the suite goes red instead of skipping.
 */
export function fixture(relPath: string): string | undefined {
  const p = join(fixturesDir, relPath);
  if (existsSync(p)) return p;
  if (process.env.CI) throw new Error(`fixture missing under CI: ${p} (set EDGELLM_FIXTURES to the shared/fixtures folder)`);
  return undefined;
}

/** Same as fixture() but for tests that cannot run at all without it: returns a skip reason string or the path. */
export function fixtureOrSkip(relPath: string): { path?: string; skip?: string } {
  const p = fixture(relPath);
  return p ? { path: p } : { skip: `fixture ${relPath} not found in ${fixturesDir}` };
}
