// Drawn geometries made acceptable to the planning layers' checks
// (data/geomcheck.go, data.MaxDecimals): at most 6 decimals, no repeated
// positions, closed rings, RFC 7946 ring orientation. No DOM: the node
// tests import it.

/** The most decimals a planning-layer coordinate may have (data.MaxDecimals). */
export const MAX_DECIMALS = 6;

function roundPosition(p) {
  const f = 10 ** MAX_DECIMALS;
  return [Math.round(p[0] * f) / f, Math.round(p[1] * f) / f];
}

function dedupe(positions) {
  return positions.filter((p, i) => i === 0 || p[0] !== positions[i - 1][0] || p[1] !== positions[i - 1][1]);
}

/** Twice the signed area of a closed ring (positive when counter-clockwise). */
export function ringArea(ring) {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return a;
}

/**
 * Rounds a drawn geometry to the layers' precision (6 decimals), drops
 * repeated positions, closes rings and orients them as RFC 7946 wants
 * (exterior counter-clockwise, holes clockwise).
 */
export function normaliseGeometry(g) {
  const line = (coords) => dedupe(coords.map(roundPosition));
  const ring = (coords, exterior) => {
    let r = line(coords);
    if (r.length && (r[0][0] !== r[r.length - 1][0] || r[0][1] !== r[r.length - 1][1])) r.push(r[0]);
    if ((ringArea(r) > 0) !== exterior) r = r.reverse();
    return r;
  };
  const polygon = (rings) => rings.map((r, i) => ring(r, i === 0));
  switch (g.type) {
    case 'Point': return { type: 'Point', coordinates: roundPosition(g.coordinates) };
    case 'LineString': return { type: 'LineString', coordinates: line(g.coordinates) };
    case 'Polygon': return { type: 'Polygon', coordinates: polygon(g.coordinates) };
    case 'MultiLineString': return { type: 'MultiLineString', coordinates: g.coordinates.map(line) };
    case 'MultiPolygon': return { type: 'MultiPolygon', coordinates: g.coordinates.map(polygon) };
    default: return g;
  }
}
