// The labels' glyphs made at build time (scripts/glyphs.mjs, dist/vendor/glyphs.bin)
// against the truth they replace: the same labels drawn by MapLibre from the
// browser's own font (the page without glyphs.bin draws every glyph locally).
// Both pages draw only the labels, on the style's background; the dark ink
// of the text must cover the same pixels (within one pixel) in the same
// amount, the same labels must be placed, and MapLibre must have drawn no
// glyph itself — except one glyphs.bin lacks, which it must draw itself.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { FRONTEND_DIR, OUTPUT_DIR, idle, launchBrowser, missingTools, openMap, startPlanmap } from './harness.mjs';

const skip = missingTools() || (fs.existsSync(path.join(FRONTEND_DIR, 'dist', 'vendor', 'glyphs.bin'))
  ? false : (process.env.CI === 'true' ? assert.fail('no dist/vendor/glyphs.bin: the build needs fonts-noto-cjk') : 'no dist/vendor/glyphs.bin (the build found no fonts-noto-cjk)'));

const VIEWS = [
  { name: 'default view', hash: '' },
  { name: 'Wenzhou z11', hash: '#map=11/28.0/120.75' },
  { name: 'Quanzhou z12 in English', hash: '#map=12/24.9/118.6&lang=en' },
];

/** Opens the map at hash, draws only its labels and returns the map's pixels, the labels drawn and how glyphs were made. */
async function labelsOnly(browser, base, hash, { local }) {
  const { page: map, errors } = await openMapWithRoute(browser, `${base}/${hash}`, local);
  const info = await map.evaluate(() => {
    const m = window.planmap.map;
    const labels = m.queryRenderedFeatures().filter((f) => f.layer.type === 'symbol' && f.layer.layout?.['text-field'])
      .map((f) => `${f.layer.id}/${f.properties.id ?? f.properties.label ?? f.properties.name}`);
    const entries = Object.values(m.style?.glyphManager?.entries || {});
    const drawn = entries.flatMap((e) => Object.values(e.glyphs?.default || {})).filter(Boolean);
    return {
      labels: [...new Set(labels)].sort(),
      glyphs: drawn.length,
      localGlyphs: drawn.filter((g) => g.metrics?.isDoubleResolution).length,
      localChars: drawn.filter((g) => g.metrics?.isDoubleResolution).map((g) => String.fromCodePoint(g.id)).join(""),
      box: m.getContainer().getBoundingClientRect().toJSON(),
    };
  });
  // The ink is compared on the point labels: a label along a line is placed
  // where it fits, which whole-pixel advances can change (see below).
  await map.evaluate(() => {
    const m = window.planmap.map;
    for (const l of m.getStyle().layers) {
      if ((l.type !== 'symbol' && l.type !== 'background') || l.layout?.['symbol-placement'] === 'line') m.setLayoutProperty(l.id, 'visibility', 'none');
    }
  });
  await idle(map);
  const png = PNG.sync.read(await map.screenshot({ clip: { x: info.box.x, y: info.box.y, width: info.box.width, height: info.box.height } }));
  await map.close();
  return { ...info, png, errors };
}

async function openMapWithRoute(browser, url, local, glyphsBin) {
  if (!local && !glyphsBin) return openMap(browser, url);
  const page = await browser.context.newPage();
  await page.route('**/app/vendor/glyphs.bin', (route) => route.fulfill(glyphsBin ? { status: 200, body: glyphsBin } : { status: 404, body: 'none' }));
  const errors = [];
  page.on('pageerror', (err) => errors.push(err));
  await page.goto(url);
  await page.waitForFunction(() => window.planmap && window.planmap.ready, null, { timeout: 30000 });
  await page.evaluate(() => window.planmap.ready);
  return { page, errors };
}

/** The text's ink: pixels much darker than the background (labels are dark on white halos). */
function ink(png) {
  const mask = new Uint8Array(png.width * png.height);
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    const [r, g, b] = [png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]];
    if (0.299 * r + 0.587 * g + 0.114 * b < 140) { mask[i] = 1; n++; }
  }
  return { mask, n, width: png.width, height: png.height };
}

/** Share of a's ink pixels with ink of b within one pixel. */
function coveredWithin1px(a, b) {
  let hit = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (!a.mask[y * a.width + x]) continue;
      let found = false;
      for (let dy = -1; dy <= 1 && !found; dy++) {
        for (let dx = -1; dx <= 1 && !found; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < b.height && xx >= 0 && xx < b.width && b.mask[yy * b.width + xx]) found = true;
        }
      }
      if (found) hit++;
    }
  }
  return a.n ? hit / a.n : 1;
}

describe('labels from the build\'s glyphs match those drawn from the browser\'s font', { skip }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startPlanmap({ data: process.env.PLANMAP_TEST_DATA });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a character glyphs.bin lacks is drawn from the browser\'s font', async () => {
    // glyphs.bin as if the data had a character the build did not see: 温
    // is left out of its range's list (the range itself is still served).
    const bin = fs.readFileSync(path.join(FRONTEND_DIR, 'dist', 'vendor', 'glyphs.bin'));
    const n = bin.readUInt32LE(0);
    const index = JSON.parse(bin.subarray(4, 4 + n).toString('utf8'));
    const range = index.ranges[Math.floor('温'.codePointAt(0) / 256)];
    assert.ok(range?.[2].includes('温'), 'glyphs.bin has no 温');
    range[2] = range[2].replace('温', '');
    const json = Buffer.from(JSON.stringify(index), 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32LE(json.length);
    const { page, errors } = await openMapWithRoute(browser, `${server.base}/`, false, Buffer.concat([head, json, bin.subarray(4 + n)]));
    await idle(page);
    const got = await page.evaluate(() => {
      const m = window.planmap.map;
      const drawn = Object.values(m.style?.glyphManager?.entries || {}).flatMap((e) => Object.values(e.glyphs?.default || {})).filter(Boolean);
      const labels = m.queryRenderedFeatures().filter((f) => f.layer.type === 'symbol').map((f) => f.properties.label || f.properties.name || '');
      return { labels, local: drawn.filter((g) => g.metrics?.isDoubleResolution).map((g) => String.fromCodePoint(g.id)).join(''), glyphs: drawn.length };
    });
    await page.close();
    assert.deepEqual(errors.map(String), []);
    assert.ok(got.labels.some((l) => l.includes('温')), `温州 is not labelled in the default view: ${got.labels.join(' ')}`);
    if (got.glyphs) assert.equal(got.local, '温', 'the glyphs drawn locally are not exactly the one left out');
  });

  for (const view of VIEWS) {
    test(view.name, async (t) => {
      const built = await labelsOnly(browser, server.base, view.hash, { local: false });
      const local = await labelsOnly(browser, server.base, view.hash, { local: true });
      assert.deepEqual(built.errors.map(String), []);
      assert.ok(built.labels.length >= 3, `${view.name}: only ${built.labels.length} labels drawn`);
      // Advances are whole pixels in a glyph PBF (the browser's CJK advance
      // is 24.00005 px): a label along a line may just fit, or a label of
      // exactly text-max-width ems stay on one line, where the browser's font
      // made it a fraction too wide.
      const only = [...built.labels.filter((l) => !local.labels.includes(l)), ...local.labels.filter((l) => !built.labels.includes(l))];
      assert.ok(only.length <= Math.max(1, built.labels.length / 10), `${view.name}: not the same labels placed: ${only.join(', ')}`);
      // MapLibre's own state, when it has it: which glyphs came from the build.
      if (built.glyphs) assert.equal(built.localGlyphs, 0, `${view.name}: ${built.localGlyphs} of ${built.glyphs} glyphs drawn locally despite glyphs.bin: ${JSON.stringify(built.localChars)}`);
      if (local.glyphs) assert.equal(local.localGlyphs, local.glyphs, `${view.name}: without glyphs.bin, glyphs still came from it`);
      const a = ink(built.png), b = ink(local.png);
      const ab = coveredWithin1px(a, b), ba = coveredWithin1px(b, a);
      t.diagnostic(`${view.name}: ${built.labels.length} labels (${only.length} placed in one only), ${built.glyphs} glyphs; ink ${a.n} px (build) vs ${b.n} px (browser's font); within 1 px: ${(ab * 100).toFixed(1)} % / ${(ba * 100).toFixed(1)} %`);
      fs.mkdirSync(OUTPUT_DIR, { recursive: true });
      fs.writeFileSync(path.join(OUTPUT_DIR, `glyphs-${view.name.replace(/\W+/g, '-')}-build.png`), PNG.sync.write(built.png));
      fs.writeFileSync(path.join(OUTPUT_DIR, `glyphs-${view.name.replace(/\W+/g, '-')}-browser.png`), PNG.sync.write(local.png));
      assert.ok(Math.abs(a.n - b.n) / b.n < 0.15, `${view.name}: ink ${a.n} px vs ${b.n} px`);
      // Same pixels give 0.98-0.99 here; the build's labels moved by 2 px give 0.75.
      assert.ok(ab > 0.85 && ba > 0.85, `${view.name}: ink within 1 px ${ab.toFixed(3)} / ${ba.toFixed(3)}`);
    });
  }
});
