// The basemap switcher: the offline basemap and those the server lists at
// /basemaps (XYZ raster templates or MapLibre style URLs). A raster
// basemap drawn in GCJ-02 (Gaode, Tencent) or BD-09 (Baidu) is lined up
// with the plan's WGS84 features: each tile the map asks for is composed
// from the basemap's tiles moved by the datum's offset at the tile's
// centre (geo.js, the published forward formulas), so the plan and the
// basemap meet on the same ground. The offset changes by well under a
// metre across a tile, so the seams and the error stay below a pixel.
// (Moving the plan instead, by translating its layers, leaves gaps at tile
// edges once the offset exceeds the tiles' buffer, about 8 pixels.)

import { toDatum } from './geo.js';
import { t } from './i18n.js';
import { api, getJSON, h } from './util.js';

const EXTERNAL = 'planmap-external';
const PROTOCOL = 'planmap-datum';
const TILE = 256;

/** Global pixel coordinates of [lon, lat] at zoom z (256-pixel tiles). */
function worldPx([lon, lat], z) {
  const n = TILE * 2 ** z;
  return [((lon + 180) / 360) * n, ((1 - Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) / Math.PI) / 2) * n];
}
function lonLatOf([x, y], z) {
  const n = TILE * 2 ** z;
  return [(x / n) * 360 - 180, (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI];
}

/** The pixel offset, at zoom z, from where WGS84 puts a place to where the datum's tiles draw it. */
export function datumOffset(lonLat, datum, z) {
  const p = worldPx(lonLat, z), q = worldPx(toDatum(lonLat, datum), z);
  return [q[0] - p[0], q[1] - p[1]];
}

let registered = false;
/** Registers the protocol that composes a WGS84 tile from a GCJ-02/BD-09 basemap's tiles. */
function registerProtocol(maplibregl) {
  if (registered) return;
  registered = true;
  const images = new Map();
  const image = (url, signal) => {
    if (!images.has(url)) {
      images.set(url, fetch(url, { signal }).then((r) => (r.ok ? r.blob() : null)).then((b) => (b ? createImageBitmap(b) : null)).catch(() => null));
      if (images.size > 256) images.delete(images.keys().next().value);
    }
    return images.get(url);
  };
  maplibregl.addProtocol(PROTOCOL, async (params, abort) => {
    // planmap-datum://<datum>/<z>/<x>/<y>#<template>
    const m = /^planmap-datum:\/\/(\w+)\/(\d+)\/(\d+)\/(\d+)#(.*)$/.exec(params.url);
    if (!m) throw new Error(`basemaps: bad tile URL ${params.url}`);
    const [datum, z, x, y, template] = [m[1], Number(m[2]), Number(m[3]), Number(m[4]), decodeURIComponent(m[5])];
    const centre = lonLatOf([(x + 0.5) * TILE, (y + 0.5) * TILE], z);
    const [dx, dy] = datumOffset(centre, datum, z);
    const ox = x * TILE + dx, oy = y * TILE + dy; // the tile's corner in the basemap's pixels
    const canvas = new OffscreenCanvas(TILE, TILE);
    const ctx = canvas.getContext('2d');
    const n = 2 ** z;
    const jobs = [];
    for (let tx = Math.floor(ox / TILE); tx * TILE < ox + TILE; tx++) {
      for (let ty = Math.floor(oy / TILE); ty * TILE < oy + TILE; ty++) {
        if (ty < 0 || ty >= n) continue;
        const wx = ((tx % n) + n) % n;
        const url = template.replace('{z}', z).replace('{x}', wx).replace('{y}', ty);
        jobs.push(image(url, abort.signal).then((img) => { if (img) ctx.drawImage(img, tx * TILE - ox, ty * TILE - oy); }));
      }
    }
    await Promise.all(jobs);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return { data: await blob.arrayBuffer() };
  });
}

export function initBasemaps({ map, state, writeURL, maplibregl }) {
  let list = [];
  let current = null;

  const offlineLayers = () => map.getStyle().layers.filter((l) => l.id.startsWith('basemap-')).map((l) => l.id);
  const removeExternal = () => {
    for (const l of map.getStyle().layers) if (l.id.startsWith(EXTERNAL)) map.removeLayer(l.id);
    for (const id of Object.keys(map.getStyle().sources)) if (id.startsWith(EXTERNAL)) map.removeSource(id);
  };
  const firstPlanningLayer = () => map.getStyle().layers.find((l) => l.metadata?.['planmap:layer'])?.id;

  /** Shows basemap id ('offline' or one the server lists). */
  async function choose(id) {
    const b = list.find((x) => x.id === id) || list[0];
    if (!b) return null;
    removeExternal();
    const offline = b.type === 'offline';
    for (const l of offlineLayers()) map.setLayoutProperty(l, 'visibility', offline ? 'visible' : 'none');
    if (b.type === 'raster') {
      let tiles = [b.url], tileSize = b.tile_size || TILE;
      if (b.datum !== 'wgs84') {
        registerProtocol(maplibregl);
        tiles = [`${PROTOCOL}://${b.datum}/{z}/{x}/{y}#${encodeURIComponent(b.url)}`];
        tileSize = TILE;
      }
      map.addSource(EXTERNAL, { type: 'raster', tiles, tileSize, maxzoom: b.max_zoom || 19, attribution: b.attribution });
      map.addLayer({ id: EXTERNAL, type: 'raster', source: EXTERNAL }, firstPlanningLayer());
    } else if (b.type === 'style') {
      const style = await getJSON(b.url);
      for (const [sid, src] of Object.entries(style.sources || {})) map.addSource(`${EXTERNAL}:${sid}`, { ...src, attribution: src.attribution || b.attribution });
      const before = firstPlanningLayer();
      for (const l of style.layers || []) {
        const copy = { ...l, id: `${EXTERNAL}:${l.id}` };
        if (l.source) copy.source = `${EXTERNAL}:${l.source}`;
        try { map.addLayer(copy, before); } catch (err) { console.warn('basemap layer skipped', l.id, err.message); }
      }
    }
    // A vector style in GCJ-02/BD-09 is drawn as it comes: its tiles are
    // not recomposed (as raster ones are), so the plan does not line up
    // with it, and the map says so.
    const unshifted = b.type === 'style' && b.datum !== 'wgs84';
    note.hidden = !unshifted;
    note.textContent = unshifted ? t('basemapNotShifted', b.datum.toUpperCase().replace('GCJ02', 'GCJ-02').replace('BD09', 'BD-09')) : '';
    current = b;
    state.base = offline ? null : b.id;
    select.value = b.id;
    writeURL();
    return b;
  }

  const select = h('select', { 'aria-label': t('basemap'), class: 'planmap-basemap-select', onchange: (e) => choose(e.target.value).catch((err) => console.warn(err)) });
  const note = h('p', { class: 'planmap-basemap-note', role: 'status', hidden: true });
  const ready = getJSON(api('basemaps')).then(async (body) => {
    list = body.basemaps || [];
    if (list.length < 2) return list;
    const datumNote = (b) => (b.datum === 'wgs84' ? '' : ` (${b.datum.toUpperCase()}${b.type === 'style' ? `, ${t('notShifted')}` : ''})`);
    select.replaceChildren(...list.map((b) => h('option', { value: b.id }, b.type === 'offline' ? t('offline') : `${b.title}${datumNote(b)}`)));
    const box = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group planmap-basemaps' }, select, note);
    map.addControl({ onAdd: () => box, onRemove: () => box.remove() }, 'top-left');
    await choose(state.base || 'offline');
    return list;
  }).catch((err) => {
    console.warn('basemaps', err);
    return [];
  });

  return { ready, choose, current: () => current, list: () => list, datumOffset };
}
