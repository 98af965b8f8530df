// Test harness: starts a real planmap binary on a free loopback port and a
// headless Debian Chromium (via playwright-core) whose every request is
// checked to stay on this machine.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = path.dirname(FRONTEND_DIR);
export const OUTPUT_DIR = path.join(FRONTEND_DIR, 'test-output');

/** Where the browser is, or null. PLANMAP_CHROMIUM overrides. */
export function chromiumPath() {
  for (const candidate of [process.env.PLANMAP_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** Where the planmap binary is (PLANMAP_BIN, else bin/planmap from make build), or null. */
export function planmapPath() {
  const bin = process.env.PLANMAP_BIN || path.join(REPO_DIR, 'bin', 'planmap');
  return fs.existsSync(bin) ? path.resolve(bin) : null;
}

/**
 * The reason the browser tests cannot run here, or null. With CI=true a
 * missing tool is a failure, not a skip.
 */
export function missingTools() {
  const missing = [];
  if (!chromiumPath()) missing.push('chromium (apt-get install chromium fonts-noto-cjk)');
  if (!planmapPath()) missing.push(`the planmap binary (make build, or set PLANMAP_BIN; looked for ${process.env.PLANMAP_BIN || path.join(REPO_DIR, 'bin', 'planmap')})`);
  if (!fs.existsSync(path.join(FRONTEND_DIR, 'dist', 'vendor', 'maplibre-gl.mjs'))) missing.push('the frontend build (npm run build before make build)');
  if (!missing.length) return null;
  const message = `browser tests need ${missing.join('; ')}`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts planmap serve on a free port (with extra serve flags); resolves
 * once it answers. data is a dataset folder (--data); env adds variables
 * (PLANMAP_WRITE_TOKEN …) after every inherited PLANMAP_* one is dropped.
 */
export async function startPlanmap({ data, env: extraEnv = {}, flags = [] } = {}) {
  const port = await freePort();
  const args = ['serve', '--addr', `127.0.0.1:${port}`, ...flags];
  if (data) args.push('--data', data);
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PLANMAP_') && k !== 'PLANMAP_BIN') delete env[k];
  Object.assign(env, extraEnv);
  const child = spawn(planmapPath(), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode != null) throw new Error(`planmap exited with ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${base}/collections`, { headers: { Accept: 'application/json' } });
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`planmap did not answer on ${base} within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    port,
    log: () => log,
    async stop() {
      if (child.exitCode != null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Copies the built-in dataset into a fresh temporary folder with
 * `planmap init` and serves it editable: PLANMAP_WRITE_TOKEN is the
 * editor's token. stop() also removes the folder.
 */
export async function startEditablePlanmap({ token }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planmap-edit-'));
  const dir = path.join(root, 'plan');
  await new Promise((resolve, reject) => {
    const child = spawn(planmapPath(), ['init', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`planmap init exited with ${code}:\n${out}`))));
  });
  const server = await startPlanmap({ data: dir, env: { PLANMAP_WRITE_TOKEN: token } });
  const stop = server.stop;
  return {
    ...server,
    dir,
    async stop() {
      await stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * The Chromium flags for headless WebGL through SwiftShader, with no
 * background traffic. Host names other than localhost (and 127.0.0.1) resolve to nothing,
 * so a request for another machine fails in the browser itself (and is
 * reported by launchBrowser) without a round trip through the test runner.
 * PreloadTopChromeWebUI and WebUIOmniboxPopup are off: a fresh Chromium
 * (156) otherwise builds its omnibox popup, a WebUI page in a renderer of
 * its own (~1.2 s of CPU), while the first page loads — a cost of starting
 * the browser, which a user's browser paid long before, not of the page.
 */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
  '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-default-apps', '--disable-extensions', '--no-default-browser-check',
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

/**
 * Launches Chromium with a fresh profile. Every request of every page and
 * worker is recorded in `seen` as the browser issues it, and any not for
 * this machine in `offsite` (tests assert it stays empty). Such requests
 * cannot leave: CHROMIUM_ARGS resolve no host name but localhost. The
 * requests are watched, not intercepted, so the pages load as fast as
 * they would for a user.
 */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planmap-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 750 },
    locale: 'zh-CN',
  });
  const offsite = [];
  const seen = [];
  const local = (url) => {
    const u = new URL(url);
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
    return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  };
  context.on('request', (req) => {
    const url = req.url();
    seen.push(url);
    if (!local(url)) offsite.push(url);
  });
  return {
    context,
    offsite,
    seen,
    /** The profile folder, which every browser process's command line names. */
    profile: userDataDir,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens url in a new page and waits for the web map's first idle. */
export async function openMap(browser, url, { viewport } = {}) {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  page.on('pageerror', (err) => errors.push(err));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(new Error(msg.text())); });
  await page.goto(url);
  await page.waitForFunction(() => window.planmap && window.planmap.ready, null, { timeout: 30000 });
  await page.evaluate(() => window.planmap.ready);
  return { page, errors };
}

/** Waits until the map has finished moving and rendering. */
export async function idle(page) {
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.planmap.map;
    const check = () => {
      if (!map.isMoving() && map.loaded() && map.areTilesLoaded()) resolve();
      else map.once('idle', check);
    };
    map.once('idle', check);
    map.triggerRepaint();
  }));
}

export function saveScreenshot(page, name) {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, name);
  return page.screenshot({ path: file }).then(() => file);
}

/**
 * Measures what a person sees of the map: takes a screenshot of the map's
 * box as composited by the browser (not the WebGL buffer, so a canvas that
 * draws but is hidden or never composited counts as blank) and returns the
 * share of its pixels that are not near-white (the page behind an undrawn
 * canvas) and how many distinct colours (at 5 bits a channel) it holds.
 */
export async function paintedShare(page) {
  const box = await page.evaluate(() => window.planmap.map.getContainer().getBoundingClientRect().toJSON());
  const png = await page.screenshot({ clip: { x: box.x, y: box.y, width: box.width, height: box.height } });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    const colours = new Set();
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b] = [px[i], px[i + 1], px[i + 2]];
      colours.add((r >> 3) << 10 | (g >> 3) << 5 | (b >> 3));
      if (!(r > 248 && g > 248 && b > 248)) painted++;
    }
    return { painted: painted / (px.length / 4), colours: colours.size };
  }, png.toString('base64'));
}
