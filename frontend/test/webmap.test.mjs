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
import zlib from 'node:zlib';
import path from 'node:path';
import { OUTPUT_DIR, idle, launchBrowser, missingTools, openMap, paintedShare, saveScreenshot, startPlanmap } from './harness.mjs';
import { label, setVocabulary } from '../web/i18n.js';
import { cleanExcerpt, parseT2S } from '../web/text.js';

const T2S = parseT2S(fs.readFileSync(new URL('../../data/search_t2s.txt', import.meta.url), 'utf8'));

const skip = missingTools() || false;
const PLANNING_LAYERS = ['industrial-parks', 'corridors', 'ports', 'enclaves', 'ecological-spaces'];

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

  /**
   * The details panel shows the feature's own properties from the items
   * API: name, name_en, kind, status, target year, city / county, source
   * document and excerpt, geometry precision (labels in Chinese).
   */
  const checkDetails = async (layer, id) => {
    const p = (await getJSON(`/collections/${layer}/items/${encodeURIComponent(id)}`)).properties;
    await main.waitForFunction((name) => document.getElementById('details-title')?.textContent === name, p.name);
    const shown = await main.locator('#details').evaluate((el) => {
      const rows = {};
      for (const dt of el.querySelectorAll('dt')) rows[dt.textContent] = (dt.nextElementSibling.querySelector('blockquote') || dt.nextElementSibling).textContent;
      return { title: el.querySelector('#details-title').textContent, nameEn: el.querySelector('.name-en')?.textContent ?? null, rows };
    });
    const what = `${layer}/${id} details`;
    assert.equal(shown.title, p.name, what);
    assert.equal(shown.nameEn, p.name_en ?? null, `${what}: name_en`);
    assert.equal(shown.rows['类型'], label('kind', p.kind), `${what}: kind`);
    assert.equal(shown.rows['状态'], label('status', p.status), `${what}: status`);
    assert.equal(shown.rows['目标年份'], p.target_year == null ? '—' : String(p.target_year), `${what}: target year`);
    assert.equal(shown.rows['城市 / 区县'], [p.city, p.county].filter(Boolean).join(' ') || '—', `${what}: city / county`);
    assert.equal(shown.rows['来源文件'], p.source_doc, `${what}: source document`);
    // shown cleaned (pinyin readings dropped, simplified); the API keeps it verbatim
    assert.equal(shown.rows['原文摘录'], p.source_excerpt == null ? undefined : cleanExcerpt(p.source_excerpt, T2S), `${what}: excerpt`);
    if (p.source_excerpt) assert.ok(![...shown.rows['原文摘录']].some((c) => T2S.has(c)) && !/[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)/u.test(shown.rows['原文摘录']), `${what}: excerpt not cleaned`);
    assert.equal(shown.rows['几何精度'], label('geometry_precision', p.geometry_precision), `${what}: geometry precision`);
    assert.ok(p.source_doc && p.geometry_precision, `${what}: the API feature lacks source_doc or geometry_precision`);
  };

  // ---- filters against the items API ----
  // A feature's key is layer/id. The features drawn in a view are compared
  // with the items API asked for the view's bbox; to make that exact, views
  // are chosen where the API gives the same answer for the bbox shrunk by
  // INNER_PAD and grown by OUTER_PAD pixels (nothing sits near an edge,
  // counting circle radii, line widths and labels).
  const INNER_PAD = 8;
  const OUTER_PAD = 100;
  const drawnKeys = (page) => page.evaluate(() => {
    const p = window.planmap;
    const keys = new Set();
    for (const f of p.map.queryRenderedFeatures({ layers: p.styleLayerIds().filter((id) => p.map.getLayer(id)) })) {
      if (f.sourceLayer !== 'enclave-links') keys.add(`${f.layer.metadata['planmap:layer']}/${f.properties.id ?? f.id}`);
    }
    return [...keys].sort();
  });
  const viewBBox = (page, pad) => page.evaluate((pad) => {
    const m = window.planmap.map;
    const c = m.getContainer();
    const nw = m.unproject([-pad, -pad]), se = m.unproject([c.clientWidth + pad, c.clientHeight + pad]);
    return [nw.lng, se.lat, se.lng, nw.lat].map((v) => v.toFixed(6)).join(',');
  }, pad);
  /** Features of the API in a bbox: [{key, id, kind, city, target_year}], sorted by key. */
  const apiFeatures = async (bbox, paramsFor = () => ({})) => {
    const out = [];
    for (const layer of PLANNING_LAYERS) {
      const extra = paramsFor(layer);
      if (extra === null) continue;
      const q = new URLSearchParams({ ...extra, bbox, limit: '10000', properties: 'id,kind,city,target_year' });
      for (const f of (await getJSON(`/collections/${layer}/items?${q}`)).features) {
        const id = String(f.id ?? f.properties.id);
        out.push({ key: `${layer}/${id}`, id, ...f.properties });
      }
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  };
  const keysOf = (fs) => fs.map((f) => f.key);
  /** The API's features for a filter in a page's view, when no feature is near the view's edges (else null). */
  const stableExpected = async (page, paramsFor) => {
    const inner = keysOf(await apiFeatures(await viewBBox(page, -INNER_PAD), paramsFor));
    const outer = keysOf(await apiFeatures(await viewBBox(page, OUTER_PAD), paramsFor));
    return JSON.stringify(inner) === JSON.stringify(outer) ? inner : null;
  };
  /** Asserts that the map draws and the list shows exactly `expected` (keys). */
  const assertShows = async (page, expected, what) => {
    await idle(page);
    assert.deepEqual(await drawnKeys(page), expected, `${what}: the map does not draw exactly the API's features`);
    const ids = expected.map((k) => k.slice(k.indexOf('/') + 1)).sort();
    const listed = () => page.evaluate(() => ({
      ids: [...document.querySelectorAll('#view-list .view-item')].map((b) => b.dataset.id).sort(),
      count: document.getElementById('view-count').textContent,
    }));
    await page.waitForFunction((want) => {
      const got = [...document.querySelectorAll('#view-list .view-item')].map((b) => b.dataset.id).sort();
      return JSON.stringify(got) === JSON.stringify(want) && document.getElementById('view-count').textContent === String(want.length);
    }, ids, { timeout: 10000 }).catch(() => {});
    assert.deepEqual(await listed(), { ids, count: String(ids.length) }, `${what}: the list does not show exactly the API's features`);
  };

  /** The coverage summary's tables by layer, status and kind show the API's numbers. */
  const checkBreakdowns = async (summary, what) => {
    const shown = await main.locator('#coverage-summary').evaluate((el) => {
      const read = (group) => Object.fromEntries([...el.querySelectorAll(`table[data-breakdown="${group}"] tbody tr`)].map((tr) => [tr.dataset[group], {
        covered: Number(tr.dataset.covered), targets: Number(tr.dataset.targets),
        label: tr.querySelector('th').textContent, text: tr.querySelector('td').textContent,
      }]));
      return { layer: read('layer'), status: read('status'), kind: read('kind') };
    });
    for (const group of ['layer', 'status', 'kind']) {
      const want = summary[`by_${group}`] || {};
      assert.deepEqual(Object.keys(shown[group]).sort(), Object.keys(want).sort(), `${what}: rows by ${group}`);
      for (const [key, v] of Object.entries(want)) {
        const row = shown[group][key];
        assert.deepEqual([row.covered, row.targets], [v.covered, v.targets], `${what}: ${group} ${key}`);
        assert.equal(row.text, `${v.covered} / ${v.targets}`, `${what}: ${group} ${key} as shown`);
        assert.equal(row.label, label(group, key === 'unknown' ? null : key), `${what}: ${group} ${key} label`);
      }
    }
  };

  before(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    server = await startPlanmap({ data: process.env.PLANMAP_TEST_DATA });
    // Labels come from the server's vocabulary table, which the style carries.
    setVocabulary((await getJSON('/styles/default.json')).metadata['planmap:vocabulary']);
    browser = await launchBrowser();
  });

  after(async () => {
    fs.writeFileSync(path.join(OUTPUT_DIR, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    await browser?.close();
    await server?.stop();
    if (server) fs.writeFileSync(path.join(OUTPUT_DIR, 'planmap.log'), server.log());
  });

  test('the default view reaches idle and shows every planning layer', async (t) => {
    const started = Date.now();
    const opened = await openMap(browser, `${server.base}/`);
    main = opened.page;
    await idle(main);
    timings.coldFirstIdleMs = Math.round(await main.evaluate(() => window.planmap.timings.firstIdle));
    timings.coldStyleLoadedMs = Math.round(await main.evaluate(() => window.planmap.timings.styleLoaded));
    // The idle event can come before the GPU has drawn the frame it follows:
    // the first frame counts as rendered once it has been composited.
    await main.waitForFunction(() => window.planmap.timings.firstDrawn > 0, null, { timeout: 60000 });
    timings.coldFirstDrawnMs = Math.round(await main.evaluate(() => window.planmap.timings.firstDrawn));
    timings.coldFirstRenderMs = Math.max(timings.coldFirstIdleMs, timings.coldFirstDrawnMs);
    timings.coldWallMs = Date.now() - started;
    t.diagnostic(`first render (navigation start → first idle and the first frame composited, the later of the two): ${timings.coldFirstRenderMs} ms (idle ${timings.coldFirstIdleMs} ms, composited ${timings.coldFirstDrawnMs} ms)`);
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
    // … folded to its ⓘ button, so that it does not cover the map.
    const attrib = await main.locator('.maplibregl-ctrl-attrib').evaluate((el) => ({
      className: el.className, open: el.hasAttribute('open'),
      innerShown: getComputedStyle(el.querySelector('.maplibregl-ctrl-attrib-inner')).display !== 'none',
      width: el.getBoundingClientRect().width,
    }));
    assert.ok(attrib.className.includes('maplibregl-compact') && !attrib.className.includes('maplibregl-compact-show') && !attrib.open && !attrib.innerShown,
      `the attribution starts expanded: ${JSON.stringify(attrib)}`);
    assert.ok(attrib.width < 60, `the folded attribution is ${attrib.width}px wide`);
    assert.deepEqual(opened.errors.map(String), []);
    await saveScreenshot(main, 'default-view.png');
    const seen = await paintedShare(main);
    assert.ok(seen.painted > 0.9 && seen.colours > 20, `the default view is not visibly drawn: ${JSON.stringify(seen)}`);
  });

  test('the page\'s own code stays small', (t) => {
    const dir = new URL('../web/', import.meta.url);
    let bytes = 0, gzip = 0;
    for (const name of fs.readdirSync(dir)) {
      const body = fs.readFileSync(new URL(name, dir));
      bytes += body.length;
      gzip += zlib.gzipSync(body, { level: 9 }).length;
    }
    timings.pageCodeBytes = bytes;
    timings.pageCodeGzipBytes = gzip;
    t.diagnostic(`the page's own code (web/: HTML, JS, CSS): ${(bytes / 1024).toFixed(0)} KB, ${(gzip / 1024).toFixed(0)} KB gzipped, besides MapLibre`);
    assert.ok(gzip < 60 * 1024, `the page's own code is ${gzip} bytes gzipped`);
  });

  test('no polygon is labelled twice at z13 (Quanzhou Taiwanese investment zone)', async () => {
    const parks = (await getJSON('/collections/industrial-parks/items?limit=10000')).features;
    const zone = parks.find((f) => f.properties.name === '泉州台商区') || parks.find((f) => f.properties.city === '泉州市');
    const [w, s, e, n] = bbox(zone.geometry);
    await main.evaluate(([lon, lat]) => window.planmap.map.jumpTo({ center: [lon, lat], zoom: 13 }), [(w + e) / 2, (s + n) / 2]);
    await idle(main);
    const seen = await main.evaluate(() => {
      const m = window.planmap.map;
      const symbols = m.getStyle().layers.filter((l) => l.type === 'symbol' && l.metadata?.['planmap:layer'] && l.metadata['planmap:source-layer'] === 'labels').map((l) => l.id);
      const polygons = new Map();
      for (const f of m.queryRenderedFeatures({ layers: window.planmap.styleLayerIds().filter((id) => /-fill-/.test(id)) })) {
        const key = `${f.layer.metadata['planmap:layer']}/${f.properties.id}`;
        polygons.set(key, (polygons.get(key) || 0) + 1);
      }
      const labels = {};
      for (const f of m.queryRenderedFeatures({ layers: symbols })) {
        const key = `${f.layer.metadata['planmap:layer']}/${f.properties.id}`;
        labels[key] = (labels[key] || 0) + 1;
      }
      return { polygons: Object.fromEntries(polygons), labels };
    });
    const multiTile = Object.entries(seen.polygons).filter(([, pieces]) => pieces > 1);
    assert.ok(multiTile.length > 0, `no polygon in view spans several tiles: ${JSON.stringify(seen.polygons)}`);
    for (const [key, count] of Object.entries(seen.labels)) assert.equal(count, 1, `${key} is labelled ${count} times`);
    assert.ok(Object.keys(seen.labels).length > 0, 'no label drawn');
    await saveScreenshot(main, 'quanzhou-z13.png');
  });

  /**
   * The legend is the server's vocabulary table: every planning layer with
   * its title, the kinds it has with their labels and colours, and every
   * status with a sample of the line style the style draws it in.
   */
  test('the legend shows every layer, kind and status from the vocabulary table', async () => {
    const vocabulary = (await getJSON('/styles/default.json')).metadata['planmap:vocabulary'];
    const facets = await getJSON('/search/facets');
    const shown = await main.evaluate(() => ({
      layers: Object.fromEntries([...document.querySelectorAll('[data-layer-block]')].map((block) => [block.dataset.layerBlock, {
        title: block.querySelector('.layer-title').textContent,
        kinds: Object.fromEntries([...block.querySelectorAll('li')].map((li) => [li.querySelector('input').dataset.kind, {
          label: li.querySelector('.kind-label').textContent,
          colour: getComputedStyle(li.querySelector('.swatch')).backgroundColor,
        }])),
      }])),
      statuses: [...document.querySelectorAll('#status-legend li')].map((li) => ({ line: li.dataset.statusLine, label: li.textContent })),
    }));
    const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    for (const layer of vocabulary.layers) {
      const block = shown.layers[layer.id];
      assert.ok(block, `no legend entry for ${layer.id}`);
      assert.equal(block.title, layer.zh, `${layer.id} title`);
      const present = Object.keys(facets.layers[layer.id]?.values?.kind || {}).filter((k) => k !== 'null');
      assert.deepEqual(Object.keys(block.kinds).sort(), present.sort(), `${layer.id}: the legend lists the kinds the layer has`);
      for (const kind of layer.kinds.filter((k) => present.includes(k.value))) {
        assert.deepEqual(block.kinds[kind.value], { label: kind.zh, colour: rgb(kind.colour) }, `${layer.id} ${kind.value}`);
      }
    }
    assert.ok(shown.layers['ecological-spaces'], 'the ecological spaces are in the legend');
    assert.deepEqual(shown.statuses, vocabulary.statuses.map((s) => ({ line: s.line, label: s.zh })));
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
    const canvas = await main.locator('#planmap-map canvas.maplibregl-canvas').boundingBox();
    await main.mouse.click(canvas.x + point.x, canvas.y + point.y);
    // Where features overlap (a park inside a pilot zone), a picker lists
    // them: the park is one of its entries.
    await main.waitForFunction(() => !document.getElementById('map-picker').hidden || !document.getElementById('details').hidden);
    if (await main.locator('#map-picker').isVisible()) await main.locator(`[data-pick="industrial-parks/${park.id}"]`).click();
    await main.locator('#details-title').waitFor({ state: 'visible' });
    await main.waitForFunction((name) => document.getElementById('details-title')?.textContent === name, park.properties.name);
    const details = await main.locator('#details').textContent();
    assert.ok(details.includes(park.properties.source_doc), 'the panel names the source document');
    const links = await main.locator('#details a').evaluateAll((as) => as.map((a) => a.href));
    assert.ok(links.includes(`${server.base}/collections/industrial-parks/items/${encodeURIComponent(park.id)}`), `links ${links}`);
    await checkDetails('industrial-parks', park.id);
    // A feature with every field filled (target year, name_en, county …), opened as a link would.
    const full = (await getJSON('/collections/corridors/items?limit=10000')).features
      .find((f) => ['name', 'name_en', 'kind', 'status', 'target_year', 'city', 'county', 'source_doc', 'source_excerpt', 'geometry_precision'].every((k) => f.properties[k] != null));
    if (full) {
      await main.evaluate((id) => window.planmap.openDetails('corridors', id, { fly: false }), full.id);
      await checkDetails('corridors', full.id);
      await main.evaluate((id) => window.planmap.openDetails('industrial-parks', id, { fly: false }), park.id);
    }
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

  test('kind, city and target-year filters narrow the map and the list to the items API\'s answer, and a shared URL restores them', async (t) => {
    if (await main.locator('#details').isVisible()) await main.locator('#details-close').click();
    await main.locator('#details').waitFor({ state: 'hidden' });
    const facets = await getJSON('/search/facets');
    const kindsOf = (layer) => Object.keys(facets.layers?.[layer]?.values?.kind || {}).filter((k) => k !== 'null');
    // The values of a property in the view, those held by about half the features first.
    const candidates = (values) => {
      const n = new Map();
      for (const v of values) if (v != null) n.set(v, (n.get(v) || 0) + 1);
      const half = values.length / 2;
      return [...n].sort((a, b) => Math.abs(a[1] - half) - Math.abs(b[1] - half) || String(a[0]).localeCompare(String(b[0]))).slice(0, 3).map(([v]) => v);
    };
    const filters = [
      {
        name: 'kind',
        // Untick one kind.
        pick: (fs) => candidates(fs.map((f) => f.kind)),
        params: (kind) => (layer) => {
          const kinds = kindsOf(layer).filter((k) => k !== kind);
          return kinds.length ? { kind: kinds.join(',') } : null;
        },
        apply: async (page, kind) => { await page.locator(`input[data-kind="${kind}"]`).uncheck(); },
        restored: async (page, kind) => {
          assert.equal(await page.locator(`input[data-kind="${kind}"]`).isChecked(), false);
          assert.equal(await page.locator('input[data-kind]:not(:checked)').count(), 1);
        },
      },
      {
        name: 'city',
        pick: (fs) => candidates(fs.map((f) => f.city)),
        params: (city) => () => ({ city }),
        apply: async (page, city, view) => {
          await page.locator(`input[data-city="${city}"]`).check();
          // Choosing a city moves the map to it: the view then holds the
          // city's features (those the items API gives for it) …
          await page.waitForFunction(() => !window.planmap.map.isMoving());
          await idle(page);
          const b = await page.evaluate(() => window.planmap.map.getBounds().toArray());
          const some = (await getJSON(`/collections/industrial-parks/items?city=${encodeURIComponent(city)}&limit=1000`)).features;
          const inside = some.filter((f) => { const [w, s, e, n] = bbox(f.geometry); return w >= b[0][0] && e <= b[1][0] && s >= b[0][1] && n <= b[1][1]; });
          assert.ok(!some.length || inside.length >= some.length * 0.8, `choosing ${city} moved the map to ${JSON.stringify(b)}, which holds ${inside.length} of its ${some.length} parks`);
          // … then back to the view under test.
          await page.evaluate(([lon, lat, zoom]) => window.planmap.map.jumpTo({ center: [lon, lat], zoom }), view);
        },
        restored: async (page, city) => {
          assert.deepEqual(await page.locator('input[data-city]:checked').evaluateAll((is) => is.map((i) => i.dataset.city)), [city]);
        },
      },
      {
        name: 'target year',
        pick: (fs) => candidates(fs.map((f) => f.target_year)),
        params: (year) => () => ({ datetime: `${year}/${year}` }),
        apply: async (page, year) => {
          for (const id of ['#year-from', '#year-to']) {
            await page.locator(id).fill(String(year));
            await page.locator(id).dispatchEvent('change');
          }
        },
        restored: async (page, year) => {
          assert.equal(await page.locator('#year-from').inputValue(), String(year));
          assert.equal(await page.locator('#year-to').inputValue(), String(year));
        },
      },
    ];
    const views = [[120.7, 27.95, 9], [120.65, 27.85, 9.5], [118.65, 24.9, 9], [118.7, 24.95, 8], [120.7, 27.95, 8], [118.6, 24.85, 10], [120.9, 27.9, 10], [121.4, 31.2, 8], [120.5, 27.8, 8.5]];
    // Candidate views are weighed without moving the map (Web Mercator, 512 px tiles, no rotation).
    const size = await main.evaluate(() => [window.planmap.map.getContainer().clientWidth, window.planmap.map.getContainer().clientHeight]);
    const mercBBox = ([lon, lat, zoom], pad) => {
      const world = 512 * 2 ** zoom;
      const x = ((lon + 180) / 360) * world;
      const y = ((1 - Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) / Math.PI) / 2) * world;
      const lonOf = (px) => (px / world) * 360 - 180;
      const latOf = (py) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * py) / world))) * 180) / Math.PI;
      const [hw, hh] = [size[0] / 2 + pad, size[1] / 2 + pad];
      return [lonOf(x - hw), latOf(y + hh), lonOf(x + hw), latOf(y - hh)].map((v) => v.toFixed(6)).join(',');
    };
    for (const filter of filters) {
      // A view where the filter keeps some but not all features and none sits near an edge.
      let chosen = null;
      search: for (const view of views) {
        const all = await apiFeatures(mercBBox(view, -INNER_PAD));
        for (const value of filter.pick(all)) {
          const params = filter.params(value);
          const inner = keysOf(await apiFeatures(mercBBox(view, -INNER_PAD), params));
          if (!inner.length || inner.length === all.length) continue;
          const outer = keysOf(await apiFeatures(mercBBox(view, OUTER_PAD + 4), params));
          if (JSON.stringify(inner) === JSON.stringify(outer)) {
            chosen = { view, value, all: all.length };
            break search;
          }
        }
      }
      assert.ok(chosen, `no view found to test the ${filter.name} filter exactly`);
      await main.evaluate(([lon, lat, zoom]) => window.planmap.map.jumpTo({ center: [lon, lat], zoom }), chosen.view);
      chosen.expected = await stableExpected(main, filter.params(chosen.value));
      assert.ok(chosen.expected, `${filter.name}: the view has features near its edges`);
      t.diagnostic(`${filter.name}=${chosen.value} at ${chosen.view}: ${chosen.expected.length} of ${chosen.all} features`);
      await filter.apply(main, chosen.value, chosen.view);
      await assertShows(main, chosen.expected, `${filter.name}=${chosen.value}`);
      // The shared URL gives the same map, list and controls.
      await main.waitForFunction(() => /(^|[#&])(kind|city|year)=/.test(location.hash));
      const { page, errors } = await openMap(browser, main.url());
      await idle(page);
      await filter.restored(page, chosen.value);
      const expected = await stableExpected(page, filter.params(chosen.value));
      assert.ok(expected, `${filter.name}: the restored view has features near its edges`);
      assert.deepEqual(expected, chosen.expected, `${filter.name}: the restored view holds other features`);
      await assertShows(page, expected, `${filter.name}=${chosen.value} from the shared URL`);
      assert.deepEqual(errors.map(String), []);
      await page.close();
      await main.locator('#filters-reset').click();
    }
    await idle(main);
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
    // The panel's targets default to every layer but the corridors, as the API's do.
    const targets = (await getJSON('/collections')).collections.map((c) => c.id).filter((id) => id !== 'corridors');
    assert.ok(targets.includes('ecological-spaces'), `targets ${targets}`);
    const api = await getJSON(`/analysis/coverage?corridors=${encodeURIComponent(corridor.id)}&targets=${targets.join(',')}&distance=10000`);
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
    await checkBreakdowns(api.summary, 'one corridor');

    // Ticked corridors win over the filters (the API takes one or the
    // other): the mode and status filters are disabled and the hint says so.
    const off = await main.evaluate(() => ({
      fieldset: document.getElementById('corridor-filters').disabled,
      input: document.querySelector('input[data-corridor-status="planned"]').matches(':disabled'),
      rule: document.getElementById('corridor-rule').textContent,
    }));
    assert.deepEqual([off.fieldset, off.input], [true, true], 'the filters stay enabled while a corridor is ticked');
    assert.match(off.rule, /1 条走廊.*不适用/);
    // Untick: the status filter is enabled and goes into the request as corridor_status.
    await main.locator('#corridor-untick').click();
    await main.locator('input[data-corridor-status="planned"]').check();
    const planned = corridors.filter((c) => c.status === 'planned').map((c) => c.id);
    assert.match(await main.locator('#corridor-rule').textContent(), new RegExp(`符合的 ${planned.length} 条走廊`));
    const [request] = await Promise.all([
      main.waitForRequest((r) => r.url().includes('/analysis/coverage?')),
      main.locator('#coverage-run').click(),
    ]);
    const sent = new URL(request.url()).searchParams;
    assert.equal(sent.get('corridor_status'), 'planned');
    assert.equal(sent.has('corridors'), false, `ids sent with the filter: ${request.url()}`);
    await main.waitForFunction(() => document.querySelector('.coverage-corridors')?.dataset.how === 'filters');
    const byStatus = await getJSON(`/analysis/coverage?corridor_status=planned&targets=${targets.join(',')}&distance=10000`);
    assert.deepEqual([...byStatus.summary.corridors].sort(), [...planned].sort(), 'the API picks other corridors for status=planned');
    assert.equal(await main.locator('.coverage-corridors').getAttribute('data-count'), String(planned.length));
    const headline = await main.locator('.coverage-headline').evaluate((el) => [Number(el.dataset.covered), Number(el.dataset.targets)]);
    assert.deepEqual(headline, [byStatus.summary.covered, byStatus.summary.targets]);
    await checkBreakdowns(byStatus.summary, 'status=planned');
    // Switching the language redraws the summary.
    await main.locator('#lang-toggle').click();
    await main.waitForFunction(() => document.querySelector('.coverage-headline')?.textContent.startsWith('Within'));
    assert.equal(await main.locator('table[data-breakdown="status"] caption').textContent(), 'By status');
    if (byStatus.summary.by_status.planned) assert.equal(await main.locator('tr[data-status="planned"] th').textContent(), 'Planned');
    assert.equal(await main.locator('label:has(input[data-corridor-status="planned"])').textContent(), 'Planned');
    await main.locator('#lang-toggle').click();
    await main.waitForFunction(() => !document.querySelector('.coverage-headline')?.textContent.startsWith('Within'));
  });

  test('coverage: the sidebar filters narrow the targets, the share URL keeps the analysis, and a city without the corridors is noted', async () => {
    await main.locator('#coverage-clear').click();
    await main.locator('input[data-status="operational"]').uncheck();
    if (await main.locator('#corridor-untick').isVisible()) await main.locator('#corridor-untick').click();
    for (const input of await main.locator('#corridor-filters input:checked').all()) await input.uncheck();
    await main.locator('input[data-corridor="qz-jinyu-bridge"]').check();
    const [request] = await Promise.all([
      main.waitForRequest((r) => r.url().includes('/analysis/coverage?')),
      main.locator('#coverage-run').click(),
    ]);
    const sent = new URL(request.url()).searchParams;
    assert.equal(sent.get('target_status'), 'under_construction,planned,proposed', `targets not narrowed by the status filter: ${request.url()}`);
    await main.waitForFunction(() => document.querySelector('.coverage-headline'));
    const api = await getJSON(`/analysis/coverage?${sent}`);
    assert.ok(api.features.every((f) => f.properties.status !== 'operational'));
    const headline = await main.locator('.coverage-headline').evaluate((el) => [Number(el.dataset.covered), Number(el.dataset.targets)]);
    assert.deepEqual(headline, [api.summary.covered, api.summary.targets]);
    // the note: 金屿大桥 is in 泉州市, so 温州市's targets have no such corridor
    assert.ok(api.summary.cities_without_corridor.includes('温州市'));
    assert.equal(await main.locator('.coverage-note').getAttribute('data-cities'), api.summary.cities_without_corridor.join(','));
    // the uncovered list says each target's status
    const listed = await main.locator('.uncovered li').evaluateAll((lis) => lis.slice(0, 5).map((li) => [li.dataset.status, li.textContent]));
    for (const [st, text] of listed) assert.ok(text.includes(label('status', st || null)), `${text} lacks its status ${st}`);
    // the share URL restores the analysis
    await main.waitForFunction(() => location.hash.includes('cov='));
    const { page, errors } = await openMap(browser, main.url());
    await page.waitForFunction(() => document.querySelector('.coverage-headline'));
    const restored = await page.locator('.coverage-headline').evaluate((el) => [Number(el.dataset.covered), Number(el.dataset.targets)]);
    assert.deepEqual(restored, headline);
    assert.equal(await page.locator('input[data-corridor="qz-jinyu-bridge"]').isChecked(), true);
    assert.deepEqual(errors.map(String), []);
    await page.close();
    await main.locator('#coverage-clear').click();
    await main.locator('#filters-reset').click();
    assert.ok(!(await main.evaluate(() => location.hash)).includes('cov='), 'clearing keeps the analysis in the URL');
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
    // The panels open as a sheet under the map: setting a filter keeps the map in sight.
    await page.locator('#details-close').click();
    await page.locator('#sidebar-toggle').click();
    await page.locator('input[data-status="proposed"]').uncheck();
    await idle(page);
    const sheet = await page.evaluate(() => {
      const m = document.getElementById('planmap-map').getBoundingClientRect();
      const side = document.getElementById('sidebar').getBoundingClientRect();
      return { mapHeight: m.height, mapBottom: m.bottom, sideTop: side.top, sideVisible: side.height > 100 };
    });
    assert.ok(sheet.sideVisible && sheet.mapHeight >= 200 && sheet.mapBottom <= sheet.sideTop + 1, `the filters cover the map: ${JSON.stringify(sheet)}`);
    const drawn = await paintedShare(page);
    assert.ok(drawn.painted > 0.9, `the map is not drawn beside the filters: ${JSON.stringify(drawn)}`);
    await saveScreenshot(page, 'phone-filters.png');
    await page.close();
  });

  test('no request left this machine', () => {
    assert.deepEqual(browser.offsite, []);
    // The watch saw the worker's tile requests, so it sees everything.
    assert.ok(browser.seen.some((u) => u.includes('/tiles/')), 'the watch saw no tile request');
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
