// Runs one of the console's browser test files (ctest: ui/console, ui/network, ui/layout) with
// node's test runner. Exits 77 (ctest: skipped, with the reason) when what it needs is missing:
// chromium (Debian's), or playwright-core in tests/ui/node_modules (scripts/install-deps
// installs both), or the telsim executable.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromiumPath, playwright, telsim } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.argv[2];
const skip = (why) => { console.log("SKIPPED: " + why); process.exit(77); };
if (!file) { console.error("usage: node tests/ui/run.mjs FILE.test.mjs"); process.exit(2); }
if (!fs.existsSync(telsim)) { console.error("no telsim executable at " + telsim + " (TELSIM_EXE)"); process.exit(2); }
if (!chromiumPath) skip("chromium is not installed (scripts/install-deps installs it)");
if (!playwright()) skip("playwright-core is not in tests/ui/node_modules (scripts/install-deps runs npm ci there)");
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", path.join(here, file)], { stdio: "inherit" });
process.exit(r.status ?? 1);
