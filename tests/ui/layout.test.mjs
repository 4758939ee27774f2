// The console's layout in the middle of a transfer (docs/ui.md): the application (desk, on 201)
// has answered a customer and is consulting 202 before transferring; 203 talks to the PSTN over
// the trunk; a call is parked. At 1400 and 1920 px wide windows no text of the page overlaps
// another and nothing is wider than the window. The screenshots go to TELSIM_UI_SHOTS (a
// temporary folder by default); TELSIM_UI_SCREENSHOT=FILE also writes the 1400 px one there
// (docs/img/console.png is made so). Run by tests/ui/run.mjs (ctest: ui/layout).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { Serve, Wire, browser, openPage, overlaps, tempDir } from "./harness.mjs";

const kOffice = `name: office-live
description: an application answers the front desk (201) and transfers the customer to sales (202)
seed: 1
pbx:
  extensions:
    - {number: "201", name: Front desk}
    - {number: "202", name: Sales}
    - {number: "203", name: Support}
    - {number: "204", name: Warehouse, behavior: {answer_after: 1s}}
    - {number: "300", name: Reception, behavior: {answer_after: 1s}}
    - {number: "400", name: Customer}
  park: {orbits: "701-702", timeout: 10min}
  # 202 must still ring for the consultation when the second width is measured, however slowly
  # a loaded machine gets there (the no-answer timeout, 30 s, is 7.5 s of wall time at speed 4).
  consult_timeout: 30min
  pickup_groups:
    sales: ["202", "203"]
trunks:
  - {name: pstn, channels: 4, access_code: "9", number_length: 3, far_end: {answer_after: 1s}}
steps:
  - {at: 1s, do: make_call, line: "400", to: "201", as: customer}
  - {expect: {call: customer, state: CONNECTED}, within: 15s}
  - {at: 2s, do: make_call, line: "203", to: "9555", as: out}
  - {expect: {call: out, state: CONNECTED}, within: 10s}
  - {at: 2s, do: make_call, line: "300", to: "204", as: parkme}
  - {expect: {call: parkme, state: CONNECTED}, within: 10s}
  - {do: park, call: parkme, mode: NONDIRECTED}
`;

describe("the console's layout", () => {
  let dir, serve, ep, b, desk;
  const shots = process.env.TELSIM_UI_SHOTS || null;
  before(async () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, "office.yaml"), kOffice);
    serve = new Serve([path.join(dir, "office.yaml"), "--listen", "127.0.0.1:0", "--ui", "0", "--speed", "4"]);
    ep = await serve.ready();
    b = await browser();
    // The application: answers the customer on 201, then consults 202 for a transfer.
    desk = await Wire.connect(ep.port);
    await desk.request({ op: "hello", version: 1, name: "desk" });
    await desk.request({ op: "open", line: "201" });
    const offered = await desk.waitFor((f) => f.event === "call_state" && f.line === "201" && f.state === "OFFERING");
    assert.equal((await desk.request({ op: "answer", call: offered.call })).ok, true);
    await desk.waitFor((f) => f.event === "call_state" && f.call === offered.call && f.state === "CONNECTED");
    const t = await desk.request({ op: "setup_transfer", call: offered.call, to: "202" });
    assert.equal(t.ok, true, JSON.stringify(t));
    await desk.waitFor((f) => f.event === "call_state" && f.call === t.consult && f.state === "RINGBACK");
  });
  after(async () => {
    if (desk) desk.close();
    if (b) await b.close();
    if (serve) await serve.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const width of [1400, 1920]) {
    test(`${width} px: no text overlaps another, nothing is wider than the window`, async () => {
      const page = await openPage(b, `http://127.0.0.1:${ep.ui}/`, width, 1000);
      await page.waitForFunction(() => document.querySelectorAll("#lines tbody tr").length === 6);
      // 202 rings for the consultation: the person looks at it.
      await page.click("#lines tr[data-line='202']");
      await page.locator("#sel-body .callbox .chip", { hasText: "OFFERING" }).waitFor();
      await page.waitForFunction(() => /orbit 70\d \(.*\): 204 parked/.test(document.getElementById("parks").textContent));
      await page.waitForFunction(() => /pstn: 1 of 4/.test(document.getElementById("trunks").textContent));
      // A page opened later sees the calls in progress announced, not their past: fewer rows.
      await page.waitForFunction(() => document.querySelectorAll("#ladder text").length > 12);
      await page.waitForTimeout(400);  // the ladder redraws at most four times a second
      const m = await overlaps(page);
      const file = path.join(shots || dir, `console-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      if (width === 1400 && process.env.TELSIM_UI_SCREENSHOT)
        await page.screenshot({ path: process.env.TELSIM_UI_SCREENSHOT, fullPage: false });
      assert.ok(m.texts > 100, `only ${m.texts} texts measured`);
      assert.deepEqual(m.overlaps, [], "texts that overlap (" + file + ")");
      assert.ok(m.scrollWidth <= m.clientWidth, `the page is ${m.scrollWidth} px wide in a ${m.clientWidth} px window`);
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }
});
