// The live console in a real browser (docs/ui.md): `telsim serve --ui` with a wire client as
// the application under test, and the page in headless chromium. The page loads with no console
// error and loads nothing from anywhere else; a wire client's call shows its states in order;
// clicking Answer on the called line connects it (the page's action is an ordinary request), and
// digits keyed there reach the application's call; a call in from the PSTN rings the DID's
// extension; a
// refused action shows its LINEERR; a line an application has open is watch-only until the person
// takes it over; a fault injected from the page acts on the switch; the clock
// pauses and resumes. Run by tests/ui/run.mjs (ctest: ui/console).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { Serve, TIMEOUT, Wire, browser, kScenario, openPage, tempDir } from "./harness.mjs";


describe("the live console", () => {
  let dir, serve, ep, b, page, desk;
  before(async () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, "console.yaml"), kScenario);
    serve = new Serve([path.join(dir, "console.yaml"), "--listen", "127.0.0.1:0", "--ui", "0"]);
    ep = await serve.ready();
    b = await browser();
    page = await openPage(b, `http://127.0.0.1:${ep.ui}/`);
    desk = await Wire.connect(ep.port);
    assert.equal((await desk.request({ op: "hello", version: 1, name: "desk" })).ok, true);
  });
  after(async () => {
    if (desk) desk.close();
    if (b) await b.close();
    if (serve) {
      await serve.stop();
      if (serve.exit !== 0 && serve.exit !== 1) console.error(serve.describe());
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("loads with no console error, from this server only, and lists the lines", async () => {
    await page.waitForFunction(() => document.querySelectorAll("#lines tbody tr").length === 4);
    await page.waitForFunction(() => document.getElementById("status").textContent === "connected");
    const rows = await page.$$eval("#lines tbody tr", (trs) => trs.map((t) => t.children[0].textContent + " " + t.children[1].textContent));
    assert.deepEqual(rows, ["201 Front desk", "202 Sales", "203 Support", "300 Reception"]);
    assert.match(await page.textContent("#scenario"), /console-check/);
    assert.match(await page.textContent("#parks"), /orbit 701/);
    assert.match(await page.textContent("#parks"), /pickup group team: 202, 203/);
    assert.match(await page.textContent("#trunks"), /pstn: 0 of 2 channels busy/);
    const elsewhere = page.requests.filter((u) => !u.startsWith(`http://127.0.0.1:${ep.ui}/`) && !u.startsWith("data:"));
    assert.deepEqual(elsewhere, []);
    assert.deepEqual(page.errors, []);
  });

  test("a call placed by a wire client appears with its states in order", async () => {
    assert.equal((await desk.request({ op: "open", line: "201" })).ok, true);
    const made = await desk.request({ op: "make_call", line: "201", to: "300" });
    assert.equal(made.ok, true);
    const call = made.call;
    await desk.waitFor((f) => f.event === "call_state" && f.call === call && f.state === "CONNECTED");
    const states = desk.frames.filter((f) => f.event === "call_state" && f.call === call).map((f) => f.state);
    // The page's line row shows the call connected, and its ladder the same states in order.
    await page.waitForFunction((c) => [...document.querySelectorAll("#lines .chip")].some((e) => e.textContent.startsWith(c + " CONNECTED")), call);
    await page.waitForFunction((c) => [...document.querySelectorAll("#ladder text")].filter((t) => t.textContent.startsWith(c + " ")).length >= 4, call, { timeout: TIMEOUT });
    const seen = await page.$$eval("#ladder text", (ts, c) => ts.map((t) => t.lastChild.textContent).filter((t) => t.startsWith(c + " ")).map((t) => t.split(" ")[1]), call);
    assert.deepEqual(seen, states);
    assert.deepEqual(states.slice(0, 2), ["DIALTONE", "DIALING"]);
    // Who has the line open, and the request in the log under the client's name.
    await page.waitForFunction(() => [...document.querySelectorAll("#lines tbody tr")].some((t) => t.children[0].textContent === "201" && t.children[3].textContent === "desk"));
    await page.waitForFunction((c) => document.getElementById("log").textContent.includes("desk  make_call line=201 to=300  → ok call=" + c), call);
    assert.equal((await desk.request({ op: "drop", call })).ok, true);
    assert.deepEqual(page.errors, []);
  });

  test("clicking Answer on the called line connects it; a refusal shows its LINEERR", async () => {
    const made = await desk.request({ op: "make_call", line: "201", to: "202" });
    assert.equal(made.ok, true);
    await page.click("#lines tr[data-line='202']");
    await page.waitForSelector("#sel-body .callbox");
    const callbox = page.locator("#sel-body .callbox").first();
    await callbox.locator(".chip", { hasText: "OFFERING" }).waitFor();
    // Hold on a call that is still ringing: the switch refuses, and the page says why.
    await callbox.locator("button[data-act='hold']").click();
    await page.waitForFunction(() => /LINEERR_INVALCALLSTATE/.test(document.getElementById("notice").textContent));
    assert.equal(await page.getAttribute("#notice", "class"), "err");
    await page.waitForFunction(() => [...document.querySelectorAll("#log .err")].some((e) => /hold call=c\d+ +→ LINEERR_INVALCALLSTATE/.test(e.textContent)));
    // Answer: the page opens 202 and answers; the application's call connects.
    await page.locator("#sel-body .callbox").first().locator("button[data-act='answer']").click();
    await desk.waitFor((f) => f.event === "call_state" && f.call === made.call && f.state === "CONNECTED");
    await page.waitForFunction(() => [...document.querySelectorAll("#lines tr[data-line='202'] .chip")].some((e) => / CONNECTED/.test(e.textContent)));
    const holder = await page.textContent("#lines tr[data-line='202'] td.who");
    assert.equal(holder, "this page");
    const log = await page.textContent("#log");
    assert.match(log, /ui-\d+  open line=202  → ok/);
    assert.match(log, /ui-\d+  answer call=c\d+  → ok/);
    // The person at 202 keys digits: the application's call hears them (its monitor reports each).
    assert.equal((await desk.request({ op: "monitor_digits", call: made.call, modes: ["DTMF"] })).ok, true);
    const box = page.locator("#sel-body .callbox").first();
    await box.locator("input[placeholder^='digits']").fill("42#");
    await box.locator("button[data-act='send-digits']").click();
    await desk.waitFor((f) => f.event === "monitor_digits" && f.call === made.call && f.digit === "#");
    const keyed = desk.frames.filter((f) => f.event === "monitor_digits" && f.call === made.call).map((f) => f.digit).join("");
    assert.equal(keyed, "42#");
    assert.match(await page.textContent("#log"), /ui-\d+  generate_digits call=c\d+ digits=42#  → ok/);
    assert.equal((await desk.request({ op: "drop", call: made.call })).ok, true);
    assert.deepEqual(page.errors, []);
  });

  test("a call from the PSTN rings the DID's extension; a DID that reaches none is refused", async () => {
    assert.equal((await desk.request({ op: "open", line: "203" })).ok, true);
    await page.selectOption("#pstn-trunk", "pstn");
    await page.fill("#pstn-to", "5550203");
    await page.fill("#pstn-from", "4255550100");
    await page.click("#pstn-call");
    const offered = await desk.waitFor((f) => f.event === "new_call" && f.line === "203");
    assert.equal(offered.from, "4255550100");
    assert.equal(offered.to, "203");
    assert.equal(offered.state, "OFFERING");
    await page.waitForFunction(() => /a call from the PSTN arrives on pstn for 5550203/.test(document.getElementById("notice").textContent));
    await page.waitForFunction(() => /pstn: 1 of 2 channels busy/.test(document.getElementById("trunks").textContent));
    assert.equal((await desk.request({ op: "drop", call: offered.call })).ok, true);
    await page.fill("#pstn-to", "5550999");
    await page.click("#pstn-call");
    await page.waitForFunction(() => /LINEERR_INVALADDRESS: DID 5550999 reaches no extension through pstn/.test(document.getElementById("notice").textContent));
    assert.equal((await desk.request({ op: "close", line: "203" })).ok, true);
    assert.deepEqual(page.errors, []);
  });

  test("a line an application has open is watch-only until the person takes it over", async () => {
    await page.click("#lines tr[data-line='201']");
    await page.waitForFunction(() => /Open by desk/.test(document.getElementById("sel-body").textContent));
    assert.deepEqual(await page.$$eval("#sel-body button", (bs) => bs.map((b) => b.textContent)), ["Take over"]);
    // The application's call to Reception, answered.
    const made = await desk.request({ op: "make_call", line: "201", to: "300" });
    assert.equal(made.ok, true);
    await desk.waitFor((f) => f.event === "call_state" && f.call === made.call && f.state === "CONNECTED");
    // Taken over: the person holds the application's call; the application hears it.
    await page.click("#sel-body button[data-act='take-over']");
    await page.waitForFunction(() => /took over 201 from desk/.test(document.getElementById("notice").textContent));
    const box = page.locator("#sel-body .callbox", { hasText: made.call + " CONNECTED" });
    await box.locator("button[data-act='hold']").click();
    await desk.waitFor((f) => f.event === "call_state" && f.call === made.call && f.state === "ONHOLD");
    await page.waitForFunction(() => /ui-\d+  set_privilege call=c\d+ privilege=OWNER  → ok/.test(document.getElementById("log").textContent));
    // The application still has its call and may take it back.
    assert.equal((await desk.request({ op: "unhold", call: made.call })).ok, true);
    assert.equal((await desk.request({ op: "drop", call: made.call })).ok, true);
    await page.click("#sel-body button[data-act='give-back']");
    await page.waitForFunction(() => /gave 201 back to desk/.test(document.getElementById("notice").textContent));
    await page.waitForFunction(() => [...document.querySelectorAll("#sel-body button")].map((b) => b.textContent).join() === "Take over");
    assert.deepEqual(page.errors, []);
  });

  test("a fault injected from the page acts on the switch", async () => {
    const made = await desk.request({ op: "make_call", line: "201", to: "300" });
    assert.equal(made.ok, true);
    await desk.waitFor((f) => f.event === "call_state" && f.call === made.call && f.state === "CONNECTED");
    await page.selectOption("#fault-kind", "restart");
    await page.click("#fault-inject");
    await page.waitForFunction(() => /fault \d+: /.test(document.getElementById("notice").textContent));
    const cut = await desk.waitFor((f) => f.event === "call_state" && f.call === made.call && f.state === "DISCONNECTED");
    assert.equal(cut.mode_name, "TEMPFAILURE");
    // A restart clears every call to IDLE; the handle is the application's to let go.
    await desk.waitFor((f) => f.event === "call_state" && f.call === made.call && f.state === "IDLE");
    assert.equal((await desk.request({ op: "deallocate", call: made.call })).ok, true);
    assert.deepEqual(page.errors, []);
  });

  test("the clock pauses and resumes", async () => {
    await page.click("#pause");
    await page.waitForFunction(() => document.getElementById("pause").textContent === "Resume");
    const a = await desk.request({ op: "ping" });
    await new Promise((r) => setTimeout(r, 300));
    const b2 = await desk.request({ op: "ping" });
    assert.equal(a.t, b2.t, "simulated time stands while paused");
    const state = await desk.request({ op: "switch_state" });
    assert.equal(state.clock.paused, true);
    await page.selectOption("#speed", "10");
    await page.click("#pause");
    await page.waitForFunction(() => document.getElementById("pause").textContent === "Pause");
    const c = await desk.request({ op: "switch_state" });
    assert.deepEqual(c.clock, { paused: false, speed: 10, adjustable: true });
    assert.deepEqual(page.errors, []);
  });
});
