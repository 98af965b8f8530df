// Browser tests of the web map: a real planmap binary, Debian's Chromium
// through playwright-core, and no request allowed off this machine.
//
//   npm test                      (after make build; PLANMAP_BIN=… to test another binary)
//
// Screenshots go to frontend/test-output/ (default-view.png, popup.png,
// coverage.png, phone.png) with timings.json (first-render times).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OUTPUT_DIR, idle, launchBrowser, missingTools, openMap, paintedShare, saveScreenshot, startPlanmap } from './harness.mjs';

const skip = missingTools() || false;
const PLANNING_LAYERS = ['industrial-parks', 'corridors', 'ports', 'enclaves'];

describe('web map in headless Chromium', { skip }, () => {
  let server;
  let browser;
  let main; // the page opened at the default view
  const timings = {};

  const getJSON = async (p) => {
    const res = await fetch(`${server.base}${p}`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200, `${p}: ${res.status}`);
    return res.json();
  };
  const renderedCounts = (page) => page.evaluate((layers) => {
    const p = window.planmap;
    return Object.fromEntries(layers.map((id) => {
      const ids = p.styleLayerIds(id).filter((l) => p.map.getLayer(l));
      return [id, ids.length ? p.map.queryRenderedFeatures({ layers: ids }).length : 0];
    }));
  }, PLANNING_LAYERS);

  before(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    server = await startPlanmap({ data: process.env.PLANMAP_TEST_DATA });
    browser = await launchBrowser();
  });

  after(async () => {
    fs.writeFileSync(path.join(OUTPUT_DIR, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    await browser?.close();
    await server?.stop();
    if (server) fs.writeFileSync(path.join(OUTPUT_DIR, 'planmap.log'), server.log());
  });

  test('the default view reaches idle and shows all four layers', async (t) => {
    const started = Date.now();
    const opened = await openMap(browser, `${server.base}/`);
    main = opened.page;
    await idle(main);
    timings.coldFirstIdleMs = Math.round(await main.evaluate(() => window.planmap.timings.firstIdle));
    timings.coldStyleLoadedMs = Math.round(await main.evaluate(() => window.planmap.timings.styleLoaded));
    timings.coldWallMs = Date.now() - started;
    t.diagnostic(`first render (navigation start → first idle): ${timings.coldFirstIdleMs} ms`);
    const counts = await renderedCounts(main);
    for (const id of PLANNING_LAYERS) assert.ok(counts[id] > 0, `no rendered feature of ${id} in the default view: ${JSON.stringify(counts)}`);
    // Layer counts in the panel are the collections' feature counts.
    const collections = (await getJSON('/collections')).collections;
    for (const c of collections) {
      const shown = await main.locator(`[data-layer-count="${c.id}"]`).textContent();
      assert.equal(shown, String(c['planmap:count']), `${c.id} count`);
    }
    // The basemap and its attribution are there.
    assert.ok(await main.evaluate(() => window.planmap.map.queryRenderedFeatures({ layers: ['basemap-land'] }).length > 0), 'no land drawn');
    assert.match(await main.locator('.maplibregl-ctrl-attrib').textContent(), /OpenStreetMap/);
    assert.deepEqual(opened.errors.map(String), []);
    await saveScreenshot(main, 'default-view.png');
    const seen = await paintedShare(main);
    assert.ok(seen.painted > 0.9 && seen.colours > 20, `the default view is not visibly drawn: ${JSON.stringify(seen)}`);
  });

  test('clicking a known park opens its panel with its name', async () => {
    const parks = (await getJSON('/collections/industrial-parks/items?limit=10000')).features;
    const area = (f) => { const b = bbox(f.geometry); return (b[2] - b[0]) * (b[3] - b[1]); };
    const park = parks.find((f) => f.properties.name === '泉州台商区') || parks.sort((a, b) => area(b) - area(a))[0];
    const b = bbox(park.geometry);
    await main.evaluate((b) => window.planmap.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 120, animate: false }), b);
    await idle(main);
    // Find a pixel where the park itself is drawn (not a neighbour on top).
    const point = await main.evaluate(({ id, b }) => {
      const p = window.planmap;
      const layers = p.styleLayerIds('industrial-parks');
      const sw = p.map.project([b[0], b[1]]), ne = p.map.project([b[2], b[3]]);
      for (let i = 1; i < 20; i++) {
        for (let j = 1; j < 20; j++) {
          const x = sw.x + ((ne.x - sw.x) * i) / 20, y = ne.y + ((sw.y - ne.y) * j) / 20;
          const hits = p.map.queryRenderedFeatures([[x - 4, y - 4], [x + 4, y + 4]], { layers: p.styleLayerIds() });
          if (hits.length && hits[0].properties.id === id && layers.includes(hits[0].layer.id)) return { x, y };
        }
      }
      return null;
    }, { id: park.id, b });
    assert.ok(point, `could not find ${park.properties.name} drawn on the map`);
    const canvas = await main.locator('#planmap-map canvas').boundingBox();
    await main.mouse.click(canvas.x + point.x, canvas.y + point.y);
    await main.locator('#details-title').waitFor({ state: 'visible' });
    await main.waitForFunction((name) => document.getElementById('details-title')?.textContent === name, park.properties.name);
    const details = await main.locator('#details').textContent();
    assert.ok(details.includes(park.properties.source_doc), 'the panel names the source document');
    const links = await main.locator('#details a').evaluateAll((as) => as.map((a) => a.href));
    assert.ok(links.includes(`${server.base}/collections/industrial-parks/items/${encodeURIComponent(park.id)}`), `links ${links}`);
    await idle(main);
    await saveScreenshot(main, 'popup.png');
  });

  test('search flies to 温州港 by simplified, traditional and pinyin name', async () => {
    const ports = (await getJSON('/collections/ports/items?limit=10000')).features;
    const port = ports.find((f) => f.properties.name === '温州港');
    assert.ok(port, 'no 温州港 in the ports layer');
    const [w, s, e, n] = bbox(port.geometry);
    for (const query of ['温州港', '溫州港', 'wenzhougang']) {
      if (await main.locator('#details').isVisible()) await main.locator('#details-close').click();
      await main.locator('#details').waitFor({ state: 'hidden' });
      await main.evaluate(() => window.planmap.map.jumpTo({ center: [114, 30], zoom: 6 }));
      await main.locator('#search-input').fill(query);
      await main.locator('#search-input').press('Enter');
      await main.waitForFunction(() => !document.getElementById('details').hidden && document.getElementById('details-title')?.textContent === '温州港');
      await idle(main);
      const view = await main.evaluate(() => {
        const m = window.planmap.map;
        return { center: m.getCenter().toArray(), zoom: m.getZoom(), bounds: m.getBounds().toArray() };
      });
      const [[vw, vs], [ve, vn]] = view.bounds;
      assert.ok(vw <= w && ve >= e && vs <= s && vn >= n, `${query}: the view ${JSON.stringify(view.bounds)} does not show 温州港 at ${[w, s, e, n]}`);
      assert.ok(view.zoom >= 9, `${query}: zoom ${view.zoom} is not close in`);
    }
  });

  test('toggling a layer hides it', async () => {
    await main.evaluate(() => window.planmap.map.jumpTo({ center: [120.7, 27.95], zoom: 8 }));
    await idle(main);
    assert.ok((await renderedCounts(main)).ports > 0, 'no port in view to hide');
    // By keyboard: focus the checkbox and press Space.
    await main.locator('input[data-layer="ports"]').focus();
    await main.keyboard.press('Space');
    await idle(main);
    assert.equal((await renderedCounts(main)).ports, 0, 'ports still drawn after unticking');
    const visibility = await main.evaluate(() => window.planmap.styleLayerIds('ports').map((id) => window.planmap.map.getLayoutProperty(id, 'visibility')));
    assert.ok(visibility.every((v) => v === 'none'), `visibility ${visibility}`);
    assert.ok((await renderedCounts(main)).corridors > 0, 'other layers must stay');
    await main.keyboard.press('Space');
    await idle(main);
    assert.ok((await renderedCounts(main)).ports > 0, 'ports not back after ticking again');
  });

  test('filters apply to the map, the list and the counts together', async () => {
    await main.evaluate(() => window.planmap.map.jumpTo({ center: [120.7, 27.95], zoom: 8 }));
    for (const s of ['under_construction', 'planned', 'proposed']) await main.locator(`input[data-status="${s}"]`).uncheck();
    await idle(main);
    const statuses = await main.evaluate(() => [...new Set(window.planmap.map.queryRenderedFeatures({ layers: window.planmap.styleLayerIds() })
      .filter((f) => f.sourceLayer !== 'enclave-links').map((f) => f.properties.status))]);
    assert.deepEqual(statuses, ['operational']);
    // The list follows once the map has redrawn.
    await main.waitForFunction(() => {
      const metas = [...document.querySelectorAll('#view-list .view-meta')].map((el) => el.textContent);
      return metas.length > 0 && metas.every((m) => m.endsWith('已建成'));
    }, null, { timeout: 15000 });
    assert.equal(await main.locator('#view-count').textContent(), String(await main.locator('#view-list .view-item').count()));
    const expected = (await getJSON('/collections/ports/items?status=operational&limit=1')).numberMatched;
    const total = (await getJSON('/collections/ports'))['planmap:count'];
    await main.waitForFunction((want) => document.querySelector('[data-layer-count="ports"]').textContent === want, `${expected} / ${total}`);
    await main.locator('#filters-reset').click();
    await idle(main);
    assert.ok((await main.evaluate(() => window.planmap.map.queryRenderedFeatures({ layers: window.planmap.styleLayerIds() })
      .some((f) => f.properties.status && f.properties.status !== 'operational'))), 'reset did not bring the other statuses back');
  });

  test('the current view downloads as GeoJSON from the items API', async () => {
    await main.evaluate(() => window.planmap.map.jumpTo({ center: [120.75, 27.95], zoom: 9 }));
    await idle(main);
    await main.locator('#panel-view summary').click();
    const [download] = await Promise.all([main.waitForEvent('download'), main.locator('#download-view').click()]);
    assert.match(download.suggestedFilename(), /^planmap-view-.*\.geojson$/);
    const fc = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert.equal(fc.type, 'FeatureCollection');
    // The same bbox asked of the items API, layer by layer, gives the same features.
    const bboxParam = fc.bbox.join(',');
    let expected = 0;
    for (const id of PLANNING_LAYERS) expected += (await getJSON(`/collections/${id}/items?bbox=${bboxParam}&limit=1`)).numberMatched;
    assert.equal(fc.features.length, expected);
    assert.ok(expected > 0, 'nothing in the view');
    assert.ok(fc.features.every((f) => PLANNING_LAYERS.includes(f.properties.layer) && f.geometry), 'features lack their layer');
    await main.locator('#panel-view summary').click();
  });

  test('a shared URL restores the view, the layers and the filters', async () => {
    await main.evaluate(() => window.planmap.map.jumpTo({ center: [120.65, 27.85], zoom: 9.5 }));
    await idle(main);
    await main.locator('input[data-layer="enclaves"]').uncheck();
    await main.locator('input[data-status="proposed"]').uncheck();
    await main.locator('#lang-toggle').click();
    await main.waitForFunction(() => location.hash.includes('hidden=enclaves') && location.hash.includes('lang=en'));
    const url = main.url();
    const { page, errors } = await openMap(browser, url);
    await idle(page);
    timings.warmFirstIdleMs = Math.round(await page.evaluate(() => window.planmap.timings.firstIdle));
    const view = await page.evaluate(() => ({ center: window.planmap.map.getCenter().toArray(), zoom: window.planmap.map.getZoom() }));
    assert.ok(Math.abs(view.center[0] - 120.65) < 1e-3 && Math.abs(view.center[1] - 27.85) < 1e-3, `center ${view.center}`);
    assert.ok(Math.abs(view.zoom - 9.5) < 0.01, `zoom ${view.zoom}`);
    assert.equal(await page.locator('input[data-layer="enclaves"]').isChecked(), false);
    assert.equal(await page.locator('input[data-status="proposed"]').isChecked(), false);
    assert.equal(await page.locator('input[data-status="planned"]').isChecked(), true);
    assert.equal((await renderedCounts(page)).enclaves, 0);
    const proposed = await page.evaluate(() => window.planmap.map.queryRenderedFeatures({ layers: window.planmap.styleLayerIds() }).filter((f) => f.properties.status === 'proposed').length);
    assert.equal(proposed, 0, 'proposed features drawn although filtered out');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.equal(await page.locator('#panel-layers summary').textContent(), 'Layers and legend');
    assert.deepEqual(errors.map(String), []);
    await page.close();
    // Back to Chinese and everything shown for the tests that follow.
    await main.locator('#lang-toggle').click();
    await main.locator('#filters-reset').click();
    await main.locator('input[data-layer="enclaves"]').check();
  });

  test('coverage: 10 km around one corridor shows the buffer and the summary', async (t) => {
    const probe = await fetch(`${server.base}/analysis/corridors`);
    if (probe.status === 404 && process.env.CI !== 'true') {
      t.skip('this binary has no /analysis endpoints yet');
      return;
    }
    const body = await probe.json();
    const corridors = Array.isArray(body) ? body : body.corridors;
    const corridor = corridors.find((c) => c.name === '甬台温高铁') || corridors[0];
    if (await main.locator('#details').isVisible()) await main.locator('#details-close').click();
    await main.locator('#panel-layers summary').click(); // fold the legend to make room
    await main.locator('#panel-coverage summary').click();
    await main.locator(`input[data-corridor="${corridor.id}"]`).check();
    await main.locator('#coverage-distance').fill('10');
    assert.equal(await main.locator('#coverage-distance-value').textContent(), '10 km');
    await main.locator('#coverage-run').click();
    await main.locator('#coverage-summary').waitFor({ state: 'visible' });
    await idle(main);
    const api = await getJSON(`/analysis/coverage?corridors=${encodeURIComponent(corridor.id)}&targets=industrial-parks,ports,enclaves&distance=10000`);
    const shown = await main.locator('.coverage-headline').evaluate((el) => ({ covered: Number(el.dataset.covered), targets: Number(el.dataset.targets), text: el.textContent }));
    assert.equal(shown.covered, api.summary.covered);
    assert.equal(shown.targets, api.summary.targets);
    assert.ok(shown.text.includes('10'), shown.text);
    for (const f of api.features) {
      assert.equal(f.properties.covered, f.properties.distance_m <= 10000, `${f.properties.id}: covered=${f.properties.covered} at ${f.properties.distance_m} m`);
    }
    const drawn = await main.evaluate(() => ({
      buffer: window.planmap.map.queryRenderedFeatures({ layers: ['planmap-coverage-buffer-fill'] }).length,
      targets: window.planmap.map.queryRenderedFeatures({ layers: ['planmap-coverage-targets-fill', 'planmap-coverage-targets-point'] })
        .map((f) => f.properties.covered),
      distance: window.planmap.coverage.last()?.buffer?.features?.[0]?.properties?.distance_m,
    }));
    assert.ok(drawn.buffer > 0, 'the buffer is not drawn');
    assert.equal(drawn.distance, 10000);
    if (api.summary.covered > 0) assert.ok(drawn.targets.includes(true), 'no covered target drawn');
    await main.locator('#coverage-summary').scrollIntoViewIfNeeded();
    await saveScreenshot(main, 'coverage.png');
  });

  test('readable at phone width and reachable by keyboard', async () => {
    const { page } = await openMap(browser, `${server.base}/`, { viewport: { width: 390, height: 844 } });
    await idle(page);
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      mapWidth: document.getElementById('planmap-map').getBoundingClientRect().width,
      fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    }));
    assert.ok(layout.scrollWidth <= 390, `page scrolls sideways: ${layout.scrollWidth}px`);
    assert.ok(layout.mapWidth >= 380, `map is ${layout.mapWidth}px wide`);
    assert.ok(layout.fontSize >= 14);
    // Tab order: skip link, then the search box.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'search-input');
    await page.keyboard.type('wzg');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('details-title')?.textContent === '温州港');
    await idle(page);
    await saveScreenshot(page, 'phone.png');
    // The details sheet must leave the map visible and drawn, with the port in it.
    const seen = await paintedShare(page);
    assert.ok(seen.painted > 0.9 && seen.colours > 20, `the map is not visibly drawn at phone width: ${JSON.stringify(seen)}`);
    const view = await page.evaluate(() => {
      const map = window.planmap.map;
      return {
        height: map.getContainer().clientHeight,
        port: map.queryRenderedFeatures().some((f) => f.properties.name === '温州港'),
      };
    });
    assert.ok(view.height >= 250, `the map keeps only ${view.height}px of height beside the details`);
    assert.ok(view.port, '温州港 is not drawn in the visible map after searching for it');
    await page.close();
  });

  test('no request left this machine', () => {
    assert.deepEqual(browser.offsite, []);
    // The guard saw the worker's tile requests, so it sees everything.
    assert.ok(browser.seen.some((u) => u.includes('/tiles/')), 'no tile request went through the guard');
    assert.ok(browser.seen.some((u) => u.includes('/basemap/land.geojson')));
  });
});

function bbox(geometry) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return [w, s, e, n];
}
