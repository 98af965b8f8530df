// The basemap switcher: the offline basemap and those the server lists at
// /basemaps (XYZ raster templates or MapLibre style URLs). A basemap drawn
// in GCJ-02 (Gaode, Tencent) or BD-09 (Baidu) gets the plan's features
// shifted onto it: every planning layer is translated by the datum's
// offset at the view's centre, recomputed as the map moves. The offset
// varies by well under a metre per kilometre, so across a view the plan
// stays within about a pixel of where the basemap draws the same place.

import { toDatum } from './geo.js';
import { t } from './i18n.js';
import { api, getJSON, h } from './util.js';

const EXTERNAL = 'planmap-external';
const TRANSLATE = { fill: ['fill-translate'], line: ['line-translate'], circle: ['circle-translate'], symbol: ['icon-translate', 'text-translate'] };

export function initBasemaps({ map, state, writeURL, planningLayerIds }) {
  let list = [];
  let current = null;
  let offset = [0, 0];
  let frame = 0;

  const offlineLayers = () => map.getStyle().layers.filter((l) => l.id.startsWith('basemap-')).map((l) => l.id);
  /** Layers the datum shift moves: the plan's, the selection's and the analysis's. */
  const shifted = () => {
    const own = new Set(planningLayerIds());
    return map.getStyle().layers.filter((l) => TRANSLATE[l.type] && (own.has(l.id) || (l.id.startsWith('planmap-') && !l.id.startsWith('planmap-measure') && !l.id.startsWith(EXTERNAL))));
  };
  const applyShift = () => {
    frame = 0;
    const datum = current?.datum || 'wgs84';
    let d = [0, 0];
    if (datum !== 'wgs84') {
      const c = map.getCenter();
      const p = map.project(c), q = map.project(toDatum([c.lng, c.lat], datum));
      d = [q.x - p.x, q.y - p.y];
    }
    if (d[0] === offset[0] && d[1] === offset[1]) return;
    offset = d;
    for (const l of shifted()) for (const prop of TRANSLATE[l.type]) map.setPaintProperty(l.id, prop, d);
  };
  map.on('move', () => { if (current && current.datum !== 'wgs84' && !frame) frame = requestAnimationFrame(applyShift); });
  map.on('moveend', () => { if (current && current.datum !== 'wgs84') applyShift(); });

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
      map.addSource(EXTERNAL, { type: 'raster', tiles: [b.url], tileSize: b.tile_size || 256, maxzoom: b.max_zoom || 19, attribution: b.attribution });
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
    current = b;
    state.base = offline ? null : b.id;
    offset = [NaN, NaN];
    applyShift();
    select.value = b.id;
    writeURL();
    return b;
  }

  const select = h('select', { 'aria-label': t('basemap'), class: 'planmap-basemap-select', onchange: (e) => choose(e.target.value).catch((err) => console.warn(err)) });
  const ready = getJSON(api('basemaps')).then(async (body) => {
    list = body.basemaps || [];
    if (list.length < 2) return list;
    select.replaceChildren(...list.map((b) => h('option', { value: b.id }, b.type === 'offline' ? t('offline') : `${b.title}${b.datum !== 'wgs84' ? ` (${b.datum.toUpperCase()})` : ''}`)));
    const box = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group planmap-basemaps' }, select);
    map.addControl({ onAdd: () => box, onRemove: () => box.remove() }, 'top-left');
    await choose(state.base || 'offline');
    return list;
  }).catch((err) => {
    console.warn('basemaps', err);
    return [];
  });

  return { ready, choose, current: () => current, offset: () => offset, list: () => list };
}
