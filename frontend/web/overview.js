// Bookmarks (温州, 泉州, 上海·嘉兴, the whole region) and an overview map:
// a small canvas of the region's land with the main map's view on it;
// clicking it moves the map there.

import { language, t } from './i18n.js';
import { api, h } from './util.js';

/** The bookmarks: the cities they frame and their bounds [[w, s], [e, n]]. */
export const BOOKMARKS = {
  wenzhou: { zh: '温州', en: 'Wenzhou', cities: ['温州市'], bounds: [[119.62, 27.03], [121.25, 28.42]] },
  quanzhou: { zh: '泉州', en: 'Quanzhou', cities: ['泉州市'], bounds: [[117.95, 24.55], [119.05, 25.6]] },
  shanghai: { zh: '上海·嘉兴', en: 'Shanghai · Jiaxing', cities: ['上海市', '嘉兴市'], bounds: [[120.7, 30.6], [121.55, 31.45]] },
};

/** The default frame, Wenzhou and Quanzhou together, when the data has features there (else null). */
export function regionFrame(facets) {
  const cities = new Set(Object.values(facets?.layers || {}).flatMap((l) => Object.keys(l.values?.city || {})));
  if (!cities.has('温州市') && !cities.has('泉州市')) return null;
  const a = BOOKMARKS.wenzhou.bounds, b = BOOKMARKS.quanzhou.bounds;
  return [[Math.min(a[0][0], b[0][0]), Math.min(a[0][1], b[0][1])], [Math.max(a[1][0], b[1][0]), Math.max(a[1][1], b[1][1])]];
}

const BOX = [115.5, 22.5, 123.5, 32.5]; // what the overview shows
const mercY = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));

export function initOverview({ map }) {
  // bookmarks
  const bar = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group planmap-bookmarks', role: 'group', 'aria-label': t('bookmarks') },
    Object.entries(BOOKMARKS).map(([id, b]) => h('button', { type: 'button', 'data-bookmark': id, onclick: () => map.fitBounds(b.bounds, { padding: 20, duration: 700 }) }, b.zh)));
  map.addControl({ onAdd: () => bar, onRemove: () => bar.remove() }, 'top-left');
  const relabel = () => { for (const b of bar.querySelectorAll('button')) b.textContent = BOOKMARKS[b.dataset.bookmark][language() === 'en' ? 'en' : 'zh']; };
  document.addEventListener('planmap:language', relabel);
  relabel();

  // overview
  const W = 110, H = Math.round((W * (mercY(BOX[3]) - mercY(BOX[1]))) / ((BOX[2] - BOX[0]) * Math.PI / 180));
  const canvas = h('canvas', { width: W, height: H, class: 'planmap-overview', 'aria-label': t('overview'), role: 'img' });
  const wrap = h('div', { class: 'maplibregl-ctrl planmap-overview-wrap' }, canvas);
  map.addControl({ onAdd: () => wrap, onRemove: () => wrap.remove() }, 'bottom-left');
  const x = (lon) => ((lon - BOX[0]) / (BOX[2] - BOX[0])) * W;
  const y = (lat) => ((mercY(BOX[3]) - mercY(lat)) / (mercY(BOX[3]) - mercY(BOX[1]))) * H;
  let land = null;
  const draw = () => {
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#cfe2ee';
    ctx.fillRect(0, 0, W, H);
    if (land) ctx.drawImage(land, 0, 0);
    const b = map.getBounds();
    const [x0, y0, x1, y1] = [x(b.getWest()), y(b.getNorth()), x(b.getEast()), y(b.getSouth())];
    ctx.strokeStyle = '#c92a2a';
    ctx.lineWidth = 1.5;
    if (x1 - x0 < 4 || y1 - y0 < 4) {
      ctx.beginPath();
      ctx.arc((x0 + x1) / 2, (y0 + y1) / 2, 4, 0, 2 * Math.PI);
      ctx.stroke();
    } else ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    canvas.dataset.view = [x0, y0, x1, y1].map((v) => v.toFixed(1)).join(',');
  };
  // The land, drawn once from the basemap, after the map's first render
  // (parsing the basemap is not worth delaying the map for).
  map.once('idle', () => fetch(api('basemap/land.geojson')).then((r) => r.json()).then((fc) => {
    const off = document.createElement('canvas');
    off.width = W; off.height = H;
    const ctx = off.getContext('2d');
    ctx.fillStyle = '#f6f4ee';
    for (const f of fc.features) {
      if (f.properties.kind !== 'land') continue;
      for (const polygon of f.geometry.coordinates) {
        ctx.beginPath();
        for (const ring of polygon) ring.forEach(([lon, lat], i) => (i ? ctx.lineTo(x(lon), y(lat)) : ctx.moveTo(x(lon), y(lat))));
        ctx.fill('evenodd');
      }
    }
    land = off;
    draw();
  }).catch(() => {}));
  map.on('moveend', draw);
  map.on('resize', draw);
  canvas.addEventListener('click', (e) => {
    const r = canvas.getBoundingClientRect();
    const lon = BOX[0] + ((e.clientX - r.left) / W) * (BOX[2] - BOX[0]);
    const my = mercY(BOX[3]) - ((e.clientY - r.top) / H) * (mercY(BOX[3]) - mercY(BOX[1]));
    map.flyTo({ center: [lon, (Math.atan(Math.sinh(my)) * 180) / Math.PI], duration: 600 });
  });
  draw();
}
