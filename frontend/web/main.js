// planmap's web map: the planning layers on an offline basemap, with a
// layer panel and legend, filters, search, a details panel, the list of
// projects in view, downloads, a shareable URL and the coverage analysis;
// bookmarks and an overview map, hover tooltips and an overlap picker, a
// timeline, measuring, printing and a basemap switcher (tools.js,
// basemaps.js, overview.js).
// window.planmap exposes the map and the page's state to automation.

import * as maplibregl from './vendor/maplibre-gl.mjs';
import { featureName, label, language, setLanguage, setVocabulary, t, values, vocabulary } from './i18n.js';
import { emptyState, filterConditions, filtersActive, formatHash, itemsParams, matchesFilters, parseHash } from './state.js';
import { api, debounce, download, getJSON, h } from './util.js';
import { BOOKMARKS, initOverview, regionFrame } from './overview.js';
// The other modules (search, coverage, tools, basemaps, edit, text) are
// imported after the first idle: each static import delays main.js.

const VIEW_LIST_MAX = 200;
const SELECTION_SOURCE = 'planmap-selection';

const state = parseHash(location.hash);
setLanguage(state.lang);

/** What automation and tests can reach: the map, the state, helpers. */
const planmap = {
  maplibregl,
  state,
  map: null,
  collections: [],
  facets: null,
  /** Planning layer id → the ids of the style layers that draw it. */
  styleLayers: {},
  timings: { scriptStart: performance.now() },
  ready: null,
  openDetails,
  styleLayerIds,
  whenIdle,
  featuresAt,
  flyToCity,
};
window.planmap = planmap;

const originalFilters = new Map();
const originalTextFields = new Map();
const els = {
  layerList: document.getElementById('layer-list'),
  statusFilter: document.getElementById('status-filter'),
  cityFilter: document.getElementById('city-filter'),
  yearFrom: document.getElementById('year-from'),
  yearTo: document.getElementById('year-to'),
  viewList: document.getElementById('view-list'),
  viewCount: document.getElementById('view-count'),
  details: document.getElementById('details'),
  detailsBody: document.getElementById('details-body'),
  sidebar: document.getElementById('sidebar'),
  mapError: document.getElementById('map-error'),
};

// MapLibre's worker starts loading now, while the page asks for its data,
// rather than when the map is made.
maplibregl.prewarm();

planmap.ready = boot().catch((err) => {
  showError(err);
  throw err;
});

async function boot() {
  // The style comes with the collections, in parallel, and is made what the
  // state asks (filters, hidden layers, label language, the selection
  // layers) before the map sees it: changing a filter or a layout property
  // after the map has loaded makes MapLibre parse every tile again.
  const [collections, facets, [style, sprite], glyphs] = await Promise.all([
    getJSON(api('collections')),
    getJSON(api('search/facets')).catch(() => null),
    getJSON(api('styles/default.json')).then(async (style) => [style, await loadSprite(style.sprite)]),
    loadGlyphs(),
  ]);
  // The sprite, decoded already, goes to the map as images once its style
  // loads: MapLibre would ask for it only then, and the tiles wait for it.
  if (sprite) delete style.sprite;
  planmap.collections = collections.collections || [];
  planmap.facets = facets;
  planmap.timings.styleFetched = performance.now();
  setVocabulary(style.metadata?.['planmap:vocabulary']);
  collectStyleLayers(style);
  addSelectionLayers(style);
  planmap.labelWidths = new Map(style.layers.filter((l) => l.type === 'symbol' && l.layout?.['text-field']).map((l) => [l.id, l.layout['text-max-width'] ?? 10]));
  planmap.styleJSON = style;
  applyStateToStyle(style);
  if (glyphs) style.glyphs = 'planmap-glyphs://{fontstack}/{range}';
  const mapOptions = {
    container: 'planmap-map',
    style: sharedPrograms(style),
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    maxPitch: 0,
    // Labels appear at once instead of fading in over 300 ms: the map is
    // idle (and still) sooner, and no frames are drawn only to fade.
    fadeDuration: 0,
    // The server's style is checked by its tests (api/styles_test.go);
    // layers added later are still checked.
    validateStyle: false,
  };
  if (state.view) {
    Object.assign(mapOptions, { center: [state.view.lon, state.view.lat], zoom: state.view.zoom, bearing: state.view.bearing || 0 });
  } else {
    // Framed on Wenzhou and Quanzhou when the data is theirs, else on the data.
    const extent = regionFrame(facets) || datasetExtent(planmap.collections);
    if (extent) Object.assign(mapOptions, { bounds: extent, fitBoundsOptions: { padding: 16 } });
  }
  const map = new maplibregl.Map(mapOptions);
  planmap.map = map;
  if (glyphs) useGlyphs(map, glyphs);
  paintOnceLoaded(map);
  if (sprite) {
    const addSprite = () => { for (const [id, { image, options }] of sprite) if (!map.hasImage(id)) map.addImage(id, image, options); };
    if (map.isStyleLoaded()) addSprite();
    else map.once('style.load', addSprite);
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.on('error', (e) => console.warn('map error', e.error?.message || e));

  if (!map.isStyleLoaded()) {
    await new Promise((resolve, reject) => {
      map.once('style.load', resolve);
      map.once('error', (e) => { if (!map.isStyleLoaded()) reject(e.error || new Error('style failed to load')); });
    });
  }
  planmap.timings.styleLoaded = performance.now();
  addAttribution(map);

  buildLayerPanel();
  buildFilters();
  applyState();
  wireInteractions(map);
  initOverview({ map, state, onMove: () => {} });
  buildAbout();
  planmap.timings.panelsBuilt = performance.now();
  const loadBasemaps = () => import('./basemaps.js').then(({ initBasemaps }) => initBasemaps({ map, state, writeURL: () => writeURL(), maplibregl }));
  // A share link that names another basemap shows it in the first render.
  const basemaps = state.base ? loadBasemaps() : null;
  if (basemaps) planmap.basemaps = await basemaps;

  // The time is taken in the idle event itself: other idle listeners (the
  // list of projects in view) run before a promise's continuation would.
  await new Promise((resolve) => map.once('idle', () => {
    planmap.timings.firstIdle = performance.now();
    resolve();
  }));
  // The tools come once the view is drawn, not competing with it for the CPU.
  const [{ initSearch }, { initCoverage }, { initTools }, { initEdit }] = await Promise.all([
    import('./search.js'), import('./coverage.js'), import('./tools.js'), import('./edit.js')]);
  initSearch({ map, openDetails, fitFeature });
  initCoverage({ map, collections: planmap.collections, beforeLayer: SELECTION_SOURCE + '-fill', state, writeURL: () => writeURL() });
  initTools({ map, state, planmap, legendModel });
  planmap.basemaps = await (basemaps || loadBasemaps());
  planmap.editReady = initEdit({ map, planmap }).catch((err) => console.warn('editing unavailable', err)); // edit9
  planmap.timings.toolsBuilt = performance.now();
  // A link that names a feature but no view (the API's HTML pages) flies to it.
  if (state.sel) openDetails(state.sel.layer, state.sel.id, { fly: !state.view }).catch(() => {});
  refreshViewList();
  return planmap;
}

/**
 * Paints the map only once the first view's tiles are all in (or after
 * maxWait ms): in software GL (SwiftShader) each partial frame took the CPU
 * the tiles still to parse needed. Does nothing if MapLibre's painter
 * is not there.
 */
function paintOnceLoaded(map, maxWait = 4000) {
  const painter = map.painter;
  if (typeof painter?.render !== 'function') return;
  const started = performance.now();
  let held = 0;
  painter.render = function render(...args) {
    if (!map.loaded() && performance.now() - started < maxWait) {
      held++;
      return;
    }
    delete painter.render; // back to MapLibre's own, for good
    planmap.timings.framesHeld = held;
    const drawn = painter.render(...args);
    // a task posted now runs after the frame's commit (the GPU has drawn it)
    const c = new MessageChannel();
    c.port1.onmessage = () => { planmap.timings.firstDrawn = performance.now(); };
    c.port2.postMessage(0);
    return drawn;
  };
  // a view whose tiles never all arrive is drawn as it is after maxWait
  setTimeout(() => { if (Object.hasOwn(painter, 'render')) map.triggerRepaint(); }, maxWait);
}

/** The style with plain fill, line and circle colours as (constant) feature expressions: one shader program per type to compile, not 3. */
function sharedPrograms(style) {
  const props = { fill: ['fill-color', 'fill-outline-color'], line: ['line-color'], circle: ['circle-color', 'circle-stroke-color'] };
  return { ...style, layers: style.layers.map((l) => {
    const own = (props[l.type] || []).filter((p) => typeof l.paint?.[p] === 'string');
    return own.length ? { ...l, paint: { ...l.paint, ...Object.fromEntries(own.map((p) => [p, ['coalesce', ['get', 'planmap:none'], l.paint[p]]])) } } : l;
  }) };
}

/** The labels' glyphs made at build time (scripts/glyphs.mjs), or null. */
async function loadGlyphs() {
  try {
    const buf = await (await fetch('app/vendor/glyphs.bin')).arrayBuffer();
    const n = new DataView(buf).getUint32(0, true);
    const index = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
    return { ...index, buf, start: 4 + n, chars: new Set([...Object.values(index.ranges).map((r) => r[2]).join('')].map((c) => c.codePointAt(0))) };
  } catch {
    return null; // not built: every glyph is drawn locally
  }
}

/** Serves them to MapLibre; others (all, if its glyph manager changed) are drawn locally. */
function useGlyphs(map, g) {
  const gm = map.style?.glyphManager;
  const ok = typeof gm?._charUsesLocalIdeographFontFamily === 'function';
  if (ok) gm._charUsesLocalIdeographFontFamily = (cp) => !g.chars.has(cp);
  maplibregl.addProtocol('planmap-glyphs', async ({ url }) => {
    const [, stack, begin] = /^planmap-glyphs:\/\/(.*)\/(\d+)-/.exec(url) || [];
    const r = ok && decodeURIComponent(stack) === g.fontstack && g.ranges[begin / 256];
    if (!r) throw new Error('no such glyphs');
    return { data: g.buf.slice(g.start + r[0], g.start + r[0] + r[1]) };
  });
}

/**
 * The sprite at url (the style's sprite: MapLibre's suffixes, @2x on a
 * high-density screen) as id → { image, options } for map.addImage, or null
 * when it is not a single URL or cannot be loaded (MapLibre loads it then).
 */
async function loadSprite(url) {
  if (typeof url !== 'string' || typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return null;
  const suffix = window.devicePixelRatio > 1 ? '@2x' : '';
  try {
    const [index, png] = await Promise.all([
      fetch(`${url}${suffix}.json`).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`sprite index ${r.status}`)))),
      fetch(`${url}${suffix}.png`).then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`sprite image ${r.status}`)))),
    ]);
    const bitmap = await createImageBitmap(png);
    const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    const images = new Map();
    for (const [id, e] of Object.entries(index)) {
      if (!(e.width > 0 && e.height > 0) || e.x + e.width > bitmap.width || e.y + e.height > bitmap.height) continue;
      const { data } = ctx.getImageData(e.x, e.y, e.width, e.height);
      const options = { pixelRatio: e.pixelRatio || 1, sdf: !!e.sdf };
      for (const k of ['stretchX', 'stretchY', 'content', 'textFitWidth', 'textFitHeight']) if (e[k] !== undefined) options[k] = e[k];
      images.set(id, { image: { width: e.width, height: e.height, data: new Uint8Array(data.buffer) }, options });
    }
    bitmap.close();
    return images;
  } catch (err) {
    console.warn('sprite: left to MapLibre', err);
    return null;
  }
}

function showError(err) {
  els.mapError.hidden = false;
  els.mapError.textContent = t('mapError') + (err?.message || err);
}

/** Resolves at the map's next idle (after any pending render). */
function whenIdle() {
  const map = planmap.map;
  return new Promise((resolve) => {
    map.once('idle', resolve);
    map.triggerRepaint();
  });
}

/**
 * The default view: the extent of the layers of places (parks, ports,
 * enclaves). Corridors are left out when there is anything else, because a
 * single long rail line to the interior would zoom the region out of sight.
 */
function datasetExtent(collections) {
  const withFeatures = collections.filter((c) => c['planmap:count'] && c.extent?.spatial?.bbox?.[0]);
  const places = withFeatures.filter((c) => c.id !== 'corridors');
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const c of places.length ? places : withFeatures) {
    const b = c.extent.spatial.bbox[0];
    w = Math.min(w, b[0]); s = Math.min(s, b[1]); e = Math.max(e, b[2]); n = Math.max(n, b[3]);
  }
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

// ---- style layers -------------------------------------------------------

function collectStyleLayers(style) {
  planmap.styleLayers = {};
  for (const layer of style.layers) {
    const id = layer.metadata?.['planmap:layer'];
    if (!id) continue;
    (planmap.styleLayers[id] ||= []).push(layer.id);
    // planmap's style carries each filter as an expression too (the filter
    // itself is legacy syntax, for QGIS), which expressions can be ANDed onto.
    originalFilters.set(layer.id, layer.metadata?.['planmap:filter'] ?? layer.filter);
    if (layer.type === 'symbol' && layer.layout?.['text-field']) originalTextFields.set(layer.id, layer.layout['text-field']);
  }
}

/** The style layer ids drawing a planning layer (all of them without an argument). */
function styleLayerIds(layerId) {
  if (layerId) return planmap.styleLayers[layerId] || [];
  return Object.values(planmap.styleLayers).flat();
}

function visibleStyleLayerIds() {
  return Object.entries(planmap.styleLayers).filter(([id]) => !state.hidden.has(id)).flatMap(([, ids]) => ids);
}

function addAttribution(map) {
  const sources = planmap.styleJSON.sources || {};
  const credited = Object.values(sources).some((s) => /OpenStreetMap/i.test(s.attribution || ''));
  const custom = credited ? undefined : '<a href="#panel-about">© OpenStreetMap contributors</a> · Natural Earth';
  map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: custom }), 'bottom-right');
  // MapLibre opens a compact attribution the first time it has text (and
  // folds it only on a drag), so it would cover the bottom of the map. Start
  // it folded: the ⓘ button opens it, and the text stays in the DOM.
  const fold = () => {
    const el = map.getContainer().querySelector('.maplibregl-ctrl-attrib');
    if (!el?.classList.contains('maplibregl-compact')) return false;
    el.classList.remove('maplibregl-compact-show');
    el.removeAttribute('open');
    return true;
  };
  if (!fold()) {
    const onData = () => {
      if (!fold()) return;
      map.off('styledata', onData);
      map.off('sourcedata', onData);
    };
    map.on('styledata', onData);
    map.on('sourcedata', onData);
  }
}

/** The selection, drawn under every label (the first symbol layer) so that names stay readable over it; added to the style before the map loads it. */
function addSelectionLayers(style) {
  const at = style.layers.findIndex((l) => l.type === 'symbol');
  style.sources[SELECTION_SOURCE] = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
  style.layers.splice(at < 0 ? style.layers.length : at, 0,
    { id: `${SELECTION_SOURCE}-fill`, type: 'fill', source: SELECTION_SOURCE, filter: ['==', '$type', 'Polygon'], paint: { 'fill-color': '#ffd400', 'fill-opacity': 0.25 } },
    { id: `${SELECTION_SOURCE}-halo`, type: 'line', source: SELECTION_SOURCE, filter: ['!=', '$type', 'Point'], paint: { 'line-color': '#ffd400', 'line-width': 8, 'line-opacity': 0.7 } },
    { id: `${SELECTION_SOURCE}-line`, type: 'line', source: SELECTION_SOURCE, filter: ['!=', '$type', 'Point'], paint: { 'line-color': '#111', 'line-width': 2.5, 'line-opacity': 0.9 } },
    { id: `${SELECTION_SOURCE}-point`, type: 'circle', source: SELECTION_SOURCE, filter: ['==', '$type', 'Point'], paint: { 'circle-radius': 13, 'circle-color': 'rgba(255,212,0,0.35)', 'circle-stroke-color': '#111', 'circle-stroke-width': 2.5 } });
}

function selectionLayerIds() {
  return ['fill', 'halo', 'line', 'point'].map((s) => `${SELECTION_SOURCE}-${s}`);
}

/** Kind → colour, read from the style's match expressions on kind. */
function kindColours(layerId) {
  const colours = {};
  const style = planmap.styleJSON;
  for (const id of styleLayerIds(layerId)) {
    const layer = style.layers.find((l) => l.id === id);
    for (const prop of ['fill-color', 'line-color', 'circle-color']) {
      const v = layer?.paint?.[prop];
      if (Array.isArray(v) && v[0] === 'match' && JSON.stringify(v[1]) === '["get","kind"]') {
        for (let i = 2; i + 1 < v.length; i += 2) {
          for (const k of [].concat(v[i])) colours[k] ??= v[i + 1];
        }
        colours['*'] ??= v[v.length - 1];
      } else if (typeof v === 'string') {
        colours['*'] ??= v;
      }
    }
  }
  return colours;
}

// ---- applying the state -------------------------------------------------

/**
 * What the state asks of the style layers: [id, property, value] for each
 * layout property ('visibility', 'text-field', 'text-max-width') and
 * filter ('filter'), for every layer the page controls.
 */
function styleSettings() {
  const out = [];
  const conds = filterConditions(state);
  for (const [layerId, ids] of Object.entries(planmap.styleLayers)) {
    for (const id of ids) {
      out.push([id, 'visibility', state.hidden.has(layerId) ? 'none' : 'visible']);
      const own = originalFilters.get(id);
      const filter = conds.length ? ['all', ...(own ? [own] : []), ...conds] : own;
      out.push([id, 'filter', filter ?? null]);
    }
  }
  const en = language() === 'en';
  const fields = new Map();
  for (const [id, field] of originalTextFields) {
    fields.set(id, en && JSON.stringify(field).includes('"name"') ? ['coalesce', ['get', 'name_en'], ['get', 'name']] : field);
  }
  // The basemap's place names: Chinese over English, or the other way round;
  // English wraps wider, so it does not stack into towers.
  for (const [id, width] of planmap.labelWidths) {
    if (id.startsWith('basemap-') && id !== 'basemap-river-label') fields.set(id, ['get', en ? 'label_en' : 'label']);
    out.push([id, 'text-max-width', en ? Math.max(width, 20) : width]);
  }
  for (const [id, field] of fields) out.push([id, 'text-field', field]);
  return out;
}

/** Writes styleSettings() into a style object before the map loads it. */
function applyStateToStyle(style) {
  const byId = new Map(style.layers.map((l) => [l.id, l]));
  for (const [id, prop, value] of styleSettings()) {
    const layer = byId.get(id);
    if (!layer) continue;
    if (prop === 'filter') {
      if (value == null) delete layer.filter; else layer.filter = value;
    } else {
      layer.layout = { ...layer.layout, [prop]: value };
    }
  }
}

function applyState() {
  const map = planmap.map;
  // MapLibre ignores a setting equal to the current one, so only what the
  // state changed is sent to the map.
  for (const [id, prop, value] of styleSettings()) {
    if (!map.getLayer(id)) continue;
    if (prop === 'filter') map.setFilter(id, value);
    else map.setLayoutProperty(id, prop, value);
  }
  syncControls();
  writeURL();
  refreshCounts();
  refreshViewListSoon();
}

const writeURL = () => {
  const map = planmap.map;
  if (map) {
    const c = map.getCenter();
    state.view = { zoom: map.getZoom(), lat: c.lat, lon: c.lng, bearing: map.getBearing(), pitch: map.getPitch() };
  }
  const hash = formatHash(state);
  if (location.hash.slice(1) !== hash) history.replaceState(null, '', `#${hash}`);
};

function onStateChange() {
  applyState();
}

// ---- layer panel and legend ---------------------------------------------

function layerKinds(layerId) {
  const fromFacets = Object.keys(planmap.facets?.layers?.[layerId]?.values?.kind || {}).filter((k) => k !== 'null');
  return fromFacets;
}

function allKinds() {
  return planmap.collections.flatMap((c) => layerKinds(c.id));
}

function buildLayerPanel() {
  els.layerList.replaceChildren();
  for (const c of planmap.collections) {
    const colours = kindColours(c.id);
    const kindCounts = planmap.facets?.layers?.[c.id]?.values?.kind || {};
    const toggle = h('input', { type: 'checkbox', 'data-layer': c.id, onchange: (e) => {
      if (e.target.checked) state.hidden.delete(c.id); else state.hidden.add(c.id);
      onStateChange();
    } });
    const kinds = h('ul', { class: 'kinds' }, Object.entries(kindCounts).filter(([k]) => k !== 'null').sort((a, b) => b[1] - a[1]).map(([kind, n]) =>
      h('li', {}, h('label', {},
        h('input', { type: 'checkbox', 'data-kind': kind, onchange: onKindToggle }),
        h('span', { class: 'swatch', style: `background:${colours[kind] || colours['*'] || '#888'}` }),
        h('span', { class: 'kind-label', 'data-kind-label': kind }, label('kind', kind)),
        h('span', { class: 'count' }, String(n))))));
    els.layerList.append(h('div', { class: 'layer', 'data-layer-block': c.id },
      h('label', { class: 'layer-toggle' }, toggle,
        h('span', { class: 'swatch', style: `background:${Object.entries(colours).find(([k]) => k !== '*')?.[1] || colours['*'] || '#888'}` }),
        h('span', { class: 'layer-title', 'data-layer-title': c.id }, label('layer', c.id) === c.id ? c.title : label('layer', c.id)),
        h('span', { class: 'count', 'data-layer-count': c.id }, String(c['planmap:count'] ?? ''))),
      kinds));
  }
  buildStatusLegend();
}

/**
 * The status legend, drawn as the map draws status: a line and an area
 * sample for each status in its line style (the vocabulary table's: solid,
 * dashed, dotted and hatched, faint), with the dash patterns and opacities
 * the style uses.
 */
const LINE_SAMPLES = {
  solid: { dash: null, opacity: 1, fill: 0.38 },
  dashed: { dash: '6 3', opacity: 1, fill: 0.26 },
  dotted: { dash: '0.1 6', opacity: 0.95, fill: 0.12, hatch: true, round: true },
  faint: { dash: '2.5 4.5', opacity: 0.45, fill: 0.06 },
};
const lineOf = (status) => vocabulary()?.statuses?.find((s) => s.value === status)?.line || 'dotted';
function statusSample(status, colour = '#4c5fd5') {
  const s = LINE_SAMPLES[lineOf(status)] || LINE_SAMPLES.dotted;
  const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
  const cap = s.round ? 'round' : 'butt';
  const hatch = s.hatch ? '<pattern id="hatch-legend" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="4" stroke="#1e2430" stroke-opacity=".55" stroke-width="1.2"/></pattern>' : '';
  const el = document.createElement('span');
  el.className = 'status-sample';
  el.innerHTML = `<svg width="58" height="16" viewBox="0 0 58 16" aria-hidden="true"><defs>${hatch}</defs>`
    + `<line x1="2" y1="8" x2="28" y2="8" stroke="${colour}" stroke-width="2.5" stroke-linecap="${cap}" stroke-opacity="${s.opacity}"${dash}/>`
    + `<rect x="34" y="2" width="22" height="12" fill="${colour}" fill-opacity="${s.fill}" stroke="${colour}" stroke-width="1.4" stroke-linecap="${cap}" stroke-opacity="${s.opacity}"${dash}/>`
    + (s.hatch ? '<rect x="34" y="2" width="22" height="12" fill="url(#hatch-legend)"/>' : '') + '</svg>';
  return el;
}
function buildStatusLegend() {
  const list = document.getElementById('status-legend');
  list.replaceChildren(...values('status').map((st) => h('li', { 'data-status-legend': st, 'data-status-line': lineOf(st) }, statusSample(st), h('span', { 'data-status-label': st }, label('status', st)))));
}

/** What the legend shows, for the print export: layers with their kinds and colours, and the statuses. */
function legendModel() {
  const layers = planmap.collections.filter((c) => !state.hidden.has(c.id)).map((c) => {
    const colours = kindColours(c.id);
    const counts = planmap.facets?.layers?.[c.id]?.values?.kind || {};
    return {
      id: c.id, title: label('layer', c.id),
      kinds: Object.keys(counts).filter((k) => k !== 'null' && (!state.kind || state.kind.has(k))).map((k) => ({ kind: k, label: label('kind', k), colour: colours[k] || colours['*'] || '#888' })),
    };
  });
  return { layers, statuses: values('status').map((st) => ({ status: st, line: lineOf(st), label: label('status', st), ...LINE_SAMPLES[lineOf(st)] })) };
}

function onKindToggle() {
  const unchecked = new Set([...els.layerList.querySelectorAll('input[data-kind]')].filter((i) => !i.checked).map((i) => i.dataset.kind));
  state.kind = unchecked.size ? new Set(allKinds().filter((k) => !unchecked.has(k))) : null;
  onStateChange();
}

const refreshCounts = debounce(async () => {
  const active = filtersActive(state);
  await Promise.all(planmap.collections.map(async (c) => {
    const el = els.layerList.querySelector(`[data-layer-count="${CSS.escape(c.id)}"]`);
    if (!el) return;
    const total = c['planmap:count'] ?? 0;
    if (!active) {
      el.textContent = String(total);
      return;
    }
    const params = itemsParams(state, layerKinds(c.id));
    let matched = 0;
    if (params) {
      params.set('limit', '1');
      params.set('properties', 'id');
      try {
        matched = (await getJSON(api(`collections/${encodeURIComponent(c.id)}/items`, params))).numberMatched ?? 0;
      } catch { matched = '?'; }
    }
    el.textContent = t('ofTotal', matched, total);
  }));
}, 150);

// ---- filters ------------------------------------------------------------

function buildFilters() {
  const STATUSES = values('status');
  els.statusFilter.replaceChildren(...STATUSES.map((s) => h('label', { class: 'chip' },
    h('input', { type: 'checkbox', 'data-status': s, onchange: () => {
      const checked = [...els.statusFilter.querySelectorAll('input:checked')].map((i) => i.dataset.status);
      state.status = checked.length === STATUSES.length ? null : new Set(checked);
      onStateChange();
    } }),
    h('span', { 'data-status-label': s }, label('status', s)))));

  const cityCounts = {};
  for (const layer of Object.values(planmap.facets?.layers || {})) {
    for (const [city, n] of Object.entries(layer.values?.city || {})) {
      if (city !== 'null') cityCounts[city] = (cityCounts[city] || 0) + n;
    }
  }
  const cities = Object.entries(cityCounts).sort((a, b) => b[1] - a[1]).slice(0, 40).map(([c]) => c);
  for (const c of state.city || []) if (!cities.includes(c)) cities.push(c);
  els.cityFilter.replaceChildren(...cities.map((city) => h('label', { class: 'chip' },
    h('input', { type: 'checkbox', 'data-city': city, onchange: (e) => {
      const checked = [...els.cityFilter.querySelectorAll('input:checked')].map((i) => i.dataset.city);
      state.city = checked.length ? new Set(checked) : null;
      onStateChange();
      // Choosing a city moves the map there (to all the cities chosen).
      if (e.target.checked) flyToCity(checked).catch((err) => console.warn(err));
    } }),
    h('span', {}, city))));

  const onYear = () => {
    const from = els.yearFrom.value ? Number(els.yearFrom.value) : null;
    const to = els.yearTo.value ? Number(els.yearTo.value) : null;
    state.year = from == null && to == null ? null : { from, to };
    onStateChange();
  };
  const by = document.getElementById('timeline');
  const byOn = document.getElementById('timeline-on');
  const years = Object.keys(Object.assign({}, ...Object.values(planmap.facets?.layers || {}).map((l) => l.values?.target_year || {}))).map(Number).filter((y) => y > 1900);
  by.min = String(Math.min(2015, ...years));
  by.max = String(Math.max(2035, ...years));
  const onBy = () => {
    state.by = byOn.checked ? Number(by.value) : null;
    document.getElementById('timeline-value').textContent = byOn.checked ? by.value : '—';
    onStateChange();
  };
  by.addEventListener('input', () => { byOn.checked = true; onBy(); });
  byOn.addEventListener('change', onBy);
  els.yearFrom.addEventListener('change', onYear);
  els.yearTo.addEventListener('change', onYear);
  document.getElementById('filters-reset').addEventListener('click', () => {
    Object.assign(state, { status: null, kind: null, city: null, year: null, by: null });
    onStateChange();
  });
}

/** Makes every control show the state (after a URL change or a reset). */
function syncControls() {
  for (const input of els.layerList.querySelectorAll('input[data-layer]')) input.checked = !state.hidden.has(input.dataset.layer);
  for (const input of els.layerList.querySelectorAll('input[data-kind]')) input.checked = !state.kind || state.kind.has(input.dataset.kind);
  for (const input of els.statusFilter.querySelectorAll('input')) input.checked = !state.status || state.status.has(input.dataset.status);
  for (const input of els.cityFilter.querySelectorAll('input')) input.checked = Boolean(state.city?.has(input.dataset.city));
  els.yearFrom.value = state.year?.from ?? '';
  els.yearTo.value = state.year?.to ?? '';
  document.getElementById('timeline-on').checked = Boolean(state.by);
  if (state.by) document.getElementById('timeline').value = String(state.by);
  document.getElementById('timeline-value').textContent = state.by ? String(state.by) : '—';
  for (const block of els.layerList.querySelectorAll('[data-layer-block]')) {
    block.classList.toggle('is-hidden', state.hidden.has(block.dataset.layerBlock));
  }
}

function relabel() {
  setLanguage(state.lang);
  document.getElementById('lang-toggle').textContent = state.lang === 'en' ? '中文' : 'English';
  document.getElementById('lang-toggle').lang = state.lang === 'en' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll('[data-kind-label]')) el.textContent = label('kind', el.dataset.kindLabel);
  for (const el of document.querySelectorAll('[data-status-label]')) el.textContent = label('status', el.dataset.statusLabel);
  for (const el of document.querySelectorAll('[data-layer-title]')) el.textContent = label('layer', el.dataset.layerTitle);
  document.getElementById('planmap-map').setAttribute('aria-label', t('map'));
  buildAbout();
  if (state.sel && !els.details.hidden) openDetails(state.sel.layer, state.sel.id, { fly: false }).catch(() => {});
}

// ---- interactions -------------------------------------------------------

function wireInteractions(map) {
  map.on('moveend', () => {
    writeURL();
    refreshViewListSoon();
  });
  map.on('click', (e) => {
    if (planmap.tools?.measuring()) return;
    hideTooltip();
    const hits = featuresAt(map, e.point);
    if (!hits.length) return closePicker();
    if (hits.length === 1) return openClicked(hits[0], e.lngLat);
    showPicker(hits, e.point, e.lngLat);
  });
  let hoverFrame = 0;
  map.on('mousemove', (e) => {
    if (hoverFrame) return;
    hoverFrame = requestAnimationFrame(() => {
      hoverFrame = 0;
      const hits = planmap.tools?.measuring() ? [] : featuresAt(map, e.point);
      map.getCanvas().style.cursor = hits.length ? 'pointer' : '';
      showTooltip(hits, e.point);
    });
  });
  map.getCanvas().addEventListener('mouseleave', hideTooltip);
  map.on('movestart', hideTooltip);
  window.addEventListener('hashchange', () => {
    const next = parseHash(location.hash);
    if (formatHash(next) === formatHash(state)) return;
    const langChanged = next.lang !== state.lang;
    Object.assign(state, next);
    if (next.view) map.jumpTo({ center: [next.view.lon, next.view.lat], zoom: next.view.zoom, bearing: next.view.bearing || 0 });
    if (langChanged) relabel();
    applyState();
    if (next.sel) openDetails(next.sel.layer, next.sel.id, { fly: false }).catch(() => {});
  });
  document.getElementById('lang-toggle').addEventListener('click', () => {
    state.lang = state.lang === 'en' ? 'zh' : 'en';
    relabel();
    applyState();
  });
  document.getElementById('lang-toggle').textContent = state.lang === 'en' ? '中文' : 'English';
  document.getElementById('details-close').addEventListener('click', closeDetails);
  els.details.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeDetails(); });
  const toggle = document.getElementById('sidebar-toggle');
  const setSidebar = (open) => {
    els.sidebar.classList.toggle('collapsed', !open);
    toggle.setAttribute('aria-expanded', String(open));
    setTimeout(() => map.resize(), 0);
  };
  toggle.addEventListener('click', () => setSidebar(els.sidebar.classList.contains('collapsed')));
  if (window.matchMedia('(max-width: 700px)').matches) setSidebar(false);
  document.getElementById('download-view').addEventListener('click', downloadView);
  document.getElementById('copy-link').addEventListener('click', copyLink);
}

/** Copies the page's link (the view, filters, selection and analysis) to the clipboard. */
async function copyLink() {
  writeURL();
  const button = document.getElementById('copy-link');
  let ok = false;
  try {
    await navigator.clipboard.writeText(location.href);
    ok = true;
  } catch {
    const input = h('input', { value: location.href, readonly: true, class: 'visually-hidden' });
    document.body.append(input);
    input.select();
    ok = document.execCommand('copy');
    input.remove();
  }
  planmap.copiedLink = ok ? location.href : null;
  button.textContent = ok ? t('copied') : t('copyFailed');
  setTimeout(() => { button.textContent = t('copyLink'); }, 1800);
}

/** Opens a clicked feature and keeps the clicked point in view once the panel has narrowed the map. */
function openClicked(f, lngLat) {
  closePicker();
  openDetails(f.layerId, f.id, { fly: false }).then(() => {
    const map = planmap.map;
    const p = map.project(lngLat);
    const c = map.getContainer();
    const margin = 40;
    if (p.x < margin || p.y < margin || p.x > c.clientWidth - margin || p.y > c.clientHeight - margin) map.easeTo({ center: lngLat, duration: 300 });
  }).catch((err) => console.warn(err));
}

const tooltip = () => document.getElementById('map-tooltip');
function describe(f) {
  return `${label('kind', f.props.kind)} · ${label('status', f.props.status)}`;
}
function showTooltip(hits, point) {
  const el = tooltip();
  if (!hits.length) return hideTooltip();
  const [first] = hits;
  el.replaceChildren(h('strong', {}, featureName(first.props)), h('span', {}, describe(first)),
    hits.length > 1 ? h('span', { class: 'more' }, t('moreHere', hits.length - 1)) : null);
  el.hidden = false;
  const c = planmap.map.getContainer();
  el.style.left = `${Math.min(point.x + 14, c.clientWidth - el.offsetWidth - 4)}px`;
  el.style.top = `${Math.min(point.y + 14, c.clientHeight - el.offsetHeight - 4)}px`;
  planmap.tooltip = hits.map((f) => `${f.layerId}/${f.id}`);
}
function hideTooltip() {
  const el = tooltip();
  if (el) el.hidden = true;
  planmap.tooltip = null;
}

/** The overlap picker: a list of the features under the pointer. */
function showPicker(hits, point, lngLat) {
  const el = document.getElementById('map-picker');
  el.replaceChildren(h('p', { class: 'picker-title' }, t('pickOne', hits.length)), h('ul', {}, hits.map((f) => h('li', {},
    h('button', { type: 'button', 'data-pick': `${f.layerId}/${f.id}`, onclick: () => openClicked(f, lngLat) },
      h('span', { class: 'swatch', style: `background:${f.colour}` }), h('span', {}, featureName(f.props)), h('span', { class: 'hint' }, ` ${describe(f)}`))))));
  el.hidden = false;
  const c = planmap.map.getContainer();
  el.style.left = `${Math.max(4, Math.min(point.x + 8, c.clientWidth - el.offsetWidth - 4))}px`;
  el.style.top = `${Math.max(4, Math.min(point.y + 8, c.clientHeight - el.offsetHeight - 4))}px`;
  el.querySelector('button')?.focus();
}
function closePicker() {
  const el = document.getElementById('map-picker');
  if (el) el.hidden = true;
}

/** Moves the map to show the features of the given cities (a bookmark when there is one). */
async function flyToCity(cities) {
  const map = planmap.map;
  const known = cities.map((c) => Object.values(BOOKMARKS).find((b) => b.cities.includes(c)));
  let bounds = null;
  const grow = (b) => {
    bounds = bounds ? [[Math.min(bounds[0][0], b[0][0]), Math.min(bounds[0][1], b[0][1])], [Math.max(bounds[1][0], b[1][0]), Math.max(bounds[1][1], b[1][1])]] : b;
  };
  for (let i = 0; i < cities.length; i++) {
    if (known[i]) { grow(known[i].bounds); continue; }
    for (const c of planmap.collections) {
      if (c.id === 'corridors') continue;
      const page = await getJSON(api(`collections/${encodeURIComponent(c.id)}/items`, new URLSearchParams({ city: cities[i], limit: '1000', properties: 'id' })));
      for (const f of page.features || []) {
        if (!f.geometry) continue;
        const b = bboxOf(f.geometry);
        grow([[b[0], b[1]], [b[2], b[3]]]);
      }
    }
  }
  if (bounds) map.fitBounds(bounds, { padding: 30, maxZoom: 12, duration: 700 });
  return bounds;
}

/** The distinct planning features drawn at (or within a few pixels of) a screen point, topmost first. */
function featuresAt(map, point, r = 4) {
  const layers = visibleStyleLayerIds().filter((id) => map.getLayer(id));
  if (!layers.length) return [];
  const hits = map.queryRenderedFeatures([[point.x - r, point.y - r], [point.x + r, point.y + r]], { layers });
  const seen = new Map();
  for (const f of hits) {
    const layerId = f.layer.metadata?.['planmap:layer'];
    const id = f.properties?.id ?? f.id;
    const key = `${layerId}/${id}`;
    if (!layerId || id == null || seen.has(key) || f.sourceLayer === 'enclave-links') continue;
    const paint = f.layer.paint || {};
    const colour = paint['fill-color'] || paint['line-color'] || paint['circle-stroke-color'] || paint['circle-color'];
    seen.set(key, { layerId, id: String(id), props: f.properties, colour: typeof colour === 'string' ? colour : colour?.toString?.() || '#888' });
  }
  return [...seen.values()];
}

// ---- details panel -------------------------------------------------------

function bboxOf(geometry) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  if (geometry.type === 'GeometryCollection') geometry.geometries.forEach((g) => walk(g.coordinates));
  else walk(geometry.coordinates);
  return [w, s, e, n];
}

/** Whether a view's bounds and a bbox [w, s, e, n] meet. */
function boundsMeet(view, b) {
  return b[0] <= view.getEast() && b[2] >= view.getWest() && b[1] <= view.getNorth() && b[3] >= view.getSouth();
}

/** Moves the map to show a bbox [w, s, e, n]. */
function fitFeature(bbox, options = {}) {
  const map = planmap.map;
  // On a phone the details sheet sits under the map, which keeps its
  // centre when it shrinks, so the same padding serves both layouts.
  const padding = window.matchMedia('(max-width: 700px)').matches ? 30 : 60;
  map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding, maxZoom: 13, duration: 600, ...options });
}

async function openDetails(layerId, id, { fly = true } = {}) {
  const url = api(`collections/${encodeURIComponent(layerId)}/items/${encodeURIComponent(id)}`);
  const feature = await getJSON(url);
  const p = feature.properties || {};
  planmap.map.getSource(SELECTION_SOURCE)?.setData(feature);
  state.sel = { layer: layerId, id };
  writeURL();
  const row = (key, value) => (value == null || value === '' ? null : [h('dt', { text: t(key) }), h('dd', {}, value)]);
  const place = [p.city, p.county].filter(Boolean).join(' ');
  const en = language() === 'en' && p.name_en;
  const t2s = p.source_excerpt ? await excerptTable() : null;
  const { cleanExcerpt, needsCleaning } = await import('./text.js');
  const excerpt = p.source_excerpt ? h('div', { class: 'excerpt' }) : null;
  if (excerpt) {
    const verbatim = p.source_excerpt;
    const clean = cleanExcerpt(verbatim, t2s);
    const quote = h('blockquote', { lang: 'zh-CN', 'data-verbatim': 'false' }, clean);
    excerpt.append(quote);
    if (needsCleaning(verbatim, t2s)) {
      const toggle = h('button', { type: 'button', class: 'small link', 'aria-pressed': 'false', onclick: () => {
        const showVerbatim = quote.dataset.verbatim !== 'true';
        quote.dataset.verbatim = String(showVerbatim);
        quote.textContent = showVerbatim ? verbatim : clean;
        quote.lang = showVerbatim ? 'zh-Hant' : 'zh-CN';
        toggle.setAttribute('aria-pressed', String(showVerbatim));
      } }, t('verbatim'));
      excerpt.append(h('p', { class: 'hint' }, t('excerptCleaned'), ' ', toggle));
    }
  }
  els.detailsBody.replaceChildren(
    h('p', { class: 'details-layer' }, label('layer', layerId)),
    h('h2', { id: 'details-title', lang: en ? 'en' : 'zh-CN' }, en ? p.name_en : (p.name || p.id || id)),
    en ? h('p', { class: 'name-en', lang: 'zh-CN' }, p.name || '') : (p.name_en ? h('p', { class: 'name-en', lang: 'en' }, p.name_en) : null),
    h('dl', {},
      row('kind', label('kind', p.kind)),
      row('status', label('status', p.status)),
      row('targetYearShort', p.target_year == null ? t('none') : String(p.target_year)),
      row('cityCounty', place || t('none')),
      row('mode', p.mode ? label('mode', p.mode) : null),
      row('home', p.home),
      row('host', p.host),
      row('source', p.source_doc),
      row('excerpt', excerpt),
      row('precision', label('geometry_precision', p.geometry_precision)),
      row('placement', p.placement_note),
      row('links', h('span', { class: 'links' },
        h('a', { href: `${url.href}?f=html`, target: '_blank', rel: 'noopener' }, t('ogcItem')),
        ' · ',
        h('a', { href: url.href, target: '_blank', rel: 'noopener', type: 'application/geo+json' }, t('geojson'))))),
    // Where editing will go (sign-in and the edit form come later).
    h('section', { id: 'details-edit', class: 'details-edit', 'data-edit-slot': '', hidden: true, 'aria-label': t('edit') }));
  els.details.hidden = false;
  document.querySelector('.app').classList.add('has-details');
  planmap.map.resize(); // now, so that a camera move that follows fits the smaller map
  els.details.focus({ preventScroll: true });
  const b = bboxOf(feature.geometry);
  if (fly) fitFeature(b);
  else if (!boundsMeet(planmap.map.getBounds(), b)) fitFeature(b); // keep it in view once the panel has narrowed the map
  document.dispatchEvent(new CustomEvent('planmap:details', { detail: { layerId, id, feature } })); // edit9: edit.js adds its section
  return feature;
}

let t2sTable = null;
/** The traditional → simplified table, fetched once when an excerpt is first shown. */
async function excerptTable() {
  t2sTable ??= Promise.all([fetch(new URL('app/vendor/t2s.txt', document.baseURI)).then((r) => (r.ok ? r.text() : '')), import('./text.js')])
    .then(([text, { parseT2S }]) => parseT2S(text)).catch(() => new Map());
  return t2sTable;
}

function closeDetails() {
  els.details.hidden = true;
  els.detailsBody.replaceChildren();
  document.querySelector('.app').classList.remove('has-details');
  planmap.map.getSource(SELECTION_SOURCE)?.setData({ type: 'FeatureCollection', features: [] });
  document.dispatchEvent(new CustomEvent('planmap:details-closed')); // edit9
  state.sel = null;
  writeURL();
  planmap.map.resize();
}

// ---- projects in view -----------------------------------------------------

function viewFeatures() {
  const map = planmap.map;
  const layers = visibleStyleLayerIds().filter((id) => map.getLayer(id));
  if (!layers.length) return [];
  const seen = new Map();
  for (const f of map.queryRenderedFeatures({ layers })) {
    const layerId = f.layer.metadata?.['planmap:layer'];
    const id = f.properties?.id ?? f.id;
    if (!layerId || id == null || f.sourceLayer === 'enclave-links') continue;
    const key = `${layerId}/${id}`;
    if (!seen.has(key)) seen.set(key, { layerId, id: String(id), props: f.properties });
  }
  return [...seen.values()];
}

function refreshViewList() {
  if (!planmap.map) return;
  const items = viewFeatures().sort((a, b) => featureName(a.props).localeCompare(featureName(b.props), language() === 'en' ? 'en' : 'zh-CN'));
  els.viewCount.textContent = String(items.length);
  els.viewList.replaceChildren(...items.slice(0, VIEW_LIST_MAX).map((item) => h('li', {},
    h('button', { type: 'button', class: 'view-item', 'data-id': item.id, onclick: () => openDetails(item.layerId, item.id).catch((e) => console.warn(e)) },
      h('span', { class: 'view-name' }, featureName(item.props)),
      h('span', { class: 'view-meta' }, `${label('kind', item.props.kind)} · ${label('status', item.props.status)}`)))));
  if (items.length > VIEW_LIST_MAX) els.viewList.append(h('li', { class: 'hint' }, t('tooMany', VIEW_LIST_MAX)));
}

const refreshViewListSoon = debounce(() => {
  planmap.map.once('idle', refreshViewList);
  planmap.map.triggerRepaint();
}, 200);

/** Downloads the visible layers' features in the view's bbox, filtered as on the map. */
async function downloadView() {
  const status = document.getElementById('download-status');
  status.textContent = t('downloading');
  const b = planmap.map.getBounds();
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(',');
  const features = [];
  try {
    for (const c of planmap.collections) {
      if (state.hidden.has(c.id)) continue;
      const params = itemsParams(state, layerKinds(c.id));
      if (!params) continue;
      params.set('bbox', bbox);
      params.set('limit', '10000');
      let url = api(`collections/${encodeURIComponent(c.id)}/items`, params).href;
      while (url) {
        const page = await getJSON(url);
        for (const f of page.features || []) {
          if (!matchesFilters(state, f.properties || {})) continue;
          f.properties = { layer: c.id, ...f.properties };
          features.push(f);
        }
        url = (page.links || []).find((l) => l.rel === 'next')?.href;
      }
    }
  } catch (err) {
    status.textContent = String(err.message || err);
    return;
  }
  const fc = { type: 'FeatureCollection', bbox: bbox.split(',').map(Number), features };
  download(`planmap-view-${new Date().toISOString().slice(0, 10)}.geojson`, JSON.stringify(fc), 'application/geo+json');
  status.textContent = t('downloaded', features.length);
  planmap.lastDownload = fc;
}

// ---- about ---------------------------------------------------------------

function buildAbout() {
  const about = document.getElementById('about');
  about.innerHTML = t('aboutText');
  about.append(h('ul', {},
    planmap.collections.map((c) => h('li', {}, h('strong', {}, label('layer', c.id)), ': ', [c.attribution, c['planmap:license']].filter(Boolean).join(' — '))),
    h('li', {}, 'Basemap: coastline © OpenStreetMap contributors (ODbL), via @geo-maps/countries-coastline-1m; surroundings: Natural Earth (public domain), via world-atlas'),
    h('li', {}, 'MapLibre GL JS (BSD-3-Clause) · traditional→simplified search table from OpenCC (Apache-2.0) · pinyin: go-pinyin (MIT)')));
}

export { state, planmap };
