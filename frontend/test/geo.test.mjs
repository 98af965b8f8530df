// Unit tests of the page's geodesy (web/geo.js) against independent
// truths: GeographicLib (npm geographiclib-geodesic, Karney's algorithms)
// for distances and areas over random inputs, and the published GCJ-02 /
// BD-09 reference pair of the widely used coordtransform implementations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { area, distance, gcj02ToBd09, length, outOfChina, toDatum, wgs84ToGcj02 } from '../web/geo.js';

const require = createRequire(import.meta.url);
const { Geodesic } = require('geographiclib-geodesic');
const wgs84 = Geodesic.WGS84;

/** A seeded generator (mulberry32), so failures reproduce. */
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('geodesic distance matches GeographicLib to 1 mm on 2,000 random pairs in and around China', () => {
  const r = rng(7);
  for (let i = 0; i < 2000; i++) {
    const p = [70 + r() * 70, -10 + r() * 70];
    const span = 10 ** (r() * 6 - 2); // 0.01° … 10 000°·… capped below
    const q = [p[0] + (r() - 0.5) * Math.min(span, 60), Math.max(-80, Math.min(80, p[1] + (r() - 0.5) * Math.min(span, 40)))];
    const truth = wgs84.Inverse(p[1], p[0], q[1], q[0]).s12;
    assert.ok(Math.abs(distance(p, q) - truth) < 1e-3, `${p} → ${q}: ${distance(p, q)} vs ${truth}`);
  }
  assert.equal(distance([120, 28], [120, 28]), 0);
});

test('geodesic polygon area is within 0.01 % of GeographicLib on 500 random polygons of 1–300 km', () => {
  const r = rng(11);
  for (let i = 0; i < 500; i++) {
    const c = [100 + r() * 30, 15 + r() * 30];
    const radius = 0.01 + r() * 1.5; // degrees
    const n = 3 + Math.floor(r() * 8);
    const ring = [];
    for (let k = 0; k < n; k++) {
      const a = (2 * Math.PI * k) / n + r() * 0.3;
      const rr = radius * (0.5 + r() * 0.5);
      ring.push([c[0] + rr * Math.cos(a), c[1] + rr * Math.sin(a)]);
    }
    const poly = wgs84.Polygon(false);
    for (const [lon, lat] of ring) poly.AddPoint(lat, lon);
    const truth = Math.abs(poly.Compute(false, true).area);
    const got = area(ring);
    assert.ok(Math.abs(got - truth) / truth < 1e-4, `polygon ${i}: ${got} vs ${truth} (${((got / truth - 1) * 100).toFixed(4)} %)`);
  }
  assert.equal(area([[120, 28], [121, 28]]), 0);
});

test('line length sums the geodesic segments', () => {
  const pts = [[120.6, 28], [120.7, 28.05], [120.9, 27.9]];
  const truth = wgs84.Inverse(28, 120.6, 28.05, 120.7).s12 + wgs84.Inverse(28.05, 120.7, 27.9, 120.9).s12;
  assert.ok(Math.abs(length(pts) - truth) < 1e-3);
});

test('GCJ-02 and BD-09 match the published reference pair', () => {
  const gcj = wgs84ToGcj02([116.404, 39.915]);
  assert.ok(Math.abs(gcj[0] - 116.41024449916938) < 1e-12 && Math.abs(gcj[1] - 39.91640428150164) < 1e-12, String(gcj));
  const bd = gcj02ToBd09([116.404, 39.915]);
  assert.ok(Math.abs(bd[0] - 116.41036949371029) < 1e-12 && Math.abs(bd[1] - 39.92133699351021) < 1e-12, String(bd));
  const both = toDatum([116.404, 39.915], 'bd09');
  assert.ok(Math.abs(both[0] - 116.41662724378733) < 1e-12 && Math.abs(both[1] - 39.922699552216216) < 1e-12, String(both));
});

test('GCJ-02 shifts 100–700 m inside China and not at all outside', () => {
  for (const p of [[120.7, 28.0], [118.6, 24.9], [121.47, 31.23], [87.6, 43.8], [126.6, 45.75]]) {
    const d = distance(p, wgs84ToGcj02(p));
    assert.ok(d > 100 && d < 700, `${p}: ${d} m`);
  }
  for (const p of [[139.7, 35.7], [2.35, 48.85], [-74, 40.7]]) {
    assert.ok(outOfChina(p));
    assert.deepEqual(wgs84ToGcj02(p), p);
  }
  assert.deepEqual(toDatum([120, 28], 'wgs84'), [120, 28]);
});

test('excerpts: pinyin readings dropped and traditional characters simplified', async () => {
  const fs = await import('node:fs');
  const { cleanExcerpt, needsCleaning, parseT2S } = await import('../web/text.js');
  const t2s = parseT2S(fs.readFileSync(new URL('../../data/search_t2s.txt', import.meta.url), 'utf8'));
  assert.equal(cleanExcerpt('規(guī)劃建設(shè)臺灣中小企業(yè)園區(qū)', t2s), '规划建设台湾中小企业园区');
  assert.equal(cleanExcerpt('在湖東片區(qū)的成熟地塊', t2s), '在湖东片区的成熟地块');
  assert.equal(cleanExcerpt('G60科创走廊(2019)', t2s), 'G60科创走廊(2019)', 'numbers in parentheses stay');
  assert.equal(cleanExcerpt('温州(嘉定)科技创新园', t2s), '温州(嘉定)科技创新园', 'Chinese in parentheses stays');
  assert.equal(cleanExcerpt('大小门岛(LNG)项目', t2s), '大小门岛(LNG)项目', 'capitals are not readings');
  assert.equal(needsCleaning('温州港', t2s), false);
  assert.equal(needsCleaning('臺商區(qū)', t2s), true);
});
