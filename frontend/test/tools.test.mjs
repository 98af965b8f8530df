// Browser tests of the map's symbology and tools on a fixture dataset made
// here (one feature per status, a large polygon, overlapping features, a
// traditional-Chinese excerpt), served by a real planmap with a GCJ-02
// basemap from a local XYZ tile server this test starts. Assertions are on
// what is drawn: rendered features, and pixels of the composited
// screenshot where a query cannot tell (dash patterns, alignment).
//
//   node --test test/tools.test.mjs      (after make build)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { OUTPUT_DIR, freePort, idle, launchBrowser, missingTools, openMap, startPlanmap } from './harness.mjs';
import { wgs84ToGcj02 } from '../web/geo.js';

const require = createRequire(import.meta.url);
const { Geodesic } = require('geographiclib-geodesic');
const skip = missingTools() || false;

const STATUSES = ['operational', 'under_construction', 'planned', 'proposed'];
const HIGHWAY = '#a67c52'; // kindColours corridors/highway in tiles/style.go
const PORT = [120.80, 27.97]; // the fixture port, where the GCJ-02 tiles mark it

const base = (id, extra) => ({
  id, name: `测试${id}`, name_en: `Test ${id}`, kind: 'industrial_park', status: 'planned', target_year: null, city: '温州市', county: '鹿城区',
  source_doc: 'test fixture', source_excerpt: '规划建设测试园区', geometry_precision: 'approximate', placement_note: null, ...extra,
});
const feature = (props, geometry) => ({ type: 'Feature', properties: props, geometry });
const square = (lon, lat, d) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] });

/** Writes the fixture dataset and returns its folder. */
function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planmap-tools-'));
  const write = (name, features) => fs.writeFileSync(path.join(dir, `${name}.geojson`), JSON.stringify({ type: 'FeatureCollection', features }));
  // four parallel highways, one per status, 1 km apart, 10 km long
  write('corridors', STATUSES.map((status, i) => feature(base(`road-${status}`, { kind: 'highway', mode: 'road', status, target_year: i === 1 ? 2030 : null }),
    { type: 'LineString', coordinates: [[120.60, 28.20 + i * 0.01], [120.70, 28.20 + i * 0.01]] })));
  write('industrial-parks', [
    // a polygon spanning many z13 tiles
    feature(base('big-zone', { kind: 'pilot_zone', status: 'planned', name: '测试大型片区' }), square(120.55, 27.80, 0.25)),
    // two that overlap, for the picker
    feature(base('overlap-a', { kind: 'innovation_base', status: 'operational', target_year: 2020 }), square(120.90, 28.30, 0.02)),
    feature(base('overlap-b', { kind: 'business_district', status: 'under_construction', target_year: 2030, source_excerpt: '規(guī)劃建設(shè)臺灣中小企業(yè)園區(qū)' }), square(120.905, 28.305, 0.02)),
    feature(base('qz-park', { kind: 'industrial_park', city: '泉州市', county: '惠安县', status: 'operational' }), square(118.75, 24.95, 0.02)),
  ]);
  write('ports', [feature(base('fixture-port', { kind: 'port', status: 'operational' }), { type: 'Point', coordinates: PORT })]);
  return dir;
}

/** A local XYZ server of 256-pixel PNG tiles: light grey, with a red 7×7 square where GCJ-02 puts PORT. */
async function gcjTileServer() {
  const mark = wgs84ToGcj02(PORT);
  const requests = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/style.json') {
      // a vector style declared GCJ-02: drawn as it comes (only a background here)
      requests.push(req.url);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
      res.end(JSON.stringify({ version: 8, sources: {}, layers: [{ id: 'paper', type: 'background', paint: { 'background-color': '#e2e4de' } }] }));
      return;
    }
    const m = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url);
    if (!m) { res.writeHead(404); res.end(); return; }
    requests.push(req.url);
    const [z, x, y] = m.slice(1).map(Number);
    const png = new PNG({ width: 256, height: 256 });
    for (let i = 0; i < png.data.length; i += 4) { png.data[i] = 226; png.data[i + 1] = 228; png.data[i + 2] = 222; png.data[i + 3] = 255; }
    const world = 256 * 2 ** z;
    const px = ((mark[0] + 180) / 360) * world - x * 256;
    const py = ((1 - Math.log(Math.tan(Math.PI / 4 + (mark[1] * Math.PI) / 360)) / Math.PI) / 2) * world - y * 256;
    for (let dy = -3; dy <= 3; dy++) {
      for (let dx = -3; dx <= 3; dx++) {
        const ix = Math.floor(px) + dx, iy = Math.floor(py) + dy;
        if (ix < 0 || iy < 0 || ix >= 256 || iy >= 256) continue;
        const i = (iy * 256 + ix) * 4;
        png.data[i] = 255; png.data[i + 1] = 0; png.data[i + 2] = 0;
      }
    }
    res.writeHead(200, { 'Content-Type': 'image/png', 'Access-Control-Allow-Origin': '*' });
    res.end(PNG.sync.write(png));
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

/** Decodes a PNG screenshot of the map's box into {width, height, data}. */
async function mapPixels(page) {
  const box = await page.evaluate(() => window.planmap.map.getContainer().getBoundingClientRect().toJSON());
  const png = PNG.sync.read(await page.screenshot({ clip: { x: box.x, y: box.y, width: box.width, height: box.height } }));
  return { ...png, at: (x, y) => { const i = (Math.round(y) * png.width + Math.round(x)) * 4; return [png.data[i], png.data[i + 1], png.data[i + 2]]; } };
}
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

describe('map symbology and tools in headless Chromium', { skip }, () => {
  let server, tiles, browser, page, errors, data;
  const getJSON = async (p) => (await fetch(`${server.base}${p}`, { headers: { Accept: 'application/json' } })).json();

  before(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    data = fixture();
    tiles = await gcjTileServer();
    server = await startPlanmap({ data, flags: ['--basemap', `Test GCJ-02|${tiles.url}/{z}/{x}/{y}.png|test tiles|gcj02`, '--basemap', `Test GCJ-02 style|${tiles.url}/style.json|test style|gcj02`] });
    browser = await launchBrowser();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    ({ page, errors } = await openMap(browser, `${server.base}/#map=13/28.215/120.65`));
    await idle(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await tiles?.close();
    if (data) fs.rmSync(data, { recursive: true, force: true });
  });

  test('each status is drawn differently: solid, dashed, dotted, faint', async () => {
    await page.evaluate(() => window.planmap.map.jumpTo({ center: [120.65, 28.215], zoom: 13.3 }));
    await idle(page);
    const lines = await page.evaluate((statuses) => statuses.map((s, i) => {
      const m = window.planmap.map;
      const y = m.project([120.65, 28.20 + i * 0.01]).y;
      const x0 = m.project([120.62, 28.2]).x, x1 = m.project([120.68, 28.2]).x;
      return { status: s, y, x0: Math.max(10, x0), x1: Math.min(m.getContainer().clientWidth - 10, x1) };
    }), STATUSES);
    // Every status has its own style layer drawing its line.
    const drawnBy = await page.evaluate(() => {
      const out = {};
      for (const f of window.planmap.map.queryRenderedFeatures({ layers: window.planmap.styleLayerIds('corridors') })) {
        const s = f.layer.metadata['planmap:status'];
        if (s && !f.layer.id.includes('halo')) (out[f.properties.status] ||= new Set()).add(s);
      }
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]]));
    });
    for (const s of STATUSES) assert.deepEqual(drawnBy[s], [s], `${s} is drawn by layers of ${drawnBy[s]} (${JSON.stringify(drawnBy)})`);
    // Hide the labels, so only the lines are sampled.
    await page.evaluate(() => { for (const l of window.planmap.map.getStyle().layers) if (l.type === 'symbol') window.planmap.map.setLayoutProperty(l.id, 'visibility', 'none'); });
    await idle(page);
    const px = await mapPixels(page);
    const ink = rgb(HIGHWAY);
    const sig = {};
    for (const l of lines) {
      let on = 0, n = 0, runs = 0, inRun = false, contrast = 0;
      for (let x = l.x0; x <= l.x1; x++) {
        const p = px.at(x, l.y);
        const bg = px.at(x, l.y - 14);
        const hit = dist(p, ink) < 60;
        contrast += dist(p, bg);
        n++;
        if (hit) { on++; if (!inRun) runs++; }
        inRun = hit;
      }
      sig[l.status] = { ratio: on / n, runs, meanRun: on / Math.max(runs, 1), contrast: contrast / n };
    }
    const s = sig;
    const msg = JSON.stringify(s);
    assert.ok(s.operational.runs <= 3 && s.operational.meanRun > 200, `operational is not solid: ${msg}`);
    assert.ok(s.under_construction.ratio > 0.4 && s.under_construction.ratio < 0.9 && s.under_construction.runs >= 8 && s.under_construction.meanRun >= 6, `under construction is not dashed: ${msg}`);
    assert.ok(s.planned.runs >= 8 && s.planned.meanRun < 6 && s.planned.ratio < s.under_construction.ratio, `planned is not dotted: ${msg}`);
    assert.ok(s.proposed.contrast < 0.75 * s.operational.contrast && s.proposed.ratio < 0.5, `proposed is not faint: ${msg}`);
    await page.evaluate(() => { for (const l of window.planmap.map.getStyle().layers) if (l.type === 'symbol') window.planmap.map.setLayoutProperty(l.id, 'visibility', 'visible'); });
    fs.writeFileSync(path.join(OUTPUT_DIR, 'status-signatures.json'), `${JSON.stringify(s, null, 2)}\n`);
  });

  test('a polygon spanning many tiles is labelled once at z13', async () => {
    await page.evaluate(() => window.planmap.map.jumpTo({ center: [120.675, 27.925], zoom: 13 }));
    await idle(page);
    const labels = await page.evaluate(() => {
      const m = window.planmap.map;
      const ids = m.getStyle().layers.filter((l) => l.type === 'symbol' && l.metadata?.['planmap:layer']).map((l) => l.id);
      const tiles = new Set();
      for (const f of m.queryRenderedFeatures({ layers: window.planmap.styleLayerIds('industrial-parks').filter((id) => id.includes('fill')) })) tiles.add(`${f.tile?.x ?? ''}/${f.tile?.y ?? ''}`);
      return { texts: m.queryRenderedFeatures({ layers: ids }).map((f) => `${f.layer.metadata['planmap:layer']}/${f.properties.id}`), fillPieces: m.queryRenderedFeatures({ layers: window.planmap.styleLayerIds('industrial-parks').filter((id) => id.includes('fill')) }).length };
    });
    assert.ok(labels.fillPieces >= 4, `the polygon should span several tiles here (${labels.fillPieces} pieces drawn)`);
    const count = labels.texts.filter((k) => k === 'industrial-parks/big-zone').length;
    assert.equal(count, 1, `the big polygon's label is drawn ${count} times: ${labels.texts}`);
  });

  test('hovering shows a tooltip and overlapping features open a picker', async () => {
    await page.evaluate(() => window.planmap.map.jumpTo({ center: [120.915, 28.315], zoom: 13 }));
    await idle(page);
    const canvas = await page.locator('#planmap-map canvas.maplibregl-canvas').boundingBox();
    const at = await page.evaluate(() => window.planmap.map.project([120.915, 28.315]));
    await page.mouse.move(canvas.x + at.x, canvas.y + at.y);
    await page.locator('#map-tooltip').waitFor({ state: 'visible' });
    const tip = await page.locator('#map-tooltip').textContent();
    assert.match(tip, /测试overlap-[ab]/);
    assert.match(tip, /此处另有 1 个/);
    await page.mouse.click(canvas.x + at.x, canvas.y + at.y);
    await page.locator('#map-picker').waitFor({ state: 'visible' });
    const picks = await page.locator('#map-picker [data-pick]').evaluateAll((bs) => bs.map((b) => b.dataset.pick).sort());
    assert.deepEqual(picks, ['industrial-parks/overlap-a', 'industrial-parks/overlap-b']);
    await page.locator('[data-pick="industrial-parks/overlap-b"]').click();
    await page.waitForFunction(() => document.getElementById('details-title')?.textContent === '测试overlap-b');
    assert.equal(await page.locator('#map-picker').isVisible(), false);
    // the excerpt is shown cleaned; the API and the verbatim toggle keep the text
    const api = (await getJSON('/collections/industrial-parks/items/overlap-b')).properties.source_excerpt;
    assert.equal(api, '規(guī)劃建設(shè)臺灣中小企業(yè)園區(qū)');
    assert.equal(await page.locator('#details blockquote').textContent(), '规划建设台湾中小企业园区');
    await page.locator('#details .excerpt button').click();
    assert.equal(await page.locator('#details blockquote').textContent(), api);
    // the clicked point stays in view once the panel has narrowed the map
    const inView = await page.evaluate(() => window.planmap.map.getBounds().contains([120.915, 28.315]));
    assert.ok(inView, 'the clicked feature left the view when the panel opened');
    assert.equal(await page.locator('#details-edit[data-edit-slot]').count(), 1, 'no place for the edit section');
    await page.locator('#details-close').click();
  });

  test('measuring a distance and an area by clicking agrees with GeographicLib within 0.5 %', async () => {
    await page.evaluate(() => window.planmap.map.jumpTo({ center: [120.65, 28.1], zoom: 10 }));
    await idle(page);
    await page.locator('[data-tool="measure"]').click();
    const canvas = await page.locator('#planmap-map canvas.maplibregl-canvas').boundingBox();
    const pts = [[120.55, 28.02], [120.78, 28.15], [120.70, 28.22]];
    const clicked = [];
    for (const p of pts) {
      const xy = await page.evaluate((p) => window.planmap.map.project(p), p);
      await page.mouse.click(canvas.x + xy.x, canvas.y + xy.y);
      clicked.push(p);
    }
    await page.locator('.measure-readout button', { hasText: '完成' }).click();
    const r = await page.evaluate(() => window.planmap.tools.measure.result());
    const g = Geodesic.WGS84;
    const truth = g.Inverse(pts[0][1], pts[0][0], pts[1][1], pts[1][0]).s12 + g.Inverse(pts[1][1], pts[1][0], pts[2][1], pts[2][0]).s12;
    assert.equal(r.points, 3);
    assert.ok(Math.abs(r.distance - truth) / truth < 0.005, `measured ${r.distance} m, GeographicLib ${truth} m`);
    const shown = Number(await page.locator('.measure-readout [data-measure]').getAttribute('data-measure'));
    assert.equal(shown, r.distance);
    assert.ok((await page.locator('.measure-readout').textContent()).includes(`${(truth / 1000).toFixed(1)}`), 'the readout does not show the distance');
    // the measured line is drawn
    assert.ok(await page.evaluate(() => window.planmap.map.queryRenderedFeatures({ layers: ['planmap-measure-line'] }).length > 0));
    // area
    await page.locator('[data-tool="measureArea"]').click();
    for (const p of pts) {
      const xy = await page.evaluate((p) => window.planmap.map.project(p), p);
      await page.mouse.click(canvas.x + xy.x, canvas.y + xy.y);
    }
    const ra = await page.evaluate(() => window.planmap.tools.measure.result());
    const poly = g.Polygon(false);
    for (const [lon, lat] of pts) poly.AddPoint(lat, lon);
    const area = Math.abs(poly.Compute(false, true).area);
    assert.ok(Math.abs(ra.area - area) / area < 0.005, `measured ${ra.area} m², GeographicLib ${area} m²`);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.measure-readout').isVisible(), false);
  });

  test('print export: PNG and PDF with title, legend, scale bar, north arrow, date and sources', async () => {
    await page.evaluate(() => window.planmap.map.jumpTo({ center: [120.65, 28.215], zoom: 13 }));
    await idle(page);
    const out = await page.evaluate(async () => {
      const r = await window.planmap.tools.exportView({ format: 'pdf' });
      return { ...r, pdf: Array.from(r.pdf.slice(0, 8)), pdfText: new TextDecoder('latin1').decode(r.pdf), pdfLength: r.pdf.length };
    });
    const { legend, scale, north, footer } = out.layout;
    for (const want of ['交通与发展走廊', '干线公路', '状态', '已建成', '在建', '规划', '谋划']) assert.ok(legend.entries.includes(want), `legend lacks ${want}: ${legend.entries}`);
    // the scale bar's length is what the map's scale says
    const mpp = await page.evaluate(() => window.planmap.tools.scaleBar(100).metresPerPixel);
    assert.ok(Math.abs(scale.width * mpp - scale.metres) / scale.metres < 0.01, `scale bar ${scale.width}px for ${scale.metres} m at ${mpp} m/px`);
    assert.match(scale.label, /^\d+(\.\d+)? k?m$/);
    assert.equal(footer.date, new Date().toISOString().slice(0, 10));
    assert.match(footer.sources, /OpenStreetMap/);
    // pixels: the legend box and the scale bar are drawn where the layout says
    const png = PNG.sync.read(Buffer.from(out.png.split(',')[1], 'base64'));
    const at = (x, y) => { const i = (Math.round(y) * png.width + Math.round(x)) * 4; return [png.data[i], png.data[i + 1], png.data[i + 2]]; };
    let inkInLegend = 0;
    for (let y = legend.y + 2; y < legend.y + legend.height - 2; y += 2) for (let x = legend.x + 2; x < legend.x + legend.width - 2; x += 2) if (dist(at(x, y), [255, 255, 255]) > 120) inkInLegend++;
    assert.ok(inkInLegend > 50, `the legend box is empty (${inkInLegend} dark samples)`);
    let bar = 0;
    for (let x = scale.x + 2; x < scale.x + scale.width - 2; x++) if (dist(at(x, scale.y + 2), [29, 36, 48]) < 30) bar++;
    assert.ok(bar > scale.width * 0.9, `the scale bar is not drawn (${bar} of ${scale.width}px)`);
    assert.ok(dist(at(north.x, north.y + 15), [29, 36, 48]) < 30, 'no north arrow');
    assert.equal(out.height, (await page.evaluate(() => window.planmap.map.getContainer().clientHeight)) + 54 + 40);
    // the PDF holds the composed image
    assert.equal(String.fromCharCode(...out.pdf.slice(0, 5)), '%PDF-');
    assert.match(out.pdfText, /\/Subtype \/Image/);
    assert.match(out.pdfText, new RegExp(`/Width ${out.width}\\b`));
    fs.writeFileSync(path.join(OUTPUT_DIR, 'print-export.png'), Buffer.from(out.png.split(',')[1], 'base64'));
  });

  test('a GCJ-02 basemap and the plan line up on a known point within 3 pixels', async () => {
    await page.evaluate(() => window.planmap.basemaps.ready);
    const options = await page.locator('.planmap-basemap-select option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(options, ['offline', 'test-gcj-02', 'test-gcj-02-style']);
    await page.evaluate(() => window.planmap.map.jumpTo({ center: [120.80, 27.97], zoom: 15 }));
    await page.locator('.planmap-basemap-select').selectOption('test-gcj-02');
    await page.waitForFunction(() => location.hash.includes('base=test-gcj-02'));
    // the overview's red view box and the port's badge would hide or mimic the mark
    const setPorts = (v) => page.evaluate((v) => { for (const id of window.planmap.styleLayerIds('ports')) window.planmap.map.setLayoutProperty(id, 'visibility', v); document.querySelector('.planmap-overview-wrap').style.visibility = v === 'none' ? 'hidden' : ''; }, v);
    await setPorts('none');
    await idle(page);
    assert.ok(tiles.requests.length > 0, 'no tile was asked of the local tile server');
    const redAround = (px, c, r) => {
      let sx = 0, sy = 0, n = 0;
      for (let y = Math.max(0, Math.floor(c[1] - r)); y < Math.min(px.height, c[1] + r); y++) {
        for (let x = Math.max(0, Math.floor(c[0] - r)); x < Math.min(px.width, c[0] + r); x++) {
          const p = px.at(x, y);
          if (p[0] > 200 && p[1] < 60 && p[2] < 60) { sx += x; sy += y; n++; }
        }
      }
      return { n, at: [sx / n, sy / n] };
    };
    let px = await mapPixels(page);
    const mark = redAround(px, [px.width / 2, px.height / 2], 1e9);
    assert.ok(mark.n >= 9, `the GCJ-02 mark is not visible (${mark.n} red pixels)`);
    const port = await page.evaluate((p) => {
      const m = window.planmap.map;
      const xy = m.project(p);
      return { at: [xy.x, xy.y], offset: window.planmap.basemaps.datumOffset(p, 'gcj02', m.getZoom() + 1) };
    }, PORT);
    const miss = Math.hypot(port.at[0] - mark.at[0], port.at[1] - mark.at[1]);
    assert.ok(miss <= 3, `the plan puts the port at ${port.at}, the basemap at ${mark.at}: ${miss.toFixed(1)} px apart`);
    assert.ok(Math.hypot(...port.offset) > 20, `the GCJ-02 offset should be large at this zoom: ${port.offset}`);
    // with the ports shown, the port's badge covers the mark and is found there
    await setPorts('visible');
    await idle(page);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'gcj02-basemap.png') });
    px = await mapPixels(page);
    assert.ok(redAround(px, mark.at, 6).n === 0, 'the port badge does not cover the basemap\'s mark');
    const hits = await page.evaluate((xy) => window.planmap.map.queryRenderedFeatures(xy, { layers: window.planmap.styleLayerIds('ports') }).map((f) => f.properties.id), mark.at);
    assert.ok(hits.includes('fixture-port'), `no port drawn at the mark: ${hits}`);
    await page.locator('.planmap-basemap-select').selectOption('offline');
    await idle(page);
    assert.equal(await page.evaluate(() => window.planmap.map.getLayer('planmap-external')), undefined);
  });

  test('a GCJ-02 vector style is drawn unshifted and the map says so', async () => {
    await page.evaluate(() => window.planmap.basemaps.ready);
    const option = (id) => page.locator(`.planmap-basemap-select option[value="${id}"]`).textContent();
    assert.match(await option('test-gcj-02-style'), /GCJ02, 未纠偏/);
    assert.doesNotMatch(await option('test-gcj-02'), /未纠偏/, 'the raster GCJ-02 basemap is aligned');
    const note = page.locator('.planmap-basemap-note');
    assert.equal(await note.isVisible(), false);
    await page.locator('.planmap-basemap-select').selectOption('test-gcj-02-style');
    await page.waitForFunction(() => location.hash.includes('base=test-gcj-02-style'));
    await idle(page);
    assert.ok(await page.evaluate(() => !!window.planmap.map.getLayer('planmap-external:paper')), 'the style\'s layer is not on the map');
    assert.equal(await note.isVisible(), true, 'no note that the plan is not aligned with the GCJ-02 style');
    assert.match(await note.textContent(), /GCJ-02.*未与之对齐/);
    await page.locator('.planmap-basemap-select').selectOption('test-gcj-02');
    await page.waitForFunction(() => location.hash.includes('base=test-gcj-02') && !location.hash.includes('style'));
    assert.equal(await note.isVisible(), false, 'the note stays for a raster GCJ-02 basemap, which is aligned');
    await page.locator('.planmap-basemap-select').selectOption('offline');
    await idle(page);
  });

  test('the timeline keeps what is built, undated or due by its year', async () => {
    await page.evaluate(() => window.planmap.map.jumpTo({ center: [120.65, 28.215], zoom: 13 }));
    await page.locator('#timeline').fill('2025');
    await page.locator('#timeline').dispatchEvent('input');
    await page.waitForFunction(() => location.hash.includes('by=2025'));
    await idle(page);
    const roads = await page.evaluate(() => [...new Set(window.planmap.map.queryRenderedFeatures({ layers: window.planmap.styleLayerIds('corridors') }).map((f) => f.properties.id))].sort());
    assert.deepEqual(roads, ['road-operational', 'road-planned', 'road-proposed'], 'the road due in 2030 is still drawn by 2025');
    await page.locator('#timeline-on').uncheck();
    await idle(page);
    const all = await page.evaluate(() => new Set(window.planmap.map.queryRenderedFeatures({ layers: window.planmap.styleLayerIds('corridors') }).map((f) => f.properties.id)).size);
    assert.equal(all, 4);
  });

  test('copy link puts the page URL on the clipboard; choosing a city moves the map there', async () => {
    await page.locator('#copy-link').click();
    await page.waitForFunction(() => window.planmap.copiedLink);
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(clip, await page.evaluate(() => location.href));
    assert.match(clip, /#map=/);
    await page.evaluate(() => window.planmap.map.jumpTo({ center: [120.65, 28.2], zoom: 12 }));
    await page.locator('input[data-city="泉州市"]').check();
    await page.waitForFunction(() => !window.planmap.map.isMoving() && window.planmap.map.getCenter().lat < 26);
    const b = await page.evaluate(() => window.planmap.map.getBounds().toArray());
    assert.ok(b[0][0] <= 118.75 && b[1][0] >= 118.77 && b[0][1] <= 24.95 && b[1][1] >= 24.97, `the view ${JSON.stringify(b)} does not show Quanzhou's park`);
    await page.locator('#filters-reset').click();
    assert.deepEqual(errors.map(String), []);
  });
});
