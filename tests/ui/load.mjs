// How the console holds up under load (docs/ui.md, "Load"): 1,000 lines, traffic that keeps
// about 200 calls in progress, and the simulated clock sped up step by step. Prints the time to
// first paint and, at each speed, the events per second the server sent a wire monitor and the
// page took in, with the page's longest frame. Not a ctest (its figures depend on the machine):
//   TELSIM_EXE=build/telsim node tests/ui/load.mjs
import fs from "node:fs";
import path from "node:path";

import { Serve, Wire, browser, openPage, sleep, tempDir } from "./harness.mjs";

const lines = 1000, calls = 200, holding = 60;
const scenario = `name: console-load
seed: 5
defaults:
  behavior: {answer_after: "uniform(1s, 3s)"}
pbx:
  extensions: ["2000-${2000 + lines - 1}"]
traffic:
  - {name: load, from: "2000-${2000 + lines - 1}", to: "2000-${2000 + lines - 1}", arrivals: poisson(${(calls / holding * 3600).toFixed(0)}/h), holding: exponential(${holding}s), for: 10h}
`;

const dir = tempDir();
fs.writeFileSync(path.join(dir, "load.yaml"), scenario);
const serve = new Serve([path.join(dir, "load.yaml"), "--listen", "127.0.0.1:0", "--ui", "0", "--speed", "20", "--quiet"]);
const ep = await serve.ready();
const wire = await Wire.connect(ep.port);
await wire.request({ op: "hello", version: 1, name: "meter" });
await wire.request({ op: "monitor", line: "*" });
// Warm up to about 200 calls in progress (three holding times at x20: 9 s).
await sleep(9000);
const warm = await wire.request({ op: "switch_state" });
const inProgress = () => {
  const live = new Map();
  for (const f of wire.frames) if (f.event === "call_state") { if (f.state === "IDLE") live.delete(f.call); else live.set(f.call, f.state); }
  return [...live.values()].filter((s) => s === "CONNECTED").length;
};
await wire.request({ op: "clock", speed: 1 });
const b = await browser();
const t0 = Date.now();
const page = await openPage(b, null, 1400, 1000);
await page.goto(`http://127.0.0.1:${ep.ui}/`);
await page.waitForFunction(() => window.telsimStats.ready != null && document.querySelectorAll("#lines tbody tr").length === 1000, null, { timeout: 60000 });
const ready = Date.now() - t0;
const paint = await page.evaluate(() => {
  const p = performance.getEntriesByName("first-contentful-paint")[0];
  return { fcp: p ? p.startTime : null, ready: window.telsimStats.ready };
});
console.log(`lines ${warm.lines.length}, calls connected ${inProgress()} (of ${lines}), page ready in ${ready} ms ` +
            `(first contentful paint ${paint.fcp?.toFixed(0)} ms, every line and call listed at ${paint.ready.toFixed(0)} ms)`);
// Frame gaps on the page's main thread.
await page.evaluate(() => {
  window.gaps = { max: 0, last: performance.now() };
  const loop = () => { const n = performance.now(); window.gaps.max = Math.max(window.gaps.max, n - window.gaps.last); window.gaps.last = n; requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
});
for (const speed of [1, 5, 10, 25, 50, 100]) {
  await wire.request({ op: "clock", speed });
  await sleep(1000);
  const w0 = wire.frames.length, p0 = await page.evaluate(() => { window.gaps.max = 0; return window.telsimStats.events; });
  const s0 = Date.now();
  await sleep(5000);
  const secs = (Date.now() - s0) / 1000;
  const sent = wire.frames.filter((f, i) => i >= w0 && f.event).length / secs;
  const p1 = await page.evaluate(() => ({ events: window.telsimStats.events, gap: window.gaps.max, render: window.telsimStats.maxRenderMs }));
  // What the page still had to take in after the window: it keeps up when that is nothing.
  await wire.request({ op: "clock", action: "pause" });
  await sleep(1500);
  const p2 = await page.evaluate(() => window.telsimStats.events);
  await wire.request({ op: "clock", action: "resume" });
  console.log(`x${speed}: monitor ${sent.toFixed(0)} events/s, page ${((p1.events - p0) / secs).toFixed(0)} events/s, ` +
              `${p2 - p1.events} behind at the end of the window, longest frame ${p1.gap.toFixed(0)} ms, calls connected ${inProgress()}`);
}
console.log(`page errors: ${page.errors.length ? page.errors.join("; ") : "none"}`);
await b.close();
wire.close();
await serve.stop();
fs.rmSync(dir, { recursive: true, force: true });
