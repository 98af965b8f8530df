// The map tools: measuring distance and area (geodesic, WGS84; see geo.js)
// and printing the view as PNG or PDF with title, legend, scale bar, north
// arrow, date and sources.

import { area, distance, length } from './geo.js';
import { label, t } from './i18n.js';
import { h } from './util.js';

const MEASURE = 'planmap-measure';

/** Formats metres (km from 1 km). */
export function formatLength(m) {
  return m >= 1000 ? `${(m / 1000).toFixed(m >= 100000 ? 0 : 2)} km` : `${m.toFixed(0)} m`;
}
/** Formats square metres (km² from 0.1 km², hectares below). */
export function formatArea(m2) {
  return m2 >= 1e5 ? `${(m2 / 1e6).toFixed(2)} km²` : `${(m2 / 1e4).toFixed(2)} ha`;
}

export function initTools({ map, state, planmap, legendModel }) {
  const measure = { mode: null, points: [], done: false };
  const readout = h('div', { class: 'measure-readout', role: 'status', hidden: true });
  map.getContainer().parentElement.append(readout);
  const button = (key, onclick, attrs = {}) => h('button', { type: 'button', 'data-tool': key, title: t(key), onclick, ...attrs }, t(key));
  const bar = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group planmap-tools' },
    button('measure', () => start('distance')),
    button('measureArea', () => start('area')),
    button('exportPNG', () => exportView({ format: 'png', save: true })),
    button('exportPDF', () => exportView({ format: 'pdf', save: true })));
  map.addControl({ onAdd: () => bar, onRemove: () => bar.remove() }, 'top-right');
  document.addEventListener('planmap:language', () => { for (const b of bar.querySelectorAll('button')) b.textContent = t(b.dataset.tool); });

  map.on('load', () => {});
  const ensureLayers = () => {
    if (map.getSource(MEASURE)) return;
    map.addSource(MEASURE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: `${MEASURE}-fill`, type: 'fill', source: MEASURE, filter: ['==', '$type', 'Polygon'], paint: { 'fill-color': '#ff6b00', 'fill-opacity': 0.15 } });
    map.addLayer({ id: `${MEASURE}-line`, type: 'line', source: MEASURE, filter: ['!=', '$type', 'Point'], paint: { 'line-color': '#d9480f', 'line-width': 2.5, 'line-dasharray': [2, 1] } });
    map.addLayer({ id: `${MEASURE}-point`, type: 'circle', source: MEASURE, filter: ['==', '$type', 'Point'], paint: { 'circle-radius': 4.5, 'circle-color': '#ffffff', 'circle-stroke-color': '#d9480f', 'circle-stroke-width': 2 } });
  };
  const result = () => {
    const pts = measure.points;
    if (measure.mode === 'area') {
      const ring = pts.length >= 3 ? [...pts, pts[0]] : pts;
      return { mode: 'area', points: pts.length, area: pts.length >= 3 ? area(ring) : 0, perimeter: pts.length >= 2 ? length(ring) : 0 };
    }
    return { mode: 'distance', points: pts.length, distance: length(pts), segments: pts.slice(1).map((p, i) => distance(pts[i], p)) };
  };
  const redraw = () => {
    ensureLayers();
    const pts = measure.points;
    const features = pts.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }));
    if (measure.mode === 'area' && pts.length >= 3) features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...pts, pts[0]]] } });
    else if (pts.length >= 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: pts } });
    map.getSource(MEASURE).setData({ type: 'FeatureCollection', features });
    const r = result();
    readout.hidden = false;
    readout.replaceChildren(
      h('strong', { 'data-measure': r.mode === 'area' ? r.area : r.distance }, r.mode === 'area' ? t('areaIs', formatArea(r.area), formatLength(r.perimeter)) : t('distanceIs', formatLength(r.distance))),
      measure.done ? null : h('span', { class: 'hint' }, ` ${t('measureHint')} `),
      measure.done ? null : h('button', { type: 'button', class: 'small', onclick: finish }, t('finish')),
      h('button', { type: 'button', class: 'small', onclick: clear }, t('clearMeasure')));
  };
  const start = (mode) => {
    Object.assign(measure, { mode, points: [], done: false });
    map.doubleClickZoom.disable();
    map.getCanvas().style.cursor = 'crosshair';
    for (const b of bar.querySelectorAll('[data-tool^="measure"]')) b.setAttribute('aria-pressed', String(b.dataset.tool === (mode === 'area' ? 'measureArea' : 'measure')));
    redraw();
  };
  const add = (lngLat) => {
    if (!measure.mode || measure.done) return;
    const p = Array.isArray(lngLat) ? lngLat : [lngLat.lng, lngLat.lat];
    const last = measure.points[measure.points.length - 1];
    if (last && last[0] === p[0] && last[1] === p[1]) return; // the second click of a double-click
    measure.points.push(p);
    redraw();
  };
  const finish = () => {
    if (!measure.mode) return;
    measure.done = true;
    map.getCanvas().style.cursor = '';
    setTimeout(() => map.doubleClickZoom.enable(), 300);
    redraw();
  };
  const clear = () => {
    Object.assign(measure, { mode: null, points: [], done: false });
    map.getSource(MEASURE)?.setData({ type: 'FeatureCollection', features: [] });
    readout.hidden = true;
    map.getCanvas().style.cursor = '';
    map.doubleClickZoom.enable();
    for (const b of bar.querySelectorAll('[data-tool^="measure"]')) b.setAttribute('aria-pressed', 'false');
  };
  map.on('click', (e) => add(e.lngLat));
  map.on('dblclick', (e) => { if (measure.mode && !measure.done) { e.preventDefault(); finish(); } });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && measure.mode) clear(); });

  /** The map canvas's pixels as drawn in the next frame. */
  const mapImage = () => new Promise((resolve) => {
    map.once('render', () => resolve(map.getCanvas().toDataURL('image/png')));
    map.triggerRepaint();
  });
  /** A round scale bar length for about `target` pixels at the view's centre. */
  const scaleBar = (target) => {
    const c = map.getContainer();
    const y = c.clientHeight / 2;
    const a = map.unproject([c.clientWidth / 2 - 50, y]), b = map.unproject([c.clientWidth / 2 + 50, y]);
    const perPx = distance([a.lng, a.lat], [b.lng, b.lat]) / 100;
    const raw = perPx * target;
    const pow = 10 ** Math.floor(Math.log10(raw));
    const nice = [5, 2, 1].map((m) => m * pow).find((v) => v <= raw) || pow;
    return { metres: nice, px: nice / perPx, label: formatLength(nice), metresPerPixel: perPx };
  };

  /**
   * Composes the view for print: title, map, legend (the layers and kinds
   * drawn in the view, the statuses as drawn), scale bar, north arrow,
   * date and sources. Returns the PNG (a data URL) or the PDF (bytes) and
   * where each element was drawn.
   */
  async function exportView({ format = 'png', save = false, title } = {}) {
    const src = await mapImage();
    const img = new Image();
    img.src = src;
    await img.decode();
    const mw = map.getContainer().clientWidth, mh = map.getContainer().clientHeight;
    const header = 54, footer = 40, W = mw, H = header + mh + footer;
    const canvas = document.createElement('canvas');
    canvas.width = W; canvas.height = H;
    const ctx = canvas.getContext('2d');
    const font = (size, weight = '') => `${weight} ${size}px "Noto Sans CJK SC", sans-serif`;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    ctx.drawImage(img, 0, header, mw, mh);
    const layout = {};
    // title
    const c = map.getCenter();
    ctx.fillStyle = '#1d2430';
    ctx.font = font(19, 'bold');
    ctx.textBaseline = 'top';
    ctx.fillText(title || `planmap · ${t('printTitle')}`, 14, 8);
    ctx.font = font(12);
    ctx.fillStyle = '#5b6472';
    ctx.fillText(`${c.lat.toFixed(4)}°N ${c.lng.toFixed(4)}°E · z${map.getZoom().toFixed(1)}`, 14, 33);
    layout.title = { x: 14, y: 8 };
    // legend: layers and kinds drawn in the view, then the statuses
    const drawnKinds = new Map();
    for (const f of map.queryRenderedFeatures({ layers: planmap.styleLayerIds().filter((id) => map.getLayer(id)) })) {
      const layer = f.layer.metadata?.['planmap:layer'];
      if (layer && f.properties.kind) drawnKinds.set(`${layer}/${f.properties.kind}`, true);
    }
    const model = legendModel();
    const rows = [];
    for (const l of model.layers) {
      const kinds = l.kinds.filter((k) => drawnKinds.has(`${l.id}/${k.kind}`));
      if (!kinds.length) continue;
      rows.push({ heading: l.title });
      for (const k of kinds) rows.push({ swatch: k.colour, text: k.label, line: l.id === 'corridors' });
    }
    rows.push({ heading: t('statusLegend') });
    for (const s of model.statuses) rows.push({ status: s, text: s.label });
    const lh = 16, lw = 190, lx = W - lw - 10, ly = header + 10, lhgt = rows.length * lh + 12;
    ctx.fillStyle = 'rgba(255,255,255,0.93)';
    ctx.strokeStyle = '#b9c0ca';
    ctx.fillRect(lx, ly, lw, lhgt);
    ctx.strokeRect(lx + 0.5, ly + 0.5, lw - 1, lhgt - 1);
    rows.forEach((r, i) => {
      const y = ly + 6 + i * lh;
      ctx.textBaseline = 'middle';
      if (r.heading) {
        ctx.font = font(11.5, 'bold');
        ctx.fillStyle = '#1d2430';
        ctx.fillText(r.heading, lx + 8, y + lh / 2);
        return;
      }
      if (r.status) {
        ctx.save();
        ctx.globalAlpha = r.status.opacity;
        ctx.strokeStyle = '#4c5fd5';
        ctx.lineWidth = 2.5;
        ctx.lineCap = r.status.round ? 'round' : 'butt';
        ctx.setLineDash(r.status.dash ? r.status.dash.split(' ').map(Number) : []);
        ctx.beginPath();
        ctx.moveTo(lx + 10, y + lh / 2);
        ctx.lineTo(lx + 34, y + lh / 2);
        ctx.stroke();
        ctx.restore();
      } else if (r.line) {
        ctx.fillStyle = r.swatch;
        ctx.fillRect(lx + 10, y + lh / 2 - 1.5, 24, 3);
      } else {
        ctx.fillStyle = r.swatch;
        ctx.globalAlpha = 0.6;
        ctx.fillRect(lx + 14, y + 3, 16, lh - 6);
        ctx.globalAlpha = 1;
        ctx.strokeStyle = r.swatch;
        ctx.strokeRect(lx + 14.5, y + 3.5, 15, lh - 7);
      }
      ctx.font = font(11);
      ctx.fillStyle = '#1d2430';
      ctx.fillText(r.text, lx + 42, y + lh / 2);
    });
    layout.legend = { x: lx, y: ly, width: lw, height: lhgt, entries: rows.map((r) => r.heading || r.text) };
    // scale bar
    const sb = scaleBar(120);
    const sx = 14, sy = header + mh - 26;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(sx - 6, sy - 18, sb.px + 12, 30);
    ctx.fillStyle = '#1d2430';
    ctx.fillRect(sx, sy, sb.px, 4);
    ctx.fillRect(sx, sy - 4, 1.5, 8);
    ctx.fillRect(sx + sb.px - 1.5, sy - 4, 1.5, 8);
    ctx.font = font(11);
    ctx.textBaseline = 'bottom';
    ctx.fillText(sb.label, sx, sy - 3);
    layout.scale = { x: sx, y: sy, width: sb.px, metres: sb.metres, label: sb.label };
    // north arrow (the map never rotates)
    const nx = 30, ny = header + 18;
    ctx.beginPath();
    ctx.moveTo(nx, ny); ctx.lineTo(nx + 9, ny + 26); ctx.lineTo(nx, ny + 20); ctx.lineTo(nx - 9, ny + 26); ctx.closePath();
    ctx.fillStyle = '#1d2430';
    ctx.fill();
    ctx.font = font(12, 'bold');
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    ctx.fillText(t('north'), nx, ny + 28);
    ctx.textAlign = 'left';
    layout.north = { x: nx, y: ny };
    // footer: date and sources
    const date = new Date().toISOString().slice(0, 10);
    const sources = [...new Set(Object.values(map.getStyle().sources).map((s) => s.attribution).filter(Boolean))]
      .join(' · ').replace(/<[^>]+>/g, '').replace(/&copy;/g, '©').replace(/&amp;/g, '&');
    ctx.fillStyle = '#1d2430';
    ctx.font = font(11);
    ctx.textBaseline = 'top';
    ctx.fillText(`${t('printDate')} ${date} · ${location.href.split('#')[0]}`, 14, header + mh + 6);
    ctx.fillStyle = '#5b6472';
    ctx.font = font(10);
    const maxW = W - 28;
    let text = `${t('printSources')}: ${sources}`;
    while (ctx.measureText(text).width > maxW && text.length > 10) text = `${text.slice(0, -2)}…`;
    ctx.fillText(text, 14, header + mh + 22);
    layout.footer = { date, sources };
    const png = canvas.toDataURL('image/png');
    const out = { format, width: W, height: H, layout, png };
    if (format === 'pdf') {
      const { jsPDF } = await loadJsPDF();
      const doc = new jsPDF({ orientation: W >= H ? 'landscape' : 'portrait', unit: 'pt', format: [W * 0.75, H * 0.75], compress: true });
      doc.setProperties({ title: `planmap ${date}`, subject: t('printTitle'), creator: 'planmap' });
      doc.addImage(png, 'PNG', 0, 0, W * 0.75, H * 0.75);
      out.pdf = new Uint8Array(doc.output('arraybuffer'));
      if (save) doc.save(`planmap-${date}.pdf`);
    } else if (save) {
      const a = h('a', { href: png, download: `planmap-${date}.png`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    }
    planmap.lastExport = out;
    return out;
  }

  planmap.tools = {
    measuring: () => Boolean(measure.mode && !measure.done),
    measure: { start, add, finish, clear, result },
    exportView,
    scaleBar,
  };
  void state; void label;
}

let jspdf = null;
/** Loads jsPDF (UMD, dist/vendor) the first time a PDF is made. */
function loadJsPDF() {
  jspdf ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = new URL('app/vendor/jspdf.umd.min.js', document.baseURI).href;
    s.onload = () => resolve(window.jspdf);
    s.onerror = () => reject(new Error('jsPDF did not load'));
    document.head.append(s);
  });
  return jspdf;
}
