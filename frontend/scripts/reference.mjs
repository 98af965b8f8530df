// Builds the reference features of the offline basemap from the authored
// data in reference-data.mjs (see there for provenance, precision and
// licence): places (kind "place", with rank), islands ("island"), seas and
// lake names ("water-label"), rivers as lines ("river") and, where wider
// than RIBBON_MIN_WIDTH, as water ribbons ("water"), lakes and reservoirs
// ("water"). Every named feature has "label" (Chinese over English) and
// "label_en" (English over Chinese) for the style's text-field.

import { ISLANDS, LAKES, PLACES, PROVENANCE, RIVERS, SEAS } from './reference-data.mjs';

/** Rivers narrower than this (metres) are drawn as lines only. */
export const RIBBON_MIN_WIDTH = 250;

const named = (name, nameEn) => ({ name, name_en: nameEn, label: `${name}\n${nameEn}`, label_en: `${nameEn}\n${name}` });
const point = (lon, lat) => ({ type: 'Point', coordinates: [lon, lat] });
const round = (v) => Math.round(v * 1e5) / 1e5;

/**
 * A polygon around a centre line whose vertices carry a width in metres:
 * the left edge forward, the right edge back, each vertex offset along the
 * mean normal of its segments (a miter, fine for a river's gentle bends).
 */
export function ribbon(vertices) {
  const left = [], right = [];
  for (let i = 0; i < vertices.length; i++) {
    const [lon, lat, width] = vertices[i];
    const kx = 111320 * Math.cos((lat * Math.PI) / 180), ky = 110540;
    const a = vertices[Math.max(i - 1, 0)], b = vertices[Math.min(i + 1, vertices.length - 1)];
    // direction in metres
    let dx = (b[0] - a[0]) * kx, dy = (b[1] - a[1]) * ky;
    const len = Math.hypot(dx, dy) || 1;
    dx /= len; dy /= len;
    const half = width / 2;
    left.push([round(lon - (dy * half) / kx), round(lat + (dx * half) / ky)]);
    right.push([round(lon + (dy * half) / kx), round(lat - (dx * half) / ky)]);
  }
  const ring = [...left, ...right.reverse()];
  ring.push(ring[0]);
  return ring;
}

/** Returns the reference features. */
export function buildReference() {
  const features = [];
  const add = (properties, geometry) => features.push({ type: 'Feature', properties: { source: 'planmap-reference', ...properties }, geometry });
  for (const [name, nameEn, rank, lon, lat, city] of PLACES) add({ kind: 'place', rank, city, ...named(name, nameEn) }, point(lon, lat));
  for (const [name, nameEn, lon, lat] of ISLANDS) add({ kind: 'island', ...named(name, nameEn) }, point(lon, lat));
  for (const [name, nameEn, lon, lat] of SEAS) add({ kind: 'water-label', ...named(name, nameEn) }, point(lon, lat));
  for (const [name, nameEn, ring] of LAKES) {
    add({ kind: 'water', water: 'lake', ...named(name, nameEn) }, { type: 'Polygon', coordinates: [ring] });
    const [lon, lat] = ring.slice(0, -1).reduce((s, p) => [s[0] + p[0], s[1] + p[1]], [0, 0]).map((v) => v / (ring.length - 1));
    add({ kind: 'water-label', ...named(name, nameEn) }, point(round(lon), round(lat)));
  }
  for (const [name, nameEn, vertices] of RIVERS) {
    add({ kind: 'river', ...named(name, nameEn) }, { type: 'LineString', coordinates: vertices.map(([lon, lat]) => [lon, lat]) });
    // the wide runs as water
    let run = [];
    const flush = () => {
      if (run.length > 1) add({ kind: 'water', water: 'river', ...named(name, nameEn) }, { type: 'Polygon', coordinates: [ribbon(run)] });
      run = [];
    };
    for (const v of vertices) {
      if (v[2] >= RIBBON_MIN_WIDTH) run.push(v);
      else flush();
    }
    flush();
  }
  return { features, provenance: PROVENANCE };
}

/** Whether a point lies inside a ring (even-odd). */
function inRing(p, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether a point lies on land: inside some polygon's exterior and in none of its holes. */
export function onLand(p, landFeatures) {
  for (const f of landFeatures) {
    if (f.properties.kind !== 'land') continue;
    for (const polygon of f.geometry.coordinates) {
      if (inRing(p, polygon[0]) && !polygon.slice(1).some((hole) => inRing(p, hole))) return true;
    }
  }
  return false;
}
