// The live dashboard in a real browser: headless Debian Chromium driven by
// playwright-core, on each binding (cpp-httplib: Server-Sent Events and
// POSTs; Boost.Beast: one WebSocket). A private mosquitto and
// tern-live-dashboard on free loopback ports; the page subscribes, a message
// published with tern-pub appears in it within 2 s; the page publishes,
// mosquitto_sub receives it; with a second tab that handles each message
// slowly, a burst of 200 messages reaches the first tab in full within 2 s;
// a screenshot is saved. Exits 0 on success, 1 on failure, 77 (skipped) when
// Chromium or playwright-core is missing, unless TERN_BROWSER_REQUIRED is set:
// then a missing prerequisite is a failure (scripts/test.sh sets it).
//
// Environment (meson sets them): TERN_DASHBOARD, TERN_PUB, TERN_SCREENSHOT.
// Setup: scripts/test.sh installs chromium and runs `npm ci` in tests/browser.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const chromiumPath = '/usr/bin/chromium';
const mosquittoPath = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
const dashboardPath = process.env.TERN_DASHBOARD;
const pubPath = process.env.TERN_PUB;
const screenshotPath = process.env.TERN_SCREENSHOT || path.join(here, '../../build/live_dashboard.png');

function skip(why) {
  if (process.env.TERN_BROWSER_REQUIRED) {
    console.log(`browser: FAILED: ${why}`);
    process.exit(1);
  }
  console.log(`browser: skipped (${why})`);
  process.exit(77);
}

if (!existsSync(chromiumPath)) skip(`${chromiumPath} is missing: apt-get install chromium`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  // Not only a missing package: a node too old for the pinned version fails here too.
  skip(`playwright-core cannot be loaded (${String(e.message || e).split('\n')[0]}): (cd tests/browser && npm ci)`);
}
if (!dashboardPath || !pubPath) skip('TERN_DASHBOARD and TERN_PUB must name the built binaries');

const cleanups = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

async function until(what, timeoutMs, pred) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Starts a child; its output is collected for failure messages; killed at the end. */
function start(cmd, args, env = {}, input = null) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== null) child.stdin.end(input);
  child.output = '';
  child.stdout.on('data', (d) => { child.output += d; });
  child.stderr.on('data', (d) => { child.output += d; });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', (e) => { child.output += String(e); });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await child.exited;
      clearTimeout(t);
    }
  });
  return child;
}

async function run(binding) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tern-browser-'));
  cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));

  // A private mosquitto (never the system one on 1883).
  const brokerPort = await freePort();
  const brokerLog = path.join(tmp, 'mosquitto.log');
  writeFileSync(path.join(tmp, 'mosquitto.conf'), [
    ...(process.getuid && process.getuid() === 0 ? ['user root'] : []),
    `listener ${brokerPort} 127.0.0.1`, 'allow_anonymous true', 'persistence false',
    `log_dest file ${brokerLog}`, 'log_type all', 'connection_messages true', '',
  ].join('\n'));
  const broker = start(mosquittoPath, ['-c', path.join(tmp, 'mosquitto.conf')]);
  await until('mosquitto to listen', 5000, () => accepts(brokerPort));
  const log = () => (existsSync(brokerLog) ? readFileSync(brokerLog, 'utf8') : '');

  // The dashboard, configured through the environment as the demo is.
  const webPort = await freePort();
  const base = `http://127.0.0.1:${webPort}`;
  const dashboard = start(dashboardPath, ['--binding', binding, '--listen', `127.0.0.1:${webPort}`],
                          { MQTT_BROKER_URL: '127.0.0.1', MQTT_BROKER_PORT: String(brokerPort) });
  await until('the dashboard to connect to the broker', 10000, async () => {
    try {
      return (await (await fetch(`${base}/mqtt/status`)).json()).connected === true;
    } catch { return false; }
  }).catch((e) => { throw new Error(`${e.message}\n${dashboard.output}`); });

  const userDataDir = path.join(tmp, 'chromium-profile');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1200, height: 760 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  cleanups.push(async () => context.close());
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await page.goto(base + '/');
  await page.waitForSelector('body[data-stream="open"]', { timeout: 10000 });
  await page.waitForSelector('#conn.up', { timeout: 10000 });
  const transport = await page.evaluate(() => document.body.dataset.transport);
  const wanted = binding === 'beast' ? 'websocket' : 'sse';
  if (transport !== wanted) throw new Error(`the page uses ${transport} on ${binding}, wanted ${wanted}`);

  // 1. Subscribe from the page; publish with tern-pub; the row appears within 2 s.
  const run = Math.random().toString(36).slice(2, 8);
  const filter = `tern/browser/${run}/#`;
  await page.fill('#sub-topic', filter);
  await page.click('#subscribe');
  await page.waitForSelector(`body[data-subscribed="${filter}"]`, { timeout: 5000 });
  await until('the broker to log the SUBSCRIBE', 5000, () => log().includes(filter));

  const inTopic = `tern/browser/${run}/sensor`;
  const inText = `21.5 °C from tern-pub ${run}`;
  const t0 = Date.now();
  const pub = start(pubPath, ['-h', '127.0.0.1', '-p', String(brokerPort), '-t', inTopic, '-m', inText, '-q', '1']);
  const row = page.locator('tr.message', { hasText: inText });
  await row.waitFor({ timeout: 2000 }).catch((e) => {
    throw new Error(`the message published with tern-pub did not appear within 2 s: ${e.message}\n${pub.output}`);
  });
  const latency = Date.now() - t0;
  const { code } = await pub.exited;
  if (code !== 0) throw new Error(`tern-pub exited with ${code}: ${pub.output}`);
  if ((await row.locator('td.topic').textContent()) !== inTopic) throw new Error('wrong topic in the row');

  // 2. Publish from the page; mosquitto_sub receives it.
  const outTopic = `tern/browser/${run}/from-page`;
  const outText = `hello from the page ${run}`;
  const sub = start('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(brokerPort), '-t', outTopic, '-C', '1', '-W', '10']);
  await until('mosquitto_sub to subscribe', 5000, () => log().includes(outTopic));
  await page.fill('#pub-topic', outTopic);
  await page.fill('#pub-message', outText);
  await page.selectOption('#pub-qos', '1');
  await page.click('#publish');
  const subExit = await sub.exited;
  if (subExit.code !== 0 || sub.output.trim() !== outText)
    throw new Error(`mosquitto_sub got ${JSON.stringify(sub.output)} (exit ${subExit.code}), wanted ${outText}`);
  // The page's own subscription (tern/browser/<run>/#) brings it back into the list too.
  await page.locator('tr.message', { hasText: outText }).waitFor({ timeout: 2000 });
  await page.waitForSelector('#publish-note:has-text("published on")', { timeout: 2000 });

  // 3. A slow tab (20 ms of work per message) does not slow this one: a
  // burst of 200 messages arrives here in full within 2 s.
  const slow = await context.newPage();
  slow.on('pageerror', (e) => pageErrors.push(String(e)));
  await slow.goto(base + '/');
  await slow.waitForSelector('body[data-stream="open"]', { timeout: 10000 });
  await slow.evaluate(() => {
    const show = window.addMessage;
    window.addMessage = (m) => {
      const end = performance.now() + 20;
      while (performance.now() < end);
      show(m);
      window.slowDoneAt = Date.now();
    };
  });
  const burst = 200;
  const lines = Array.from({ length: burst }, (_, i) => `burst ${run} ${i}`).join('\n') + '\n';
  const b0 = Date.now();
  const flood = start('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(brokerPort), '-t', `tern/browser/${run}/burst`, '-l'],
                      {}, lines);
  await until(`all ${burst} messages of the burst in the first tab`, 2000, () =>
    page.evaluate((r) => Array.from(document.querySelectorAll('tr.message td.payload'))
      .filter((td) => td.textContent.startsWith(`burst ${r} `)).length, run).then((n) => n === burst));
  const burstMs = Date.now() - b0;
  await flood.exited;
  // The slow tab gets them all too, in its own time (nothing dropped: 200
  // fit in the server's queue for it).
  await until(`all ${burst} messages in the slow tab`, 20000, () =>
    slow.evaluate((r) => Array.from(document.querySelectorAll('tr.message td.payload'))
      .filter((td) => td.textContent.startsWith(`burst ${r} `)).length, run).then((n) => n === burst));
  const slowMs = (await slow.evaluate(() => window.slowDoneAt)) - b0;

  await page.screenshot({ path: screenshotPath.replace(/\.png$/, `-${binding}.png`), fullPage: true });
  if (pageErrors.length) throw new Error(`JavaScript errors in the page: ${pageErrors.join('; ')}`);
  return { latency, burstMs, slowMs, transport };
}

let status = 0;
const results = [];
for (const binding of (process.env.TERN_BINDINGS || 'httplib beast').split(' ')) {
  try {
    const r = await run(binding);
    results.push(`${binding} over ${r.transport}: tern-pub to page ${r.latency} ms, ` +
                 `200-message burst in ${r.burstMs} ms while a slow tab took ${r.slowMs} ms`);
  } catch (e) {
    console.log(`browser: FAILED on ${binding}: ${e.stack || e}`);
    status = 1;
  }
  for (const c of cleanups.reverse()) {  // last started, first stopped
    try { await c(); } catch { /* best effort */ }
  }
  cleanups.length = 0;
}
if (status === 0) console.log(`browser: ok (${results.join('; ')}; screenshots ${screenshotPath.replace(/\.png$/, '-*.png')})`);
process.exit(status);
