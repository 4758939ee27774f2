// The console's doors (docs/ui.md, "Who may open it"): off loopback the page and its WebSocket
// need the server's token; without a token only this machine's own names reach it (no DNS
// rebinding) and only the console's own page may open a WebSocket; --ui off loopback without a
// token is refused at start; and an open page survives a restart of the server (it reconnects).
// Run by tests/ui/run.mjs (ctest: ui/network). Every connection is to 127.0.0.1.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { Serve, browser, freePort, kScenario, openPage, sleep, tempDir } from "./harness.mjs";

/// GET `pathname` with these headers; {status, body}.
function get(port, pathname, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, headers }, (res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("upgrade", (res, socket) => { socket.destroy(); resolve({ status: res.statusCode, body: "" }); });
    req.on("error", reject);
    req.end();
  });
}
const upgrade = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" };

describe("who may open the console", () => {
  let dir, b;
  before(async () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, "console.yaml"), kScenario);
    b = await browser();
  });
  after(async () => {
    if (b) await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("off loopback, the page and its WebSocket need the token", async () => {
    const serve = new Serve([path.join(dir, "console.yaml"), "--listen", "127.0.0.1:0", "--ui", "0.0.0.0:0", "--token", "s3cret"]);
    try {
      const ep = await serve.ready();
      assert.match(serve.out, /console at http:\/\/0\.0\.0\.0:\d+\/\?token=TOKEN/);
      const none = await get(ep.ui, "/");
      assert.equal(none.status, 401);
      assert.match(none.body, /needs the server's token/);
      assert.equal((await get(ep.ui, "/?token=wrong")).status, 401);
      assert.equal((await get(ep.ui, "/ws", upgrade)).status, 401);
      assert.equal((await get(ep.ui, "/ws?token=s3cret", upgrade)).status, 101);
      // In the browser: refused without it, the console with it (and the token leaves the
      // address bar).
      const page = await openPage(b, `http://127.0.0.1:${ep.ui}/`);
      assert.match(await page.textContent("body"), /needs the server's token/);
      await page.goto(`http://127.0.0.1:${ep.ui}/?token=s3cret`);
      await page.waitForFunction(() => document.querySelectorAll("#lines tbody tr").length === 4);
      assert.equal(new URL(page.url()).search, "");
      assert.match(serve.out + serve.err, /refused: no token/);
      assert.doesNotMatch(serve.out + serve.err, /s3cret/, "the token is never logged");
      await page.close();
    } finally {
      await serve.stop();
    }
  });

  test("off loopback without a token the server does not start", async () => {
    const serve = new Serve([path.join(dir, "console.yaml"), "--listen", "127.0.0.1:0", "--ui", "0.0.0.0:0"]);
    assert.equal(await serve.exited, 2, serve.describe());
    assert.match(serve.err, /--ui on 0\.0\.0\.0 \(not loopback\) needs a token/);
  });

  test("on loopback, only this machine's names and the console's own page get in", async () => {
    const serve = new Serve([path.join(dir, "console.yaml"), "--listen", "127.0.0.1:0", "--ui", "127.0.0.1:0"]);
    try {
      const ep = await serve.ready();
      assert.equal((await get(ep.ui, "/")).status, 200);
      assert.equal((await get(ep.ui, "/", { Host: "localhost:" + ep.ui })).status, 200);
      assert.equal((await get(ep.ui, "/", { Host: "rebound.example:" + ep.ui })).status, 403);
      assert.equal((await get(ep.ui, "/ws", { ...upgrade, Origin: "http://elsewhere.example" })).status, 403);
      assert.equal((await get(ep.ui, "/ws", { ...upgrade, Origin: `http://127.0.0.1:${ep.ui}` })).status, 101);
      assert.equal((await get(ep.ui, "/nothing")).status, 404);
    } finally {
      await serve.stop();
    }
  });

  test("an open page survives a restart of the server and reconnects", async () => {
    const [port, ui] = [await freePort(), await freePort()];
    const args = [path.join(dir, "console.yaml"), "--listen", `127.0.0.1:${port}`, "--ui", `127.0.0.1:${ui}`];
    let serve = new Serve(args);
    await serve.ready();
    const page = await openPage(b, `http://127.0.0.1:${ui}/`);
    try {
      await page.waitForFunction(() => document.getElementById("status").textContent === "connected");
      // "connected" is shown when the socket opens, the client's name when hello's reply comes.
      await page.waitForFunction(() => document.getElementById("me").textContent !== "");
      const first = await page.evaluate(() => document.getElementById("me").textContent);
      await serve.stop();
      await page.waitForFunction(() => /reconnecting|server stopped/.test(document.getElementById("status").textContent));
      await sleep(300);
      serve = new Serve(args);
      await serve.ready();
      await page.waitForFunction(() => document.getElementById("status").textContent === "connected");
      await page.waitForFunction(() => document.querySelectorAll("#lines tbody tr").length === 4);
      assert.equal(await page.evaluate(() => window.telsimStats.connects), 2);
      assert.match(first, /^you are /);
      // Only the failed reconnection attempts may have complained; no script error.
      assert.deepEqual(page.errors.filter((e) => !/WebSocket connection to .* failed/.test(e)), []);
    } finally {
      await page.close();
      await serve.stop();
    }
  });
});
