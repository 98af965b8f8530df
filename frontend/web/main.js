// planmap's web map: the planning layers on an offline basemap, with a
// layer panel and legend, filters, search, a details panel, the list of
// projects in view, downloads, a shareable URL and the coverage analysis.
// window.planmap exposes the map and the page's state to automation.

import * as maplibregl from './vendor/maplibre-gl.mjs';
import { featureName, label, language, setLanguage, setVocabulary, t, values, vocabulary } from './i18n.js';
import { emptyState, filterConditions, filtersActive, formatHash, itemsParams, matchesFilters, parseHash } from './state.js';
import { api, debounce, download, getJSON, h } from './util.js';
import { initSearch } from './search.js';
import { initCoverage } from './coverage.js';
import { initEdit } from './edit.js'; // edit9: editing (sign-in, attributes, geometry, history)

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

planmap.ready = boot().catch((err) => {
  showError(err);
  throw err;
});

async function boot() {
  const [collections, facets] = await Promise.all([
    getJSON(api('collections')),
    getJSON(api('search/facets')).catch(() => null),
  ]);
  planmap.collections = collections.collections || [];
  planmap.facets = facets;
  const mapOptions = {
    container: 'planmap-map',
    style: api('styles/default.json').href,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    maxPitch: 0,
  };
  if (state.view) {
    Object.assign(mapOptions, { center: [state.view.lon, state.view.lat], zoom: state.view.zoom, bearing: state.view.bearing || 0 });
  } else {
    const extent = datasetExtent(planmap.collections);
    if (extent) Object.assign(mapOptions, { bounds: extent, fitBoundsOptions: { padding: 24 } });
  }
  const map = new maplibregl.Map(mapOptions);
  planmap.map = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.on('error', (e) => console.warn('map error', e.error?.message || e));

  await new Promise((resolve, reject) => {
    map.once('style.load', resolve);
    map.once('error', (e) => { if (!map.isStyleLoaded()) reject(e.error || new Error('style failed to load')); });
  });
  planmap.timings.styleLoaded = performance.now();
  setVocabulary(map.getStyle().metadata?.['planmap:vocabulary']);
  collectStyleLayers(map);
  addAttribution(map);
  addSelectionLayers(map);

  buildLayerPanel();
  buildFilters();
  applyState();
  wireInteractions(map);
  initSearch({ map, openDetails, fitFeature });
  initCoverage({ map, collections: planmap.collections, beforeLayer: SELECTION_SOURCE + '-fill' });
  buildAbout();
  planmap.editReady = initEdit({ map, planmap }).catch((err) => console.warn('editing unavailable', err)); // edit9

  await new Promise((resolve) => map.once('idle', resolve));
  planmap.timings.firstIdle = performance.now();
  // A link that names a feature but no view (the API's HTML pages) flies to it.
  if (state.sel) openDetails(state.sel.layer, state.sel.id, { fly: !state.view }).catch(() => {});
  refreshViewList();
  return planmap;
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

function collectStyleLayers(map) {
  planmap.styleLayers = {};
  for (const layer of map.getStyle().layers) {
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
  const sources = map.getStyle().sources || {};
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

function addSelectionLayers(map) {
  map.addSource(SELECTION_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: `${SELECTION_SOURCE}-fill`, type: 'fill', source: SELECTION_SOURCE, filter: ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false], paint: { 'fill-color': '#ffd400', 'fill-opacity': 0.25 } });
  map.addLayer({ id: `${SELECTION_SOURCE}-line`, type: 'line', source: SELECTION_SOURCE, filter: ['match', ['geometry-type'], ['Point', 'MultiPoint'], false, true], paint: { 'line-color': '#111', 'line-width': 3, 'line-opacity': 0.9 } });
  map.addLayer({ id: `${SELECTION_SOURCE}-point`, type: 'circle', source: SELECTION_SOURCE, filter: ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false], paint: { 'circle-radius': 10, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#111', 'circle-stroke-width': 3 } });
}

/** Kind → colour, read from the style's match expressions on kind. */
function kindColours(layerId) {
  const colours = {};
  const style = planmap.map.getStyle();
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

function applyState() {
  const map = planmap.map;
  const conds = filterConditions(state);
  for (const [layerId, ids] of Object.entries(planmap.styleLayers)) {
    for (const id of ids) {
      map.setLayoutProperty(id, 'visibility', state.hidden.has(layerId) ? 'none' : 'visible');
      const own = originalFilters.get(id);
      const filter = conds.length ? ['all', ...(own ? [own] : []), ...conds] : own;
      map.setFilter(id, filter ?? null);
    }
  }
  for (const [id, field] of originalTextFields) {
    const en = language() === 'en' && JSON.stringify(field).includes('"name"');
    map.setLayoutProperty(id, 'text-field', en ? ['coalesce', ['get', 'name_en'], ['get', 'name']] : field);
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
}

/** The status legend: each status's label beside a sample of its line style (the vocabulary table's). */
function buildStatusLegend() {
  const border = { solid: 'solid', dashed: 'dashed', dotted: 'dotted', faint: 'solid' };
  document.getElementById('status-legend').replaceChildren(...(vocabulary()?.statuses || []).map((s) => h('li', { 'data-status-line': s.line },
    h('span', { class: 'line-sample', style: `display:inline-block;width:24px;vertical-align:middle;margin-right:4px;border-top:2px ${border[s.line] || 'solid'} #495057;opacity:${s.line === 'faint' ? 0.4 : 1}` }),
    h('span', { 'data-status-label': s.value }, label('status', s.value)))));
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
  buildStatusLegend();
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
    h('input', { type: 'checkbox', 'data-city': city, onchange: () => {
      const checked = [...els.cityFilter.querySelectorAll('input:checked')].map((i) => i.dataset.city);
      state.city = checked.length ? new Set(checked) : null;
      onStateChange();
    } }),
    h('span', {}, city))));

  const onYear = () => {
    const from = els.yearFrom.value ? Number(els.yearFrom.value) : null;
    const to = els.yearTo.value ? Number(els.yearTo.value) : null;
    state.year = from == null && to == null ? null : { from, to };
    onStateChange();
  };
  els.yearFrom.addEventListener('change', onYear);
  els.yearTo.addEventListener('change', onYear);
  document.getElementById('filters-reset').addEventListener('click', () => {
    Object.assign(state, { status: null, kind: null, city: null, year: null });
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
    const f = featureAt(map, e.point);
    if (!f) return;
    openDetails(f.layerId, f.id, { fly: false }).catch((err) => console.warn(err));
  });
  map.on('mousemove', (e) => {
    map.getCanvas().style.cursor = featureAt(map, e.point) ? 'pointer' : '';
  });
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
}

/** The planning feature drawn at (or within a few pixels of) a screen point. */
function featureAt(map, point) {
  const layers = visibleStyleLayerIds().filter((id) => map.getLayer(id));
  if (!layers.length) return null;
  const r = 4;
  const hits = map.queryRenderedFeatures([[point.x - r, point.y - r], [point.x + r, point.y + r]], { layers });
  for (const f of hits) {
    const layerId = f.layer.metadata?.['planmap:layer'];
    const id = f.properties?.id ?? f.id;
    if (layerId && id != null) return { layerId, id: String(id) };
  }
  return null;
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
  els.detailsBody.replaceChildren(
    h('p', { class: 'details-layer' }, label('layer', layerId)),
    h('h2', { id: 'details-title', lang: 'zh-CN' }, p.name || p.id || id),
    p.name_en ? h('p', { class: 'name-en', lang: 'en' }, p.name_en) : null,
    h('dl', {},
      row('kind', label('kind', p.kind)),
      row('status', label('status', p.status)),
      row('targetYearShort', p.target_year == null ? t('none') : String(p.target_year)),
      row('cityCounty', place || t('none')),
      row('mode', p.mode ? label('mode', p.mode) : null),
      row('home', p.home),
      row('host', p.host),
      row('source', p.source_doc),
      row('excerpt', p.source_excerpt ? h('blockquote', { lang: 'zh' }, p.source_excerpt) : null),
      row('precision', label('geometry_precision', p.geometry_precision)),
      row('placement', p.placement_note),
      row('links', h('span', { class: 'links' },
        h('a', { href: `${url.href}?f=html`, target: '_blank', rel: 'noopener' }, t('ogcItem')),
        ' · ',
        h('a', { href: url.href, target: '_blank', rel: 'noopener', type: 'application/geo+json' }, t('geojson'))))));
  els.details.hidden = false;
  document.querySelector('.app').classList.add('has-details');
  planmap.map.resize(); // now, so that a camera move that follows fits the smaller map
  els.details.focus({ preventScroll: true });
  if (fly) fitFeature(bboxOf(feature.geometry));
  document.dispatchEvent(new CustomEvent('planmap:details', { detail: { layerId, id, feature } })); // edit9: edit.js adds its section
  return feature;
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
