// Tests of the drawn-geometry clean-up (web/edit-geometry.js) and of the
// vendor build's import rewriting (scripts/vendor.mjs). No browser: random
// rings as terra-draw could hand them over (9 decimals, either
// orientation, repeated clicks) are checked against a brute-force
// orientation test and then against the server's own rules — an editable
// planmap must accept every one (201), as `planmap check` would.
//
//   node --test test/edit-geometry.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DECIMALS, normaliseGeometry } from '../web/edit-geometry.js';
import { rewriteBareImports } from '../scripts/vendor.mjs';
import { planmapPath, startEditablePlanmap } from './harness.mjs';

/** A deterministic generator (mulberry32). */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A simple ring around (cx, cy): n corners at increasing angles (a
 * star-shaped polygon), clockwise or not, some corners clicked twice, open
 * or closed, coordinates with 9 decimals. With at least 6 corners and a
 * jitter of 0.2 every edge stays farther than 0.4·r·cos(36°) > 0.3·r from
 * the centre, so a ring of radius 0.3·r fits inside as a hole.
 */
function randomRing(rnd, cx, cy, r, { minCorners = 3, jitter = 0.6 } = {}) {
  const n = minCorners + Math.floor(rnd() * 8);
  const angles = Array.from({ length: n }, (_, i) => (2 * Math.PI * (i + (1 - jitter) / 2 + jitter * rnd())) / n);
  let ring = angles.map((a) => {
    const d = r * (0.4 + 0.6 * rnd());
    return [Number((cx + d * Math.cos(a)).toFixed(9)), Number((cy + d * Math.sin(a)).toFixed(9))];
  });
  if (rnd() < 0.5) ring.reverse();
  ring = ring.flatMap((p) => (rnd() < 0.15 ? [p, [...p]] : [p]));
  if (rnd() < 0.5) ring.push([...ring[0]]);
  return ring;
}

/**
 * Orientation by brute force, independent of the shoelace sum: at the
 * lowest (then leftmost) corner, which lies on the convex hull, the turn
 * from the previous to the next corner is to the left for a
 * counter-clockwise ring.
 */
function counterClockwise(ring) {
  const pts = ring.slice(0, -1);
  let k = 0;
  for (let i = 1; i < pts.length; i++) {
    if (pts[i][1] < pts[k][1] || (pts[i][1] === pts[k][1] && pts[i][0] < pts[k][0])) k = i;
  }
  const a = pts[(k + pts.length - 1) % pts.length], b = pts[k], c = pts[(k + 1) % pts.length];
  return (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) > 0;
}

const decimals = (v) => (String(v).split('.')[1] || '').length;

function checkRing(ring, exterior, original) {
  assert.deepEqual(ring[0], ring[ring.length - 1], 'ring not closed');
  assert.ok(ring.length >= 4, 'ring too short');
  for (let i = 1; i < ring.length; i++) assert.notDeepEqual(ring[i], ring[i - 1], `repeated position at ${i}`);
  for (const p of ring) for (const v of p) assert.ok(decimals(v) <= MAX_DECIMALS, `${v} has more than ${MAX_DECIMALS} decimals`);
  assert.equal(counterClockwise(ring), exterior, exterior ? 'exterior not counter-clockwise' : 'hole not clockwise');
  for (const p of ring) {
    assert.ok(original.some((q) => Math.abs(q[0] - p[0]) <= 5e-7 + 1e-12 && Math.abs(q[1] - p[1]) <= 5e-7 + 1e-12), `${p} is no drawn corner`);
  }
}

describe('drawn geometry clean-up', () => {
  test('random rings: closed, no repeats, ≤ 6 decimals, exterior counter-clockwise, holes clockwise', () => {
    const rnd = random(9);
    for (let i = 0; i < 500; i++) {
      const outer = randomRing(rnd, 120.5, 27.9, 0.05);
      const hole = randomRing(rnd, 120.5, 27.9, 0.01);
      const g = normaliseGeometry({ type: 'Polygon', coordinates: [outer, hole] });
      checkRing(g.coordinates[0], true, outer);
      checkRing(g.coordinates[1], false, hole);
    }
  });

  test('points and lines: rounded, repeated positions dropped', () => {
    const table = [
      { in: { type: 'Point', coordinates: [120.123456789, 27.9999999] }, want: { type: 'Point', coordinates: [120.123457, 28] } },
      { in: { type: 'LineString', coordinates: [[120.1, 27.1], [120.1000000001, 27.1], [120.2, 27.2]] }, want: { type: 'LineString', coordinates: [[120.1, 27.1], [120.2, 27.2]] } },
      { in: { type: 'MultiLineString', coordinates: [[[1.0000004, 2], [3, 4]]] }, want: { type: 'MultiLineString', coordinates: [[[1, 2], [3, 4]]] } },
    ];
    for (const c of table) assert.deepEqual(normaliseGeometry(c.in), c.want);
  });
});

describe('vendor build: bare imports', () => {
  test('rewrites the named specifier and refuses any other', () => {
    const table = [
      { code: 'import{TerraDrawExtend as e}from"terra-draw";', want: 'import{TerraDrawExtend as e}from"./terra-draw.mjs";' },
      { code: "import { a } from 'terra-draw'; const x = import('terra-draw');", want: "import { a } from './terra-draw.mjs'; const x = import('./terra-draw.mjs');" },
    ];
    for (const c of table) assert.equal(rewriteBareImports(c.code, { 'terra-draw': './terra-draw.mjs' }), c.want);
    assert.throws(() => rewriteBareImports('import x from"maplibre-gl";', { 'terra-draw': './terra-draw.mjs' }), /unexpected bare import "maplibre-gl"/);
    assert.throws(() => rewriteBareImports('import x from"./local.js";', { 'terra-draw': './terra-draw.mjs' }), /expected an import/);
  });
});

const noBinary = planmapPath() ? false : 'needs the planmap binary (make build, or PLANMAP_BIN)';
describe('the server accepts what the clean-up makes', { skip: noBinary && (process.env.CI === 'true' ? assert.fail(noBinary) : noBinary) }, () => {
  const TOKEN = 'geometry-test-secret';
  let server;
  before(async () => { server = await startEditablePlanmap({ token: TOKEN }); });
  after(async () => { await server?.stop(); });

  test('random drawn parks (with holes) are created: 201', async () => {
    const rnd = random(4);
    for (let i = 0; i < 25; i++) {
      const cx = 120.3 + rnd(), cy = 27.5 + rnd();
      const geometry = normaliseGeometry({ type: 'Polygon', coordinates: [randomRing(rnd, cx, cy, 0.05, { minCorners: 6, jitter: 0.2 }), randomRing(rnd, cx, cy, 0.014)] });
      const properties = { name: `几何测试 ${i}`, name_en: null, kind: 'industrial_park', status: null, target_year: null, city: null, county: null,
        source_doc: null, source_excerpt: null, geometry_precision: 'approximate', placement_note: null };
      const res = await fetch(`${server.base}/collections/industrial-parks/items`, {
        method: 'POST', body: JSON.stringify({ type: 'Feature', geometry, properties }),
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/geo+json', Accept: 'application/json' },
      });
      assert.equal(res.status, 201, `polygon ${i}: ${res.status} ${await res.text()}\n${JSON.stringify(geometry)}`);
    }
  });
});
