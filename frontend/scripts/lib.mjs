// Small helpers shared by the build scripts: atomic writes and polygon
// clipping to boxes.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clipPolygon } from 'lineclip';

/** The frontend folder (where package.json is). */
export const FRONTEND_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The installed folder of an npm package (package exports may hide package.json). */
export function packageDir(name) {
  const dir = path.join(FRONTEND_DIR, 'node_modules', name);
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    throw new Error(`frontend: npm package ${name} is not installed; run npm ci in ${FRONTEND_DIR}`);
  }
  return dir;
}

/** The version of an installed npm package. */
export function packageVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')).version;
}

/**
 * Writes data to file atomically: a temporary file in the same folder,
 * fsync, then rename over the target.
 */
export function writeFileAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Copies src to dst atomically. */
export function copyFileAtomic(src, dst) {
  writeFileAtomic(dst, fs.readFileSync(src));
}

/** Returns [west, south, east, north] of a list of positions. */
export function ringBound(ring) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const [x, y] of ring) {
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return [w, s, e, n];
}

function boxesOverlap(a, b) {
  return a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1];
}

/** Twice the signed area of a ring (positive when counter-clockwise). */
export function ringArea2(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return sum;
}

function roundRing(ring, decimals) {
  const f = 10 ** decimals;
  const out = [];
  for (const [x, y] of ring) {
    const p = [Math.round(x * f) / f, Math.round(y * f) / f];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  if (out.length > 1) {
    const a = out[0], b = out[out.length - 1];
    if (a[0] !== b[0] || a[1] !== b[1]) out.push([a[0], a[1]]);
  }
  return out;
}

/**
 * Clips the polygons of a (Multi)Polygon geometry to box and returns the
 * surviving polygons as arrays of closed rings rounded to `decimals`.
 * Sutherland–Hodgman keeps ring orientation; rings that collapse (fewer
 * than four positions or no area) are dropped, and a polygon whose exterior
 * collapses is dropped with its holes.
 */
export function clipPolygons(geometry, box, decimals) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  const out = [];
  for (const polygon of polygons) {
    if (!polygon.length || !boxesOverlap(ringBound(polygon[0]), box)) continue;
    const rings = [];
    for (let r = 0; r < polygon.length; r++) {
      const ring = polygon[r];
      if (!boxesOverlap(ringBound(ring), box)) {
        if (r === 0) break;
        continue;
      }
      const open = ring.slice(0, -1);
      const clipped = roundRing(clipPolygon(open, box), decimals);
      if (clipped.length < 4 || ringArea2(clipped) === 0) {
        if (r === 0) break;
        continue;
      }
      rings.push(clipped);
    }
    if (rings.length) out.push(rings);
  }
  return out;
}

/**
 * Splits the area inside `outer` but outside `inner` (inner inside outer)
 * into up to four non-overlapping boxes.
 */
export function boxesAround(outer, inner) {
  const [ow, os, oe, on] = outer;
  const [iw, is, ie, inN] = inner;
  return [
    [ow, os, oe, is], // south band
    [ow, inN, oe, on], // north band
    [ow, is, iw, inN], // west strip
    [ie, is, oe, inN], // east strip
  ].filter(([w, s, e, n]) => w < e && s < n);
}

/**
 * Returns the parts of a clipped polygon's rings that are real coastline:
 * every run of segments except those lying along the clip box's edges,
 * which Sutherland–Hodgman adds and which a coastline stroke must not draw.
 */
export function coastRuns(polygons, box) {
  const [w, s, e, n] = box;
  const onSameEdge = (a, b) => (a[0] === w && b[0] === w) || (a[0] === e && b[0] === e) || (a[1] === s && b[1] === s) || (a[1] === n && b[1] === n);
  const runs = [];
  for (const rings of polygons) {
    for (const ring of rings) {
      let run = [];
      for (let i = 1; i < ring.length; i++) {
        const a = ring[i - 1], b = ring[i];
        if (onSameEdge(a, b)) {
          if (run.length > 1) runs.push(run);
          run = [];
          continue;
        }
        if (!run.length) run.push(a);
        run.push(b);
      }
      if (run.length > 1) runs.push(run);
    }
  }
  // A run that ends where another starts (the ring's seam) is one line.
  return runs;
}
