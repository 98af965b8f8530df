// The coverage panel: choose corridors (from the list, or by mode and
// status), a distance and target layers; see the buffer, the targets
// coloured covered or not, the summary by layer, status and kind; download
// the result as GeoJSON or CSV. The numbers come from /analysis/coverage and
// the area from /analysis/buffer. The targets follow the sidebar's status,
// kind and city filters (target_* parameters), the analysis is kept in the
// share URL (state.cov), and a note says when a target's city has no chosen
// corridor at all (a gap in the data is not a planning finding).
//
// The API takes corridors either by id or by filters, never both: ticked
// corridors win, and while any is ticked the mode and status filters are
// disabled (with a hint saying so). Mode and status filters combine (AND).

import { featureName, label, t, values } from './i18n.js';
import { api, debounce, download, getJSON, h, percent } from './util.js';

const BUFFER = 'planmap-coverage-buffer';
const TARGETS = 'planmap-coverage-targets';
const COVERED = '#1a9850';
const UNCOVERED = '#d73027';

export function initCoverage({ map, collections, beforeLayer, state, writeURL }) {
  // Targets are every layer but the corridors (as the API's default);
  // modes and statuses come from the vocabulary table.
  const MODES = values('mode');
  const STATUSES = values('status');
  const els = {
    panel: document.getElementById('panel-coverage'),
    filter: document.getElementById('corridor-filter'),
    modes: document.getElementById('corridor-modes'),
    statuses: document.getElementById('corridor-statuses'),
    filters: document.getElementById('corridor-filters'),
    rule: document.getElementById('corridor-rule'),
    untick: document.getElementById('corridor-untick'),
    list: document.getElementById('corridor-list'),
    targets: document.getElementById('coverage-targets'),
    distance: document.getElementById('coverage-distance'),
    distanceValue: document.getElementById('coverage-distance-value'),
    run: document.getElementById('coverage-run'),
    clear: document.getElementById('coverage-clear'),
    status: document.getElementById('coverage-status'),
    summary: document.getElementById('coverage-summary'),
  };
  const chosen = new Set();
  const modes = new Set();
  const statuses = new Set();
  let corridors = null;
  let last = null; // {params, coverage, buffer}

  const present = new Set(collections.map((c) => c.id));
  els.targets.replaceChildren(...[...present].filter((id) => id !== 'corridors').map((id) => h('label', { class: 'chip' },
    h('input', { type: 'checkbox', 'data-target': id, checked: true }), h('span', { 'data-layer-title': id }, label('layer', id)))));
  const chips = (values, set, attr, group) => values.map((v) => h('label', { class: 'chip' },
    h('input', { type: 'checkbox', [attr]: v, onchange: (e) => {
      if (e.target.checked) set.add(v); else set.delete(v);
      updateRule();
    } }),
    h('span', { 'data-label-group': group, 'data-label-value': v }, label(group, v))));
  els.modes.replaceChildren(...chips(MODES, modes, 'data-mode', 'mode'));
  els.statuses.replaceChildren(...chips(STATUSES, statuses, 'data-corridor-status', 'status'));

  const filtering = () => modes.size > 0 || statuses.size > 0;
  const matches = (c) => (!modes.size || modes.has(c.mode)) && (!statuses.size || statuses.has(c.status));

  /** Shows which rule picks the corridors, and disables the filters while ids win. */
  const updateRule = () => {
    const byIds = chosen.size > 0;
    els.filters.disabled = byIds;
    els.filters.classList.toggle('is-off', byIds);
    els.untick.hidden = !byIds;
    if (byIds) els.rule.textContent = t('ruleIds', chosen.size);
    else if (filtering()) els.rule.textContent = t('ruleFilters', (corridors || []).filter(matches).length);
    else els.rule.textContent = t('ruleNone');
    for (const li of els.list.children) {
      const c = corridorById.get(li.dataset.corridorItem);
      li.classList.toggle('is-out', Boolean(c) && !byIds && filtering() && !matches(c));
    }
  };
  const corridorById = new Map();

  const loadCorridors = async () => {
    if (corridors) return corridors;
    const body = await getJSON(api('analysis/corridors'));
    corridors = Array.isArray(body) ? body : body.corridors || body.features?.map((f) => f.properties) || [];
    for (const c of corridors) corridorById.set(c.id, c);
    renderList();
    return corridors;
  };

  const renderList = () => {
    const q = els.filter.value.trim().toLowerCase();
    const shown = (corridors || []).filter((c) => !q || [c.name, c.name_en, c.id].some((s) => s && s.toLowerCase().includes(q)));
    els.list.replaceChildren(...shown.map((c) => h('li', { 'data-corridor-item': c.id }, h('label', {},
      h('input', { type: 'checkbox', 'data-corridor': c.id, checked: chosen.has(c.id), onchange: (e) => {
        if (e.target.checked) chosen.add(c.id); else chosen.delete(c.id);
        updateRule();
      } }),
      h('span', {}, featureName(c)),
      h('span', { class: 'hint' }, ` ${label('kind', c.kind)} · ${label('status', c.status)}`)))));
    updateRule();
  };
  els.untick.addEventListener('click', () => {
    chosen.clear();
    renderList();
    els.filters.querySelector('input')?.focus();
  });

  els.panel.addEventListener('toggle', () => {
    if (els.panel.open) loadCorridors().catch((err) => { els.status.textContent = String(err.message || err); });
  });
  els.filter.addEventListener('input', renderList);

  const distanceKm = () => Number(els.distance.value);
  const showDistance = () => { els.distanceValue.textContent = `${distanceKm()} km`; };
  els.distance.addEventListener('input', () => {
    showDistance();
    if (last) runSoon();
  });
  showDistance();

  const params = () => {
    const p = new URLSearchParams();
    if (chosen.size) p.set('corridors', [...chosen].join(','));
    else if (filtering()) {
      if (modes.size) p.set('corridor_mode', [...modes].join(','));
      if (statuses.size) p.set('corridor_status', [...statuses].join(','));
    } else return null;
    const targets = [...els.targets.querySelectorAll('input:checked')].map((i) => i.dataset.target);
    if (targets.length) p.set('targets', targets.join(','));
    p.set('distance', String(Math.round(distanceKm() * 1000)));
    // the sidebar's filters narrow the targets too
    if (state?.status) p.set('target_status', [...state.status].join(','));
    if (state?.city) p.set('target_city', [...state.city].join(','));
    if (state?.kind) p.set('target_kind', [...state.kind].join(','));
    return p;
  };

  const run = async () => {
    const p = params();
    if (!p) {
      els.status.textContent = t('choose');
      return null;
    }
    if (!chosen.size && corridors && !corridors.some(matches)) {
      els.status.textContent = t('noMatch');
      return null;
    }
    els.status.textContent = t('running');
    const bufferParams = new URLSearchParams(p);
    for (const k of ['targets', 'target_status', 'target_city', 'target_kind']) bufferParams.delete(k);
    try {
      const [coverage, buffer] = await Promise.all([
        getJSON(api('analysis/coverage', p)),
        getJSON(api('analysis/buffer', bufferParams)),
      ]);
      last = { params: p, coverage, buffer };
      draw(buffer, coverage);
      summarise(coverage);
      els.status.textContent = '';
      if (state) {
        state.cov = p.toString();
        writeURL?.();
      }
      return last;
    } catch (err) {
      els.status.textContent = String(err.message || err);
      return null;
    }
  };
  const runSoon = debounce(run, 300);

  const draw = (buffer, coverage) => {
    if (!map.getSource(BUFFER)) {
      map.addSource(BUFFER, { type: 'geojson', data: buffer });
      map.addSource(TARGETS, { type: 'geojson', data: coverage });
      const colour = ['case', ['==', ['get', 'covered'], true], COVERED, UNCOVERED];
      map.addLayer({ id: `${BUFFER}-fill`, type: 'fill', source: BUFFER, paint: { 'fill-color': '#3b6fd8', 'fill-opacity': 0.18 } }, beforeLayer);
      map.addLayer({ id: `${BUFFER}-line`, type: 'line', source: BUFFER, paint: { 'line-color': '#3b6fd8', 'line-width': 1.5, 'line-dasharray': [3, 2] } }, beforeLayer);
      map.addLayer({ id: `${TARGETS}-fill`, type: 'fill', source: TARGETS, filter: ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false], paint: { 'fill-color': colour, 'fill-opacity': 0.55, 'fill-outline-color': '#222' } }, beforeLayer);
      map.addLayer({ id: `${TARGETS}-point`, type: 'circle', source: TARGETS, filter: ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false], paint: { 'circle-color': colour, 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } }, beforeLayer);
    } else {
      map.getSource(BUFFER).setData(buffer);
      map.getSource(TARGETS).setData(coverage);
    }
    const b = bboxOfCollection(buffer);
    if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, duration: 500, maxZoom: 12 });
  };

  const summarise = (coverage) => {
    const s = coverage.summary || {};
    const km = (s.distance_m ?? distanceKm() * 1000) / 1000;
    const byLayer = Object.entries(s.by_layer || {});
    const byStatus = Object.entries(s.by_status || {}).sort((a, b) => rank(a[0]) - rank(b[0]));
    const byKind = Object.entries(s.by_kind || {}).sort((a, b) => b[1].targets - a[1].targets || a[0].localeCompare(b[0]));
    const used = s.corridors || [];
    const how = last.params.has('corridors') ? 'ids' : 'filters';
    const uncovered = (coverage.features || []).filter((f) => !f.properties.covered);
    const csvURL = api('analysis/coverage', last.params);
    csvURL.searchParams.set('f', 'csv');
    els.summary.replaceChildren(
      h('p', { class: 'coverage-headline', 'data-covered': s.covered, 'data-targets': s.targets }, t('coverageSummary', s.covered, s.targets, percent(s.share), km)),
      h('p', { class: 'coverage-corridors hint', 'data-count': used.length, 'data-how': how }, t('corridorsUsed', used.length, how),
        used.slice(0, 6).map((id) => featureName(corridorById.get(id) || { id })).join('、') + (used.length > 6 ? ' …' : '')),
      breakdown('layer', t('byLayer'), byLayer),
      breakdown('status', t('byStatus'), byStatus),
      byKind.length ? h('details', { class: 'breakdown-kind' }, h('summary', {}, `${t('byKind')} (${byKind.length})`),
        breakdown('kind', t('byKind'), byKind, true)) : null,
      h('p', { class: 'legend-inline' },
        h('span', { class: 'swatch', style: `background:${COVERED}` }), ` ${t('covered')}  `,
        h('span', { class: 'swatch', style: `background:${UNCOVERED}` }), ` ${t('uncovered')}`),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', onclick: () => download(`planmap-coverage-${km}km.geojson`, JSON.stringify(last.coverage), 'application/geo+json') }, t('downloadGeoJSON')),
        h('a', { class: 'button', href: csvURL.href, download: `planmap-coverage-${km}km.csv` }, t('downloadCSV'))),
      (s.cities_without_corridor || []).length ? h('p', { class: 'coverage-note', 'data-cities': s.cities_without_corridor.join(',') }, t('noCorridorInCity', s.cities_without_corridor.join('、'))) : null,
      uncovered.length ? h('details', { class: 'uncovered' }, h('summary', {}, `${t('uncoveredList')} (${uncovered.length})`),
        h('ul', {}, uncovered.slice(0, 100).map((f) => h('li', { 'data-id': f.properties.id, 'data-status': f.properties.status ?? '' },
          `${featureName(f.properties)} — ${label('status', f.properties.status)} — ${(f.properties.distance_m / 1000).toFixed(1)} km`)))) : null);
    els.summary.hidden = false;
  };

  const clear = () => {
    last = null;
    if (state?.cov) {
      state.cov = null;
      writeURL?.();
    }
    for (const id of [`${TARGETS}-point`, `${TARGETS}-fill`, `${BUFFER}-line`, `${BUFFER}-fill`]) if (map.getLayer(id)) map.removeLayer(id);
    for (const id of [TARGETS, BUFFER]) if (map.getSource(id)) map.removeSource(id);
    els.summary.hidden = true;
    els.summary.replaceChildren();
    els.status.textContent = '';
  };

  els.run.addEventListener('click', run);
  els.clear.addEventListener('click', clear);
  // Relabel everything drawn here when the interface language changes.
  document.addEventListener('planmap:language', () => {
    for (const el of els.panel.querySelectorAll('[data-label-group]')) el.textContent = label(el.dataset.labelGroup, el.dataset.labelValue);
    renderList();
    if (last && !els.summary.hidden) summarise(last.coverage);
  });
  updateRule();
  // An analysis in the share URL is run again as it was asked.
  if (state?.cov) {
    const q = new URLSearchParams(state.cov);
    for (const id of (q.get('corridors') || '').split(',').filter(Boolean)) chosen.add(id);
    for (const m of (q.get('corridor_mode') || '').split(',').filter(Boolean)) modes.add(m);
    for (const st of (q.get('corridor_status') || '').split(',').filter(Boolean)) statuses.add(st);
    for (const input of els.modes.querySelectorAll('input')) input.checked = modes.has(input.dataset.mode);
    for (const input of els.statuses.querySelectorAll('input')) input.checked = statuses.has(input.dataset.corridorStatus);
    if (q.get('targets')) for (const input of els.targets.querySelectorAll('input')) input.checked = q.get('targets').split(',').includes(input.dataset.target);
    if (q.get('distance')) { els.distance.value = String(Number(q.get('distance')) / 1000); showDistance(); }
    els.panel.open = true;
    loadCorridors().catch(() => {}).finally(() => { renderList(); run(); });
  }
  window.planmap.coverage = { run, clear, loadCorridors, choose: (ids) => { for (const id of ids) chosen.add(id); renderList(); }, last: () => last };
}

function rank(status) {
  const order = [...values('status'), 'unknown'];
  const i = order.indexOf(status);
  return i < 0 ? order.length : i;
}

/** A table of covered / targets / share by one vocabulary (layer, status or kind). */
function breakdown(group, caption, rows, captionHidden = false) {
  return h('table', { class: 'breakdown', 'data-breakdown': group },
    h('caption', { class: captionHidden ? 'visually-hidden' : null }, caption),
    h('tbody', {}, rows.map(([key, v]) => h('tr', { [`data-${group}`]: key, 'data-covered': v.covered, 'data-targets': v.targets },
      h('th', { scope: 'row' }, label(group, key)), h('td', { class: 'num' }, `${v.covered} / ${v.targets}`), h('td', { class: 'num' }, percent(v.share))))));
}

function bboxOfCollection(fc) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  for (const f of fc.features || []) if (f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(w) ? [w, s, e, n] : null;
}
