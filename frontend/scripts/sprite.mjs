// Builds the style's sprite from Maki icons (@mapbox/maki, CC0): each icon
// rasterised with resvg (@resvg/resvg-wasm) and turned into a signed
// distance field, so the style colours it per kind and status (icon-color)
// and haloes it; plus "hatch", the diagonal hatching of planned areas.
// Writes sprite.json/.png and sprite@2x.json/.png (MapLibre's sprite
// format).

import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { packageDir, packageVersion, writeFileAtomic } from './lib.mjs';

/** The Maki icons the style uses. */
export const ICONS = ['harbor', 'airport', 'ferry', 'rail', 'bus'];
const ICON_PX = 15; // Maki's design size
const BUFFER_PX = 3; // room for the halo around each icon
const SUPERSAMPLE = 8;
const SDF_PX = 8; // MapLibre's SDF scale: 1/8 of the range per pixel, edge at 0.75

let wasmReady = null;
function ready() {
  wasmReady ??= initWasm(fs.readFileSync(path.join(packageDir('@resvg/resvg-wasm'), 'index_bg.wasm')));
  return wasmReady;
}

/** The icon's coverage mask at `size` pixels square. */
function mask(svg, size) {
  const img = new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render();
  const alpha = new Float32Array(img.width * img.height);
  const pixels = img.pixels; // a copy per access: read it once
  for (let i = 0; i < alpha.length; i++) alpha[i] = pixels[i * 4 + 3] / 255;
  const out = { width: img.width, height: img.height, alpha };
  img.free();
  return out;
}

/** Squared Euclidean distance transform of a grid (0 on the features, Infinity elsewhere), in place (Felzenszwalb–Huttenlocher). */
function edt(grid, width, height) {
  const n = Math.max(width, height);
  const f = new Float64Array(n), d = new Float64Array(n), z = new Float64Array(n + 1), v = new Int32Array(n);
  const pass = (len, get, set) => {
    for (let i = 0; i < len; i++) f[i] = get(i);
    let k = 0;
    v[0] = 0; z[0] = -Infinity; z[1] = Infinity;
    for (let q = 1; q < len; q++) {
      let s;
      for (;;) {
        const r = v[k];
        s = (f[q] + q * q - (f[r] + r * r)) / (2 * q - 2 * r);
        if (s <= z[k] && k > 0) k--;
        else break;
      }
      if (s <= z[k]) { v[0] = q; z[0] = -Infinity; z[1] = Infinity; k = 0; continue; }
      k++;
      v[k] = q; z[k] = s; z[k + 1] = Infinity;
    }
    k = 0;
    for (let q = 0; q < len; q++) {
      while (z[k + 1] < q) k++;
      const r = v[k];
      d[q] = (q - r) * (q - r) + f[r];
    }
    for (let i = 0; i < len; i++) set(i, d[i]);
  };
  for (let x = 0; x < width; x++) pass(height, (y) => grid[y * width + x], (y, val) => { grid[y * width + x] = val; });
  for (let y = 0; y < height; y++) pass(width, (x) => grid[y * width + x], (x, val) => { grid[y * width + x] = val; });
}

/**
 * A signed distance field of an SVG icon at pixel ratio `ratio`: for each
 * output pixel the distance (in CSS pixels, positive outside) from its
 * centre to the shape's edge, from exact distance transforms of a
 * supersampled mask, encoded as MapLibre reads it: alpha = 255 × (0.75 − d / 8).
 */
export function sdfIcon(svg, ratio) {
  const inner = ICON_PX * ratio, buffer = BUFFER_PX * ratio, size = inner + 2 * buffer;
  const hi = mask(svg, inner * SUPERSAMPLE);
  const W = size * SUPERSAMPLE, off = buffer * SUPERSAMPLE;
  const inside = new Uint8Array(W * W);
  for (let y = 0; y < hi.height; y++) for (let x = 0; x < hi.width; x++) inside[(y + off) * W + x + off] = hi.alpha[y * hi.width + x] >= 0.5 ? 1 : 0;
  const toInside = new Float64Array(W * W), toOutside = new Float64Array(W * W);
  for (let i = 0; i < W * W; i++) {
    toInside[i] = inside[i] ? 0 : Infinity;
    toOutside[i] = inside[i] ? Infinity : 0;
  }
  edt(toInside, W, W);
  edt(toOutside, W, W);
  const data = Buffer.alloc(size * size * 4);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const j = (oy * SUPERSAMPLE + SUPERSAMPLE / 2) * W + ox * SUPERSAMPLE + SUPERSAMPLE / 2;
      const hiDist = inside[j] ? -Math.sqrt(toOutside[j]) : Math.sqrt(toInside[j]);
      const d = hiDist / SUPERSAMPLE / ratio;
      const i = (oy * size + ox) * 4;
      data[i + 3] = Math.max(0, Math.min(255, Math.round(255 * (0.75 - d / SDF_PX))));
    }
  }
  return { width: size, height: size, data, sdf: true };
}

/** Diagonal hatching that tiles seamlessly, dark ink at 55 % opacity. */
export function hatch(ratio) {
  const size = 8 * ratio;
  const data = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (x + y) % size < 1.5 * ratio;
      const i = (y * size + x) * 4;
      data[i] = 30; data[i + 1] = 36; data[i + 2] = 48;
      data[i + 3] = on ? 140 : 0;
    }
  }
  return { width: size, height: size, data, sdf: false };
}

/** Packs images side by side into one PNG and its index. */
function pack(images, ratio) {
  const width = Object.values(images).reduce((w, im) => w + im.width + 2, 0);
  const height = Math.max(...Object.values(images).map((im) => im.height));
  const png = new PNG({ width, height });
  png.data.fill(0);
  const index = {};
  let x = 0;
  for (const [name, im] of Object.entries(images)) {
    for (let y = 0; y < im.height; y++) im.data.copy(png.data, (y * width + x) * 4, y * im.width * 4, (y + 1) * im.width * 4);
    index[name] = { x, y: 0, width: im.width, height: im.height, pixelRatio: ratio, ...(im.sdf ? { sdf: true } : {}) };
    x += im.width + 2;
  }
  return { png: PNG.sync.write(png), index };
}

/** Writes the sprite files into dir; returns a summary. */
export async function buildSprite(dir) {
  await ready();
  const iconDir = path.join(packageDir('@mapbox/maki'), 'icons');
  const summary = { maki: packageVersion('@mapbox/maki'), icons: ICONS, bytes: 0 };
  for (const ratio of [1, 2]) {
    const images = {};
    for (const name of ICONS) images[name] = sdfIcon(fs.readFileSync(path.join(iconDir, `${name}.svg`), 'utf8'), ratio);
    images.hatch = hatch(ratio);
    const { png, index } = pack(images, ratio);
    const suffix = ratio === 1 ? '' : `@${ratio}x`;
    writeFileAtomic(path.join(dir, `sprite${suffix}.png`), png);
    writeFileAtomic(path.join(dir, `sprite${suffix}.json`), `${JSON.stringify(index)}\n`);
    summary.bytes += png.length;
  }
  return summary;
}
