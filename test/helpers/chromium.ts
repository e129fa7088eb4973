// Browser tests drive Debian's Chromium (installed by .ci/run) through playwright-core: no browser download. Outside
// CI a machine without Chromium skips these tests with the reason; under CI a missing browser fails loudly.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type ConsoleMessage, type Page } from "playwright-core";

const CANDIDATES = [process.env.EDGELLM_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => !!p);

/** Path of the Chromium executable, or undefined when there is none (an error under CI). */
export function chromiumPath(): string | undefined {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found && process.env.CI) throw new Error(`Chromium not found (looked at ${CANDIDATES.join(", ")}); .ci/run installs Debian's chromium`);
  return found;
}

/** Why browser tests skip here, or false when they can run. */
export function browserSkip(): string | false {
  return chromiumPath() ? false : "no Chromium on this machine (apt-get install chromium, or set EDGELLM_CHROMIUM)";
}

/**
 * Headless Chromium with the flags this closed network needs (no background connections, no sync, no first run) and
 * a fresh profile (playwright makes a new temporary one per launch). The caller closes it.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no Chromium");
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    ],
  });
}

/** Collects console errors and uncaught page errors, so a test can assert the page raised none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** A folder for a test's screenshots (printed by the test so a person can look at them). */
export function screenshotDir(): string {
  return mkdtempSync(join(tmpdir(), "edgellm-screens-"));
}
