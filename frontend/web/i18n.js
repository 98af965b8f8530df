// Interface strings and vocabulary labels in Chinese and English.

const strings = {
  zh: {
    title: 'planmap · 规划地图', skipToSearch: '跳到搜索', searchLabel: '搜索项目', searchPlaceholder: '搜索：名称 / 拼音 / English',
    panels: '面板', layersAndLegend: '图层与图例', filters: '筛选', status: '状态', city: '城市', targetYear: '目标年份',
    from: '从', to: '至', yearHint: '设定年份后，不显示无目标年份的项目。', resetFilters: '清除筛选',
    inView: '视图内项目', downloadView: '下载当前视图 GeoJSON', coverage: '走廊覆盖分析', corridors: '走廊',
    filterCorridors: '筛选走廊', targets: '分析对象', distance: '距离', runCoverage: '分析', clear: '清除',
    about: '关于与数据来源', close: '关闭', map: '地图', legendStatus: '实线：已建成；虚线：在建；点线与斜线：规划；淡色：谋划。',
    copyLink: '复制链接', copied: '已复制', copyFailed: '无法复制', moreHere: (n) => `此处另有 ${n} 个`, pickOne: (n) => `此处有 ${n} 个项目：`,
    verbatim: '显示原文', excerptCleaned: '已转为简体并去除拼音标注。', edit: '编辑',
    timeline: '时间轴：到某年的规划', timelineOn: '启用', timelineHint: '显示已建成、无目标年份及到该年应完成的项目。',
    bookmarks: '书签', overview: '全图', basemap: '底图', offline: '离线底图', notShifted: '未纠偏',
    basemapNotShifted: (d) => `此矢量底图采用 ${d} 坐标，规划要素未与之对齐（偏差约 100–700 米）；栅格 ${d} 底图会对齐。`,
    measure: '测距', measureArea: '测面', print: '打印', exportPNG: '导出 PNG', exportPDF: '导出 PDF', finish: '完成', clearMeasure: '清除',
    measureHint: '在地图上单击添加点，双击或按“完成”结束。', distanceIs: (d) => `距离 ${d}`, areaIs: (a, p) => `面积 ${a}，周长 ${p}`,
    printTitle: '温州、泉州规划地图', printSources: '来源', printDate: '日期', scale: '比例尺', north: '北',
    statusLegend: '状态', noCorridorInCity: (cities) => `注意：${cities} 没有所选类型的走廊，未覆盖可能是数据缺口，而非规划结论。`,
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
    about: 'About and sources', close: 'Close', map: 'Map', legendStatus: 'Solid: operational; dashed: under construction; dotted and hatched: planned; faint: proposed.',
    copyLink: 'Copy link', copied: 'Copied', copyFailed: 'Could not copy', moreHere: (n) => `${n} more here`, pickOne: (n) => `${n} projects here:`,
    verbatim: 'Show verbatim', excerptCleaned: 'Shown in simplified Chinese without the pinyin readings.', edit: 'Edit',
    timeline: 'Timeline: the plan by a year', timelineOn: 'on', timelineHint: 'Shows what is built, what has no target year and what is due by that year.',
    bookmarks: 'Bookmarks', overview: 'Overview', basemap: 'Basemap', offline: 'Offline basemap', notShifted: 'not aligned',
    basemapNotShifted: (d) => `This vector basemap is in ${d}: the plan is not shifted onto it (100–700 m off). Raster ${d} basemaps are aligned.`,
    measure: 'Measure', measureArea: 'Area', print: 'Print', exportPNG: 'Export PNG', exportPDF: 'Export PDF', finish: 'Finish', clearMeasure: 'Clear',
    measureHint: 'Click the map to add points; double-click or press Finish to end.', distanceIs: (d) => `Distance ${d}`, areaIs: (a, p) => `Area ${a}, perimeter ${p}`,
    printTitle: 'Wenzhou and Quanzhou planning map', printSources: 'Sources', printDate: 'Date', scale: 'Scale', north: 'N',
    statusLegend: 'Status', noCorridorInCity: (cities) => `Note: ${cities} has no corridor of the chosen kind, so "not covered" there may be a data gap, not a planning finding.`,
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
