// Browser test of editing from the web map: a planmap binary serving an
// editable copy of the built-in dataset (planmap init, PLANMAP_WRITE_TOKEN),
// Debian's Chromium through playwright-core, and real pointer clicks on the
// map canvas. Every change is checked twice: on the map (what
// queryRenderedFeatures finds in the refetched tiles) and in the API.
//
//   node --test test/edit.test.mjs      (after make build)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { idle, launchBrowser, missingTools, openMap, saveScreenshot, startEditablePlanmap } from './harness.mjs';

const skip = missingTools() || false;
const TOKEN = 'browser-test-editor-secret';
const PORT_ID = 'wenzhou-port'; // a point of the built-in ports layer
// Where the new park is drawn (lon, lat), clockwise on screen: the page
// must orient the ring counter-clockwise for the server.
const PARK = [[120.60, 27.80], [120.66, 27.80], [120.66, 27.76], [120.60, 27.76]];

describe('editing from the web map', { skip }, () => {
  let server;
  let browser;
  let page;
  let errors;

  const api = async (p, init) => {
    const res = await fetch(`${server.base}${p}`, { headers: { Accept: 'application/json' }, ...init });
    return { status: res.status, etag: res.headers.get('ETag'), json: res.status === 204 ? null : await res.json() };
  };

  /** The planning features of one layer drawn on the map, as {id, status, name}. */
  const drawn = (layerId) => page.evaluate((layerId) => {
    const p = window.planmap;
    const layers = p.styleLayerIds(layerId).filter((l) => p.map.getLayer(l));
    return p.map.queryRenderedFeatures({ layers }).map((f) => ({ id: f.properties.id, status: f.properties.status ?? null, name: f.properties.name }));
  }, layerId);

  /** Polls the map (at each idle) until check(features of layerId) holds. */
  const waitOnMap = async (layerId, check, what) => {
    const deadline = Date.now() + 15000;
    let last;
    for (;;) {
      await idle(page);
      last = await drawn(layerId);
      if (check(last)) return last;
      if (Date.now() > deadline) assert.fail(`${what}: not on the map within 15 s (drawn: ${JSON.stringify(last.slice(0, 5))}…)`);
      await page.waitForTimeout(200);
    }
  };

  /** Page coordinates of a lon/lat on the map canvas. */
  const pixel = (lonlat) => page.evaluate((lonlat) => {
    const m = window.planmap.map;
    const rect = m.getCanvas().getBoundingClientRect();
    const p = m.project(lonlat);
    return { x: rect.left + p.x, y: rect.top + p.y };
  }, lonlat);

  before(async () => {
    server = await startEditablePlanmap({ token: TOKEN });
    browser = await launchBrowser();
    ({ page, errors } = await openMap(browser, `${server.base}/#map=10.50/27.8700/120.7000`));
    await page.evaluate(() => window.planmap.editReady);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('sign in, edit a status (with a 412 on a stale ETag), draw a polygon, delete it, move a port, sign out', async () => {
    // ---- editing is offered because /conformance declares Part 4 ----
    assert.equal(await page.evaluate(() => window.planmap.edit.enabled), true, 'editing not offered');

    // ---- sign in: a wrong token is refused and not kept; the right one is ----
    await page.click('.edit-signin-open');
    await page.fill('#edit-token', 'not-the-token');
    await page.click('.edit-signin button[type=submit]');
    await page.waitForFunction(() => /令牌无效/.test(document.querySelector('.edit-status')?.textContent || ''));
    assert.equal(await page.evaluate(() => sessionStorage.getItem('planmap.editToken')), null, 'a refused token was stored');
    await page.fill('#edit-token', TOKEN);
    await page.click('.edit-signin button[type=submit]');
    await page.waitForSelector('.edit-badge');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('planmap.editToken')), TOKEN);
    assert.ok(!page.url().includes(TOKEN), 'the token is in the URL');
    // Signing in changed nothing: the change feed is empty.
    assert.deepEqual((await api('/changes')).json.changes, [], 'the sign-in check wrote something');

    // ---- edit a status: operational → under_construction ----
    const before = (await api(`/collections/ports/items/${PORT_ID}`)).json.properties;
    assert.equal(before.status, 'operational', 'fixture: the port is operational');
    await waitOnMap('ports', (fs) => fs.some((f) => f.id === PORT_ID && f.status === 'operational'), 'the port before the edit');
    await page.evaluate((id) => window.planmap.openDetails('ports', id, { fly: false }), PORT_ID);
    await page.click('[data-action=attributes]');
    await page.selectOption('[data-form=attributes] select', 'under_construction');
    // Meanwhile someone else changes the feature: the form's ETag is stale.
    const other = await api(`/collections/ports/items/${PORT_ID}`);
    const concurrent = await api(`/collections/ports/items/${PORT_ID}`, {
      method: 'PATCH', body: JSON.stringify({ properties: { name_en: 'Port of Wenzhou (edited elsewhere)' } }),
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/merge-patch+json', 'If-Match': other.etag, Accept: 'application/json' },
    });
    assert.equal(concurrent.status, 200);
    await page.click('[data-form=attributes] button[type=submit]');
    await page.waitForSelector('.edit-conflict');
    assert.match(await page.textContent('.edit-conflict'), /412/);
    const afterConflict = (await api(`/collections/ports/items/${PORT_ID}`)).json.properties;
    assert.equal(afterConflict.status, 'operational', 'a write with a stale If-Match changed the status');
    assert.equal(afterConflict.name_en, 'Port of Wenzhou (edited elsewhere)');
    // Reload (the form now shows the other change) and save again.
    await page.click('[data-action=reload]');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-form=attributes] input')].some((i) => i.value === 'Port of Wenzhou (edited elsewhere)'));
    await page.selectOption('[data-form=attributes] select', 'under_construction');
    await page.click('[data-form=attributes] button[type=submit]');
    // In the API …
    await page.waitForSelector('.edit-flash');
    const edited = (await api(`/collections/ports/items/${PORT_ID}`)).json.properties;
    assert.equal(edited.status, 'under_construction', 'the API does not have the new status');
    assert.equal(edited.name_en, 'Port of Wenzhou (edited elsewhere)', 'the other change was lost');
    // … on the map …
    await waitOnMap('ports', (fs) => fs.some((f) => f.id === PORT_ID && f.status === 'under_construction') && !fs.some((f) => f.id === PORT_ID && f.status === 'operational'), 'the new status');
    // … in the details panel and its history (the planners' timeline).
    await page.waitForFunction(() => [...document.querySelectorAll('#details dd')].some((dd) => dd.textContent === '在建'));
    await page.waitForFunction(() => /已建成 → 在建/.test(document.querySelector('.history-list')?.textContent || ''));
    const history = (await api(`/collections/ports/items/${PORT_ID}/history`)).json.revisions;
    assert.equal(history.length, 2);
    assert.equal(history[1].after.properties.status, 'under_construction');
    assert.equal(history[1].actor, 'PLANMAP_WRITE_TOKEN');
    const shownHistory = await page.$$eval('.history-list li', (lis) => lis.map((li) => li.querySelector('.actor').textContent));
    assert.deepEqual(shownHistory, ['PLANMAP_WRITE_TOKEN', 'PLANMAP_WRITE_TOKEN']);

    // ---- draw a new park with pointer clicks on the canvas ----
    const parksBefore = (await api('/collections/industrial-parks/items?limit=1')).json.numberMatched;
    // The map may still be moving to the feature whose panel is open (the
    // web map keeps a selected feature in view): settle it over the park
    // first, so every corner click lands where it was computed.
    await page.evaluate(() => new Promise((resolve) => {
      const map = window.planmap.map;
      map.stop();
      map.jumpTo({ center: [120.63, 27.78], zoom: 11 });
      map.once('idle', resolve);
    }));
    await page.click('[data-new=industrial-parks]');
    await page.waitForFunction(() => window.planmap.edit.active === 'draw');
    for (const corner of [...PARK, PARK[0]]) { // the last click closes the ring on the first corner
      const { x, y } = await pixel(corner);
      await page.mouse.click(x, y);
      await page.waitForTimeout(150);
    }
    await page.waitForSelector('[data-form=new][data-layer=industrial-parks]');
    const form = '[data-form=new]';
    await page.fill(`${form} input[data-field=nameField]`, '浏览器测试园区');
    // First a value the server refuses: its 400 problems are listed, nothing is stored.
    await page.fill(`${form} input[data-field=targetYearShort]`, '1800');
    await page.evaluate((sel) => { const f = document.querySelector(sel); f.noValidate = true; f.requestSubmit(); }, form);
    await page.waitForSelector(`${form} .edit-problems li`);
    assert.match(await page.textContent(`${form} .edit-problems`), /target_year/);
    assert.equal((await api('/collections/industrial-parks/items?limit=1')).json.numberMatched, parksBefore, 'a refused feature was stored');
    await page.fill(`${form} input[data-field=targetYearShort]`, '2030');
    await page.click(`${form} button[type=submit]`);
    await page.waitForFunction(() => window.planmap.edit.lastCreated);
    const created = await page.evaluate(() => window.planmap.edit.lastCreated);
    assert.equal(created.layerId, 'industrial-parks');
    // In the API: the polygon where it was drawn, with the layer's required properties.
    const park = (await api(`/collections/industrial-parks/items/${encodeURIComponent(created.id)}`)).json;
    assert.equal(park.geometry.type, 'Polygon');
    assert.equal(park.properties.name, '浏览器测试园区');
    assert.equal(park.properties.target_year, 2030);
    assert.equal(park.properties.geometry_precision, 'approximate');
    assert.equal(park.properties.kind, 'industrial_park');
    for (const key of ['name_en', 'status', 'city', 'county', 'source_doc', 'source_excerpt', 'placement_note']) {
      assert.ok(key in park.properties && park.properties[key] === null, `${key} should be null`);
    }
    const ring = park.geometry.coordinates[0];
    assert.equal(ring.length, 5);
    for (const [lon, lat] of PARK) {
      assert.ok(ring.some(([x, y]) => Math.abs(x - lon) < 0.001 && Math.abs(y - lat) < 0.001), `no corner near ${lon},${lat}: ${JSON.stringify(ring)}`);
    }
    // On the map: found by id in the refetched tiles, and under the drawn area's centre.
    await waitOnMap('industrial-parks', (fs) => fs.some((f) => f.id === created.id && f.name === '浏览器测试园区'), 'the new park');
    const centre = await page.evaluate((lonlat) => window.planmap.map.project(lonlat), [120.63, 27.78]);
    const hit = await page.evaluate(({ x, y }) => {
      const p = window.planmap;
      return p.map.queryRenderedFeatures([x, y], { layers: p.styleLayerIds('industrial-parks').filter((l) => p.map.getLayer(l)) }).map((f) => f.properties.id);
    }, centre);
    assert.ok(hit.includes(created.id), `the new park is not drawn at its centre (found ${hit})`);
    await page.waitForFunction((name) => document.getElementById('details-title')?.textContent === name, '浏览器测试园区');
    await saveScreenshot(page, 'edit-new-park.png');

    // ---- delete it, after a confirmation ----
    await page.click('[data-action=delete]');
    await page.click('[data-action=confirm-delete]');
    await waitOnMap('industrial-parks', (fs) => !fs.some((f) => f.id === created.id), 'the deleted park gone');
    assert.equal((await api(`/collections/industrial-parks/items/${encodeURIComponent(created.id)}`)).status, 404);
    assert.deepEqual((await api('/changes')).json.changes.map((c) => c.op), ['patch', 'patch', 'create', 'delete'], 'the change feed');

    // ---- move the port: drag it 60 px east with the pointer ----
    const oldPoint = (await api(`/collections/ports/items/${PORT_ID}`)).json.geometry.coordinates;
    await page.evaluate((id) => window.planmap.openDetails('ports', id, { fly: false }), PORT_ID);
    await page.click('[data-action=geometry]');
    await page.waitForFunction(() => window.planmap.edit.active === 'reshape');
    const from = await pixel(oldPoint);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= 6; i++) await page.mouse.move(from.x + 10 * i, from.y, { steps: 2 });
    await page.mouse.up();
    await page.click('[data-action=save-geometry]');
    await page.waitForSelector('.edit-flash');
    const moved = (await api(`/collections/ports/items/${PORT_ID}`)).json.geometry.coordinates;
    // terra-draw starts a drag after a few pixels of movement, so the point
    // follows the pointer from there: between 40 and 60 px east, none north.
    const movedPx = await pixel(moved);
    assert.ok(movedPx.x - from.x >= 40 && movedPx.x - from.x <= 61 && Math.abs(movedPx.y - from.y) < 2, `the port moved by ${movedPx.x - from.x}, ${movedPx.y - from.y} px (${oldPoint} → ${moved})`);
    const portsAt = (pt) => page.evaluate(({ x, y }) => {
      const p = window.planmap;
      const rect = p.map.getCanvas().getBoundingClientRect();
      const q = [x - rect.left, y - rect.top];
      const layers = p.styleLayerIds('ports').filter((l) => p.map.getLayer(l));
      return p.map.queryRenderedFeatures([[q[0] - 3, q[1] - 3], [q[0] + 3, q[1] + 3]], { layers }).map((f) => f.properties.id);
    }, pt);
    const deadline = Date.now() + 15000;
    while (!((await portsAt(movedPx)).includes(PORT_ID) && !(await portsAt(from)).includes(PORT_ID))) {
      if (Date.now() > deadline) assert.fail(`the moved port is not drawn at its new place (new: ${await portsAt(movedPx)}, old: ${await portsAt(from)})`);
      await idle(page);
    }

    // ---- sign out: the token is forgotten ----
    await page.click('.edit-signout');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('planmap.editToken')), null);
    await page.waitForSelector('.edit-signin-open');

    assert.deepEqual(browser.offsite, [], 'requests left the machine');
    assert.ok(!browser.seen.some((u) => u.includes(TOKEN)), 'the token appeared in a request URL');
    // Chromium logs every 4xx answer to a fetch as a console error: only
    // the ones this test provoked may appear (sign-in check and refused
    // token, the stale If-Match, the refused feature).
    const unexpected = errors.map(String).filter((e) => !/Failed to load resource: the server responded with a status of (401|415|412|400) /.test(e));
    assert.deepEqual(unexpected, [], 'the page logged errors');
  });
});
