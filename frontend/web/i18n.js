// Interface strings and vocabulary labels in Chinese and English.

const strings = {
  zh: {
    title: 'planmap · 规划地图', skipToSearch: '跳到搜索', searchLabel: '搜索项目', searchPlaceholder: '搜索：名称 / 拼音 / English',
    panels: '面板', layersAndLegend: '图层与图例', filters: '筛选', status: '状态', city: '城市', targetYear: '目标年份',
    from: '从', to: '至', yearHint: '设定年份后，不显示无目标年份的项目。', resetFilters: '清除筛选',
    inView: '视图内项目', downloadView: '下载当前视图 GeoJSON', coverage: '走廊覆盖分析', corridors: '走廊',
    filterCorridors: '筛选走廊', targets: '分析对象', distance: '距离', runCoverage: '分析', clear: '清除',
    about: '关于与数据来源', close: '关闭', map: '地图', legendStatus: '线型表示状态：',
    noResults: '没有找到', searching: '搜索中…', kind: '类型', targetYearShort: '目标年份', cityCounty: '城市 / 区县',
    source: '来源文件', excerpt: '原文摘录', precision: '几何精度', placement: '位置说明', mode: '方式', home: '派出地', host: '所在地',
    links: '链接', ogcItem: 'OGC API 要素', geojson: 'GeoJSON', none: '—', downloading: '正在下载…',
    downloaded: (n) => `已下载 ${n} 个要素`, ofTotal: (a, b) => `${a} / ${b}`, shown: (n) => `${n} 个`,
    choose: '请勾选走廊，或设定方式或状态筛选', running: '分析中…', covered: '覆盖', uncovered: '未覆盖',
    coverageSummary: (c, t, share, d) => `${d} 公里内：${t} 个对象中 ${c} 个被覆盖（${share}）`,
    byLayer: '按图层', byKind: '按类型', byStatus: '按状态', uncoveredList: '未覆盖的对象', downloadGeoJSON: '下载 GeoJSON', downloadCSV: '下载 CSV',
    selected: (n) => `已选 ${n} 条`, mapError: '地图无法加载：', layerHidden: '（已隐藏）', allCities: '全部',
    tooMany: (n) => `仅列出前 ${n} 个`, unknown: '未知',
    untick: '取消全部勾选', noMatch: '没有同时符合所选方式和状态的走廊。', orByFilter: '或按方式和状态筛选',
    ruleNone: '勾选走廊，或按方式和状态筛选。',
    ruleIds: (n) => `按勾选的 ${n} 条走廊分析；方式和状态筛选不适用。`,
    ruleFilters: (n) => `未勾选走廊：按筛选分析符合的 ${n} 条走廊（方式和状态须同时满足）。`,
    corridorsUsed: (n, how) => `${how === 'ids' ? '勾选的' : '筛选出的'}走廊 ${n} 条：`,
    aboutText: `<p>planmap 在离线地图上显示温州与泉州规划文件中的产业园区、交通走廊、港口与能源项目、飞地和生态空间。几何位置为近似或示意，并非测绘成果；示意线（如路网网格、概念走廊、生态带）只表示大致走向。</p>`,
  },
  en: {
    title: 'planmap · planning map', skipToSearch: 'Skip to search', searchLabel: 'Search projects', searchPlaceholder: 'Search: name / pinyin / English',
    panels: 'Panels', layersAndLegend: 'Layers and legend', filters: 'Filters', status: 'Status', city: 'City', targetYear: 'Target year',
    from: 'from', to: 'to', yearHint: 'With a year set, projects with no target year are hidden.', resetFilters: 'Clear filters',
    inView: 'Projects in view', downloadView: 'Download this view as GeoJSON', coverage: 'Corridor coverage', corridors: 'Corridors',
    filterCorridors: 'Filter corridors', targets: 'Targets', distance: 'Distance', runCoverage: 'Analyse', clear: 'Clear',
    about: 'About and sources', close: 'Close', map: 'Map', legendStatus: 'Line style shows the status:',
    noResults: 'Nothing found', searching: 'Searching…', kind: 'Kind', targetYearShort: 'Target year', cityCounty: 'City / county',
    source: 'Source document', excerpt: 'Excerpt', precision: 'Geometry precision', placement: 'Placement note', mode: 'Mode', home: 'Home', host: 'Host',
    links: 'Links', ogcItem: 'OGC API feature', geojson: 'GeoJSON', none: '—', downloading: 'Downloading…',
    downloaded: (n) => `Downloaded ${n} features`, ofTotal: (a, b) => `${a} of ${b}`, shown: (n) => `${n}`,
    choose: 'Tick corridors, or set a mode or status filter', running: 'Analysing…', covered: 'covered', uncovered: 'not covered',
    coverageSummary: (c, t, share, d) => `Within ${d} km: ${c} of ${t} targets covered (${share})`,
    byLayer: 'By layer', byKind: 'By kind', byStatus: 'By status', uncoveredList: 'Not covered', downloadGeoJSON: 'Download GeoJSON', downloadCSV: 'Download CSV',
    selected: (n) => `${n} selected`, mapError: 'The map could not load: ', layerHidden: ' (hidden)', allCities: 'all',
    tooMany: (n) => `Only the first ${n} are listed`, unknown: 'unknown',
    untick: 'Untick all', noMatch: 'No corridor matches both the chosen modes and statuses.', orByFilter: 'Or filter by mode and status',
    ruleNone: 'Tick corridors, or filter them by mode and status.',
    ruleIds: (n) => `Analysing the ${n} ticked corridor${n === 1 ? '' : 's'}; the mode and status filters do not apply.`,
    ruleFilters: (n) => `No corridor ticked: analysing the ${n} corridor${n === 1 ? '' : 's'} matching both the mode and the status filters.`,
    corridorsUsed: (n, how) => `${n} ${how === 'ids' ? 'ticked' : 'filtered'} corridor${n === 1 ? '' : 's'}: `,
    aboutText: `<p>planmap shows the industrial parks, transport corridors, ports and energy sites, enclaves and ecological spaces named in Wenzhou and Quanzhou planning documents on an offline map. Geometries are approximate or schematic, not surveyed; schematic shapes (the road grid, concept corridors, ecological belts) show only a general course.</p>`,
  },
};

// The planning vocabulary (layers, kinds, statuses, modes, precisions with
// their labels, colours and status line styles) is not written here: it is
// the server's one table (data/vocabulary.go), which the map style carries
// as metadata["planmap:vocabulary"]; setVocabulary installs it.
let table = null;
let vocab = {};
const notStated = ['未注明', 'Not stated'];

/** Installs the vocabulary table (the style's metadata["planmap:vocabulary"]). */
export function setVocabulary(t) {
  table = t || { layers: [], statuses: [], modes: [], geometry_precisions: [] };
  const pairs = (terms) => Object.fromEntries((terms || []).map((x) => [x.value, [x.zh, x.en]]));
  vocab = {
    layer: Object.fromEntries(table.layers.map((l) => [l.id, [l.zh, l.en]])),
    kind: Object.assign({}, ...table.layers.map((l) => pairs(l.kinds))),
    status: { ...pairs(table.statuses), null: notStated, unknown: notStated },
    mode: pairs(table.modes),
    geometry_precision: pairs(table.geometry_precisions),
  };
}

/** The vocabulary table, or null before setVocabulary. */
export function vocabulary() {
  return table;
}

/** The values of a vocabulary group ('status', 'mode', …) in the table's order. */
export function values(group) {
  return Object.keys(vocab[group] || {}).filter((v) => v !== 'null' && v !== 'unknown');
}

let current = 'zh';

/** Sets the interface language ('zh' or 'en') and relabels the page. */
export function setLanguage(lang) {
  current = lang === 'en' ? 'en' : 'zh';
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  document.dispatchEvent(new CustomEvent('planmap:language', { detail: current }));
}

/** The interface language. */
export function language() {
  return current;
}

/** An interface string (or a function of arguments) in the current language. */
export function t(key, ...args) {
  const s = strings[current][key] ?? strings.zh[key] ?? key;
  return typeof s === 'function' ? s(...args) : s;
}

/** The label of a vocabulary value (kind, status, layer id …), or the value itself. */
export function label(group, value) {
  const pair = vocab[group]?.[value ?? 'null'];
  if (!pair) return value ?? t('unknown');
  return pair[current === 'en' ? 1 : 0];
}

/** A feature's name in the current language, falling back to the other one. */
export function featureName(props) {
  const zh = props.name, en = props.name_en;
  return (current === 'en' ? en || zh : zh || en) || props.id || '';
}

// edit9: lets a module (edit.js) bring its own strings in both languages.
/** Adds interface strings: {zh: {key: …}, en: {key: …}}. */
export function addStrings(table) {
  for (const lang of ['zh', 'en']) Object.assign(strings[lang], table[lang] || {});
}
