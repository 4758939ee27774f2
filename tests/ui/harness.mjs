// What the console's browser tests share: `telsim serve --ui` as a child process, a JSON-lines
// wire client over loopback, and Debian's chromium, headless and offline, driven over the
// DevTools protocol by playwright-core (scripts/install-deps installs it into tests/ui).
// Every wait is for something to happen, with a generous timeout: nothing depends on how fast
// the machine is.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.TELSIM_SOURCE_DIR || path.resolve(here, "../..");
export const telsim = process.env.TELSIM_EXE || path.join(sourceDir, "build/telsim");
export const chromiumPath = process.env.TELSIM_CHROMIUM || ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));

/// playwright-core, from tests/ui/node_modules (or TELSIM_UI_NODE_MODULES); null when missing.
export function playwright() {
  const dirs = [process.env.TELSIM_UI_NODE_MODULES, path.join(here, "node_modules")].filter(Boolean);
  for (const d of dirs) {
    try { return createRequire(path.join(d, "..", "x.js"))("playwright-core"); } catch { /* next */ }
  }
  return null;
}

export const TIMEOUT = 20000;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tempDir() { return fs.mkdtempSync(path.join(os.tmpdir(), "telsim-ui-")); }

/// `telsim serve ARGS` in a child process; `ready()` resolves with {port, ui} once it printed
/// where it listens.
export class Serve {
  constructor(args, env = {}) {
    this.out = ""; this.err = ""; this.exit = null;
    const e = Object.assign({}, process.env, env);
    if (!("TELSIM_TOKEN" in env)) delete e.TELSIM_TOKEN;
    this.child = spawn(telsim, ["serve", ...args], { env: e, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout.on("data", (d) => { this.out += d; });
    this.child.stderr.on("data", (d) => { this.err += d; });
    this.exited = new Promise((r) => this.child.on("exit", (code, sig) => { this.exit = code ?? sig; r(this.exit); }));
  }
  async ready() {
    const deadline = Date.now() + TIMEOUT;
    while (Date.now() < deadline) {
      const l = /listening on [^ ]+:(\d+)/.exec(this.out), u = /console at http:\/\/([^/]+?):(\d+)\//.exec(this.out);
      if (l && u) return { port: Number(l[1]), ui: Number(u[2]), uiHost: u[1] };
      if (this.exit !== null) throw new Error("telsim serve exited " + this.exit + "\n" + this.describe());
      await sleep(10);
    }
    throw new Error("telsim serve did not say where it listens\n" + this.describe());
  }
  async stop(signal = "SIGTERM") {
    if (this.exit === null) this.child.kill(signal);
    const t = setTimeout(() => this.child.kill("SIGKILL"), TIMEOUT);
    await this.exited;
    clearTimeout(t);
    return this.exit;
  }
  describe() { return "--- serve stdout ---\n" + this.out + "--- serve stderr ---\n" + this.err; }
}

/// A blocking-style JSON-lines client of the wire protocol.
export class Wire {
  static async connect(port) {
    const w = new Wire();
    await new Promise((resolve, reject) => {
      w.sock = net.connect({ host: "127.0.0.1", port }, resolve);
      w.sock.once("error", reject);
    });
    w.sock.setNoDelay(true);
    w.sock.on("data", (d) => w.feed(d));
    w.sock.on("close", () => { w.closed = true; w.wake(); });
    return w;
  }
  constructor() { this.frames = []; this.buf = ""; this.nextId = 1; this.waiters = []; this.closed = false; }
  feed(d) {
    this.buf += d;
    let nl;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl); this.buf = this.buf.slice(nl + 1);
      if (line) this.frames.push(JSON.parse(line));
    }
    this.wake();
  }
  wake() { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
  /// The first frame from index `from` on that satisfies `pred`.
  async waitFor(pred, from = 0, timeout = TIMEOUT) {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (let i = from; i < this.frames.length; ++i) if (pred(this.frames[i])) return this.frames[i];
      from = this.frames.length;
      if (this.closed) throw new Error("connection closed while waiting\n" + this.transcript());
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting\n" + this.transcript());
      await new Promise((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }
  send(obj) { obj.id = this.nextId++; this.sock.write(JSON.stringify(obj) + "\n"); return obj.id; }
  async request(obj) { const id = this.send(obj); return this.waitFor((f) => f.id === id && !f.event); }
  transcript() { return this.frames.map((f) => JSON.stringify(f)).join("\n"); }
  close() { this.sock.destroy(); }
}

/// Headless chromium, offline: no proxy reaches anything (every address but the server's
/// loopback one fails), no background networking.
export async function browser() {
  const pw = playwright();
  return pw.chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--proxy-server=127.0.0.1:9"],
  });
}

/// A page with its console errors, uncaught exceptions and every request it made collected.
export async function openPage(b, url, width = 1400, height = 900) {
  const page = await b.newPage({ viewport: { width, height } });
  page.errors = []; page.requests = [];
  page.on("console", (m) => { if (m.type() === "error") page.errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => page.errors.push("exception: " + e.message));
  page.on("request", (r) => page.requests.push(r.url()));
  page.setDefaultTimeout(TIMEOUT);
  if (url) await page.goto(url);
  return page;
}

/// Measures the page: every element whose own text is visible, and the pairs of them whose
/// boxes intersect by more than a pixel (neither inside the other's element), as report.html's
/// browser test does for its ladder; and whether anything is wider than the window.
export async function overlaps(page) {
  return page.evaluate(() => {
    const items = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const p = n.parentElement;
      if (!p || p.closest("title, script, style, option")) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        if (r.width < 1 || r.height < 1) continue;
        // Clipped away by a scrolling ancestor: not seen.
        let hidden = false;
        for (let a = p; a && a !== document.body; a = a.parentElement) {
          const s = getComputedStyle(a);
          if (s.overflowX !== "visible" || s.overflowY !== "visible") {
            const b = a.getBoundingClientRect();
            if (r.bottom <= b.top || r.top >= b.bottom || r.right <= b.left || r.left >= b.right) { hidden = true; break; }
          }
        }
        if (!hidden) items.push({ text: n.textContent.trim().slice(0, 40), r, el: p });
      }
    }
    const out = [];
    for (let i = 0; i < items.length; ++i)
      for (let j = i + 1; j < items.length; ++j) {
        const a = items[i], b = items[j];
        if (a.el === b.el) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 1 && h > 1) out.push(JSON.stringify(a.text) + " | " + JSON.stringify(b.text));
      }
    return { texts: items.length, overlaps: out, scrollWidth: document.documentElement.scrollWidth,
             clientWidth: document.documentElement.clientWidth };
  });
}

/// A free loopback port (for a server that must come back on the same one).
export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

/// A small switch for the tests: four lines (300 answers by itself), a park lot, a pickup
/// group, a trunk group; one expectation an hour in (the tests stop the server long before).
export const kScenario = `name: console-check
seed: 1
pbx:
  extensions:
    - {number: "201", name: Front desk}
    - {number: "202", name: Sales}
    - {number: "203", name: Support}
    - {number: "300", name: Reception, behavior: {answer_after: 1s}}
  park: {orbits: "701-702", timeout: 10min}
  pickup_groups:
    team: ["202", "203"]
trunks:
  - {name: pstn, channels: 2, access_code: "9", number_length: 3, far_end: {answer_after: 1s}}
steps:
  - {at: 1h, expect: {line: "300", state: IDLE}}
`;
