// The shareable state (view, hidden layers, filters, language, selection)
// and its URL form, kept in the hash so that the landing page's query
// parameters stay the server's:
//
//   #map=9.25/27.9512/120.7123&hidden=enclaves&status=planned,proposed
//    &kind=port,airport&city=温州市&year=2020-2035&by=2025&lang=en&sel=ports/wz-port
//    &base=osm&cov=<the coverage request's query, encoded>

/** Returns a fresh state with nothing filtered. */
export function emptyState() {
  return {
    view: null, // {zoom, lat, lon, bearing?, pitch?}
    hidden: new Set(),
    status: null, // Set of allowed statuses, or null for all
    kind: null, // Set of allowed kinds, or null for all
    city: null, // Set of allowed cities, or null for all
    year: null, // {from, to} (either may be null), or null
    by: null, // the timeline's year: what the plan intends by then, or null
    lang: 'zh',
    sel: null, // {layer, id}
    base: null, // the chosen basemap's id, or null for the offline one
    cov: null, // the coverage analysis's query string, or null
  };
}

function list(value) {
  return value ? value.split(',').filter(Boolean) : [];
}

/** Parses a location hash into a state. Unknown or malformed parts are ignored. */
export function parseHash(hash) {
  const state = emptyState();
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const m = (params.get('map') || '').split('/').map(Number);
  if (m.length >= 3 && m.slice(0, 3).every(Number.isFinite) && Math.abs(m[1]) <= 90) {
    state.view = { zoom: m[0], lat: m[1], lon: m[2], bearing: Number.isFinite(m[3]) ? m[3] : 0, pitch: Number.isFinite(m[4]) ? m[4] : 0 };
  }
  state.hidden = new Set(list(params.get('hidden')));
  for (const key of ['status', 'kind', 'city']) {
    if (params.has(key)) state[key] = new Set(list(params.get(key)));
  }
  const y = /^(\d{4})?-(\d{4})?$/.exec(params.get('year') || '');
  if (y && (y[1] || y[2])) state.year = { from: y[1] ? Number(y[1]) : null, to: y[2] ? Number(y[2]) : null };
  const by = /^\d{4}$/.exec(params.get('by') || '');
  if (by) state.by = Number(by[0]);
  if (params.get('lang') === 'en') state.lang = 'en';
  if (params.get('base')) state.base = params.get('base');
  if (params.get('cov')) state.cov = params.get('cov');
  const sel = /^([^/]+)\/(.+)$/.exec(params.get('sel') || '');
  if (sel) state.sel = { layer: sel[1], id: sel[2] };
  return state;
}

function enc(value) {
  return encodeURIComponent(value).replace(/%2C/g, ',').replace(/%2F/g, '/');
}

/** Writes a state as a location hash (without '#'). */
export function formatHash(state) {
  const parts = [];
  if (state.view) {
    const { zoom, lat, lon, bearing, pitch } = state.view;
    let v = `${zoom.toFixed(2)}/${lat.toFixed(4)}/${lon.toFixed(4)}`;
    if (bearing || pitch) v += `/${Math.round(bearing || 0)}/${Math.round(pitch || 0)}`;
    parts.push(`map=${v}`);
  }
  if (state.hidden.size) parts.push(`hidden=${enc([...state.hidden].join(','))}`);
  for (const key of ['status', 'kind', 'city']) {
    if (state[key]) parts.push(`${key}=${enc([...state[key]].join(','))}`);
  }
  if (state.year) parts.push(`year=${state.year.from ?? ''}-${state.year.to ?? ''}`);
  if (state.by) parts.push(`by=${state.by}`);
  if (state.lang === 'en') parts.push('lang=en');
  if (state.sel) parts.push(`sel=${enc(state.sel.layer)}/${enc(state.sel.id)}`);
  if (state.base) parts.push(`base=${enc(state.base)}`);
  if (state.cov) parts.push(`cov=${encodeURIComponent(state.cov)}`);
  return parts.join('&');
}

/** Reports whether any filter narrows what is shown. */
export function filtersActive(state) {
  return Boolean(state.status || state.kind || state.city || state.year || state.by);
}

/**
 * The filter conditions the state adds to every planning style layer
 * (AND-ed onto the layer's own filter), or [] when nothing is filtered.
 * They are legacy filters, like the style's own (a filter must not mix
 * the two syntaxes). The timeline keeps what is built, what has no target
 * year (it cannot be placed in time) and what is due by its year.
 */
export function filterConditions(state) {
  const conds = [];
  if (state.status) conds.push(['in', 'status', ...state.status]);
  if (state.kind) conds.push(['in', 'kind', ...state.kind]);
  if (state.city) conds.push(['in', 'city', ...state.city]);
  if (state.year) {
    conds.push(['has', 'target_year']);
    if (state.year.from != null) conds.push(['>=', 'target_year', state.year.from]);
    if (state.year.to != null) conds.push(['<=', 'target_year', state.year.to]);
  }
  if (state.by) conds.push(['any', ['==', 'status', 'operational'], ['!has', 'target_year'], ['<=', 'target_year', state.by]]);
  return conds;
}

/** The same filter as a predicate over a feature's properties (for lists and downloads). */
export function matchesFilters(state, props) {
  if (state.status && !state.status.has(props.status)) return false;
  if (state.kind && !state.kind.has(props.kind)) return false;
  if (state.city && !state.city.has(props.city)) return false;
  if (state.year) {
    const y = props.target_year == null ? -1 : Number(props.target_year);
    if (y < 0) return false;
    if (state.year.from != null && y < state.year.from) return false;
    if (state.year.to != null && y > state.year.to) return false;
  }
  if (state.by && props.status !== 'operational' && props.target_year != null && Number(props.target_year) > state.by) return false;
  return true;
}

/**
 * The items API parameters for one layer under the state's filters, or
 * null when the filters leave that layer nothing (no allowed kind of it).
 */
export function itemsParams(state, layerKinds) {
  const params = new URLSearchParams();
  if (state.status) {
    if (!state.status.size) return null;
    params.set('status', [...state.status].join(','));
  }
  if (state.kind) {
    const kinds = layerKinds.filter((k) => state.kind.has(k));
    if (!kinds.length) return null;
    if (kinds.length < layerKinds.length) params.set('kind', kinds.join(','));
  }
  if (state.city) {
    if (!state.city.size) return null;
    params.set('city', [...state.city].join(','));
  }
  if (state.year) params.set('datetime', `${state.year.from ?? '..'}/${state.year.to ?? '..'}`);
  return params;
}
